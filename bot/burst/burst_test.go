package burst_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// burstEnv is bottest's environment (the bundled content, a settable
// clock, the sandbox adapter and, with work, running delivery workers) with
// the burst capability at hand.
type burstEnv struct {
	*bottest.Env
	burst *burst.Burst
}

func newBurstEnv(t testing.TB, db *store.DB, now time.Time, work bool) *burstEnv {
	t.Helper()
	e := bottest.OpenEnv(t, db, now, bottest.EnvOptions{Work: work})
	return &burstEnv{Env: e, burst: e.Features.Burst}
}

// person is a member to add: user id, role, department, optional night
// shift and permissions.
type person struct {
	id, role, dept string
	night          bool
	perms          []member.Permission
}

func (e *burstEnv) add(t testing.TB, people ...person) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	for _, p := range people {
		id, err := e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: p.id, Name: p.id, Role: p.role,
			Department: p.dept, Permissions: p.perms})
		if err != nil {
			t.Fatal(err)
		}
		if p.night {
			start, end := member.Clock(19*60), member.Clock(7*60+30)
			if err := e.DB.MemberUpdate(ctx, e.DB, id, store.MemberSettings{WorkStart: &start, WorkEnd: &end}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.DB.MemberSetNextDue(ctx, e.DB, map[int64]time.Time{id: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		ids[p.id] = id
	}
	return ids
}

// tick runs the scheduler at the given time and waits for the deliveries.
func (e *burstEnv) tick(t *testing.T, at time.Time) {
	t.Helper()
	e.Clock.Set(at)
	ctx := context.Background()
	if err := e.Bot.Tick(ctx, at); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
}

func (e *burstEnv) idle(t *testing.T) {
	t.Helper()
	if err := e.Bot.Jobs.WaitIdle(context.Background(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// burstLessons returns, per member id, the burst lessons delivered to them
// (delivery rows), failing on any lesson delivered twice.
func (e *burstEnv) burstLessons(t *testing.T, burstID string) map[int64][]string {
	t.Helper()
	var rows []struct {
		MemberID int64  `db:"member_id"`
		LessonID string `db:"lesson_id"`
		N        int    `db:"n"`
	}
	if err := e.DB.SelectContext(context.Background(), &rows, e.DB.Rebind(`SELECT member_id, lesson_id, COUNT(*) AS n FROM delivery
		WHERE burst_id = ? GROUP BY member_id, lesson_id ORDER BY member_id, MIN(id)`), burstID); err != nil {
		t.Fatal(err)
	}
	out := map[int64][]string{}
	for _, r := range rows {
		if r.N != 1 {
			t.Errorf("member %d got lesson %s of burst %s %d times", r.MemberID, r.LessonID, burstID, r.N)
		}
		out[r.MemberID] = append(out[r.MemberID], r.LessonID)
	}
	return out
}

// 2026-11-24 is a Tuesday.
var burstTuesday10 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

var secureChatForNurses = []string{"secure-chat-overview", "secure-chat-no-orders", "secure-chat-urgent-results", "secure-chat-patient-context"}

// TestBurstSendNowReachesEachNurseOnce sends an all-at-once burst "now" to
// nurses only: those at work get all of it at once, the night nurse gets
// all of it together in her next window, no one else gets anything, and
// sending again doubles nothing. Status counts what happened.
func TestBurstSendNowReachesEachNurseOnce(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newBurstEnv(t, db, burstTuesday10, true)
		ids := e.add(t,
			person{id: "n1", role: "nurse", dept: "4west"}, person{id: "n2", role: "nurse", dept: "4west"},
			person{id: "n3", role: "nurse", dept: "5east"}, person{id: "night", role: "nurse", dept: "5east", night: true},
			person{id: "doc", role: "physician", dept: "4west"}, person{id: "front", role: "front_desk", dept: "clinic"},
			person{id: "bill", role: "billing", dept: "revenue"})
		// Today's daily prompts go out first (08:30 has passed).
		e.tick(t, burstTuesday10)
		var progress []string
		opts := burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch", Now: true,
			Audience: lessons.Audience{Roles: []string{"nurse"}},
			Progress: func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) }}
		res, err := e.burst.BurstSend(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || len(res.Recipients) != 4 || res.Items != 16 || res.Added != 16 || res.SentNow != 12 || res.MembersNow != 3 || res.Later != 1 {
			t.Fatalf("send: created=%v recipients=%d items=%d added=%d now=%d membersNow=%d later=%d",
				res.Created, len(res.Recipients), res.Items, res.Added, res.SentNow, res.MembersNow, res.Later)
		}
		if strings.Join(progress, " ") != "4/4" {
			t.Errorf("progress = %v", progress)
		}
		e.idle(t)
		got := e.burstLessons(t, "secure-chat-launch")
		for _, u := range []string{"n1", "n2", "n3"} {
			if strings.Join(got[ids[u]], ",") != strings.Join(secureChatForNurses, ",") {
				t.Errorf("%s got %v, want the whole burst in order at once", u, got[ids[u]])
			}
		}
		if len(got[ids["night"]]) != 0 {
			t.Errorf("the night nurse got %v at 10:00, outside her work hours", got[ids["night"]])
		}

		// Sent again by mistake (and once more without now): nothing doubles.
		for _, now := range []bool{true, false} {
			opts.Now = now
			again, err := e.burst.BurstSend(ctx, opts)
			if err != nil || again.Created || again.Added != 0 || again.SentNow != 0 {
				t.Fatalf("second send (now=%v): %+v, %v", now, again, err)
			}
		}

		// 19:30: the night shift starts; the daily prompt takes the first
		// item and the companion ticker the rest, in the same window.
		e.tick(t, burstTuesday10.Add(9*time.Hour+30*time.Minute))
		got = e.burstLessons(t, "secure-chat-launch")
		if strings.Join(got[ids["night"]], ",") != strings.Join(secureChatForNurses, ",") {
			t.Errorf("night nurse got %v in her window, want the whole burst", got[ids["night"]])
		}
		for _, u := range []string{"doc", "front", "bill"} {
			if len(got[ids[u]]) != 0 {
				t.Errorf("%s (not a nurse) got %v", u, got[ids[u]])
			}
		}
		// A few more days of ticks change nothing about the burst.
		for d := 1; d <= 3; d++ {
			e.tick(t, burstTuesday10.AddDate(0, 0, d))
			e.tick(t, burstTuesday10.AddDate(0, 0, d).Add(10*time.Hour))
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM delivery WHERE burst_id = ?`, "secure-chat-launch"); n != 16 {
			t.Fatalf("%d burst deliveries, want 16", n)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM message m JOIN delivery d ON m.delivery_id = d.id WHERE d.burst_id = ? AND m.sent_revision > 0`,
			"secure-chat-launch"); n != 16 {
			t.Fatalf("%d burst messages reached the chat, want 16", n)
		}

		// n1 acknowledges the tip and answers the two quizzes of hers
		// (one right, one wrong); the quizzes enter the spacing schedule.
		actor := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "n1"}
		var dels []struct {
			ID       int64  `db:"id"`
			LessonID string `db:"lesson_id"`
		}
		if err := e.DB.SelectContext(ctx, &dels, e.DB.Rebind(`SELECT id, lesson_id FROM delivery WHERE member_id = ? AND burst_id = ? ORDER BY id`),
			ids["n1"], "secure-chat-launch"); err != nil {
			t.Fatal(err)
		}
		c := e.Bot.Content()
		answered := 0
		for _, d := range dels {
			l := c.Lesson(d.LessonID)
			if !l.IsQuiz() {
				if rep := e.Bot.HandleClick(ctx, bot.Click{Actor: actor, ActionID: fmt.Sprintf("ack:%d", d.ID)}); !strings.Contains(rep.Text, "Noted") {
					t.Fatalf("Got it: %q", rep.Text)
				}
				continue
			}
			if answered == 2 {
				continue
			}
			choice := l.Answer
			if answered == 1 {
				choice = l.Answer%len(l.Choices) + 1
			}
			e.Bot.HandleClick(ctx, bot.Click{Actor: actor, ActionID: fmt.Sprintf("ans:%d:%d", d.ID, choice)})
			answered++
		}
		e.idle(t)
		if n := e.Count(t, `SELECT COUNT(*) FROM review WHERE member_id = ? AND lesson_id LIKE 'secure-chat-%'`, ids["n1"]); n != 2 {
			t.Errorf("%d burst quizzes in n1's spacing schedule, want 2", n)
		}
		st, err := e.burst.BurstStatus(ctx, e.WS.ID, "secure-chat-launch")
		if err != nil {
			t.Fatal(err)
		}
		if st.Members != 4 || st.Reached != 4 || st.Total.Targeted != 16 || st.Total.Sent != 16 || st.Total.Pending != 0 ||
			st.Total.Acked != 1 || st.Total.Answered != 2 || st.Total.Correct != 1 {
			t.Fatalf("status: members=%d reached=%d total=%+v", st.Members, st.Reached, st.Total)
		}
		// Tips count as seen once sent; quizzes once answered.
		if st.Lessons[0].LessonID != "secure-chat-overview" || st.Lessons[0].Seen != 4 || st.Total.Seen != 4+2 {
			t.Fatalf("status per lesson: %+v", st.Lessons)
		}
		text := burst.FormatBurstStatus(i18n.For(i18n.Default), c, st, time.UTC)
		for _, want := range []string{`4 members targeted, 4 reached`, `acknowledged +answered +correct`,
			`secure-chat-overview +tip +4 +4 +4 +1 +0 +0`, `total +16 +16 +6 +1 +2 +1 +0 +0`, `50% of answers correct`} {
			if !regexp.MustCompile(want).MatchString(text) {
				t.Errorf("status text lacks %q:\n%s", want, text)
			}
		}
	})
}

