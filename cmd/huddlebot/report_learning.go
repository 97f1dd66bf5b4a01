package main

import (
	"context"
	"strconv"

	"github.com/huddlebot/huddlebot/dashboard"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// The learning reports: the same tables the dashboard shows, from the same
// builders, so the CLI and the web agree.
func init() {
	registerReport("participation", "participation by week, role and department (members who answered, prompts answered)", learningReport((*store.DB).ReportParticipationWeekly, dashboard.ParticipationTable))
	registerReport("accuracy", "accuracy by topic (lesson tag) and role; first tries against later attempts", learningReport((*store.DB).ReportAccuracyByTopic, dashboard.AccuracyTable))
	registerReport("lessons", "accuracy per lesson, first tries and confidently-wrong answers (misconceptions) first", learningReport((*store.DB).ReportAccuracyByLesson, dashboard.LessonsTable))
	registerReport("retention", "accuracy on reviews by days since the previous answer to the same question", learningReport((*store.DB).ReportRetentionByInterval, func(rs []store.IntervalRetention, _ bool) dashboard.Table {
		return dashboard.RetentionTable(rs)
	}))
	registerReport("ratings", "lessons with the lowest share of 👍, with their comments and accuracy", reportRatings)
	registerReport("feedback", "the free-text feedback stream, newest first (identifiers removed when typed)", reportFeedback)
	registerReport("unreachable", "members the bot cannot message (they blocked or removed it, closed their DMs), by platform, role and department", reportUnreachable)
	registerReport("signals", "refresh signals with the numbers behind them (the last 28 days unless --since is later)", reportSignals)
}

func learningFilter(p ReportParams) store.ReportFilter {
	return store.ReportFilter{Since: p.Since, Role: p.Role, Department: p.Department, Language: p.Language, ByLanguage: p.ByLanguage}
}

// languageReports are the reports --language and --by-language apply to.
var languageReports = []string{"participation", "accuracy", "lessons"}

func cliTable(t dashboard.Table) Table {
	return Table{Title: t.Title, Columns: t.Columns, Rows: t.Rows}
}

// learningReport is a report of one table: the dashboard's table of what
// query returns for the report's filter.
func learningReport[T any](query func(*store.DB, context.Context, store.ReportFilter) (T, error), table func(T, bool) dashboard.Table) func(context.Context, *store.DB, ReportParams) ([]Table, error) {
	return func(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
		rows, err := query(db, ctx, learningFilter(p))
		if err != nil {
			return nil, err
		}
		return []Table{cliTable(table(rows, p.ByLanguage))}, nil
	}
}

func reportRatings(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	f := learningFilter(p)
	ratings, err := db.ReportLessonRatings(ctx, f)
	if err != nil {
		return nil, err
	}
	acc, err := db.ReportAccuracyByLesson(ctx, f)
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.RatingsTable(ratings, acc))}, nil
}

func reportFeedback(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	entries, err := db.ReportFeedback(ctx, learningFilter(p), 0)
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.FeedbackTable(entries))}, nil
}

func reportSignals(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	sigs, err := dashboard.LoadSignals(ctx, db, learningFilter(p), p.Now, lessons.DefaultSignalThresholds)
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.SignalsTable(sigs))}, nil
}

func reportUnreachable(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	groups, err := db.ReportUnreachable(ctx, learningFilter(p))
	if err != nil {
		return nil, err
	}
	t := Table{Title: "Members the bot cannot message (a direct message failed for good; not retried)",
		Columns: []string{"platform", "role", "department", "members", "unreachable", "unreachable_pct"}}
	for _, g := range groups {
		pct := "–"
		if g.Members > 0 {
			pct = strconv.Itoa((g.Unreachable*100 + g.Members/2) / g.Members)
		}
		t.Rows = append(t.Rows, []string{g.Platform, noneIfEmpty(g.Role), noneIfEmpty(g.Department), strconv.Itoa(g.Members),
			strconv.Itoa(g.Unreachable), pct})
	}
	return []Table{t}, nil
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
