package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// startTestMain runs `serve` in-process on a fresh database of the backend,
// listening on a free loopback port, and stops it when the test ends.
func startTestMain(t *testing.T, backend store.Backend, env map[string]string) (*Main, string, *bottest.Buffer) {
	t.Helper()
	vars := map[string]string{
		"HUDDLEBOT_DATABASE_URL": storetest.URL(t, backend),
		"HUDDLEBOT_LISTEN":       "127.0.0.1:0",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg := LoadConfig(func(k string) string { return vars[k] }, flag.NewFlagSet("test", flag.ContinueOnError))
	logs := &bottest.Buffer{}
	m := &Main{Config: cfg, LogOutput: logs, SchedulerInterval: time.Hour}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("serve: %v\nlogs:\n%s", err, logs)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, "http://" + m.Addr, logs
}

// api calls the sandbox JSON API and decodes the answer into out.
func api(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	status, data := bottest.SendJSON(t, method, url, body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, status, data, err)
		}
	}
	return status
}

type msgView struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
	Actions []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"actions"`
}

func command(t *testing.T, base, user, channel, text string) string {
	t.Helper()
	var out struct{ Reply string }
	if code := api(t, "POST", base+"/sandbox/api/command", map[string]string{"user": user, "channel": channel, "text": text}, &out); code != 200 {
		t.Fatalf("command %q: status %d", text, code)
	}
	return out.Reply
}

func dms(t *testing.T, base, user string) []msgView {
	t.Helper()
	var out []msgView
	api(t, "GET", base+"/sandbox/api/messages?user="+user+"&channel=dm", nil, &out)
	return out
}

// lastQuiz returns the newest DM that still has answer buttons.
func lastQuiz(msgs []msgView) (msgView, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, a := range msgs[i].Actions {
			if strings.HasPrefix(a.ID, "ans:") {
				return msgs[i], true
			}
		}
	}
	return msgView{}, false
}

// TestSandboxDailyLoop is the end-to-end flow through /sandbox/api/:
// join, advance to the delivery, answer, click again, stats, pause — on both
// backends, with the bundled content and with content the tests never saw.
func TestSandboxDailyLoop(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		for _, dir := range []string{"", "../../lessons/testdata/good"} {
			name := string(b) + "/bundled"
			if dir != "" {
				name = string(b) + "/unseen-content"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				env := map[string]string{"HUDDLEBOT_TIMEZONE": "America/Chicago"}
				if dir != "" {
					env["HUDDLEBOT_CONTENT_DIR"] = dir
				}
				m, base, logs := startTestMain(t, b, env)

				var p struct{ ID, Role string }
				if code := api(t, "POST", base+"/sandbox/api/people", map[string]any{"name": "Rosa Diaz", "department": "4west"}, &p); code != 201 || p.ID == "" {
					t.Fatalf("add person: %d %+v", code, p)
				}
				if r := command(t, base, p.ID, "dm", "/learn join nurse 4west"); !strings.Contains(r, "Welcome") {
					t.Fatalf("join reply: %q", r)
				}
				if r := command(t, base, p.ID, "dm", "/learn tim 7"); !strings.Contains(r, "Usage") && !strings.Contains(r, "/learn") {
					t.Fatalf("typo got no usage hint: %q", r)
				}
				if r := command(t, base, p.ID, "dm", "/learn time 25:99"); !strings.Contains(r, "Usage: `/learn time HH:MM`") {
					t.Fatalf("bad time got no usage hint: %q", r)
				}
				var clock struct{ Now string }
				if code := api(t, "POST", base+"/sandbox/api/clock", map[string]string{"to": "next", "user": p.ID}, &clock); code != 200 {
					t.Fatalf("advance: %d", code)
				}
				q, ok := lastQuiz(dms(t, base, p.ID))
				if !ok {
					// A tip may come first; ask for lessons until a quiz arrives.
					for i := 0; i < 6 && !ok; i++ {
						command(t, base, p.ID, "dm", "/learn")
						q, ok = lastQuiz(dms(t, base, p.ID))
					}
				}
				if !ok {
					t.Fatalf("no quiz reached the nurse; DMs: %+v\nlogs:\n%s", dms(t, base, p.ID), logs)
				}
				action := q.Actions[0].ID
				var rep struct{ Reply string }
				api(t, "POST", base+"/sandbox/api/click", map[string]any{"user": p.ID, "message": q.ID, "action": action}, &rep)
				if !strings.Contains(rep.Reply, "Correct") && !strings.Contains(rep.Reply, "Not quite") {
					t.Fatalf("answer reply: %q", rep.Reply)
				}
				var after msgView
				for _, msg := range dms(t, base, p.ID) {
					if msg.ID == q.ID {
						after = msg
					}
				}
				if !strings.Contains(after.Text, "Correct") && !strings.Contains(after.Text, "right answer") {
					t.Fatalf("card not updated in place with the result: %q", after.Text)
				}
				for _, a := range after.Actions {
					if strings.HasPrefix(a.ID, "ans:") {
						t.Fatalf("answered card still has answer buttons: %+v", after.Actions)
					}
				}
				// A second click (stale page) and a redelivered event change
				// nothing. (The id as a string is accepted too.)
				api(t, "POST", base+"/sandbox/api/click", map[string]any{"user": p.ID, "message": fmt.Sprint(q.ID), "action": action}, &rep)
				if !strings.Contains(rep.Reply, "already answered") {
					t.Fatalf("second click reply: %q", rep.Reply)
				}
				redelivered := m.Bot.HandleClick(context.Background(), bot.Click{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: p.ID}, ActionID: action})
				if !strings.Contains(redelivered.Text, "already answered") {
					t.Fatalf("redelivered click: %q", redelivered.Text)
				}
				if r := command(t, base, p.ID, "dm", "/learn stats"); !strings.Contains(r, "Answered: 1\n") {
					t.Fatalf("stats: %q", r)
				}

				// Pause: nothing arrives while paused, and nothing piles up after.
				if r := command(t, base, p.ID, "dm", "/learn pause 3"); !strings.Contains(r, "Paused until") {
					t.Fatalf("pause: %q", r)
				}
				before := len(dms(t, base, p.ID))
				api(t, "POST", base+"/sandbox/api/clock", map[string]string{"advance": "2d"}, &clock)
				if n := len(dms(t, base, p.ID)); n != before {
					t.Fatalf("%d messages arrived while paused", n-before)
				}
				if r := command(t, base, p.ID, "dm", "/learn resume"); !strings.Contains(r, "Welcome back") {
					t.Fatalf("resume: %q", r)
				}
				api(t, "POST", base+"/sandbox/api/clock", map[string]string{"to": "next", "user": p.ID}, &clock)
				prompts := 0
				for _, msg := range dms(t, base, p.ID)[before:] {
					if !strings.Contains(msg.Text, "reminder") {
						prompts++
					}
				}
				// At most today's prompt (if resumed inside work hours) and
				// the next one: the paused days do not come back as a pile.
				if prompts > 2 {
					t.Fatalf("prompts piled up after the pause: %d new prompts", prompts)
				}

				// The feedback path redacts identifiers before storing.
				if r := command(t, base, p.ID, "dm", "/feedback the BCMA scanner failed for MRN 12345678, call 555-123-4567"); !strings.Contains(r, "removed") {
					t.Fatalf("feedback reply did not say what was removed: %q", r)
				}
				if n := bottest.Count(t, m.Bot.DB, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%BCMA scanner failed%'`); n != 1 {
					t.Fatalf("%d feedback rows stored, want 1", n)
				}
				if n := bottest.Count(t, m.Bot.DB, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%12345678%' OR text LIKE '%123-4567%'`); n != 0 {
					t.Fatal("the MRN or the phone number was stored with the feedback")
				}
			})
		}
	}
}

