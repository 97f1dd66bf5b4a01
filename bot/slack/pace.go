package slack

import (
	"context"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// Rate is a token bucket: PerMinute calls on average, up to Burst at once.
// A zero PerMinute means no pacing.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Limits paces Web API calls under Slack's published tiers, per process.
// Slack counts per method and workspace (chat.postMessage also per
// channel), so replicas each pacing at these rates can together exceed
// them; Slack then answers 429 and the job snoozes for Retry-After.
type Limits struct {
	PostPerChannel Rate // chat.postMessage: about one message per second per channel
	Post           Rate // chat.postMessage across all channels (0 = only per channel)
	Open           Rate // conversations.open: Tier 3
	Update         Rate // chat.update: Tier 3
	History        Rate // conversations.history / replies: Tier 3
	Publish        Rate // views.publish: Tier 4
	UserInfo       Rate // users.info: Tier 4
	// MaxWait is how long a call may wait for its turn in process; a longer
	// wait returns a *bot.RateLimitError so the delivery job snoozes instead
	// of holding a worker.
	MaxWait time.Duration
}

// DefaultLimits follow Slack's tiers: Tier 3 is 50+ calls per minute, Tier 4
// 100+, chat.postMessage one per second per channel with short bursts.
var DefaultLimits = Limits{
	PostPerChannel: Rate{PerMinute: 60, Burst: 3},
	Open:           Rate{PerMinute: 50, Burst: 20},
	Update:         Rate{PerMinute: 50, Burst: 20},
	History:        Rate{PerMinute: 50, Burst: 10},
	Publish:        Rate{PerMinute: 100, Burst: 20},
	UserInfo:       Rate{PerMinute: 100, Burst: 20},
	MaxWait:        2 * time.Second,
}

// Unlimited turns pacing off (benchmarks against the fake Web API).
var Unlimited = Limits{MaxWait: time.Second}

// bucket is a token bucket. take reserves one token and says how long to
// wait for it; when that is longer than max it reserves nothing.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(r Rate) *bucket {
	if r.PerMinute <= 0 {
		return nil
	}
	burst := float64(max(r.Burst, 1))
	return &bucket{rate: r.PerMinute / 60, burst: burst, tokens: burst}
}

func (b *bucket) take(now time.Time, max time.Duration) (wait time.Duration, ok bool) {
	if b == nil {
		return 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	if wait > max {
		return wait, false
	}
	b.tokens--
	return wait, true
}

// idle reports whether the bucket is full again (it can be forgotten).
func (b *bucket) idle(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}

// pacer holds the buckets of one adapter.
type pacer struct {
	limits  Limits
	post    *bucket
	open    *bucket
	update  *bucket
	history *bucket
	publish *bucket
	user    *bucket

	mu       sync.Mutex
	channels map[string]*bucket
	swept    time.Time
}

func newPacer(l Limits) *pacer {
	return &pacer{limits: l, post: newBucket(l.Post), open: newBucket(l.Open), update: newBucket(l.Update),
		history: newBucket(l.History), publish: newBucket(l.Publish), user: newBucket(l.UserInfo),
		channels: map[string]*bucket{}}
}

// channel returns the chat.postMessage bucket of one channel, forgetting
// buckets that have refilled so the map stays small.
func (p *pacer) channel(ch string, now time.Time) *bucket {
	if p.limits.PostPerChannel.PerMinute <= 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.swept) > time.Minute && len(p.channels) > 1000 {
		for k, b := range p.channels {
			if b.idle(now) {
				delete(p.channels, k)
			}
		}
		p.swept = now
	}
	b := p.channels[ch]
	if b == nil {
		b = newBucket(p.limits.PostPerChannel)
		p.channels[ch] = b
	}
	return b
}

// wait blocks until every bucket grants a call, or returns a
// *bot.RateLimitError when that would take longer than MaxWait.
func (p *pacer) wait(ctx context.Context, buckets ...*bucket) error {
	now := time.Now()
	var longest time.Duration
	for _, b := range buckets {
		w, ok := b.take(now, p.limits.MaxWait)
		if !ok {
			return &bot.RateLimitError{RetryAfter: w}
		}
		longest = max(longest, w)
	}
	if longest <= 0 {
		return nil
	}
	t := time.NewTimer(longest)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
