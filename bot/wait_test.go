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
