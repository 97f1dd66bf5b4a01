package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// Reports for trainers: participation, accuracy, ratings, the feedback
// stream, escalated questions and the inputs of the refresh signals. Every
// query takes a ReportFilter; filters are built from where/args slices.
// Instants are unix ms, so weeks are bucketed with integer arithmetic that
// is the same on PostgreSQL and SQLite.

const (
	dayMS  = int64(24 * time.Hour / time.Millisecond)
	weekMS = 7 * dayMS
	// mondayMS is 1970-01-05T00:00Z, the first Monday after the epoch.
	mondayMS = 4 * dayMS
)

// ReportFilter narrows a report. Zero fields do not filter.
type ReportFilter struct {
	WorkspaceID int64
	Since       time.Time // inclusive
	Until       time.Time // exclusive
	Role        string
	Department  string
	// Language keeps only prompts shown, and answers given, in this
	// language (a tag as recorded: "es", "en"); ByLanguage splits the
	// participation and accuracy reports by it. With either, a group's
	// members are those reached in its language. Other reports ignore both.
	Language   string
	ByLanguage bool
	// Location sets where weeks start (Monday 00:00 there); nil = UTC.
	Location *time.Location
}

// languageOf returns what a report selects as its language — col when f
// splits by language, else ” (one group) — with the GROUP BY suffix to add
// (", col", or "": PostgreSQL refuses a string constant in GROUP BY), and
// the condition and argument of f's language filter on col.
func (f ReportFilter) languageOf(col string) (sel, groupBy, cond string, args []any) {
	sel = "''"
	if f.ByLanguage {
		sel, groupBy = col, ", "+col
	}
	if f.Language != "" {
		return sel, groupBy, " AND " + col + " = ?", []any{f.Language}
	}
	return sel, groupBy, "", nil
}

// byLanguage reports whether f's groups are of one language, so that their
// members are counted as those reached in it.
func (f ReportFilter) byLanguage() bool { return f.ByLanguage || f.Language != "" }

