package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
	"github.com/huddlebot/huddlebot/support"
)

// supMsg is a sandbox message as the API returns it.
type supMsg struct {
	ID      int64  `json:"id"`
	Text    string `json:"text"`
	Actions []struct {
		ID string `json:"id"`
	} `json:"actions"`
}

func (m supMsg) action(prefix string) string {
	for _, a := range m.Actions {
		if strings.HasPrefix(a.ID, prefix) {
			return a.ID
		}
	}
	return ""
}

// supFind returns the newest message of user in channel containing text.
func supFind(t *testing.T, base, user, channel, text string) supMsg {
	t.Helper()
	var ms []supMsg
	api(t, "GET", base+"/sandbox/api/messages?user="+user+"&channel="+channel, nil, &ms)
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].Text, text) {
			return ms[i]
		}
	}
	t.Fatalf("%s has no message in %s containing %q (%d messages)", user, channel, text, len(ms))
	return supMsg{}
}

type supReply struct {
	Reply string    `json:"reply"`
	Form  *bot.Form `json:"form"`
}

func supClick(t *testing.T, base, user string, m supMsg, action string) supReply {
	t.Helper()
	var out supReply
	if code := api(t, "POST", base+"/sandbox/api/click", map[string]any{"user": user, "message": m.ID, "action": action}, &out); code != 200 {
		t.Fatalf("click %s: %d", action, code)
	}
	return out
}

func supSubmit(t *testing.T, base, user, form, text string) string {
	t.Helper()
	var out supReply
	if code := api(t, "POST", base+"/sandbox/api/submit", map[string]string{"user": user, "form": form, "text": text}, &out); code != 200 {
		t.Fatalf("submit %s: %d", form, code)
	}
	return out.Reply
}

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
			rb := bottest.NewBot(t, db, bottest.BotOptions{Config: bot.Config{HelpdeskChannel: "#helpdesk"}, Jobs: bot.JobsOptions{Work: true}})
			rb.Start(t)
			b := rb.Bot
			s := sandbox.New(b)
			// Move the simulated clock to a Tuesday–Thursday 09:00 UTC.
			now := s.Clock.Now()
			morning := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, time.UTC)
			for morning.Weekday() < time.Tuesday || morning.Weekday() > time.Thursday {
				morning = morning.AddDate(0, 0, 1)
			}
			s.TickStep = 24 * time.Hour
			if err := s.Advance(ctx, morning.Sub(now)); err != nil {
				t.Fatal(err)
			}
			s.TickStep = time.Minute
			if err := s.Seed(ctx); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)
			base := srv.URL

			rep := command(t, base, "nina", "#4west", "/ask The scanner won't read the wristband, who do I call? Pharmacy said 555-201-7788")
			if !strings.Contains(rep, "Sent to Sam Reyes and Sue Park, on duty on 4west.") || !strings.Contains(rep, "phone number") {
				t.Fatalf("ask reply: %q", rep)
			}
			samCard := supFind(t, base, "sam", "dm", "Question from Nina Patel")
			supFind(t, base, "sue", "dm", "Question from Nina Patel")
			if strings.Contains(samCard.Text, "555") {
				t.Fatalf("forwarded unredacted: %q", samCard.Text)
			}
			if err := s.Advance(ctx, 3*time.Minute); err != nil { // Sam takes three minutes to see it
				t.Fatal(err)
			}
			if r := supClick(t, base, "sam", samCard, samCard.action("claim:")); !strings.Contains(r.Reply, "It's yours") {
				t.Fatalf("claim: %q", r.Reply)
			}
			if sue := supFind(t, base, "sue", "dm", "Question from Nina Patel"); !strings.Contains(sue.Text, "Claimed by Sam Reyes") {
				t.Fatalf("sue's copy: %q", sue.Text)
			}
			samCard = supFind(t, base, "sam", "dm", "Question from Nina Patel")
			form := supClick(t, base, "sam", samCard, samCard.action("sreply:")).Form
			if form == nil {
				t.Fatal("Reply opened no form")
			}
			supSubmit(t, base, "sam", form.ID, "Downtime BCMA: scan the barcode label on the chart, then call the help desk.")
			got := supFind(t, base, "nina", "dm", "Downtime BCMA")
			form = supClick(t, base, "nina", got, got.action("sreply:")).Form
			supSubmit(t, base, "nina", form.ID, "That worked, thank you!")
			supFind(t, base, "sam", "dm", "That worked, thank you!")
			if err := s.Advance(ctx, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
			mine := supFind(t, base, "nina", "dm", "Your question")
			supClick(t, base, "nina", mine, mine.action("resolve:"))
			mine = supFind(t, base, "nina", "dm", "Your question")
			if r := supClick(t, base, "nina", mine, mine.action("srate:")[:len(mine.action("srate:"))-1]+"4"); !strings.Contains(r.Reply, "4/5") {
				t.Fatalf("rate: %q", r.Reply)
			}
			samCard = supFind(t, base, "sam", "dm", "Question from Nina Patel")
			supClick(t, base, "sam", samCard, samCard.action("stag:")[:strings.Index(samCard.action("stag:"), "=")]+"=bcma")

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
			if q := row[col("question")]; strings.Contains(q, "555") || !strings.Contains(q, "[redacted]") {
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
