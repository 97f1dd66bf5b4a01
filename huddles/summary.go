package huddles

import (
	"fmt"
	"slices"
	"strings"
	"time"
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

// Attendance is the attendance line: the count and the attendees' names,
// never the names of anonymous participants.
func (in *SummaryInput) Attendance() string {
	names := make([]string, 0, len(in.Attendees))
	for _, a := range in.Attendees {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	total := len(names) + in.AnonymousOnly
	if total == 0 {
		return "👥 Attendance: nobody voted, asked or +1'd"
	}
	s := fmt.Sprintf("👥 Attendance: %d", total)
	if len(names) > 0 {
		s += " — " + strings.Join(names, ", ")
	}
	switch {
	case in.AnonymousOnly > 0 && len(names) > 0:
		s += fmt.Sprintf(", plus %s who took part only anonymously", plural(in.AnonymousOnly, "person", "people"))
	case in.AnonymousOnly > 0:
		s += fmt.Sprintf(" (%s who took part only anonymously)", plural(in.AnonymousOnly, "person", "people"))
	}
	return s
}

// Summary renders the end-of-huddle summary as Markdown: when and who
// hosted, attendance, every poll with its counts and text bars, and the
// parking lot — open questions first, then answered, deferred and escalated
// — with their +1 counts. It names no voter.
func Summary(in SummaryInput) string {
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
	when := h.StartedAt.In(loc).Format("Mon 2 Jan 15:04")
	if !h.EndedAt.IsZero() {
		mins := int(h.EndedAt.Truncate(time.Minute).Sub(h.StartedAt.Truncate(time.Minute)) / time.Minute)
		when += fmt.Sprintf("–%s %s (%d min)", h.EndedAt.In(loc).Format("15:04"), h.EndedAt.In(loc).Format("MST"), mins)
	}
	host := ""
	if h.HostName != "" {
		host = ", hosted by " + h.HostName
	}
	line("**%s** — %s%s", h.Title, when, host)
	line("%s", in.Attendance())

	b.WriteString("\n")
	if len(in.Polls) == 0 {
		line("📊 No polls.")
	} else {
		line("📊 **Polls**")
		for _, pr := range in.Polls {
			p := pr.Poll
			tags := []string{"attributed"}
			if p.Anonymous {
				tags[0] = "anonymous"
			}
			switch {
			case p.Kind == KindRating:
				tags = append(tags, "rating 1–5")
			case p.Multi():
				tags = append(tags, fmt.Sprintf("up to %d choices", p.MaxChoices))
			}
			line("**%s** (%s) — %s", p.Question, strings.Join(tags, ", "), pr.Tally.Headline())
			line("%s", p.Results(pr.Tally))
		}
	}

	b.WriteString("\n")
	if len(in.Questions) == 0 {
		line("🅿️ Parking lot: no questions.")
		return strings.TrimRight(b.String(), "\n")
	}
	line("🅿️ **Parking lot**")
	groups := []struct {
		status QuestionStatus
		title  string
	}{
		{QuestionOpen, "Open"},
		{QuestionAnswered, "Answered"},
		{QuestionDeferred, "Deferred to next time"},
		{QuestionEscalated, "Escalated to the trainers"},
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
		line("%s (%d):", g.title, len(qs))
		for _, q := range qs {
			carried := ""
			if q.OriginHuddleID != 0 && q.OriginHuddleID != h.ID {
				carried = " _(carried over)_"
			}
			line("• %s — +1 ×%d%s", q.Text, q.PlusOnes, carried)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
