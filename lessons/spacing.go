package lessons

import (
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// Spacing is the review rule for quiz questions: how many days until a
// question answered wrong or right comes back, how many correct answers in a
// row retire it, and how long after delivery an unanswered prompt gets its
// single reminder.
type Spacing struct {
	WrongAfterDays     int
	RightAfterDays     int
	RetireAfterCorrect int           // <= 0: never retire
	NudgeAfter         time.Duration // 0 = no nudges
}

// DefaultSpacing is the rule from the spaced-education trials: wrong answers
// come back after 12 days, right answers after 24, two correct in a row retire
// the question, and an unanswered prompt is nudged once after 4 hours.
var DefaultSpacing = Spacing{
	WrongAfterDays:     12,
	RightAfterDays:     24,
	RetireAfterCorrect: 2,
	NudgeAfter:         4 * time.Hour,
}

// Review is the spacing state of one quiz question for one member.
type Review struct {
	LessonID string
	Streak   int    // consecutive correct answers
	Attempts int    // answers recorded
	DueDate  string // YYYY-MM-DD shift date on which it comes back
	Retired  bool
	// Memory and LastReviewDate are the FSRS state. They are kept up to date
	// under either rule, so that switching HUDDLEBOT_SPACING keeps history.
	Memory         MemoryState
	LastReviewDate string // YYYY-MM-DD shift date of the last answer; "" = none
}

// shiftDateLayout is the layout of shift dates and due dates.
const shiftDateLayout = "2006-01-02"

// AddDays returns the calendar date n days after date ("YYYY-MM-DD"), counted
// on the calendar (not in 24-hour steps). It returns "" when date is not a
// valid YYYY-MM-DD date.
func AddDays(date string, n int) string {
	t, err := time.Parse(shiftDateLayout, date)
	if err != nil {
		return ""
	}
	y, m, d := t.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, time.UTC).Format(shiftDateLayout)
}

// Apply returns r after an answer given on shiftDate (YYYY-MM-DD). A wrong
// answer resets the streak and brings the question back WrongAfterDays later;
// a right one extends the streak and brings it back RightAfterDays later, and
// retires it once the streak reaches RetireAfterCorrect. A wrong answer to a
// retired question un-retires it. Attempts always grows by one. A malformed
// shiftDate leaves DueDate "", which the planner never treats as due.
func (sp Spacing) Apply(r Review, correct bool, shiftDate string) Review {
	r.Attempts++
	if correct {
		r.Streak++
		r.DueDate = AddDays(shiftDate, sp.RightAfterDays)
		if sp.RetireAfterCorrect > 0 && r.Streak >= sp.RetireAfterCorrect {
			r.Retired = true
		}
		return r
	}
	r.Streak = 0
	r.Retired = false
	r.DueDate = AddDays(shiftDate, sp.WrongAfterDays)
	return r
}

// ShouldNudge reports whether a prompt sent at sentAt gets its one reminder
// at now. Only while the prompt is still the current one and the member can
// act on it the same working stretch: nudges are on (NudgeAfter > 0), the
// prompt is not answered, not already nudged and not expired, NudgeAfter has
// passed since sentAt, now is inside the member's work hours on the same
// shift day as sentAt (a Friday-afternoon question is never "reminded" on
// Monday), the member is not paused at now, and the next delivery after
// sentAt has not come yet (from then on the next prompt is decided and the
// old one is about to expire). A zero sentAt never nudges.
func (sp Spacing) ShouldNudge(sched member.Schedule, sentAt, now time.Time, answered, nudged, expired bool) bool {
	if sp.NudgeAfter <= 0 || sentAt.IsZero() || answered || nudged || expired {
		return false
	}
	if now.Before(sentAt.Add(sp.NudgeAfter)) || sched.Paused(now) || !sched.InWorkHours(now) {
		return false
	}
	if sched.ShiftDate(now) != sched.ShiftDate(sentAt) {
		return false
	}
	if next := sched.NextDelivery(sentAt); !next.IsZero() && !now.Before(next) {
		return false
	}
	return true
}

// NudgeWindow is how long after being sent a prompt can still be nudged at
// most: ShouldNudge wants the same shift day, and a shift day with its
// after-midnight part spans less than two calendar days. Candidate queries
// use it to leave older prompts out.
const NudgeWindow = 48 * time.Hour

// ShiftDue returns a copy of reviews in which every review that is not
// retired and has a due date comes due pausedDays later, so that a pause
// shifts the schedule instead of piling prompts up on resume. The input is
// not modified; pausedDays <= 0 changes nothing.
func ShiftDue(reviews []Review, pausedDays int) []Review {
	if reviews == nil {
		return nil
	}
	out := make([]Review, len(reviews))
	copy(out, reviews)
	if pausedDays <= 0 {
		return out
	}
	for i := range out {
		if out[i].Retired || out[i].DueDate == "" {
			continue
		}
		if d := AddDays(out[i].DueDate, pausedDays); d != "" {
			out[i].DueDate = d
		}
	}
	return out
}

// PauseDays returns how many days a pause from `from` to `until` moves the
// review schedule: the number of calendar days between their local dates in
// loc (UTC when nil), never negative. Pausing and resuming both count with
// it, so a pause ended in the same minute it began gives back exactly the
// days it took, whatever the time of day or a daylight-saving change.
func PauseDays(from, until time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	if !until.After(from) {
		return 0
	}
	fy, fm, fd := from.In(loc).Date()
	uy, um, ud := until.In(loc).Date()
	// Whole days between two UTC noons are exact (no DST in UTC).
	a := time.Date(fy, fm, fd, 12, 0, 0, 0, time.UTC)
	b := time.Date(uy, um, ud, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
