package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestBenchCommand runs every bench scenario small, on both backends, and
// checks the report: each scenario measured, nothing lost or doubled, the
// ratios and the three targets present. (The figures themselves are for
// docs/reliability.md, not for a test.)
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, backend)
			if backend == store.SQLite {
				url = "" // the bench's own temporary SQLite file
			}
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
				if k == "HUDDLEBOT_DATABASE_URL" {
					return url
				}
				return ""
			}}
			code := run(context.Background(), e, []string{"bench", "--json", "--fake", "inproc", "--members", "40", "--count", "40",
				"--rate", "100,max", "--limits-time", "200ms", "limits", "fanout", "answers", "planner"})
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			var rep benchReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%v\n%s", err, stdout.String())
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
				if r.Lost != 0 || r.Doubled != 0 || r.Failed != 0 || r.Refused != 0 {
					t.Errorf("%s: %d lost, %d doubled, %d not acknowledged, %d refused", r.Scenario, r.Lost, r.Doubled, r.Failed, r.Refused)
				}
				if r.Scenario != "planner (in memory)" && r.N != 40 {
					t.Errorf("%s: n = %d, want 40", r.Scenario, r.N)
				}
			}
			want := []string{"fanout (burst, new DMs)", "answers @ 100/s", "answers @ max (64 clients)", "planner (in memory)"}
			if strings.Join(names, "|") != strings.Join(want, "|") {
				t.Errorf("scenarios %q, want %q", names, want)
			}
			if len(rep.Ratios) < 2 {
				t.Errorf("ratios: %+v", rep.Ratios)
			}
			if len(rep.Targets) != 5 {
				t.Errorf("targets: %+v", rep.Targets)
			}
			for _, tg := range rep.Targets {
				if tg.Result == "" {
					t.Errorf("target %q has no result", tg.Target)
				}
			}
		})
	}
}

func TestBenchUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"bench", "nonsense"},
		{"bench", "--rate", "fast", "answers"},
		{"bench", "--fake", "cloud"},
		{"bench", "--count", "0", "answers"},
	} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		if code := run(context.Background(), e, args); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
	// A bench never writes into an existing SQLite database.
	var stdout, stderr bytes.Buffer
	path := t.TempDir() + "/existing.db"
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		if k == "HUDDLEBOT_DATABASE_URL" {
			return "sqlite:" + path
		}
		return ""
	}}
	if code := run(context.Background(), e, []string{"migrate"}); code != exitOK {
		t.Fatalf("migrate: %s", stderr.String())
	}
	stderr.Reset()
	if code := run(context.Background(), e, []string{"bench", "planner"}); code != exitFail || !strings.Contains(stderr.String(), "exists") {
		t.Errorf("bench on an existing SQLite file: exit %d, %s", code, stderr.String())
	}
}
