package loadgen

import (
	"sync"
	"testing"
)

// TestOpenLoop: every request is sent exactly once, at a rate and flat out,
// with a latency each and the failures counted.
func TestOpenLoop(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ rate, clients int }{{rate: 500}, {clients: 4}} {
		const n = 40
		var mu sync.Mutex
		sent := map[int]int{}
		lat, elapsed, failed := OpenLoop(n, c.rate, c.clients, func(i int) bool {
			mu.Lock()
			defer mu.Unlock()
			sent[i]++
			return i%4 != 0
		})
		if len(sent) != n || len(lat) != n || failed != n/4 || elapsed <= 0 {
			t.Errorf("rate %d, %d clients: %d sent, %d latencies, %d failed (want %d), elapsed %s", c.rate, c.clients,
				len(sent), len(lat), failed, n/4, elapsed)
		}
		for i, k := range sent {
			if k != 1 {
				t.Errorf("rate %d: request %d sent %d times", c.rate, i, k)
			}
		}
		for i, d := range lat {
			if d <= 0 {
				t.Errorf("rate %d: request %d has no latency", c.rate, i)
			}
		}
	}
}
