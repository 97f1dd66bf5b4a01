package learn

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// The answer inbox. A platform that acknowledges a click before the card
// changes (Slack: the card is updated with chat.update afterwards anyway)
// marks its clicks bot.Click.Queue. A quiz answer from such a click is committed
// with one INSERT into answer_inbox — checked against the delivery and its
// recipient in the same statement — and acknowledged; the applier then
// records it exactly as a direct click would (the answer, spacing, streak
// and the card's update job), many answers per transaction. A click that
// the INSERT does not take (someone else's question, already answered, no
// such delivery) goes the direct way, which tells the person why.

// applyBatchSize is how many waiting answers one applier transaction takes.
const applyBatchSize = 200

// applyGather is how long the applier waits after a click for others.
const applyGather = 20 * time.Millisecond

// queueAnswer records an answer click in the inbox; ok is false when it did
// not qualify and should be handled directly.
func (b *Learn) queueAnswer(ctx context.Context, c bot.Click, args []string) (ok bool, err error) {
	did, ok1 := bot.ParseID(args, 0)
	choice, ok2 := bot.ParseID(args, 1)
	if !ok1 || !ok2 || choice > 100 {
		return false, b.seenApart(ctx, c)
	}
	ws, err := b.Workspace(ctx, c.Platform, c.Workspace)
	if err != nil {
		return false, err
	}
	if c.Seen != "" {
		// The event's replay record and the click: one statement.
		var replay bool
		ok, replay, err = b.DB.AnswerInboxAddSeen(ctx, c.Platform, c.Seen, ws.ID, c.UserID, did, int(choice), b.Now(), c.ResponseURL)
		if replay {
			return false, bot.ErrReplayed
		}
	} else {
		ok, err = b.DB.AnswerInboxAdd(ctx, ws.ID, c.UserID, did, int(choice), b.Now(), c.ResponseURL)
	}
	if ok {
		b.wakeApplier()
	}
	return ok, err
}

// seenApart records the event of a click that is not queued (QueueFunc's
// contract with c.Seen set).
func (b *Learn) seenApart(ctx context.Context, c bot.Click) error {
	if c.Seen == "" {
		return nil
	}
	dup, err := b.SeenEvent(ctx, c.Platform, c.Seen)
	if err != nil {
		// As for a click not queued: the core's own idempotency holds.
		b.Log.WarnContext(ctx, "replay check skipped", "platform", c.Platform, "err", err)
		return nil
	}
	if dup {
		return bot.ErrReplayed
	}
	return nil
}

// answerApplier runs the inbox in the background of a process that works
// jobs.
type answerApplier struct {
	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func (b *Learn) wakeApplier() {
	if a := b.applier.Load(); a != nil {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
}

// startApplier applies waiting answers whenever a click arrives, and every
// 250 ms for answers another process queued or a failed batch left.
func (b *Learn) startApplier(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &answerApplier{wake: make(chan struct{}, 1), cancel: cancel}
	if !b.applier.CompareAndSwap(nil, a) {
		cancel()
		return
	}
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		check := false // a tick: look before claiming
		for {
			if err := b.applyWaiting(ctx, check); err != nil && ctx.Err() == nil {
				b.Log.WarnContext(ctx, "applying queued answers", "err", err)
			}
			check = false
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				// Let a burst of clicks gather into one batch: a card
				// changes 20 ms later, and each transaction carries many
				// answers instead of one.
				select {
				case <-ctx.Done():
					return
				case <-time.After(applyGather):
				}
			case <-t.C:
				check = true
			}
		}
	}()
}

// applyWaiting applies waiting answers; with check (a tick, no click
// seen), only after one read says some wait, so an idle applier costs a
// read every tick rather than a claiming transaction.
func (b *Learn) applyWaiting(ctx context.Context, check bool) error {
	if check {
		if waiting, err := b.DB.AnswerInboxWaiting(ctx); err != nil || !waiting {
			return err
		}
	}
	_, err := b.ApplyAnswers(ctx)
	return err
}

