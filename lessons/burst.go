package lessons

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// Audience narrows who a burst send reaches. The burst file already names
// the roles and departments it affects; a trainer may narrow that further
// for one send (only the nurses first, only one unit, only new hires), never
// widen it. The zero Audience is the burst's own audience.
type Audience struct {
	Roles       []string // only these roles (each must be one the burst targets)
	Departments []string // only these departments
	NewHires    bool     // only the onboarding cohort: members who started under OnboardingDays ago
}

// Check reports narrowing that can reach no one because the burst does not
// target it: a role or department outside the burst's own lists.
func (a Audience) Check(b *Burst) error {
	var bad []string
	for _, r := range a.Roles {
		if len(b.Roles) > 0 && !slices.Contains(b.Roles, r) {
			bad = append(bad, fmt.Sprintf("role %q is not one the burst targets (%s)", r, strings.Join(b.Roles, ", ")))
		}
	}
	for _, d := range a.Departments {
		if len(b.Departments) > 0 && !slices.Contains(b.Departments, d) {
			bad = append(bad, fmt.Sprintf("department %q is not one the burst targets (%s)", d, strings.Join(b.Departments, ", ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("burst %s: %s", b.ID, strings.Join(bad, "; "))
	}
	return nil
}

// Includes reports whether a burst sent with this audience reaches m at
// now: m has joined with a role, the burst targets m's role and department
// (Burst.Targets), m matches the narrowing lists, and, with NewHires, m is a
// new hire at now. Whether any of the burst's lessons is meant for m is
// BurstLessons' business.
func (a Audience) Includes(b *Burst, m *member.Member, now time.Time) bool {
	if m == nil || !m.Joined || m.Role == "" || !b.Targets(m.Role, m.Department) {
		return false
	}
	if len(a.Roles) > 0 && !slices.Contains(a.Roles, m.Role) {
		return false
	}
	if len(a.Departments) > 0 && !slices.Contains(a.Departments, m.Department) {
		return false
	}
	return !a.NewHires || m.IsNewHire(now)
}

// BurstLesson is one lesson of a burst with its position in the burst file
// (1-based), which stays the same whatever lessons a member skips.
type BurstLesson struct {
	Lesson *Lesson
	Seq    int
}

// BurstLessons returns the lessons of b meant for a member with this role
// and department (Lesson.For), in burst order. A burst for nurses and
// physicians can hold a lesson only physicians get. Lessons missing from c
// are left out.
func BurstLessons(c *Content, b *Burst, role, department string) []BurstLesson {
	var out []BurstLesson
	for i, id := range b.Lessons {
		l := c.Lesson(id)
		if l == nil || !l.For(role, department) {
			continue
		}
		out = append(out, BurstLesson{Lesson: l, Seq: i + 1})
	}
	return out
}

// BurstDates returns, for a member with schedule s, the shift date
// (YYYY-MM-DD) from which each of n burst items may go out, for a send
// starting at start. The planner holds an item back until its date
// (BurstItem.AvailableDate).
//
// The first date is the member's first delivery opportunity at or after
// start: with immediate (a send "now") and the member inside work hours and
// not paused at start, the shift date of start; otherwise the shift date of
// the member's next delivery slot at or after start (pauses and days off
// skipped, as Schedule.NextDelivery does). With PaceAllAtOnce every item
// has that date; with PaceDaily item k has the k-th work day from there —
// one more item each work day, counted on the member's own schedule.
//
// A schedule without any work day gets the shift date of start for every
// item (it is never delivered anyway).
func BurstDates(s member.Schedule, pace Pace, start time.Time, immediate bool, n int) []string {
	if n <= 0 {
		return nil
	}
	out := make([]string, 0, n)
	anchor := start
	if immediate && s.InWorkHours(start) && !s.Paused(start) {
		out = append(out, s.ShiftDate(start))
	} else if slot := s.NextDelivery(start.Add(-time.Millisecond)); !slot.IsZero() {
		anchor = slot
		out = append(out, s.ShiftDate(slot))
	} else {
		out = append(out, s.ShiftDate(start))
	}
	if pace != PaceDaily {
		for len(out) < n {
			out = append(out, out[0])
		}
		return out
	}
	for len(out) < n {
		next := s.NextDelivery(anchor)
		if next.IsZero() {
			out = append(out, out[len(out)-1])
			continue
		}
		anchor = next
		if d := s.ShiftDate(next); d != out[len(out)-1] {
			out = append(out, d)
		}
	}
	return out
}
