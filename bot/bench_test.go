package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var benchZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
	"America/New_York", "America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Berlin",
	"Africa/Cairo", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
	"Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
}

// BenchmarkEnqueueDay measures the scheduler recording one day's prompts —
// delivery row, message row and River job per member, in batched
// transactions — for members spread over 20 time zones: it ticks every 15
// minutes across 24 hours of simulated time. Reported: prompts/s.
func BenchmarkEnqueueDay(b *testing.B) {
	for _, tc := range []struct {
		backend store.Backend
		members int
	}{{store.Postgres, 100_000}, {store.SQLite, 20_000}, {store.Postgres, 20_000}} {
		b.Run(fmt.Sprintf("%s/%dk", tc.backend, tc.members/1000), func(b *testing.B) {
			var total time.Duration
			var prompts int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) // a Tuesday
				e := bottest.NewEnv(b, storetest.URL(b, tc.backend), true, start)
				ctx := context.Background()
				ms := make([]store.MemberUpsert, tc.members)
				for j := range ms {
					ms[j] = store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: fmt.Sprintf("u%06d", j),
						Role: []string{"physician", "nurse", "ma", "front_desk", "billing"}[j%5], TimeZone: benchZones[j%len(benchZones)]}
				}
				if _, err := e.DB.MemberInsertMany(ctx, e.DB, ms); err != nil {
					b.Fatal(err)
				}
				if err := e.DB.MemberSetAllDue(ctx, e.WS.ID, start); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				for now := start; now.Before(start.Add(24 * time.Hour)); now = now.Add(15 * time.Minute) {
					at := now
					e.Bot.SetClock(func() time.Time { return at })
					if err := e.Bot.Tick(ctx, at); err != nil {
						b.Fatal(err)
					}
				}
				total += time.Since(t0)
				b.StopTimer()
				prompts += e.Count(b, `SELECT COUNT(*) FROM delivery`)
				if jobs := e.Count(b, `SELECT COUNT(*) FROM river_job`); jobs != e.Count(b, `SELECT COUNT(*) FROM delivery`) {
					b.Fatalf("%d jobs for %d deliveries", jobs, prompts)
				}
			}
			b.ReportMetric(float64(prompts)/total.Seconds(), "prompts/s")
			b.ReportMetric(float64(prompts)/float64(b.N), "prompts")
		})
	}
}

// BenchmarkEnqueueTick measures the best case of the same path: every
// member due in one scheduler tick (one time zone, everyone at 08:30).
func BenchmarkEnqueueTick(b *testing.B) {
	for _, tc := range []struct {
		backend store.Backend
		members int
	}{{store.Postgres, 100_000}, {store.SQLite, 20_000}} {
		b.Run(fmt.Sprintf("%s/%dk", tc.backend, tc.members/1000), func(b *testing.B) {
			var total time.Duration
			var prompts int
			var walBytes float64 // PostgreSQL: WAL written by the timed ticks
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				at := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
				e := bottest.NewEnv(b, storetest.URL(b, tc.backend), true, at)
				ctx := context.Background()
				ms := make([]store.MemberUpsert, tc.members)
				for j := range ms {
					ms[j] = store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: fmt.Sprintf("u%06d", j),
						Role: []string{"physician", "nurse", "ma", "front_desk", "billing"}[j%5]}
				}
				if _, err := e.DB.MemberInsertMany(ctx, e.DB, ms); err != nil {
					b.Fatal(err)
				}
				if err := e.DB.MemberSetAllDue(ctx, e.WS.ID, at); err != nil {
					b.Fatal(err)
				}
				var lsn0, lsn1 string
				if tc.backend == store.Postgres {
					// The worst case, every run: right after a checkpoint the
					// first change to each page writes a full-page image to
					// the WAL. (Needs superuser or pg_checkpoint; without it
					// the run measures whatever the last checkpoint left.)
					_, _ = e.DB.ExecContext(ctx, `CHECKPOINT`)
					_ = e.DB.GetContext(ctx, &lsn0, `SELECT pg_current_wal_lsn()::text`)
				}
				b.StartTimer()
				t0 := time.Now()
				if err := e.Bot.Tick(ctx, at); err != nil {
					b.Fatal(err)
				}
				total += time.Since(t0)
				b.StopTimer()
				if lsn0 != "" {
					var wal float64
					if err := e.DB.GetContext(ctx, &lsn1, `SELECT pg_current_wal_lsn()::text`); err == nil {
						_ = e.DB.GetContext(ctx, &wal, `SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)`, lsn1, lsn0)
					}
					walBytes += wal
				}
				n := e.Count(b, `SELECT COUNT(*) FROM delivery`)
				if n != tc.members {
					b.Fatalf("%d prompts for %d members", n, tc.members)
				}
				prompts += n
			}
			b.ReportMetric(float64(prompts)/total.Seconds(), "prompts/s")
			if walBytes > 0 {
				b.ReportMetric(walBytes/float64(prompts), "WAL-bytes/prompt")
			}
		})
	}
}

var _ = bot.SendArgs{}
