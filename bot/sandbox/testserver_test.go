package sandbox_test

import (
	"log/slog"
	"testing"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// startTestSandbox runs the sandbox the way `huddlebot serve` does in
// sandbox mode — a fresh SQLite store with River's tables, the bundled
// content, the delivery workers, the seeded demo people — and serves its
// Handler on a loopback httptest server. No scheduler runs: the simulated
// clock (POST /sandbox/api/clock) is the only thing that delivers prompts,
// so a test decides when they arrive; it starts at the real time, as it
// does for a trainer. Everything stops when the test ends.
func startTestSandbox(t *testing.T) *bottest.Sandbox {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	return bottest.OpenSandbox(t, storetest.Open(t, store.SQLite), bottest.SandboxOptions{Log: log, KeepClock: true})
}
