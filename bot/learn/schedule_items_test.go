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

// promptRow is one prompt a member got, for the tests below.
type promptRow struct {
	Date   string `db:"shift_date"`
	Lesson string `db:"lesson_id"`
	Status string `db:"status"`
	Kind   string `db:"kind"`
	Sent   int64  `db:"sent"`
	Nudged int64  `db:"nudged"`
}

func promptsOf(t *testing.T, db *store.DB, user string) []promptRow {
	t.Helper()
	var rows []promptRow
	if err := db.SelectContext(context.Background(), &rows, `SELECT d.shift_date, d.lesson_id, d.status, l.kind,
		COALESCE(d.sent_at, 0) AS sent, COALESCE(d.nudged_at, 0) AS nudged
		FROM delivery d JOIN member m ON m.id = d.member_id JOIN lesson l ON l.id = d.lesson_id
		WHERE m.user_id = '`+user+`' ORDER BY d.id`); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestUnansweredQuestionMovesOn: a member who answers nothing for three
// weeks gets a different lesson every work day; an unanswered question comes
// back only after the miss interval, and every reminder falls inside the
// shift of the prompt it is about (issue 17 items 7 and 8).
func TestUnansweredQuestionMovesOn(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	ctx := context.Background()
	e.SB.TickStep = time.Hour
	if err := e.SB.Advance(ctx, 21*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	rows := promptsOf(t, e.DB, "nina")
	if len(rows) < 10 {
		t.Fatalf("nina got %d prompts in three weeks: %+v", len(rows), rows)
	}
	last := map[string]string{}
	for i, r := range rows {
		if i > 0 && rows[i-1].Lesson == r.Lesson {
			t.Errorf("%s on %s and again on %s (consecutive work days)", r.Lesson, rows[i-1].Date, r.Date)
		}
		if prev, ok := last[r.Lesson]; ok && r.Date < lessons.AddDays(prev, lessons.DefaultSpacing.WrongAfterDays) {
			t.Errorf("%s unanswered on %s came back on %s, before the %d-day miss interval", r.Lesson, prev, r.Date,
				lessons.DefaultSpacing.WrongAfterDays)
		}
		last[r.Lesson] = r.Date
		if r.Nudged != 0 {
			sent, nudged := time.UnixMilli(r.Sent).UTC(), time.UnixMilli(r.Nudged).UTC()
			if nudged.Format("2006-01-02") != r.Date || nudged.Hour() >= 17 || nudged.Sub(sent) < lessons.DefaultSpacing.NudgeAfter {
				t.Errorf("prompt of %s (sent %s) nudged at %s: not 4 h later inside that shift", r.Date, sent, nudged)
			}
		}
	}
}

// TestNoNudgeWhilePaused: a member who pauses at 10:00 gets no "Friendly
// reminder" at 12:45 about the 09:00 question (issue 17 item 8).
func TestNoNudgeWhilePaused(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	ctx := context.Background()
	start := e.SB.Clock.Now() // 09:00 UTC on a Tuesday–Thursday
	// Today's prompt goes out; find someone whose prompt is a quiz.
	if err := e.SB.Advance(ctx, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	var user string
	if err := e.DB.GetContext(ctx, &user, `SELECT m.user_id FROM delivery d JOIN member m ON m.id = d.member_id
		JOIN lesson l ON l.id = d.lesson_id WHERE l.kind = 'quiz' AND d.status = 'sent' ORDER BY m.user_id LIMIT 1`); err != nil {
		t.Fatalf("a member with an open quiz: %v", err)
	}
	if err := e.SB.Advance(ctx, start.Add(time.Hour).Sub(e.SB.Clock.Now())); err != nil {
		t.Fatal(err)
	}
	if rep := learnAs(t, e.Bot, user, "pause 3"); !strings.Contains(rep, "Paused until") {
		t.Fatalf("pause: %q", rep)
	}
	if err := e.SB.Advance(ctx, 5*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, r := range promptsOf(t, e.DB, user) {
		if r.Nudged != 0 {
			t.Errorf("%s paused at 10:00 was nudged at %s about %s", user, time.UnixMilli(r.Nudged).UTC(), r.Lesson)
		}
	}
}
