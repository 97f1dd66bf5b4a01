package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var quizCard = &bot.Card{Title: "📝 Scanning", Question: "What do you scan first?",
	Choices: []bot.Action{{ID: "ans:9:1", Label: "The wristband"}, {ID: "ans:9:2", Label: "The medication"}},
	Context: "Daily lesson"}

func TestDeliver(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	ctx := context.Background()
	a := e.adapter

	// A first DM is posted to the user id (Slack opens the app's DM) and
	// carries the message id; the returned DM channel is cached.
	sent, err := a.Deliver(ctx, &bot.Outbound{MessageID: 7, Revision: 1, Attempt: 1, Channel: "dm", UserID: "U1", Card: quizCard})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Channel != "DU1" || sent.DMChannel != "DU1" || sent.ID == "" {
		t.Fatalf("sent = %+v", sent)
	}
	post := e.fake.Calls("chat.postMessage")[0].Form
	if post.Get("channel") != "U1" {
		t.Errorf("first DM posted to %q, want the user id", post.Get("channel"))
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(post.Get("metadata")), &md); err != nil || md.EventType != "huddlebot_message" || md.EventPayload["message_id"] != float64(7) {
		t.Errorf("metadata = %s (%v)", post.Get("metadata"), err)
	}
	if !strings.Contains(post.Get("blocks"), `"action_id":"ans:9:1"`) || post.Get("text") == "" {
		t.Errorf("blocks/text = %s / %q", post.Get("blocks"), post.Get("text"))
	}

	// A cached DM channel is used as is; no conversations.open either way.
	if _, err := a.Deliver(ctx, &bot.Outbound{MessageID: 8, Attempt: 1, Channel: "dm", UserID: "U1", DMChannel: "DU1", Card: quizCard}); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("conversations.open"); n != 0 {
		t.Errorf("conversations.open = %d, want 0", n)
	}
	if c := e.fake.Calls("chat.postMessage"); c[len(c)-1].Form.Get("channel") != "DU1" {
		t.Errorf("cached DM posted to %q", c[len(c)-1].Form.Get("channel"))
	}

	// A stale cached DM channel is reopened once.
	sent2, err := a.Deliver(ctx, &bot.Outbound{MessageID: 9, Attempt: 1, Channel: "dm", UserID: "U2", DMChannel: "DGONE", Card: quizCard})
	if err != nil || sent2.DMChannel != "DU2" {
		t.Errorf("stale DM channel: sent %+v err %v", sent2, err)
	}

	// An edit updates in place.
	upd := &bot.Card{Title: "📝 Scanning", Result: "✅ Correct — The wristband", Explanation: "Patient first."}
	got, err := a.Deliver(ctx, &bot.Outbound{MessageID: 7, Revision: 2, Attempt: 1, Channel: "dm", UserID: "U1",
		PostedChannel: sent.Channel, PostedID: sent.ID, Card: upd})
	if err != nil || got.ID != sent.ID || got.Channel != sent.Channel {
		t.Fatalf("update: %+v %v", got, err)
	}
	if c := e.fake.Calls("chat.update"); len(c) != 1 || c[0].Form.Get("ts") != sent.ID || !strings.Contains(c[0].Form.Get("blocks"), "Patient first.") {
		t.Errorf("chat.update calls = %+v", c)
	}

	// A thread reply names its parent.
	if _, err := a.Deliver(ctx, &bot.Outbound{MessageID: 10, Attempt: 1, Channel: "C42", ThreadID: "1700000000.000001",
		Card: &bot.Card{Body: "reply"}}); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("chat.postMessage")
	if last := calls[len(calls)-1].Form; last.Get("thread_ts") != "1700000000.000001" || last.Get("channel") != "C42" {
		t.Errorf("thread post = %v", last)
	}
}

