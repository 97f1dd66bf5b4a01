package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestFlakySlack: the fake Slack answers 20% of all Web API calls with 429
// (Retry-After: 1), with 500 before doing anything, or with 500 after doing
// the work (a lost answer). A burst to 20 members and their 20 answers
// (each an edit of the quiz message) still end with every member holding
// exactly one message, showing their answer; and after a 429 no call to the
// same method goes out before its Retry-After has passed.
func TestFlakySlack(t *testing.T) {
	storetest.ParallelEachBackend(t, testFlakySlack)
}

func testFlakySlack(t *testing.T, backend store.Backend) {
	const members = 20
	sd := seed(t)
	w := newWorld(t, storetest.URL(t, backend), members, sd)
	w.proxy.set(0.2, 1, 0)
	srv := newServer(t, w.vars)
	srv.start()
	w.sendBurst()
	w.waitDelivered(members, 2*time.Minute, srv.alive)
	w.checkExactlyOnce()

	// Everyone answers; each answer replaces the quiz message through the
	// click's response_url (or, when that fails, edits it with chat.update).
	client := &http.Client{Timeout: 30 * time.Second}
	for i, m := range w.fake.Messages() {
		user := strings.TrimPrefix(m.Channel, "D")
		id := fmt.Sprint(i)
		w.fake.BindResponse(id, m.Channel, m.TS)
		body := clickBody(t, user, m, w.proxy.srv.URL+"/response/"+id)
		res, err := client.Do(slackfake.SignedRequest(srv.URL()+"/slack/events", signSecret, time.Now(), formType, body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("answer of %s: status %d", user, res.StatusCode)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		edited := 0
		for _, m := range w.fake.Messages() {
			if (m.Updates > 0 || m.Replaced > 0) && strings.Contains(string(m.Blocks), "Correct") {
				edited++
			}
		}
		if edited == members {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d quiz messages show the answer after 2 minutes", edited, members)
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.waitDelivered(members, time.Minute, srv.alive)
	w.checkExactlyOnce()
	var answers int
	if err := w.db.GetContext(context.Background(), &answers, `SELECT COUNT(*) FROM answer`); err != nil {
		t.Fatal(err)
	}
	if answers != members {
		t.Errorf("%d answers stored, want %d", answers, members)
	}

	calls := w.proxy.Calls("")
	limited := checkRetryAfter(t, calls, 250*time.Millisecond)
	failed, lost := 0, 0
	for _, c := range calls {
		switch {
		case c.Lost:
			lost++
		case c.Status == http.StatusInternalServerError:
			failed++
		}
	}
	t.Logf("%d calls (Web API and response_url): %d answered 429, %d answered 500 before the work, %d lost after the work; %d conversations.history look-ups",
		len(calls), limited, failed, lost, len(w.proxy.Calls("conversations.history")))
	if limited == 0 || failed == 0 || lost == 0 {
		t.Errorf("the faults were not all exercised: %d 429s, %d 500s, %d lost answers", limited, failed, lost)
	}
}

const formType = "application/x-www-form-urlencoded"

// clickBody is a block_actions payload: user clicks the first answer
// button of the quiz message m, with its reply going to responseURL.
func clickBody(t *testing.T, user string, m slackfake.Message, responseURL string) []byte {
	t.Helper()
	var action string
	for _, id := range m.ActionIDs() {
		if strings.HasPrefix(id, "ans:") && strings.HasSuffix(id, ":1") {
			action = id
			break
		}
	}
	if action == "" {
		t.Fatalf("message %s has no first answer button: %s", m.TS, m.Blocks)
	}
	p := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": team},
		"api_app_id":   "AFAULT",
		"team":         map[string]any{"id": team, "domain": "fault"},
		"container":    map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
		"trigger_id":   "1.2.3",
		"channel":      map[string]any{"id": m.Channel, "name": "directmessage"},
		"message":      map[string]any{"type": "message", "ts": m.TS, "text": m.Text},
		"response_url": responseURL,
		"actions": []any{map[string]any{"action_id": action, "block_id": "answers", "type": "button",
			"value": action, "text": map[string]any{"type": "plain_text", "text": "answer"}, "action_ts": "1700000000.1"}},
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}
