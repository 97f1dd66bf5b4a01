package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/internal/bench"
)

// TestBenchCommand: the flags reach the bench (internal/bench, where its
// scenarios are tested on both backends) and --json prints its report.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	args := []string{"bench", "--json", "--fake", "inproc", "--members", "40", "planner"}
	code, out, errs := runCLI(t, nil, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Command != "huddlebot "+strings.Join(args, " ") || rep.Fake != "in process (its CPU counts as huddlebot's)" ||
		len(rep.Results) != 1 || rep.Results[0].Scenario != "planner (in memory)" || rep.Results[0].N != 40 {
		t.Errorf("report: %+v", rep)
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
		if code, _, errs := runCLI(t, nil, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errs)
		}
	}
	// A bench never writes into an existing SQLite database.
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + t.TempDir() + "/existing.db"}
	if code, _, errs := runCLI(t, vars, "migrate"); code != exitOK {
		t.Fatalf("migrate: %s", errs)
	}
	if code, _, errs := runCLI(t, vars, "bench", "planner"); code != exitFail || !strings.Contains(errs, "exists") {
		t.Errorf("bench on an existing SQLite file: exit %d, %s", code, errs)
	}
}
