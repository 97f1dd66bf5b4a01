package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestLearnQuizEndToEnd is the "Done when": /learn join nurse and
// /learn produce a DM with a quiz and buttons; a click records one answer and
// updates the message with the explanation; the same click redelivered
// changes nothing; a replay, a forgery and a stale request get 401 and a
// malformed payload 400, after which the bot still works.
func TestLearnQuizEndToEnd(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(nina)

		rep := e.command("U100", "join nurse 4west")
		if txt, _ := rep["text"].(string); !strings.Contains(txt, "Welcome, nurse on 4west") || rep["response_type"] != "ephemeral" {
			t.Fatalf("join reply = %v", rep)
		}
		if m := e.member("U100"); m.TimeZone != "America/Chicago" || m.Name != "Nina Patel" {
			t.Errorf("member after join: tz %q name %q; want users.info's America/Chicago, Nina Patel", m.TimeZone, m.Name)
		}
		rep = e.command("U100", "")
		if txt, _ := rep["text"].(string); !strings.Contains(txt, "Sent to your direct messages") {
			t.Fatalf("/learn reply = %v", rep)
		}
		bottest.WaitFor(t, 10*time.Second, "the quiz DM", func() bool { return len(e.dmFor("U100")) == 1 })
		if n := e.fake.Count("conversations.open"); n != 0 {
			t.Errorf("conversations.open calls = %d, want 0 (a first DM is posted to the user id)", n)
		}
		dm := e.dmFor("U100")[0]
		ids := dm.ActionIDs()
		if len(ids) != 3 || !strings.HasPrefix(ids[0], "ans:") {
			t.Fatalf("quiz buttons = %v, want three ans:… buttons; blocks %s", ids, dm.Blocks)
		}
		if dm.MessageID == 0 || !strings.Contains(string(dm.Blocks), "When must home medications be reconciled?") {
			t.Fatalf("quiz message: metadata id %d, blocks %s", dm.MessageID, dm.Blocks)
		}

		// The right answer, clicked.
		click := e.clickBody("U100", ids[0], "click-1")
		now := time.Now()
		if status, body := e.send(formType, click, now); status != http.StatusOK {
			t.Fatalf("click: %d %s", status, body)
		}
		// Committed before the ack: in the answer inbox, or already applied.
		if n := e.kept("U100"); n != 1 {
			t.Fatalf("answers kept after the click = %d, want 1 (committed before the ack)", n)
		}
		bottest.WaitFor(t, 10*time.Second, "the queued answer applied", func() bool { return e.answered("U100") == 1 })
		// The answered card replaces the quiz through the click's
		// response_url (issue 16), not through a paced chat.update.
		bottest.WaitFor(t, 10*time.Second, "the answered card through the response_url", func() bool { return len(e.fake.Responses()) == 1 })
		upd := e.fake.Responses()[0]
		if blocks := fmt.Sprint(upd.Body["blocks"]); upd.Body["replace_original"] != true || upd.Path != "/response/click-1" ||
			!strings.Contains(blocks, "Reconciling at every transition") || strings.Contains(blocks, "ans:") {
			t.Errorf("the card through the response_url should replace the quiz with the explanation and no answer buttons: %v", upd)
		}
		bottest.WaitFor(t, 5*time.Second, "the card recorded as showing", func() bool {
			m, err := db.MessageGet(context.Background(), db, dm.MessageID)
			return err == nil && m.SentRevision == m.Revision && m.Revision > 1
		})
		if n := e.fake.Count("chat.update"); n != 0 {
			t.Errorf("chat.update calls = %d, want 0 (the response_url showed the card)", n)
		}

		// The identical request again is a replay.
		if status, _ := e.send(formType, click, now); status != http.StatusUnauthorized {
			t.Errorf("replayed click: status %d, want 401", status)
		}
		// The same click delivered again (freshly signed) changes nothing.
		if status, body := e.send(formType, click, time.Now().Add(time.Second)); status != http.StatusOK {
			t.Fatalf("repeated click: %d %s", status, body)
		}
		bottest.WaitFor(t, 5*time.Second, "the ephemeral reply to the repeated click", func() bool { return len(e.fake.Responses()) >= 2 })
		if r := e.fake.Responses()[1].Body; r["response_type"] != "ephemeral" || r["replace_original"] != false ||
			!strings.Contains(fmt.Sprint(r["text"]), "already answered") {
			t.Errorf("second reply = %v", r)
		}
		// Once nothing is left to apply, deliver or retry, and no reply is
		// in flight, the repeated click has had all its effects.
		bottest.Settle(t, e.bot)
		e.adapter.WaitBackground()
		if n := e.answered("U100"); n != 1 {
			t.Errorf("answers after the repeated click = %d, want 1", n)
		}
		if n := e.fake.Count("chat.update"); n != 0 {
			t.Errorf("chat.update calls after the repeated click = %d, want 0", n)
		}
		if n := len(e.fake.Messages()); n != 1 {
			t.Errorf("messages posted = %d, want 1", n)
		}

		// Forged, stale and malformed requests; the bot stays healthy.
		forged := slackfake.SignedRequest(e.srv.URL, "not-the-secret", time.Now(), formType, e.commandBody("U100", "/learn", "stats", "C1"))
		if status, _ := e.do(forged); status != http.StatusUnauthorized {
			t.Errorf("forged: status %d, want 401", status)
		}
		if status, _ := e.send(formType, e.commandBody("U100", "/learn", "stats", "C1"), time.Now().Add(-6*time.Minute)); status != http.StatusUnauthorized {
			t.Errorf("stale: status %d, want 401", status)
		}
		if status, _ := e.send(formType, []byte("payload=%7Bnot+json"), time.Now()); status != http.StatusBadRequest {
			t.Errorf("malformed: status %d, want 400", status)
		}
		rep = e.command("U100", "stats")
		if blocks, _ := rep["blocks"].([]any); len(blocks) == 0 || !strings.Contains(fmt.Sprint(rep["text"]), "Answered: 1") {
			t.Errorf("stats after the bad requests = %v", rep)
		}
	})
}

