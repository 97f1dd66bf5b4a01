package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// reportNow is a Wednesday; its week starts Monday 2026-03-16.
var reportNow = time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)

func reportAgo(d time.Duration) time.Time { return reportNow.Add(-d) }

const reportDay = 24 * time.Hour

// reportFixture loads a small, hand-checked history through DemoLoad:
//
//	m0 nurse 4west (veteran), m1 nurse 4west (new hire, started 10 days ago),
//	m2 physician 5east, m3 nurse 5east (never answers)
//	q1 [a], q2 [a, b], t1 tip [c]
//
// It returns the workspace and a filter on it for the last 14 days.
func reportFixture(t *testing.T, db *store.DB) (int64, store.ReportFilter) {
	t.Helper()
	ctx := context.Background()
	quizOf := func(id string, tags ...string) *lessons.Lesson {
		return &lessons.Lesson{ID: id, Kind: lessons.KindQuiz, Title: "Title " + id, Tags: tags, Question: "Q?",
			Choices: []string{"x", "y"}, Answer: 1, Explanation: "because"}
	}
	c := &lessons.Content{Roles: member.DefaultRoles, Lessons: []*lessons.Lesson{
		quizOf("q1", "a"), quizOf("q2", "a", "b"),
		{ID: "t1", Kind: lessons.KindTip, Title: "Title t1", Tags: []string{"c"}, Body: "tip"},
	}}
	if _, err := db.ContentImport(ctx, c); err != nil {
		t.Fatal(err)
	}
	ws := sandbox(t, db)
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hired := reportAgo(10 * reportDay)
	d := &store.DemoData{WorkspaceID: ws.ID,
		Members: []store.DemoMember{
			{UserID: "m0", Role: "nurse", Department: "4west", StartDate: "2020-01-01", CreatedAt: old},
			{UserID: "m1", Role: "nurse", Department: "4west", StartDate: hired.Format("2006-01-02"), CreatedAt: hired},
			{UserID: "m2", Role: "physician", Department: "5east", CreatedAt: old},
			{UserID: "m3", Role: "nurse", Department: "5east", CreatedAt: old},
		},
	}
	deliver := func(m int, lesson string, sent time.Time, correct *bool, attempt int) {
		dl := store.DemoDelivery{Member: m, LessonID: lesson, LessonVersion: 1, Reason: "track",
			ShiftDate: sent.Format("2006-01-02"), Status: store.DeliveryExpired, SentAt: sent, Tip: lesson == "t1"}
		if correct != nil {
			dl.Status = store.DeliveryAnswered
			dl.Answer = &store.DemoAnswer{Choice: 1, Correct: *correct, Attempt: attempt, At: sent.Add(time.Minute)}
		}
		d.Deliveries = append(d.Deliveries, dl)
	}
	yes, no := true, false
	deliver(0, "q1", reportAgo(9*reportDay), &yes, 1) // d0
	deliver(0, "q2", reportAgo(2*reportDay), &no, 1)  // d1
	deliver(0, "q2", reportAgo(1*reportDay), &yes, 2) // d2
	deliver(1, "q1", reportAgo(2*reportDay), &no, 1)  // d3
	deliver(2, "q1", reportAgo(3*reportDay), &yes, 1) // d4
	deliver(3, "q1", reportAgo(2*reportDay), nil, 0)  // d5
	deliver(0, "t1", reportAgo(time.Hour), nil, 0)    // d6, acknowledged
	d.Deliveries[6].Status, d.Deliveries[6].AckedAt = store.DeliverySent, reportAgo(30*time.Minute)
	d.Deliveries[1].Language, d.Deliveries[3].Language = "es", "es" // shown in Spanish
	deliver(1, "t1", reportAgo(30*reportDay), nil, 0)               // d7, before the period
	up, down := 1, -1
	d.Feedback = []store.DemoFeedback{
		{Member: 0, Delivery: 6, Kind: "lesson", LessonID: "t1", Rating: &up, At: reportAgo(50 * time.Minute)},
		{Member: 1, Delivery: 3, Kind: "lesson", LessonID: "q1", Rating: &down, At: reportAgo(2 * reportDay)},
		{Member: 3, Delivery: 5, Kind: "lesson", LessonID: "q1", Rating: &down, At: reportAgo(2 * reportDay)},
		{Member: 0, Delivery: 6, Kind: "lesson", LessonID: "t1", Text: "Too long", At: reportAgo(2 * time.Hour)},
		{Member: 2, Delivery: -1, Kind: "general", Text: "Love it", At: reportAgo(reportDay)},
		{Member: -1, Delivery: -1, Kind: "general", Text: "Old and anonymous", At: reportAgo(30 * reportDay)},
	}
	d.Questions = []store.DemoQuestion{
		{Asker: 3, Claimer: -1, Department: "5east", Text: "Where is the sepsis screen?", Status: "open", Level: 1,
			CreatedAt: reportAgo(reportDay + 20*time.Minute), EscalatedAt: reportAgo(reportDay)},
		{Asker: 0, Claimer: 1, Department: "4west", Text: "How do I hold a dose?", Status: "resolved",
			CreatedAt: reportAgo(reportDay), ClaimedAt: reportAgo(reportDay - time.Minute), Resolved: reportAgo(reportDay - time.Hour)},
	}
	d.Huddles = []store.DemoHuddle{{Host: 0, Channel: "#4west", Title: "BCMA", Start: reportAgo(3 * reportDay),
		End: reportAgo(3*reportDay - 15*time.Minute), Attendees: []int{0, 1}, Poll: "Clear?", Options: []string{"yes", "no"},
		Votes: map[int]int{0: 0, 1: 1}}}
	d.Reviews = []store.DemoReview{{Member: 0, LessonID: "q2", Review: lessons.Review{LessonID: "q2", Streak: 1, Attempts: 2, DueDate: "2026-04-10"}}}
	ids, err := db.DemoLoad(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 {
		t.Fatalf("DemoLoad returned %d member ids", len(ids))
	}
	return ws.ID, store.ReportFilter{WorkspaceID: ws.ID, Since: reportAgo(14 * reportDay), Until: reportNow}
}

// wantEqual fails the test on err and reports got (named what) unless it
// equals want.
func wantEqual[T any](t *testing.T, what string, got T, err error, want T) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s =\n%+v\nwant\n%+v", what, got, want)
	}
}

