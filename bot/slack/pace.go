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
// wait for it; when that is longer than max it refuses.
//
// A refused caller with a key (a message id) is still given a slot in the
// future and told to come back then; when it does, it uses that slot instead
// of queueing again. So a burst of thousands of delivery jobs against a
// 50-per-minute method snoozes each job once, to its own turn, instead of
// having all of them retry every second.
type bucket struct {
	mu       sync.Mutex
	rate     float64 // tokens per second
	burst    float64
	tokens   float64 // negative while slots are promised ahead
	last     time.Time
	reserved map[string]time.Time // key → promised slot
}

func newBucket(r Rate) *bucket {
	if r.PerMinute <= 0 {
		return nil
	}
	burst := float64(max(r.Burst, 1))
	return &bucket{rate: r.PerMinute / 60, burst: burst, tokens: burst, reserved: map[string]time.Time{}}
}

func (b *bucket) take(key string, now time.Time, max time.Duration) (wait time.Duration, ok bool) {
	if b == nil {
		return 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if slot, ok := b.reserved[key]; ok && key != "" {
		wait = max0(slot.Sub(now))
		if wait > max {
			return wait, false // came back early: keep the slot
		}
		delete(b.reserved, key)
		return wait, true
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	if wait <= max {
		b.tokens--
		return wait, true
	}
	if key != "" {
		b.tokens--
		b.reserved[key] = now.Add(wait)
		if len(b.reserved) > 1000 {
			for k, slot := range b.reserved {
				if now.Sub(slot) > 10*time.Minute {
					delete(b.reserved, k) // its job went elsewhere or gave up
				}
			}
		}
	}
	return wait, false
}

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// idle reports whether the bucket is full again (it can be forgotten).
func (b *bucket) idle(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reserved) == 0 && b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
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
// *bot.RateLimitError when that would take longer than MaxWait, than ctx
// leaves or than ctx's bot.WaitBudget (such a caller is told at once,
// without using up a call). key names the caller across retries (see bucket); "" for calls
// that are not retried later.
func (p *pacer) wait(ctx context.Context, key string, buckets ...*bucket) error {
	now := time.Now()
	limit := p.limits.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, dl.Sub(now))
	}
	if b, ok := bot.WaitBudget(ctx); ok {
		limit = min(limit, b)
	}
	var longest time.Duration
	for _, b := range buckets {
		w, ok := b.take(key, now, limit)
		if !ok {
			return &bot.RateLimitError{RetryAfter: w}
		}
		longest = max(longest, w)
	}
	if longest <= 0 {
		return nil
	}
	return bot.Sleep(ctx, longest)
}