// TestBurstDailyPace sends a daily burst (not now) on a Monday morning:
// each nurse gets one lesson per work day, at her delivery time, skipping
// the weekend, and the lessons meant for physicians only never reach her.
func TestBurstDailyPace(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		thursday := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
		e := newBurstEnv(t, db, thursday, true)
		ids := e.add(t, person{id: "n1", role: "nurse", dept: "4west"}, person{id: "doc", role: "physician", dept: "4west"})
		res, err := e.burst.BurstSend(context.Background(), burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "sepsis-alert-launch"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Items != 3+4 || res.SentNow != 0 {
			t.Fatalf("send: items=%d now=%d, want 7 items (3 for the nurse, 4 for the physician) and none at once", res.Items, res.SentNow)
		}
		type day struct {
			at          time.Time
			nurseLesson string
		}
		for _, d := range []day{
			{thursday.Add(2 * time.Hour), "sepsis-alert-overview"},
			{thursday.AddDate(0, 0, 1).Add(2 * time.Hour), "sepsis-alert-trigger"},
			{thursday.AddDate(0, 0, 2).Add(2 * time.Hour), ""}, // Saturday
			{thursday.AddDate(0, 0, 3).Add(2 * time.Hour), ""}, // Sunday
			{thursday.AddDate(0, 0, 4).Add(2 * time.Hour), "sepsis-alert-nurse-screen"},
			{thursday.AddDate(0, 0, 5).Add(2 * time.Hour), ""}, // the nurse's part is done
		} {
			before := len(e.burstLessons(t, "sepsis-alert-launch")[ids["n1"]])
			e.tick(t, d.at)
			got := e.burstLessons(t, "sepsis-alert-launch")[ids["n1"]]
			var today []string
			if len(got) > before {
				today = got[before:]
			}
			want := []string{}
			if d.nurseLesson != "" {
				want = []string{d.nurseLesson}
			}
			if strings.Join(today, ",") != strings.Join(want, ",") {
				t.Fatalf("%s: the nurse got %v, want %v", d.at.Weekday(), today, want)
			}
		}
		if got := e.burstLessons(t, "sepsis-alert-launch")[ids["doc"]]; len(got) != 4 || got[3] != "sepsis-alert-order-set" {
			t.Fatalf("the physician got %v, want the 4 lessons meant for physicians", got)
		}
	})
}

