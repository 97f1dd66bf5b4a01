package teams

import (
	"slices"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// Window is a rate limit: at most N requests in any span of Per.
type Window struct {
	N   int
	Per time.Duration
}

// Limits pace connector calls under Teams' documented bot limits
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit),
// per process: replicas each pacing at these rates can together exceed
// them, and Teams then answers 429 and the job snoozes for Retry-After.
type Limits struct {
	// PerConversation bounds sends and edits in one conversation (Teams:
	// 7 per second and 60 per 30 seconds, among others).
	PerConversation []Window
	// PerTenant bounds all calls of the app in the tenant (Teams: 50 per
	// second).
	PerTenant []Window
	// MaxWait is how long a call may wait for its turn in process; a longer
	// wait returns a *bot.RateLimitError so the delivery job snoozes instead
	// of holding a worker.
	MaxWait time.Duration
	// KeepTurns makes a delivery refused for now keep its turns across
	// its snooze (see Client.holdTurns): a bounded number of job runs per
	// message whatever the number of workers, and paced jobs out of the
	// workers' way. Off, a refused delivery reserves nothing and comes
	// back when the queue ahead of it would have gone. Off by default:
	// measured in bench teams-fanout (2,000 messages, 50 workers), keeping
	// cost 2.9 job runs a message against 1.0, 4.5–4.9 ms of CPU a message
	// against 4.2–4.6, and 5–24 of 4,000 calls refused by the fake against
	// 0 — with 50 workers waiting up to MaxWait in process, jobs are
	// admitted no faster than the pace and nothing churns.
	KeepTurns bool
}

// DefaultLimits are Teams' limits with a margin (a fifth) for the time a
// request takes to arrive, so requests sent on schedule are not counted in
// the same window by Teams. The tenant's rate is also spread (5 per
// 125 ms): a burst all at once, sent over new connections, arrives spread
// over a good part of a second, and the next second's burst would overlap
// it in Teams' window.
var DefaultLimits = Limits{
	PerConversation: []Window{{N: 7, Per: 1200 * time.Millisecond}, {N: 60, Per: 32 * time.Second}},
	PerTenant:       []Window{{N: 40, Per: time.Second}, {N: 5, Per: 125 * time.Millisecond}},
	MaxWait:         2 * time.Second,
}

// Unlimited turns pacing off (tests of other behaviour, benchmarks).
var Unlimited = Limits{}

// pacer hands out send times under Limits. Each key (a conversation, or
// the tenant) keeps the times it handed out, in order; a new call gets the
// earliest time no window of its conversation or of the tenant would
// exceed, and later than every time already handed out for them, so the
// windows hold exactly.
type pacer struct {
	limits Limits
	now    func() time.Time

	mu     sync.Mutex
	slots  map[string][]time.Time // key → handed-out times, ascending, trimmed to the longest window
	kept   map[string]time.Time   // a caller's turn → its reserved time (see hold)
	sweeps int
}

func newPacer(l Limits, now func() time.Time) *pacer {
	return &pacer{limits: l, now: now, slots: map[string][]time.Time{}, kept: map[string]time.Time{}}
}

// riverScheduleLag is how late River may run a job snoozed for longer than
// its scheduler's interval (5 s): such a job is made available by the
// scheduler's next pass. A shorter snooze comes back on time (the job is
// available at once, fetched when its time comes).
const riverScheduleLag = 5 * time.Second

// heldLead is how long before its held turn a snoozed delivery job aims to
// come back and wait the rest in process: more than River takes to fetch a
// job whose snooze has ended (its poll, 100 ms), little enough that the
// jobs waiting for their turns hold few workers. Aiming for half of
// MaxWait (1 s) kept some 30–40 of the 50 workers asleep in a 20 message/s
// burst; jobs fetched late then sent together, over Teams' limits
// (33 calls of 4,000 refused by the fake).
const heldLead = 300 * time.Millisecond

// lead is how long before a held turn its job comes back: heldLead, or
// less when MaxWait is shorter (it must wait the rest in process).
func (p *pacer) lead() time.Duration { return min(heldLead, p.limits.MaxWait/2) }

// comeBack is how long a caller whose kept turn is wait away should
// snooze: to come back lead before its turn. A snooze longer than
// River's scheduler interval ends up to riverScheduleLag late, so it aims
// that much earlier, and a job back too early snoozes once more, briefly
// (bot.TurnKeeper).
func (p *pacer) comeBack(wait time.Duration) time.Duration {
	d := wait - p.lead()
	if d > riverScheduleLag {
		d -= riverScheduleLag
	}
	return max(d, 10*time.Millisecond)
}

// hold reserves a turn for the caller turn (a delivery's call, named the
// same across the delivery's attempts) in conversation conv, whatever its
// wait, unless one is kept for it already, and returns how long until it.
// The turn is kept until reserveKept takes it: a delivery job whose turn is
// far off snoozes until it and finds it again, instead of coming back to
// queue afresh every MaxWait.
func (p *pacer) hold(turn, conv string) time.Duration {
	if p.off() {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if at, ok := p.kept[turn]; ok {
		return max(0, at.Sub(now))
	}
	at := p.take(conv, now)
	p.kept[turn] = at
	return at.Sub(now)
}

// held reports the wait until the turn kept for turn, if one is.
func (p *pacer) held(turn string) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.kept[turn]
	if !ok {
		return 0, false
	}
	return max(0, at.Sub(p.now())), true
}

