package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
	"github.com/huddlebot/huddlebot/support"
)

// TestSupportReportEndToEnd is the first "done when" through the
// sandbox API of an in-process bot, ending in `huddlebot report support
// --format csv` against the same database.
func TestSupportReportEndToEnd(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, backend)
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			e := bottest.OpenSandbox(t, db, bottest.SandboxOptions{Config: bot.Config{HelpdeskChannel: "#helpdesk"}, TickStep: time.Minute})
			s := e.SB

			rep := e.Command("nina", "#4west", "/ask The scanner won't read the wristband, who do I call? Pharmacy said 555-201-7788")
			if !strings.Contains(rep, "Sent to Sam Reyes and Sue Park, on duty on 4west.") || !strings.Contains(rep, "phone number") {
				t.Fatalf("ask reply: %q", rep)
			}
			samCard := e.Must("sam", "dm", "Question from Nina Patel")
			e.Must("sue", "dm", "Question from Nina Patel")
			if strings.Contains(samCard.Text, "555") {
				t.Fatalf("forwarded unredacted: %q", samCard.Text)
			}
			if err := s.Advance(ctx, 3*time.Minute); err != nil { // Sam takes three minutes to see it
				t.Fatal(err)
			}
			if r := e.Click("sam", samCard.ID, samCard.Action("claim:")); !strings.Contains(r.Reply, "It's yours") {
				t.Fatalf("claim: %q", r.Reply)
			}
			if sue := e.Must("sue", "dm", "Question from Nina Patel"); !strings.Contains(sue.Text, "Claimed by Sam Reyes") {
				t.Fatalf("sue's copy: %q", sue.Text)
			}
			samCard = e.Must("sam", "dm", "Question from Nina Patel")
			form := e.Click("sam", samCard.ID, samCard.Action("sreply:")).Form
			if form == nil {
				t.Fatal("Reply opened no form")
			}
			e.Submit("sam", form.ID, "Downtime BCMA: scan the barcode label on the chart, then call the help desk.")
			got := e.Must("nina", "dm", "Downtime BCMA")
			form = e.Click("nina", got.ID, got.Action("sreply:")).Form
			e.Submit("nina", form.ID, "That worked, thank you!")
			e.Must("sam", "dm", "That worked, thank you!")
			if err := s.Advance(ctx, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
			mine := e.Must("nina", "dm", "Your question")
			if strings.Contains(mine.Text, "201-7788") {
				t.Fatalf("the asker's card shows the phone number: %q", mine.Text)
			}
			e.Click("nina", mine.ID, mine.Action("resolve:"))
			mine = e.Must("nina", "dm", "Your question")
			if r := e.Click("nina", mine.ID, mine.Action("srate:")[:len(mine.Action("srate:"))-1]+"4"); !strings.Contains(r.Reply, "4/5") {
				t.Fatalf("rate: %q", r.Reply)
			}
			samCard = e.Must("sam", "dm", "Question from Nina Patel")
			e.Click("sam", samCard.ID, samCard.Action("stag:")[:strings.Index(samCard.Action("stag:"), "=")]+"=bcma")

			// The CLI report, on the same database.
			vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
			var out, errb bytes.Buffer
			code := run(ctx, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }},
				[]string{"report", "support", "--format", "csv"})
			if code != 0 {
				t.Fatalf("report: exit %d: %s", code, errb.String())
			}
			tables := strings.Split(strings.TrimSpace(out.String()), "\n\n")
			if len(tables) != 3 {
				t.Fatalf("want 3 CSV tables, got %d:\n%s", len(tables), out.String())
			}
			records := func(s string) [][]string {
				r, err := csv.NewReader(strings.NewReader(s)).ReadAll()
				if err != nil {
					t.Fatalf("csv: %v\n%s", err, s)
				}
				return r
			}
			list := records(tables[2])
			col := func(name string) int {
				i := slices.Index(list[0], name)
				if i < 0 {
					t.Fatalf("no column %q in %v", name, list[0])
				}
				return i
			}
			if len(list) != 2 {
				t.Fatalf("question list:\n%s", tables[2])
			}
			row := list[1]
			for name, want := range map[string]string{"department": "4west", "asker_role": "nurse", "level": "department",
				"claimer": "Sam Reyes", "status": "resolved", "tags": "bcma", "rating": "4", "escalated_at": ""} {
				if got := row[col(name)]; got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			asked, err1 := time.Parse(time.RFC3339, row[col("asked_at")])
			claimed, err2 := time.Parse(time.RFC3339, row[col("claimed_at")])
			resolved, err3 := time.Parse(time.RFC3339, row[col("resolved_at")])
			if err1 != nil || err2 != nil || err3 != nil || claimed.Sub(asked) < 3*time.Minute || resolved.Sub(asked) < 8*time.Minute {
				t.Errorf("times: asked %s claimed %s resolved %s", row[col("asked_at")], row[col("claimed_at")], row[col("resolved_at")])
			}
			if m, err := strconv.ParseFloat(row[col("claim_min")], 64); err != nil || m < 3 || m >= 4 {
				t.Errorf("claim_min = %q", row[col("claim_min")])
			}
			if m, err := strconv.ParseFloat(row[col("resolve_min")], 64); err != nil || m < 8 || m >= 9.5 {
				t.Errorf("resolve_min = %q", row[col("resolve_min")])
			}
			if q := row[col("question")]; strings.Contains(q, "555") || strings.Contains(q, "201-7788") || !strings.Contains(q, "[redacted]") {
				t.Errorf("question = %q", q)
			}
			dept := records(tables[0])
			if len(dept) != 3 || dept[1][0] != "4west" || dept[1][1] != "1" || dept[2][0] != "(all)" {
				t.Errorf("by department:\n%s", tables[0])
			}
			if tag := records(tables[1]); len(tag) != 2 || tag[1][0] != "bcma" {
				t.Errorf("by tag:\n%s", tables[1])
			}

			out.Reset()
			if code := run(ctx, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }},
				[]string{"report", "support", "--format", "json", "--department", "5east"}); code != 0 {
				t.Fatalf("json report: exit %d: %s", code, errb.String())
			}
			var js map[string][]map[string]string
			if err := json.Unmarshal(out.Bytes(), &js); err != nil || len(js["support questions"]) != 0 {
				t.Errorf("5east report = %s (%v)", out.String(), err)
			}
		})
	}
}

