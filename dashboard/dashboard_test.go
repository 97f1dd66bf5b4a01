package dashboard_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/dashboard"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var testNow = time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)

// fixture: nurses answering a "bcma" quiz badly and a "privacy" quiz well
// over three weeks, physicians in another department, one feedback text
// that tries to be a spreadsheet formula.
func fixture(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	quiz := func(id, tag string) *lessons.Lesson {
		return &lessons.Lesson{ID: id, Kind: lessons.KindQuiz, Title: "Title " + id, Tags: []string{tag}, Question: "Q?",
			Choices: []string{"a", "b"}, Answer: 1, Explanation: "x"}
	}
	if _, err := db.ContentImport(ctx, &lessons.Content{Roles: member.DefaultRoles,
		Lessons: []*lessons.Lesson{quiz("q-bcma", "bcma"), quiz("q-privacy", "privacy")}}); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	d := &store.DemoData{WorkspaceID: ws.ID}
	for i := 0; i < 10; i++ {
		role, dept := "nurse", "4west"
		if i >= 6 {
			role, dept = "physician", "icu"
		}
		d.Members = append(d.Members, store.DemoMember{UserID: "u" + string(rune('a'+i)), Role: role, Department: dept,
			CreatedAt: testNow.AddDate(0, -3, 0)})
	}
	// Members 0-2 tap "Certain", 3-4 "Guessed", the others nothing: the
	// bcma answers of 1 and 2 are confidently wrong.
	confidence := func(m int) lessons.Confidence {
		switch {
		case m < 3:
			return lessons.ConfidenceCertain
		case m < 5:
			return lessons.ConfidenceGuessed
		}
		return 0
	}
	for day := 1; day <= 20; day++ {
		for m := 0; m < 10; m++ {
			lesson, correct := "q-privacy", true
			if day%2 == 0 {
				lesson, correct = "q-bcma", m%3 == 0
			}
			sent := testNow.Add(-time.Duration(day) * 24 * time.Hour)
			d.Deliveries = append(d.Deliveries, store.DemoDelivery{Member: m, LessonID: lesson, LessonVersion: 1, Reason: "track",
				ShiftDate: sent.Format("2006-01-02"), Status: store.DeliveryAnswered, SentAt: sent,
				Answer: &store.DemoAnswer{Choice: 1, Correct: correct, Attempt: 1 + (20-day)/2, Confidence: confidence(m), At: sent.Add(time.Minute)}})
		}
	}
	down := -1
	d.Feedback = []store.DemoFeedback{
		{Member: 0, Delivery: 0, Kind: "lesson", LessonID: "q-privacy", Rating: &down, At: testNow.Add(-3 * time.Hour)},
		{Member: 0, Delivery: -1, Kind: "general", Text: `=HYPERLINK("http://evil.example","x")`, At: testNow.Add(-time.Hour)},
		{Member: 7, Delivery: -1, Kind: "general", Text: "Great, thanks", At: testNow.Add(-2 * time.Hour)},
	}
	if _, err := db.DemoLoad(ctx, d); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("bad CSV: %v\n%s", err, body)
	}
	return rows
}

