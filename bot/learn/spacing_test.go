package learn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestSpacingPolicy: an answer updates the review row by the deployment's
// rule — trials' 24 days, or FSRS's interval moved onto a work day — and
// the FSRS memory is stored under both. A review answered before FSRS
// state was stored gets it derived from its answer history.
func TestSpacingPolicy(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := bottest.OpenEnv(t, db, tuesday10, bottest.EnvOptions{})
		quiz := e.Quiz(t, "nurse")
		answer := func(user string, policy lessons.SpacingPolicy, shiftDate string, correct bool, at time.Time) int64 {
			t.Helper()
			id, err := e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: user, Role: "nurse"})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			err = e.DB.Tx(ctx, func(tx *store.Tx) error {
				ids, err = e.DB.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: e.WS.ID, MemberID: id,
					LessonID: quiz.ID, LessonVersion: quiz.Version, Reason: "role", ShiftDate: shiftDate, DedupeKey: user + shiftDate}})
				return err
			})
			if err != nil || ids[0] == 0 {
				t.Fatalf("delivery: %v %v", ids, err)
			}
			choice := quiz.Answer
			if !correct {
				choice = quiz.Answer%len(quiz.Choices) + 1
			}
			e.Bot.Config.SpacingPolicy = policy
			e.Clock.Set(at)
			e.Bot.HandleClick(ctx, bot.Click{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
				Channel: "dm", ActionID: fmt.Sprintf("ans:%d:%d", ids[0], choice)})
			return id
		}
		review := func(member int64) lessons.Review {
			t.Helper()
			k := store.MemberLesson{MemberID: member, LessonID: quiz.ID}
			got, err := e.DB.ReviewGetMany(ctx, e.DB, []store.MemberLesson{k})
			if err != nil {
				t.Fatal(err)
			}
			if got[k].Attempts == 0 {
				t.Fatalf("no review row for member %d", member)
			}
			return got[k]
		}
		f := lessons.FSRS{}
		good, ivl := f.Next(lessons.MemoryState{}, 0, lessons.GradeGood)

		trials := review(answer("ann", lessons.PolicyTrials, "2026-11-24", true, tuesday10))
		if trials.DueDate != "2026-12-18" || trials.Memory != good || trials.LastReviewDate != "2026-11-24" {
			t.Errorf("trials: %+v; want due 2026-12-18 (24 days) and FSRS memory %+v from 2026-11-24", trials, good)
		}
		fsrs := review(answer("bob", lessons.PolicyFSRS, "2026-11-24", true, tuesday10))
		if want := lessons.WorkDayOnOrBefore("2026-11-24", ivl, member.MonFri); fsrs.DueDate != want || fsrs.Memory != good {
			t.Errorf("fsrs: %+v; want due %s (%d days) and memory %+v", fsrs, want, ivl, good)
		}

		// Cat answered wrong on 2026-11-10, before FSRS state was kept:
		// her row has attempts but no memory.
		cat := answer("cat", lessons.PolicyFSRS, "2026-11-10", false, time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC))
		if _, err := e.DB.ExecContext(ctx, e.DB.Rebind(`UPDATE review SET stability = 0, difficulty = 0, last_review_date = ''
				WHERE member_id = ?`), cat); err != nil {
			t.Fatal(err)
		}
		answer("cat", lessons.PolicyFSRS, "2026-11-24", true, tuesday10)
		lapse, _ := f.Next(lessons.MemoryState{}, 0, lessons.GradeAgain)
		want, ivl := f.Next(lapse, 14, lessons.GradeGood)
		got := review(cat)
		if got.Memory != want || got.Attempts != 2 || got.DueDate != lessons.WorkDayOnOrBefore("2026-11-24", ivl, member.MonFri) {
			t.Errorf("derived: %+v; want memory %+v (a lapse, then Good 14 days later), due in %d days", got, want, ivl)
		}
	})
}

