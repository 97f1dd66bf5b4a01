package burst

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Waiting is a group of members a burst reaches later, all at the same
// local time and for the same reason, so a trainer who sends on a Saturday
// at 03:00 reads when it lands instead of wondering why nothing happened.
// When and Why are in English (the CLI's JSON); FormatWaiting says them in
// the reader's language.
type Waiting struct {
	At      time.Time // the group's delivery instant (zero: none scheduled)
	When    string    // in the members' own time: "Monday at 08:30 EST"
	Why     string    // why not now: "Saturday is not one of their work days (mon-fri)"; "" when nothing keeps them
	Members int

	s   member.Schedule // one member's of the group: When and Why in another language
	now time.Time       // when the group was seen
}

// waiter is one member who gets a burst later and when.
type waiter struct {
	s  member.Schedule
	at time.Time
}

// groupWaiting groups waiters by when (described in each member's own time
// zone, with its abbreviation) and why, earliest first, larger groups first
// at the same time.
func groupWaiting(ws []waiter, now time.Time) []Waiting {
	en := i18n.For(i18n.Default)
	byKey := map[string]*Waiting{}
	var out []*Waiting
	for _, w := range ws {
		g := Waiting{At: w.at, s: w.s, now: now}
		g.When, g.Why = g.whenWhy(en)
		key := g.When + "\x00" + g.Why
		if p := byKey[key]; p != nil {
			p.Members++
			continue
		}
		g.Members = 1
		byKey[key] = &g
		out = append(out, &g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.At.IsZero() != b.At.IsZero():
			return b.At.IsZero()
		case !a.At.Equal(b.At):
			return a.At.Before(b.At)
		}
		return a.Members > b.Members
	})
	res := make([]Waiting, len(out))
	for i, g := range out {
		res[i] = *g
	}
	return res
}

// whenWhy says when the group's members get it, in their own time zone
// with its abbreviation, and why not now, in l's language. Members whose
// English sentences are the same get the same sentences in any language:
// both depend only on the delivery's local time and zone and on the
// schedule's reason.
func (g *Waiting) whenWhy(l *i18n.Localizer) (when, why string) {
	why = g.s.AwayReasonIn(l, g.now)
	if g.At.IsZero() {
		if why == "" {
			why = l.T("bursts.waiting.no_delivery", nil)
		}
		return l.T("bursts.waiting.not_scheduled", nil), why
	}
	loc := g.s.Location
	if loc == nil {
		loc = time.UTC
	}
	return member.DescribeWhenIn(l, g.At, g.now, loc) + " " + g.At.In(loc).Format("MST"), why
}

// Waiting groups the recipients of a send who do not get it at once by
// when their first lesson reaches them and why not now, seen when the
// send was made.
func (r *BurstSendResult) Waiting() []Waiting {
	var ws []waiter
	for _, rc := range r.Recipients {
		if !rc.Immediate {
			ws = append(ws, waiter{s: rc.Member.Schedule, at: rc.At})
		}
	}
	return groupWaiting(ws, r.At)
}

// Status is where a send stands, with the members still waiting for a
// lesson grouped by when it reaches them.
type Status struct {
	*store.BurstStats
	Waiting []Waiting
}

// waitingOf groups the members of st.PendingMembers by their next delivery on or
// after their earliest pending item's date, seen at now.
func (b *Burst) waitingOf(ctx context.Context, workspaceID int64, st *store.BurstStats, now time.Time) ([]Waiting, error) {
	if len(st.PendingMembers) == 0 {
		return nil, nil
	}
	dates := make(map[int64]string, len(st.PendingMembers))
	for _, w := range st.PendingMembers {
		dates[w.MemberID] = w.Date
	}
	var ws []waiter
	f := store.MemberFilter{WorkspaceID: workspaceID, Limit: 2000}
	for {
		ms, err := b.DB.MemberList(ctx, b.DB, f)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if date, ok := dates[m.ID]; ok {
				ws = append(ws, waiter{s: m.Schedule, at: m.Schedule.NextDeliveryOn(date, now)})
			}
		}
		if len(ms) < f.Limit {
			return groupWaiting(ws, now), nil
		}
		f.AfterID = ms[len(ms)-1].ID
	}
}

// FormatWaiting lists up to max groups in l's language, one per line,
// each line starting with indent, and says how many members the rest hold.
func FormatWaiting(l *i18n.Localizer, gs []Waiting, indent string, max int) string {
	var sb strings.Builder
	rest := 0
	for i, g := range gs {
		if i >= max {
			rest += g.Members
			continue
		}
		when, why := g.whenWhy(l)
		d := i18n.Data{"Members": l.N("bursts.members", g.Members, nil), "When": when, "Why": why}
		if why == "" {
			sb.WriteString(indent + l.T("bursts.waiting.group", d) + "\n")
		} else {
			sb.WriteString(indent + l.T("bursts.waiting.group_why", d) + "\n")
		}
	}
	if rest > 0 {
		sb.WriteString(indent + l.N("bursts.waiting.rest", rest, nil) + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
