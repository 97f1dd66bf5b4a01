package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// plantedProblems reads the "planted problems" lines `demo seed` prints:
// signal kind and subject.
func plantedProblems(t *testing.T, out string) [][2]string {
	t.Helper()
	_, list, ok := strings.Cut(out, "planted problems")
	if !ok {
		t.Fatalf("demo seed did not list its planted problems:\n%s", out)
	}
	var got [][2]string
	for _, line := range strings.Split(list, "\n")[1:] {
		if f := strings.Fields(line); len(f) == 2 {
			got = append(got, [2]string{f[0], f[1]})
		}
	}
	if len(got) != 5 {
		t.Fatalf("want 5 planted problems, got %v from:\n%s", got, out)
	}
	return got
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, s)
	}
	return rows
}

// TestDemoSeedSignalsFindPlanted is the issue's "after demo seed, report
// signals finds every planted problem", on both backends.
func TestDemoSeedSignalsFindPlanted(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": storetest.URL(t, b)}
		code, out, errs := runCLI(t, vars, "demo", "seed", "--members", "300", "--days", "35", "--seed", "11")
		if code != 0 {
			t.Fatalf("demo seed: %d\n%s\n%s", code, out, errs)
		}
		planted := plantedProblems(t, out)

		code, out, errs = runCLI(t, vars, "report", "signals", "--format", "csv")
		if code != 0 {
			t.Fatalf("report signals: %d %s", code, errs)
		}
		rows := parseCSV(t, out)
		if !slices.Equal(rows[0], []string{"kind", "subject", "metric", "value_pct", "baseline_pct", "gap_points", "n", "detail"}) {
			t.Fatalf("signals header: %q", rows[0])
		}
		for _, p := range planted {
			if !slices.ContainsFunc(rows[1:], func(r []string) bool { return r[0] == p[0] && r[1] == p[1] && r[7] != "" }) {
				t.Errorf("report signals missed the planted %s %s:\n%s", p[0], p[1], out)
			}
		}
		if len(rows)-1 > len(planted)+2 {
			t.Errorf("%d signals for %d planted problems — the demo is noisy:\n%s", len(rows)-1, len(planted), out)
		}

		// Filters reach the signals: nurses alone still show the nurse
		// problems; billing has none of them.
		_, out, _ = runCLI(t, vars, "report", "signals", "--format", "csv", "--role", "billing")
		if strings.Contains(out, "new-hires,nurse") || strings.Contains(out, "participation,5east") {
			t.Errorf("billing signals show nurse problems:\n%s", out)
		}

		// Every learning report runs; the formats come from report.go.
		for _, args := range [][]string{{"participation", "--format", "csv", "--department", "5east"}, {"accuracy", "--format", "json"},
			{"ratings", "--format", "table"}, {"feedback", "--format", "csv", "--since", "14d"},
			{"lessons", "--format", "csv"}, {"retention", "--format", "json"}} {
			code, out, errs := runCLI(t, vars, append([]string{"report"}, args...)...)
			if code != 0 || strings.Count(out, "\n") < 3 {
				t.Errorf("report %q: %d %q %s", args, code, out, errs)
			}
		}

		// Counts are JSON numbers in every learning report, the new ones too.
		_, out, _ = runCLI(t, vars, "report", "retention", "--format", "json")
		var ret []map[string]any
		if err := json.Unmarshal([]byte(out), &ret); err != nil || len(ret) != 8 {
			t.Fatalf("retention JSON: %v %s", err, out)
		}
		for _, r := range ret {
			for _, c := range []string{"reviews", "correct", "min_days"} {
				if _, ok := r[c].(float64); !ok {
					t.Errorf("retention %q = %#v, want a number", c, r[c])
				}
			}
		}

		// Seeding twice is refused.
		if code, _, errs := runCLI(t, vars, "demo", "seed", "--members", "50"); code != 1 || !strings.Contains(errs, "already has demo data") {
			t.Errorf("second seed: %d %s", code, errs)
		}
	})
}

