package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// schedEnv is a bot over a migrated database with the bundled content.
type schedEnv struct {
	db  *store.DB
	bot *bot.Bot
	ws  *store.Workspace
}

func newSchedEnv(t testing.TB, url string, migrate bool, now time.Time) *schedEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := bot.MigrateJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		c, err := lessons.Load(content.FS)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImport(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	b := bot.New(db, bot.Config{}, nil)
	b.SetClock(func() time.Time { return now })
	if err := b.LoadContent(ctx); err != nil {
		t.Fatal(err)
	}
	b.AddAdapter(sandbox.Adapter{})
	if _, err := bot.NewJobs(b, bot.JobsOptions{}); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return &schedEnv{db: db, bot: b, ws: ws}
}

func (e *schedEnv) addMembers(t *testing.T, n int, now time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := e.db.Tx(ctx, func(tx *store.Tx) error {
		next := map[int64]time.Time{}
		for i := 0; i < n; i++ {
			id, err := e.db.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: e.ws.ID, UserID: fmt.Sprintf("u%04d", i),
				Role: lessons.DefaultRoles[i%5], Department: "4west"})
			if err != nil {
				return err
			}
			ids = append(ids, id)
			next[id] = now
		}
		return e.db.MemberSetNextDue(ctx, tx, next)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (e *schedEnv) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.GetContext(context.Background(), &n, e.db.Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// A Tuesday, 10:00 UTC: inside default work hours, after the 08:30 delivery.
var tuesday10 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// TestTwoSchedulersOnePostgres runs two schedulers (two "replicas") against
// one PostgreSQL database: each due member gets exactly one prompt, and only
// one replica holds the scheduler lock at a time.
func TestTwoSchedulersOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, store.Postgres)
	a := newSchedEnv(t, url, true, tuesday10)
	b := newSchedEnv(t, url, false, tuesday10)
	ids := a.addMembers(t, 300, tuesday10)

	ea := bot.NewAdvisoryElector(a.db.DB.DB, 424242)
	eb := bot.NewAdvisoryElector(b.db.DB.DB, 424242)
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

	// Both replicas schedule with the real advisory-lock elector; and even if
	// both ran, the database allows one scheduled prompt per member and day.
	sa, err := a.bot.StartScheduler(ctx, bot.SchedulerOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.bot.StartScheduler(ctx, bot.SchedulerOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for a.count(t, `SELECT COUNT(*) FROM delivery`) < len(ids) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // more ticks on both replicas
	sa.Stop()
	sb.Stop()
	if n := a.count(t, `SELECT COUNT(*) FROM delivery`); n != len(ids) {
		t.Fatalf("%d deliveries for %d members", n, len(ids))
	}
	if n := a.count(t, `SELECT COUNT(DISTINCT member_id) FROM delivery`); n != len(ids) {
		t.Fatalf("%d members got a prompt, want %d", n, len(ids))
	}
	if n := a.count(t, `SELECT COUNT(*) FROM river_job`); n != len(ids) {
		t.Fatalf("%d delivery jobs for %d prompts", n, len(ids))
	}
}

// TestSchedulerFakeClock drives gocron with an injected fake clock.
func TestSchedulerFakeClock(t *testing.T) {
	t.Parallel()
	e := newSchedEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	e.addMembers(t, 5, tuesday10)
	fc := clockwork.NewFakeClock()
	s, err := e.bot.StartScheduler(context.Background(), bot.SchedulerOptions{Interval: time.Minute, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for e.count(t, `SELECT COUNT(*) FROM delivery`) < 5 && time.Now().Before(deadline) {
		fc.Advance(time.Minute)
		time.Sleep(20 * time.Millisecond)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM delivery`); n != 5 {
		t.Fatalf("%d deliveries after fake-clock ticks, want 5", n)
	}
}

// TestNudgeOnceInsideWorkHours checks the one gentle reminder.
func TestNudgeOnceInsideWorkHours(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			now := time.Date(2026, 11, 24, 8, 31, 0, 0, time.UTC)
			e := newSchedEnv(t, storetest.URL(t, backend), true, now)
			e.bot.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
			set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
			ids := e.addMembers(t, 2, now)
			// Member 2 works 08:00–12:00: 4 hours after 08:30 is outside.
			end := lessons.Clock(12 * 60)
			if err := e.db.MemberUpdate(context.Background(), e.db, ids[1], store.MemberSettings{WorkEnd: &end}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			jobs, err := bot.NewJobs(e.bot, bot.JobsOptions{Work: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := jobs.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer jobs.Stop(ctx)
			tick := func(at time.Time) {
				t.Helper()
				set(at)
				if err := e.bot.Tick(ctx, at); err != nil {
					t.Fatal(err)
				}
				if err := jobs.WaitIdle(ctx, 10*time.Second); err != nil {
					t.Fatal(err)
				}
			}
			nudges := func(member int64) int {
				return e.count(t, `SELECT COUNT(*) FROM message WHERE member_id = ? AND card LIKE '%reminder%'`, member)
			}
			tick(now)
			if n := e.count(t, `SELECT COUNT(*) FROM delivery WHERE status = 'sent'`); n != 2 {
				t.Fatalf("%d prompts sent at 08:31, want 2", n)
			}
			// A second waiting prompt for member 1: one reminder covers both.
			rep := e.bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "u0000"}, Name: "learn"})
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
			if err := e.db.GetContext(ctx, &msg, e.db.Rebind(`SELECT card FROM message WHERE member_id = ? ORDER BY id DESC LIMIT 1`), ids[0]); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg, "reminder") || !strings.Contains(msg, "1 more question") {
				t.Fatalf("last message is not the reminder: %s", msg)
			}
		})
	}
}
