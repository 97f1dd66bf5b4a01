package learn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// deliverDue sends the day's prompt to every member whose delivery time has
// come, in batches: per batch one transaction records the deliveries, their
// messages and their delivery jobs, expires yesterday's unanswered prompts
// and moves each member's next due time on. Running it twice for the same
// now sends nothing twice (one scheduled delivery per member and shift day).
func (b *Learn) deliverDue(ctx context.Context, now time.Time) error {
	size := b.Config.DeliveryBatchSize
	workers := 1
	if b.DB.Backend == store.Postgres {
		// Batches of different members are independent: with four in
		// flight, while one waits for its commit to reach the disk the others
		// keep PostgreSQL and this process busy (SQLite has one connection).
		workers = 4
	}
	// One goroutine pages through the due members (in next-due order, so a
	// member is listed once even while the batches move others on) and
	// hands out batches; the workers plan and record them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*member.Member, workers)
	listErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var cur store.DueCursor // the start
		for {
			members, next, err := b.DB.MemberListDueAfter(ctx, now, cur, size)
			if err != nil {
				listErr <- err
				return
			}
			if len(members) > 0 {
				select {
				case batches <- members:
				case <-ctx.Done():
					listErr <- ctx.Err()
					return
				}
			}
			if len(members) < size {
				listErr <- nil
				return
			}
			cur = next
		}
	}()
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				if _, err := b.deliverBatch(ctx, batch, now); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return <-listErr
}

// planned is one member's prompt decided for a batch.
type planned struct {
	member *member.Member
	pick   lessons.Pick
	lesson *lessons.Lesson
	date   string
	noOpen bool // known to have no unanswered prompt to expire
}

// deliverBatch plans and records prompts for members that are due; it
// returns how many prompts it queued.
func (b *Learn) deliverBatch(ctx context.Context, members []*member.Member, now time.Time) (int, error) {
	content := b.Content()
	planner := b.Planner()
	next := make(map[int64]time.Time, len(members))
	dates := make(map[int64]string, len(members))
	for _, m := range members {
		next[m.ID] = m.Schedule.NextDelivery(now)
		if _, date, ok := m.Schedule.DeliverySlot(now); ok && m.Role != "" {
			dates[m.ID] = date
		}
	}
	var plans []planned
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := b.DB.PreferIndexes(ctx, tx); err != nil {
			return err
		}
		if err := b.DB.CommitWithoutWaiting(ctx, tx); err != nil {
			return err
		}
		data, err := b.DB.PlanDataLoad(ctx, tx, dates)
		if err != nil {
			return err
		}
		plans = plans[:0]
		for _, m := range members {
			date, ok := dates[m.ID]
			if !ok || data[m.ID].HasScheduled {
				continue
			}
			d := data[m.ID]
			pick, ok := planner.Plan(lessons.PlanState{Member: m, ShiftDate: date, Now: now, Seen: d.Seen,
				Reviews: d.Reviews, BurstItems: d.BurstItems, RecentlySent: d.RecentlySent,
				Unanswered: d.Unanswered, UnansweredBackAfterDays: b.Config.Spacing.WrongAfterDays})
			if !ok {
				continue
			}
			l := content.Lesson(pick.LessonID)
			if l == nil {
				continue
			}
			plans = append(plans, planned{member: m, pick: pick, lesson: l, date: date, noOpen: !d.HasOpen})
		}
		if _, err := b.createPrompts(ctx, tx, plans, true); err != nil {
			return err
		}
		return b.DB.MemberMoveDue(ctx, tx, next)
	})
	if err != nil {
		return 0, fmt.Errorf("deliver batch: %w", err)
	}
	return len(plans), nil
}

