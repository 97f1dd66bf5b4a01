package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

// SandboxOptions tunes OpenSandbox.
type SandboxOptions struct {
	Config bot.Config
	// Log receives the bot's log (default: discarded).
	Log *slog.Logger
	// NoContent leaves the bundled lessons out (tests that need none
	// start faster, above all under the race detector).
	NoContent bool
	// KeepClock leaves the simulated clock at the real time instead of
	// moving it to a workday morning.
	KeepClock bool
	// TickStep is the simulated clock's catch-up step once the test runs
	// (default: the sandbox's own, 15 minutes).
	TickStep time.Duration
}

// NewSandbox returns a Sandbox over a fresh database of backend, with every
// capability registered, running job workers, the demo people seeded and
// the clock on a Tuesday, Wednesday or Thursday at 09:00 UTC.
func NewSandbox(t *testing.T, backend store.Backend, cfg bot.Config) *Sandbox {
	t.Helper()
	return OpenSandbox(t, storetest.Open(t, backend), SandboxOptions{Config: cfg})
}

// OpenSandbox returns a Sandbox over db (migrated by storetest), with every
// capability registered, running job workers and the demo people seeded;
// unless o.KeepClock, its clock stands on a Tuesday, Wednesday or Thursday
// at 09:00 UTC.
func OpenSandbox(t *testing.T, db *store.DB, o SandboxOptions) *Sandbox {
	t.Helper()
	ctx := context.Background()
	bb := NewBot(t, db, BotOptions{Config: o.Config, Log: o.Log, NoContent: o.NoContent,
		Jobs: bot.JobsOptions{Work: true, PollInterval: 20 * time.Millisecond}})
	bb.Start(t)
	b, f := bb.Bot, bb.Features
	s := sandbox.New(b)
	if !o.KeepClock {
		// A Tuesday, Wednesday or Thursday at 09:00 UTC: inside everyone's
		// default work hours, with a work day before and after.
		now := s.Clock.Now()
		target := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, time.UTC)
		for target.Weekday() < time.Tuesday || target.Weekday() > time.Thursday {
			target = target.AddDate(0, 0, 1)
		}
		step := s.TickStep
		s.TickStep = 24 * time.Hour
		if err := s.Advance(ctx, target.Sub(now)); err != nil {
			t.Fatal(err)
		}
		s.TickStep = step
	}
	if o.TickStep > 0 {
		s.TickStep = o.TickStep
	}
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
	CallJSON(e.T, method, e.URL+path, body, out)
}

// CallJSON sends body (nil for none) as JSON to url and decodes the answer
// into out (nil to ignore it); no answer, a status but 200 or an answer out
// cannot hold fails the test.
func CallJSON(t testing.TB, method, url string, body, out any) {
	t.Helper()
	status, data := SendJSON(t, method, url, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", method, url, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, url, data, err)
		}
	}
}

// SendJSON sends body (nil for none) as JSON to url and returns the answer's
// status and body, whatever the status; no answer fails the test.
func SendJSON(t testing.TB, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
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
	Thread  int64     `json:"thread"`
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

// ActionWith returns the id of the message's first action starting with
// prefix and ending with suffix, or "".
func (m Msg) ActionWith(prefix, suffix string) string {
	for _, a := range m.Actions {
		if strings.HasPrefix(a.ID, prefix) && strings.HasSuffix(a.ID, suffix) {
			return a.ID
		}
	}
	return ""
}

// All returns the messages of user in channel that contain text, oldest
// first.
func (e *Sandbox) All(user, channel, text string) []Msg {
	e.T.Helper()
	var out []Msg
	for _, m := range e.Messages(user, channel) {
		if strings.Contains(m.Text, text) {
			out = append(out, m)
		}
	}
	return out
}

// Find returns the newest message of user in channel that contains text.
func (e *Sandbox) Find(user, channel, text string) (Msg, bool) {
	e.T.Helper()
	ms := e.All(user, channel, text)
	if len(ms) == 0 {
		return Msg{}, false
	}
	return ms[len(ms)-1], true
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

// Eventually waits until message id in user's view of channel contains
// want (a card re-rendered by a job, or coalesced, changes a moment after
// the click that changed it) and returns it; after 10 s it fails the test
// showing the message as it is.
func (e *Sandbox) Eventually(user, channel string, id int64, want string) Msg {
	e.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var m Msg
		for _, x := range e.Messages(user, channel) {
			if x.ID == id {
				m = x
			}
		}
		if strings.Contains(m.Text, want) {
			return m
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("message %d never showed %q; now:\n%s", id, want, m.Text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Count runs a COUNT query (written with ? placeholders) and returns it.
func (e *Sandbox) Count(query string, args ...any) int {
	e.T.Helper()
	return Count(e.T, e.DB, query, args...)
}
