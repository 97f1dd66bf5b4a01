package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/learn"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

const (
	secret = "test-signing-secret"
	team   = "T0001"
)

// testLessons returns the quizzes the tests' members get (fresh copies:
// an import records versions on them).
func testLessons() []*lessons.Lesson {
	return []*lessons.Lesson{
		{ID: "medrec-admission", Kind: lessons.KindQuiz, Title: "Reconciling home medications", Roles: []string{"nurse"},
			Question: "When must home medications be reconciled?",
			Choices:  []string{"At admission, transfer and discharge", "Only at discharge", "Only when the patient brings a list"},
			Answer:   1, Explanation: "Reconciling at every transition catches omissions and duplicates."},
		{ID: "bcma-scan", Kind: lessons.KindQuiz, Title: "Scanning before giving", Roles: []string{"physician"},
			Question: "What do you scan first?", Choices: []string{"The wristband", "The medication"}, Answer: 1,
			Explanation: "Patient first, then the medication."},
	}
}

// env is a full in-process bot with the Slack adapter behind a real HTTP
// server and the real slack-go client pointed at the fake Web API.
type env struct {
	t       testing.TB
	db      *store.DB
	bot     *bot.Bot
	learn   *learn.Learn
	fake    *slackfake.Server
	adapter *slackbot.Adapter
	srv     *httptest.Server
	client  *http.Client
}

type envOptions struct {
	limits      *slackbot.Limits
	now         func() time.Time
	workers     int
	slowCommand time.Duration
	// content replaces the test lessons; config is the bot's.
	content *lessons.Content
	config  bot.Config
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, db *store.DB, o envOptions) *env {
	t.Helper()
	c := o.content
	if c == nil {
		c = &lessons.Content{Lessons: testLessons(), Roles: member.DefaultRoles}
	}
	tb := bottest.NewBot(t, db, bottest.BotOptions{Content: c, Config: o.config,
		Jobs: bot.JobsOptions{Work: true, MaxWorkers: o.workers}})
	b, feat := tb.Bot, tb.Features
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	limits := o.limits
	if limits == nil {
		l := slackbot.Unlimited
		limits = &l
	}
	a := slackbot.New(b, slackbot.Options{Token: "xoxb-test", SigningSecret: secret, APIURL: fake.APIURL(),
		Limits: limits, Now: o.now, Log: quietLog(), SlowCommand: o.slowCommand})
	b.AddAdapter(a)
	tb.Start(t)
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		srv.Close()
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = a.Close(sctx)
	})
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}
	return &env{t: t, db: db, bot: b, learn: feat.Learn, fake: fake, adapter: a, srv: srv, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func fixture(t testing.TB, name string) []byte { return bottest.Fixture(t, name) }

// send posts a body signed at now and returns the status and body.
func (e *env) send(contentType string, body []byte, now time.Time) (int, []byte) {
	e.t.Helper()
	return e.do(slackfake.SignedRequest(e.srv.URL+"/slack/events", secret, now, contentType, body))
}

func (e *env) do(req *http.Request) (int, []byte) {
	e.t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("POST: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

const formType = "application/x-www-form-urlencoded"

// commandBody is the documented slash command fixture with the user, command
// text and channel replaced.
func (e *env) commandBody(user, command, text, channel string) []byte {
	e.t.Helper()
	v, err := url.ParseQuery(string(fixture(e.t, "slash_command.txt")))
	if err != nil {
		e.t.Fatal(err)
	}
	v.Set("user_id", user)
	v.Set("user_name", strings.ToLower(user))
	v.Set("team_id", team)
	v.Set("command", command)
	v.Set("text", text)
	v.Set("channel_id", channel)
	v.Set("response_url", e.fake.ResponseURL("cmd-"+user))
	return []byte(v.Encode())
}

// command runs a slash command and returns its ephemeral answer.
func (e *env) command(user, text string) map[string]any {
	e.t.Helper()
	status, body := e.send(formType, e.commandBody(user, "/learn", text, "C2147483705"), time.Now())
	if status != http.StatusOK {
		e.t.Fatalf("/learn %s: status %d: %s", text, status, body)
	}
	var out map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &out); err != nil {
			e.t.Fatalf("/learn %s: %v: %s", text, err, body)
		}
	}
	return out
}

// clickBody is the documented block_actions fixture for a click on actionID
// by user in the DM channel, answering through responseID.
func (e *env) clickBody(user, actionID, responseID string) []byte {
	e.t.Helper()
	var p map[string]any
	if err := json.Unmarshal(fixture(e.t, "block_actions.json"), &p); err != nil {
		e.t.Fatal(err)
	}
	p["user"].(map[string]any)["id"] = user
	p["channel"].(map[string]any)["id"] = "D" + user
	p["container"].(map[string]any)["channel_id"] = "D" + user
	act := p["actions"].([]any)[0].(map[string]any)
	act["action_id"], act["value"] = actionID, actionID
	p["response_url"] = e.fake.ResponseURL(responseID)
	// Slack's response_url belongs to the clicked message: the user's
	// newest DM with that button.
	for _, m := range e.dmFor(user) {
		if slices.Contains(m.ActionIDs(), actionID) {
			e.fake.BindResponse(responseID, m.Channel, m.TS)
			p["container"].(map[string]any)["message_ts"] = m.TS
		}
	}
	raw, _ := json.Marshal(p)
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// member returns the stored member of a Slack user.
func (e *env) member(user string) *member.Member {
	e.t.Helper()
	return bottest.Member(e.t, e.db, slackbot.Platform, team, user)
}

func (e *env) answered(user string) int {
	e.t.Helper()
	st, err := e.db.MemberStatsGet(context.Background(), e.db, e.member(user).ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Answered
}

// kept counts a user's answers that are durably stored: recorded, or
// waiting in the answer inbox to be applied.
func (e *env) kept(user string) int {
	e.t.Helper()
	var n int
	if err := e.db.GetContext(context.Background(), &n, e.db.Rebind(`SELECT
		(SELECT COUNT(*) FROM answer WHERE member_id = ?) + (SELECT COUNT(*) FROM answer_inbox WHERE member_id = ?)`),
		e.member(user).ID, e.member(user).ID); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// dmFor returns the messages posted to a user's DM channel.
func (e *env) dmFor(user string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range e.fake.Messages() {
		if m.Channel == "D"+user {
			out = append(out, m)
		}
	}
	return out
}

// newServer serves h on a loopback port for the test's lifetime.
func newServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