// createPrompts records deliveries and their DMs in tx, expiring earlier
// unanswered prompts of the same members. It returns the delivery ids (0 for
// a prompt that already existed).
func (b *Learn) createPrompts(ctx context.Context, tx *store.Tx, plans []planned, scheduled bool) ([]int64, error) {
	if len(plans) == 0 {
		return nil, nil
	}
	news := make([]store.DeliveryNew, len(plans))
	for i, p := range plans {
		shown, requested := b.PromptLanguage(p.member, p.lesson)
		news[i] = store.DeliveryNew{WorkspaceID: p.member.WorkspaceID, MemberID: p.member.ID, LessonID: p.lesson.ID,
			LessonVersion: p.lesson.Version, Reason: string(p.pick.Reason), BurstID: p.pick.BurstID,
			ShiftDate: p.date, Scheduled: scheduled, Language: shown, RequestedLanguage: requested}
		if p.pick.BurstID != "" {
			news[i].DedupeKey = fmt.Sprintf("%d:burst:%s:%s", p.member.ID, p.pick.BurstID, p.lesson.ID)
		} else if !scheduled {
			news[i].DedupeKey = fmt.Sprintf("%d:%s:%s:now", p.member.ID, p.lesson.ID, p.date)
		}
	}
	ids, err := b.DB.DeliveryCreateMany(ctx, tx, news)
	if err != nil {
		return nil, err
	}
	var created []int64
	var memberIDs []int64
	for i, id := range ids {
		if id == 0 {
			continue
		}
		p := plans[i]
		created = append(created, id)
		if scheduled && !p.noOpen { // only the next scheduled delivery expires earlier prompts
			memberIDs = append(memberIDs, p.member.ID)
		}
		if p.pick.BurstID != "" {
			if err := b.DB.BurstItemMarkDelivered(ctx, tx, p.member.ID, p.pick.BurstID, p.lesson.ID, id); err != nil {
				return nil, err
			}
		}
	}
	if len(created) == 0 {
		return ids, nil
	}
	if _, err := b.DB.DeliveryExpireOpen(ctx, tx, memberIDs, created, b.Now()); err != nil {
		return nil, err
	}
	if b.Jobs == nil {
		return nil, errors.New("job queue not configured")
	}
	if err := b.Jobs.EnqueuePromptsTx(ctx, tx, created); err != nil {
		return nil, err
	}
	return ids, nil
}

// sendNudges reminds members once about a quiz still unanswered after the
// nudge delay, only while it is still their current prompt: inside the same
// shift, not paused, before their next delivery (lessons.ShouldNudge).
func (b *Learn) sendNudges(ctx context.Context, now time.Time) error {
	sp := b.Config.Spacing
	if sp.NudgeAfter <= 0 {
		return nil
	}
	cands, err := b.DB.DeliveryListNudgeCandidates(ctx, now.Add(-sp.NudgeAfter-lessons.NudgeWindow), now.Add(-sp.NudgeAfter), 1000)
	if err != nil {
		return err
	}
	for _, d := range cands {
		m, err := b.DB.MemberGet(ctx, b.DB, d.MemberID)
		if err != nil {
			return err
		}
		if !sp.ShouldNudge(m.Schedule, d.SentAt, now, false, false, false) {
			continue
		}
		l, err := b.DeliveryLesson(ctx, b.DB, d)
		if err != nil {
			return err
		}
		err = b.DB.Tx(ctx, func(tx *store.Tx) error {
			ok, err := b.DB.DeliveryMarkNudged(ctx, tx, d.ID, now)
			if err != nil || !ok {
				return err
			}
			// One reminder covers everything waiting (a burst may have sent
			// several questions at once): the others are never nudged.
			others, err := b.DB.DeliveryMarkNudgedForMember(ctx, tx, d.MemberID, now)
			if err != nil {
				return err
			}
			loc := b.Localizer(m)
			body := loc.T("learn.nudge.one", i18n.Data{"Title": l.Title})
			if others > 0 {
				body = loc.N("learn.nudge.more", int(others), i18n.Data{"Title": l.Title})
			}
			_, err = b.Post(ctx, tx, bot.Post{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID, Channel: "dm", Card: &bot.Card{
				Body:    body,
				Context: loc.T("learn.nudge.context", nil),
			}})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
