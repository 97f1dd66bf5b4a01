// Package dashboard is the trainers' web dashboard at /dashboard: refresh
// signals first, then participation and accuracy as inline SVG charts and
// tables, filtered by role, department and date range, with a CSV download
// of every table. The page is rendered on the server with html/template; it
// needs no JavaScript and loads nothing from elsewhere.
//
// The table builders are shared with `huddlebot report`, so the CLI and the
// dashboard show the same numbers.
package dashboard

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// Table is one report table: a name (used in ?table=NAME and CSV file
// names), a title, column names and rows of cells.
type Table struct {
	Name    string
	Title   string
	Columns []string
	Rows    [][]string
}

// SignalWindow is the longest stretch the refresh signals look at: the last
// 28 days of the selected period.
const SignalWindow = 28 * 24 * time.Hour

// SignalFilter narrows f to the part of its period the signals look at: at
// most the SignalWindow before its end (Until, or now).
func SignalFilter(f store.ReportFilter, now time.Time) store.ReportFilter {
	end := f.Until
	if end.IsZero() {
		end = now
	}
	if start := end.Add(-SignalWindow); f.Since.Before(start) {
		f.Since = start
	}
	return f
}

// LoadSignals computes the refresh signals for f (see SignalFilter) with
// the given thresholds.
func LoadSignals(ctx context.Context, db *store.DB, f store.ReportFilter, now time.Time, th lessons.SignalThresholds) ([]lessons.Signal, error) {
	in, err := db.ReportSignalInput(ctx, SignalFilter(f, now), now, th.NewHireDays)
	if err != nil {
		return nil, err
	}
	return lessons.Signals(in, th), nil
}

// pct formats part/whole as a percentage with one decimal, "" when whole is 0.
func pct(part, whole int) string {
	if whole == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(float64(part)*1000/float64(whole))/10, 'f', 1, 64)
}

func rate(f float64) string { return strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64) }

func itoa(n int) string { return strconv.Itoa(n) }

// NotRecorded is the language column of prompts and answers recorded before
// huddlebot recorded languages.
const NotRecorded = "(not recorded)"

