// Package support holds the rules of "ask a super-user": who a question goes
// to first, when and where it escalates, and the figures trainers read.
//
// Everything here is a pure function of its arguments and a time: nothing
// reads the clock, the database or a chat platform, so the rules are
// table-tested across work hours, night shifts and weekends.
//
// A question climbs three levels:
//
//	0  the on-duty super-users of the asker's department
//	1  on-duty super-users of other departments (and anyone who came on duty since)
//	2  the helpdesk channel
//
// It moves up when nobody claimed it within Policy.EscalateAfter of the
// asker's work time, or at once when the level has nobody to ask.
package support

import (
	"cmp"
	"slices"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// Level is how far a question has escalated.
type Level int

// Levels.
const (
	LevelDepartment Level = 0 // the asker's own department
	LevelOthers     Level = 1 // other departments
	LevelHelpdesk   Level = 2 // the helpdesk channel
)

// Hours are a super-user's on-duty hours, local to their Schedule's time
// zone. End before Start wraps midnight (a night shift); equal means all day.
type Hours struct {
	Start, End member.Clock
}

// Helper is a super-user who may be asked.
type Helper struct {
	MemberID   int64
	Name       string
	Department string
	OnDuty     bool            // the /learn duty on|off switch
	Schedule   member.Schedule // time zone, work hours and work days, pause
	Duty       *Hours          // on-duty hours; nil = their work hours
	// DutyUntil, when after now, makes them available outside their duty
	// hours and days: a super-user who turns duty on at the weekend is
	// routed questions until then (DutyOnUntil).
	DutyUntil time.Time
}

// DutySchedule returns the schedule that decides when h can be asked: their
// own schedule with the work hours replaced by the on-duty hours, if set.
// Work days and time zone stay theirs.
func (h Helper) DutySchedule() member.Schedule {
	s := h.Schedule
	if h.Duty != nil {
		s.WorkStart, s.WorkEnd = h.Duty.Start, h.Duty.End
	}
	return s
}

// Available reports whether h can be asked at now: the duty switch is on,
// they are not paused (on vacation), and now lies inside their on-duty
// hours (work hours when none are set) on one of their work days — or
// before DutyUntil, when they turned duty on outside them.
func (h Helper) Available(now time.Time) bool {
	return h.OnDuty && !h.Schedule.PausedUntil.After(now) && (h.DutySchedule().InWorkHours(now) || h.DutyUntil.After(now))
}

// NextAvailable returns the first instant at or after now at which h can be
// asked if nothing changes: now when Available, otherwise the start of their
// next duty window after any pause (looking two weeks ahead). It returns
// the zero time when the duty switch is off or no window comes.
func (h Helper) NextAvailable(now time.Time) time.Time {
	if !h.OnDuty {
		return time.Time{}
	}
	if h.Available(now) {
		return now
	}
	from := now
	if h.Schedule.PausedUntil.After(from) {
		from = h.Schedule.PausedUntil
	}
	if h.DutyUntil.After(from) {
		return from
	}
	return h.DutySchedule().NextWorkTime(from)
}

// DutyOnUntil decides what "/learn duty on" at now means for h. Inside
// their duty hours on a work day it returns the zero time: the hours decide,
// as before. Outside them — a weekend, an evening; hospitals work every
// day — turning duty on means "route questions to me now", until the end of
// the duty window as the clock runs today (Saturday 10:00 with hours
// 08:00–17:00: until 17:00), or, when the clock is outside that window too,
// until the next time it ends (Saturday 20:00: until Sunday 17:00); all-day
// hours last until the next local midnight. DutyOff or their own hours take
// over after it.
func (h Helper) DutyOnUntil(now time.Time) time.Time {
	s := h.DutySchedule()
	if s.InWorkHours(now) {
		return time.Time{}
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := now.In(loc)
	end := s.WorkEnd
	if s.WorkStart == s.WorkEnd {
		end = 0
	}
	// The next instant after now whose local time of day is end. Stepping
	// by calendar day through time.Date keeps the wall time across
	// daylight-saving changes.
	for i := 0; i < 3; i++ {
		t := time.Date(lt.Year(), lt.Month(), lt.Day()+i, int(end)/60, int(end)%60, 0, 0, loc)
		if t.After(now) {
			return t
		}
	}
	return now.Add(24 * time.Hour)
}

// Policy is the configuration the rules depend on.
type Policy struct {
	// EscalateAfter is how long a question may stay unclaimed at a level,
	// counted only inside the asker's work hours.
	EscalateAfter time.Duration
	// Helpdesk reports whether a helpdesk channel is configured.
	Helpdesk bool
}

// Question is the routing state of one open, unclaimed question.
type Question struct {
	AskerID    int64
	Department string          // the asker's department; "" = unknown
	Asker      member.Schedule // the asker's work hours, for deadlines
	Level      Level
	Routed     []int64 // members it was already sent to
	Waiting    bool    // the asker was told it waits for someone to come on duty
}

// Reason says why a Decision was taken, so the asker can be told.
type Reason string

// Reasons.
const (
	// ReasonDepartment: sent to on-duty super-users of the asker's department.
	ReasonDepartment Reason = "department"
	// ReasonNoneOnDuty: nobody of the department is on duty, so it went to
	// other departments right away.
	ReasonNoneOnDuty Reason = "none-on-duty"
	// ReasonUnclaimed: nobody claimed it in time, so it went to other
	// departments.
	ReasonUnclaimed Reason = "unclaimed"
	// ReasonHelpdesk: sent to the helpdesk channel.
	ReasonHelpdesk Reason = "helpdesk"
	// ReasonNoHelpdesk: it should go to the helpdesk but none is configured;
	// it stays open at LevelOthers and goes to whoever comes on duty.
	ReasonNoHelpdesk Reason = "no-helpdesk"
	// ReasonCameOnDuty: while waiting, super-users who came on duty get it.
	ReasonCameOnDuty Reason = "came-on-duty"
	// ReasonNoChange: checked again at a deadline; nothing new to do.
	ReasonNoChange Reason = "no-change"
)

// Decision is what to do with a question now.
type Decision struct {
	Level      Level
	To         []Helper  // new recipients of a DM, own department first
	Helpdesk   bool      // post to the helpdesk channel now
	Waiting    bool      // the question now waits for someone to come on duty
	EscalateAt time.Time // when to look again; zero = never (it reached the helpdesk)
	Reason     Reason
}

// Route decides where a new question goes at now: to the available
// super-users of the asker's department (never the asker), or — when there
// are none — straight on as Escalate would from LevelDepartment, with
// ReasonNoneOnDuty instead of ReasonUnclaimed.
func Route(q Question, helpers []Helper, now time.Time, p Policy) Decision {
	q.Level, q.Routed, q.Waiting = LevelDepartment, nil, false
	if q.Department != "" {
		own := candidates(q, helpers, now, func(h Helper) bool { return h.Department == q.Department })
		if len(own) > 0 {
			return Decision{Level: LevelDepartment, To: own, EscalateAt: Deadline(q.Asker, now, p.EscalateAfter), Reason: ReasonDepartment}
		}
	}
	return toOthers(q, helpers, now, p, ReasonNoneOnDuty)
}

// Escalate decides what happens to a question still unclaimed at its
// deadline: from LevelDepartment it goes to every available super-user who
// has not had it (other departments first in spirit, anyone who came on duty
// too), or on to the helpdesk when there is nobody; from LevelOthers it goes
// to the helpdesk channel. Without a helpdesk channel it stays at
// LevelOthers, waiting: the asker is told once (ReasonNoHelpdesk), and every
// later deadline hands it to super-users who came on duty since
// (ReasonCameOnDuty) or changes nothing (ReasonNoChange). At LevelHelpdesk
// nothing changes any more.
func Escalate(q Question, helpers []Helper, now time.Time, p Policy) Decision {
	switch q.Level {
	case LevelDepartment:
		return toOthers(q, helpers, now, p, ReasonUnclaimed)
	case LevelOthers:
		return toHelpdesk(q, helpers, now, p)
	default:
		return Decision{Level: q.Level, Waiting: q.Waiting, Reason: ReasonNoChange}
	}
}

func toOthers(q Question, helpers []Helper, now time.Time, p Policy, why Reason) Decision {
	to := candidates(q, helpers, now, func(Helper) bool { return true })
	if len(to) > 0 {
		return Decision{Level: LevelOthers, To: to, EscalateAt: Deadline(q.Asker, now, p.EscalateAfter), Reason: why}
	}
	q.Level = LevelOthers
	return toHelpdesk(q, helpers, now, p)
}

func toHelpdesk(q Question, helpers []Helper, now time.Time, p Policy) Decision {
	if p.Helpdesk {
		return Decision{Level: LevelHelpdesk, Helpdesk: true, Reason: ReasonHelpdesk}
	}
	d := Decision{Level: LevelOthers, Waiting: true, EscalateAt: Deadline(q.Asker, now, p.EscalateAfter),
		To: candidates(q, helpers, now, func(Helper) bool { return true })}
	// Look again as soon as anyone who has not had it comes on duty, not
	// only inside the asker's work hours: a night super-user never on duty
	// while a day-shift asker works must still get it.
	if next := nextOnDuty(q, helpers, now, d.To); !next.IsZero() && next.Before(d.EscalateAt) {
		d.EscalateAt = next
	}
	switch {
	case !q.Waiting:
		d.Reason = ReasonNoHelpdesk
	case len(d.To) > 0:
		d.Reason = ReasonCameOnDuty
	default:
		d.Reason = ReasonNoChange
	}
	return d
}

// nextOnDuty returns the earliest instant after now at which a helper who
// is not the asker, has not had the question and is not among `now` (just
// given it) becomes available; zero when none will.
func nextOnDuty(q Question, helpers []Helper, now time.Time, given []Helper) time.Time {
	var next time.Time
	for _, h := range helpers {
		if h.MemberID == q.AskerID || slices.Contains(q.Routed, h.MemberID) ||
			slices.ContainsFunc(given, func(g Helper) bool { return g.MemberID == h.MemberID }) {
			continue
		}
		t := h.NextAvailable(now)
		if !t.After(now) {
			// Available now but not given it: it cannot be (candidates
			// takes everyone available); look from the next minute.
			t = h.NextAvailable(now.Add(time.Minute))
		}
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// candidates returns the helpers available at now who match keep, are not
// the asker and have not had the question, sorted: the asker's department
// first, then by department, name and id.
func candidates(q Question, helpers []Helper, now time.Time, keep func(Helper) bool) []Helper {
	var out []Helper
	for _, h := range helpers {
		if h.MemberID == q.AskerID || slices.Contains(q.Routed, h.MemberID) || !keep(h) || !h.Available(now) {
			continue
		}
		if slices.ContainsFunc(out, func(o Helper) bool { return o.MemberID == h.MemberID }) {
			continue
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b Helper) int {
		aOwn, bOwn := a.Department == q.Department, b.Department == q.Department
		switch {
		case aOwn && !bOwn:
			return -1
		case bOwn && !aOwn:
			return 1
		}
		return cmp.Or(cmp.Compare(a.Department, b.Department), cmp.Compare(a.Name, b.Name), cmp.Compare(a.MemberID, b.MemberID))
	})
	return out
}

// maxDeadlineSteps bounds Deadline's walk (about a week of minutes).
const maxDeadlineSteps = 20000

// Deadline returns the instant at which d of work time has passed since
// from, counting only time inside s's work hours on its work days: a
// question asked at 16:55 with work hours 08:00–17:00 and d = 10 minutes
// escalates at 08:05 on the next work day; one asked outside work hours
// starts counting when they next begin. When s has no work time at all (no
// work days) it counts wall-clock time. d <= 0 returns from.
func Deadline(s member.Schedule, from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	t := s.NextWorkTime(from)
	if t.IsZero() {
		return from.Add(d)
	}
	rem := d
	for i := 0; rem > 0; i++ {
		if i > maxDeadlineSteps {
			return t.Add(rem)
		}
		if !s.InWorkHours(t) {
			n := s.NextWorkTime(t)
			if n.IsZero() {
				return t.Add(rem)
			}
			t = n
			continue
		}
		// Work hours change only on minute boundaries: the rest of this
		// minute is all work time.
		step := min(t.Truncate(time.Minute).Add(time.Minute).Sub(t), rem)
		t, rem = t.Add(step), rem-step
	}
	return t
}
