package lessons

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// Reason says why the planner picked a lesson.
type Reason string

// Reasons, in the order the planner considers them.
const (
	ReasonBurst      Reason = "burst"      // a pending item of an update burst
	ReasonReview     Reason = "review"     // a quiz question that has come due again
	ReasonOnboarding Reason = "onboarding" // the next lesson of a new hire's onboarding track
	ReasonTrack      Reason = "track"      // the next lesson of the member's role track
	ReasonRole       Reason = "role"       // any other lesson meant for the member's role
)

// BurstItem is one lesson of a burst still waiting to be delivered to a
// member.
type BurstItem struct {
	BurstID       string
	LessonID      string
	Seq           int    // position in the burst; lower goes first
	AvailableDate string // shift date (YYYY-MM-DD) from which it may go out; "" = now
}

// PlanState is everything the planner needs to know about one member at one
// moment. The planner reads it and never modifies it.
type PlanState struct {
	Member *member.Member
	// ShiftDate is the member's current shift date (Schedule.ShiftDate);
	// "" means Member.Schedule.ShiftDate(Now).
	ShiftDate string
	Now       time.Time
	// Seen holds the ids of lessons the member has seen: answered quizzes and
	// delivered tips. An expired, unanswered quiz does not count as seen.
	Seen map[string]bool
	// Reviews is the member's spacing state.
	Reviews []Review
	// BurstItems are the member's pending burst items, not yet delivered.
	BurstItems []BurstItem
	// RecentlySent holds the ids of lessons delivered on this shift date;
	// the same lesson is never sent twice a day.
	RecentlySent map[string]bool
	// Unanswered maps a lesson to the latest earlier shift date on which it
	// was sent and not answered: expired, or still open and about to expire
	// when today's prompt goes out. Such a question counts as not seen but
	// does not block the queue: the planner passes over it (as a review and
	// as the next lesson of a track) until UnansweredBackAfterDays have
	// passed, so it is never sent on two consecutive work days.
	Unanswered map[string]string
	// UnansweredBackAfterDays is when an unanswered question comes back:
	// the review interval for a miss. <= 0 means
	// DefaultSpacing.WrongAfterDays.
	UnansweredBackAfterDays int
}

// Pick is what the planner chose: a lesson, why, and for burst items the
// burst it belongs to.
type Pick struct {
	LessonID string
	Reason   Reason
	BurstID  string
}

// candidate is a lesson in a member's fallback order (onboarding, track, role).
type candidate struct {
	id     string
	reason Reason
}

// planKey selects a cached candidate order.
type planKey struct {
	role, department string
	newHire          bool
}

// Planner decides what a member gets next. It precomputes, once per (role,
// department, new hire) combination, the ordered list of track and role
// lessons, so that planning for one member costs a few map look-ups. A
// Planner is safe for concurrent use. The Content it was built from must not
// be changed afterwards; build a new Planner after a content import.
type Planner struct {
	content *Content
	byID    map[string]*Lesson

	mu    sync.Mutex                              // serialises cache writers
	cache atomic.Pointer[map[planKey][]candidate] // copy-on-write; readers take no lock
}

// NewPlanner returns a planner over c. A nil c plans nothing.
func NewPlanner(c *Content) *Planner {
	if c == nil {
		c = &Content{}
	}
	p := &Planner{content: c, byID: make(map[string]*Lesson, len(c.Lessons))}
	for _, l := range c.Lessons {
		if _, dup := p.byID[l.ID]; !dup {
			p.byID[l.ID] = l
		}
	}
	empty := map[planKey][]candidate{}
	p.cache.Store(&empty)
	return p
}

// Plan is NewPlanner(c).Plan(st), for one-off decisions. Code that plans for
// many members should keep a Planner.
func Plan(c *Content, st PlanState) (Pick, bool) { return NewPlanner(c).Plan(st) }

