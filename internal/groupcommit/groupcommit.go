// Package groupcommit runs concurrent requests together: calls with the same
// key that arrive while an earlier batch for that key is being applied wait
// and are applied as the next batch, in arrival order, by one function call
// (one database transaction, one commit). Nobody waits for a timer: a call
// that finds nothing in flight is applied at once, alone; under load the
// batches grow by themselves to what arrived during the previous one.
package groupcommit

import (
	"context"
	"sync"
	"time"
)

// Apply applies a batch of inputs, all with the same key, in order, and
// returns one output per input. It runs on its own goroutine with a context
// of its own (the callers' contexts may end while it runs).
type Apply[K comparable, In, Out any] func(ctx context.Context, key K, in []In) []Out

// Group batches calls per key. The zero value is not usable: make one with
// New.
type Group[K comparable, In, Out any] struct {
	apply   Apply[K, In, Out]
	max     int
	timeout time.Duration

	mu   sync.Mutex
	keys map[K]*queue[In, Out]
}

type queue[In, Out any] struct {
	pending []*call[In, Out]
}

type call[In, Out any] struct {
	in   In
	out  Out
	done chan struct{}
}

// New returns a Group that applies at most max calls per batch (max ≤ 0: no
// limit), each batch with a context that ends after timeout.
func New[K comparable, In, Out any](max int, timeout time.Duration, apply Apply[K, In, Out]) *Group[K, In, Out] {
	return &Group[K, In, Out]{apply: apply, max: max, timeout: timeout, keys: map[K]*queue[In, Out]{}}
}

// Do queues in under key and returns its output once the batch it joined
// has been applied. When ctx ends first it returns ctx's error; the input
// may still be applied (it was handed over).
func (g *Group[K, In, Out]) Do(ctx context.Context, key K, in In) (Out, error) {
	c := &call[In, Out]{in: in, done: make(chan struct{})}
	g.mu.Lock()
	q, running := g.keys[key]
	if !running {
		q = &queue[In, Out]{}
		g.keys[key] = q
	}
	q.pending = append(q.pending, c)
	g.mu.Unlock()
	if !running {
		go g.run(key, q)
	}
	select {
	case <-c.done:
		return c.out, nil
	case <-ctx.Done():
		var zero Out
		return zero, ctx.Err()
	}
}

// run applies key's batches until none is waiting, then forgets the key.
func (g *Group[K, In, Out]) run(key K, q *queue[In, Out]) {
	for {
		g.mu.Lock()
		n := len(q.pending)
		if n == 0 {
			delete(g.keys, key)
			g.mu.Unlock()
			return
		}
		if g.max > 0 && n > g.max {
			n = g.max
		}
		batch := q.pending[:n:n]
		q.pending = append([]*call[In, Out](nil), q.pending[n:]...)
		g.mu.Unlock()

		in := make([]In, len(batch))
		for i, c := range batch {
			in[i] = c.in
		}
		ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
		out := g.apply(ctx, key, in)
		cancel()
		for i, c := range batch {
			if i < len(out) {
				c.out = out[i]
			}
			close(c.done)
		}
	}
}