// reserveKept takes the turn kept for turn, if any, and returns its time
// and the wait until it (0 when the caller came back after it).
func (p *pacer) reserveKept(turn string) (time.Time, time.Duration, bool) {
	if p.off() || turn == "" {
		return time.Time{}, 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.kept[turn]
	if !ok {
		return time.Time{}, 0, false
	}
	delete(p.kept, turn)
	return at, max(0, at.Sub(p.now())), true
}

// wouldWait is how long a call in conv would wait for a turn now, turn
// being its name: 0 when one is kept for it. It reserves nothing.
func (p *pacer) wouldWait(turn, conv string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.kept[turn]; ok {
		return 0
	}
	now := p.now()
	return p.next(conv, now).Sub(now)
}

// off reports whether there is nothing to pace.
func (p *pacer) off() bool {
	return p == nil || (len(p.limits.PerConversation) == 0 && len(p.limits.PerTenant) == 0)
}

const tenantKey = "\x00tenant"

// reserve returns how long the caller must wait before calling in
// conversation conv ("" for a call outside one), having reserved that
// slot, or a *bot.RateLimitError (reserving nothing) when the wait would
// be longer than MaxWait. The caller reports when it really called (sent).
func (p *pacer) reserve(conv string) (time.Duration, error) {
	_, wait, err := p.reserveAt(conv)
	return wait, err
}

// reserveAt is reserve, also returning the time reserved.
func (p *pacer) reserveAt(conv string) (time.Time, time.Duration, error) {
	if p.off() {
		return time.Time{}, 0, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if at := p.next(conv, now); at.Sub(now) > p.limits.MaxWait {
		return time.Time{}, 0, &bot.RateLimitError{RetryAfter: at.Sub(now)}
	}
	at := p.take(conv, now)
	return at, at.Sub(now), nil
}

// reserveAny reserves the earliest turn for a call in conv, whatever its
// wait, and returns it and the wait.
func (p *pacer) reserveAny(conv string) (time.Time, time.Duration) {
	if p.off() {
		return time.Time{}, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	at := p.take(conv, now)
	return at, at.Sub(now)
}

// keys are the slot lists a call in conv counts in, with their windows.
func (p *pacer) keys(conv string) []keyed {
	keys := []keyed{{tenantKey, p.limits.PerTenant}}
	if conv != "" {
		keys = append(keys, keyed{conv, p.limits.PerConversation})
	}
	return keys
}

type keyed struct {
	key string
	ws  []Window
}

// next is the earliest time a call in conv may go. p.mu is held.
func (p *pacer) next(conv string, now time.Time) time.Time {
	at := now
	for _, k := range p.keys(conv) {
		at = earliest(p.slots[k.key], k.ws, at)
	}
	return at
}

// take reserves the earliest slot for a call in conv. p.mu is held.
func (p *pacer) take(conv string, now time.Time) time.Time {
	at := p.next(conv, now)
	for _, k := range p.keys(conv) {
		p.slots[k.key] = trim(append(p.slots[k.key], at), k.ws, now)
	}
	if p.sweeps++; p.sweeps%1024 == 0 {
		p.sweep(now)
	}
	return at
}

// earliest is the first time at or after from, and not before the last
// slot, that adding a slot keeps every window of ws: the N-th latest slot
// must be at least Per before it.
func earliest(slots []time.Time, ws []Window, from time.Time) time.Time {
	at := from
	if n := len(slots); n > 0 && slots[n-1].After(at) {
		at = slots[n-1]
	}
	for _, w := range ws {
		if w.N > 0 && len(slots) >= w.N {
			if t := slots[len(slots)-w.N].Add(w.Per); t.After(at) {
				at = t
			}
		}
	}
	return at
}

// trim drops slots older than the longest window, which no check reads.
func trim(slots []time.Time, ws []Window, now time.Time) []time.Time {
	longest := time.Duration(0)
	most := 0
	for _, w := range ws {
		longest = max(longest, w.Per)
		most = max(most, w.N)
	}
	i := 0
	for i < len(slots)-most && slots[i].Before(now.Add(-longest)) {
		i++
	}
	return slots[i:]
}

// sent records that the call reserved at planned for conv went out at
// actual (a late wake-up, a busy machine): windows count it from then, so
// calls still to be reserved keep their distance from when it really went.
func (p *pacer) sent(conv string, planned, actual time.Time) {
	if p == nil || !actual.After(planned) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, key := range []string{tenantKey, conv} {
		if key == "" {
			continue
		}
		s := p.slots[key]
		for i := len(s) - 1; i >= 0; i-- {
			if s[i].Equal(planned) {
				s[i] = actual
				slices.SortFunc(s, func(a, b time.Time) int { return a.Compare(b) })
				break
			}
		}
	}
}

// sweep forgets conversations with no slot inside any window.
func (p *pacer) sweep(now time.Time) {
	longest := time.Duration(0)
	for _, w := range append(append([]Window{}, p.limits.PerConversation...), p.limits.PerTenant...) {
		longest = max(longest, w.Per)
	}
	for k, s := range p.slots {
		if len(s) == 0 || s[len(s)-1].Before(now.Add(-longest)) {
			delete(p.slots, k)
		}
	}
	for k, at := range p.kept {
		if now.Sub(at) > 10*time.Minute {
			delete(p.kept, k) // its job went elsewhere, or gave up
		}
	}
}