func TestServeEndpoints(t *testing.T) {
	t.Parallel()
	_, base, logs := startTestMain(t, store.SQLite, nil)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "huddlebot_scheduler_tick_seconds"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
	var people []struct{ ID, Role string }
	api(t, "GET", base+"/sandbox/api/people", nil, &people)
	roles := map[string]bool{}
	for _, p := range people {
		roles[p.Role] = true
	}
	for _, r := range []string{"physician", "nurse", "ma", "front_desk", "billing"} {
		if !roles[r] {
			t.Errorf("no seeded person with role %s", r)
		}
	}
	for _, bad := range []struct{ path, body string }{
		{"/sandbox/api/command", `{"user":`},
		{"/sandbox/api/command", `{"user":"nobody","text":"/learn"}`},
		{"/sandbox/api/clock", `{"advance":"-3h"}`},
		{"/sandbox/api/people", `{"name":"X","role":"surgeon"}`},
	} {
		resp, err := http.Post(base+bad.path, "application/json", strings.NewReader(bad.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("POST %s %s = %d, want 4xx", bad.path, bad.body, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "open the sandbox chat") {
		t.Errorf("serve did not log where to open the sandbox:\n%s", logs)
	}
}

// cliWorkspace opens the database the CLI ran against (vars'
// HUDDLEBOT_DATABASE_URL; closed when the test ends) and returns it with the
// workspace platform/external, in UTC when the CLI has not made it.
func cliWorkspace(t *testing.T, vars map[string]string, platform, external string) (*store.DB, *store.Workspace) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, vars["HUDDLEBOT_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws, err := db.WorkspaceEnsure(ctx, platform, external, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return db, ws
}

func runCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, args)
	return code, out.String(), errb.String()
}

func TestCLIContentValidateAndImport(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")}
	if code, out, errs := runCLI(t, vars, "content", "validate", "../../content"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("validate bundled content: %d %s %s", code, out, errs)
	}
	// A translation is checked against its original: every problem, with
	// the line to fix.
	code, _, errs := runCLI(t, vars, "content", "validate", "../../lessons/testdata/bad")
	for _, want := range []string{
		"../../lessons/testdata/bad/translations/bcma.es.md:11: answer: 2, but the original (../../lessons/testdata/bad/translations/bcma.md:10) says 1",
		"../../lessons/testdata/bad/translations/bcma.fr.md:7: choices: 2 choices, but the original (../../lessons/testdata/bad/translations/bcma.md:6) has 3",
	} {
		if code != 1 || !strings.Contains(errs, want+":") {
			t.Errorf("validate bad content: exit %d, want 1 and %q in:\n%s", code, want, errs)
		}
	}
	code, _, errs = runCLI(t, vars, "content", "import", "../../lessons/testdata/bad")
	if code != 1 || !strings.Contains(errs, "../../lessons/testdata/bad/") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("import bad content: %d %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		if strings.HasPrefix(line, "../../") && strings.Count(line, ":") < 3 {
			t.Errorf("problem line not path:line: field: message: %q", line)
		}
	}
	db, err := store.Open(context.Background(), vars["HUDDLEBOT_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := db.ContentLoad(context.Background())
	if err != nil || len(c.Lessons) != 0 {
		t.Fatalf("a failed import changed the database: %d lessons, %v", len(c.Lessons), err)
	}
	if code, out, errs := runCLI(t, vars, "content", "import", "../../lessons/testdata/good"); code != 0 || !strings.Contains(out, "4 added") {
		t.Fatalf("import good content: %d %s %s", code, out, errs)
	}
}

func TestCLIUsageAndExitCodes(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")}
	if code, out, _ := runCLI(t, vars, "--help"); code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "roster") {
		t.Errorf("--help: %d %s", code, out)
	}
	for _, sub := range []string{"serve", "migrate", "content", "roster", "report"} {
		if code, _, errs := runCLI(t, vars, sub, "--help"); code != 0 || !strings.Contains(errs, "Usage: huddlebot "+sub) {
			t.Errorf("%s --help: %d %s", sub, code, errs)
		}
	}
	if code, _, _ := runCLI(t, vars, "nonsense"); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, vars, "content", "validate"); code != 2 {
		t.Errorf("content validate without DIR exit %d, want 2", code)
	}
	bad := map[string]string{"HUDDLEBOT_DATABASE_URL": "mysql://x", "HUDDLEBOT_TIMEZONE": "Mars/Base", "HUDDLEBOT_LANGUAGE": "pt-BR"}
	code, _, errs := runCLI(t, bad, "serve")
	if code != 1 || !strings.Contains(errs, "HUDDLEBOT_DATABASE_URL") || !strings.Contains(errs, "HUDDLEBOT_TIMEZONE") ||
		!strings.Contains(errs, `HUDDLEBOT_LANGUAGE: "pt-BR" is not a language the bot speaks (en, es)`) {
		t.Errorf("bad config: %d %s", code, errs)
	}
}

