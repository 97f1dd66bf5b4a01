package learn

import (
	"context"
	"fmt"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// confidenceLabels are the buttons of the optional "How sure were you?"
// question on an answered quiz card, in Confidence order.
var confidenceLabels = map[lessons.Confidence]string{
	lessons.ConfidenceGuessed:    "learn.confidence.guessed",
	lessons.ConfidenceFairlySure: "learn.confidence.fairly_sure",
	lessons.ConfidenceCertain:    "learn.confidence.certain",
}

// confidenceActions are the one-tap confidence buttons. They come after the
// answer (the card already shows the result), so they never block it.
func confidenceActions(loc *i18n.Localizer, deliveryID int64) []bot.Action {
	out := make([]bot.Action, 0, 3)
	for c := lessons.ConfidenceGuessed; c <= lessons.ConfidenceCertain; c++ {
		out = append(out, bot.Action{ID: fmt.Sprintf("conf:%d:%d", deliveryID, c), Label: loc.T(confidenceLabels[c], nil)})
	}
	return out
}

// confidenceClick stores how sure the member was of their answer and grades
// the answer again for FSRS (right and guessed → Hard, right and certain →
// Easy). A later tap replaces an earlier one.
func (b *Learn) confidenceClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	level, ok := bot.ParseID(args, 1)
	c := lessons.Confidence(level)
	if !ok || c < lessons.ConfidenceGuessed || c > lessons.ConfidenceCertain {
		return bot.Reply{}, bot.ErrStale
	}
	found := false
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := b.DB.DeliveryLockForAnswer(ctx, tx, d.ID); err != nil {
			return err
		}
		if found, err = b.DB.AnswerSetConfidence(ctx, tx, d.ID, r.Member.ID, c); err != nil || !found {
			return err
		}
		if err := b.regrade(ctx, tx, d, r.Member); err != nil {
			return err
		}
		return b.showConfidence(ctx, tx, r.L(), d, c)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !found {
		return bot.Reply{Text: r.T("learn.confidence.first", nil)}, nil
	}
	return bot.Reply{Text: r.T("learn.confidence.noted", i18n.Data{"Level": r.T(confidenceLabels[c], nil)})}, nil
}

// showConfidence marks the chosen confidence on the answered card, so the
// card itself says what was tapped (and a change of mind moves the mark).
func (b *Learn) showConfidence(ctx context.Context, tx *store.Tx, loc *i18n.Localizer, d *store.Delivery, c lessons.Confidence) error {
	if d.MessageID == 0 {
		return nil
	}
	msg, err := b.DB.MessageGet(ctx, tx, d.MessageID)
	if err != nil {
		return err
	}
	card, err := bot.ParseCard(msg.Card)
	if err != nil || !markConfidence(loc, card, d.ID, c) {
		return nil // not an answered quiz card: nothing to mark
	}
	return b.Bot.Update(ctx, tx, d.MessageID, card)
}

// markConfidence marks level c among the confidence buttons of card
// (✓ and the primary style on it, the others plain) and reports whether the
// card has them.
func markConfidence(loc *i18n.Localizer, card *bot.Card, deliveryID int64, c lessons.Confidence) bool {
	found := false
	for i, a := range card.Actions {
		for level, key := range confidenceLabels {
			label := loc.T(key, nil)
			if a.ID != fmt.Sprintf("conf:%d:%d", deliveryID, level) {
				continue
			}
			found = true
			card.Actions[i].Label, card.Actions[i].Style = label, ""
			if level == c {
				card.Actions[i].Label, card.Actions[i].Style = "✓ "+label, "primary"
			}
		}
	}
	return found
}

// regrade applies the confidence of the member's answer to delivery d to
// the question's spacing state, when that answer is their latest to it (a
// confidence on an older answer is kept for reports only).
func (b *Learn) regrade(ctx context.Context, tx *store.Tx, d *store.Delivery, m *member.Member) error {
	k := store.MemberLesson{MemberID: d.MemberID, LessonID: d.LessonID}
	hist, err := b.DB.ReviewHistoryMany(ctx, tx, []store.MemberLesson{k})
	if err != nil {
		return err
	}
	h := hist[k]
	if len(h) == 0 || h[len(h)-1].DeliveryID != d.ID {
		return nil
	}
	revs, err := b.DB.ReviewGetMany(ctx, tx, []store.MemberLesson{k})
	if err != nil {
		return err
	}
	past := make([]lessons.PastAnswer, len(h))
	for i, a := range h {
		past[i] = lessons.PastAnswer{ShiftDate: a.ShiftDate, Correct: a.Correct, Confidence: a.Confidence}
	}
	rev := b.reviewer().Regrade(revs[k], past[:len(past)-1], past[len(past)-1], m.Schedule.WorkDays)
	return b.DB.ReviewPutMany(ctx, tx, []store.ReviewWrite{{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID, Review: rev}})
}
