package digest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// The weekly digest: on Monday at 08:00 in each workspace's time zone the
// trainers' channel (HUDDLEBOT_TRAINER_CHANNEL) gets a summary card — the
// top refresh signals, last week's participation and accuracy against the
// week before, and the ask-a-super-user questions that escalated. A claim
// row written in the same transaction as the post makes it go out once per
// workspace and week, whatever the number of replicas or restarts.

// Digest is the weekly trainer digest: one card a week in the trainer
// channel with the week's learning and support numbers.
type Digest struct{ *bot.Bot }

// Register adds the digest's ticker to b, and returns it.
func Register(b *bot.Bot) *Digest {
	d := &Digest{Bot: b}
	b.AddTicker("digest", d.digestTick)
	return d
}

// Digest timing.
const (
	digestHour     = 8                   // local time on Monday
	digestCatchUp  = 24 * time.Hour      // a digest missed (process down) still goes out until Tuesday 08:00
	digestSignals  = 5                   // signals shown
	digestQuestion = 3                   // escalated questions quoted
	digestWindow   = 28 * 24 * time.Hour // what the signals look at, like the dashboard
)

// digestWeek returns the Monday (YYYY-MM-DD, local) of the week now falls in
// and whether the digest of that week is due: from Monday 08:00 local for a
// day.
func digestWeek(now time.Time, loc *time.Location) (string, bool) {
	l := now.In(loc)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	due := time.Date(l.Year(), l.Month(), l.Day()-back, digestHour, 0, 0, 0, loc)
	return due.Format("2006-01-02"), !l.Before(due) && l.Before(due.Add(digestCatchUp))
}