func TestReportParticipation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		_, f := reportFixture(t, db)
		weeks, err := db.ReportParticipationWeekly(ctx, f)
		wantEqual(t, "weekly", weeks, err, []store.ParticipationWeek{
			{Week: "2026-03-09", Role: "nurse", Department: "4west", Members: 2, Reached: 1, Active: 1, Prompts: 1, Responses: 1},
			{Week: "2026-03-09", Role: "physician", Department: "5east", Members: 1, Reached: 1, Active: 1, Prompts: 1, Responses: 1},
			{Week: "2026-03-16", Role: "nurse", Department: "4west", Members: 2, Reached: 2, Active: 2, Prompts: 4, Responses: 4},
			{Week: "2026-03-16", Role: "nurse", Department: "5east", Members: 1, Reached: 1, Active: 0, Prompts: 1, Responses: 0},
		})

		// Weeks start on Monday in the filter's location too.
		ny, _ := time.LoadLocation("America/New_York")
		g := f
		g.Location = ny
		weeks, err = db.ReportParticipationWeekly(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(weeks) != 4 || weeks[0].Week != "2026-03-09" || weeks[3].Week != "2026-03-16" {
			t.Errorf("New York weeks = %+v", weeks)
		}

		depts, err := db.ReportParticipationByDepartment(ctx, f)
		wantEqual(t, "departments", depts, err, []store.DepartmentParticipation{
			{Department: "4west", Members: 2, Reached: 2, Active: 2, Prompts: 5, Responses: 5},
			{Department: "5east", Members: 2, Reached: 2, Active: 1, Prompts: 2, Responses: 1},
		})

		f.Department = "5east"
		depts, err = db.ReportParticipationByDepartment(ctx, f)
		if err != nil || len(depts) != 1 || depts[0].Department != "5east" {
			t.Errorf("filtered departments = %+v, %v", depts, err)
		}
		f.Department, f.Role = "", "physician"
		weeks, err = db.ReportParticipationWeekly(ctx, f)
		if err != nil || len(weeks) != 1 || weeks[0].Role != "physician" {
			t.Errorf("filtered weeks = %+v, %v", weeks, err)
		}
	})
}