func TestCLIMigrateTwice(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(string(b), func(t *testing.T) {
			vars := map[string]string{"HUDDLEBOT_DATABASE_URL": storetest.URL(t, b)}
			for i := 0; i < 2; i++ {
				if code, out, errs := runCLI(t, vars, "migrate"); code != 0 {
					t.Fatalf("migrate #%d: %d %s %s", i+1, code, out, errs)
				}
			}
		})
	}
}

func TestCLIRosterImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "x.db")}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("user_id,name,role,department,timezone,email\nU1,Ana,nurse,4west,America/Chicago,\n,NoID,nurse,,,\nU3,X,surgeon,,Mars/Olympus,\nU1,Dup,nurse,,,\n"), 0o644)
	code, _, errs := runCLI(t, vars, "roster", "import", bad)
	for _, want := range []string{bad + ":3: user_id: missing id", bad + ":4: role: unknown role", bad + ":4: timezone: unknown IANA time zone", bad + ":5: user_id: duplicate id"} {
		if !strings.Contains(errs, want) {
			t.Errorf("roster errors lack %q:\n%s", want, errs)
		}
	}
	if code != 1 {
		t.Errorf("bad roster exit %d, want 1", code)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("user_id,name,role,department,timezone,email\nU1,Ana,nurse,4west,America/Chicago,ana@example.org\nU2,Bo,physician,4west,,\n"), 0o644)
	for i, want := range []string{"2 added, 0 updated", "0 added, 2 updated"} {
		code, out, errs := runCLI(t, vars, "roster", "import", good)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("roster import #%d: %d %q %s", i+1, code, out, errs)
		}
	}
	db, _ := store.Open(context.Background(), vars["HUDDLEBOT_DATABASE_URL"])
	defer db.Close()
	ws, _ := db.WorkspaceEnsure(context.Background(), "sandbox", "local", "UTC")
	ms, err := db.MemberList(context.Background(), db, store.MemberFilter{WorkspaceID: ws.ID})
	if err != nil || len(ms) != 2 {
		t.Fatalf("members after bad+good import: %d %v (a bad roster must import nothing)", len(ms), err)
	}
	if ms[0].Schedule.Location.String() != "America/Chicago" {
		t.Errorf("time zone not imported: %v", ms[0].Schedule.Location)
	}
	_ = fmt.Sprint()
}

