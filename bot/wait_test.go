package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	if err := bot.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v, want nil once the time is up", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := bot.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with an ended context = %v, want context.Canceled", err)
	}
}

func TestWaitGroup(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	wg.Add(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := bot.WaitGroup(ctx, &wg); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitGroup with work in flight and an ended context = %v, want context.Canceled", err)
	}
	wg.Done()
	if err := bot.WaitGroup(context.Background(), &wg); err != nil {
		t.Errorf("WaitGroup once the work is done = %v, want nil", err)
	}
}

func TestWaitZero(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	left := 3
	countDown := func(context.Context) (int, error) { left--; return left, nil }
	if err := bot.WaitZero(ctx, time.Minute, "things left", countDown); err != nil || left != 0 {
		t.Errorf("WaitZero counting down = %v with %d left, want nil at 0", err, left)
	}
	stuck := func(context.Context) (int, error) { return 2, nil }
	if err := bot.WaitZero(ctx, 0, "things left", stuck); err == nil || err.Error() != "2 things left after 0s" {
		t.Errorf("WaitZero stuck = %v, want \"2 things left after 0s\"", err)
	}
	boom := errors.New("boom")
	failing := func(context.Context) (int, error) { return 0, boom }
	if err := bot.WaitZero(ctx, time.Minute, "things left", failing); !errors.Is(err, boom) {
		t.Errorf("WaitZero with a failing count = %v, want boom", err)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := bot.WaitZero(ended, time.Minute, "things left", stuck); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitZero with an ended context = %v, want context.Canceled", err)
	}
}