func TestDashboardPageAndCSV(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		h := &dashboard.Handler{DB: db, Now: func() time.Time { return testNow }}

		rec := get(t, h, "/dashboard")
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("GET /dashboard = %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("no strict CSP: %q", csp)
		}
		for _, want := range []string{"<svg", "<rect", "Participation per week", "Accuracy per topic", "Participation by department",
			`<option value="nurse">`, `<option value="4west">`, "Low accuracy", "bcma", "table=accuracy", "table=feedback"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// No scripts, nothing loaded from elsewhere, links only to itself.
		for _, bad := range []string{"<script", "<link", "src=", "url(", "@import", `href="http`, `href="/`} {
			if strings.Contains(body, bad) {
				t.Errorf("page contains %q", bad)
			}
		}
		// The signals come first.
		if strings.Index(body, "Refresh signals") > strings.Index(body, "Participation per week") {
			t.Error("refresh signals are not the first section")
		}
		if strings.Contains(body, `HYPERLINK("http`) {
			t.Error("feedback text was not HTML-escaped")
		}

		for _, name := range dashboard.TableNames() {
			rec := get(t, h, "/dashboard?format=csv&table="+name+"&from=2026-02-01&to=2026-03-18")
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(rec.Header().Get("Content-Disposition"), `filename="huddlebot-`+name+`-2026-02-01-2026-03-18.csv"`) {
				t.Errorf("CSV %s: %d %v", name, rec.Code, rec.Header())
				continue
			}
			rows := readCSV(t, rec.Body.String())
			if len(rows) == 0 || len(rows[0]) < 2 {
				t.Errorf("CSV %s has no header: %q", name, rec.Body.String())
			}
			if name != "escalations" && len(rows) < 2 {
				t.Errorf("CSV %s has no rows", name)
			}
		}

		acc := readCSV(t, get(t, h, "/dashboard?format=csv&table=accuracy").Body.String())
		if !slices.Equal(acc[0], []string{"topic", "role", "answers", "correct", "accuracy_pct", "first_tries", "first_try_pct", "later_attempts", "later_pct",
			"rated", "confident_wrong"}) {
			t.Errorf("accuracy header = %q", acc[0])
		}
		// bcma: 100 answers, 40 right; the 10 first tries (day 20) apart from
		// the 90 reviews; 50 with a confidence tap, 20 of them wrong and certain.
		want := []string{"bcma", "all", "100", "40", "40.0", "10", "40.0", "90", "40.0", "50", "20"}
		if !slices.ContainsFunc(acc, func(r []string) bool { return slices.Equal(r, want) }) {
			t.Errorf("accuracy rows = %q", acc)
		}

		// Per lesson, the misconception comes first.
		les := readCSV(t, get(t, h, "/dashboard?format=csv&table=lessons").Body.String())
		if len(les) != 3 || !slices.Equal(les[1], []string{"q-bcma", "Title q-bcma", "100", "40.0", "10", "40.0", "90", "40.0", "50", "20", "40.0"}) ||
			les[2][0] != "q-privacy" || les[2][9] != "0" {
			t.Errorf("lessons CSV = %q", les)
		}
		// Reviews two days apart: 180 in the 1-3 day bucket (privacy 90/90,
		// bcma 36/90); every other bucket is listed, empty.
		ret := readCSV(t, get(t, h, "/dashboard?format=csv&table=retention").Body.String())
		if !slices.Equal(ret[0], []string{"interval", "min_days", "max_days", "reviews", "correct", "accuracy_pct"}) ||
			!slices.ContainsFunc(ret, func(r []string) bool { return slices.Equal(r, []string{"1-3 days", "1", "3", "180", "126", "70.0"}) }) ||
			!slices.ContainsFunc(ret, func(r []string) bool { return slices.Equal(r, []string{"over 120 days", "121", "", "0", "0", ""}) }) {
			t.Errorf("retention CSV = %q", ret)
		}
		for _, want := range []string{"Retention over time", "Confidently wrong", "20</", "of 100 answers with a confidence tap", "on the first try",
			"Accuracy by lesson, confidently wrong first", "table=lessons", "table=retention"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}

		// Filters narrow every table.
		acc = readCSV(t, get(t, h, "/dashboard?format=csv&table=accuracy&role=physician").Body.String())
		for _, r := range acc[1:] {
			if r[1] != "physician" && r[1] != "all" {
				t.Errorf("role filter let through %q", r)
			}
		}
		depts := readCSV(t, get(t, h, "/dashboard?format=csv&table=departments&department=icu").Body.String())
		if len(depts) != 2 || depts[1][0] != "icu" || depts[1][1] != "4" {
			t.Errorf("department filter: %q", depts)
		}
		// A range before the data has headers and no rows.
		weeks := readCSV(t, get(t, h, "/dashboard?format=csv&table=weeks&from=2025-01-01&to=2025-01-31").Body.String())
		if len(weeks) != 1 {
			t.Errorf("weeks outside the data: %q", weeks)
		}

		fb := readCSV(t, get(t, h, "/dashboard?format=csv&table=feedback").Body.String())
		if len(fb) != 3 || fb[1][7] != `'=HYPERLINK("http://evil.example","x")` {
			t.Errorf("feedback CSV does not defuse formulas: %q", fb)
		}
	})
}