// conds returns the WHERE conditions and arguments for a query over member
// alias m, the workspace column wsCol ("" = m.workspace_id) and the instant
// column timeCol ("" = no time range).
func (f ReportFilter) conds(wsCol, timeCol string) ([]string, []any) {
	where := []string{"1=1"}
	var args []any
	if wsCol == "" {
		wsCol = "m.workspace_id"
	}
	if f.WorkspaceID != 0 {
		where = append(where, wsCol+" = ?")
		args = append(args, f.WorkspaceID)
	}
	if f.Role != "" {
		where = append(where, "m.role = ?")
		args = append(args, f.Role)
	}
	if f.Department != "" {
		where = append(where, "m.department = ?")
		args = append(args, f.Department)
	}
	if timeCol != "" && !f.Since.IsZero() {
		where = append(where, timeCol+" >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if timeCol != "" && !f.Until.IsZero() {
		where = append(where, timeCol+" < ?")
		args = append(args, f.Until.UnixMilli())
	}
	return where, args
}

// timeRange returns " AND col >= ? AND col < ?" for the filter's period
// (only the bounds that are set) and its arguments.
func (f ReportFilter) timeRange(col string) (string, []any) {
	var sb strings.Builder
	var args []any
	if !f.Since.IsZero() {
		sb.WriteString(" AND " + col + " >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		sb.WriteString(" AND " + col + " < ?")
		args = append(args, f.Until.UnixMilli())
	}
	return sb.String(), args
}

// respondedExpr is 1 for a prompt that was answered (quiz) or acknowledged
// (tip), else 0.
const respondedExpr = `CASE WHEN d.answered_at IS NOT NULL OR d.acked_at IS NOT NULL THEN 1 ELSE 0 END`

// weekOrigin is the instant (unix ms) of a Monday 00:00 in the filter's
// location; weeks are counted from it. The location's offset is taken at
// the end of the period, so a daylight-saving change moves a boundary by an
// hour at most.
func (f ReportFilter) weekOrigin() int64 {
	if f.Location == nil {
		return mondayMS
	}
	at := f.Until
	if at.IsZero() {
		at = time.Now()
	}
	_, off := at.In(f.Location).Zone()
	return mondayMS - int64(off)*1000
}

// weekStart returns the calendar date of the Monday that starts week index wk.
func (f ReportFilter) weekStart(wk int64) string {
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	// Noon avoids landing on the previous day around an offset change.
	return time.UnixMilli(f.weekOrigin() + wk*weekMS + 12*int64(time.Hour/time.Millisecond)).In(loc).Format("2006-01-02")
}

// ParticipationWeek is participation of one role and department in one week.
type ParticipationWeek struct {
	Week       string // the Monday that starts the week, YYYY-MM-DD
	Role       string
	Department string
	Language   string // what the prompts were shown in, when the filter splits by it (ReportFilter.ByLanguage)
	// Members is the joined members of the role and department who existed
	// by the end of the week; by language, those reached in it.
	Members   int
	Reached   int // members who were sent at least one prompt
	Active    int // members who answered or acknowledged at least one prompt
	Prompts   int // prompts sent
	Responses int // prompts answered or acknowledged
}

// ReportParticipationWeekly returns participation per week, role and
// department, by week then role then department. Prompts count in the week
// they were sent.
func (s *DB) ReportParticipationWeekly(ctx context.Context, f ReportFilter) ([]ParticipationWeek, error) {
	origin := f.weekOrigin()
	timeRange, targs := f.timeRange("d.sent_at")
	lang, langGroup, langCond, largs := f.languageOf("d.language")
	where, args := f.conds("", "")
	args = append(append(append([]any{origin}, largs...), targs...), args...)
	var rows []struct {
		Week       int64  `db:"wk"`
		Role       string `db:"role"`
		Department string `db:"department"`
		Language   string `db:"language"`
		Reached    int    `db:"reached"`
		Active     int    `db:"active"`
		Prompts    int    `db:"prompts"`
		Responses  int    `db:"responses"`
	}
	// Aggregating per member and week first keeps this a scan of a covering
	// index plus a join of a few rows per member (no COUNT DISTINCT).
	q := `SELECT x.wk, m.role, m.department, x.language, COUNT(*) AS reached, COALESCE(SUM(x.active), 0) AS active,
		COALESCE(SUM(x.prompts), 0) AS prompts, COALESCE(SUM(x.responses), 0) AS responses
		FROM (SELECT d.member_id, (d.sent_at - ?) / ` + fmt.Sprint(weekMS) + ` AS wk, ` + lang + ` AS language, COUNT(*) AS prompts,
			MAX(` + respondedExpr + `) AS active, SUM(` + respondedExpr + `) AS responses
			FROM delivery d WHERE d.sent_at IS NOT NULL` + langCond + timeRange + ` GROUP BY d.member_id, wk` + langGroup + `) x
		JOIN member m ON m.id = x.member_id WHERE ` + strings.Join(where, " AND ") + `
		GROUP BY x.wk, m.role, m.department, x.language ORDER BY x.wk, m.role, m.department, x.language`
	if err := s.SelectContext(ctx, &rows, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("report participation: %w", s.mapErr(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// Members who existed by the end of each week: a running sum of joins.
	mwhere, margs := f.conds("", "")
	margs = append([]any{origin}, margs...)
	var joins []struct {
		Week       int64  `db:"wk"`
		Role       string `db:"role"`
		Department string `db:"department"`
		N          int    `db:"n"`
	}
	mq := `SELECT wk, role, department, COUNT(*) AS n FROM (SELECT (m.created_at - ?) / ` + fmt.Sprint(weekMS) + ` AS wk,
		m.role, m.department FROM member m WHERE m.joined AND m.role <> '' AND ` + strings.Join(mwhere, " AND ") + `) x
		GROUP BY wk, role, department ORDER BY wk`
	if err := s.SelectContext(ctx, &joins, s.Rebind(mq), margs...); err != nil {
		return nil, fmt.Errorf("report participation: %w", s.mapErr(err))
	}
	out := make([]ParticipationWeek, len(rows))
	for i, r := range rows {
		n := 0
		for _, j := range joins {
			if j.Role == r.Role && j.Department == r.Department && j.Week <= r.Week {
				n += j.N
			}
		}
		if n < r.Reached || f.byLanguage() {
			n = r.Reached // members who left the role still count in weeks they were sent prompts
		}
		out[i] = ParticipationWeek{Week: f.weekStart(r.Week), Role: r.Role, Department: r.Department, Language: r.Language, Members: n,
			Reached: r.Reached, Active: r.Active, Prompts: r.Prompts, Responses: r.Responses}
	}
	return out, nil
}

// DepartmentParticipation is participation of one department over the period.
type DepartmentParticipation struct {
	Department string
	Members    int // joined members now
	Reached    int
	Active     int
	Prompts    int
	Responses  int
}

// ReportParticipationByDepartment returns participation per department over
// the filter's period, by department.
func (s *DB) ReportParticipationByDepartment(ctx context.Context, f ReportFilter) ([]DepartmentParticipation, error) {
	mwhere, margs := f.conds("", "")
	var members []struct {
		Department string `db:"department"`
		N          int    `db:"n"`
	}
	if err := s.SelectContext(ctx, &members, s.Rebind(`SELECT m.department, COUNT(*) AS n FROM member m
		WHERE m.joined AND m.role <> '' AND `+strings.Join(mwhere, " AND ")+` GROUP BY m.department`), margs...); err != nil {
		return nil, fmt.Errorf("report departments: %w", s.mapErr(err))
	}
	timeRange, targs := f.timeRange("d.sent_at")
	_, _, langCond, largs := f.languageOf("d.language")
	targs = append(largs, targs...)
	timeRange = langCond + timeRange
	where, args := f.conds("", "")
	var act []struct {
		Department string `db:"department"`
		Reached    int    `db:"reached"`
		Active     int    `db:"active"`
		Prompts    int    `db:"prompts"`
		Responses  int    `db:"responses"`
	}
	if err := s.SelectContext(ctx, &act, s.Rebind(`SELECT m.department, COUNT(*) AS reached, COALESCE(SUM(x.active), 0) AS active,
		COALESCE(SUM(x.prompts), 0) AS prompts, COALESCE(SUM(x.responses), 0) AS responses
		FROM (SELECT d.member_id, COUNT(*) AS prompts, MAX(`+respondedExpr+`) AS active, SUM(`+respondedExpr+`) AS responses
			FROM delivery d WHERE d.sent_at IS NOT NULL`+timeRange+` GROUP BY d.member_id) x
		JOIN member m ON m.id = x.member_id WHERE `+strings.Join(where, " AND ")+` GROUP BY m.department`),
		append(targs, args...)...); err != nil {
		return nil, fmt.Errorf("report departments: %w", s.mapErr(err))
	}
	by := map[string]*DepartmentParticipation{}
	get := func(d string) *DepartmentParticipation {
		if by[d] == nil {
			by[d] = &DepartmentParticipation{Department: d}
		}
		return by[d]
	}
	for _, m := range members {
		p := get(m.Department)
		if !f.byLanguage() {
			p.Members = m.N
		}
	}
	for _, a := range act {
		p := get(a.Department)
		p.Reached, p.Active, p.Prompts, p.Responses = a.Reached, a.Active, a.Prompts, a.Responses
		if p.Members < p.Reached || f.byLanguage() {
			p.Members = p.Reached
		}
	}
	out := make([]DepartmentParticipation, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Department < out[j].Department })
	return out, nil
}

// AnswerTally counts quiz answers: all of them, and first tries (the first
// time a member answered a question) separately from later attempts.
type AnswerTally struct {
	Answers      int
	Correct      int
	FirstTries   int
	FirstCorrect int
	// Rated counts answers with a confidence tap; ConfidentWrong the wrong
	// answers the member said they were certain of: misconceptions, which a
	// trainer should address first.
	Rated          int
	ConfidentWrong int
}

// Add adds o to t.
func (t *AnswerTally) Add(o AnswerTally) {
	t.Answers += o.Answers
	t.Correct += o.Correct
	t.FirstTries += o.FirstTries
	t.FirstCorrect += o.FirstCorrect
	t.Rated += o.Rated
	t.ConfidentWrong += o.ConfidentWrong
}

// Tally returns the answers and correct answers as a lessons.Tally.
func (t AnswerTally) Tally() lessons.Tally {
	return lessons.Tally{Answers: t.Answers, Correct: t.Correct}
}

// First returns the first tries as a lessons.Tally.
func (t AnswerTally) First() lessons.Tally {
	return lessons.Tally{Answers: t.FirstTries, Correct: t.FirstCorrect}
}

// Later returns the later attempts (reviews of a question answered before).
func (t AnswerTally) Later() lessons.Tally {
	return lessons.Tally{Answers: t.Answers - t.FirstTries, Correct: t.Correct - t.FirstCorrect}
}

// answerGroup is answers of one lesson and role, optionally split in two
// windows (recent = 1).
type answerGroup struct {
	LessonID     string `db:"lesson_id"`
	Role         string `db:"role"`
	Language     string `db:"language"` // "" unless the filter splits by language
	Window       int    `db:"win"`
	Answers      int    `db:"answers"`
	Correct      int    `db:"correct"`
	FirstTries   int    `db:"first_tries"`
	FirstCorrect int    `db:"first_correct"`
	// Not selected by every query (0 then).
	Rated          int `db:"rated"`
	ConfidentWrong int `db:"confident_wrong"`
}

func (g answerGroup) tally() AnswerTally {
	return AnswerTally{Answers: g.Answers, Correct: g.Correct, FirstTries: g.FirstTries, FirstCorrect: g.FirstCorrect,
		Rated: g.Rated, ConfidentWrong: g.ConfidentWrong}
}

const answerAggregates = `COUNT(*) AS answers,
	COALESCE(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END), 0) AS correct,
	COALESCE(SUM(CASE WHEN a.attempt = 1 THEN 1 ELSE 0 END), 0) AS first_tries,
	COALESCE(SUM(CASE WHEN a.attempt = 1 AND a.correct THEN 1 ELSE 0 END), 0) AS first_correct,
	COALESCE(SUM(CASE WHEN a.confidence > 0 THEN 1 ELSE 0 END), 0) AS rated,
	COALESCE(SUM(CASE WHEN a.confidence = 3 AND NOT a.correct THEN 1 ELSE 0 END), 0) AS confident_wrong`

// answerGroups returns answer tallies per lesson and role in the filter.
func (s *DB) answerGroups(ctx context.Context, f ReportFilter) ([]answerGroup, error) {
	where, args := f.conds("", "a.answered_at")
	lang, langGroup, langCond, largs := f.languageOf("a.language")
	var rows []answerGroup
	err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT a.lesson_id, m.role, `+lang+` AS language, 0 AS win, `+answerAggregates+`
		FROM answer a JOIN member m ON m.id = a.member_id WHERE `+strings.Join(where, " AND ")+langCond+`
		GROUP BY a.lesson_id, m.role`+langGroup), append(args, largs...)...)
	if err != nil {
		return nil, fmt.Errorf("report accuracy: %w", s.mapErr(err))
	}
	return rows, nil
}

type lessonInfo struct {
	Title string
	Tags  []string
}

// lessonInfos returns every lesson's title and tags (untagged lessons get
// the topic "(untagged)").
func (s *DB) lessonInfos(ctx context.Context) (map[string]lessonInfo, error) {
	var rows []struct {
		ID    string `db:"id"`
		Title string `db:"title"`
		Tags  string `db:"tags"`
	}
	if err := s.SelectContext(ctx, &rows, `SELECT id, title, tags FROM lesson`); err != nil {
		return nil, fmt.Errorf("load lessons: %w", s.mapErr(err))
	}
	out := make(map[string]lessonInfo, len(rows))
	for _, r := range rows {
		li := lessonInfo{Title: r.Title}
		for _, t := range strings.Split(r.Tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				li.Tags = append(li.Tags, t)
			}
		}
		if len(li.Tags) == 0 {
			li.Tags = []string{"(untagged)"}
		}
		out[r.ID] = li
	}
	return out, nil
}

// lessonTopics returns the topics of lesson id: its tags, or "(untagged)" (also
// for a lesson no longer in the library).
func lessonTopics(infos map[string]lessonInfo, id string) []string {
	if tags := infos[id].Tags; len(tags) > 0 {
		return tags
	}
	return []string{"(untagged)"}
}

// tallyAnswers sums the tallies of the answer groups matching f under each
// key that keys returns for a group (given the lessons' titles and tags).
func tallyAnswers[K comparable](ctx context.Context, s *DB, f ReportFilter, keys func(answerGroup, map[string]lessonInfo) []K) (map[K]*AnswerTally, map[string]lessonInfo, error) {
	groups, err := s.answerGroups(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	infos, err := s.lessonInfos(ctx)
	if err != nil {
		return nil, nil, err
	}
	by := map[K]*AnswerTally{}
	for _, g := range groups {
		for _, k := range keys(g, infos) {
			if by[k] == nil {
				by[k] = &AnswerTally{}
			}
			by[k].Add(g.tally())
		}
	}
	return by, infos, nil
}

// TopicAccuracy is accuracy on one topic (lesson tag) by one role. An answer
// to a lesson with several tags counts once for each.
type TopicAccuracy struct {
	Topic    string
	Role     string
	Language string // when the filter splits by language
	AnswerTally
}

// ReportAccuracyByTopic returns answer tallies per topic and role, by topic
// then role.
func (s *DB) ReportAccuracyByTopic(ctx context.Context, f ReportFilter) ([]TopicAccuracy, error) {
	type key struct{ topic, role, language string }
	by, _, err := tallyAnswers(ctx, s, f, func(g answerGroup, infos map[string]lessonInfo) []key {
		var ks []key
		for _, t := range lessonTopics(infos, g.LessonID) {
			ks = append(ks, key{t, g.Role, g.Language})
		}
		return ks
	})
	if err != nil {
		return nil, err
	}
	out := make([]TopicAccuracy, 0, len(by))
	for k, t := range by {
		out = append(out, TopicAccuracy{Topic: k.topic, Role: k.role, Language: k.language, AnswerTally: *t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		if out[i].Role != out[j].Role {
			return out[i].Role < out[j].Role
		}
		return out[i].Language < out[j].Language
	})
	return out, nil
}

// LessonAccuracy is accuracy on one lesson.
type LessonAccuracy struct {
	LessonID string
	Title    string
	Language string // when the filter splits by language
	AnswerTally
}

// ReportAccuracyByLesson returns answer tallies per lesson, by lesson id.
func (s *DB) ReportAccuracyByLesson(ctx context.Context, f ReportFilter) ([]LessonAccuracy, error) {
	type key struct{ lesson, language string }
	by, infos, err := tallyAnswers(ctx, s, f, func(g answerGroup, _ map[string]lessonInfo) []key { return []key{{g.LessonID, g.Language}} })
	if err != nil {
		return nil, err
	}
	out := make([]LessonAccuracy, 0, len(by))
	for k, t := range by {
		out = append(out, LessonAccuracy{LessonID: k.lesson, Title: infos[k.lesson].Title, Language: k.language, AnswerTally: *t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].LessonID != out[j].LessonID {
			return out[i].LessonID < out[j].LessonID
		}
		return out[i].Language < out[j].Language
	})
	return out, nil
}

// TopicTrend compares a topic's accuracy in the last 7 days with the 7 days
// before.
type TopicTrend struct {
	Topic    string
	Recent   lessons.Tally
	Previous lessons.Tally
}

// ReportTopicTrend returns, per topic, answers in [end-7d, end) and
// [end-14d, end-7d), where end is the filter's Until (or now); the filter's
// Since is not used. Sorted by topic.
func (s *DB) ReportTopicTrend(ctx context.Context, f ReportFilter, now time.Time) ([]TopicTrend, error) {
	end := f.Until
	if end.IsZero() {
		end = now
	}
	g := f
	g.Since, g.Until = end.Add(-14*24*time.Hour), end
	where, args := g.conds("", "a.answered_at")
	args = append([]any{end.Add(-7 * 24 * time.Hour).UnixMilli()}, args...)
	var groups []answerGroup
	err := s.SelectContext(ctx, &groups, s.Rebind(`SELECT lesson_id, role, win, COUNT(*) AS answers,
		COALESCE(SUM(correct), 0) AS correct, 0 AS first_tries, 0 AS first_correct
		FROM (SELECT a.lesson_id, m.role, CASE WHEN a.answered_at >= ? THEN 1 ELSE 0 END AS win,
			CASE WHEN a.correct THEN 1 ELSE 0 END AS correct
			FROM answer a JOIN member m ON m.id = a.member_id WHERE `+strings.Join(where, " AND ")+`) x
		GROUP BY lesson_id, role, win`), args...)
	if err != nil {
		return nil, fmt.Errorf("report topic trend: %w", s.mapErr(err))
	}
	infos, err := s.lessonInfos(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]*TopicTrend{}
	for _, gr := range groups {
		for _, t := range lessonTopics(infos, gr.LessonID) {
			if by[t] == nil {
				by[t] = &TopicTrend{Topic: t}
			}
			tl := lessons.Tally{Answers: gr.Answers, Correct: gr.Correct}
			if gr.Window == 1 {
				by[t].Recent = by[t].Recent.Add(tl)
			} else {
				by[t].Previous = by[t].Previous.Add(tl)
			}
		}
	}
	out := make([]TopicTrend, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Topic < out[j].Topic })
	return out, nil
}

// ReportNewHireCohorts compares, per role, the answers of new hires (members
// whose start date is on or after cutoff, a YYYY-MM-DD date) with those of
// the rest of the role, in the filter's period. Sorted by role.
func (s *DB) ReportNewHireCohorts(ctx context.Context, f ReportFilter, cutoff string) ([]lessons.CohortStat, error) {
	where, args := f.conds("", "a.answered_at")
	args = append([]any{cutoff}, args...)
	var rows []struct {
		Role    string `db:"role"`
		NewHire int    `db:"new_hire"`
		Members int    `db:"members"`
		Answers int    `db:"answers"`
		Correct int    `db:"correct"`
	}
	err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT role, new_hire, COUNT(DISTINCT member_id) AS members,
		COUNT(*) AS answers, COALESCE(SUM(correct), 0) AS correct
		FROM (SELECT m.role, a.member_id, CASE WHEN m.start_date <> '' AND m.start_date >= ? THEN 1 ELSE 0 END AS new_hire,
			CASE WHEN a.correct THEN 1 ELSE 0 END AS correct
			FROM answer a JOIN member m ON m.id = a.member_id WHERE m.role <> '' AND `+strings.Join(where, " AND ")+`) x
		GROUP BY role, new_hire ORDER BY role`), args...)
	if err != nil {
		return nil, fmt.Errorf("report new hires: %w", s.mapErr(err))
	}
	by := map[string]*lessons.CohortStat{}
	var roles []string
	for _, r := range rows {
		c := by[r.Role]
		if c == nil {
			c = &lessons.CohortStat{Role: r.Role}
			by[r.Role] = c
			roles = append(roles, r.Role)
		}
		t := lessons.Tally{Answers: r.Answers, Correct: r.Correct}
		if r.NewHire == 1 {
			c.NewHires, c.NewHireTally = r.Members, t
		} else {
			c.Peers, c.PeerTally = r.Members, t
		}
	}
	out := make([]lessons.CohortStat, 0, len(roles))
	for _, r := range roles {
		out = append(out, *by[r])
	}
	return out, nil
}

// LessonRating is how people rated one lesson.
type LessonRating struct {
	LessonID string `db:"lesson_id"`
	Title    string `db:"title"`
	Up       int    `db:"up"`
	Down     int    `db:"down"`
	Comments int    `db:"comments"` // "Tell us more" texts
}

// Helpful returns the share of 👍 among the ratings (0 without ratings).
func (r LessonRating) Helpful() float64 {
	if r.Up+r.Down == 0 {
		return 0
	}
	return float64(r.Up) / float64(r.Up+r.Down)
}

// ReportLessonRatings returns the ratings of every rated or commented
// lesson in the filter, lowest share of 👍 first (then most ratings).
func (s *DB) ReportLessonRatings(ctx context.Context, f ReportFilter) ([]LessonRating, error) {
	// Anonymous feedback has no member: filter on the feedback's workspace.
	where, args := f.conds("fb.workspace_id", "fb.created_at")
	join := "LEFT JOIN"
	if f.Role != "" || f.Department != "" {
		join = "JOIN"
	}
	var rows []LessonRating
	err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT fb.lesson_id, COALESCE(l.title, '') AS title,
		COALESCE(SUM(CASE WHEN fb.rating > 0 THEN 1 ELSE 0 END), 0) AS up,
		COALESCE(SUM(CASE WHEN fb.rating < 0 THEN 1 ELSE 0 END), 0) AS down,
		COALESCE(SUM(CASE WHEN fb.text <> '' THEN 1 ELSE 0 END), 0) AS comments
		FROM feedback fb `+join+` member m ON m.id = fb.member_id LEFT JOIN lesson l ON l.id = fb.lesson_id
		WHERE fb.kind = 'lesson' AND fb.lesson_id IS NOT NULL AND `+strings.Join(where, " AND ")+`
		GROUP BY fb.lesson_id, l.title`), args...)
	if err != nil {
		return nil, fmt.Errorf("report ratings: %w", s.mapErr(err))
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		ra, rb := a.Up+a.Down > 0, b.Up+b.Down > 0
		if ra != rb {
			return ra
		}
		if a.Helpful() != b.Helpful() {
			return a.Helpful() < b.Helpful()
		}
		if a.Up+a.Down != b.Up+b.Down {
			return a.Up+a.Down > b.Up+b.Down
		}
		return a.LessonID < b.LessonID
	})
	return rows, nil
}

// FeedbackEntry is one piece of free-text feedback, as stored (redacted at
// intake).
type FeedbackEntry struct {
	ID          int64
	CreatedAt   time.Time
	Kind        string
	LessonID    string
	LessonTitle string
	Rating      *int
	Text        string
	Redacted    bool
	Role        string
	Department  string
}

// ReportFeedback returns free-text feedback in the filter, newest first, at
// most limit entries (0 = all). Ratings without text are not included.
func (s *DB) ReportFeedback(ctx context.Context, f ReportFilter, limit int) ([]FeedbackEntry, error) {
	where, args := f.conds("fb.workspace_id", "fb.created_at")
	join := "LEFT JOIN"
	if f.Role != "" || f.Department != "" {
		join = "JOIN"
	}
	q := `SELECT fb.id, fb.created_at, fb.kind, COALESCE(fb.lesson_id, '') AS lesson_id, COALESCE(l.title, '') AS title,
		fb.rating, fb.text, fb.redacted, COALESCE(m.role, '') AS role, COALESCE(m.department, '') AS department
		FROM feedback fb ` + join + ` member m ON m.id = fb.member_id LEFT JOIN lesson l ON l.id = fb.lesson_id
		WHERE fb.text <> '' AND ` + strings.Join(where, " AND ") + ` ORDER BY fb.created_at DESC, fb.id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	var rows []struct {
		ID         int64         `db:"id"`
		CreatedAt  int64         `db:"created_at"`
		Kind       string        `db:"kind"`
		LessonID   string        `db:"lesson_id"`
		Title      string        `db:"title"`
		Rating     sql.NullInt64 `db:"rating"`
		Text       string        `db:"text"`
		Redacted   bool          `db:"redacted"`
		Role       string        `db:"role"`
		Department string        `db:"department"`
	}
	if err := s.SelectContext(ctx, &rows, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("report feedback: %w", s.mapErr(err))
	}
	out := make([]FeedbackEntry, len(rows))
	for i, r := range rows {
		e := FeedbackEntry{ID: r.ID, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), Kind: r.Kind, LessonID: r.LessonID,
			LessonTitle: r.Title, Text: r.Text, Redacted: r.Redacted, Role: r.Role, Department: r.Department}
		if r.Rating.Valid {
			v := int(r.Rating.Int64)
			e.Rating = &v
		}
		out[i] = e
	}
	return out, nil
}

// EscalatedQuestion is an ask-a-super-user question that nobody claimed in
// time and went up a level.
type EscalatedQuestion struct {
	ID          int64
	Department  string
	Text        string // redacted at intake
	Status      string
	Level       int
	CreatedAt   time.Time
	EscalatedAt time.Time
}

// ReportEscalatedQuestions returns questions escalated in the filter's
// period (newest first, at most limit; 0 = all) and how many there were.
// The department filter applies to the question's department.
func (s *DB) ReportEscalatedQuestions(ctx context.Context, f ReportFilter, limit int) ([]EscalatedQuestion, int, error) {
	g := f
	g.Department = ""
	where, args := g.conds("q.workspace_id", "q.escalated_at")
	if f.Department != "" {
		where = append(where, "q.department = ?")
		args = append(args, f.Department)
	}
	from := ` FROM support_question q JOIN member m ON m.id = q.asker_member_id
		WHERE q.escalated_at IS NOT NULL AND ` + strings.Join(where, " AND ")
	var total int
	if err := s.GetContext(ctx, &total, s.Rebind(`SELECT COUNT(*)`+from), args...); err != nil {
		return nil, 0, fmt.Errorf("report escalations: %w", s.mapErr(err))
	}
	q := `SELECT q.id, q.department, q.text, q.status, q.level, q.created_at, q.escalated_at` + from + ` ORDER BY q.escalated_at DESC, q.id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	var rows []struct {
		ID          int64  `db:"id"`
		Department  string `db:"department"`
		Text        string `db:"text"`
		Status      string `db:"status"`
		Level       int    `db:"level"`
		CreatedAt   int64  `db:"created_at"`
		EscalatedAt int64  `db:"escalated_at"`
	}
	if err := s.SelectContext(ctx, &rows, s.Rebind(q), args...); err != nil {
		return nil, 0, fmt.Errorf("report escalations: %w", s.mapErr(err))
	}
	out := make([]EscalatedQuestion, len(rows))
	for i, r := range rows {
		out[i] = EscalatedQuestion{ID: r.ID, Department: r.Department, Text: r.Text, Status: r.Status, Level: r.Level,
			CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), EscalatedAt: time.UnixMilli(r.EscalatedAt).UTC()}
	}
	return out, total, nil
}

// ReportSignalInput gathers the numbers the refresh signals look at, for the
// filter's period: topic accuracy and its week-over-week trend (ending at
// the filter's Until, or now), department participation, new hires (start
// date within newHireDays of now, in UTC dates) against their peers, and
// lesson ratings.
func (s *DB) ReportSignalInput(ctx context.Context, f ReportFilter, now time.Time, newHireDays int) (lessons.SignalInput, error) {
	var in lessons.SignalInput
	topics, err := s.ReportAccuracyByTopic(ctx, f)
	if err != nil {
		return in, err
	}
	trend, err := s.ReportTopicTrend(ctx, f, now)
	if err != nil {
		return in, err
	}
	by := map[string]*lessons.TopicStat{}
	var names []string
	get := func(t string) *lessons.TopicStat {
		if by[t] == nil {
			by[t] = &lessons.TopicStat{Topic: t}
			names = append(names, t)
		}
		return by[t]
	}
	for _, t := range topics {
		ts := get(t.Topic)
		ts.Period = ts.Period.Add(t.Tally())
	}
	for _, t := range trend {
		ts := get(t.Topic)
		ts.Recent, ts.Previous = t.Recent, t.Previous
	}
	sort.Strings(names)
	for _, n := range names {
		in.Topics = append(in.Topics, *by[n])
	}
	depts, err := s.ReportParticipationByDepartment(ctx, f)
	if err != nil {
		return in, err
	}
	for _, d := range depts {
		// Judged over the members who were sent something in the period
		// (Reached), not all joined ones: a department whose members joined
		// but were never sent a prompt has not "stopped answering".
		in.Departments = append(in.Departments, lessons.DepartmentStat{Department: d.Department, Members: d.Reached, Active: d.Active})
	}
	cutoff := now.UTC().AddDate(0, 0, -newHireDays).Format("2006-01-02")
	if in.Cohorts, err = s.ReportNewHireCohorts(ctx, f, cutoff); err != nil {
		return in, err
	}
	ratings, err := s.ReportLessonRatings(ctx, f)
	if err != nil {
		return in, err
	}
	for _, r := range ratings {
		in.Ratings = append(in.Ratings, lessons.RatingStat{LessonID: r.LessonID, Title: r.Title, Up: r.Up, Down: r.Down})
	}
	return in, nil
}

// ReportFacets returns the roles and departments of joined members (of one
// workspace, or all when workspaceID is 0), sorted, for report filters.
func (s *DB) ReportFacets(ctx context.Context, workspaceID int64) (roles, departments []string, err error) {
	if err := s.SelectContext(ctx, &roles, s.Rebind(`SELECT DISTINCT role FROM member WHERE joined AND role <> ''
		AND (? = 0 OR workspace_id = ?) ORDER BY role`), workspaceID, workspaceID); err != nil {
		return nil, nil, fmt.Errorf("report facets: %w", s.mapErr(err))
	}
	if err := s.SelectContext(ctx, &departments, s.Rebind(`SELECT DISTINCT department FROM member WHERE joined AND department <> ''
		AND (? = 0 OR workspace_id = ?) ORDER BY department`), workspaceID, workspaceID); err != nil {
		return nil, nil, fmt.Errorf("report facets: %w", s.mapErr(err))
	}
	return roles, departments, nil
}

// ReportFilterValues returns every role and department a report filter can
// match, sorted: the roles of members (joined or not: reports cover people
// who have left), and the departments of members, of channels (huddles)
// and of support questions (the asker's at the time).
func (s *DB) ReportFilterValues(ctx context.Context) (roles, departments []string, err error) {
	if err := s.SelectContext(ctx, &roles, `SELECT DISTINCT role FROM member WHERE role <> '' ORDER BY role`); err != nil {
		return nil, nil, fmt.Errorf("report filter values: %w", s.mapErr(err))
	}
	if err := s.SelectContext(ctx, &departments, `SELECT department FROM member WHERE department <> ''
		UNION SELECT department FROM channel WHERE department <> ''
		UNION SELECT department FROM support_question WHERE department <> '' ORDER BY 1`); err != nil {
		return nil, nil, fmt.Errorf("report filter values: %w", s.mapErr(err))
	}
	return roles, departments, nil
}

func digestKey(workspaceID int64, week string) string {
	return fmt.Sprintf("digest:%d:%s", workspaceID, week)
}

// DigestSent reports whether the weekly digest of a workspace for week (any
// stable label, e.g. the Monday's date) was already posted.
func (s *DB) DigestSent(ctx context.Context, q Queryer, workspaceID int64, week string) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM setting WHERE key = ?`), digestKey(workspaceID, week))
	return n > 0, s.mapErr(err)
}

