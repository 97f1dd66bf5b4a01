package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/huddlebot/huddlebot/store"
)

// EditArgs is the job that brings posted messages to their newest card: the
// cards one batch of answers changed. One job per batch instead of one per
// card keeps the queue's own writes (insert, fetch, complete) and the reads
// and records of each card to a few statements per batch; the edits
// themselves go out in parallel.
type EditArgs struct {
	Messages []int64 `json:"messages"`
}

// Kind implements river.JobArgs.
func (EditArgs) Kind() string { return "edit_messages" }

// InsertOpts implements river.JobArgsWithInsertOpts. No unique options: a
// job is inserted only in the transaction that changed its cards, and an
// edit already showing is skipped.
func (EditArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

// editParallel bounds the edits one job has in flight at once.
const editParallel = 8

type editWorker struct {
	river.WorkerDefaults[EditArgs]
	b *Bot
}

func (w *editWorker) Work(ctx context.Context, job *river.Job[EditArgs]) error {
	return snoozeOnRateLimit(w.b.editMessages(ctx, job.Args.Messages, job.Attempt))
}

// EnqueueEditsTx queues the edit of each message to its newest card in tx.
func (j *Jobs) EnqueueEditsTx(ctx context.Context, tx *store.Tx, messageIDs []int64) error {
	if len(messageIDs) == 0 {
		return nil
	}
	if _, err := j.client.InsertManyFastTx(ctx, tx.Tx.Tx, []river.InsertManyParams{{Args: EditArgs{Messages: messageIDs}}}); err != nil {
		return fmt.Errorf("enqueue edits: %w", err)
	}
	return nil
}

// EnqueueEditsAtTx queues, in tx, the edit of each message to its newest
// card, to run at at.
func (j *Jobs) EnqueueEditsAtTx(ctx context.Context, tx *store.Tx, messageIDs []int64, at time.Time) error {
	if len(messageIDs) == 0 {
		return nil
	}
	if _, err := j.client.InsertManyFastTx(ctx, tx.Tx.Tx, []river.InsertManyParams{{Args: EditArgs{Messages: messageIDs},
		InsertOpts: &river.InsertOpts{ScheduledAt: at}}}); err != nil {
		return fmt.Errorf("enqueue edits: %w", err)
	}
	return nil
}

// EnqueueEdits queues the edit of each message to its newest card now.
func (j *Jobs) EnqueueEdits(ctx context.Context, messageIDs []int64) error {
	if len(messageIDs) == 0 {
		return nil
	}
	if _, err := j.client.InsertMany(ctx, []river.InsertManyParams{{Args: EditArgs{Messages: messageIDs}}}); err != nil {
		return fmt.Errorf("enqueue edits: %w", err)
	}
	return nil
}

// editMessages edits each posted message whose newest revision is not
// showing yet, records the edits that landed in one statement, and hands a
// message that is not posted yet (or is a thread reply) to its own send
// job. Edits that failed are retried with the job; those that landed are
// skipped then. A rate limit anywhere snoozes the job for the longest wait
// asked for; a pass that landed some edits retries the others a second
// later; a pass that landed none takes River's backoff.
func (b *Bot) editMessages(ctx context.Context, ids []int64, attempt int) error {
	msgs, err := b.DB.MessageGetMany(ctx, b.DB, ids)
	if err != nil {
		return err
	}
	var own []SendArgs
	var edits []*store.Message
	for _, m := range msgs {
		switch {
		case m.SentRevision >= m.Revision:
		case m.PlatformTS == "" || m.PlatformChannel == "" || m.ThreadOf != 0:
			own = append(own, SendArgs{MessageID: m.ID, Revision: m.Revision})
		default:
			edits = append(edits, m)
		}
	}
	if len(own) > 0 {
		if _, err := b.Jobs.client.InsertMany(ctx, sendParams(own)); err != nil {
			return fmt.Errorf("enqueue sends: %w", err)
		}
	}

	var (
		mu      sync.Mutex
		landed  = make(map[int64]int, len(edits))
		others  []store.Posted // an edit that also reports a new DM channel
		wait    time.Duration
		lastErr error
	)
	sem := make(chan struct{}, editParallel)
	var wg sync.WaitGroup
	for _, m := range edits {
		card, err := ParseCard(m.Card)
		if err != nil {
			mu.Lock()
			lastErr = err
			mu.Unlock()
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			p, _, err := b.hand(ctx, m, card, attempt, nil)
			mu.Lock()
			defer mu.Unlock()
			var rl *RateLimitError
			switch {
			case errors.As(err, &rl):
				wait = max(wait, rl.RetryAfter)
			case err != nil:
				lastErr = err
			case p == nil:
			case p.DMChannel != "" || moved(p.PlatformTS, m.PlatformTS) || moved(p.PlatformChannel, m.PlatformChannel):
				others = append(others, *p)
			default:
				landed[m.ID] = m.Revision
			}
		}()
	}
	wg.Wait()
	if err := b.DB.MessagesEdited(ctx, landed); err != nil {
		return err
	}
	for _, p := range others {
		if err := b.DB.MessagePosted(ctx, p); err != nil {
			return err
		}
	}
	switch {
	case lastErr != nil && len(landed)+len(others) > 0:
		// Some edits landed: the rest come back shortly, rather than after
		// River's growing backoff, which is for a job making no progress
		// (with 200 edits a pass, one failing call is the usual case).
		return &RateLimitError{RetryAfter: max(wait, editRetrySoon)}
	case lastErr != nil:
		return lastErr
	case wait > 0:
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// editRetrySoon is how soon an edit job that made progress retries the
// edits that failed.
const editRetrySoon = time.Second

// moved reports whether a platform reported a reference (a channel, a ts)
// other than the one recorded.
func moved(reported, recorded string) bool { return reported != "" && reported != recorded }