func TestDemoSeedUsage(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")}
	for _, args := range [][]string{{"demo"}, {"demo", "grow"}, {"demo", "seed", "--members", "5"}, {"demo", "seed", "--days", "2"},
		{"demo", "seed", "extra"}, {"demo", "seed", "--now", "tomorrow"}} {
		if code, _, _ := runCLI(t, vars, args...); code != exitUsage {
			t.Errorf("%q exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errs := runCLI(t, vars, "demo", "--help"); code != 0 || !strings.Contains(errs, "Usage: huddlebot demo") {
		t.Errorf("demo --help: %d %s", code, errs)
	}
	slack := map[string]string{"HUDDLEBOT_DATABASE_URL": vars["HUDDLEBOT_DATABASE_URL"], "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
	if code, _, errs := runCLI(t, slack, "demo", "seed"); code != 1 || !strings.Contains(errs, "refusing") {
		t.Errorf("demo seed with a Slack token: %d %s", code, errs)
	}
}

// TestFeedbackRedactedEndToEnd is the issue's "feedback typed with an MRN, a
// date of birth, a phone number and an email comes out of report feedback
// --format csv redacted", and "report accuracy --format csv has a header
// and rows", against a running sandbox.
func TestFeedbackRedactedEndToEnd(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		url := storetest.URL(t, b)
		m, _, _ := startTestMain(t, b, map[string]string{"HUDDLEBOT_DATABASE_URL": url})
		ctx := context.Background()
		typed := "Scanner failed for MRN 12345678, DOB 04/12/1961 — call me at 555-123-4567 or jo.smith@example.org"
		rep := m.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "nina"},
			Channel: "dm", Name: "feedback", Text: typed})
		if !strings.Contains(rep.Text, "removed") {
			t.Fatalf("the person was not told what was removed: %q", rep.Text)
		}

		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
		code, out, errs := runCLI(t, vars, "report", "feedback", "--format", "csv")
		if code != 0 {
			t.Fatalf("report feedback: %d %s", code, errs)
		}
		rows := parseCSV(t, out)
		if len(rows) != 2 || rows[0][len(rows[0])-1] != "text" {
			t.Fatalf("feedback CSV = %q", rows)
		}
		text := rows[1][len(rows[1])-1]
		for _, secret := range []string{"12345678", "04/12/1961", "555-123-4567", "jo.smith", "example.org"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q survived into the report: %q", secret, text)
			}
		}
		if strings.Count(text, "[redacted]") != 4 || !strings.Contains(text, "Scanner failed") || rows[1][6] != "true" {
			t.Errorf("feedback row = %q", rows[1])
		}

		// Accuracy: answers from demo history next to the sandbox people.
		if code, _, errs := runCLI(t, vars, "demo", "seed", "--members", "60", "--days", "14"); code != 0 {
			t.Fatalf("demo seed: %s", errs)
		}
		code, out, errs = runCLI(t, vars, "report", "accuracy", "--format", "csv")
		if code != 0 {
			t.Fatalf("report accuracy: %d %s", code, errs)
		}
		rows = parseCSV(t, out)
		if len(rows) < 5 || rows[0][0] != "topic" || rows[0][4] != "accuracy_pct" {
			t.Fatalf("accuracy CSV: %q", out)
		}
		for _, r := range rows[1:] {
			if len(r) != len(rows[0]) || r[2] == "0" {
				t.Errorf("accuracy row %q", r)
			}
		}
	})
}