// TestAnswerConfirmFallback: when the click's response_url fails (here it
// has expired), the answer still counts and the card is still edited, through
// the paced chat.update, soon after.
func TestAnswerConfirmFallback(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		dm := e.ninaQuiz(t)
		e.fake.Expire("click-1")
		if status, body := e.send(formType, e.clickBody("U100", dm.ActionIDs()[1], "click-1"), time.Now()); status != http.StatusOK {
			t.Fatalf("click: %d %s", status, body)
		}
		bottest.WaitFor(t, 10*time.Second, "the queued answer applied", func() bool { return e.answered("U100") == 1 })
		bottest.WaitFor(t, 10*time.Second, "chat.update with the result", func() bool { return e.fake.Count("chat.update") == 1 })
		upd := e.dmFor("U100")[0]
		if !strings.Contains(string(upd.Blocks), "Not quite") || strings.Contains(string(upd.Blocks), `"ans:`) {
			t.Errorf("the edited card should show the result and no answer buttons: %s", upd.Blocks)
		}
		// The adapter tried the click's response_url first (the fake
		// answered 404 expired_url), then fell back to chat.update. Other
		// response_urls (a slow join's deferred reply under load) may be
		// posted to; they are not this click's.
		if n := e.fake.ExpiredPosts(); n == 0 {
			t.Errorf("the click's response_url was never tried before the chat.update fallback")
		}
		for _, r := range e.fake.Responses() {
			if strings.HasSuffix(r.Path, "/click-1") {
				t.Errorf("a post to the expired response_url was recorded: %+v", r)
			}
		}
	})
}

// TestTellUsMoreModal: the "Tell us more" button opens a modal with the
// click's trigger id, and the submission is stored and acknowledged in the
// modal.
func TestTellUsMoreModal(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.command("U200", "join nurse")
		e.command("U200", "")
		bottest.WaitFor(t, 10*time.Second, "the quiz DM", func() bool { return len(e.dmFor("U200")) == 1 })
		ans := e.dmFor("U200")[0].ActionIDs()[1]
		if status, _ := e.send(formType, e.clickBody("U200", ans, "c"), time.Now()); status != http.StatusOK {
			t.Fatal(status)
		}
		bottest.WaitFor(t, 10*time.Second, "the answered card", func() bool { return e.dmFor("U200")[0].Replaced == 1 })
		var more string
		for _, id := range e.dmFor("U200")[0].ActionIDs() {
			if strings.HasPrefix(id, "more:") {
				more = id
			}
		}
		if more == "" {
			t.Fatalf("answered card has no Tell us more button: %v", e.dmFor("U200")[0].ActionIDs())
		}
		if status, _ := e.send(formType, e.clickBody("U200", more, "m"), time.Now()); status != http.StatusOK {
			t.Fatal(status)
		}
		opens := e.fake.Calls("views.open")
		if len(opens) != 1 || !strings.Contains(string(opens[0].JSON), "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3") ||
			!strings.Contains(string(opens[0].JSON), `"callback_id":"`+more+`"`) {
			t.Fatalf("views.open calls = %+v, want one with the click's trigger id and callback_id %s", opens, more)
		}

		var sub map[string]any
		if err := json.Unmarshal(fixture(t, "view_submission.json"), &sub); err != nil {
			t.Fatal(err)
		}
		sub["user"].(map[string]any)["id"] = "U200"
		sub["view"].(map[string]any)["callback_id"] = more
		sub["view"].(map[string]any)["state"] = map[string]any{"values": map[string]any{"text": map[string]any{
			"text": map[string]any{"type": "plain_text_input", "value": "Please add a screenshot. Call me at 555-123-4567"}}}}
		raw, _ := json.Marshal(sub)
		status, body := e.send(formType, []byte("payload="+url.QueryEscape(string(raw))), time.Now())
		if status != http.StatusOK {
			t.Fatalf("view_submission: %d %s", status, body)
		}
		var res map[string]any
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatalf("view_submission answer %q: %v", body, err)
		}
		if res["response_action"] != "update" || !strings.Contains(string(body), "Thanks") {
			t.Errorf("view_submission answer = %s", body)
		}
		if strings.Contains(string(body), "123-4567") {
			t.Errorf("view_submission answer repeats the phone number: %s", body)
		}
		if n := bottest.Count(t, db, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%add a screenshot%'`); n != 1 {
			t.Errorf("%d feedback rows stored, want 1", n)
		}
		if n := bottest.Count(t, db, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%123-4567%'`); n != 0 {
			t.Errorf("the phone number was stored with the feedback")
		}
	})
}