// TestDeliverRetryDoesNotDouble: a post whose answer was lost is found by
// its metadata on the next attempt instead of being posted again.
func TestDeliverRetryDoesNotDouble(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	ctx := context.Background()
	e.fake.LoseResponses("chat.postMessage", 1)
	out := &bot.Outbound{MessageID: 21, Attempt: 1, Channel: "dm", UserID: "U1", Card: quizCard}
	if _, err := e.adapter.Deliver(ctx, out); err == nil {
		t.Fatal("first attempt: want the lost-response error")
	}
	if n := len(e.fake.Messages()); n != 1 {
		t.Fatalf("messages after the lost answer = %d, want 1", n)
	}
	out.Attempt, out.DMChannel = 2, "DU1"
	sent, err := e.adapter.Deliver(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Messages()); n != 1 || sent.ID != e.fake.Messages()[0].TS {
		t.Errorf("retry posted again: %d messages, sent %+v", n, sent)
	}
	// A retry with nothing posted earlier does post.
	out2 := &bot.Outbound{MessageID: 22, Attempt: 3, Channel: "dm", UserID: "U1", DMChannel: "DU1", Card: quizCard}
	if _, err := e.adapter.Deliver(ctx, out2); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Messages()); n != 2 {
		t.Errorf("messages = %d, want 2", n)
	}
}

func TestDeliverErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	ctx := context.Background()

	for _, code := range []string{"user_not_found", "cannot_dm_bot", "account_inactive"} {
		user := "UX" + code
		e.fake.Unreachable(user, code)
		_, err := e.adapter.Deliver(ctx, &bot.Outbound{MessageID: 1, Attempt: 1, Channel: "dm", UserID: user, Card: quizCard})
		if !errors.Is(err, bot.ErrUnreachable) {
			t.Errorf("%s: err = %v, want ErrUnreachable", code, err)
		}
	}

	e.fake.RateLimit("chat.postMessage", 1, 7)
	_, err := e.adapter.Deliver(ctx, &bot.Outbound{MessageID: 2, Attempt: 1, Channel: "C1", Card: quizCard})
	var rl *bot.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: err = %v, want RateLimitError after 7s", err)
	}
}

// TestDeliverPacing: the adapter paces chat.postMessage per channel and
// asks the job to snooze rather than wait long.
func TestDeliverPacing(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	lim := slackbot.Limits{PostPerChannel: slackbot.Rate{PerMinute: 60, Burst: 1}, MaxWait: 0}
	e := newEnv(t, db, envOptions{limits: &lim})
	ctx := context.Background()
	post := func(ch string) error {
		_, err := e.adapter.Deliver(ctx, &bot.Outbound{MessageID: 1, Attempt: 1, Channel: ch, Card: quizCard})
		return err
	}
	if err := post("C1"); err != nil {
		t.Fatal(err)
	}
	var rl *bot.RateLimitError
	if err := post("C1"); !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > time.Second {
		t.Errorf("second post to C1 at once: err %v, want a RateLimitError of at most 1s", err)
	}
	if err := post("C2"); err != nil {
		t.Errorf("another channel is paced separately: %v", err)
	}
	if n := e.fake.Count("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage calls = %d, want 2", n)
	}
}