func TestDashboardBadRequests(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	fixture(t, db)
	h := &dashboard.Handler{DB: db, Now: func() time.Time { return testNow }}

	rec := get(t, h, "/dashboard?from=yesterday")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "must be a date like") {
		t.Errorf("bad date: %d, no explanation on the page", rec.Code)
	}
	if rec := get(t, h, "/dashboard?format=csv&table=weeks&to=31/12/2026"); rec.Code != 400 {
		t.Errorf("CSV with a bad date = %d, want 400", rec.Code)
	}
	if rec := get(t, h, "/dashboard?from=2026-03-10&to=2026-03-01"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "swapped") {
		t.Errorf("reversed range = %d", rec.Code)
	}
	if rec := get(t, h, "/dashboard?format=csv&table=nope"); rec.Code != 404 || !strings.Contains(rec.Body.String(), "accuracy") {
		t.Errorf("unknown table = %d %q", rec.Code, rec.Body.String())
	}
	if rec := get(t, h, "/dashboard?format=pdf"); rec.Code != 400 {
		t.Errorf("format=pdf = %d, want 400", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/dashboard", nil))
	if rec.Code != 405 {
		t.Errorf("POST = %d, want 405", rec.Code)
	}

	// An empty database renders with empty charts, not an error.
	empty := &dashboard.Handler{DB: storetest.Open(t, store.SQLite)}
	if rec := get(t, empty, "/dashboard"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "No data for this selection") {
		t.Errorf("empty database: %d", rec.Code)
	}
}

func TestCharts(t *testing.T) {
	t.Parallel()
	c := dashboard.ColumnChart("t", "d", []dashboard.Point{{Label: "a", Value: 1}, {Label: "b", Value: 0.5}, {Label: "c", Value: 0}, {Label: "d", Value: 1.7}}, 0.5, 0.5, 0.7)
	if len(c.Bars) != 4 {
		t.Fatalf("%d bars", len(c.Bars))
	}
	if h0, h1 := c.Bars[0].H, c.Bars[1].H; h0 <= 0 || h1*2 != h0 {
		t.Errorf("heights %v and %v are not proportional", h0, h1)
	}
	if c.Bars[2].H != 0 || c.Bars[3].H != c.Bars[0].H {
		t.Errorf("0 and >100%% not clamped: %+v %+v", c.Bars[2], c.Bars[3])
	}
	if c.Bars[1].Fill == c.Bars[0].Fill || c.Threshold == nil {
		t.Error("a bar at the threshold should look different from a good one, and the threshold be drawn")
	}
	for _, b := range c.Bars {
		if b.Y+b.H > float64(c.Height) || b.X+b.W > float64(c.Width) {
			t.Errorf("bar outside the chart: %+v", b)
		}
	}
	h := dashboard.BarChart("t", "d", []dashboard.Point{{Label: "a-very-long-topic-name-indeed", Value: 0.25}}, 0.6, 0.6, 0.75)
	if len(h.Bars) != 1 || !strings.HasSuffix(h.Bars[0].Label, "…") || h.Bars[0].W <= 0 {
		t.Errorf("horizontal bar: %+v", h.Bars)
	}
	if e := dashboard.BarChart("t", "d", nil, 0.6, 0.6, 0.75); e.Empty == "" || len(e.Bars) != 0 {
		t.Errorf("empty chart: %+v", e)
	}
}

func TestSignalFilter(t *testing.T) {
	t.Parallel()
	f := dashboard.SignalFilter(store.ReportFilter{Since: testNow.AddDate(0, -6, 0), Until: testNow}, testNow)
	if !f.Since.Equal(testNow.Add(-dashboard.SignalWindow)) {
		t.Errorf("long range not cut to 28 days: %v", f.Since)
	}
	f = dashboard.SignalFilter(store.ReportFilter{Since: testNow.AddDate(0, 0, -7)}, testNow)
	if !f.Since.Equal(testNow.AddDate(0, 0, -7)) {
		t.Errorf("short range changed: %v", f.Since)
	}
}

// TestDashboardHostileQuery: a NUL byte, a control character or invalid
// UTF-8 in a query parameter is answered 400 naming the parameter, on both
// backends (PostgreSQL would refuse the value and the page answered 503).
func TestDashboardHostileQuery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		h := &dashboard.Handler{DB: db, Now: func() time.Time { return testNow }}
		for _, q := range []string{"role=%00", "department=4west%00", "role=%ff%fe", "department=%1b%5b2J",
			"format=csv&table=accuracy&role=%00", "r%00le=nurse", "role=" + strings.Repeat("x", 201)} {
			rec := get(t, h, "/dashboard?"+q)
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), "query parameter") {
				t.Errorf("?%s: %d %q, want 400", q, rec.Code, rec.Body.String())
			}
		}
		if rec := get(t, h, "/dashboard?role=nurse&department=4west"); rec.Code != 200 {
			t.Errorf("ordinary filters: %d", rec.Code)
		}
	})
}

// TestLanguagesTable: prompts and answers summed per language shown, one
// row each, unrecorded ones named so.
func TestLanguagesTable(t *testing.T) {
	t.Parallel()
	tab := dashboard.LanguagesTable(
		[]store.ParticipationWeek{{Language: "en", Prompts: 3, Responses: 2}, {Language: "es", Prompts: 2, Responses: 2},
			{Language: "en", Prompts: 1, Responses: 0}, {Prompts: 1}},
		[]store.LessonAccuracy{{LessonID: "q", Language: "es", AnswerTally: store.AnswerTally{Answers: 2, Correct: 1, FirstTries: 2, FirstCorrect: 1}},
			{LessonID: "q", Language: "en", AnswerTally: store.AnswerTally{Answers: 1, Correct: 1, FirstTries: 1, FirstCorrect: 1}}})
	want := [][]string{
		{"(not recorded)", "1", "0", "0.0", "0", "", "0", ""},
		{"en", "4", "2", "50.0", "1", "100.0", "1", "100.0"},
		{"es", "2", "2", "100.0", "2", "50.0", "2", "50.0"},
	}
	if !reflect.DeepEqual(tab.Rows, want) {
		t.Errorf("rows = %q, want %q", tab.Rows, want)
	}
}