// TestMetricsExposed: GET /metrics shows deliveries by platform, answers,
// acknowledgement latency, queue depth and scheduler lag after a real
// prompt is delivered and answered in the sandbox.
func TestMetricsExposed(t *testing.T) {
	t.Parallel()
	m, base, logs := startTestMain(t, store.SQLite, nil)
	var p struct{ ID string }
	if code := api(t, "POST", base+"/sandbox/api/people", map[string]any{"name": "Metric Mo", "role": "nurse", "department": "4west"}, &p); code != 201 {
		t.Fatalf("add person: %d", code)
	}
	command(t, base, p.ID, "dm", "/learn join nurse 4west")
	var q msgView
	ok := false
	for i := 0; i < 8 && !ok; i++ {
		command(t, base, p.ID, "dm", "/learn")
		if err := m.Jobs.WaitIdle(context.Background(), 10*time.Second); err != nil {
			t.Fatal(err)
		}
		q, ok = lastQuiz(dms(t, base, p.ID))
	}
	if !ok {
		t.Fatalf("no quiz arrived; logs:\n%s", logs)
	}
	var rep struct{ Reply string }
	api(t, "POST", base+"/sandbox/api/click", map[string]any{"user": p.ID, "message": q.ID, "action": q.Actions[0].ID}, &rep)

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`huddlebot_deliveries_total{platform="sandbox",result="sent"}`,
		`huddlebot_answers_total{correct=`,
		`huddlebot_interaction_ack_seconds_bucket{kind="click"`,
		`huddlebot_interaction_ack_seconds_count{kind="command"}`,
		"huddlebot_job_queue_depth ",
		`huddlebot_answer_inbox{state="stuck"} 0`,
		"huddlebot_scheduler_lag_seconds ",
		"huddlebot_scheduler_tick_seconds_count ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestReportLanguageFlags: --by-language adds a language column in every
// format; --language takes a known language and applies to the learning
// reports only.
func TestReportLanguageFlags(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")}
	if code, out, errs := runCLI(t, vars, "demo", "seed", "--members", "30", "--days", "14", "--seed", "3"); code != 0 {
		t.Fatalf("demo seed: %d\n%s\n%s", code, out, errs)
	}
	for kind, header := range map[string][]string{
		"participation": {"week", "role", "department", "language", "members"},
		"accuracy":      {"topic", "role", "language", "answers"},
		"lessons":       {"lesson", "title", "language", "answers"},
	} {
		code, out, errs := runCLI(t, vars, "report", kind, "--by-language", "--format", "csv")
		if code != 0 {
			t.Fatalf("report %s --by-language: %d %s", kind, code, errs)
		}
		rows := parseCSV(t, out)
		if !slices.Equal(rows[0][:len(header)], header) || len(rows) < 2 {
			t.Errorf("report %s --by-language: header %q, %d rows", kind, rows[0], len(rows)-1)
		}
		code, out, errs = runCLI(t, vars, "report", kind, "--by-language", "--format", "json")
		if code != 0 || !strings.Contains(out, `"language": "en"`) {
			t.Errorf("report %s --by-language --format json: %d %s\n%s", kind, code, errs, out)
		}
		code, out, _ = runCLI(t, vars, "report", kind, "--format", "csv")
		if code != 0 || slices.Contains(parseCSV(t, out)[0], "language") {
			t.Errorf("report %s without --by-language has a language column: %s", kind, out)
		}
	}
	// The demo's Spanish readers (every third front-desk and medical
	// assistant) answered only lessons that have a Spanish translation.
	code, out, errs := runCLI(t, vars, "report", "lessons", "--language", "ES", "--format", "csv")
	rows := parseCSV(t, out)
	if code != 0 || len(rows) < 2 {
		t.Errorf("report lessons --language ES: %d %s %s, want the lessons answered in Spanish", code, out, errs)
	}
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if l := c.Lesson(r[0]); l == nil || l.Translations["es"] == nil {
			t.Errorf("report lessons --language es lists %s, which has no Spanish", r[0])
		}
	}
	if code, out, _ := runCLI(t, vars, "report", "accuracy", "--by-language", "--format", "json"); code != 0 || !strings.Contains(out, `"language": "es"`) {
		t.Errorf("report accuracy --by-language has no Spanish rows:\n%s", out)
	}
	for _, args := range [][]string{{"accuracy", "--language", "xx"}, {"retention", "--language", "es"}, {"feedback", "--by-language"}} {
		if code, _, errs := runCLI(t, vars, append([]string{"report"}, args...)...); code != 2 || !strings.Contains(errs, "language") {
			t.Errorf("report %v: exit %d (%s), want 2 and a word on the language flag", args, code, errs)
		}
	}
}
