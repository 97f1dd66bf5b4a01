package bench

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestRun runs every default scenario small, on both backends, and checks
// the report: each scenario measured, nothing lost or doubled, the ratios
// and the five targets present. (The figures themselves are for
// docs/reliability.md, not for a test.)
func TestRun(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		o := Options{Members: 40, Count: 40, Joiners: 40, Rates: []int{100, 0}, Hammer: 200 * time.Millisecond,
			InprocFake: true, Stderr: io.Discard}
		if backend == store.Postgres {
			o.DatabaseURL, o.ExplicitDB = storetest.URL(t, backend), true
		} // SQLite: the bench's own temporary file
		rep, err := Run(context.Background(), []string{"limits", "fanout", "answers", "joins", "planner"}, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Backend != string(backend) {
			t.Errorf("backend %q, want %q", rep.Backend, backend)
		}
		wantLimits := 2
		if backend == store.Postgres {
			wantLimits = 3
		}
		if len(rep.Limits) != wantLimits {
			t.Errorf("%d raw limits, want %d: %+v", len(rep.Limits), wantLimits, rep.Limits)
		}
		for _, l := range rep.Limits {
			if l.Rate <= 0 || l.N == 0 {
				t.Errorf("raw limit %q measured nothing: %+v", l.Scenario, l)
			}
		}
		var names []string
		for _, r := range rep.Results {
			names = append(names, r.Scenario)
			if r.Rate <= 0 || r.WallSecs <= 0 || r.PeakHeapMB <= 0 {
				t.Errorf("%s: nothing measured: %+v", r.Scenario, r)
			}
			// A join's Refused counts "Working on it" replies: joins slower
			// than the deferral, a latency the bench judges (its targets), not
			// a fault — on a loaded CI machine some joins are that slow.
			refused := r.Refused
			if strings.HasPrefix(r.Scenario, "joins") {
				refused = 0
			}
			if r.Lost != 0 || r.Doubled != 0 || r.Failed != 0 || refused != 0 {
				t.Errorf("%s: %d lost, %d doubled, %d not acknowledged, %d refused", r.Scenario, r.Lost, r.Doubled, r.Failed, r.Refused)
			}
			// Every answer is seen: its card replaced (response_url) or
			// edited, under Slack's tiers (enforced by the fake).
			if strings.HasPrefix(r.Scenario, "answers") && (r.Unseen != 0 || r.SeenP99MS <= 0) {
				t.Errorf("%s: %d answers never seen, seen p99 %.1f ms", r.Scenario, r.Unseen, r.SeenP99MS)
			}
			if r.Scenario != "planner (in memory)" && r.N != 40 {
				t.Errorf("%s: n = %d, want 40", r.Scenario, r.N)
			}
		}
		want := []string{"fanout (burst, new DMs)", "answers @ 100/s", "answers @ max (64 clients)", "joins (32 at a time)", "planner (in memory)"}
		if strings.Join(names, "|") != strings.Join(want, "|") {
			t.Errorf("scenarios %q, want %q", names, want)
		}
		if len(rep.Ratios) < 2 {
			t.Errorf("ratios: %+v", rep.Ratios)
		}
		if !strings.Contains(rep.Slack, "tiers enforced") {
			t.Errorf("Slack limits: %q, want the tiers enforced by default", rep.Slack)
		}
		if len(rep.Targets) != 9 {
			t.Errorf("targets: %+v", rep.Targets)
		}
		for _, tg := range rep.Targets {
			if tg.Result == "" {
				t.Errorf("target %q has no result", tg.Target)
			}
		}
	})
}

// TestRunTeams runs the Teams scenarios small, on both backends: every
// message of the fan-out posted once in a 1:1 chat the bot opened, through
// the fake connector's enforced limits; every answer acknowledged with the
// answered card and stored once.
func TestRunTeams(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		o := Options{Members: 20, Count: 20, Rates: []int{100, 0}, Hammer: 100 * time.Millisecond, InprocFake: true, Stderr: io.Discard}
		if backend == store.Postgres {
			o.DatabaseURL, o.ExplicitDB = storetest.URL(t, backend), true
		}
		rep, err := Run(context.Background(), []string{"teams-fanout", "teams-answers"}, o)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rep.Results {
			names = append(names, r.Scenario)
			if r.N != 20 || r.Rate <= 0 || r.CPUSeconds <= 0 {
				t.Errorf("%s: nothing measured: %+v", r.Scenario, r)
			}
			if r.Lost != 0 || r.Doubled != 0 || r.Failed != 0 {
				t.Errorf("%s: %d lost, %d doubled, %d not acknowledged", r.Scenario, r.Lost, r.Doubled, r.Failed)
			}
			// An invoke answered before the answer applier got to it comes
			// back without the card (it is edited in later): a latency the
			// bench reports, which a loaded CI machine shows for some (7 of
			// 20 once, SQLite under -race at load 13). None with it is a fault.
			if r.Unseen >= r.N && r.N > 0 {
				t.Errorf("%s: none of %d answers came back with the answered card", r.Scenario, r.N)
			} else if r.Unseen > 0 {
				t.Logf("%s: %d of %d without the answered card in the response", r.Scenario, r.Unseen, r.N)
			}
		}
		want := []string{"teams fanout (burst, new 1:1 chats)", "teams answers @ 100/s", "teams answers @ max (64 clients)"}
		if strings.Join(names, "|") != strings.Join(want, "|") {
			t.Errorf("scenarios %q, want %q", names, want)
		}
		if !strings.HasPrefix(rep.Results[0].Note, "20 1:1 chats opened + 20 sends") {
			t.Errorf("fan-out: %q, want a 1:1 chat opened and a send per member", rep.Results[0].Note)
		}
		if !strings.Contains(rep.Teams, "enforced") {
			t.Errorf("Teams limits: %q", rep.Teams)
		}
	})
}
