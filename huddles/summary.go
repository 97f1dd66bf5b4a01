package huddles

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// PollResult is a poll and its tally.
type PollResult struct {
	Poll  *Poll
	Tally Tally
}

// SummaryInput is everything the end-of-huddle summary shows.
type SummaryInput struct {
	Huddle   *Huddle
	Location *time.Location // for the start and end times; UTC when nil
	// Attendees took part under their own name. Their names are the only
	// names the summary shows.
	Attendees []Attendee
	// AnonymousOnly is how many more people took part only anonymously
	// (voters in an anonymous poll who are not attendees; the most in any one
	// poll, since anonymous voters cannot be matched across polls).
	AnonymousOnly int
	Polls         []PollResult
	Questions     []*Question
}

// Attendance is the attendance line in l's language: the count and the
// attendees' names, never the names of anonymous participants.
func (in *SummaryInput) Attendance(l *i18n.Localizer) string {
	names := make([]string, 0, len(in.Attendees))
	for _, a := range in.Attendees {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	total := len(names) + in.AnonymousOnly
	if total == 0 {
		return l.T("huddles.summary.attendance_none", nil)
	}
	s := l.T("huddles.summary.attendance", i18n.Data{"Count": total})
	if len(names) > 0 {
		s += " — " + strings.Join(names, ", ")
	}
	switch {
	case in.AnonymousOnly > 0 && len(names) > 0:
		s += ", " + l.N("huddles.summary.anonymous_also", in.AnonymousOnly, nil)
	case in.AnonymousOnly > 0:
		s += " (" + l.N("huddles.summary.anonymous_only", in.AnonymousOnly, nil) + ")"
	}
	return s
}

// Summary renders the end-of-huddle summary as Markdown: when and who
// hosted, attendance, every poll with its counts and text bars, and the
// parking lot — open questions first, then answered, deferred and escalated
// — with their +1 counts, in l's language (the channel's). It names no voter.
func Summary(l *i18n.Localizer, in SummaryInput) string {
	h := in.Huddle
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\n")
	}
	start := h.StartedAt.In(loc)
	when := l.T("huddles.summary.when", i18n.Data{"Date": l.ShortDate(start), "Time": l.Clock(start)})
	if !h.EndedAt.IsZero() {
		mins := int(h.EndedAt.Truncate(time.Minute).Sub(h.StartedAt.Truncate(time.Minute)) / time.Minute)
		end := h.EndedAt.In(loc)
		when = l.T("huddles.summary.until", i18n.Data{"When": when, "End": l.Clock(end), "Zone": end.Format("MST"), "Minutes": mins})
	}
	host := ""
	if h.HostName != "" {
		host = ", " + l.T("huddles.summary.host", i18n.Data{"Name": h.HostName})
	}
	line("**%s** — %s%s", h.Title, when, host)
	line("%s", in.Attendance(l))

	b.WriteString("\n")
	if len(in.Polls) == 0 {
		line("%s", l.T("huddles.summary.polls_none", nil))
	} else {
		line("%s", l.T("huddles.summary.polls", nil))
		for _, pr := range in.Polls {
			p := pr.Poll
			tags := []string{l.T("huddles.summary.tag_attributed", nil)}
			if p.Anonymous {
				tags[0] = l.T("huddles.summary.tag_anonymous", nil)
			}
			switch {
			case p.Kind == KindRating:
				tags = append(tags, l.T("huddles.summary.tag_rating", nil))
			case p.Multi():
				tags = append(tags, l.T("huddles.summary.tag_multi", i18n.Data{"Max": p.MaxChoices}))
			}
			line("**%s** (%s) — %s", p.Question, strings.Join(tags, ", "), pr.Tally.Headline(l))
			line("%s", p.Results(l, pr.Tally))
		}
	}

	b.WriteString("\n")
	if len(in.Questions) == 0 {
		line("%s", l.T("huddles.summary.questions_none", nil))
		return strings.TrimRight(b.String(), "\n")
	}
	line("%s", l.T("huddles.summary.questions", nil))
	groups := []struct {
		status QuestionStatus
		title  string
	}{
		{QuestionOpen, "huddles.summary.group_open"},
		{QuestionAnswered, "huddles.summary.group_answered"},
		{QuestionDeferred, "huddles.summary.group_deferred"},
		{QuestionEscalated, "huddles.summary.group_escalated"},
	}
	for _, g := range groups {
		var qs []*Question
		for _, q := range in.Questions {
			if q.Status == g.status {
				qs = append(qs, q)
			}
		}
		if len(qs) == 0 {
			continue
		}
		// Most wanted first; ties in the order they were asked.
		slices.SortStableFunc(qs, func(a, b *Question) int { return b.PlusOnes - a.PlusOnes })
		line("%s (%d):", l.T(g.title, nil), len(qs))
		for _, q := range qs {
			carried := ""
			if q.OriginHuddleID != 0 && q.OriginHuddleID != h.ID {
				carried = " _(" + l.T("huddles.summary.carried", nil) + ")_"
			}
			line("• %s — +1 ×%d%s", q.Text, q.PlusOnes, carried)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
