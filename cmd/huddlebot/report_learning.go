package main

import (
	"context"

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
	registerReport("retention", "accuracy on reviews by days since the previous answer to the same question", learningReport((*store.DB).ReportRetentionByInterval, dashboard.RetentionTable))
	registerReport("ratings", "lessons with the lowest share of 👍, with their comments and accuracy", reportRatings)
	registerReport("feedback", "the free-text feedback stream, newest first (identifiers removed when typed)", reportFeedback)
	registerReport("signals", "refresh signals with the numbers behind them (the last 28 days unless --since is later)", reportSignals)
}

func learningFilter(p ReportParams) store.ReportFilter {
	return store.ReportFilter{Since: p.Since, Role: p.Role, Department: p.Department}
}

func cliTable(t dashboard.Table) Table {
	return Table{Title: t.Title, Columns: t.Columns, Rows: t.Rows}
}

// learningReport is a report of one table: the dashboard's table of what
// query returns for the report's filter.
func learningReport[T any](query func(*store.DB, context.Context, store.ReportFilter) (T, error), table func(T) dashboard.Table) func(context.Context, *store.DB, ReportParams) ([]Table, error) {
	return func(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
		rows, err := query(db, ctx, learningFilter(p))
		if err != nil {
			return nil, err
		}
		return []Table{cliTable(table(rows))}, nil
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
