package teams_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestFlakyConnector: the connector answers 20% of its calls (opening 1:1
// chats, sends) with 429 (Retry-After: 1) or 500, before doing anything.
// A DM to each of 20 members who never wrote to the bot is still delivered
// exactly once, through delivery jobs that snooze for Retry-After or retry;
// and after a 429 nothing goes to that conversation before Retry-After.
func TestFlakyConnector(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		const members = 20
		e, tb := newE2E(t, db)
		ws := e.workspace(t)
		var posts []bot.Post
		for i := range members {
			m, err := db.MemberEnsure(ctx, ws.ID, fmt.Sprintf("29:flaky-%02d", i), fmt.Sprintf("Member %d", i))
			if err != nil {
				t.Fatal(err)
			}
			posts = append(posts, bot.Post{WorkspaceID: ws.ID, MemberID: m.ID, Channel: "dm",
				Card: &bot.Card{Title: "Update", Body: fmt.Sprintf("Message for member %d.", i)}})
		}
		e.conn.SetFaults(0.2, 15)
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := e.bot.PostMany(ctx, tx, posts)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			done := 0
			for i := range members {
				if len(e.conn.Activities(e.conn.PersonalConversation(fmt.Sprintf("29:flaky-%02d", i)))) > 0 {
					done++
				}
			}
			if done == members {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d members have their message after 2 minutes", done, members)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := tb.Jobs.WaitIdle(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
		for i := range members {
			if n := len(e.conn.Activities(e.conn.PersonalConversation(fmt.Sprintf("29:flaky-%02d", i)))); n != 1 {
				t.Errorf("member %d has %d messages; want exactly 1", i, n)
			}
		}
		limited, failed := 0, 0
		holdUntil := map[string]time.Time{} // conversation → end of a 429's Retry-After
		for _, c := range e.conn.Calls() {
			if until, ok := holdUntil[c.Conversation]; ok && c.Conversation != "" && c.At.Before(until.Add(-50*time.Millisecond)) {
				t.Errorf("a call to %s at %s, before the Retry-After of its 429 ended (%s)", c.Conversation,
					c.At.Format("05.000"), until.Format("05.000"))
			}
			switch c.Status {
			case http.StatusTooManyRequests:
				limited++
				holdUntil[c.Conversation] = c.At.Add(time.Second)
			case http.StatusInternalServerError:
				failed++
			}
		}
		t.Logf("%d connector calls: %d answered 429, %d answered 500", len(e.conn.Calls()), limited, failed)
		if limited == 0 || failed == 0 {
			t.Errorf("the faults were not all exercised: %d 429s, %d 500s", limited, failed)
		}
	})
}

// TestBlockedMemberUnreachable: a person who blocked or uninstalled the bot
// (403 with MessageWritesBlocked) is marked unreachable after one attempt,
// the delivery is not retried, and the next message to them is not sent.
func TestBlockedMemberUnreachable(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, tb := newE2E(t, db)
		ws := e.workspace(t)
		m, err := db.MemberEnsure(ctx, ws.ID, "29:1blocked-Zaqt7CZ", "Blocked Person")
		if err != nil {
			t.Fatal(err)
		}
		conv := e.conn.PersonalConversation("29:1blocked-Zaqt7CZ")
		e.conn.Block(conv, "ConversationBlockedByUser")
		post := func(body string) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := e.bot.Post(ctx, tx, bot.Post{WorkspaceID: ws.ID, MemberID: m.ID, Channel: "dm", Card: &bot.Card{Body: body}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := tb.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		post("Are you there?")
		r, err := db.MemberRecipient(ctx, m.ID)
		if err != nil || r.Reachable {
			t.Fatalf("after a 403 MessageWritesBlocked the member is reachable=%v, %v; want unreachable", r.Reachable, err)
		}
		sends := func() int {
			n := 0
			for _, c := range e.conn.Calls() {
				if c.Conversation == conv && c.Method == http.MethodPost {
					n++
				}
			}
			return n
		}
		if n := sends(); n != 1 {
			t.Errorf("%d sends to the blocked conversation; want 1 (not retried)", n)
		}
		post("Still there?")
		if n := sends(); n != 1 {
			t.Errorf("a message to an unreachable member was sent (%d sends)", n)
		}
	})
}

// TestFlakyConnectorAnswers: with 20% of connector calls failing (429 or
// 500), nurses who type "learn join" and "learn" still get their answers
// and one quiz each, and each answer pressed is stored once and answered
// with the answered card.
func TestFlakyConnectorAnswers(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		const members = 8
		e, tb := newE2E(t, db)
		e.conn.SetFaults(0.2, 21)
		users := make([]string, members)
		for i := range users {
			users[i] = fmt.Sprintf("29:1flaky-nurse-%d-Zaqt7CZ", i)
			if rep := e.say(t, users[i], "learn join nurse 4west"); !strings.Contains(rep, "Welcome") {
				t.Fatalf("%s: learn join answered %q", users[i], rep)
			}
			e.say(t, users[i], "learn")
		}
		quizzesOf := func(u string) []adaptertest.Message {
			conv := e.conn.PersonalConversation(u)
			var quizzes []adaptertest.Message
			for _, p := range e.conn.Activities(conv) {
				if m := view(t, p.Activity); len(m.Actions) > 0 && strings.HasPrefix(m.Actions[0], "ans:") {
					m.Channel, m.ID = conv, p.ID
					quizzes = append(quizzes, m)
				}
			}
			return quizzes
		}
		// A delivery that drew a 500 is retried after River's backoff.
		deadline := time.Now().Add(2 * time.Minute)
		for _, u := range users {
			for len(quizzesOf(u)) == 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if err := tb.Jobs.WaitIdle(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			quizzes := quizzesOf(u)
			if len(quizzes) != 1 {
				t.Fatalf("%s has %d quizzes; want exactly 1", u, len(quizzes))
			}
			code, body := e.invoke(t, u, quizzes[0], quizzes[0].Actions[0])
			if code != http.StatusOK || !strings.Contains(string(body), "application/vnd.microsoft.card.adaptive") {
				t.Errorf("%s's answer: %d %s", u, code, body)
			}
		}
		var answers int
		if err := db.GetContext(ctx, &answers, `SELECT COUNT(*) FROM answer`); err != nil || answers != members {
			t.Errorf("%d answers stored, %v; want %d", answers, err, members)
		}
	})
}
