package bot

import (
	"context"
	"sync"
	"time"
)

// Sleep waits d, or until ctx ends, when it returns ctx.Err(). Adapters pace,
// back off and retry with it, so that shutting down never waits out a timer.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitGroup waits for wg, or until ctx ends, when it returns ctx.Err(): an
// adapter's Close waits so for its background work.
func WaitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