// TestAppHome: app_home_opened publishes the home view once per event_id,
// and a settings button on it runs the /learn subcommand and republishes.
func TestAppHome(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db, envOptions{})
	ev := fixture(t, "event_app_home_opened.json")
	if status, body := e.send("application/json", ev, time.Now()); status != http.StatusOK {
		t.Fatalf("app_home_opened: %d %s", status, body)
	}
	bottest.WaitFor(t, 5*time.Second, "views.publish", func() bool { return e.fake.Count("views.publish") == 1 })
	if home := string(e.fake.Calls("views.publish")[0].JSON); !strings.Contains(home, `"user_id":"U2147483697"`) ||
		!strings.Contains(home, `"learn:join"`) || !strings.Contains(home, `"type":"home"`) {
		t.Errorf("home for a newcomer: %s", home)
	}
	// Slack redelivers the same event (its ack was late): nothing happens.
	if status, _ := e.send("application/json", ev, time.Now().Add(time.Second)); status != http.StatusOK {
		t.Fatal(status)
	}
	// The redelivery is answered once its event id is checked; a publish
	// it started would be background work.
	e.adapter.WaitBackground()
	if n := e.fake.Count("views.publish"); n != 1 {
		t.Errorf("views.publish after the redelivery = %d, want 1", n)
	}

	// Pick a role from the home view's menu.
	var p map[string]any
	_ = json.Unmarshal(fixture(t, "block_actions.json"), &p)
	delete(p, "channel")
	delete(p, "message")
	p["container"] = map[string]any{"type": "view", "view_id": "VHOME"}
	p["view"] = map[string]any{"id": "VHOME", "type": "home"}
	delete(p, "response_url")
	p["actions"] = []any{map[string]any{"action_id": "learn:join", "block_id": "actions", "type": "static_select",
		"selected_option": map[string]any{"text": map[string]any{"type": "plain_text", "text": "nurse"}, "value": "nurse"}}}
	raw, _ := json.Marshal(p)
	if status, body := e.send(formType, []byte("payload="+url.QueryEscape(string(raw))), time.Now()); status != http.StatusOK {
		t.Fatalf("home click: %d %s", status, body)
	}
	if m := e.member("U2147483697"); !m.Joined || m.Role != "nurse" {
		t.Errorf("after choosing nurse on the home tab: joined %v role %q", m.Joined, m.Role)
	}
	bottest.WaitFor(t, 5*time.Second, "the refreshed home", func() bool { return e.fake.Count("views.publish") == 2 })
	home := string(e.fake.Calls("views.publish")[1].JSON)
	for _, want := range []string{"Welcome, nurse", "Streak", "Accuracy", "Next delivery", `"learn:pause"`, `"learn:stats"`, `"learn:time"`} {
		if !strings.Contains(home, want) {
			t.Errorf("refreshed home lacks %q: %s", want, home)
		}
	}
}

// TestBurstWithRateLimits: with 10% of chat.postMessage calls answered 429,
// a burst of prompts still ends with each delivered exactly once.
func TestBurstWithRateLimits(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.RateLimit("chat.postMessage", 0.1, 1)
		e.fake.LoseResponses("chat.postMessage", 2) // posted, but the answer never arrived
		const n = 20
		for i := range n {
			u := fmt.Sprintf("U%03d", i)
			e.command(u, "join nurse")
			e.command(u, "")
		}
		bottest.WaitFor(t, 60*time.Second, "every prompt delivered", func() bool { return len(e.fake.ByMessageID()) == n })
		// The two lost answers come back as retries that must look before
		// posting again.
		bottest.WaitFor(t, 30*time.Second, "the retries' history checks", func() bool { return e.fake.Count("conversations.history") >= 2 })
		// Nothing left to deliver or retry: any second post would have
		// been made.
		bottest.Settle(t, e.bot)
		for id, count := range e.fake.ByMessageID() {
			if count != 1 {
				t.Errorf("message %d posted %d times", id, count)
			}
		}
		limited := 0
		for _, c := range e.fake.Calls("chat.postMessage") {
			if c.Status == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited == 0 {
			t.Errorf("no chat.postMessage call was rate limited; the test did not exercise 429s")
		}
		if e.fake.Count("conversations.history") == 0 {
			t.Errorf("lost responses were retried without checking conversations.history")
		}
	})
}