// applierRunner starts and stops the applier with the job workers.
type applierRunner struct{ l *Learn }

func (r applierRunner) Start(ctx context.Context) { r.l.startApplier(ctx) }
func (r applierRunner) Stop()                     { r.l.stopApplier() }

func (b *Learn) stopApplier() {
	if a := b.applier.Swap(nil); a != nil {
		a.cancel()
		a.done.Wait()
	}
}

// ApplyAnswers applies every waiting answer and returns how many it
// recorded. A batch that fails is retried one answer at a time, so one bad
// answer cannot hold up the others; an answer that keeps failing is left in
// the inbox after store.AnswerInboxMaxAttempts passes.
func (b *Learn) ApplyAnswers(ctx context.Context) (int, error) {
	total := 0
	for {
		n, claimed, err := b.applyBatch(ctx, 0, applyBatchSize)
		total += n
		if err != nil {
			if errors.Is(err, store.ErrUnavailable) || ctx.Err() != nil {
				return total, err
			}
			b.Log.WarnContext(ctx, "answer batch failed; applying one by one", "err", err)
			// One by one, and then no more this pass: an answer that failed
			// is tried again on the next (250 ms later at the latest).
			n, err := b.applyOneByOne(ctx, len(claimed))
			return total + n, err
		}
		if len(claimed) < applyBatchSize {
			return total, nil
		}
	}
}

