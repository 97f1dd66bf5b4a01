package burst

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Waiting is a group of members a burst reaches later, all at the same
// local time and for the same reason, so a trainer who sends on a Saturday
// at 03:00 reads when it lands instead of wondering why nothing happened.
type Waiting struct {
	At      time.Time // the group's delivery instant (zero: none scheduled)
	When    string    // in the members' own time: "Monday at 08:30 EST"
	Why     string    // why not now: "Saturday is not one of their work days (mon-fri)"; "" when nothing keeps them
	Members int
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
	byKey := map[string]*Waiting{}
	var out []*Waiting
	for _, w := range ws {
		g := Waiting{At: w.at, Why: w.s.AwayReason(now)}
		if w.at.IsZero() {
			g.When = "not scheduled"
			if g.Why == "" {
				g.Why = "no delivery time in the next two weeks"
			}
		} else {
			loc := w.s.Location
			if loc == nil {
				loc = time.UTC
			}
			g.When = member.DescribeWhen(w.at, now, loc) + " " + w.at.In(loc).Format("MST")
		}
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

// FormatWaiting lists up to max groups, one per line, each line starting
// with indent, and says how many members the rest hold.
func FormatWaiting(gs []Waiting, indent string, max int) string {
	var sb strings.Builder
	rest := 0
	for i, g := range gs {
		if i >= max {
			rest += g.Members
			continue
		}
		fmt.Fprintf(&sb, "%s%s %s", indent, plural(g.Members, "member"), g.When)
		if g.Why != "" {
			sb.WriteString(" — " + g.Why)
		}
		sb.WriteString("\n")
	}
	if rest > 0 {
		fmt.Fprintf(&sb, "%sand %s later\n", indent, plural(rest, "more member"))
	}
	return strings.TrimRight(sb.String(), "\n")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