// DigestClaim records in tx that the weekly digest of a workspace for week
// is being posted. It reports false, changing nothing, when another replica
// or an earlier run already claimed it; post the digest in the same
// transaction only when it reports true.
func (s *DB) DigestClaim(ctx context.Context, tx *Tx, workspaceID int64, week string) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
		digestKey(workspaceID, week), fmt.Sprint(s.Now().UnixMilli()))
	if err != nil {
		return false, fmt.Errorf("claim digest: %w", s.mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DemoData is generated history for `huddlebot demo seed`. Rows refer to
// members and deliveries by their index in the slices, not by database id.
type DemoData struct {
	WorkspaceID int64
	Members     []DemoMember
	Deliveries  []DemoDelivery
	Reviews     []DemoReview
	Feedback    []DemoFeedback
	Huddles     []DemoHuddle
	Questions   []DemoQuestion
}

// DemoMember is a generated member (joined, with no next prompt scheduled).
// A zero schedule gets the defaults (08:30, 08:00–17:00, Monday to Friday).
type DemoMember struct {
	UserID, Name, Email, Role, Department, TimeZone string
	StartDate                                       string // YYYY-MM-DD
	Permissions                                     []member.Permission
	DeliveryTime, WorkStart, WorkEnd                member.Clock
	WorkDays                                        member.Weekdays
	CreatedAt                                       time.Time
	Language                                        string // "" = the workspace default; else as a roster sets it
}

// languageSource is where a demo member's language came from: a roster.
func languageSource(lang string) string {
	if lang == "" {
		return string(member.LanguageUnset)
	}
	return string(member.LanguageRoster)
}

func demoLanguage(dl DemoDelivery) string {
	if dl.Language == "" {
		return lessons.DefaultLanguage
	}
	return dl.Language
}

// DemoDelivery is a generated prompt, sent at SentAt.
type DemoDelivery struct {
	Member        int
	LessonID      string
	LessonVersion int
	Reason        string
	ShiftDate     string
	Status        string // sent | answered | expired
	Tip           bool   // seen once sent
	SentAt        time.Time
	AckedAt       time.Time // tips: "Got it"
	Answer        *DemoAnswer
	Language      string // shown in; "" = en
}

// DemoAnswer is the answer to a generated quiz prompt.
type DemoAnswer struct {
	Choice     int
	Correct    bool
	Attempt    int
	Confidence lessons.Confidence // 0 = not tapped
	At         time.Time
}

// DemoReview is a member's spacing state for one question.
type DemoReview struct {
	Member   int
	LessonID string
	Review   lessons.Review
}

// DemoFeedback is a generated rating or comment; Delivery is -1 for general
// feedback.
type DemoFeedback struct {
	Member   int
	Delivery int
	Kind     string
	LessonID string
	Rating   *int
	Text     string
	Redacted bool
	At       time.Time
}

// DemoHuddle is a generated, ended huddle with its attendees and one poll.
type DemoHuddle struct {
	Host       int
	Channel    string
	Title      string
	Agenda     string
	Start, End time.Time
	Attendees  []int
	Poll       string
	Options    []string
	Votes      map[int]int // member index → option index
}

// DemoQuestion is a generated ask-a-super-user question.
type DemoQuestion struct {
	Asker                                       int
	Claimer                                     int // -1 = nobody
	Department, Text, Status                    string
	Level                                       int
	CreatedAt, EscalatedAt, ClaimedAt, Resolved time.Time
}

// DemoLoad inserts generated history in one transaction with multi-row
// inserts. It returns the ids of the members it created.
func (s *DB) DemoLoad(ctx context.Context, d *DemoData) ([]int64, error) {
	var memberIDs []int64
	err := s.Tx(ctx, func(tx *Tx) error {
		ins := &bulk{tx: tx}
		rows := make([][]any, len(d.Members))
		for i, m := range d.Members {
			at := m.CreatedAt.UnixMilli()
			if m.WorkDays == 0 {
				m.DeliveryTime, m.WorkStart, m.WorkEnd, m.WorkDays = member.DefaultDeliveryTime, member.DefaultWorkStart,
					member.DefaultWorkEnd, member.DefaultWorkDays
			}
			rows[i] = []any{d.WorkspaceID, m.UserID, m.Name, m.Email, m.Role, m.Department, m.TimeZone, int(m.DeliveryTime),
				int(m.WorkStart), int(m.WorkEnd), int(m.WorkDays), member.FormatPermissions(m.Permissions), m.StartDate, true, at, at,
				m.Language, languageSource(m.Language)}
		}
		var err error
		memberIDs, err = ins.insertReturning(ctx, "member", "workspace_id, user_id, name, email, role, department, timezone, delivery_time, work_start, work_end, work_days, permissions, start_date, joined, created_at, updated_at, language, language_source", rows)
		if err != nil {
			return err
		}
		mid := func(i int) any {
			if i < 0 {
				return nil
			}
			return memberIDs[i]
		}
		rows = make([][]any, len(d.Deliveries))
		for i, dl := range d.Deliveries {
			var answered, seen sql.NullInt64
			if dl.Answer != nil {
				answered = ms(dl.Answer.At)
				seen = answered
			}
			if dl.Tip {
				seen = ms(dl.SentAt)
			}
			var expired sql.NullInt64
			if dl.Status == DeliveryExpired {
				expired = ms(dl.SentAt.Add(20 * time.Hour))
			}
			rows[i] = []any{d.WorkspaceID, memberIDs[dl.Member], dl.LessonID, dl.LessonVersion, dl.Reason, dl.ShiftDate,
				fmt.Sprintf("demo:%d:%s:%s", memberIDs[dl.Member], dl.LessonID, dl.ShiftDate), dl.Status, true,
				dl.SentAt.Add(-time.Second).UnixMilli(), ms(dl.SentAt), seen, ms(dl.AckedAt), answered, expired, demoLanguage(dl)}
		}
		deliveryIDs, err := ins.insertReturning(ctx, "delivery", "workspace_id, member_id, lesson_id, lesson_version, reason, shift_date, dedupe_key, status, scheduled, created_at, sent_at, seen_at, acked_at, answered_at, expired_at, language", rows)
		if err != nil {
			return err
		}
		rows = rows[:0]
		for i, dl := range d.Deliveries {
			if a := dl.Answer; a != nil {
				rows = append(rows, []any{d.WorkspaceID, memberIDs[dl.Member], deliveryIDs[i], dl.LessonID, dl.LessonVersion,
					a.Choice, a.Correct, a.Attempt, int(a.Confidence), a.At.UnixMilli(), demoLanguage(dl)})
			}
		}
		if err := ins.insert(ctx, "answer", "workspace_id, member_id, delivery_id, lesson_id, lesson_version, choice, correct, attempt, confidence, answered_at, language", rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, r := range d.Reviews {
			rows = append(rows, []any{d.WorkspaceID, memberIDs[r.Member], r.LessonID, r.Review.Streak, r.Review.Attempts,
				r.Review.DueDate, r.Review.Retired, s.Now().UnixMilli()})
		}
		if err := ins.insert(ctx, "review", "workspace_id, member_id, lesson_id, streak, attempts, due_date, retired, updated_at", rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, f := range d.Feedback {
			var did, rating any
			if f.Delivery >= 0 {
				did = deliveryIDs[f.Delivery]
			}
			if f.Rating != nil {
				rating = *f.Rating
			}
			rows = append(rows, []any{d.WorkspaceID, mid(f.Member), f.Kind, nullStr(f.LessonID), did, rating, f.Text, f.Redacted, f.At.UnixMilli()})
		}
		if err := ins.insert(ctx, "feedback", "workspace_id, member_id, kind, lesson_id, delivery_id, rating, text, redacted, created_at", rows); err != nil {
			return err
		}
		for _, h := range d.Huddles {
			var hid int64
			if err := tx.GetContext(ctx, &hid, tx.Rebind(`INSERT INTO huddle (workspace_id, channel, host_member_id, title, agenda, started_at, ended_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), d.WorkspaceID, h.Channel, memberIDs[h.Host], h.Title, h.Agenda,
				h.Start.UnixMilli(), h.End.UnixMilli()); err != nil {
				return fmt.Errorf("demo huddle: %w", err)
			}
			rows = rows[:0]
			for _, a := range h.Attendees {
				rows = append(rows, []any{hid, memberIDs[a]})
			}
			if err := ins.insert(ctx, "huddle_attendee", "huddle_id, member_id", rows); err != nil {
				return err
			}
			if h.Poll == "" {
				continue
			}
			opts, _ := json.Marshal(h.Options)
			var pid int64
			if err := tx.GetContext(ctx, &pid, tx.Rebind(`INSERT INTO poll (workspace_id, huddle_id, channel, creator_member_id, question,
				options, closed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), d.WorkspaceID, hid, h.Channel,
				memberIDs[h.Host], h.Poll, string(opts), h.End.UnixMilli(), h.Start.UnixMilli()); err != nil {
				return fmt.Errorf("demo poll: %w", err)
			}
			rows = rows[:0]
			voters := make([]int, 0, len(h.Votes))
			for m := range h.Votes {
				voters = append(voters, m)
			}
			sort.Ints(voters)
			for _, m := range voters {
				rows = append(rows, []any{pid, memberIDs[m], huddles.Choices([]int{h.Votes[m]})})
			}
			if err := ins.insert(ctx, "poll_ballot", "poll_id, member_id, choices", rows); err != nil {
				return err
			}
		}
		rows = rows[:0]
		for _, q := range d.Questions {
			var claimer any
			if q.Claimer >= 0 {
				claimer = memberIDs[q.Claimer]
			}
			rows = append(rows, []any{d.WorkspaceID, memberIDs[q.Asker], q.Department, q.Text, q.Status, q.Level, claimer,
				q.CreatedAt.UnixMilli(), ms(q.EscalatedAt), ms(q.ClaimedAt), ms(q.Resolved)})
		}
		return ins.insert(ctx, "support_question", "workspace_id, asker_member_id, department, text, status, level, claimer_member_id, created_at, escalated_at, claimed_at, resolved_at", rows)
	})
	if err != nil {
		return nil, fmt.Errorf("load demo data: %w", err)
	}
	if s.Backend == Postgres {
		// Fresh statistics, so the report queries plan for the rows just added
		// rather than wait for autovacuum.
		if _, err := s.ExecContext(ctx, `ANALYZE member, delivery, answer, feedback, review, support_question`); err != nil {
			return nil, fmt.Errorf("load demo data: analyze: %w", s.mapErr(err))
		}
	}
	return memberIDs, nil
}

// bulk runs multi-row INSERTs in batches that stay under both backends'
// limits on bound parameters.
type bulk struct{ tx *Tx }

const bulkMaxParams = 30000

func (b *bulk) statements(table, cols string, rows [][]any, fn func(q string, args []any) error) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	err := batchValues("INSERT INTO "+table+" ("+cols+") VALUES ", "", len(rows), n, max(1, bulkMaxParams/n),
		func(args []any, i int) []any { return append(args, rows[i]...) }, fn)
	if err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}

func (b *bulk) insert(ctx context.Context, table, cols string, rows [][]any) error {
	return b.statements(table, cols, rows, func(q string, args []any) error {
		_, err := b.tx.ExecContext(ctx, b.tx.Rebind(q), args...)
		return err
	})
}

// insertReturning inserts rows and returns their ids in input order (both
// backends return the rows of one multi-row INSERT in insertion order).
func (b *bulk) insertReturning(ctx context.Context, table, cols string, rows [][]any) ([]int64, error) {
	ids := make([]int64, 0, len(rows))
	err := b.statements(table, cols, rows, func(q string, args []any) error {
		var got []int64
		if err := b.tx.SelectContext(ctx, &got, b.tx.Rebind(q+" RETURNING id"), args...); err != nil {
			return err
		}
		ids = append(ids, got...)
		return nil
	})
	if err == nil && len(ids) != len(rows) {
		err = fmt.Errorf("insert %s: got %d ids for %d rows", table, len(ids), len(rows))
	}
	return ids, err
}

// IntervalRetention is accuracy on reviews whose previous answer to the
// same question was MinDays to MaxDays days earlier: retention over time.
type IntervalRetention struct {
	Label            string
	MinDays, MaxDays int // MaxDays 0 = no upper bound
	lessons.Tally
}

// retentionBuckets are the review intervals reported, in days.
var retentionBuckets = [][2]int{{0, 0}, {1, 3}, {4, 7}, {8, 14}, {15, 30}, {31, 60}, {61, 120}, {121, 0}}

// ReportRetentionByInterval returns accuracy on later attempts (reviews) in
// the filter, by days since the member's previous answer to the question
// (counted in shift dates; the previous answer may lie before the period).
// Every bucket is returned, empty ones too, shortest interval first.
func (s *DB) ReportRetentionByInterval(ctx context.Context, f ReportFilter) ([]IntervalRetention, error) {
	where, args := f.conds("", "a.answered_at")
	var rows []struct {
		Prev    string `db:"prev_date"`
		Cur     string `db:"shift_date"`
		Correct bool   `db:"correct"`
	}
	// LAG runs over every answer, so a review's previous answer is found even
	// when it lies outside the filter.
	if err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT a.prev_date, a.shift_date, a.correct FROM (
		SELECT x.member_id, x.answered_at, x.correct, d.shift_date,
			LAG(d.shift_date) OVER (PARTITION BY x.member_id, x.lesson_id ORDER BY x.answered_at, x.id) AS prev_date
		FROM answer x JOIN delivery d ON d.id = x.delivery_id) a
		JOIN member m ON m.id = a.member_id
		WHERE a.prev_date IS NOT NULL AND `+strings.Join(where, " AND ")), args...); err != nil {
		return nil, fmt.Errorf("report retention: %w", s.mapErr(err))
	}
	out := make([]IntervalRetention, len(retentionBuckets))
	for i, b := range retentionBuckets {
		out[i] = IntervalRetention{MinDays: b[0], MaxDays: b[1]}
		switch {
		case b[0] == 0:
			out[i].Label = "same day"
		case b[1] == 0:
			out[i].Label = fmt.Sprintf("over %d days", b[0]-1)
		default:
			out[i].Label = fmt.Sprintf("%d-%d days", b[0], b[1])
		}
	}
	for _, r := range rows {
		days := lessons.DaysBetween(r.Prev, r.Cur)
		for i := len(out) - 1; i >= 0; i-- {
			if days >= out[i].MinDays {
				out[i].Answers++
				if r.Correct {
					out[i].Correct++
				}
				break
			}
		}
	}
	return out, nil
}

// UnreachableGroup counts the members of one platform, role and department
// the bot cannot message.
type UnreachableGroup struct {
	Platform    string `db:"platform"`
	Role        string `db:"role"`
	Department  string `db:"department"`
	Members     int    `db:"members"`     // members of the group (roster-imported or joined)
	Unreachable int    `db:"unreachable"` // of them, marked unreachable
}

// ReportUnreachable returns, per platform, role and department that has
// any, the members marked unreachable: a direct message to them failed for
// good (they blocked or removed the bot, closed their DMs, left), so
// deliveries to them are not retried. Ordered by platform, role,
// department.
func (s *DB) ReportUnreachable(ctx context.Context, f ReportFilter) ([]UnreachableGroup, error) {
	where, args := f.conds("", "")
	var out []UnreachableGroup
	if err := s.SelectContext(ctx, &out, s.Rebind(`SELECT w.platform, m.role, m.department, COUNT(*) AS members,
		COALESCE(SUM(CASE WHEN m.reachable THEN 0 ELSE 1 END), 0) AS unreachable
		FROM member m JOIN workspace w ON w.id = m.workspace_id WHERE `+strings.Join(where, " AND ")+`
		GROUP BY w.platform, m.role, m.department HAVING SUM(CASE WHEN m.reachable THEN 0 ELSE 1 END) > 0
		ORDER BY w.platform, m.role, m.department`), args...); err != nil {
		return nil, fmt.Errorf("report unreachable: %w", s.mapErr(err))
	}
	return out, nil
}
