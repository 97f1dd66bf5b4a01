package dashboard

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// Handler serves the dashboard page and its CSV downloads. It does no
// authentication: whoever mounts it decides who may see it.
type Handler struct {
	DB *store.DB
	// Now is the clock (the sandbox's simulated one); default time.Now.
	Now func() time.Time
	// Thresholds tune the refresh signals; zero = lessons.DefaultSignalThresholds.
	Thresholds lessons.SignalThresholds
	Log        *slog.Logger
}

//go:embed page.html
var pageFS embed.FS

var pageTmpl = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"num": func(s string) bool {
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	},
	"signalTitle": signalTitle,
	"signalIcon":  lessons.SignalKind.Icon,
	"pctOf":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	// Headers read as words on the page ("accuracy %"); the CSV keeps the
	// column names.
	"header": func(c string) string {
		return strings.ReplaceAll(strings.Replace(c, "_pct", " %", 1), "_", " ")
	},
	"numCol": func(c string) bool { return !textColumns[c] },
}).ParseFS(pageFS, "page.html"))

// Defaults of the date range: the last eight weeks.
const defaultDays = 56

// Row limits on the page; the CSV download has every row.
var shownRows = map[string]int{"feedback": 50, "ratings": 15, "escalations": 20, "lessons": 15}