func TestReportAccuracy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, f := reportFixture(t, db)
		topics, err := db.ReportAccuracyByTopic(ctx, f)
		wantEqual(t, "topics", topics, err, []store.TopicAccuracy{
			{Topic: "a", Role: "nurse", AnswerTally: store.AnswerTally{Answers: 4, Correct: 2, FirstTries: 3, FirstCorrect: 1}},
			{Topic: "a", Role: "physician", AnswerTally: store.AnswerTally{Answers: 1, Correct: 1, FirstTries: 1, FirstCorrect: 1}},
			{Topic: "b", Role: "nurse", AnswerTally: store.AnswerTally{Answers: 2, Correct: 1, FirstTries: 1, FirstCorrect: 0}},
		})
		if l := topics[0].Later(); l != (lessons.Tally{Answers: 1, Correct: 1}) {
			t.Errorf("later attempts = %+v", l)
		}

		byLesson, err := db.ReportAccuracyByLesson(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(byLesson) != 2 || byLesson[0].LessonID != "q1" || byLesson[0].Answers != 3 || byLesson[0].Title != "Title q1" {
			t.Errorf("by lesson = %+v", byLesson)
		}

		trend, err := db.ReportTopicTrend(ctx, store.ReportFilter{WorkspaceID: ws}, reportNow)
		wantEqual(t, "trend", trend, err, []store.TopicTrend{
			{Topic: "a", Recent: lessons.Tally{Answers: 4, Correct: 2}, Previous: lessons.Tally{Answers: 1, Correct: 1}},
			{Topic: "b", Recent: lessons.Tally{Answers: 2, Correct: 1}},
		})

		cohorts, err := db.ReportNewHireCohorts(ctx, f, reportAgo(30*reportDay).Format("2006-01-02"))
		wantEqual(t, "cohorts", cohorts, err, []lessons.CohortStat{
			{Role: "nurse", NewHires: 1, NewHireTally: lessons.Tally{Answers: 1}, Peers: 1, PeerTally: lessons.Tally{Answers: 3, Correct: 2}},
			{Role: "physician", Peers: 1, PeerTally: lessons.Tally{Answers: 1, Correct: 1}},
		})

		f.Role = "physician"
		topics, err = db.ReportAccuracyByTopic(ctx, f)
		if err != nil || len(topics) != 1 || topics[0].Role != "physician" {
			t.Errorf("filtered topics = %+v, %v", topics, err)
		}
	})
}

// TestReportByLanguage: answers to a translation count for the same lesson;
// split by language, each language has its own rows (members = those
// reached in it); filtered, only one language's prompts and answers count.
func TestReportByLanguage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		_, f := reportFixture(t, db)
		byLesson, err := db.ReportAccuracyByLesson(ctx, f)
		if err != nil || len(byLesson) != 2 || byLesson[0].Answers != 3 || byLesson[1].Answers != 2 {
			t.Errorf("by lesson, all languages = %+v, %v; want q1's 3 answers (1 in Spanish) and q2's 2", byLesson, err)
		}
		g := f
		g.ByLanguage = true
		weeks, err := db.ReportParticipationWeekly(ctx, g)
		wantEqual(t, "weekly by language", weeks, err, []store.ParticipationWeek{
			{Week: "2026-03-09", Role: "nurse", Department: "4west", Language: "en", Members: 1, Reached: 1, Active: 1, Prompts: 1, Responses: 1},
			{Week: "2026-03-09", Role: "physician", Department: "5east", Language: "en", Members: 1, Reached: 1, Active: 1, Prompts: 1, Responses: 1},
			{Week: "2026-03-16", Role: "nurse", Department: "4west", Language: "en", Members: 1, Reached: 1, Active: 1, Prompts: 2, Responses: 2},
			{Week: "2026-03-16", Role: "nurse", Department: "4west", Language: "es", Members: 2, Reached: 2, Active: 2, Prompts: 2, Responses: 2},
			{Week: "2026-03-16", Role: "nurse", Department: "5east", Language: "en", Members: 1, Reached: 1, Active: 0, Prompts: 1, Responses: 0},
		})
		topics, err := db.ReportAccuracyByTopic(ctx, g)
		wantEqual(t, "topics by language", topics, err, []store.TopicAccuracy{
			{Topic: "a", Role: "nurse", Language: "en", AnswerTally: store.AnswerTally{Answers: 2, Correct: 2, FirstTries: 1, FirstCorrect: 1}},
			{Topic: "a", Role: "nurse", Language: "es", AnswerTally: store.AnswerTally{Answers: 2, Correct: 0, FirstTries: 2, FirstCorrect: 0}},
			{Topic: "a", Role: "physician", Language: "en", AnswerTally: store.AnswerTally{Answers: 1, Correct: 1, FirstTries: 1, FirstCorrect: 1}},
			{Topic: "b", Role: "nurse", Language: "en", AnswerTally: store.AnswerTally{Answers: 1, Correct: 1}},
			{Topic: "b", Role: "nurse", Language: "es", AnswerTally: store.AnswerTally{Answers: 1, Correct: 0, FirstTries: 1}},
		})
		g = f
		g.Language = "es"
		byLesson, err = db.ReportAccuracyByLesson(ctx, g)
		wantEqual(t, "by lesson in Spanish", byLesson, err, []store.LessonAccuracy{
			{LessonID: "q1", Title: "Title q1", AnswerTally: store.AnswerTally{Answers: 1, FirstTries: 1}},
			{LessonID: "q2", Title: "Title q2", AnswerTally: store.AnswerTally{Answers: 1, FirstTries: 1}},
		})
		depts, err := db.ReportParticipationByDepartment(ctx, g)
		wantEqual(t, "departments in Spanish", depts, err, []store.DepartmentParticipation{
			{Department: "4west", Members: 2, Reached: 2, Active: 2, Prompts: 2, Responses: 2},
			{Department: "5east"},
		})
	})
}

