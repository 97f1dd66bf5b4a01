package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/internal/bench"
)

// TestBenchCommand: the flags reach the bench (internal/bench, where its
// scenarios are tested on both backends) and --json prints its report.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	args := []string{"bench", "--json", "--fake", "inproc", "--members", "40", "planner"}
	if code := run(context.Background(), e, args); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
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
