package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/huddlebot/huddlebot/store"
)

// SchedulerOptions configures the scheduler.
type SchedulerOptions struct {
	// Interval between ticks (default 30s). Each tick handles everything due
	// up to the bot's clock, so a late tick catches up instead of skipping.
	Interval time.Duration
	// Clock drives gocron (tests pass a clockwork fake). Default: real time.
	Clock clockwork.Clock
	// Elector decides which replica schedules. Default: a PostgreSQL
	// advisory lock on PostgreSQL, none (this process) on SQLite.
	Elector gocron.Elector
}

// Scheduler runs the bot's Tick on a gocron schedule, on one replica only.
type Scheduler struct {
	s       gocron.Scheduler
	elector *AdvisoryElector
}

// StartScheduler starts ticking until Stop.
func (b *Bot) StartScheduler(ctx context.Context, opts SchedulerOptions) (*Scheduler, error) {
	if opts.Interval == 0 {
		opts.Interval = 30 * time.Second
	}
	var sopts []gocron.SchedulerOption
	if opts.Clock != nil {
		sopts = append(sopts, gocron.WithClock(opts.Clock))
	}
	sc := &Scheduler{}
	elector := opts.Elector
	if elector == nil && b.DB.Backend == store.Postgres {
		sc.elector = NewAdvisoryElector(b.DB.DB.DB, schedulerLockKey)
		elector = sc.elector
	}
	if elector != nil {
		sopts = append(sopts, gocron.WithDistributedElector(elector))
	}
	s, err := gocron.NewScheduler(sopts...)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	clk := opts.Clock
	if clk == nil {
		clk = clockwork.NewRealClock()
	}
	var origin time.Time // when the first tick was due; set before Start
	_, err = s.NewJob(gocron.DurationJob(opts.Interval), gocron.NewTask(func() {
		start := time.Now()
		metricTickLag.Set(tickLag(origin, clk.Now(), opts.Interval).Seconds())
		now := b.Now()
		if err := b.Tick(ctx, now); err != nil && !errors.Is(err, context.Canceled) {
			b.Log.ErrorContext(ctx, "scheduler tick failed", "err", err)
		}
		metricTickDuration.Observe(time.Since(start).Seconds())
		if n, err := b.DB.JobQueueDepth(ctx); err == nil {
			metricQueueDepth.Set(float64(n))
		}
		if waiting, stuck, err := b.DB.AnswerInboxDepth(ctx); err == nil {
			metricInbox.WithLabelValues("waiting").Set(float64(waiting))
			metricInbox.WithLabelValues("stuck").Set(float64(stuck))
		}
	}), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		return nil, fmt.Errorf("scheduler job: %w", err)
	}
	origin = clk.Now()
	s.Start()
	sc.s = s
	return sc, nil
}

// tickLag is how late a tick started: the time since the latest slot of the
// schedule (gocron runs a duration job at origin + k·interval, skipping
// slots that pass while a tick is still running).
func tickLag(origin, now time.Time, interval time.Duration) time.Duration {
	if interval <= 0 || now.Before(origin) {
		return 0
	}
	return now.Sub(origin) % interval
}

// Stop stops scheduling and releases the leader lock.
func (s *Scheduler) Stop() error {
	err := s.s.Shutdown()
	if s.elector != nil {
		s.elector.Close()
	}
	return err
}

// schedulerLockKey is the PostgreSQL advisory lock that makes one replica
// the scheduler.
const schedulerLockKey = 0x68756464 // "hudd"

// AdvisoryElector is a gocron Elector backed by a PostgreSQL session
// advisory lock held on a dedicated connection: the replica that holds it
// schedules; the others skip. If the leader dies its connection closes, the
// lock is released, and another replica takes over on its next tick.
type AdvisoryElector struct {
	db   *sql.DB
	key  int64
	mu   sync.Mutex
	conn *sql.Conn
}

// NewAdvisoryElector returns an elector for lock key on db.
func NewAdvisoryElector(db *sql.DB, key int64) *AdvisoryElector {
	return &AdvisoryElector{db: db, key: key}
}

// IsLeader returns nil when this process holds (or just took) the lock.
func (e *AdvisoryElector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		if err := e.conn.PingContext(ctx); err == nil {
			return nil
		}
		e.conn.Close()
		e.conn = nil
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("elector: %w", err)
	}
	var got bool
	// The lock is per schema, so deployments (or tests) that share one
	// database in different schemas each elect their own scheduler.
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, int32(e.key)).Scan(&got); err != nil {
		conn.Close()
		return fmt.Errorf("elector: %w", err)
	}
	if !got {
		conn.Close()
		return errNotLeader
	}
	e.conn = conn
	return nil
}

// Close releases the lock.
func (e *AdvisoryElector) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		_, _ = e.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, int32(e.key))
		e.conn.Close()
		e.conn = nil
	}
}

var errNotLeader = errors.New("another replica is the scheduler")
