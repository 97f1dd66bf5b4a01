package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestHuddlesReportEndToEnd runs `serve` in sandbox mode, holds a huddle
// through the sandbox API (an anonymous poll, a rating poll, a question, a
// rating), then reads it back with `huddlebot report huddles` in every
// format.
func TestHuddlesReportEndToEnd(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		url := storetest.URL(t, backend)
		_, base, _ := startTestMain(t, backend, map[string]string{"HUDDLEBOT_DATABASE_URL": url})
		newest := func(text string) msgView {
			t.Helper()
			var ms []msgView
			api(t, "GET", base+"/sandbox/api/messages?user=sam&channel=4west", nil, &ms)
			for i := len(ms) - 1; i >= 0; i-- {
				if strings.Contains(ms[i].Text, text) {
					return ms[i]
				}
			}
			t.Fatalf("no message in #4west contains %q", text)
			return msgView{}
		}
		click := func(user string, m msgView, action string) string {
			t.Helper()
			var out struct{ Reply string }
			api(t, "POST", base+"/sandbox/api/click", map[string]any{"user": user, "message": m.ID, "action": action}, &out)
			return out.Reply
		}
		actionOf := func(m msgView, suffix string) string {
			for _, a := range m.Actions {
				if strings.HasSuffix(a.ID, suffix) {
					return a.ID
				}
			}
			t.Fatalf("no action ending %q on %q", suffix, m.Text)
			return ""
		}
		if r := command(t, base, "sam", "#4west", "/huddle start BCMA refresher"); !strings.Contains(r, "started") {
			t.Fatalf("start: %q", r)
		}
		command(t, base, "sam", "#4west", `/huddle poll "Scanner working on your unit?" Yes No --anonymous`)
		poll := newest("Scanner working")
		for _, u := range []string{"nina", "pete"} {
			if r := click(u, poll, actionOf(poll, ":1")); !strings.Contains(r, "anonymously") {
				t.Fatalf("vote: %q", r)
			}
		}
		command(t, base, "sam", "#4west", `/huddle rate "How confident are you with BCMA?"`)
		rate := newest("How confident")
		click("maya", rate, actionOf(rate, ":4"))
		command(t, base, "sue", "#4west", "/huddle ask Where is the override reason list?")
		if r := command(t, base, "sam", "#4west", "/huddle end"); !strings.Contains(r, "Huddle ended") {
			t.Fatalf("end: %q", r)
		}
		sum := newest("Huddle summary")
		click("sue", sum, actionOf(sum, ":5"))

		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
		code, out, errs := runCLI(t, vars, "report", "huddles", "--format", "json")
		if code != 0 {
			t.Fatalf("report: exit %d: %s", code, errs)
		}
		js, err := jsonCells(out)
		if err != nil {
			t.Fatalf("json: %v\n%s", err, out)
		}
		if !strings.Contains(out, `"attendees": 2,`) || !strings.Contains(out, `"rating_avg": 5.0,`) {
			t.Errorf("JSON gives counts and averages as numbers? %s", out)
		}
		hs := js["huddles"]
		if len(hs) != 1 {
			t.Fatalf("huddles = %v", hs)
		}
		for k, want := range map[string]string{"title": "BCMA refresher", "host": "Sam Reyes", "channel": "#4west", "attendees": "2",
			"polls": "2", "votes": "3", "questions": "1", "open_questions": "1", "rating_avg": "5.0", "ratings": "1"} {
			if got := hs[0][k]; got != want {
				t.Errorf("huddles.%s = %q, want %q", k, got, want)
			}
		}
		var rows []string
		for _, p := range js["polls"] {
			rows = append(rows, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s", p["visibility"], p["label"], p["votes"], p["pct"], p["poll_votes"], p["poll_voters"], p["average"]))
		}
		want := []string{"anonymous|Yes|2|100|2|2|", "anonymous|No|0|0|2|2|",
			"attributed|1|0|0|1|1|4.00", "attributed|2|0|0|1|1|4.00", "attributed|3|0|0|1|1|4.00", "attributed|4|1|100|1|1|4.00", "attributed|5|0|0|1|1|4.00"}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("poll rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		if qs := js["questions"]; len(qs) != 1 || qs[0]["asked_by"] != "Sue Park" || qs[0]["status"] != "open" {
			t.Errorf("questions = %v", qs)
		}
		for _, name := range []string{"Nina", "Pete", "nina", "pete"} {
			if strings.Contains(out, name) {
				t.Errorf("the report names anonymous voter %q", name)
			}
		}

		code, out, _ = runCLI(t, vars, "report", "huddles", "--format", "csv")
		if code != 0 {
			t.Fatalf("csv: exit %d", code)
		}
		r := csv.NewReader(strings.NewReader(strings.SplitN(out, "\n\n", 2)[0]))
		recs, err := r.ReadAll()
		if err != nil || len(recs) != 2 || recs[0][0] != "huddle_id" || recs[1][5] != "BCMA refresher" {
			t.Errorf("csv huddles table = %v, %v", recs, err)
		}
		code, out, _ = runCLI(t, vars, "report", "huddles")
		if code != 0 || !strings.Contains(out, "== huddles ==") || !strings.Contains(out, "== polls ==") || !strings.Contains(out, "Scanner working on your unit?") {
			t.Errorf("table report: exit %d\n%s", code, out)
		}
		code, out, _ = runCLI(t, vars, "report", "huddles", "--since", "2999-01-01", "--format", "json")
		if code != 0 || !strings.Contains(out, `"huddles": []`) {
			t.Errorf("--since in the future: exit %d\n%s", code, out)
		}
		code, out, _ = runCLI(t, vars, "report", "huddles", "--department", "5east", "--format", "json")
		if code != 0 || !strings.Contains(out, `"huddles": []`) {
			t.Errorf("--department of another unit: exit %d\n%s", code, out)
		}
	})
}

// jsonCells decodes a multi-table JSON report back into text cells as the
// table and CSV formats show them: numbers as written (5.0 stays "5.0"),
// null as "".
func jsonCells(out string) (map[string][]map[string]string, error) {
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var raw map[string][]map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	js := map[string][]map[string]string{}
	for table, rows := range raw {
		js[table] = []map[string]string{}
		for _, r := range rows {
			o := map[string]string{}
			for k, v := range r {
				switch v := v.(type) {
				case nil:
					o[k] = ""
				case string:
					o[k] = v
				case json.Number:
					o[k] = v.String()
				default:
					return nil, fmt.Errorf("%s.%s: unexpected %T", table, k, v)
				}
			}
			js[table] = append(js[table], o)
		}
	}
	return js, nil
}
