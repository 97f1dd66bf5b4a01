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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// burstRoster has nurses in several time zones and colleagues of every
// other role; the sandbox adds its own demo people (five of them nurses).
const burstRoster = `user_id,name,role,department,timezone,email
RN1,Ana Ruiz,nurse,4west,America/Chicago,
RN2,Ben Ito,nurse,icu,Asia/Tokyo,
RN3,Cleo Berg,nurse,icu,Europe/Berlin,
RN4,Dev Rao,nurse,5east,America/Los_Angeles,
RN5,Eve Moss,nurse,5east,,
RN6,Finn Lee,nurse,er,Australia/Sydney,
MD1,Gus Hart,physician,icu,America/New_York,
MD2,Hana Sato,physician,4west,,
MA1,Ida Cole,ma,clinic,America/Denver,
FD1,Jo Park,front_desk,clinic,,
BL1,Kai Shaw,billing,revenue,,
`

// TestBurstToNursesEndToEnd is the check: with the sandbox running,
// a roster import and a burst to nurses from the CLI reach every nurse
// exactly once and no one else, and `burst status` shows the counts.
func TestBurstToNursesEndToEnd(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		ctx := context.Background()
		vars := map[string]string{
			"HUDDLEBOT_DATABASE_URL": storetest.URL(t, backend),
			"HUDDLEBOT_LISTEN":       "127.0.0.1:0",
		}
		getenv := func(k string) string { return vars[k] }
		cfg := LoadConfig(getenv, flag.NewFlagSet("test", flag.ContinueOnError))
		m := &Main{Config: cfg, SchedulerInterval: time.Hour}
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := m.Close(cctx); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		m.Sandbox.TickStep = 2 * time.Hour
		base := "http://" + m.Addr
		cli := func(args ...string) (int, string, string) { t.Helper(); return runCLI(t, vars, args...) }

		roster := filepath.Join(t.TempDir(), "roster.csv")
		if err := os.WriteFile(roster, []byte(burstRoster), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := cli("roster", "import", roster); code != 0 || !strings.Contains(out, "11 added") {
			t.Fatalf("roster import: %d %s %s", code, out, errs)
		}

		var people []struct{ ID, Role string }
		sandboxGet(t, base+"/sandbox/api/people", &people)
		nurses := map[string]bool{}
		for _, p := range people {
			if p.Role == "nurse" {
				nurses[p.ID] = true
			}
		}
		if len(nurses) != 11 || len(people) < 20 {
			t.Fatalf("%d nurses among %d people, want the roster's 6 and the sandbox's 5", len(nurses), len(people))
		}

		code, out, errs := cli("burst", "send", "secure-chat-launch", "--role", "nurse", "--dry-run")
		if code != 0 || !strings.Contains(out, "would reach 11 members with 44 items") || !strings.Contains(out, "RN6") || strings.Contains(out, "MD1") {
			t.Fatalf("dry run: %d\n%s%s", code, out, errs)
		}
		if code, _, errs := cli("burst", "status", "secure-chat-launch"); code != 1 || !strings.Contains(errs, "has not been sent") {
			t.Fatalf("a dry run wrote something: status %d %s", code, errs)
		}

		code, out, errs = cli("burst", "send", "secure-chat-launch", "--now", "--role", "nurse")
		if code != 0 || !strings.Contains(out, "queued for 11 members: 44 items (44 new)") {
			t.Fatalf("send: %d\n%s%s", code, out, errs)
		}
		if !strings.Contains(errs, "enqueued 11/11 members") {
			t.Errorf("no progress on stderr: %q", errs)
		}
		// Nurses from Sydney to Los Angeles are never all at work at
		// once: those who are not are told when it reaches them, in
		// their own time, and why not now.
		later := regexp.MustCompile(`(?m)^  (\d+) members? (today|tomorrow|[A-Z][a-z]+day|[A-Z][a-z]{2} \d+ [A-Z][a-z]{2}) at \d\d:\d\d [A-Z0-9+-]+ — ` +
			`(Saturday|Sunday) is not one of their work days \(mon-fri\)$|^  (\d+) members? .* — outside their work hours \(08:00–17:00\)$`)
		if !strings.Contains(out, "later, in each member's own time:\n") || !later.MatchString(out) {
			t.Errorf("the send does not say when the nurses away get it:\n%s", out)
		}
		// Sent again by mistake: nothing doubles.
		if code, out, errs := cli("burst", "send", "secure-chat-launch", "--role", "nurse", "--now"); code != 0 || !strings.Contains(out, "already sent") {
			t.Fatalf("second send: %d\n%s%s", code, out, errs)
		}

		// Four simulated days: every nurse's next delivery window passes.
		if err := m.Sandbox.Advance(ctx, 4*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		titles := map[string]string{}
		for _, id := range []string{"secure-chat-overview", "secure-chat-no-orders", "secure-chat-urgent-results", "secure-chat-patient-context"} {
			titles[id] = m.Bot.Content().Lesson(id).Title
		}
		for _, p := range people {
			var msgs []struct {
				Card struct{ Title string } `json:"card"`
			}
			sandboxGet(t, base+"/sandbox/api/messages?user="+p.ID+"&channel=dm", &msgs)
			for id, title := range titles {
				n := 0
				for _, msg := range msgs {
					if strings.HasSuffix(msg.Card.Title, " "+title) {
						n++
					}
				}
				want := 0
				if nurses[p.ID] {
					want = 1
				}
				if n != want {
					t.Errorf("%s (%s) has %s in %d DMs, want %d", p.ID, p.Role, id, n, want)
				}
			}
		}
		if n := countBurst(t, m.DB, `SELECT COUNT(*) FROM delivery WHERE burst_id = 'secure-chat-launch'`); n != 44 {
			t.Errorf("%d burst deliveries, want 44", n)
		}

		code, out, errs = cli("burst", "status", "secure-chat-launch")
		if code != 0 {
			t.Fatalf("status: %d %s", code, errs)
		}
		for _, want := range []string{`11 members targeted, 11 reached \(100%\)`, `secure-chat-overview +tip +11 +11 +11 `,
			`total +44 +44 `, `acknowledged +answered +correct`} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
		code, out, _ = cli("burst", "status", "secure-chat-launch", "--format", "json")
		var st store.BurstStats
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Members != 11 || st.Total.Sent != 44 || len(st.Lessons) != 4 {
			t.Fatalf("status json: %d %s", code, out)
		}
		if code, out, _ := cli("burst", "list"); code != 0 || !strings.Contains(out, "to 11 members, 11 reached") {
			t.Errorf("list: %d %s", code, out)
		}
		if code, out, _ := cli("burst", "cancel", "secure-chat-launch"); code != 0 || !strings.Contains(out, "nothing was left to stop") {
			t.Errorf("cancel after everything went out: %d %s", code, out)
		}
	})
}

