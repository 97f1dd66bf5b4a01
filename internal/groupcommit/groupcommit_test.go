package groupcommit

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGroupBatches: calls that arrive while a batch is being applied wait
// and are applied together as the next batch, in arrival order, at most max
// at a time, each caller answered with its own output; keys never share a
// batch; a call that finds nothing in flight is applied at once, alone.
func TestGroupBatches(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 16)
	var mu sync.Mutex
	var batches [][]int
	g := New(3, time.Minute, func(_ context.Context, key string, in []int) []int {
		mu.Lock()
		batches = append(batches, slices.Clone(in))
		mu.Unlock()
		entered <- struct{}{}
		if key == "a" && in[0] == 0 {
			<-release // hold the first batch until the others queue
		}
		out := make([]int, len(in))
		for i, v := range in {
			out[i] = v * 10
		}
		return out
	})
	ctx := context.Background()
	results := make(chan [2]int, 16)
	call := func(key string, v int) {
		out, err := g.Do(ctx, key, v)
		if err != nil {
			t.Error(err)
		}
		results <- [2]int{v, out}
	}
	go call("a", 0)
	<-entered // the first call is applied alone, at once
	for v := 1; v <= 5; v++ {
		go call("a", v)
		// Wait until it is queued, so that arrival order is known.
		for {
			g.mu.Lock()
			n := len(g.keys["a"].pending)
			g.mu.Unlock()
			if n == v {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	go call("b", 7) // another key is not held up by a's batch
	<-entered
	close(release)
	for range 7 {
		r := <-results
		if r[1] != r[0]*10 {
			t.Errorf("call %d got %d", r[0], r[1])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := [][]int{{0}, {7}, {1, 2, 3}, {4, 5}}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", batches, want)
	}
	// Each key's runner forgets it once it finds nothing more to apply.
	for {
		g.mu.Lock()
		n := len(g.keys)
		g.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
}