// TestBurstCancel cancels a send while its prompts are still queued: the
// queued messages never go out, pending items stay pending no more, what
// was sent stays, and the burst cannot be sent again.
func TestBurstCancel(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newBurstEnv(t, db, burstTuesday10, false) // no workers: jobs stay queued
		ids := e.add(t, person{id: "n1", role: "nurse", dept: "4west"}, person{id: "night", role: "nurse", dept: "4west", night: true})
		res, err := e.burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch", Now: true})
		if err != nil || res.SentNow != 4 {
			t.Fatalf("send: %+v, %v", res, err)
		}
		jobsBefore := e.Count(t, `SELECT COUNT(*) FROM river_job WHERE state = 'available'`)
		if jobsBefore != 4 {
			t.Fatalf("%d queued jobs, want 4", jobsBefore)
		}
		cres, err := e.burst.BurstCancel(ctx, e.WS.ID, "secure-chat-launch", 0)
		if err != nil {
			t.Fatal(err)
		}
		if cres.Items != 4 || cres.Deliveries != 4 {
			t.Fatalf("cancel: %+v, want the night nurse's 4 items and n1's 4 queued prompts", cres)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM river_job WHERE state = 'cancelled'`); n != 4 {
			t.Fatalf("%d delivery jobs cancelled, want 4", n)
		}
		// Workers start now: nothing of the burst goes out, now or later.
		jobs, err := bot.NewJobs(e.Bot, bot.JobsOptions{Work: true, PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := jobs.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer jobs.Stop(ctx)
		e.tick(t, burstTuesday10.Add(10*time.Hour))
		e.tick(t, burstTuesday10.Add(24*time.Hour))
		if n := e.Count(t, `SELECT COUNT(*) FROM delivery WHERE burst_id = ? AND sent_at IS NOT NULL`, "secure-chat-launch"); n != 0 {
			t.Fatalf("%d burst prompts went out after cancel", n)
		}
		if got := e.burstLessons(t, "secure-chat-launch")[ids["night"]]; len(got) != 0 {
			t.Fatalf("the night nurse got %v after cancel", got)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM delivery WHERE member_id = ? AND sent_at IS NOT NULL`, ids["night"]); n == 0 {
			t.Fatal("cancelling the burst stopped the night nurse's daily prompts too")
		}
		_, err = e.burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch"})
		var ue *bot.UserError
		if !errorsAs(err, &ue) || !strings.Contains(ue.Error(), "cancelled") {
			t.Fatalf("sending a cancelled burst: %v, want a user error", err)
		}
		if _, err := e.burst.BurstCancel(ctx, e.WS.ID, "sepsis-alert-launch", 0); !errorsAs(err, &ue) {
			t.Fatalf("cancel of a burst never sent: %v, want a user error", err)
		}
	})
}

