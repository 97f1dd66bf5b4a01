package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// Deferral says how one adapter answers a request that may take longer than
// its platform waits for an acknowledgement (Slack and Discord wait 3 s).
// The adapter supplies the two platform parts: how the interim answer goes
// out (it returns it as the acknowledgement when Defer says deferred) and
// FollowUp, which delivers the real reply later.
type Deferral struct {
	// After is how long the acknowledgement may wait for the reply; zero or
	// negative defers at once.
	After time.Duration
	// Budget bounds the work, which outlives the request once deferred
	// (default 2 minutes).
	Budget time.Duration
	// FollowUp delivers the real reply after the interim one went out. The
	// core calls it once, when the work is done, with a context that the
	// request's end does not cancel. Required.
	FollowUp func(ctx context.Context, rep Reply)
	// Go runs fn (which waits for the reply, then calls FollowUp) in the
	// background under the adapter's lifecycle, so that closing the
	// adapter waits for it, and reports whether it started. When it does
	// not (closing, too much in flight), Defer waits for the reply and
	// returns it instead: late rather than never. Nil starts a goroutine.
	Go func(fn func()) bool
	// Timer returns a channel that receives after d; nil uses the real
	// clock. Tests fire it by hand.
	Timer func(d time.Duration) <-chan time.Time
	// Lang returns the language of the person waiting, asked only when
	// the request is deferred (Bot.ActorLang does); nil = the workspace
	// default.
	Lang func(ctx context.Context) string
}

// defaultDeferBudget bounds deferred work when Deferral.Budget is zero (a
// burst to a whole hospital).
const defaultDeferBudget = 2 * time.Minute

// Defer runs work and, when it is done within d.After, returns its reply
// and deferred false: the reply is then the acknowledgement, so what the
// work committed is committed before the platform hears back. When the work
// takes longer, Defer returns the interim reply (core.working_on_it, in the
// person's language: Deferral.Lang, else the workspace's) and deferred
// true, and d.FollowUp gets the real reply once the work is done — an
// internal failure included, as the same apology a direct reply carries.
//
// The work runs in a context of its own, detached from ctx's cancellation
// and bounded by d.Budget, since it outlives the request. A panic in work is
// logged and answered as an internal failure rather than taking the process
// down, as net/http does for work done in the request itself.
func (b *Bot) Defer(ctx context.Context, d Deferral, work func(ctx context.Context) Reply) (rep Reply, deferred bool) {
	budget := d.Budget
	if budget <= 0 {
		budget = defaultDeferBudget
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	done := make(chan Reply, 1)
	go func() {
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				done <- b.failure(wctx, b.Localizer(nil), "deferred work", fmt.Errorf("panic: %v", p))
			}
		}()
		done <- work(wctx)
	}()
	if d.After > 0 {
		var fire <-chan time.Time
		if d.Timer != nil {
			fire = d.Timer(d.After)
		} else {
			t := time.NewTimer(d.After)
			defer t.Stop()
			fire = t.C
		}
		select {
		case rep := <-done:
			return rep, false
		case <-fire:
		}
		// Done at the last moment: answer directly, as if in time.
		select {
		case rep := <-done:
			return rep, false
		default:
		}
	}
	goFn := d.Go
	if goFn == nil {
		goFn = func(fn func()) bool { go fn(); return true }
	}
	fctx := context.WithoutCancel(ctx)
	if !goFn(func() { d.FollowUp(fctx, <-done) }) {
		return <-done, false
	}
	lang := b.Config.DefaultLanguage
	if d.Lang != nil {
		lang = d.Lang(fctx)
	}
	l := i18n.For(lang)
	return Reply{Text: l.T("core.working_on_it", nil), Lang: l.Lang()}, true
}