// The documented signing example from Slack's "Verifying requests from
// Slack", checked against the adapter with its clock pinned to the example.
const (
	docSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	docTS     = "1531420618"
	docSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSlackSigningExample(t *testing.T) {
	t.Parallel()
	body := fixture(t, "signing_example.txt")
	if got := slackbot.Signature(docSecret, docTS, body); got != docSig {
		t.Fatalf("Signature = %s, want %s", got, docSig)
	}
	if got := slackfake.Sign(docSecret, 1531420618, body); got != docSig {
		t.Fatalf("slackfake.Sign = %s, want %s", got, docSig)
	}
	for _, tc := range []struct {
		name   string
		after  time.Duration
		status int
	}{
		{"within the window", 4 * time.Minute, http.StatusOK},
		{"past the window", 5*time.Minute + time.Second, http.StatusUnauthorized},
		{"clock behind", -5*time.Minute - time.Second, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := time.Unix(1531420618, 0).Add(tc.after)
			db := storetest.Open(t, store.SQLite)
			e := newEnv(t, db, envOptions{now: func() time.Time { return now }})
			e.adapter = slackbot.New(e.bot, slackbot.Options{Token: "xoxb", SigningSecret: docSecret, APIURL: e.fake.APIURL(),
				Now: func() time.Time { return now }, Log: quietLog()})
			srv := newServer(t, e.adapter)
			req, _ := http.NewRequest(http.MethodPost, srv+"/slack/events", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", formType)
			req.Header.Set("X-Slack-Request-Timestamp", docTS)
			req.Header.Set("X-Slack-Signature", docSig)
			status, res := e.do(req)
			if status != tc.status {
				t.Fatalf("status %d (%s), want %d", status, res, tc.status)
			}
			if status == http.StatusOK && !strings.Contains(string(res), "I don't know /webhook-collect") {
				t.Errorf("answer = %s", res)
			}
		})
	}
}

// TestRejectsBadRequests: unsigned, forged, stale and replayed requests get
// 401, unparseable ones 400, oversized ones 413; the bot keeps working.
func TestRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	cmd := e.commandBody("U1", "/learn", "help", "C1")
	now := time.Now()
	signed := func(ct string, body []byte) *http.Request {
		return slackfake.SignedRequest(e.srv.URL, secret, now, ct, body)
	}
	replayed := signed(formType, cmd)
	if status, _ := e.do(replayed); status != http.StatusOK {
		t.Fatalf("original request: %d", status)
	}
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(string(cmd)))
			r.Header.Set("Content-Type", formType)
			return r
		}, http.StatusUnauthorized},
		{"no timestamp", func() *http.Request { r := signed(formType, cmd); r.Header.Del("X-Slack-Request-Timestamp"); return r }, http.StatusUnauthorized},
		{"forged", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, "guess", time.Now(), formType, cmd)
		}, http.StatusUnauthorized},
		{"body swapped", func() *http.Request {
			r := signed(formType, cmd)
			other := signed(formType, e.commandBody("U1", "/learn", "pause 30", "C1"))
			other.Header = r.Header.Clone()
			return other
		}, http.StatusUnauthorized},
		{"stale", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now().Add(-6*time.Minute), formType, cmd)
		}, http.StatusUnauthorized},
		{"from the future", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now().Add(6*time.Minute), formType, cmd)
		}, http.StatusUnauthorized},
		{"wrong version", func() *http.Request {
			r := signed(formType, cmd)
			r.Header.Set("X-Slack-Signature", strings.Replace(r.Header.Get("X-Slack-Signature"), "v0=", "v1=", 1))
			return r
		}, http.StatusUnauthorized},
		{"replayed", func() *http.Request { return signed(formType, cmd) }, http.StatusUnauthorized},
		{"bad json", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), "application/json", []byte(`{"type":`))
		}, http.StatusBadRequest},
		{"event without type", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), "application/json", []byte(`{"event_id":"Ev1"}`))
		}, http.StatusBadRequest},
		{"event_callback without event_id", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), "application/json", []byte(`{"type":"event_callback","event":{"type":"app_home_opened"}}`))
		}, http.StatusBadRequest},
		{"form of nothing", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), formType, []byte("a=b"))
		}, http.StatusBadRequest},
		{"payload not json", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), formType, []byte("payload=%7B%7B"))
		}, http.StatusBadRequest},
		{"interaction without user", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), formType,
				[]byte("payload="+url.QueryEscape(`{"type":"block_actions","actions":[]}`)))
		}, http.StatusBadRequest},
		{"command without user", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), formType, []byte("command=%2Flearn&team_id=T1"))
		}, http.StatusBadRequest},
		{"other content type", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), "text/xml", []byte("<a/>"))
		}, http.StatusBadRequest},
		{"too large", func() *http.Request {
			return slackfake.SignedRequest(e.srv.URL, secret, time.Now(), formType, []byte("text="+strings.Repeat("a", 2<<20)))
		}, http.StatusRequestEntityTooLarge},
		{"GET", func() *http.Request { r, _ := http.NewRequest(http.MethodGet, e.srv.URL, nil); return r }, http.StatusMethodNotAllowed},
	} {
		if status, body := e.do(tc.req()); status != tc.status {
			t.Errorf("%s: status %d (%s), want %d", tc.name, status, body, tc.status)
		}
	}
	if rep := e.command("U1", "help"); !strings.Contains(rep["text"].(string), "huddlebot") {
		t.Errorf("after the bad requests /learn help = %v", rep)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	status, body := e.send("application/json", fixture(t, "url_verification.json"), time.Now())
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}` {
		t.Errorf("url_verification: %d %s", status, body)
	}
}

// TestSlashCommandFixture: Slack's documented slash command, as is, reaches
// the core as /learn join nurse 4west and answers ephemerally.
func TestSlashCommandFixture(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	e.fake.SetUser(slackfake.User{ID: "U2147483697", Name: "steve", RealName: "Steve Smith", TZ: "Europe/Berlin"})
	status, body := e.send(formType, fixture(t, "slash_command.txt"), time.Now())
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	var rep map[string]any
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep["response_type"] != "ephemeral" || !strings.Contains(rep["text"].(string), "Welcome, nurse on 4west") {
		t.Errorf("answer = %s", body)
	}
	m := e.member("U2147483697")
	if m.Role != "nurse" || m.Department != "4west" || m.TimeZone != "Europe/Berlin" || m.HomeChannel != "C2147483705" {
		t.Errorf("member = role %q dept %q tz %q home %q", m.Role, m.Department, m.TimeZone, m.HomeChannel)
	}
}

// TestSlowSlashCommand: a command still running when SlowCommand passes (here
// at once) is answered "Working on it…" inside Slack's 3 s, and its real
// answer follows through the command's response_url; the work is done.
func TestSlowSlashCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{slowCommand: -1})
	status, body := e.send(formType, e.commandBody("U0SLOW", "/learn", "join nurse 4west", "C2147483705"), time.Now())
	if status != http.StatusOK || !strings.Contains(string(body), "Working on it") {
		t.Fatalf("interim answer: %d %s", status, body)
	}
	var got string
	bottest.WaitFor(t, 10*time.Second, "the answer on response_url", func() bool {
		for _, r := range e.fake.Responses() {
			if strings.HasSuffix(r.Path, "cmd-U0SLOW") {
				got, _ = r.Body["text"].(string)
				return true
			}
		}
		return false
	})
	if !strings.Contains(got, "Welcome, nurse on 4west") {
		t.Errorf("response_url answer = %q", got)
	}
	if m := e.member("U0SLOW"); m.Role != "nurse" {
		t.Errorf("member role %q after the slow join, want nurse", m.Role)
	}
}

// TestResponseURLRedirectNotFollowed: a response_url on an allowed host that
// answers with a redirect elsewhere does not carry the reply (and the
// member's text in it) to that other host: the client follows no redirect.
func TestResponseURLRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{slowCommand: -1})
	hits := make(chan string, 4)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- string(b)
	}))
	t.Cleanup(elsewhere.Close)
	e.fake.Redirect("cmd-U0REDIR", elsewhere.URL+"/collect")
	status, _ := e.send(formType, e.commandBody("U0REDIR", "/learn", "join nurse 4west", "C2147483705"), time.Now())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	bottest.WaitFor(t, 10*time.Second, "the reply to reach the response_url", func() bool { return e.fake.Redirected() > 0 })
	// The reply is posted in the background; once that post is done, a
	// followed redirect would have reached the other host.
	e.adapter.WaitBackground()
	select {
	case body := <-hits:
		t.Errorf("the reply followed the redirect to another host: %s", body)
	default:
	}
}

// TestReplayRefusedAcrossReplicas: a captured signed request accepted by one
// replica is refused when sent again within the 5-minute window to a second
// replica on the same database, and to a replica started after a restart
// (no memory of its own) — on both backends.
func TestReplayRefusedAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, backend)
			first := newEnv(t, db, envOptions{})
			second := newEnv(t, db, envOptions{})
			body := first.commandBody("U0REPLAY", "/feedback", "the order set search is slow", "C2147483705")
			at := time.Now()
			post := func(e *env) int {
				status, _ := e.do(slackfake.SignedRequest(e.srv.URL+"/slack/events", secret, at, formType, body))
				return status
			}
			if got := post(first); got != http.StatusOK {
				t.Fatalf("first delivery: %d", got)
			}
			if got := post(second); got != http.StatusUnauthorized {
				t.Errorf("the replay to a second replica: %d, want 401", got)
			}
			restarted := newEnv(t, db, envOptions{})
			if got := post(restarted); got != http.StatusUnauthorized {
				t.Errorf("the replay after a restart: %d, want 401", got)
			}
			var n int
			if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM feedback`); err != nil || n != 1 {
				t.Errorf("%d feedback rows (%v), want 1", n, err)
			}
			// The maintenance tick forgets signatures once their window passed.
			if err := first.bot.Tick(context.Background(), at.Add(slackbot.SignatureWindow+time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM request_signature`); err != nil || n != 0 {
				t.Errorf("%d signatures kept after their window (%v), want 0", n, err)
			}
		})
	}
}
