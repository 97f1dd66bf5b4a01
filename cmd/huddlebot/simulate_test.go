package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/internal/sim"
)

// TestSimulateCLI: the table names every policy with its figures, --json
// carries the same results with daily series, --chart writes an SVG, and
// bad flags are usage errors that say what to type.
func TestSimulateCLI(t *testing.T) {
	t.Parallel()
	sim1 := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, nil, append([]string{"simulate"}, args...)...)
	}
	code, out, errs := sim1("--learners", "30", "--days", "40", "--items", "10", "--policy", "fixed|trials|fsrs")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"30 learners × 40 days", "prompts per item retained", "fixed", "trials", "fsrs",
		"trials vs fixed:", "fsrs vs trials:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	chart := filepath.Join(t.TempDir(), "sim.svg")
	code, out, errs = sim1("--learners", "30", "--days", "40", "--items", "10", "--policy", "trials,fsrs", "--json", "--chart", chart)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep sim.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if rep.Learners != 30 || len(rep.Results) != 2 || rep.Results[1].Policy != sim.PolicyFSRS || len(rep.Results[0].Daily) != 41 ||
		rep.Results[0].Prompts == 0 {
		t.Fatalf("report: %+v", rep)
	}
	svg, err := os.ReadFile(chart)
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Fatalf("chart: %v %.80s", err, svg)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--policy", "sm2"}, exitUsage, "use fixed, trials and/or fsrs"},
		{[]string{"--learners", "0"}, exitFail, "learners (0) and days (180) must be at least 1"},
		{[]string{"--retention", "1.5"}, exitFail, "between 0 and 1"},
		{[]string{"extra"}, exitUsage, "unexpected argument"},
	} {
		if code, _, errs := sim1(c.args...); code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.want)
		}
	}
}
