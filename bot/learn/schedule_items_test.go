package learn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// learnAs runs "/learn TEXT" as a sandbox user and returns the reply text.
func learnAs(t *testing.T, b *bot.Bot, user, text string) string {
	t.Helper()
	return b.HandleCommand(context.Background(), bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
		Channel: "dm", Name: "learn", Text: text}).Text
}

// TestPauseResumeSameMinuteKeepsReviews: /learn pause and /learn resume in
// the same minute leave every review where it was, at any time of day
// (issue 17 item 9: resume rounded the unused days down, pause to the
// nearest, so a review moved a day).
func TestPauseResumeSameMinuteKeepsReviews(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"10:00", "23:30", "00:10", "13:59"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			now, _ := time.Parse("2006-01-02 15:04", "2026-11-24 "+at)
			e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, now)
			ctx := context.Background()
			if rep := learnAs(t, e.Bot, "nina", "join nurse"); !strings.Contains(rep, "Welcome") {
				t.Fatalf("join: %q", rep)
			}
			m, err := e.DB.MemberByUser(ctx, e.DB, e.WS.ID, "nina")
			if err != nil {
				t.Fatal(err)
			}
			key := store.MemberLesson{MemberID: m.ID, LessonID: "medrec-admission-01"}
			err = e.DB.Tx(ctx, func(tx *store.Tx) error {
				return e.DB.ReviewPutMany(ctx, tx, []store.ReviewWrite{{WorkspaceID: e.WS.ID, MemberID: m.ID,
					Review: lessons.Review{LessonID: key.LessonID, Attempts: 1, DueDate: "2026-12-01"}}})
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep := learnAs(t, e.Bot, "nina", "pause 7"); !strings.Contains(rep, "Paused until") {
				t.Fatalf("pause: %q", rep)
			}
			if rep := learnAs(t, e.Bot, "nina", "resume"); !strings.Contains(rep, "Welcome back") {
				t.Fatalf("resume: %q", rep)
			}
			got, err := e.DB.ReviewGetMany(ctx, e.DB, []store.MemberLesson{key})
			if err != nil {
				t.Fatal(err)
			}
			if d := got[key].DueDate; d != "2026-12-01" {
				t.Errorf("review due %s after pause and resume at %s, want 2026-12-01 (unchanged)", d, at)
			}
		})
	}
}

// TestJoinNamesTodaysPrompt: the replies to /learn join and /learn resume
// name the prompt that really comes next — today's, still due and sent on
// the next tick, or one 15 minutes away — not tomorrow's (issue 17 item 9).
func TestJoinNamesTodaysPrompt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Tuesday 2026-11-24, default schedule: 08:30 delivery, 08:00–17:00.
	t.Run("join after the delivery time", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, now)
		rep := learnAs(t, e.Bot, "nina", "join nurse")
		if !strings.Contains(rep, "Next: now (today's 08:30 prompt is on its way)") {
			t.Errorf("join at 09:00: %q, want today's prompt named", rep)
		}
		// It really is sent on the next tick.
		if err := e.Bot.Tick(ctx, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := e.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM delivery WHERE shift_date = '2026-11-24'`); err != nil || n != 1 {
			t.Fatalf("deliveries today = %d, %v; want 1", n, err)
		}
		// Once it went out, the next one is tomorrow, and the reply says why.
		if rep := learnAs(t, e.Bot, "nina", "resume"); !strings.Contains(rep, "tomorrow at 08:30 — today's prompt has gone out") {
			t.Errorf("resume (not paused) after today's prompt: %q", rep)
		}
	})
	t.Run("resume 15 minutes before the delivery time", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC)
		e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, now)
		learnAs(t, e.Bot, "nina", "join nurse")
		learnAs(t, e.Bot, "nina", "time 08:30")
		learnAs(t, e.Bot, "nina", "pause 3")
		if rep := learnAs(t, e.Bot, "nina", "resume"); !strings.Contains(rep, "Next prompt: today at 08:30") {
			t.Errorf("resume at 08:15: %q, want today at 08:30", rep)
		}
	})
}

// TestStatsSaySaturday: on a Saturday /learn stats names Monday's prompt in
// the member's own time and says why nothing comes today (issue 17 item 6).
func TestStatsSaySaturday(t *testing.T) {
	t.Parallel()
	// Saturday 2026-12-05 03:00 in New York is 08:00 UTC.
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, now)
	learnAs(t, e.Bot, "nina", "join nurse")
	learnAs(t, e.Bot, "nina", "tz America/New_York")
	rep := learnAs(t, e.Bot, "nina", "stats")
	if !strings.Contains(rep, "Monday at 08:30 — today (Saturday) is not one of your work days (mon-fri)") {
		t.Errorf("stats on a Saturday: %q", rep)
	}
}