func (b *Learn) applyOneByOne(ctx context.Context, n int) (int, error) {
	total := 0
	var after int64 // walk forward: a failed answer does not block the next
	for range n {
		got, claimed, err := b.applyBatch(ctx, after, 1)
		total += got
		if len(claimed) == 0 {
			return total, nil
		}
		after = claimed[0]
		if err != nil {
			if errors.Is(err, store.ErrUnavailable) || ctx.Err() != nil {
				return total, err
			}
			b.Log.ErrorContext(ctx, "cannot apply a queued answer", "inbox_id", claimed[0], "err", err)
			if err := b.DB.AnswerInboxFailed(ctx, claimed[0]); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

// queued is a claimed answer that qualifies to be recorded.
type queued struct {
	d           *store.Delivery
	l           *lessons.Lesson
	m           *member.Member
	choice      int
	at          time.Time
	responseURL string
	// clicked: the answer is the click being handled, not one from the
	// inbox; its card goes through Update, so the click's reply hook (the
	// answer to a Teams invoke) can show it.
	clicked bool
}

// applyBatch claims up to limit waiting answers and applies them in one
// transaction, a few statements for the whole batch. It returns how many
// were recorded and the inbox ids it claimed. A click that no longer fits
// (the delivery is gone or answered, a choice the quiz does not have, a
// second click on the same question) is dropped: the card shows what counts.
func (b *Learn) applyBatch(ctx context.Context, after int64, limit int) (recorded int, claimed []int64, err error) {
	var correct []bool
	var confirms []bot.Confirmation
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		correct, claimed, confirms = correct[:0], claimed[:0], confirms[:0]
		items, err := b.DB.AnswerInboxClaim(ctx, tx, after, limit)
		if err != nil || len(items) == 0 {
			return err
		}
		var dids, mids []int64
		for _, it := range items {
			claimed = append(claimed, it.ID)
			dids, mids = append(dids, it.DeliveryID), append(mids, it.MemberID)
		}
		ds, err := b.DB.DeliveryLockMany(ctx, tx, dids)
		if err != nil {
			return err
		}
		ms, err := b.DB.MemberGetMany(ctx, tx, mids)
		if err != nil {
			return err
		}
		var qs []queued
		taken := map[int64]bool{}
		for _, it := range items {
			d, m := ds[it.DeliveryID], ms[it.MemberID]
			if d == nil || m == nil || taken[d.ID] || d.MemberID != it.MemberID || !d.AnsweredAt.IsZero() {
				continue
			}
			l, err := b.DeliveryLesson(ctx, tx, d)
			if err != nil {
				return err
			}
			if !l.IsQuiz() || it.Choice < 1 || it.Choice > len(l.Choices) {
				continue
			}
			taken[d.ID] = true
			qs = append(qs, queued{d: d, l: l, m: m, choice: it.Choice, at: time.UnixMilli(it.ReceivedAt), responseURL: it.ResponseURL})
		}
		if correct, confirms, err = b.recordQueued(ctx, tx, qs); err != nil {
			return err
		}
		return b.DB.AnswerInboxDelete(ctx, tx, claimed)
	})
	if err != nil {
		return 0, claimed, err
	}
	// Committed: now each person sees their result through their click's
	// reply hook, at once, rather than through the paced card edit.
	b.ConfirmClicks(ctx, confirms)
	for _, c := range correct {
		bot.ObserveAnswer(c)
	}
	return len(correct), claimed, nil
}

// recordQueued records answers to distinct deliveries in tx: the answers,
// the deliveries answered, the spacing of each question, and the cards'
// updates (result, explanation, streak) with their jobs. It returns, for
// each answer recorded, whether it was right, and the answered cards to
// confirm through their clicks' reply hooks once tx commits; their edit
// jobs wait bot.ConfirmFallback, and find nothing to do when the reply hook
// showed the card.
func (b *Learn) recordQueued(ctx context.Context, tx *store.Tx, qs []queued) ([]bool, []bot.Confirmation, error) {
	if len(qs) == 0 {
		return nil, nil, nil
	}
	as := make([]*store.Answer, len(qs))
	for i, q := range qs {
		as[i] = &store.Answer{DeliveryID: q.d.ID, WorkspaceID: q.d.WorkspaceID, MemberID: q.d.MemberID, LessonID: q.d.LessonID,
			LessonVersion: q.d.LessonVersion, Choice: q.choice, Correct: q.choice == q.l.Answer, AnsweredAt: q.at,
			Language: q.d.Language}
	}
	rec, err := b.DB.AnswerRecordMany(ctx, tx, as)
	if err != nil {
		return nil, nil, err
	}
	var pairs []store.MemberLesson
	var members []int64
	seenPair, seenMember := map[store.MemberLesson]bool{}, map[int64]bool{}
	for _, q := range qs {
		k := store.MemberLesson{MemberID: q.d.MemberID, LessonID: q.d.LessonID}
		if rec[q.d.ID] && !seenPair[k] {
			seenPair[k] = true
			pairs = append(pairs, k)
		}
		if rec[q.d.ID] && !seenMember[q.d.MemberID] {
			seenMember[q.d.MemberID] = true
			members = append(members, q.d.MemberID)
		}
	}
	revs, err := b.DB.ReviewGetMany(ctx, tx, pairs)
	if err != nil {
		return nil, nil, err
	}
	if err := b.deriveFSRS(ctx, tx, revs, qs); err != nil {
		return nil, nil, err
	}
	rv := b.reviewer()
	for _, q := range qs { // in click order: a second lesson answer builds on the first
		if rec[q.d.ID] {
			k := store.MemberLesson{MemberID: q.d.MemberID, LessonID: q.d.LessonID}
			revs[k] = rv.Apply(revs[k], q.choice == q.l.Answer, lessons.ConfidenceUnknown, q.m.Schedule.ShiftDate(q.at),
				q.m.Schedule.WorkDays)
		}
	}
	workspaces := make(map[int64]int64, len(qs))
	for _, q := range qs {
		workspaces[q.d.MemberID] = q.d.WorkspaceID
	}
	writes := make([]store.ReviewWrite, 0, len(pairs))
	for _, k := range pairs {
		writes = append(writes, store.ReviewWrite{WorkspaceID: workspaces[k.MemberID], MemberID: k.MemberID, Review: revs[k]})
	}
	if err := b.DB.ReviewPutMany(ctx, tx, writes); err != nil {
		return nil, nil, err
	}
	streaks, err := b.DB.MemberStreakMany(ctx, tx, members, b.Now())
	if err != nil {
		return nil, nil, err
	}
	cards := map[int64]string{}
	var correct []bool
	var confirms []bot.Confirmation
	hooked := map[int64]bool{}
	for _, q := range qs {
		if !rec[q.d.ID] {
			continue
		}
		right := q.choice == q.l.Answer
		correct = append(correct, right)
		card := answeredCard(b.Localizer(q.m), q.d.ID, q.l, q.choice, right, streaks[q.d.MemberID])
		if q.clicked && q.d.MessageID != 0 {
			if err := b.Update(ctx, tx, q.d.MessageID, card); err != nil {
				return nil, nil, err
			}
			continue
		}
		if q.d.MessageID != 0 {
			cards[q.d.MessageID] = card.Marshal()
		}
		if q.responseURL != "" {
			c := bot.Confirmation{WorkspaceID: q.d.WorkspaceID, ResponseURL: q.responseURL, MessageID: q.d.MessageID, Card: card}
			if q.d.MessageID == 0 {
				c.Card, c.Text = nil, card.Result
			}
			hooked[q.d.MessageID] = true
			confirms = append(confirms, c)
		}
	}
	revisions, err := b.DB.MessageUpdateMany(ctx, tx, cards)
	if err != nil {
		return nil, nil, err
	}
	var now, later []int64
	for id := range revisions {
		if hooked[id] {
			later = append(later, id)
		} else {
			now = append(now, id)
		}
	}
	for i := range confirms {
		confirms[i].Revision = revisions[confirms[i].MessageID]
	}
	slices.Sort(now)
	slices.Sort(later)
	if err := b.Jobs.EnqueueEditsTx(ctx, tx, now); err != nil {
		return nil, nil, err
	}
	// The safety net for a reply hook that is never tried (a crash right
	// after commit) or hangs: the paced edit, a little later.
	if err := b.Jobs.EnqueueEditsAtTx(ctx, tx, later, b.Now().Add(bot.ConfirmFallback)); err != nil {
		return nil, nil, err
	}
	return correct, confirms, nil
}

// WaitAnswersApplied waits until no queued answer is waiting to be applied
// (answers left after too many failed passes do not count), or within ends.
func (b *Learn) WaitAnswersApplied(ctx context.Context, within time.Duration) error {
	return bot.WaitZero(ctx, within, "answers still waiting to be applied", func(ctx context.Context) (int, error) {
		waiting, _, err := b.DB.AnswerInboxDepth(ctx)
		return waiting, err
	})
}

// reviewer is the deployment's review rule.
func (b *Learn) reviewer() lessons.Reviewer {
	return lessons.Reviewer{Policy: b.Config.SpacingPolicy, Trials: b.Config.Spacing, FSRS: b.Config.FSRS}
}

// deriveFSRS fills in the FSRS memory of reviews answered before it was
// stored (attempts recorded, no FSRS state) by replaying their recorded
// answers, leaving out the answers qs is recording now.
func (b *Learn) deriveFSRS(ctx context.Context, tx *store.Tx, revs map[store.MemberLesson]lessons.Review, qs []queued) error {
	var legacy []store.MemberLesson
	for k, r := range revs {
		if r.Attempts > 0 && r.Memory.IsNew() {
			legacy = append(legacy, k)
		}
	}
	if len(legacy) == 0 {
		return nil
	}
	now := make(map[int64]bool, len(qs))
	for _, q := range qs {
		now[q.d.ID] = true
	}
	hist, err := b.DB.ReviewHistoryMany(ctx, tx, legacy)
	if err != nil {
		return err
	}
	for _, k := range legacy {
		var past []lessons.PastAnswer
		for _, a := range hist[k] {
			if !now[a.DeliveryID] {
				past = append(past, lessons.PastAnswer{ShiftDate: a.ShiftDate, Correct: a.Correct, Confidence: a.Confidence})
			}
		}
		r := revs[k]
		r.Memory, r.LastReviewDate = b.Config.FSRS.Derive(past)
		revs[k] = r
	}
	return nil
}