// TestBurstSendConcurrentlyOnce sends the same burst "now" from two bots
// (two CLI runs, or a CLI run and a chat command) at the same moment: each
// member gets each lesson once, with one message and one delivery job.
func TestBurstSendConcurrentlyOnce(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newBurstEnv(t, db, burstTuesday10, false)
		var people []person
		for i := 0; i < 60; i++ {
			people = append(people, person{id: fmt.Sprintf("n%02d", i), role: "nurse", dept: "4west"})
		}
		e.add(t, people...)
		// A second replica over the same database.
		ob := bottest.NewBot(t, e.DB, bottest.BotOptions{NoContent: true})
		ob.SetClock(e.Clock.Now)
		other := ob.Features.Burst
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			b := e.burst
			if i%2 == 1 {
				b = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.BurstSend(context.Background(), burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch", Now: true})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		want := 60 * 4
		for what, q := range map[string]string{
			"burst items": `SELECT COUNT(*) FROM burst_item`,
			"deliveries":  `SELECT COUNT(*) FROM delivery WHERE burst_id = 'secure-chat-launch'`,
			"messages":    `SELECT COUNT(*) FROM message m JOIN delivery d ON m.delivery_id = d.id WHERE d.burst_id = 'secure-chat-launch'`,
			"jobs":        `SELECT COUNT(*) FROM river_job`,
		} {
			if n := e.Count(t, q); n != want {
				t.Errorf("%d %s, want %d", n, what, want)
			}
		}
		e.burstLessons(t, "secure-chat-launch") // fails on any doubled lesson
	})
}

