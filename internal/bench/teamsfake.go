package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
)

// The bench's fake Bot Connector service (bot/teams/teamsfake), with its
// token endpoint and Teams' limits enforced (per conversation 7 a second
// and 60 in 30 seconds, per app in the tenant 50 requests a second: 429
// with Retry-After). Like the fake Slack it runs in a child process by
// default (`huddlebot bench fake-teams`, FakeTeamsArgs), so the CPU
// reported for huddlebot is huddlebot's own.

// The bot the bench's Teams is for.
const (
	benchTeamsApp      = "5b1f0c7e-bench-4d2a-9c1e-huddlebot"
	benchTeamsPassword = "bench-client-secret"
	benchTeamsTenant   = "9e6c1b4a-bench-4f00-8a2d-tenant"
)

// FakeUnlimitedArg makes `huddlebot bench fake-teams` enforce no limits.
const FakeUnlimitedArg = "--unlimited"

// FakeTeamsArgs are the arguments that make this executable run
// RunFakeTeams; `huddlebot bench fake-teams` does.
var FakeTeamsArgs = []string{"bench", "fake-teams"}

// teamsStats is what the fake connector has seen so far.
type teamsStats struct {
	Posted   int            `json:"posted"`   // activities posted, all
	Calls    map[string]int `json:"calls"`    // answered calls by kind ("create", "send", "update") and status
	Limited  int            `json:"limited"`  // calls answered 429 (over a limit)
	CPU      float64        `json:"cpu"`      // CPU seconds the fake used (0 when in process)
	Requests int            `json:"requests"` // calls of every kind
}

// teamsPosted is a posted activity, as the bench needs it.
type teamsPosted struct {
	Conversation string    `json:"conversation"`
	ID           string    `json:"id"`
	Actions      []string  `json:"actions"` // the card's Action.Execute verbs
	Edits        int       `json:"edits"`
	At           time.Time `json:"at"` // when the fake took it (its clock is this machine's)
}

// fakeTeams is the fake connector the bench talks to, in process or in a
// child.
type fakeTeams interface {
	ServiceURL() string
	TokenURL() string
	Stats() (teamsStats, error)
	Posted() (int, error) // how many activities were posted, cheaply
	PostedFrom(n int) ([]teamsPosted, error)
	InProcess() bool
	Close()
}

func teamsStatsOf(c *teamsfake.Connector) teamsStats {
	st := teamsStats{Calls: map[string]int{}}
	for _, call := range c.Calls() {
		kind := "send"
		switch {
		case call.Method == http.MethodPut:
			kind = "update"
		case call.Conversation == "":
			kind = "create"
		}
		st.Calls[kind+" "+strconv.Itoa(call.Status)]++
		st.Requests++
		if call.Status == http.StatusTooManyRequests {
			st.Limited++
		}
	}
	st.Posted = len(c.Posted(0))
	return st
}

func teamsPostedFrom(c *teamsfake.Connector, n int) []teamsPosted {
	var out []teamsPosted
	for _, p := range c.Posted(n) {
		tp := teamsPosted{Conversation: p.Conversation, ID: p.ID, Edits: p.Edits, At: p.At}
		var v any
		if json.Unmarshal(p.Activity, &v) == nil {
			tp.Actions = verbs(v, nil)
		}
		out = append(out, tp)
	}
	return out
}

// verbs collects the verbs of the Action.Execute buttons in a card.
func verbs(v any, out []string) []string {
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "Action.Execute" {
			if verb, ok := v["verb"].(string); ok {
				out = append(out, verb)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a stable order: body before actions is not needed, only determinism
		for _, k := range keys {
			out = verbs(v[k], out)
		}
	case []any:
		for _, e := range v {
			out = verbs(e, out)
		}
	}
	return out
}

// inprocTeams is the fake connector in the bench's own process.
type inprocTeams struct{ c *teamsfake.Connector }

func (f inprocTeams) ServiceURL() string                      { return f.c.ServiceURL() }
func (f inprocTeams) TokenURL() string                        { return f.c.TokenURL() }
func (f inprocTeams) Stats() (teamsStats, error)              { return teamsStatsOf(f.c), nil }
func (f inprocTeams) PostedFrom(n int) ([]teamsPosted, error) { return teamsPostedFrom(f.c, n), nil }
func (f inprocTeams) InProcess() bool                         { return true }
func (f inprocTeams) Close()                                  { f.c.Close() }
func newInprocTeams() inprocTeams                             { return inprocTeams{startTeamsConnector()} }
func startTeamsConnector() *teamsfake.Connector {
	return teamsfake.StartConnector(benchTeamsApp, benchTeamsPassword, benchTeamsTenant)
}
func (f *childTeams) InProcess() bool    { return false }
func (f *childTeams) ServiceURL() string { return f.ready.Service }
func (f *childTeams) TokenURL() string   { return f.ready.Token }
func (f *childTeams) PostedFrom(n int) ([]teamsPosted, error) {
	var out []teamsPosted
	return out, f.get("posted?from="+strconv.Itoa(n), &out)
}
func (f *childTeams) Posted() (int, error) {
	var n int
	return n, f.get("count", &n)
}
func (f inprocTeams) Posted() (int, error)       { return len(f.c.Posted(0)), nil }
func (f *childTeams) Stats() (teamsStats, error) { var st teamsStats; return st, f.get("stats", &st) }

// teamsReady is the line a fake-teams child prints when it listens.
type teamsReady struct {
	Service string `json:"service"`
	Token   string `json:"token"`
	Control string `json:"control"`
}

// childTeams is the fake connector in a child process.
type childTeams struct {
	*child
	ready teamsReady
}

func startChildTeams(ctx context.Context, unlimited bool) (*childTeams, error) {
	args := slices.Clone(FakeTeamsArgs)
	if unlimited {
		args = append(args, FakeUnlimitedArg)
	}
	var ready teamsReady
	c, err := startChild(ctx, "Teams connector", args, &ready, func() bool { return ready.Service != "" }, func() string { return ready.Control })
	if err != nil {
		return nil, err
	}
	return &childTeams{child: c, ready: ready}, nil
}

// RunFakeTeams is `huddlebot bench fake-teams`: the loopback fake Bot
// Connector service and token endpoint on their own, Teams' limits
// enforced, printing {"service":…,"token":…,"control":…} to stdout once
// they listen and running until stdin closes or ctx ends.
func RunFakeTeams(ctx context.Context, stdout io.Writer, stdin io.Reader, unlimited bool) error {
	conn := startTeamsConnector()
	defer conn.Close()
	conn.SetLimits(!unlimited)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := teamsStatsOf(conn)
		st.CPU = cpuTime().Seconds()
		writeJSON(w, st)
	})
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, len(conn.Posted(0)))
	})
	mux.HandleFunc("GET /posted", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("from"))
		writeJSON(w, teamsPostedFrom(conn, n))
	})
	return serveControl(ctx, stdout, stdin, mux, func(control string) any {
		return teamsReady{Service: conn.ServiceURL(), Token: conn.TokenURL(), Control: control}
	})
}

// isAnswer reports whether verb is a quiz answer button ("ans:<delivery>:<choice>").
func isAnswer(verb string) bool { return strings.HasPrefix(verb, "ans:") }
