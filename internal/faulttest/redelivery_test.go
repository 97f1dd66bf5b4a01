package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestRedeliveryAcrossReplicas runs two huddlebot replicas on one
// PostgreSQL database, behind no load balancer but reached in turn, the
// way a redelivery can land on another replica than the first try:
//   - Slack redelivers each Events API event (same event_id, new signature,
//     X-Slack-Retry-Num 1 and 2) to both replicas at once: each event is
//     handled once (one App Home publish per event);
//   - each member double-clicks their quiz answer, one click reaching each
//     replica at the same moment: one answer is stored, the other click is
//     told "only your first answer counts".
//
// bot/slack's TestAppHome covers a redelivery to the same process; the
// signature checks' replay memory is per process, so across replicas only
// the database's event_id and answer constraints stand between a redelivery
// and a double.
func TestRedeliveryAcrossReplicas(t *testing.T) {
	t.Parallel()
	const members, events = 20, 10
	sd := seed(t)
	w := newWorld(t, storetest.URL(t, store.Postgres), members, sd)
	a, b := newServer(t, w.vars), newServer(t, w.vars)
	a.start()
	b.start()
	w.sendBurst()
	w.waitDelivered(members, time.Minute, func() bool { return a.alive() && b.alive() })

	client := &http.Client{Timeout: 30 * time.Second}
	post := func(srv *server, body []byte, contentType string, retry int, at time.Time) int {
		req := slackfake.SignedRequest(srv.URL()+"/slack/events", signSecret, at, contentType, body)
		if retry > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("POST %s: %v", srv.URL(), err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}

	// Events: the first delivery and two retries, all at once, spread over
	// both replicas.
	var wg sync.WaitGroup
	for e := range events {
		user := w.users[e]
		body := []byte(fmt.Sprintf(`{"token":"x","team_id":%q,"api_app_id":"AFAULT","type":"event_callback",
			"event_id":"EvFAULT%03d","event_time":1700000000,
			"event":{"type":"app_home_opened","user":%q,"channel":"D%s","tab":"home","event_ts":"1700000000.000100"}}`,
			team, e, user, user))
		for retry, srv := range []*server{a, b, a} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each try is signed anew, a second apart, as Slack does.
				if status := post(srv, body, "application/json", retry, time.Now().Add(time.Duration(retry)*time.Second)); status != http.StatusOK {
					t.Errorf("event %d try %d: status %d", e, retry, status)
				}
			}()
		}
	}
	wg.Wait()

	// Double clicks: the same answer to both replicas at the same moment.
	msgs := w.fake.Messages()
	for i, m := range msgs {
		user := strings.TrimPrefix(m.Channel, "D")
		for j, srv := range []*server{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := clickBody(t, user, m, w.proxy.srv.URL+fmt.Sprintf("/response/click-%d-%d", i, j))
				if status := post(srv, body, formType, 0, time.Now().Add(time.Duration(j)*time.Second)); status != http.StatusOK {
					t.Errorf("%s's click %d: status %d", user, j, status)
				}
			}()
		}
	}
	wg.Wait()

	bottest.WaitFor(t, 30*time.Second, "every event's App Home", func() bool { return w.fake.Count("views.publish") >= events })
	// Both clicks are acknowledged; a click that finds the question already
	// answered is told so on response_url, and the others wait in the answer
	// inbox until an applier (either replica) records them.
	bottest.WaitFor(t, 30*time.Second, "the answer inbox to empty", func() bool {
		var waiting int
		if err := w.db.GetContext(context.Background(), &waiting, `SELECT COUNT(*) FROM answer_inbox`); err != nil {
			t.Fatal(err)
		}
		return waiting == 0
	})
	// Stop both replicas: a graceful stop (SIGTERM) waits for their
	// background replies and App Home publishes, so whatever the events and
	// clicks were going to publish or reply has been by the time they exit.
	a.stop()
	b.stop()
	published := map[string]int{}
	for _, c := range w.fake.Calls("views.publish") {
		var req struct {
			UserID string `json:"user_id"`
		}
		decodeJSON(t, c.JSON, &req)
		published[req.UserID]++
	}
	for e := range events {
		if n := published[w.users[e]]; n != 1 {
			t.Errorf("event %d (three deliveries) published %s's App Home %d times, want once", e, w.users[e], n)
		}
	}

	repeats, confirmations := 0, 0
	for _, r := range w.fake.Responses() {
		text, _ := r.Body["text"].(string)
		switch {
		case strings.Contains(text, "only your first answer counts"):
			repeats++
		case r.Body["replace_original"] == true && (strings.Contains(text, "\n✅ ") || strings.Contains(text, "\n❌ ")):
			// The answered card, through the click's response_url.
			confirmations++
		default:
			t.Errorf("unexpected reply to a click: %q", text)
		}
	}
	if confirmations > len(msgs) {
		t.Errorf("answers confirmed through response_url %d times, want at most once per message (%d)", confirmations, len(msgs))
	}
	if repeats > len(msgs) {
		t.Errorf("double clicks: %d told it was a repeat, want at most %d", repeats, len(msgs))
	}
	t.Logf("double clicks: %d of %d second clicks found the answer already recorded; the rest were dropped by the applier", repeats, len(msgs))
	var answers int
	if err := w.db.GetContext(context.Background(), &answers, `SELECT COUNT(*) FROM answer`); err != nil {
		t.Fatal(err)
	}
	if answers != members {
		t.Errorf("%d answers stored for %d members who each clicked twice", answers, members)
	}
}
