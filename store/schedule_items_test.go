package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

func tip(id string) *lessons.Lesson {
	return &lessons.Lesson{ID: id, Kind: lessons.KindTip, Title: "T " + id, Roles: []string{"nurse"}, Body: "b"}
}

// sendPrompt records a delivery of lesson on date and marks it sent, as the
// prompt job does; it returns the delivery id.
func sendPrompt(t *testing.T, db *store.DB, ws, member int64, lesson, date string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.Tx(ctx, func(tx *store.Tx) error {
		ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: ws, MemberID: member, LessonID: lesson,
			LessonVersion: 1, Reason: "track", ShiftDate: date, Scheduled: true}})
		if err != nil {
			return err
		}
		id = ids[0]
		msg, err := db.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: ws, MemberID: member, Channel: "dm", DeliveryID: id, Card: "{}"})
		if err != nil {
			return err
		}
		return db.DeliveryMarkSent(ctx, tx, msg, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestStreakTodaysUntappedTip: a tip delivered today that nobody tapped yet
// is today's open prompt and does not break the streak (issue 17 item 10);
// yesterday's answered quiz still counts.
func TestStreakTodaysUntappedTip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, mid := seedNurse(t, db, quiz("q1"), tip("t1"))
		mon := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
		q := sendPrompt(t, db, ws.ID, mid, "q1", "2026-11-23", mon)
		err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := db.AnswerRecord(ctx, tx, &store.Answer{DeliveryID: q, WorkspaceID: ws.ID, MemberID: mid,
				LessonID: "q1", LessonVersion: 1, Choice: 1, Correct: true, AnsweredAt: mon.Add(time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		tue := mon.AddDate(0, 0, 1)
		tid := sendPrompt(t, db, ws.ID, mid, "t1", "2026-11-24", tue)
		got, err := db.MemberStreakMany(ctx, db, []int64{mid}, tue.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got[mid] != 1 {
			t.Errorf("streak with today's tip not tapped yet = %d, want 1 (yesterday's answer; today's tip still open)", got[mid])
		}
		// Tapping "Got it" makes today count.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := db.DeliveryAck(ctx, tx, tid, tue.Add(2*time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.MemberStreakMany(ctx, db, []int64{mid}, tue.Add(3*time.Hour)); err != nil || got[mid] != 2 {
			t.Errorf("streak after Got it = %d, %v; want 2", got[mid], err)
		}
	})
}