// withLanguage inserts a language column after column at, when byLanguage:
// lang returns each row's language. The same in every format.
func withLanguage(t Table, byLanguage bool, at int, lang func(row int) string) Table {
	if !byLanguage {
		return t
	}
	t.Columns = append(t.Columns[:at+1:at+1], append([]string{"language"}, t.Columns[at+1:]...)...)
	for i, r := range t.Rows {
		l := lang(i)
		if l == "" {
			l = NotRecorded
		}
		t.Rows[i] = append(r[:at+1:at+1], append([]string{l}, r[at+1:]...)...)
	}
	return t
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// SignalsTable lists refresh signals with the numbers behind them.
func SignalsTable(sigs []lessons.Signal) Table {
	t := Table{Name: "signals", Title: "Refresh signals",
		Columns: []string{"kind", "subject", "metric", "value_pct", "baseline_pct", "gap_points", "n", "detail"}}
	for _, s := range sigs {
		t.Rows = append(t.Rows, []string{string(s.Kind), s.Subject, s.Metric, rate(s.Value), rate(s.Baseline),
			strconv.FormatFloat(s.Gap(), 'f', 1, 64), itoa(s.N), s.Detail})
	}
	return t
}

// ParticipationTable is participation per week, role and department (and
// the language the prompts were shown in, when byLanguage).
func ParticipationTable(weeks []store.ParticipationWeek, byLanguage bool) Table {
	t := Table{Name: "participation", Title: "Participation by week, role and department",
		Columns: []string{"week", "role", "department", "members", "reached", "active", "participation_pct", "prompts", "responses", "response_rate_pct"}}
	for _, w := range weeks {
		t.Rows = append(t.Rows, []string{w.Week, w.Role, orNone(w.Department), itoa(w.Members), itoa(w.Reached), itoa(w.Active),
			pct(w.Active, w.Members), itoa(w.Prompts), itoa(w.Responses), pct(w.Responses, w.Prompts)})
	}
	return withLanguage(t, byLanguage, 2, func(i int) string { return weeks[i].Language })
}

// WeekTotal is participation of everyone in the filter in one week.
type WeekTotal struct {
	Week                                         string
	Members, Reached, Active, Prompts, Responses int
}

// WeekTotals sums participation rows per week, in week order.
func WeekTotals(weeks []store.ParticipationWeek) []WeekTotal {
	var out []WeekTotal
	for _, w := range weeks {
		if len(out) == 0 || out[len(out)-1].Week != w.Week {
			out = append(out, WeekTotal{Week: w.Week})
		}
		o := &out[len(out)-1]
		o.Members += w.Members
		o.Reached += w.Reached
		o.Active += w.Active
		o.Prompts += w.Prompts
		o.Responses += w.Responses
	}
	return out
}

// WeeksTable is participation per week, everyone in the filter together.
func WeeksTable(totals []WeekTotal) Table {
	t := Table{Name: "weeks", Title: "Participation by week",
		Columns: []string{"week", "members", "reached", "active", "participation_pct", "prompts", "responses", "response_rate_pct"}}
	for _, w := range totals {
		t.Rows = append(t.Rows, []string{w.Week, itoa(w.Members), itoa(w.Reached), itoa(w.Active), pct(w.Active, w.Members),
			itoa(w.Prompts), itoa(w.Responses), pct(w.Responses, w.Prompts)})
	}
	return t
}

// DepartmentsTable is participation per department over the period.
func DepartmentsTable(depts []store.DepartmentParticipation) Table {
	t := Table{Name: "departments", Title: "Participation by department",
		Columns: []string{"department", "members", "reached", "active", "participation_pct", "prompts", "responses", "response_rate_pct"}}
	for _, d := range depts {
		t.Rows = append(t.Rows, []string{orNone(d.Department), itoa(d.Members), itoa(d.Reached), itoa(d.Active),
			pct(d.Active, d.Members), itoa(d.Prompts), itoa(d.Responses), pct(d.Responses, d.Prompts)})
	}
	return t
}

// TopicTotals sums accuracy rows over roles, one per topic, by topic.
func TopicTotals(rows []store.TopicAccuracy) []store.TopicAccuracy {
	by := map[string]*store.TopicAccuracy{}
	var names []string
	for _, r := range rows {
		if by[r.Topic] == nil {
			by[r.Topic] = &store.TopicAccuracy{Topic: r.Topic, Role: "all"}
			names = append(names, r.Topic)
		}
		by[r.Topic].Add(r.AnswerTally)
	}
	sort.Strings(names)
	out := make([]store.TopicAccuracy, len(names))
	for i, n := range names {
		out[i] = *by[n]
	}
	return out
}

// AccuracyTable is accuracy per topic, for all roles together and then per
// role (and language, when byLanguage: the topic's total row says "all"),
// with first tries against later attempts (reviews).
func AccuracyTable(rows []store.TopicAccuracy, byLanguage bool) Table {
	t := Table{Name: "accuracy", Title: "Accuracy by topic and role",
		Columns: []string{"topic", "role", "answers", "correct", "accuracy_pct", "first_tries", "first_try_pct", "later_attempts", "later_pct",
			"rated", "confident_wrong"}}
	var langs []string
	add := func(r store.TopicAccuracy) {
		langs = append(langs, r.Language)
		later := r.Later()
		t.Rows = append(t.Rows, []string{r.Topic, r.Role, itoa(r.Answers), itoa(r.Correct), pct(r.Correct, r.Answers),
			itoa(r.FirstTries), pct(r.FirstCorrect, r.FirstTries), itoa(later.Answers), pct(later.Correct, later.Answers),
			itoa(r.Rated), itoa(r.ConfidentWrong)})
	}
	totals := TopicTotals(rows)
	for _, tot := range totals {
		tot.Language = "all"
		add(tot)
		for _, r := range rows {
			if r.Topic == tot.Topic {
				add(r)
			}
		}
	}
	return withLanguage(t, byLanguage, 1, func(i int) string { return langs[i] })
}

// TopicsTable is accuracy per topic for all roles together, worst first:
// the numbers behind the accuracy chart.
func TopicsTable(rows []store.TopicAccuracy) Table {
	t := Table{Name: "topics", Title: "Accuracy by topic",
		Columns: []string{"topic", "answers", "accuracy_pct", "first_try_pct", "later_pct", "confident_wrong"}}
	totals := TopicTotals(rows)
	sort.SliceStable(totals, func(i, j int) bool {
		return totals[i].Correct*totals[j].Answers < totals[j].Correct*totals[i].Answers
	})
	for _, r := range totals {
		later := r.Later()
		t.Rows = append(t.Rows, []string{r.Topic, itoa(r.Answers), pct(r.Correct, r.Answers), pct(r.FirstCorrect, r.FirstTries),
			pct(later.Correct, later.Answers), itoa(r.ConfidentWrong)})
	}
	return t
}

// LessonsTable is accuracy per lesson with the misconceptions first: the
// lessons most often answered wrong by people who tapped "Certain", then the
// lowest first-try accuracy. A confidently wrong answer is a belief to
// correct, not a gap to fill — the first thing a refresh should address.
// confident_wrong_pct is of the answers with a confidence tap ("rated").
// Lessons without answers in the filter are left out.
func LessonsTable(acc []store.LessonAccuracy, byLanguage bool) Table {
	t := Table{Name: "lessons", Title: "Accuracy by lesson, confidently wrong first",
		Columns: []string{"lesson", "title", "answers", "accuracy_pct", "first_tries", "first_try_pct", "later_attempts", "later_pct",
			"rated", "confident_wrong", "confident_wrong_pct"}}
	rows := make([]store.LessonAccuracy, 0, len(acc))
	for _, a := range acc {
		if a.Answers > 0 {
			rows = append(rows, a)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.ConfidentWrong != b.ConfidentWrong {
			return a.ConfidentWrong > b.ConfidentWrong
		}
		// Lower first-try accuracy first, compared without division; a lesson
		// with no first tries sorts after those with some.
		if (a.FirstTries == 0) != (b.FirstTries == 0) {
			return b.FirstTries == 0
		}
		if l, r := a.FirstCorrect*b.FirstTries, b.FirstCorrect*a.FirstTries; l != r {
			return l < r
		}
		if a.LessonID != b.LessonID {
			return a.LessonID < b.LessonID
		}
		return a.Language < b.Language
	})
	for _, r := range rows {
		later := r.Later()
		t.Rows = append(t.Rows, []string{r.LessonID, r.Title, itoa(r.Answers), pct(r.Correct, r.Answers),
			itoa(r.FirstTries), pct(r.FirstCorrect, r.FirstTries), itoa(later.Answers), pct(later.Correct, later.Answers),
			itoa(r.Rated), itoa(r.ConfidentWrong), pct(r.ConfidentWrong, r.Rated)})
	}
	return withLanguage(t, byLanguage, 1, func(i int) string { return rows[i].Language })
}

// LanguagesTable is prompts and answers per language they were shown in
// (from participation and lesson accuracy split by language): how much of
// the teaching reaches people in each language, and how well it lands.
func LanguagesTable(weeks []store.ParticipationWeek, acc []store.LessonAccuracy) Table {
	t := Table{Name: "languages", Title: "By language shown",
		Columns: []string{"language", "prompts", "responses", "response_rate_pct", "answers", "accuracy_pct", "first_tries", "first_try_pct"}}
	type sums struct {
		prompts, responses int
		store.AnswerTally
	}
	by := map[string]*sums{}
	get := func(l string) *sums {
		if l == "" {
			l = NotRecorded
		}
		if by[l] == nil {
			by[l] = &sums{}
		}
		return by[l]
	}
	for _, w := range weeks {
		s := get(w.Language)
		s.prompts += w.Prompts
		s.responses += w.Responses
	}
	for _, a := range acc {
		get(a.Language).Add(a.AnswerTally)
	}
	langs := make([]string, 0, len(by))
	for l := range by {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		s := by[l]
		t.Rows = append(t.Rows, []string{l, itoa(s.prompts), itoa(s.responses), pct(s.responses, s.prompts), itoa(s.Answers),
			pct(s.Correct, s.Answers), itoa(s.FirstTries), pct(s.FirstCorrect, s.FirstTries)})
	}
	return t
}

// RetentionTable is accuracy on reviews by the days since the member's
// previous answer to the same question: how well what was learnt is kept
// over time (every interval bucket, empty ones too).
func RetentionTable(rs []store.IntervalRetention) Table {
	t := Table{Name: "retention", Title: "Retention by review interval",
		Columns: []string{"interval", "min_days", "max_days", "reviews", "correct", "accuracy_pct"}}
	for _, r := range rs {
		maxDays := ""
		if r.MaxDays > 0 || r.MinDays == 0 {
			maxDays = itoa(r.MaxDays)
		}
		t.Rows = append(t.Rows, []string{r.Label, itoa(r.MinDays), maxDays, itoa(r.Answers), itoa(r.Correct), pct(r.Correct, r.Answers)})
	}
	return t
}

// RatingsTable lists lessons by their ratings, lowest share of 👍 first,
// with the accuracy of quizzes when known.
func RatingsTable(ratings []store.LessonRating, acc []store.LessonAccuracy) Table {
	t := Table{Name: "ratings", Title: "Lessons with the lowest ratings",
		Columns: []string{"lesson", "title", "up", "down", "helpful_pct", "comments", "answers", "accuracy_pct"}}
	byID := map[string]store.LessonAccuracy{}
	for _, a := range acc {
		byID[a.LessonID] = a
	}
	for _, r := range ratings {
		a := byID[r.LessonID]
		t.Rows = append(t.Rows, []string{r.LessonID, r.Title, itoa(r.Up), itoa(r.Down), pct(r.Up, r.Up+r.Down), itoa(r.Comments),
			itoa(a.Answers), pct(a.Correct, a.Answers)})
	}
	return t
}

// FeedbackTable is the free-text feedback stream, newest first. The text
// was redacted when it was typed; "redacted" says whether anything was
// removed.
func FeedbackTable(entries []store.FeedbackEntry) Table {
	t := Table{Name: "feedback", Title: "Feedback",
		Columns: []string{"time", "kind", "lesson", "rating", "role", "department", "redacted", "text"}}
	for _, e := range entries {
		rating := ""
		if e.Rating != nil {
			rating = itoa(*e.Rating)
		}
		lesson := e.LessonID
		if e.LessonTitle != "" {
			lesson = fmt.Sprintf("%s (%s)", e.LessonTitle, e.LessonID)
		}
		t.Rows = append(t.Rows, []string{e.CreatedAt.UTC().Format("2006-01-02 15:04"), e.Kind, lesson, rating, e.Role,
			e.Department, strconv.FormatBool(e.Redacted), e.Text})
	}
	return t
}

// EscalationsTable lists ask-a-super-user questions that escalated.
func EscalationsTable(qs []store.EscalatedQuestion) Table {
	t := Table{Name: "escalations", Title: "Escalated questions",
		Columns: []string{"escalated", "department", "level", "status", "waited_min", "question"}}
	for _, q := range qs {
		t.Rows = append(t.Rows, []string{q.EscalatedAt.UTC().Format("2006-01-02 15:04"), orNone(q.Department), itoa(q.Level),
			q.Status, itoa(int(q.EscalatedAt.Sub(q.CreatedAt).Minutes())), q.Text})
	}
	return t
}
