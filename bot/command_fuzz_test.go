package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// FuzzCommandText feeds arbitrary command text to every chat command, as a
// learner, a super-user and a trainer: nothing panics, and every input gets
// a reply (a usage hint at least) — never silence.
func FuzzCommandText(f *testing.F) {
	for _, s := range []string{
		"", "help", "join nurse 4west", "join surgeon", "time 25:00", "time 06:45", "tz Mars/Base", "tz America/Chicago",
		"days fri-mon", "days xyz", "hours 19:00-07:30", "hours 7-19", "pause 400", "pause 3", "resume", "stats",
		"duty on", "nudges maybe", `poll "Q?" "A" "B" --multi=2 --anonymous --closes 10m`, `poll "unterminated`,
		"start Shift change", "end", "ask how do I print a label? 555-123-4567", "list", "send sepsis-alert-launch now",
		"preview secure-chat-launch nurse", "status nope", "cancel", "\x00\xff", strings.Repeat("x", 5000),
	} {
		f.Add(s)
	}
	e := bottest.NewEnv(f, storetest.URL(f, store.SQLite), true, tuesday10)
	ctx := context.Background()
	ws := e.WS
	users := []struct {
		id    string
		perms string
	}{{"learner", ""}, {"super", "super_user"}, {"trainer", "trainer"}}
	for _, u := range users {
		id, err := e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: ws.ID, UserID: u.id, Role: "nurse", Department: "4west"})
		if err != nil {
			f.Fatal(err)
		}
		if u.perms != "" {
			if _, err := e.DB.ExecContext(ctx, e.DB.Rebind(`UPDATE member SET permissions = ? WHERE id = ?`), u.perms, id); err != nil {
				f.Fatal(err)
			}
		}
	}
	// The fuzzer is only as good as the list it walks: every capability's
	// command must be on it.
	if got, want := strings.Join(e.Bot.Commands(), " "), "ask burst feedback huddle learn"; got != want {
		f.Fatalf("registered commands = %q, want %q", got, want)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// One persona per input keeps each run short; the corpus covers all three.
		for _, name := range e.Bot.Commands() {
			for _, u := range users[len(text)%len(users) : len(text)%len(users)+1] {
				cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				rep := e.Bot.HandleCommand(cctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: u.id},
					Channel: "#4west", Name: name, Text: text})
				hung := cctx.Err() != nil
				cancel()
				if hung {
					t.Fatalf("/%s %q as %s ran out its context (a deadlock on the database connection?)", name, text, u.id)
				}
				if strings.TrimSpace(rep.Text) == "" && rep.Card == nil && rep.Form == nil {
					t.Fatalf("/%s %q as %s: empty reply", name, text, u.id)
				}
				if strings.Contains(rep.Text, "goroutine ") || strings.Contains(rep.Text, "panic") {
					t.Fatalf("/%s %q: internal detail leaked: %q", name, text, rep.Text)
				}
				if !utf8.ValidString(rep.Text) && utf8.ValidString(text) {
					t.Fatalf("/%s %q: invalid UTF-8 reply", name, text)
				}
			}
		}
	})
}