func TestReportCSVIsSafeForSpreadsheets(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	err := writeTables(&b, "csv", []Table{{Columns: []string{"text", "n"}, Rows: [][]string{{"=HYPERLINK(\"x\")", "-3"}, {"fine", "2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, `'=HYPERLINK`) || !strings.Contains(got, ",-3\n") || !strings.HasPrefix(got, "text,n\n") {
		t.Fatalf("csv = %q", got)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	p := fs.String("platform", "", "")
	if code, ok := parse(fs, []string{"import", "staff.csv", "--platform", "slack", "--", "--odd-name.csv"}); !ok || code != 0 {
		t.Fatalf("parse: %d %v", code, ok)
	}
	if *p != "slack" || strings.Join(fs.Args(), " ") != "import staff.csv --odd-name.csv" {
		t.Fatalf("platform %q args %q", *p, fs.Args())
	}
}

// TestReportTableEscapesControls: feedback typed with terminal escape
// sequences (stored before text was cleaned at the edge, or imported) is
// printed by --format table with its controls shown as escapes, so it
// cannot retitle or clear the trainer's terminal or break the table.
func TestReportTableEscapesControls(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	hostile := "\x1b]0;pwned\x07\x1b[2J\u009b31mred\rover\nnext\tcol\xff"
	err := writeTables(&b, "table", []Table{{Columns: []string{"text", "n"}, Rows: [][]string{{hostile, "1"}, {"fine", "2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, c := range got {
		if c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c <= 0x9f || c == utf8.RuneError {
			t.Fatalf("table output keeps control %U: %q", c, got)
		}
	}
	if lines := strings.Count(got, "\n"); lines != 3 {
		t.Errorf("table has %d lines, want 3 (header and two rows): %q", lines, got)
	}
	if !strings.Contains(got, `\x1b]0;pwned\x07\x1b[2J\u009b31mred\x0dover\nnext\tcol\xff`) {
		t.Errorf("table = %q", got)
	}
}
