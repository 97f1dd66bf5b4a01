package teams_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestBurstToOneRole: a trainer sends an update burst by typing "burst send
// … now" in her 1:1 chat; the scheduler's next tick delivers it, each
// lesson once, to the roles it names — to a nurse who never wrote to the bot,
// in a 1:1 chat the bot opens — and to no one else (billing).
func TestBurstToOneRole(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, tb := newE2E(t, db)
		tuesday10 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // a workday, inside default hours
		e.bot.SetClock(func() time.Time { return tuesday10 })
		ws := e.workspace(t)
		const trainer, nurse, biller = "29:1tess-trainer-Zaqt7CZ", "29:1nora-nurse-Zaqt7CZ", "29:1bill-billing-Zaqt7CZ"
		addMembers(t, db, []store.MemberUpsert{
			{WorkspaceID: ws.ID, UserID: trainer, Name: "Tess Lin", Role: "nurse", Department: "education", Permissions: []member.Permission{member.PermTrainer}},
			{WorkspaceID: ws.ID, UserID: nurse, Name: "Nora Diaz", Role: "nurse", Department: "4west"},
			{WorkspaceID: ws.ID, UserID: biller, Name: "Bill Romero", Role: "billing", Department: "revenue"},
		})
		if rep := e.say(t, trainer, "burst send secure-chat-launch now"); !strings.Contains(strings.ToLower(rep), "secure chat") {
			t.Fatalf("burst send answered %q", rep)
		}
		if err := e.bot.Tick(ctx, tuesday10); err != nil {
			t.Fatal(err)
		}
		if err := tb.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		count := func(user string) int {
			n := 0
			for _, p := range e.conn.Activities(e.conn.PersonalConversation(user)) {
				if strings.Contains(strings.ToLower(view(t, p.Activity).Text), "secure chat") {
					n++
				}
			}
			return n
		}
		if n := count(nurse); n == 0 {
			t.Errorf("the nurse got no message of the burst")
		}
		if n := count(biller); n != 0 {
			t.Errorf("billing got %d messages of a burst for clinical roles", n)
		}
		var dup int
		if err := db.GetContext(ctx, &dup, `SELECT COUNT(*) FROM (SELECT member_id, lesson_id FROM delivery WHERE burst_id = 'secure-chat-launch'
			GROUP BY member_id, lesson_id HAVING COUNT(*) > 1) d`); err != nil || dup != 0 {
			t.Errorf("burst lessons delivered twice: %d, %v", dup, err)
		}
		// Sending again changes nothing.
		e.say(t, trainer, "burst send secure-chat-launch now")
		before := count(nurse)
		if err := e.bot.Tick(ctx, tuesday10.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := tb.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		if n := count(nurse); n != before {
			t.Errorf("sending the burst again: the nurse has %d burst messages, had %d", n, before)
		}
	})
}

// TestBurstCountsUnreachableMember: a nurse who blocked the bot in Teams
// (the connector answers 403 MessageWritesBlocked) is sent a burst: the
// delivery is tried once and not retried, she is marked unreachable, and
// `burst status` and the unreachable report count her — as they count a
// Slack or Discord member whose DMs are closed. Installing the bot again in
// her 1:1 chat makes her reachable again.
func TestBurstCountsUnreachableMember(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, tb := newE2E(t, db)
		tuesday10 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		e.bot.SetClock(func() time.Time { return tuesday10 })
		ws := e.workspace(t)
		const trainer, nurse, blocked = "29:1tess-trainer-Zaqt7CZ", "29:1nora-nurse-Zaqt7CZ", "29:1bea-blocked-Zaqt7CZ"
		addMembers(t, db, []store.MemberUpsert{
			{WorkspaceID: ws.ID, UserID: trainer, Name: "Tess Lin", Role: "billing", Department: "education", Permissions: []member.Permission{member.PermTrainer}},
			{WorkspaceID: ws.ID, UserID: nurse, Name: "Nora Diaz", Role: "nurse", Department: "4west"},
			{WorkspaceID: ws.ID, UserID: blocked, Name: "Bea Kim", Role: "nurse", Department: "4west"},
		})
		blockedConv := e.conn.PersonalConversation(blocked)
		e.conn.Block(blockedConv, "MessageWritesBlocked")
		tick := func(at time.Time) {
			t.Helper()
			if err := e.bot.Tick(ctx, at); err != nil {
				t.Fatal(err)
			}
			if err := tb.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		e.say(t, trainer, "burst send secure-chat-launch now")
		tick(tuesday10)
		sends := func() int {
			n := 0
			for _, c := range e.conn.Calls() {
				if c.Conversation == blockedConv && c.Method == http.MethodPost {
					n++
				}
			}
			return n
		}
		tried := sends()
		if tried == 0 {
			t.Fatal("the burst was never tried on the blocked member")
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, blocked); m.Reachable {
			t.Fatal("after 403 MessageWritesBlocked the member is still reachable")
		}
		// Not retried: later ticks and River's retries send nothing more.
		tick(tuesday10.Add(time.Hour))
		if n := sends(); n != tried {
			t.Errorf("the blocked member was tried again: %d sends, were %d", n, tried)
		}

		status := e.say(t, trainer, "burst status secure-chat-launch")
		for _, want := range []string{"2 members targeted, 1 reached (50%)", "1 unreachable (blocked or removed the bot"} {
			if !strings.Contains(status, want) {
				t.Errorf("burst status lacks %q:\n%s", want, status)
			}
		}
		groups, err := db.ReportUnreachable(ctx, store.ReportFilter{})
		if err != nil || len(groups) != 1 || groups[0] != (store.UnreachableGroup{Platform: teams.Platform, Role: "nurse",
			Department: "4west", Members: 2, Unreachable: 1}) {
			t.Errorf("unreachable report = %+v, %v; want teams nurse 4west: 1 of 2", groups, err)
		}

		// She installs the bot again: reachable, and the report forgets her.
		e.conn.Unblock(blockedConv)
		e.install(t, blocked, blockedConv, "")
		if m := bottest.Member(t, db, teams.Platform, testTenant, blocked); !m.Reachable {
			t.Error("after installing the bot again the member is still unreachable")
		}
		if groups, err := db.ReportUnreachable(ctx, store.ReportFilter{}); err != nil || len(groups) != 0 {
			t.Errorf("unreachable report after the reinstall = %+v, %v; want none", groups, err)
		}
	})
}
