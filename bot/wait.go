package bot

import (
	"context"
	"fmt"
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

// WaitZero polls count every 10 ms until it returns 0, and fails with
// "N <what> after <within>" when that has not happened within within, or
// with count's error or ctx's.
func WaitZero(ctx context.Context, within time.Duration, what string, count func(context.Context) (int, error)) error {
	for deadline := time.Now().Add(within); ; {
		n, err := count(ctx)
		if err != nil || n == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d %s after %s", n, what, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
