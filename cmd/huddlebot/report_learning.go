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
	registerReport("participation", "participation by week, role and department (members who answered, prompts answered)", reportParticipation)
	registerReport("accuracy", "accuracy by topic (lesson tag) and role; first tries against later attempts", reportAccuracy)
	registerReport("lessons", "accuracy per lesson, first tries and confidently-wrong answers (misconceptions) first", reportLessons)
	registerReport("retention", "accuracy on reviews by days since the previous answer to the same question", reportRetention)
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

func reportParticipation(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	weeks, err := db.ReportParticipationWeekly(ctx, learningFilter(p))
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.ParticipationTable(weeks))}, nil
}

func reportAccuracy(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	topics, err := db.ReportAccuracyByTopic(ctx, learningFilter(p))
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.AccuracyTable(topics))}, nil
}

func reportLessons(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	acc, err := db.ReportAccuracyByLesson(ctx, learningFilter(p))
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.LessonsTable(acc))}, nil
}

func reportRetention(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	rs, err := db.ReportRetentionByInterval(ctx, learningFilter(p))
	if err != nil {
		return nil, err
	}
	return []Table{cliTable(dashboard.RetentionTable(rs))}, nil
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
