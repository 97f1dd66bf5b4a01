package sandbox

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// startTestSandbox runs the sandbox the way `huddlebot serve` does in
// sandbox mode — a fresh SQLite store with River's tables, the bundled
// content, the delivery workers, the seeded demo people — and serves its
// Handler on a loopback httptest server. No scheduler runs: the simulated
// clock (POST /sandbox/api/clock) is the only thing that delivers prompts,
// so a test decides when they arrive. Everything stops when the test ends.
func startTestSandbox(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	if err := bot.MigrateJobs(ctx, db); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatalf("load bundled content: %v", err)
	}
	if _, err := db.ContentImport(ctx, c); err != nil {
		t.Fatalf("import bundled content: %v", err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := bot.New(db, bot.Config{}, log)
	feature.Register(b)
	if err := b.LoadContent(ctx); err != nil {
		t.Fatalf("load content: %v", err)
	}
	jobs, err := bot.NewJobs(b, bot.JobsOptions{Work: true})
	if err != nil {
		t.Fatalf("jobs: %v", err)
	}
	s := New(b)
	if err := s.Seed(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	jctx, cancel := context.WithCancel(ctx)
	if err := jobs.Start(jctx); err != nil {
		cancel()
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() {
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = jobs.Stop(sctx)
		cancel()
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv
}