func (b *Digest) digestTick(ctx context.Context, now time.Time) error {
	if b.Config.TrainerChannel == "" {
		return nil
	}
	wss, err := b.DB.WorkspaceList(ctx, "")
	if err != nil {
		return err
	}
	for _, ws := range wss {
		if b.Adapter(ws.Platform) == nil {
			continue // another process serves this platform
		}
		loc, err := time.LoadLocation(ws.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		week, due := digestWeek(now, loc)
		if !due {
			continue
		}
		// A cheap read first: most ticks of the day find it sent already.
		if sent, err := b.DB.DigestSent(ctx, b.DB, ws.ID, week); err != nil || sent {
			if err != nil {
				return err
			}
			continue
		}
		card, err := b.digestCard(ctx, ws, week, now)
		if err != nil {
			return fmt.Errorf("digest %s/%s: %w", ws.Platform, ws.ExternalID, err)
		}
		err = b.DB.Tx(ctx, func(tx *store.Tx) error {
			ok, err := b.DB.DigestClaim(ctx, tx, ws.ID, week)
			if err != nil || !ok {
				return err
			}
			_, err = b.Post(ctx, tx, bot.Post{WorkspaceID: ws.ID, Channel: b.Config.TrainerChannel, Card: card})
			return err
		})
		if err != nil {
			return fmt.Errorf("digest %s/%s: %w", ws.Platform, ws.ExternalID, err)
		}
	}
	return nil
}

// digestNumbers is one week of participation and accuracy.
type digestNumbers struct {
	members, active, prompts, responses, answers, correct int
}

func (b *Digest) loadDigestNumbers(ctx context.Context, f store.ReportFilter) (digestNumbers, error) {
	var n digestNumbers
	depts, err := b.DB.ReportParticipationByDepartment(ctx, f)
	if err != nil {
		return n, err
	}
	for _, d := range depts {
		n.members += d.Members
		n.active += d.Active
		n.prompts += d.Prompts
		n.responses += d.Responses
	}
	acc, err := b.DB.ReportAccuracyByLesson(ctx, f)
	if err != nil {
		return n, err
	}
	for _, a := range acc {
		n.answers += a.Answers
		n.correct += a.Correct
	}
	return n, nil
}

func digestShare(part, whole int) (float64, bool) {
	if whole == 0 {
		return 0, false
	}
	return float64(part) / float64(whole), true
}

// trend formats this week's share and the change from last week.
func digestTrend(l *i18n.Localizer, part, whole, prevPart, prevWhole int) string {
	v, ok := digestShare(part, whole)
	if !ok {
		return "–"
	}
	s := fmt.Sprintf("%.0f%%", v*100)
	if p, ok := digestShare(prevPart, prevWhole); ok {
		d := (v - p) * 100
		switch {
		case d >= 0.5:
			s += " " + l.T("digest.trend.up", i18n.Data{"Points": fmt.Sprintf("%.0f", d)})
		case d <= -0.5:
			s += " " + l.T("digest.trend.down", i18n.Data{"Points": fmt.Sprintf("%.0f", -d)})
		default:
			s += " " + l.T("digest.trend.same", nil)
		}
	}
	return s
}

// digestCard builds the summary of the week before now for one workspace.
func (b *Digest) digestCard(ctx context.Context, ws *store.Workspace, week string, now time.Time) (*bot.Card, error) {
	last := store.ReportFilter{WorkspaceID: ws.ID, Since: now.Add(-7 * 24 * time.Hour), Until: now}
	before := store.ReportFilter{WorkspaceID: ws.ID, Since: now.Add(-14 * 24 * time.Hour), Until: last.Since}
	cur, err := b.loadDigestNumbers(ctx, last)
	if err != nil {
		return nil, err
	}
	prev, err := b.loadDigestNumbers(ctx, before)
	if err != nil {
		return nil, err
	}
	th := lessons.DefaultSignalThresholds
	in, err := b.DB.ReportSignalInput(ctx, store.ReportFilter{WorkspaceID: ws.ID, Since: now.Add(-digestWindow), Until: now}, now, th.NewHireDays)
	if err != nil {
		return nil, err
	}
	sigs := lessons.Signals(in, th)
	escalated, total, err := b.DB.ReportEscalatedQuestions(ctx, last, digestQuestion)
	if err != nil {
		return nil, err
	}

	// The digest is posted to the trainers' channel: the workspace's language.
	l := i18n.For(b.LangOf(""))
	var body strings.Builder
	if len(sigs) == 0 {
		body.WriteString(l.T("digest.no_signals", nil))
	} else {
		body.WriteString(l.T("digest.signals", i18n.Data{"Count": len(sigs)}))
		for i, s := range sigs {
			if i == digestSignals {
				body.WriteString("\n" + l.T("digest.signals_more", i18n.Data{"Count": len(sigs) - digestSignals}))
				break
			}
			fmt.Fprintf(&body, "\n• %s %s", digestSignalLabel(l, s.Kind), digestDetail(l, s))
		}
	}
	if total > 0 {
		body.WriteString("\n\n" + l.T("digest.escalated", i18n.Data{"Count": total}))
		for _, q := range escalated {
			text := q.Text
			if r := []rune(text); len(r) > 90 {
				text = string(r[:89]) + "…"
			}
			fmt.Fprintf(&body, "\n• %s (%s, %s)", text, digestDept(l, q.Department), digestStatus(l, q.Status))
		}
	}
	return &bot.Card{
		Title: l.T("digest.title", i18n.Data{"Week": digestWeekLabel(l, week)}),
		Body:  body.String(),
		Fields: []bot.Field{
			{Label: l.T("digest.field.members", nil), Value: l.T("digest.of", i18n.Data{"Part": cur.active, "Whole": cur.members}) + " · " + digestTrend(l, cur.active, cur.members, prev.active, prev.members)},
			{Label: l.T("digest.field.prompts", nil), Value: l.T("digest.of", i18n.Data{"Part": cur.responses, "Whole": cur.prompts}) + " · " + digestTrend(l, cur.responses, cur.prompts, prev.responses, prev.prompts)},
			{Label: l.T("digest.field.accuracy", nil), Value: l.N("digest.answers", cur.answers, nil) + " · " + digestTrend(l, cur.correct, cur.answers, prev.correct, prev.answers)},
			{Label: l.T("digest.field.escalated", nil), Value: fmt.Sprint(total)},
		},
		Context: l.T("digest.context", nil),
		Lang:    l.Lang(),
	}, nil
}

func digestWeekLabel(l *i18n.Localizer, monday string) string {
	t, err := time.Parse("2006-01-02", monday)
	if err != nil {
		return monday
	}
	return l.T("digest.week", i18n.Data{"Date": l.ShortDate(t), "Year": t.Year()})
}

func digestDept(l *i18n.Localizer, d string) string {
	if d == "" {
		return l.T("digest.no_department", nil)
	}
	return d
}

// digestSignalWords names each kind of signal in the digest, after its icon.
var digestSignalWords = map[lessons.SignalKind]string{
	lessons.SignalTopicAccuracy: "digest.signal.accuracy",
	lessons.SignalTopicFalling:  "digest.signal.falling",
	lessons.SignalParticipation: "digest.signal.participation",
	lessons.SignalNewHires:      "digest.signal.new_hires",
	lessons.SignalPoorRating:    "digest.signal.poor_rating",
}

func digestSignalLabel(l *i18n.Localizer, k lessons.SignalKind) string {
	key, ok := digestSignalWords[k]
	if !ok {
		return k.Icon()
	}
	return k.Icon() + " " + l.T(key, nil) + " —"
}

// digestDetails say each kind of signal's finding with its numbers.
var digestDetails = map[lessons.SignalKind]string{
	lessons.SignalTopicAccuracy: "digest.detail.accuracy",
	lessons.SignalTopicFalling:  "digest.detail.falling",
	lessons.SignalParticipation: "digest.detail.participation",
	lessons.SignalNewHires:      "digest.detail.new_hires",
	lessons.SignalPoorRating:    "digest.detail.poor_rating",
}

// digestDetail states a signal's finding in l's language, as its Detail
// does in English (a kind the catalogue does not know: its Detail).
func digestDetail(l *i18n.Localizer, s lessons.Signal) string {
	key, ok := digestDetails[s.Kind]
	if !ok {
		return s.Detail
	}
	subject := s.Subject
	switch {
	case s.Kind == lessons.SignalParticipation && subject == lessons.NoDepartment:
		subject = l.T("digest.no_department", nil)
	case s.Kind == lessons.SignalPoorRating && s.Title != "":
		subject = s.Title + " (" + s.Subject + ")"
	}
	pct := func(f float64) string { return fmt.Sprintf("%.0f%%", math.Round(f*100)) }
	return l.T(key, i18n.Data{"Subject": subject, "Value": pct(s.Value), "Baseline": pct(s.Baseline), "N": s.N,
		"Part": s.Part, "Down": s.N - s.Part, "OtherN": s.OtherN, "Days": s.Days,
		"People": l.N("digest.people", s.People, nil), "OtherPeople": l.N("digest.people", s.OtherPeople, nil)})
}

// digestStatus names an escalated question's status ("open", "claimed",
// "resolved") in l's language; another as it is.
func digestStatus(l *i18n.Localizer, status string) string {
	switch status {
	case "open":
		return l.T("digest.status.open", nil)
	case "claimed":
		return l.T("digest.status.claimed", nil)
	case "resolved":
		return l.T("digest.status.resolved", nil)
	}
	return status
}
