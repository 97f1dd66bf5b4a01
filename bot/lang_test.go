package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// The core's own words follow the member's language, else the workspace
// default (HUDDLEBOT_LANGUAGE): the unknown command, a refusal, a failure.
func TestCoreSpeaksMemberLanguage(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	for _, tc := range []struct {
		name, memberLang, defaultLang, want string
	}{
		{"member es", "es", "en", "No conozco /nope. Pruebe /learn help."},
		{"member es-MX", "es-MX", "en", "No conozco /nope."},
		{"workspace es", "", "es", "No conozco /nope."},
		{"member pt-BR, default en", "pt-BR", "en", "I don't know /nope. Try /learn help."},
		{"member en over workspace es", "en", "es", "I don't know /nope."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bot.New(db, bot.Config{DefaultLanguage: tc.defaultLang}, nil)
			user := "U-" + strings.ReplaceAll(tc.name, " ", "-")
			a := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user}
			_, m, err := b.Resolve(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if tc.memberLang != "" {
				if _, err := db.MemberSetLanguage(ctx, db, m.ID, tc.memberLang, member.LanguageChosen); err != nil {
					t.Fatal(err)
				}
			}
			rep := b.HandleCommand(ctx, bot.Command{Actor: a, Name: "nope", Channel: "dm"})
			if !strings.HasPrefix(rep.Text, tc.want) {
				t.Errorf("reply %q, want %q…", rep.Text, tc.want)
			}
		})
	}
}

// A keyed user error is said in the language of whoever it reaches; a
// command's usage hint in the request's language.
func TestUserErrorAndUsageTranslated(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	b := bot.New(db, bot.Config{DefaultLanguage: "es"}, nil)
	b.HandleCommandFunc("x", func(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
		switch text {
		case "usage":
			return r.Usage("/x usage", r.T("core.your_unit", nil)), nil
		case "refuse":
			return bot.Reply{}, r.RequireT(member.PermTrainer, "core.your_unit")
		case "stale":
			return bot.Reply{}, bot.ErrStale
		}
		return bot.Reply{}, context.DeadlineExceeded
	})
	a := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "U1"}
	for text, want := range map[string]string{
		"usage":  "Uso: `/x usage` — su unidad",
		"refuse": "Solo los formadores pueden su unidad. Pregunte a su formador si lo necesita.",
		"stale":  "Ese botón pertenece a un mensaje que ya no reconozco.",
		"boom":   "Lo siento, algo falló por mi parte y no se guardó nada. Inténtelo de nuevo.",
	} {
		if rep := b.HandleCommand(ctx, bot.Command{Actor: a, Name: "x", Text: text}); rep.Text != want {
			t.Errorf("%s: %q, want %q", text, rep.Text, want)
		}
	}
}

// A request deferred past the platform's deadline says "working on it" in
// the waiting person's language.
func TestWorkingOnItInMemberLanguage(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	b := bot.New(db, bot.Config{}, nil)
	a := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "U1"}
	_, m, err := b.Resolve(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MemberSetLanguage(ctx, db, m.ID, "es", member.LanguagePlatform); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	done := make(chan bot.Reply, 1)
	rep, deferred := b.Defer(ctx, bot.Deferral{
		After:    -1,
		FollowUp: func(_ context.Context, rep bot.Reply) { done <- rep },
		Lang:     func(ctx context.Context) string { return b.ActorLang(ctx, a) },
	}, func(context.Context) bot.Reply { <-release; return bot.Reply{Text: "hecho"} })
	close(release)
	if !deferred || rep.Text != "⏳ Trabajando en ello; la respuesta aparecerá aquí en un momento." {
		t.Errorf("interim reply %q (deferred %v)", rep.Text, deferred)
	}
	select {
	case r := <-done:
		if r.Text != "hecho" {
			t.Errorf("follow-up %q", r.Text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no follow-up")
	}
}