func TestReportFeedbackAndRatings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, f := reportFixture(t, db)
		ratings, err := db.ReportLessonRatings(ctx, f)
		wantEqual(t, "ratings", ratings, err, []store.LessonRating{
			{LessonID: "q1", Title: "Title q1", Down: 2},
			{LessonID: "t1", Title: "Title t1", Up: 1, Comments: 1},
		})

		fb, err := db.ReportFeedback(ctx, f, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fb) != 2 || fb[0].Text != "Too long" || fb[0].LessonTitle != "Title t1" || fb[0].Role != "nurse" ||
			fb[1].Text != "Love it" || fb[1].Kind != "general" {
			t.Errorf("feedback = %+v", fb)
		}
		all, err := db.ReportFeedback(ctx, store.ReportFilter{WorkspaceID: ws}, 0)
		if err != nil || len(all) != 3 || all[2].Text != "Old and anonymous" {
			t.Errorf("all feedback (anonymous included) = %+v, %v", all, err)
		}
		limited, err := db.ReportFeedback(ctx, store.ReportFilter{}, 1)
		if err != nil || len(limited) != 1 {
			t.Errorf("limited feedback = %+v, %v", limited, err)
		}
		f.Role = "physician"
		fb, err = db.ReportFeedback(ctx, f, 0)
		if err != nil || len(fb) != 1 || fb[0].Text != "Love it" {
			t.Errorf("physician feedback = %+v, %v", fb, err)
		}

		esc, n, err := db.ReportEscalatedQuestions(ctx, store.ReportFilter{WorkspaceID: ws, Since: reportAgo(7 * reportDay)}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(esc) != 1 || esc[0].Department != "5east" || esc[0].Level != 1 || esc[0].EscalatedAt != reportAgo(reportDay) {
			t.Errorf("escalated = %+v (%d)", esc, n)
		}
		if _, n, err := db.ReportEscalatedQuestions(ctx, store.ReportFilter{Department: "4west"}, 0); err != nil || n != 0 {
			t.Errorf("4west escalations = %d, %v", n, err)
		}
	})
}

func TestReportSignalInputAndFacets(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, _ := reportFixture(t, db)
		in, err := db.ReportSignalInput(ctx, store.ReportFilter{WorkspaceID: ws, Since: reportAgo(14 * reportDay)}, reportNow, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Topics) != 2 || in.Topics[0] != (lessons.TopicStat{Topic: "a", Period: lessons.Tally{Answers: 5, Correct: 3},
			Recent: lessons.Tally{Answers: 4, Correct: 2}, Previous: lessons.Tally{Answers: 1, Correct: 1}}) {
			t.Errorf("topics = %+v", in.Topics)
		}
		if len(in.Departments) != 2 || in.Departments[1] != (lessons.DepartmentStat{Department: "5east", Members: 2, Active: 1}) {
			t.Errorf("departments = %+v", in.Departments)
		}
		if len(in.Cohorts) != 2 || in.Cohorts[0].NewHires != 1 {
			t.Errorf("cohorts = %+v", in.Cohorts)
		}
		if len(in.Ratings) != 2 || in.Ratings[0] != (lessons.RatingStat{LessonID: "q1", Title: "Title q1", Down: 2}) {
			t.Errorf("ratings = %+v", in.Ratings)
		}

		roles, depts, err := db.ReportFacets(ctx, 0)
		if err != nil || !reflect.DeepEqual(roles, []string{"nurse", "physician"}) || !reflect.DeepEqual(depts, []string{"4west", "5east"}) {
			t.Errorf("facets = %v %v %v", roles, depts, err)
		}
	})
}

func TestDigestClaimOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws := sandbox(t, db)
		if sent, err := db.DigestSent(ctx, db, ws.ID, "2026-03-16"); err != nil || sent {
			t.Fatalf("DigestSent before = %v, %v", sent, err)
		}
		for i, want := range []bool{true, false} {
			var got bool
			err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				got, err = db.DigestClaim(ctx, tx, ws.ID, "2026-03-16")
				return err
			})
			if err != nil || got != want {
				t.Fatalf("claim %d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if sent, err := db.DigestSent(ctx, db, ws.ID, "2026-03-16"); err != nil || !sent {
			t.Fatalf("DigestSent after = %v, %v", sent, err)
		}
		// A claim rolled back with its transaction is not recorded.
		_ = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := db.DigestClaim(ctx, tx, ws.ID, "2026-03-23"); err != nil {
				return err
			}
			return context.Canceled
		})
		if sent, _ := db.DigestSent(ctx, db, ws.ID, "2026-03-23"); sent {
			t.Fatal("rolled-back claim was recorded")
		}
	})
}
