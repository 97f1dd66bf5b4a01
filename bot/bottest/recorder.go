package bottest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// Recorder is a bot.Adapter for tests of the core: a chat platform in
// memory. It records every Outbound handed to it and keeps the messages as
// a person would see them — posted, edited in place, replied to in
// threads — and can be told to answer the next delivery with a rate limit,
// to find a recipient unreachable, to fail, or to lose its answer to a
// post. It passes the adapter
// conformance suite (bot/adaptertest) like every real adapter.
//
// A DM to user U lives in the channel "D-U" (returned as Sent.DMChannel);
// message ids are "1", "2", … in posting order. A retry (Attempt > 1) of a
// message already posted returns that post, as Slack's and Discord's
// adapters do.
type Recorder struct {
	platform string

	mu          sync.Mutex
	outs        []bot.Outbound
	msgs        []*Recorded
	faults      []error
	lose        int // posts still to make and then fail
	unreachable map[string]bool
	changed     chan struct{} // closed and replaced on every delivery
}

// Recorded is a message as the Recorder shows it.
type Recorded struct {
	Channel   string
	ID        string
	ThreadID  string // the parent's ID for a reply in a thread
	UserID    string // the recipient of a DM
	MessageID int64  // the core's message id
	Revision  int    // the revision shown
	Card      *bot.Card
	Edits     int // updates since it was posted
}

// NewRecorder returns an empty recorder for platform ("" means "recorder").
func NewRecorder(platform string) *Recorder {
	if platform == "" {
		platform = "recorder"
	}
	return &Recorder{platform: platform, unreachable: map[string]bool{}, changed: make(chan struct{})}
}

// Platform implements bot.Adapter.
func (r *Recorder) Platform() string { return r.platform }

// Deliver implements bot.Adapter. It fails with the fault queued by
// RateLimitNext or FailNext, with bot.ErrUnreachable for a DM to a user
// made Unreachable, and with an error for an update of a message it does
// not have or a reply to an unknown parent.
func (r *Recorder) Deliver(ctx context.Context, out *bot.Outbound) (bot.Sent, error) {
	if err := ctx.Err(); err != nil {
		return bot.Sent{}, err
	}
	if out.Card == nil {
		return bot.Sent{}, fmt.Errorf("message %d: no card", out.MessageID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *out
	cp.Card = copyCard(out.Card)
	r.outs = append(r.outs, cp)
	defer r.notify()
	if len(r.faults) > 0 {
		err := r.faults[0]
		r.faults = r.faults[1:]
		return bot.Sent{}, err
	}
	if out.PostedID != "" {
		m := r.byID(out.PostedChannel, out.PostedID)
		if m == nil {
			return bot.Sent{}, fmt.Errorf("update message %s in %s: no such message", out.PostedID, out.PostedChannel)
		}
		m.Card, m.Revision = copyCard(out.Card), out.Revision
		m.Edits++
		return bot.Sent{Channel: m.Channel, ID: m.ID}, nil
	}
	ch, dm := out.Channel, out.Channel == "dm"
	if dm {
		if out.UserID == "" {
			return bot.Sent{}, fmt.Errorf("message %d: DM without a recipient", out.MessageID)
		}
		if r.unreachable[out.UserID] {
			return bot.Sent{}, fmt.Errorf("DM %s: %w", out.UserID, bot.ErrUnreachable)
		}
		ch = out.DMChannel
		if ch == "" {
			ch = DMChannel(out.UserID)
		}
	}
	if ch == "" {
		return bot.Sent{}, fmt.Errorf("message %d: no channel", out.MessageID)
	}
	if out.ThreadID != "" && r.byID(ch, out.ThreadID) == nil {
		return bot.Sent{}, fmt.Errorf("reply to %s in %s: no such message", out.ThreadID, ch)
	}
	sent := func(m *Recorded) bot.Sent {
		s := bot.Sent{Channel: m.Channel, ID: m.ID}
		if dm {
			s.DMChannel = m.Channel
		}
		return s
	}
	if out.Attempt > 1 {
		for _, m := range r.msgs {
			if m.MessageID == out.MessageID && m.Channel == ch && m.ThreadID == out.ThreadID {
				return sent(m), nil
			}
		}
	}
	m := &Recorded{Channel: ch, ID: fmt.Sprint(len(r.msgs) + 1), ThreadID: out.ThreadID, MessageID: out.MessageID,
		Revision: out.Revision, Card: copyCard(out.Card)}
	if dm {
		m.UserID = out.UserID
	}
	r.msgs = append(r.msgs, m)
	if r.lose > 0 {
		r.lose--
		return bot.Sent{}, errors.New("recorder: the answer to the post was lost")
	}
	return sent(m), nil
}

// byID returns the message id in channel, or nil; r.mu is held.
func (r *Recorder) byID(channel, id string) *Recorded {
	for _, m := range r.msgs {
		if m.Channel == channel && m.ID == id {
			return m
		}
	}
	return nil
}

// notify wakes Await; r.mu is held.
func (r *Recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func copyCard(c *bot.Card) *bot.Card {
	cp, err := bot.ParseCard(c.Marshal())
	if err != nil {
		panic(err) // a marshalled card always parses
	}
	return cp
}

// Outbounds returns every Outbound handed to Deliver, in order, failed
// ones included.
func (r *Recorder) Outbounds() []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]bot.Outbound, len(r.outs))
	for i, o := range r.outs {
		out[i] = o
		out[i].Card = copyCard(o.Card)
	}
	return out
}

// Messages returns copies of the messages in channel ("" for all; a DM's
// channel is DMChannel(user)), in posting order.
func (r *Recorder) Messages(channel string) []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Recorded
	for _, m := range r.msgs {
		if channel == "" || m.Channel == channel {
			cp := *m
			cp.Card = copyCard(m.Card)
			out = append(out, cp)
		}
	}
	return out
}

// DMChannel is the channel of the DMs to userID.
func DMChannel(userID string) string { return "D-" + userID }

// RateLimitNext makes the next delivery fail with a *bot.RateLimitError
// asking to retry after d.
func (r *Recorder) RateLimitNext(d time.Duration) { r.FailNext(&bot.RateLimitError{RetryAfter: d}) }

// FailNext makes the next delivery fail with err (faults queue up, one per
// delivery).
func (r *Recorder) FailNext(err error) {
	if err == nil {
		err = errors.New("recorder: delivery failed")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, err)
}

// LoseNextReply makes the next post happen and then fail, as when the
// platform's answer is lost on the way back.
func (r *Recorder) LoseNextReply() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lose++
}

// Unreachable makes every later DM to userID fail with bot.ErrUnreachable.
func (r *Recorder) Unreachable(userID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unreachable[userID] = true
}

// Await waits until cond holds, checking it again after every delivery,
// and fails the test after 10 seconds naming what it waited for.
func (r *Recorder) Await(t testing.TB, what string, cond func(r *Recorder) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond(r) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waited 10s for %s; %d deliveries recorded", what, len(r.Outbounds()))
		}
	}
}
