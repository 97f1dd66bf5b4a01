package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestReviewFSRSStateAndHistory: the FSRS memory state is stored beside the
// trials state and read back unchanged, and the answer history of a pair
// comes back oldest first with its shift dates, for deriving FSRS state of
// reviews answered before it was stored.
func TestReviewFSRSStateAndHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, mid := seedNurse(t, db, quiz("q1"), quiz("q2"))
		k1, k2 := store.MemberLesson{MemberID: mid, LessonID: "q1"}, store.MemberLesson{MemberID: mid, LessonID: "q2"}
		want := lessons.Review{LessonID: "q1", Streak: 2, Attempts: 3, DueDate: "2026-05-04",
			Memory: lessons.MemoryState{Stability: 12.34567891, Difficulty: 5.11217071}, LastReviewDate: "2026-04-20"}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			return db.ReviewPutMany(ctx, tx, []store.ReviewWrite{{WorkspaceID: ws.ID, MemberID: mid, Review: want}})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ReviewGetMany(ctx, db, []store.MemberLesson{k1, k2})
		if err != nil {
			t.Fatal(err)
		}
		if got[k1] != want {
			t.Fatalf("review read back as %+v, want %+v", got[k1], want)
		}
		if !got[k2].Memory.IsNew() || got[k2].LessonID != "q2" {
			t.Fatalf("unanswered pair: %+v", got[k2])
		}
		// Updating keeps the new FSRS state.
		want.Memory.Stability, want.LastReviewDate = 30.5, "2026-05-04"
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return db.ReviewPutMany(ctx, tx, []store.ReviewWrite{{WorkspaceID: ws.ID, MemberID: mid, Review: want}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ReviewGetMany(ctx, db, []store.MemberLesson{k1}); got[k1] != want {
			t.Fatalf("after update %+v, want %+v", got[k1], want)
		}

		// History: two answers to q1 on two shift dates, answered in order.
		dates := []string{"2026-03-02", "2026-03-26"}
		var ids []int64
		err = db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			ids, err = db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Reason: "role", ShiftDate: dates[0], DedupeKey: "a"},
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Reason: "review", ShiftDate: dates[1], DedupeKey: "b"},
			})
			if err != nil {
				return err
			}
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			_, err = db.AnswerRecordMany(ctx, tx, []*store.Answer{
				{DeliveryID: ids[0], WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Choice: 2, Correct: false, AnsweredAt: t0},
				{DeliveryID: ids[1], WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Choice: 1, Correct: true, AnsweredAt: t0.AddDate(0, 0, 24)},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		h, err := db.ReviewHistoryMany(ctx, db, []store.MemberLesson{k1, k2})
		if err != nil {
			t.Fatal(err)
		}
		wantH := []store.PastAnswer{{DeliveryID: ids[0], ShiftDate: dates[0]}, {DeliveryID: ids[1], ShiftDate: dates[1], Correct: true}}
		if len(h[k1]) != 2 || h[k1][0] != wantH[0] || h[k1][1] != wantH[1] || len(h[k2]) != 0 {
			t.Fatalf("history = %+v, want q1: %+v and nothing for q2", h, wantH)
		}
	})
}

// TestFSRSParams: no fit means ErrNotFound (the defaults apply); the newest
// fit is the one returned, weights intact; answer histories come grouped per
// member and question, oldest first.
func TestFSRSParams(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		if _, err := db.FSRSParamsLatest(ctx, db); !store.IsNotFound(err) {
			t.Fatalf("no fit yet: %v, want not found", err)
		}
		first := lessons.DefaultFSRSParams
		first[20] = 0.3
		second := first
		second[0], second[8] = 0.123456789, 1.5
		for _, p := range []lessons.FSRSParams{first, second} {
			if _, err := db.FSRSParamsAdd(ctx, store.FSRSFit{Params: p, Reviews: 1234, LossBefore: 0.41, LossAfter: 0.37}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.FSRSParamsLatest(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if got.Params != second || got.Reviews != 1234 || got.LossBefore != 0.41 || got.LossAfter != 0.37 || got.FittedAt.IsZero() {
			t.Fatalf("latest fit %+v, want weights %v", got, second)
		}

		seedContent(t, db, quiz("q1"), quiz("q2"))
		ws := sandbox(t, db)
		var members []int64
		for _, u := range []string{"U1", "U2"} {
			id, _ := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: u, Role: "nurse"})
			members = append(members, id)
		}
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		type ans struct {
			member  int64
			lesson  string
			date    string
			correct bool
			at      time.Time
		}
		// Recorded out of order: histories sort by member, lesson, time.
		all := []ans{{members[1], "q1", "2026-03-20", true, t0.AddDate(0, 0, 18)}, {members[0], "q1", "2026-03-26", true, t0.AddDate(0, 0, 24)},
			{members[0], "q1", "2026-03-02", false, t0}, {members[0], "q2", "2026-03-03", true, t0.AddDate(0, 0, 1)}}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for i, a := range all {
				ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: ws.ID, MemberID: a.member, LessonID: a.lesson,
					LessonVersion: 1, Reason: "role", ShiftDate: a.date, DedupeKey: fmt.Sprint("k", i)}})
				if err != nil {
					return err
				}
				if _, err := db.AnswerRecordMany(ctx, tx, []*store.Answer{{DeliveryID: ids[0], WorkspaceID: ws.ID, MemberID: a.member,
					LessonID: a.lesson, LessonVersion: 1, Choice: 1, Correct: a.correct, AnsweredAt: a.at}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		h, err := db.AnswerHistories(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]lessons.PastAnswer{
			{{ShiftDate: "2026-03-02"}, {ShiftDate: "2026-03-26", Correct: true}},
			{{ShiftDate: "2026-03-03", Correct: true}},
			{{ShiftDate: "2026-03-20", Correct: true}},
		}
		if !reflect.DeepEqual(h, want) {
			t.Fatalf("histories %+v, want %+v", h, want)
		}
	})
}