// TestConfidenceTap: the answered card offers Guessed · Fairly sure ·
// Certain; a tap is stored with the answer (a later tap replaces it) and
// regrades the question for FSRS (certain → Easy: a later due date); a tap
// before answering or on someone else's question records nothing.
func TestConfidenceTap(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := bottest.OpenEnv(t, db, tuesday10, bottest.EnvOptions{})
		e.Bot.Config.SpacingPolicy = lessons.PolicyFSRS
		quiz := e.Quiz(t, "nurse")
		mid, err := e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: "ann", Role: "nurse"})
		if err != nil {
			t.Fatal(err)
		}
		e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: "bob", Role: "nurse"})
		var did int64
		err = e.DB.Tx(ctx, func(tx *store.Tx) error {
			ids, err := e.DB.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: e.WS.ID, MemberID: mid,
				LessonID: quiz.ID, LessonVersion: quiz.Version, Reason: "role", ShiftDate: "2026-11-24", DedupeKey: "x"}})
			if err != nil {
				return err
			}
			did = ids[0]
			_, err = e.DB.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: e.WS.ID, MemberID: mid, Channel: "dm",
				DeliveryID: did, Card: `{"title":"quiz"}`})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		click := func(user, action string) bot.Reply {
			return e.Bot.HandleClick(ctx, bot.Click{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
				Channel: "dm", ActionID: action})
		}
		if rep := click("ann", fmt.Sprintf("conf:%d:3", did)); !strings.Contains(rep.Text, "Answer the question first") {
			t.Errorf("tap before answering: %q", rep.Text)
		}
		click("ann", fmt.Sprintf("ans:%d:%d", did, quiz.Answer))
		var card string
		if err := e.DB.GetContext(ctx, &card, e.DB.Rebind(`SELECT card FROM message WHERE delivery_id = ?`), did); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf("conf:%d:1", did), "Guessed", "Fairly sure", "Certain", "How sure were you?"} {
			if !strings.Contains(card, want) {
				t.Errorf("answered card lacks %q: %s", want, card)
			}
		}
		k := store.MemberLesson{MemberID: mid, LessonID: quiz.ID}
		before, _ := e.DB.ReviewGetMany(ctx, e.DB, []store.MemberLesson{k})
		if rep := click("bob", fmt.Sprintf("conf:%d:1", did)); !strings.Contains(rep.Text, "someone else") {
			t.Errorf("bob's tap on ann's card: %q", rep.Text)
		}
		if rep := click("ann", fmt.Sprintf("conf:%d:1", did)); !strings.Contains(rep.Text, "Noted: Guessed") {
			t.Errorf("tap: %q", rep.Text)
		}
		if rep := click("ann", fmt.Sprintf("conf:%d:3", did)); !strings.Contains(rep.Text, "Noted: Certain") {
			t.Errorf("second tap: %q", rep.Text)
		}
		// The card shows the latest tap, and only that one.
		if err := e.DB.GetContext(ctx, &card, e.DB.Rebind(`SELECT card FROM message WHERE delivery_id = ?`), did); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(card, "✓ Certain") || strings.Contains(card, "✓ Guessed") || strings.Count(card, "✓") != 1 {
			t.Errorf("answered card does not show the tap: %s", card)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM answer WHERE delivery_id = ? AND confidence = 3`, did); n != 1 {
			t.Errorf("confidence not stored as certain")
		}
		after, _ := e.DB.ReviewGetMany(ctx, e.DB, []store.MemberLesson{k})
		easy, ivl := lessons.FSRS{}.Next(lessons.MemoryState{}, 0, lessons.GradeEasy)
		if after[k].Memory != easy || after[k].DueDate != lessons.WorkDayOnOrBefore("2026-11-24", ivl, member.MonFri) ||
			after[k].DueDate <= before[k].DueDate || after[k].Attempts != 1 {
			t.Errorf("after certain: %+v (before %+v); want memory %+v due in %d days", after[k], before[k], easy, ivl)
		}
	})
}