func TestSupportTables(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	q := func(id int64, dept string, tags []string, claim, resolve time.Duration, escalated bool, rating int) store.SupportReportRow {
		sq := store.SupportQuestion{ID: id, Department: dept, Tags: tags, CreatedAt: t0, Status: store.SupportOpen, Text: "q\nwith  lines"}
		if claim > 0 {
			sq.ClaimedAt, sq.Status = t0.Add(claim), store.SupportClaimed
		}
		if resolve > 0 {
			sq.ResolvedAt, sq.Status = t0.Add(resolve), store.SupportResolved
		}
		if escalated {
			sq.EscalatedAt, sq.Level = t0.Add(10*time.Minute), support.LevelOthers
		}
		sq.Rating = rating
		return store.SupportReportRow{SupportQuestion: sq, AskerRole: "nurse"}
	}
	m := time.Minute
	tables := supportTables([]store.SupportReportRow{
		q(1, "4west", []string{"bcma", "mar"}, 2*m, 10*m, false, 5),
		q(2, "4west", []string{"bcma"}, 4*m, 30*m, false, 3),
		q(3, "4west", nil, 20*m, 0, true, 0),
		q(4, "clinic", nil, 0, 0, true, 0),
	})
	want := [][]string{
		{"4west", "3", "3", "2", "1", "33", "4.0", "16.8", "20.0", "28.0", "2", "4.0"},
		{"clinic", "1", "0", "0", "1", "100", "", "", "", "", "0", ""},
		{"(all)", "4", "3", "2", "2", "50", "4.0", "16.8", "20.0", "28.0", "2", "4.0"},
	}
	if len(tables) != 3 || !slices.EqualFunc(tables[0].Rows, want, slices.Equal) {
		t.Fatalf("by department = %v\nwant %v", tables[0].Rows, want)
	}
	var tags []string
	for _, r := range tables[1].Rows {
		tags = append(tags, r[0]+":"+r[1])
	}
	if !slices.Equal(tags, []string{"(untagged):2", "bcma:2", "mar:1"}) {
		t.Errorf("by tag = %v", tags)
	}
	list := tables[2]
	if len(list.Rows) != 4 || list.Rows[0][len(list.Columns)-1] != "q with lines" || list.Rows[2][4] != "other-departments" ||
		list.Rows[0][8] != "2.0" || list.Rows[3][8] != "" {
		t.Errorf("question list = %v", list.Rows)
	}
	var buf bytes.Buffer
	if err := writeTables(&buf, "table", supportTables(nil)); err != nil || !strings.Contains(buf.String(), "(no data)") {
		t.Errorf("empty report: %v\n%s", err, buf.String())
	}
}