// Plan returns the lesson the member should get now, or ok=false when
// nothing is left (everything seen, nothing due). In order it picks:
//
//  1. the pending burst item with the lowest Seq whose AvailableDate is not
//     after the shift date (ties keep the order of st.BurstItems);
//  2. the due review (DueDate not after the shift date, not retired) with the
//     earliest DueDate, ties by lesson id, whose lesson still exists and is
//     still For the member's role and department;
//  3. for a new hire (Member.IsNewHire(Now)), the first unseen lesson of the
//     onboarding tracks for their role, in track order;
//  4. the first unseen lesson of the regular tracks for their role, in track
//     order;
//  5. any other unseen lesson For their role and department, in content order.
//
// Lessons in RecentlySent and lessons missing from the content are skipped
// everywhere. Steps 2-5 also skip a question left unanswered on an earlier
// shift date (st.Unanswered) until UnansweredBackAfterDays after it: the
// next lesson goes out instead, and the missed one comes back later. Steps 3-5 also only offer lessons For the member's role and
// department, and skip lessons that are waiting in st.BurstItems (they will
// come as part of their burst). Seen does not hold back burst items or
// reviews.
func (p *Planner) Plan(st PlanState) (Pick, bool) {
	m := st.Member
	if m == nil {
		return Pick{}, false
	}
	shiftDate := st.ShiftDate
	if shiftDate == "" {
		shiftDate = m.Schedule.ShiftDate(st.Now)
	}

	// 1. Bursts.
	best := -1
	for i := range st.BurstItems {
		b := &st.BurstItems[i]
		if b.AvailableDate != "" && b.AvailableDate > shiftDate {
			continue
		}
		if st.RecentlySent[b.LessonID] || p.byID[b.LessonID] == nil {
			continue
		}
		if best < 0 || b.Seq < st.BurstItems[best].Seq {
			best = i
		}
	}
	if best >= 0 {
		b := st.BurstItems[best]
		return Pick{LessonID: b.LessonID, Reason: ReasonBurst, BurstID: b.BurstID}, true
	}

	// An unanswered question waits until the miss interval has passed.
	back := st.UnansweredBackAfterDays
	if back <= 0 {
		back = DefaultSpacing.WrongAfterDays
	}
	resting := func(id string) bool {
		d, ok := st.Unanswered[id]
		return ok && shiftDate < AddDays(d, back)
	}

	// 2. Due reviews.
	var due *Review
	for i := range st.Reviews {
		r := &st.Reviews[i]
		if r.Retired || r.DueDate == "" || r.DueDate > shiftDate || st.RecentlySent[r.LessonID] || resting(r.LessonID) {
			continue
		}
		if due != nil && (r.DueDate > due.DueDate || (r.DueDate == due.DueDate && r.LessonID >= due.LessonID)) {
			continue
		}
		if l := p.byID[r.LessonID]; l == nil || !l.For(m.Role, m.Department) {
			continue
		}
		due = r
	}
	if due != nil {
		return Pick{LessonID: due.LessonID, Reason: ReasonReview}, true
	}

	// 3-5. Onboarding, role track, everything else for the role.
	for _, c := range p.candidates(m.Role, m.Department, m.IsNewHire(st.Now)) {
		if st.Seen[c.id] || st.RecentlySent[c.id] || pendingBurst(st.BurstItems, c.id) || resting(c.id) {
			continue
		}
		return Pick{LessonID: c.id, Reason: c.reason}, true
	}
	return Pick{}, false
}

// pendingBurst reports whether lesson id waits in one of the burst items.
func pendingBurst(items []BurstItem, id string) bool {
	for i := range items {
		if items[i].LessonID == id {
			return true
		}
	}
	return false
}

// candidates returns the cached fallback order for a role, department and
// new-hire flag, building it on first use.
func (p *Planner) candidates(role, department string, newHire bool) []candidate {
	k := planKey{role, department, newHire}
	if list, ok := (*p.cache.Load())[k]; ok {
		return list
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.cache.Load()
	if list, ok := old[k]; ok {
		return list
	}
	list := p.build(k)
	next := make(map[planKey][]candidate, len(old)+1)
	for kk, v := range old {
		next[kk] = v
	}
	next[k] = list
	p.cache.Store(&next)
	return list
}

// build computes the fallback order for k: onboarding tracks (new hires
// only), then regular tracks, then the remaining lessons in content order,
// each lesson once, under the reason it is first reached by.
func (p *Planner) build(k planKey) []candidate {
	var list []candidate
	added := map[string]bool{}
	add := func(id string, why Reason) {
		l := p.byID[id]
		if l == nil || added[id] || !l.For(k.role, k.department) {
			return
		}
		added[id] = true
		list = append(list, candidate{id: id, reason: why})
	}
	forRole := func(t *Track) bool {
		if len(t.Roles) == 0 {
			return true
		}
		for _, r := range t.Roles {
			if r == k.role {
				return true
			}
		}
		return false
	}
	if k.newHire {
		for _, t := range p.content.Tracks {
			if t.Onboarding && forRole(t) {
				for _, id := range t.Lessons {
					add(id, ReasonOnboarding)
				}
			}
		}
	}
	for _, t := range p.content.Tracks {
		if !t.Onboarding && forRole(t) {
			for _, id := range t.Lessons {
				add(id, ReasonTrack)
			}
		}
	}
	for _, l := range p.content.Lessons {
		add(l.ID, ReasonRole)
	}
	return list
}
