package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/bottest"
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
		users, quizzes := flakyQuizzes(t, ctx, e, tb, members, 21)
		for _, u := range users {
			code, body := e.invoke(t, u, quizzes[u], quizzes[u].Actions[0])
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

// flakyQuizzes makes the connector fail 20% of its calls (seeded by seed),
// has n nurses type "learn join" and "learn", and returns them and the one
// quiz each got in their 1:1 chat.
func flakyQuizzes(t *testing.T, ctx context.Context, e *env, tb *bottest.Bot, n int, seed uint64) ([]string, map[string]adaptertest.Message) {
	t.Helper()
	e.conn.SetFaults(0.2, seed)
	users := make([]string, n)
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
	out := map[string]adaptertest.Message{}
	for _, u := range users {
		quizzes := quizzesOf(u)
		if len(quizzes) != 1 {
			t.Fatalf("%s has %d quizzes; want exactly 1", u, len(quizzes))
		}
		out[u] = quizzes[0]
	}
	return users, out
}

// TestFlakyAnswersReplayed: with 20% of connector calls failing, every
// nurse's answer arrives three times at once — the invoke, the same invoke
// again (Teams retrying it) and a second tap (a new activity) — and later
// a tap on another answer and the first invoke once more. Every response
// is a 200, one of the first three carries the answered card, each answer
// is stored exactly once with the first choice, and nothing new is posted
// in anyone's chat.
func TestFlakyAnswersReplayed(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		const members = 12
		e, tb := newE2E(t, db)
		users, quizzes := flakyQuizzes(t, ctx, e, tb, members, 33)
		invoke := func(user string, m adaptertest.Message, action string) map[string]any {
			p := activity(t, "invoke_adaptivecard_action.json")
			e.fromUser(p, user, m.Channel)
			p["replyToId"] = m.ID
			p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "id": "btn", "verb": action,
				"data": map[string]any{"hb": action}}, "trigger": "manual"}
			return p
		}
		// The answers to "learn join" and "learn" are retried by the
		// adapter itself when the connector fails (not by a job): wait for
		// the last of them before counting what is in each chat.
		if err := e.a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		posts := map[string]int{}
		for _, u := range users {
			posts[u] = len(e.conn.Activities(quizzes[u].Channel))
		}
		type answer struct {
			code int
			body string
		}
		var wg sync.WaitGroup
		results := make([][3]answer, members)
		firsts := make([]map[string]any, members)
		for i, u := range users {
			q := quizzes[u]
			first, tap := invoke(u, q, q.Actions[0]), invoke(u, q, q.Actions[0])
			firsts[i] = first
			for k, p := range []map[string]any{first, first, tap} {
				// Built here: t.Fatal is for the test's goroutine only.
				p["serviceUrl"] = e.conn.ServiceURL()
				body, _ := json.Marshal(p)
				auth := e.id.Token(t, authAppID, e.conn.ServiceURL())
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", auth)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						results[i][k] = answer{0, err.Error()}
						return
					}
					defer res.Body.Close()
					out, _ := io.ReadAll(res.Body)
					results[i][k] = answer{res.StatusCode, string(out)}
				})
			}
		}
		wg.Wait()
		for i, u := range users {
			carded := 0
			for _, r := range results[i] {
				if r.code != http.StatusOK {
					t.Errorf("%s: an answer got %d %s", u, r.code, r.body)
				}
				if strings.Contains(r.body, "application/vnd.microsoft.card.adaptive") {
					carded++
				}
			}
			if carded == 0 {
				t.Errorf("%s: none of the three answers carried the answered card: %+v", u, results[i])
			}
			q := quizzes[u]
			for _, p := range []map[string]any{invoke(u, q, q.Actions[1]), firsts[i]} {
				if code, body := e.post(t, p); code != http.StatusOK {
					t.Errorf("%s: a later tap got %d %s", u, code, body)
				}
			}
		}
		if err := tb.Jobs.WaitIdle(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			User   string `db:"user_id"`
			Choice int    `db:"choice"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT m.user_id, a.choice FROM answer a JOIN member m ON m.id = a.member_id`); err != nil {
			t.Fatal(err)
		}
		stored := map[string]int{}
		for _, r := range rows {
			stored[r.User]++
			if r.Choice != 1 {
				t.Errorf("%s: stored choice %d; want the first answer's (1)", r.User, r.Choice)
			}
		}
		for _, u := range users {
			if stored[u] != 1 {
				t.Errorf("%s: %d answers stored; want exactly 1", u, stored[u])
			}
			if acts := e.conn.Activities(quizzes[u].Channel); len(acts) != posts[u] {
				var news []string
				for _, p := range acts[min(posts[u], len(acts)):] {
					news = append(news, view(t, p.Activity).Text)
				}
				t.Errorf("%s: %d messages in the 1:1 chat after the answers; want %d (nothing new): %q", u, len(acts), posts[u], news)
			}
		}
		if len(rows) != members {
			t.Errorf("%d answers stored; want %d", len(rows), members)
		}
	})
}
