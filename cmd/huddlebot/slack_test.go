package main

import (
	"encoding/json"
	"io"
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

const slackTestSecret = "serve-test-signing-secret"

func slackPost(t *testing.T, base, contentType string, body []byte, secret string, at time.Time) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(slackfake.SignedRequest(base+"/slack/events", secret, at, contentType, body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func slackCommand(user, text string) []byte {
	return []byte(url.Values{"token": {"x"}, "team_id": {"T0001"}, "team_domain": {"example"}, "channel_id": {"C0001"},
		"channel_name": {"4west"}, "user_id": {user}, "user_name": {"u"}, "command": {"/learn"}, "text": {text},
		"response_url": {"https://hooks.slack.com/commands/T0001/1/x"}, "trigger_id": {"1.2.3"}}.Encode())
}

// TestServeSlackHTTP is the Slack issue's "Done when", through `serve`:
// with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL pointing at a
// fake (no app token ⇒ HTTP mode), /learn join nurse then /learn produce a
// DM with a quiz and buttons; a click records one answer and updates the
// message; the same click again changes nothing; stale or forged requests
// get 401; a malformed payload gets 400 and the bot stays healthy.
func TestServeSlackHTTP(t *testing.T) {
	storetest.EachBackend(t, testServeSlackHTTP)
}

func testServeSlackHTTP(t *testing.T, backend store.Backend) {
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	fake.SetUser(slackfake.User{ID: "U7", Name: "nina", RealName: "Nina Patel", TZ: "America/New_York"})
	m, base, logs := startTestMain(t, backend, map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-serve-test",
		"SLACK_SIGNING_SECRET": slackTestSecret,
		"SLACK_API_URL":        fake.APIURL(),
	})

	status, body := slackPost(t, base, "application/x-www-form-urlencoded", slackCommand("U7", "join nurse"), slackTestSecret, time.Now())
	if status != http.StatusOK || !strings.Contains(body, "Welcome, nurse") {
		t.Fatalf("/learn join nurse: %d %s\nlogs:\n%s", status, body, logs)
	}
	status, body = slackPost(t, base, "application/x-www-form-urlencoded", slackCommand("U7", ""), slackTestSecret, time.Now())
	if status != http.StatusOK || !strings.Contains(body, "ephemeral") {
		t.Fatalf("/learn: %d %s", status, body)
	}
	var quiz slackfake.Message
	deadline := time.Now().Add(20 * time.Second)
	for {
		if msgs := fake.Messages(); len(msgs) > 0 {
			quiz = msgs[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DM reached the fake Slack; logs:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if quiz.Channel != "DU7" || fake.Count("conversations.open") != 0 {
		t.Errorf("quiz went to %q after %d conversations.open calls", quiz.Channel, fake.Count("conversations.open"))
	}
	answer := quiz.Action("ans:")
	if answer == "" {
		t.Fatalf("the first nurse lesson should be a quiz with answer buttons: %s", quiz.Blocks)
	}

	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U7", "team_id": "T0001"}, "team": map[string]any{"id": "T0001"},
		"channel": map[string]any{"id": "DU7"}, "container": map[string]any{"type": "message", "channel_id": "DU7", "message_ts": quiz.TS},
		"trigger_id": "9.9.9", "response_url": fake.ResponseURL("serve"),
		"actions": []any{map[string]any{"action_id": answer, "value": answer, "type": "button", "block_id": "choices"}},
	})
	fake.BindResponse("serve", quiz.Channel, quiz.TS)
	click := []byte(url.Values{"payload": {string(payload)}}.Encode())
	for i := range 2 {
		if status, body := slackPost(t, base, "application/x-www-form-urlencoded", click, slackTestSecret, time.Now().Add(time.Duration(i)*time.Second)); status != http.StatusOK {
			t.Fatalf("click %d: %d %s", i+1, status, body)
		}
	}
	// The answered card replaces the quiz through the click's response_url
	// (issue 16), not through a paced chat.update.
	deadline = time.Now().Add(20 * time.Second)
	for fake.Messages()[0].Replaced < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the answered quiz was never updated; logs:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Once no answer waits in the inbox and nothing is left to deliver or
	// retry, the second click has had its effects.
	bottest.Settle(t, m.Bot)
	if n, r := fake.Count("chat.update"), fake.Messages()[0].Replaced; n != 0 || r != 1 {
		t.Errorf("chat.update calls = %d, replacements = %d, want 0 and 1 (the second click changes nothing)", n, r)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("messages = %d, want 1", n)
	}

	for name, tc := range map[string]struct {
		secret string
		at     time.Time
		body   []byte
		want   int
	}{
		"forged":    {"wrong", time.Now(), slackCommand("U7", "stats"), http.StatusUnauthorized},
		"stale":     {slackTestSecret, time.Now().Add(-10 * time.Minute), slackCommand("U7", "stats"), http.StatusUnauthorized},
		"malformed": {slackTestSecret, time.Now(), []byte("payload=%7B%22type"), http.StatusBadRequest},
	} {
		if status, body := slackPost(t, base, "application/x-www-form-urlencoded", tc.body, tc.secret, tc.at); status != tc.want {
			t.Errorf("%s: %d %s, want %d", name, status, body, tc.want)
		}
	}
	status, body = slackPost(t, base, "application/x-www-form-urlencoded", slackCommand("U7", "stats"), slackTestSecret, time.Now())
	if status != http.StatusOK || !strings.Contains(body, "Answered") || !strings.Contains(body, "1") {
		t.Errorf("/learn stats after the bad requests: %d %s", status, body)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if strings.Contains(logs.String(), slackTestSecret) || strings.Contains(logs.String(), "xoxb-serve-test") {
		t.Error("a Slack secret reached the log")
	}
}
