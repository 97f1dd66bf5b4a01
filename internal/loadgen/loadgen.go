// Package loadgen sends load the way the benchmarks measure it: open loop,
// so that a slow server shows as latency and not as a slower schedule.
package loadgen

import (
	"sync"
	"sync/atomic"
	"time"
)

// OpenLoop makes n requests, send(i) each, reporting whether it succeeded.
// With rate > 0 it starts them at rate per second, each at its scheduled
// time whatever the server's pace (open loop, so a slow server shows as
// latency, not as a slower schedule); with rate 0 clients goroutines send
// them back to back. It returns each request's latency from its scheduled
// start, the time the sending took and how many failed.
func OpenLoop(n, rate, clients int, send func(i int) bool) ([]time.Duration, time.Duration, int) {
	lat := make([]time.Duration, n)
	var failed atomic.Int64
	one := func(i int, from time.Time) {
		ok := send(i)
		lat[i] = time.Since(from)
		if !ok {
			failed.Add(1)
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	if rate > 0 {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			time.Sleep(time.Until(at))
			wg.Add(1)
			go func() { defer wg.Done(); one(i, at) }()
		}
	} else {
		var next atomic.Int64
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					one(i, time.Now())
				}
			}()
		}
	}
	wg.Wait()
	return lat, time.Since(start), int(failed.Load())
}