func TestBurstCLIUsage(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")}
	cli := func(args ...string) (int, string, string) { t.Helper(); return runCLI(t, vars, args...) }
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"burst", "--help"}, 0, "Usage: huddlebot burst"},
		{[]string{"burst"}, 2, "Usage: huddlebot burst"},
		{[]string{"burst", "launch"}, 2, `unknown action "launch"`},
		{[]string{"burst", "send"}, 2, "send needs a burst ID"},
		{[]string{"burst", "status", "a", "b"}, 2, `unexpected argument "b"`},
		{[]string{"burst", "send", "x", "--now", "--at", "2026-12-01 08:00"}, 2, "--now and --at exclude each other"},
		{[]string{"burst", "send", "x", "--at", "next tuesday"}, 2, "--at:"},
		{[]string{"burst", "list", "--format", "xml"}, 2, "--format must be table or json"},
		{[]string{"burst", "send", "x", "--platform", "msteams"}, 2, "--platform must be"},
		{[]string{"burst", "send", "no-such-burst"}, 1, "There is no burst \"no-such-burst\""},
	} {
		code, out, errs := cli(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
	loc, _ := time.LoadLocation("America/Chicago")
	for in, want := range map[string]string{
		"2026-12-01 08:00":          "2026-12-01T14:00:00Z",
		"2026-12-01T08:00":          "2026-12-01T14:00:00Z",
		"2026-12-01T08:00:00+01:00": "2026-12-01T07:00:00Z",
	} {
		got, err := parseBurstTime(in, loc)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("parseBurstTime(%q) = %v, %v; want %s", in, got.UTC(), err, want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := &progressBar{w: &b, tty: true}
	p.update(500, 1000)
	p.update(1000, 1000)
	if got := b.String(); got != "\r[===============>              ] 500/1000 members\r[==============================] 1000/1000 members\n" {
		t.Errorf("terminal bar = %q", got)
	}
	b.Reset()
	p = newProgressBar(&b) // not a terminal: plain lines
	p.update(500, 1000)
	if got := b.String(); got != "enqueued 500/1000 members\n" {
		t.Errorf("plain progress = %q", got)
	}
}

func sandboxGet(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func countBurst(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, query); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", query, err))
	}
	return n
}
