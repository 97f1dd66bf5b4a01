package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// Sandbox is an in-process bot with the sandbox adapter, the bundled
// content, the demo people and running delivery workers, driven through the
// sandbox's HTTP API. Its simulated clock starts on a workday morning.
type Sandbox struct {
	T   *testing.T
	DB  *store.DB
	Bot *bot.Bot
	// Features are the capabilities registered on Bot.
	Features *feature.Set
	SB       *sandbox.Server
	URL      string
}

// NewSandbox returns a Sandbox over a fresh database of backend, with every
// capability registered, running job workers, the demo people seeded and
// the clock on a Tuesday, Wednesday or Thursday at 09:00 UTC.
func NewSandbox(t *testing.T, backend store.Backend, cfg bot.Config) *Sandbox {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, backend)
	bb := NewBot(t, db, BotOptions{Config: cfg, Jobs: bot.JobsOptions{Work: true, PollInterval: 20 * time.Millisecond}})
	bb.Start(t)
	b, f := bb.Bot, bb.Features
	s := sandbox.New(b)
	// A Tuesday, Wednesday or Thursday at 09:00 UTC: inside everyone's
	// default work hours, with a work day before and after.
	now := s.Clock.Now()
	target := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, time.UTC)
	for target.Weekday() < time.Tuesday || target.Weekday() > time.Thursday {
		target = target.AddDate(0, 0, 1)
	}
	s.TickStep = 24 * time.Hour
	if err := s.Advance(ctx, target.Sub(now)); err != nil {
		t.Fatal(err)
	}
	s.TickStep = 15 * time.Minute
	if err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &Sandbox{T: t, DB: db, Bot: b, Features: f, SB: s, URL: srv.URL}
}

// Call sends a JSON request to the sandbox API and decodes its answer into
// out; any status but 200 fails the test.
func (e *Sandbox) Call(method, path string, body, out any) {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, e.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.T.Fatalf("%s %s: status %d: %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.T.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
}

// SandboxReply is the sandbox API's answer to a command, click or submit.
type SandboxReply struct {
	Reply string    `json:"reply"`
	Form  *bot.Form `json:"form"`
}

// Command runs a slash command as user in channel and returns the reply.
func (e *Sandbox) Command(user, channel, text string) string {
	e.T.Helper()
	var out SandboxReply
	e.Call("POST", "/sandbox/api/command", map[string]string{"user": user, "channel": channel, "text": text}, &out)
	return out.Reply
}

// Click presses action on message msg as user.
func (e *Sandbox) Click(user string, msg int64, action string) SandboxReply {
	e.T.Helper()
	var out SandboxReply
	e.Call("POST", "/sandbox/api/click", map[string]any{"user": user, "message": msg, "action": action}, &out)
	return out
}

// Submit fills in form as user.
func (e *Sandbox) Submit(user, form, text string) string {
	e.T.Helper()
	var out SandboxReply
	e.Call("POST", "/sandbox/api/submit", map[string]string{"user": user, "form": form, "text": text}, &out)
	return out.Reply
}

// Msg is a message as the sandbox API lists it.
type Msg struct {
	ID      int64     `json:"id"`
	Channel string    `json:"channel"`
	Text    string    `json:"text"`
	Card    *bot.Card `json:"card"`
	Actions []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"actions"`
}

// Action returns the id of the message's first action starting with prefix,
// or "".
func (m Msg) Action(prefix string) string {
	for _, a := range m.Actions {
		if strings.HasPrefix(a.ID, prefix) {
			return a.ID
		}
	}
	return ""
}

// Messages lists what user sees in channel ("dm" for direct messages).
func (e *Sandbox) Messages(user, channel string) []Msg {
	e.T.Helper()
	var out []Msg
	e.Call("GET", "/sandbox/api/messages?user="+user+"&channel="+strings.TrimPrefix(channel, "#"), nil, &out)
	return out
}

// Find returns the newest message of user in channel that contains text.
func (e *Sandbox) Find(user, channel, text string) (Msg, bool) {
	e.T.Helper()
	ms := e.Messages(user, channel)
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].Text, text) {
			return ms[i], true
		}
	}
	return Msg{}, false
}

// Must returns the newest message of user in channel containing text, or
// fails the test listing what there is.
func (e *Sandbox) Must(user, channel, text string) Msg {
	e.T.Helper()
	m, ok := e.Find(user, channel, text)
	if !ok {
		var texts []string
		for _, m := range e.Messages(user, channel) {
			texts = append(texts, m.Text)
		}
		e.T.Fatalf("%s has no message in %s containing %q; has:\n%s", user, channel, text, strings.Join(texts, "\n---\n"))
	}
	return m
}
