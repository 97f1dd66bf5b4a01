package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
	"github.com/jonboulle/clockwork"
)

// A Tuesday, 10:00 UTC: inside default work hours, after the 08:30 delivery.
var tuesday10 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// TestTwoSchedulersOnePostgres runs two schedulers (two "replicas") against
// one PostgreSQL database: each due member gets exactly one prompt, and only
// one replica holds the scheduler lock at a time.
func TestTwoSchedulersOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, store.Postgres)
	a := bottest.NewEnv(t, url, true, tuesday10)
	b := bottest.NewEnv(t, url, false, tuesday10)
	ids := a.AddMembers(t, 300, tuesday10)

	ea := bot.NewAdvisoryElector(a.DB.DB.DB, 424242)
	eb := bot.NewAdvisoryElector(b.DB.DB.DB, 424242)
	ctx := context.Background()
	if err := ea.IsLeader(ctx); err != nil {
		t.Fatalf("first elector: %v", err)
	}
	if err := eb.IsLeader(ctx); err == nil {
		t.Fatal("second elector became leader while the first holds the lock")
	}
	ea.Close()
	if err := eb.IsLeader(ctx); err != nil {
		t.Fatalf("second elector did not take over: %v", err)
	}
	eb.Close()

	// Both replicas schedule with the real advisory-lock elector (counted,
	// to know when more ticks have come); and even if both ran, the
	// database allows one scheduled prompt per member and day.
	ca := &countingElector{AdvisoryElector: bot.NewAdvisoryElector(a.DB.DB.DB, 424243)}
	cb := &countingElector{AdvisoryElector: bot.NewAdvisoryElector(b.DB.DB.DB, 424243)}
	defer ca.Close()
	defer cb.Close()
	sa, err := a.Bot.StartScheduler(ctx, bot.SchedulerOptions{Interval: 20 * time.Millisecond, Elector: ca})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Bot.StartScheduler(ctx, bot.SchedulerOptions{Interval: 20 * time.Millisecond, Elector: cb})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for a.Count(t, `SELECT COUNT(*) FROM delivery`) < len(ids) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// More ticks on both replicas, and more runs of the leader's, after
	// every member has a prompt: none of them may send another.
	askedA, askedB, led := ca.asked.Load(), cb.asked.Load(), ca.led.Load()+cb.led.Load()
	for ca.asked.Load() < askedA+3 || cb.asked.Load() < askedB+3 || ca.led.Load()+cb.led.Load() < led+3 {
		if time.Now().After(deadline) {
			t.Fatalf("the replicas stopped ticking: asked %d and %d times, led %d times", ca.asked.Load(), cb.asked.Load(), ca.led.Load()+cb.led.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	sa.Stop()
	sb.Stop()
	if n := a.Count(t, `SELECT COUNT(*) FROM delivery`); n != len(ids) {
		t.Fatalf("%d deliveries for %d members", n, len(ids))
	}
	if n := a.Count(t, `SELECT COUNT(DISTINCT member_id) FROM delivery`); n != len(ids) {
		t.Fatalf("%d members got a prompt, want %d", n, len(ids))
	}
	if n := a.Count(t, `SELECT COUNT(*) FROM river_job`); n != len(ids) {
		t.Fatalf("%d delivery jobs for %d prompts", n, len(ids))
	}
}

// TestSchedulerFakeClock drives gocron with an injected fake clock.
func TestSchedulerFakeClock(t *testing.T) {
	t.Parallel()
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	e.AddMembers(t, 5, tuesday10)
	fc := clockwork.NewFakeClock()
	s, err := e.Bot.StartScheduler(context.Background(), bot.SchedulerOptions{Interval: time.Minute, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for e.Count(t, `SELECT COUNT(*) FROM delivery`) < 5 && time.Now().Before(deadline) {
		fc.Advance(time.Minute)
		time.Sleep(20 * time.Millisecond)
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM delivery`); n != 5 {
		t.Fatalf("%d deliveries after fake-clock ticks, want 5", n)
	}
}

// TestNudgeOnceInsideWorkHours checks the one gentle reminder.
func TestNudgeOnceInsideWorkHours(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 11, 24, 8, 31, 0, 0, time.UTC)
			e := bottest.OpenEnv(t, storetest.Open(t, backend), now, bottest.EnvOptions{Work: true})
			ids := e.AddMembers(t, 2, now)
			// Member 2 works 08:00–12:00: 4 hours after 08:30 is outside.
			end := member.Clock(12 * 60)
			if err := e.DB.MemberUpdate(context.Background(), e.DB, ids[1], store.MemberSettings{WorkEnd: &end}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			jobs := e.Jobs
			tick := func(at time.Time) {
				t.Helper()
				e.Clock.Set(at)
				if err := e.Bot.Tick(ctx, at); err != nil {
					t.Fatal(err)
				}
				if err := jobs.WaitIdle(ctx, 10*time.Second); err != nil {
					t.Fatal(err)
				}
			}
			nudges := func(member int64) int {
				return e.Count(t, `SELECT COUNT(*) FROM message WHERE member_id = ? AND card LIKE '%reminder%'`, member)
			}
			tick(now)
			if n := e.Count(t, `SELECT COUNT(*) FROM delivery WHERE status = 'sent'`); n != 2 {
				t.Fatalf("%d prompts sent at 08:31, want 2", n)
			}
			// A second waiting prompt for member 1: one reminder covers both.
			rep := e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "u0000"}, Name: "learn"})
			if !strings.Contains(rep.Text, "Sent to your direct messages") {
				t.Fatalf("/learn: %q", rep.Text)
			}
			if err := jobs.WaitIdle(ctx, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			for _, at := range []string{"12:30", "12:32", "13:00", "16:59"} {
				tm, _ := time.Parse("15:04", at)
				tick(time.Date(2026, 11, 24, tm.Hour(), tm.Minute(), 0, 0, time.UTC))
				want := 0
				if at != "12:30" {
					want = 1
				}
				if n := nudges(ids[0]); n != want {
					t.Fatalf("member 1 at %s: %d nudges, want %d", at, n, want)
				}
				if n := nudges(ids[1]); n != 0 {
					t.Fatalf("member 2 (off work at 12:00) got %d nudges at %s", n, at)
				}
			}
			var msg string
			if err := e.DB.GetContext(ctx, &msg, e.DB.Rebind(`SELECT card FROM message WHERE member_id = ? ORDER BY id DESC LIMIT 1`), ids[0]); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg, "reminder") || !strings.Contains(msg, "1 more question") {
				t.Fatalf("last message is not the reminder: %s", msg)
			}
		})
	}
}

// countingElector is the advisory-lock elector counting how often gocron
// asked it (once before each tick) and how often it let the tick run.
type countingElector struct {
	*bot.AdvisoryElector
	asked, led atomic.Int64
}

func (e *countingElector) IsLeader(ctx context.Context) error {
	e.asked.Add(1)
	err := e.AdvisoryElector.IsLeader(ctx)
	if err == nil {
		e.led.Add(1)
	}
	return err
}
