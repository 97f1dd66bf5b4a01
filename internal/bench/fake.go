package bench

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
)

// The bench's fake Slack Web API (bot/slack/slackfake). By default it runs
// in a child process (`huddlebot bench fake-slack`, FakeSlackArgs), so the
// CPU the bench reports for huddlebot is huddlebot's own and not the fake's;
// Options.InprocFake keeps it in the bench's process (tests).

// fakeStats is what the fake has seen so far.
type fakeStats struct {
	Messages int            `json:"messages"` // posted messages, all
	Distinct int            `json:"distinct"` // distinct huddlebot message ids
	Doubled  int            `json:"doubled"`  // posts beyond the first of a huddlebot message id
	Calls    map[string]int `json:"calls"`    // successful calls per method
	CPU      float64        `json:"cpu"`      // CPU seconds the fake used (0 when in process)
	Replies  int            `json:"replies"`  // posts to response_url
	Refusals int            `json:"refusals"` // of which "… nothing was saved …"
}

// fakeMessage is a posted message, as the bench needs it.
type fakeMessage struct {
	Channel   string   `json:"channel"`
	TS        string   `json:"ts"`
	MessageID int64    `json:"message_id"`
	Actions   []string `json:"actions"`
	ChangedNS int64    `json:"changed_ns,omitempty"` // first edit or replacement, Unix ns
}

// fakeSlack is the fake the bench talks to, in process or in a child.
type fakeSlack interface {
	APIURL() string
	ResponseURL(id string) string
	Stats() (fakeStats, error)
	MessagesFrom(n int) ([]fakeMessage, error)
	InProcess() bool
	Close()
}

// fakeStatsOf summarises a fake.
func fakeStatsOf(s *slackfake.Server) fakeStats {
	st := fakeStats{Calls: map[string]int{}}
	st.Messages = s.MessageCount()
	for id, n := range s.ByMessageID() {
		if id == 0 {
			continue // not a huddlebot message (the raw-rate hammer's)
		}
		st.Distinct++
		st.Doubled += n - 1
	}
	for _, m := range []string{"chat.postMessage", "chat.update", "conversations.open", "conversations.history"} {
		st.Calls[m] = s.Count(m)
	}
	for _, r := range s.Responses() {
		st.Replies++
		if text, _ := r.Body["text"].(string); strings.Contains(text, "nothing was saved") {
			st.Refusals++
		}
	}
	return st
}

func fakeMessagesFrom(s *slackfake.Server, n int) []fakeMessage {
	msgs := s.Messages()
	if n > len(msgs) {
		n = len(msgs)
	}
	out := make([]fakeMessage, 0, len(msgs)-n)
	for _, m := range msgs[n:] {
		fm := fakeMessage{Channel: m.Channel, TS: m.TS, MessageID: m.MessageID, Actions: m.ActionIDs()}
		if !m.Changed.IsZero() {
			fm.ChangedNS = m.Changed.UnixNano()
		}
		out = append(out, fm)
	}
	return out
}

// inprocFake is the fake in the bench's own process.
type inprocFake struct{ s *slackfake.Server }

func (f inprocFake) APIURL() string                            { return f.s.APIURL() }
func (f inprocFake) ResponseURL(id string) string              { return f.s.ResponseURL(id) }
func (f inprocFake) Stats() (fakeStats, error)                 { return fakeStatsOf(f.s), nil }
func (f inprocFake) InProcess() bool                           { return true }
func (f inprocFake) Close()                                    { f.s.Close() }
func (f inprocFake) MessagesFrom(n int) ([]fakeMessage, error) { return fakeMessagesFrom(f.s, n), nil }

// childFake is the fake in a child process.
type childFake struct {
	*child
	api string
}

// fakeReady is the line a fake-slack child prints when it listens.
type fakeReady struct {
	API     string `json:"api"`
	Control string `json:"control"`
}

// setUpFake readies a fake for the bench: Slack's tiers enforced when
// tiers, and users.info answering for every member (in UTC, the bench
// workspaces' zone, so a join's profile changes nothing visible).
func setUpFake(f *slackfake.Server, tiers bool) {
	if tiers {
		f.EnforceTiers()
	}
	f.AutoUsers("UTC")
}

// FakeTiersArg makes `huddlebot bench fake-slack` enforce Slack's tiers.
const FakeTiersArg = "--tiers"

func startChildFake(ctx context.Context, tiers bool) (*childFake, error) {
	args := slices.Clone(FakeSlackArgs)
	if tiers {
		args = append(args, FakeTiersArg)
	}
	var ready fakeReady
	c, err := startChild(ctx, "Slack", args, &ready, func() bool { return ready.API != "" }, func() string { return ready.Control })
	if err != nil {
		return nil, err
	}
	return &childFake{child: c, api: ready.API}, nil
}

func (f *childFake) APIURL() string { return f.api }
func (f *childFake) ResponseURL(id string) string {
	return strings.TrimSuffix(f.api, "api/") + "response/" + id
}
func (f *childFake) InProcess() bool { return false }

func (f *childFake) Stats() (fakeStats, error) {
	var st fakeStats
	err := f.get("stats", &st)
	return st, err
}

func (f *childFake) MessagesFrom(n int) ([]fakeMessage, error) {
	var out []fakeMessage
	err := f.get("messages?from="+strconv.Itoa(n), &out)
	return out, err
}

// RunFakeSlack is `huddlebot bench fake-slack`: the loopback fake Slack Web
// API on its own, printing {"api":…,"control":…} to stdout once it listens
// and running until stdin closes or ctx ends. Point `serve` at it with
// SLACK_API_URL to try huddlebot without a Slack workspace.
func RunFakeSlack(ctx context.Context, stdout io.Writer, stdin io.Reader, tiers bool) error {
	fake := slackfake.New()
	defer fake.Close()
	setUpFake(fake, tiers)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := fakeStatsOf(fake)
		st.CPU = cpuTime().Seconds()
		writeJSON(w, st)
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("from"))
		writeJSON(w, fakeMessagesFrom(fake, n))
	})
	return serveControl(ctx, stdout, stdin, mux, func(control string) any {
		return fakeReady{API: fake.APIURL(), Control: control}
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil && !errors.Is(err, net.ErrClosed) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
