package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/store"
)

// Confirmation is a changed card to show through its click's reply hook
// (Slack's response_url) once the change is committed: the person sees the
// result at once, outside the rate limits that pace message edits.
type Confirmation struct {
	WorkspaceID int64
	ResponseURL string
	MessageID   int64 // 0: no card to replace; Text goes to the clicker only
	Revision    int
	Card        *Card
	Text        string
}

// ConfirmFallback is how long an answered card whose click has a reply
// hook waits before the paced edit job checks that it is showing.
const ConfirmFallback = 20 * time.Second

// confirmParallel bounds the reply-hook posts in flight at once.
const confirmParallel = 16

// ConfirmClicks shows each committed change through its click's reply hook
// (Slack: response_url with replace_original) and records the cards that
// landed as showing, so their edit jobs have nothing left to do. A hook that
// fails or has expired gets the paced edit right away instead.
func (b *Bot) ConfirmClicks(ctx context.Context, cs []Confirmation) {
	if len(cs) == 0 {
		return
	}
	var (
		mu     sync.Mutex
		landed = map[int64]int{}
		failed []int64
		wg     sync.WaitGroup
		sem    = make(chan struct{}, confirmParallel)
	)
	// A batch of answers is mostly one workspace: look each up once, not
	// once per click (a query each, in the answer applier's path).
	repliers := map[int64]ClickReplier{}
	for _, c := range cs {
		replier, ok := repliers[c.WorkspaceID]
		if !ok {
			replier = b.clickReplier(ctx, c.WorkspaceID)
			repliers[c.WorkspaceID] = replier
		}
		if replier == nil {
			if c.MessageID != 0 {
				failed = append(failed, c.MessageID)
			}
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := replier.ReplyToClick(cctx, c.ResponseURL, c.Card, c.Text)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				ObserveConfirm("failed")
				b.Log.WarnContext(ctx, "confirming a click through its reply hook failed; the card is edited instead",
					"message", c.MessageID, "err", err)
				if c.MessageID != 0 {
					failed = append(failed, c.MessageID)
				}
			case c.MessageID != 0:
				ObserveConfirm("replaced")
				landed[c.MessageID] = c.Revision
			default:
				ObserveConfirm("ephemeral")
			}
		}()
	}
	wg.Wait()
	if err := b.DB.MessagesEdited(ctx, landed); err != nil {
		b.Log.WarnContext(ctx, "recording cards confirmed through their clicks", "err", err)
	}
	if len(failed) > 0 {
		slices.Sort(failed)
		if err := b.Jobs.EnqueueEdits(ctx, failed); err != nil {
			b.Log.WarnContext(ctx, "queueing the fallback card edits", "err", err)
		}
	}
}

// clickReplier returns the adapter of a workspace's platform if it can
// reply through a click's hook.
func (b *Bot) clickReplier(ctx context.Context, workspaceID int64) ClickReplier {
	ws, err := b.DB.WorkspaceGet(ctx, workspaceID)
	if err != nil {
		return nil
	}
	r, _ := b.Adapter(ws.Platform).(ClickReplier)
	return r
}

// clickHook is the reply hook of the click being handled, in its context:
// an update of the clicked message in the click's transaction is shown
// through the hook once the handler returns, not by a paced edit.
type clickHook struct {
	workspaceID int64
	responseURL string
	postedID    string // the clicked message's platform id
	pending     *Confirmation
}

type clickHookKey struct{}

func hookOf(ctx context.Context) *clickHook {
	h, _ := ctx.Value(clickHookKey{}).(*clickHook)
	return h
}

// withClickHook returns ctx carrying the click's reply hook, when the click
// has one and its adapter can reply through it.
func (b *Bot) withClickHook(ctx context.Context, c Click, workspaceID int64) (context.Context, *clickHook) {
	if c.ResponseURL == "" || c.PostedID == "" {
		return ctx, nil
	}
	if _, ok := b.Adapter(c.Platform).(ClickReplier); !ok {
		return ctx, nil
	}
	h := &clickHook{workspaceID: workspaceID, responseURL: c.ResponseURL, postedID: c.PostedID}
	return context.WithValue(ctx, clickHookKey{}, h), h
}

// updateClicked records card as the clicked message's new revision when
// messageID is the message the click in ctx came from. The card is shown
// through the click's hook after the handler returns; the paced edit is
// queued ConfirmFallback later as the safety net. It reports false when
// messageID is another message (or there is no click hook).
func (b *Bot) updateClicked(ctx context.Context, tx *store.Tx, messageID int64, c *Card) (bool, error) {
	h := hookOf(ctx)
	if h == nil {
		return false, nil
	}
	msg, err := b.DB.MessageGet(ctx, tx, messageID)
	if err != nil || msg.PlatformTS != h.postedID || msg.WorkspaceID != h.workspaceID {
		return false, err
	}
	rev, err := b.DB.MessageUpdate(ctx, tx, messageID, c.Marshal())
	if err != nil {
		return false, err
	}
	if err := b.Jobs.EnqueueEditsAtTx(ctx, tx, []int64{messageID}, b.Now().Add(ConfirmFallback)); err != nil {
		return false, err
	}
	h.pending = &Confirmation{WorkspaceID: h.workspaceID, ResponseURL: h.responseURL, MessageID: messageID, Revision: rev, Card: c}
	return true, nil
}