// TestAnswerSetConfidence: confidence is stored on the member's own answer
// only, may be replaced, and comes back in both history queries.
func TestAnswerSetConfidence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, ann := seedNurse(t, db, quiz("q1"))
		bob, _ := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "U2", Role: "nurse"})
		var did int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: ws.ID, MemberID: ann, LessonID: "q1",
				LessonVersion: 1, Reason: "role", ShiftDate: "2026-03-02", DedupeKey: "a"}})
			if err != nil {
				return err
			}
			did = ids[0]
			_, err = db.AnswerRecordMany(ctx, tx, []*store.Answer{{DeliveryID: did, WorkspaceID: ws.ID, MemberID: ann, LessonID: "q1",
				LessonVersion: 1, Choice: 2, Correct: false, AnsweredAt: time.Now()}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		set := func(member int64, c lessons.Confidence) bool {
			t.Helper()
			var ok bool
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				ok, err = db.AnswerSetConfidence(ctx, tx, did, member, c)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if set(bob, lessons.ConfidenceCertain) {
			t.Fatal("bob set the confidence of ann's answer")
		}
		if !set(ann, lessons.ConfidenceGuessed) || !set(ann, lessons.ConfidenceCertain) {
			t.Fatal("ann's taps not stored")
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := db.AnswerSetConfidence(ctx, tx, did, ann, 7)
			return err
		}); err == nil {
			t.Fatal("confidence 7 accepted")
		}
		k := store.MemberLesson{MemberID: ann, LessonID: "q1"}
		h, err := db.ReviewHistoryMany(ctx, db, []store.MemberLesson{k})
		if err != nil || len(h[k]) != 1 || h[k][0].Confidence != lessons.ConfidenceCertain {
			t.Fatalf("review history %+v %v", h, err)
		}
		all, err := db.AnswerHistories(ctx, db)
		if err != nil || len(all) != 1 || all[0][0].Confidence != lessons.ConfidenceCertain || all[0][0].Correct {
			t.Fatalf("answer histories %+v %v", all, err)
		}
	})
}

// TestReportConfidenceAndRetention: wrong answers tapped "certain" are
// counted as confidently wrong per lesson and topic; reviews are bucketed by
// days since the previous answer to the same question.
func TestReportConfidenceAndRetention(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, ann := seedNurse(t, db, quiz("q1"), quiz("q2"))
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		type ans struct {
			lesson  string
			day     int
			correct bool
			conf    lessons.Confidence
		}
		// q1: wrong (certain), right 2 days later, wrong (certain) 20 days
		// after that; q2: wrong (guessed), right 40 days later.
		all := []ans{{"q1", 0, false, lessons.ConfidenceCertain}, {"q1", 2, true, 0}, {"q1", 22, false, lessons.ConfidenceCertain},
			{"q2", 0, false, lessons.ConfidenceGuessed}, {"q2", 40, true, lessons.ConfidenceCertain}}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for i, a := range all {
				day := t0.AddDate(0, 0, a.day)
				ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: ws.ID, MemberID: ann, LessonID: a.lesson,
					LessonVersion: 1, Reason: "role", ShiftDate: day.Format("2006-01-02"), DedupeKey: fmt.Sprint(i)}})
				if err != nil {
					return err
				}
				if _, err := db.AnswerRecordMany(ctx, tx, []*store.Answer{{DeliveryID: ids[0], WorkspaceID: ws.ID, MemberID: ann,
					LessonID: a.lesson, LessonVersion: 1, Choice: 1, Correct: a.correct, AnsweredAt: day}}); err != nil {
					return err
				}
				if a.conf != 0 {
					if _, err := db.AnswerSetConfidence(ctx, tx, ids[0], ann, a.conf); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		acc, err := db.ReportAccuracyByLesson(ctx, store.ReportFilter{WorkspaceID: ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int{}
		for _, a := range acc {
			got[a.LessonID] = [2]int{a.ConfidentWrong, a.Rated}
		}
		if got["q1"] != [2]int{2, 2} || got["q2"] != [2]int{0, 2} {
			t.Fatalf("confidently wrong, rated per lesson: %v; want q1 2,2 and q2 0,2", got)
		}
		topics, err := db.ReportAccuracyByTopic(ctx, store.ReportFilter{WorkspaceID: ws.ID})
		if err != nil || len(topics) != 1 || topics[0].ConfidentWrong != 2 || topics[0].FirstTries != 2 {
			t.Fatalf("topics: %+v %v", topics, err)
		}
		ret, err := db.ReportRetentionByInterval(ctx, store.ReportFilter{WorkspaceID: ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]lessons.Tally{"1-3 days": {Answers: 1, Correct: 1}, "15-30 days": {Answers: 1}, "31-60 days": {Answers: 1, Correct: 1}}
		for _, r := range ret {
			if r.Tally != want[r.Label] {
				t.Errorf("%s: %+v, want %+v", r.Label, r.Tally, want[r.Label])
			}
		}
		if len(ret) != 8 || ret[0].Label != "same day" || ret[7].Label != "over 120 days" {
			t.Fatalf("buckets: %+v", ret)
		}
		// A filter that starts after the first answers still finds their
		// predecessors.
		ret, _ = db.ReportRetentionByInterval(ctx, store.ReportFilter{WorkspaceID: ws.ID, Since: t0.AddDate(0, 0, 10)})
		n := 0
		for _, r := range ret {
			n += r.Answers
		}
		if n != 2 {
			t.Fatalf("since day 10: %d reviews, want 2", n)
		}
	})
}