// TestBurstChatCommand drives /burst as a trainer and as a learner.
func TestBurstChatCommand(t *testing.T) {
	t.Parallel()
	e := newBurstEnv(t, storetest.Open(t, store.SQLite), burstTuesday10, true)
	e.add(t, person{id: "tara", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
		person{id: "nina", role: "nurse", dept: "4west", perms: []member.Permission{}})
	ctx := context.Background()
	cmd := func(user, text string) string {
		return e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
			Channel: "dm", Name: "burst", Text: text}).Text
	}
	for _, text := range []string{"send secure-chat-launch now", "list", "cancel secure-chat-launch"} {
		if r := cmd("nina", text); !strings.Contains(r, "Only trainers") {
			t.Errorf("learner /burst %s: %q, want a clear refusal", text, r)
		}
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM burst_send`); n != 0 {
		t.Fatalf("a learner's /burst created %d sends", n)
	}
	for _, tc := range []struct{ text, want string }{
		{"", "Usage: `/burst list`"},
		{"frobnicate", "I don't know `/burst frobnicate`"},
		{"send", "Usage: `/burst send ID [now]`"},
		{"send secure-chat-launch later", "Usage: `/burst send ID [now]`"},
		{"status", "Usage: `/burst status ID`"},
		{"send no-such-burst", "There is no burst \"no-such-burst\". Bursts: secure-chat-launch, sepsis-alert-launch"},
		{"status secure-chat-launch", "has not been sent here yet"},
		{"list", "secure-chat-launch — “Secure chat inside the EHR” · all-at-once · 4 lessons · for physician, nurse, ma, front_desk · not sent"},
		{"preview secure-chat-launch front_desk", "[Got it]"},
		{"preview secure-chat-launch billing", "would not get it"},
		{"preview secure-chat-launch surgeon", "\"surgeon\" is not a role here"},
		{"preview sepsis-alert-launch", "Right answer"},
		{"send secure-chat-launch now", "queued for 2 members (8 items, 8 new)"},
		{"send secure-chat-launch now", "already sent to these 2 members"},
		{"status secure-chat-launch", "2 members targeted, 2 reached"},
		{"list", "sent 2026-11-24 to 2 members, 2 reached"},
		{"cancel secure-chat-launch", "nothing was left to stop"},
		{"send secure-chat-launch", "was cancelled"},
	} {
		r := cmd("tara", tc.text)
		if !strings.Contains(r, tc.want) {
			t.Errorf("/burst %s = %q, want it to contain %q", tc.text, r, tc.want)
		}
		e.idle(t)
	}
	preview := cmd("tara", "preview secure-chat-launch front_desk")
	if strings.Contains(preview, "secure-chat-urgent-results") || !strings.Contains(preview, "secure-chat-patient-context") {
		t.Errorf("front desk preview shows the wrong lessons:\n%s", preview)
	}
}

func errorsAs(err error, target **bot.UserError) bool {
	ue, ok := err.(*bot.UserError)
	if ok {
		*target = ue
	}
	return ok
}

// BenchmarkBurstSend measures a send to 10,000 nurses (4 lessons each):
// "queue" records the 40,000 items for the members' next delivery time;
// "now" also creates the 40,000 prompts, their DMs and delivery jobs, as
// when every member is at work. It reports members enqueued per second.
func BenchmarkBurstSend(b *testing.B) {
	const members = 10000
	for _, backend := range storetest.Backends() {
		for _, now := range []bool{false, true} {
			name := string(backend) + "/queue"
			if now {
				name = string(backend) + "/now"
			}
			b.Run(name, func(b *testing.B) {
				var total time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					e := newBurstEnv(b, storetest.Open(b, backend), burstTuesday10, false)
					ctx := context.Background()
					err := e.DB.Tx(ctx, func(tx *store.Tx) error {
						next := map[int64]time.Time{}
						for j := 0; j < members; j++ {
							id, err := e.DB.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: fmt.Sprintf("rn%05d", j),
								Role: "nurse", Department: "4west"})
							if err != nil {
								return err
							}
							next[id] = burstTuesday10
							if len(next) == 500 {
								if err := e.DB.MemberSetNextDue(ctx, tx, next); err != nil {
									return err
								}
								next = map[int64]time.Time{}
							}
						}
						return e.DB.MemberSetNextDue(ctx, tx, next)
					})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					res, err := e.burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch", Now: now})
					total += time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					if res.Added != members*4 || (now && res.SentNow != members*4) {
						b.Fatalf("added %d, sent now %d", res.Added, res.SentNow)
					}
				}
				b.ReportMetric(float64(members*b.N)/total.Seconds(), "members/s")
			})
		}
	}
}