// form is the filter as the person typed it.
type form struct {
	Role, Department, From, To string
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) thresholds() lessons.SignalThresholds {
	if h.Thresholds == (lessons.SignalThresholds{}) {
		return lessons.DefaultSignalThresholds
	}
	return h.Thresholds
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// parseForm reads the filter from the query string. Dates are calendar days
// in UTC; the range includes both ends. Problems are returned as messages and
// the defaults used instead.
func parseForm(q url.Values, now time.Time) (form, store.ReportFilter, []string) {
	var problems []string
	fm := form{Role: strings.TrimSpace(q.Get("role")), Department: strings.TrimSpace(q.Get("department"))}
	today := now.UTC().Truncate(24 * time.Hour)
	to, from := today, today.AddDate(0, 0, -(defaultDays-1))
	if v := q.Get("to"); v != "" {
		if t, err := time.Parse("2006-01-02", v); err == nil {
			to = t
		} else {
			problems = append(problems, fmt.Sprintf("“To” must be a date like 2026-03-31 (got %q); showing up to today.", v))
		}
	}
	if v := q.Get("from"); v != "" {
		if t, err := time.Parse("2006-01-02", v); err == nil {
			from = t
		} else {
			problems = append(problems, fmt.Sprintf("“From” must be a date like 2026-03-01 (got %q); showing %d days.", v, defaultDays))
			from = to.AddDate(0, 0, -(defaultDays - 1))
		}
	} else if q.Get("to") != "" {
		from = to.AddDate(0, 0, -(defaultDays - 1))
	}
	if from.After(to) {
		problems = append(problems, "“From” was after “To”; the dates were swapped.")
		from, to = to, from
	}
	fm.From, fm.To = from.Format("2006-01-02"), to.Format("2006-01-02")
	f := store.ReportFilter{Since: from, Until: to.AddDate(0, 0, 1), Role: fm.Role, Department: fm.Department}
	return fm, f, problems
}

// data is everything the page shows.
type data struct {
	signals     []lessons.Signal
	weeks       []store.ParticipationWeek
	depts       []store.DepartmentParticipation
	topics      []store.TopicAccuracy
	ratings     []store.LessonRating
	lessonAcc   []store.LessonAccuracy
	langWeeks   []store.ParticipationWeek // by language
	langLessons []store.LessonAccuracy    // by language
	retention   []store.IntervalRetention
	feedback    []store.FeedbackEntry
	escalations []store.EscalatedQuestion
}

func (h *Handler) load(ctx context.Context, f store.ReportFilter, now time.Time) (*data, error) {
	d := &data{}
	var err error
	if d.signals, err = LoadSignals(ctx, h.DB, f, now, h.thresholds()); err != nil {
		return nil, err
	}
	if d.weeks, err = h.DB.ReportParticipationWeekly(ctx, f); err != nil {
		return nil, err
	}
	if d.depts, err = h.DB.ReportParticipationByDepartment(ctx, f); err != nil {
		return nil, err
	}
	if d.topics, err = h.DB.ReportAccuracyByTopic(ctx, f); err != nil {
		return nil, err
	}
	if d.ratings, err = h.DB.ReportLessonRatings(ctx, f); err != nil {
		return nil, err
	}
	if d.lessonAcc, err = h.DB.ReportAccuracyByLesson(ctx, f); err != nil {
		return nil, err
	}
	byLang := f
	byLang.ByLanguage = true
	if d.langWeeks, err = h.DB.ReportParticipationWeekly(ctx, byLang); err != nil {
		return nil, err
	}
	if d.langLessons, err = h.DB.ReportAccuracyByLesson(ctx, byLang); err != nil {
		return nil, err
	}
	if d.retention, err = h.DB.ReportRetentionByInterval(ctx, f); err != nil {
		return nil, err
	}
	if d.feedback, err = h.DB.ReportFeedback(ctx, f, 5000); err != nil {
		return nil, err
	}
	if d.escalations, _, err = h.DB.ReportEscalatedQuestions(ctx, f, 1000); err != nil {
		return nil, err
	}
	return d, nil
}

// tables returns every table of the page, in page order.
func (d *data) tables() []Table {
	return []Table{
		SignalsTable(d.signals),
		WeeksTable(WeekTotals(d.weeks)),
		DepartmentsTable(d.depts),
		ParticipationTable(d.weeks, false),
		TopicsTable(d.topics),
		AccuracyTable(d.topics, false),
		LessonsTable(d.lessonAcc, false),
		LanguagesTable(d.langWeeks, d.langLessons),
		RetentionTable(d.retention),
		RatingsTable(d.ratings, d.lessonAcc),
		FeedbackTable(d.feedback),
		EscalationsTable(d.escalations),
	}
}

// TableNames lists the tables the dashboard offers as CSV.
func TableNames() []string {
	var out []string
	for _, t := range (&data{}).tables() {
		out = append(out, t.Name)
	}
	return out
}

// ServeHTTP serves the page (GET) or, with ?format=csv&table=NAME, one table
// as CSV with the same filters.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	now := h.now()
	q := r.URL.Query()
	// A NUL byte, a control character or invalid UTF-8 is never a role,
	// department, date or table name, and PostgreSQL would refuse it (a
	// 503 for a typo): answer 400 naming the parameter.
	for k, vs := range q {
		for _, v := range vs {
			if !clean.Valid(k) || !clean.Valid(v) || strings.ContainsAny(v, "\n\t") || len(v) > 200 {
				http.Error(w, fmt.Sprintf("query parameter %q: must be at most 200 characters of text, without control characters",
					clean.Terminal(k)), http.StatusBadRequest)
				return
			}
		}
	}
	fm, f, problems := parseForm(q, now)
	format := q.Get("format")
	if format != "" && format != "csv" && format != "html" {
		http.Error(w, "format must be csv or html", http.StatusBadRequest)
		return
	}
	if format == "csv" && len(problems) > 0 {
		http.Error(w, strings.Join(problems, "\n"), http.StatusBadRequest)
		return
	}
	d, err := h.load(r.Context(), f, now)
	if err != nil {
		h.log().ErrorContext(r.Context(), "dashboard", "err", err)
		http.Error(w, "The dashboard could not read the database. Please try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	tables := d.tables()
	if format == "csv" {
		name := q.Get("table")
		for _, t := range tables {
			if t.Name == name {
				writeCSV(w, t, fm)
				return
			}
		}
		http.Error(w, fmt.Sprintf("unknown table %q; tables: %s", name, strings.Join(TableNames(), ", ")), http.StatusNotFound)
		return
	}
	p, err := h.page(r.Context(), fm, f, problems, d, tables, now)
	if err != nil {
		h.log().ErrorContext(r.Context(), "dashboard", "err", err)
		http.Error(w, "The dashboard could not read the database. Please try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page needs no scripts and loads nothing from elsewhere.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	if err := pageTmpl.Execute(w, p); err != nil {
		h.log().ErrorContext(r.Context(), "dashboard render", "err", err)
	}
}

// csvSafe defuses cells that a spreadsheet would run as a formula: free text
// typed by people (feedback, questions) starting with = + - @ gets a leading
// apostrophe. Numbers are left alone.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

func writeCSV(w http.ResponseWriter, t Table, fm form) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="huddlebot-%s-%s-%s.csv"`, t.Name, fm.From, fm.To))
	cw := csv.NewWriter(w)
	_ = cw.Write(t.Columns)
	for _, row := range t.Rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = csvSafe(c)
		}
		_ = cw.Write(safe)
	}
	cw.Flush()
}

// tableView is a table as the page shows it.
type tableView struct {
	Table
	CSV       string
	Shown     [][]string
	More      int
	Collapsed bool
	Wrap      []bool // columns of free text that may wrap
}

// textColumns are the columns that hold words, not numbers.
var textColumns = map[string]bool{"week": true, "role": true, "department": true, "topic": true, "kind": true, "subject": true,
	"metric": true, "lesson": true, "title": true, "time": true, "redacted": true, "text": true, "detail": true, "escalated": true,
	"status": true, "question": true}

// wrapColumns are the columns of long text; the others stay on one line.
var wrapColumns = map[string]bool{"detail": true, "text": true, "question": true, "title": true, "lesson": true}

type page struct {
	Form         form
	Roles        []string
	Departments  []string
	Problems     []string
	Signals      []lessons.Signal
	SignalPeriod string
	Charts       map[string]Chart
	Tables       map[string]tableView
	Generated    string
	Summary      []summaryItem
}

type summaryItem struct{ Label, Value, Note string }

func (h *Handler) page(ctx context.Context, fm form, f store.ReportFilter, problems []string, d *data, tables []Table, now time.Time) (*page, error) {
	roles, depts, err := h.DB.ReportFacets(ctx, 0)
	if err != nil {
		return nil, err
	}
	th := h.thresholds()
	sf := SignalFilter(f, now)
	p := &page{Form: fm, Roles: roles, Departments: depts, Problems: problems, Signals: d.signals,
		SignalPeriod: fmt.Sprintf("%s – %s", sf.Since.UTC().Format("2 Jan 2006"), sf.Until.Add(-time.Millisecond).UTC().Format("2 Jan 2006")),
		Charts:       map[string]Chart{}, Tables: map[string]tableView{},
		Generated: now.UTC().Format("2006-01-02 15:04 MST")}
	base := url.Values{}
	for k, v := range map[string]string{"role": fm.Role, "department": fm.Department, "from": fm.From, "to": fm.To} {
		if v != "" {
			base.Set(k, v)
		}
	}
	for _, t := range tables {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("format", "csv")
		q.Set("table", t.Name)
		tv := tableView{Table: t, CSV: "?" + q.Encode(), Shown: t.Rows, Collapsed: t.Name == "participation" || t.Name == "signals"}
		for _, c := range t.Columns {
			tv.Wrap = append(tv.Wrap, wrapColumns[c])
		}
		if n, ok := shownRows[t.Name]; ok && len(t.Rows) > n {
			tv.Shown, tv.More = t.Rows[:n], len(t.Rows)-n
		}
		p.Tables[t.Name] = tv
	}

	totals := WeekTotals(d.weeks)
	var weekPts []Point
	for _, w := range totals {
		v := 0.0
		if w.Members > 0 {
			v = float64(w.Active) / float64(w.Members)
		}
		day, _ := time.Parse("2006-01-02", w.Week)
		pt := Point{Label: day.Format("Jan 2"), Value: v, Note: fmt.Sprintf("%d of %d members answered", w.Active, w.Members)}
		if end := day.AddDate(0, 0, 7); end.After(f.Until) || end.After(now) || day.Before(f.Since) {
			pt.Label, pt.Faded, pt.Note = pt.Label+"*", true, pt.Note+", part of the week only"
		}
		weekPts = append(weekPts, pt)
	}
	p.Charts["weeks"] = ColumnChart("Participation per week", "Share of members who answered or acknowledged at least one prompt, per week (weeks start Monday, UTC; * = only part of the week is in the range).",
		weekPts, th.Participation, th.Participation, th.Participation+0.2)

	var deptPts []Point
	for _, dp := range d.depts {
		v := 0.0
		if dp.Members > 0 {
			v = float64(dp.Active) / float64(dp.Members)
		}
		deptPts = append(deptPts, Point{Label: orNone(dp.Department), Value: v, Note: fmt.Sprintf("%d/%d", dp.Active, dp.Members)})
	}
	p.Charts["departments"] = BarChart("Participation by department", "Share of each department's members who answered in the period.",
		deptPts, th.Participation, th.Participation, th.Participation+0.2)

	topicTotals := TopicTotals(d.topics)
	var topicPts []Point
	for _, t := range topicTotals {
		if t.Answers == 0 {
			continue
		}
		topicPts = append(topicPts, Point{Label: t.Topic, Value: float64(t.Correct) / float64(t.Answers), Note: fmt.Sprintf("n=%d", t.Answers)})
	}
	sortPoints(topicPts)
	p.Charts["topics"] = BarChart("Accuracy per topic", "Share of correct answers per topic (lesson tag), lowest first.",
		topicPts, th.TopicAccuracy, th.TopicAccuracy, th.TopicAccuracy+0.15)

	var retPts []Point
	for _, r := range d.retention {
		if r.Answers == 0 {
			continue
		}
		retPts = append(retPts, Point{Label: r.Label, Value: float64(r.Correct) / float64(r.Answers), Note: fmt.Sprintf("n=%d", r.Answers)})
	}
	p.Charts["retention"] = ColumnChart("Retention over time", "Accuracy on review questions by days since the member last answered the same question (intervals without reviews are left out).",
		retPts, th.TopicAccuracy, th.TopicAccuracy, th.TopicAccuracy+0.15)

	var members, active, prompts, responses, answers, correct, firstTries, firstCorrect, rated, confidentWrong int
	for _, dp := range d.depts {
		members += dp.Members
		active += dp.Active
		prompts += dp.Prompts
		responses += dp.Responses
	}
	for _, l := range d.lessonAcc {
		answers += l.Answers
		correct += l.Correct
		firstTries += l.FirstTries
		firstCorrect += l.FirstCorrect
		rated += l.Rated
		confidentWrong += l.ConfidentWrong
	}
	p.Summary = []summaryItem{
		{"Members", itoa(members), fmt.Sprintf("%s answered", pctOrDash(active, members))},
		{"Prompts sent", itoa(prompts), fmt.Sprintf("%s answered or acknowledged", pctOrDash(responses, prompts))},
		{"Quiz answers", itoa(answers), fmt.Sprintf("%s correct, %s on the first try", pctOrDash(correct, answers), pctOrDash(firstCorrect, firstTries))},
		{"Confidently wrong", itoa(confidentWrong), fmt.Sprintf("of %d answers with a confidence tap", rated)},
		{"Refresh signals", itoa(len(d.signals)), "in " + p.SignalPeriod},
	}
	return p, nil
}

func pctOrDash(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", float64(part)*100/float64(whole))
}

// sortPoints orders points lowest value first, then by label.
func sortPoints(ps []Point) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Value != ps[j].Value {
			return ps[i].Value < ps[j].Value
		}
		return ps[i].Label < ps[j].Label
	})
}

func signalTitle(k lessons.SignalKind) string {
	switch k {
	case lessons.SignalTopicAccuracy:
		return "Low accuracy"
	case lessons.SignalTopicFalling:
		return "Accuracy falling"
	case lessons.SignalParticipation:
		return "Low participation"
	case lessons.SignalNewHires:
		return "New hires struggling"
	case lessons.SignalPoorRating:
		return "Poorly rated lesson"
	}
	return string(k)
}
