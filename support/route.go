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

	"github.com/huddlebot/huddlebot/lessons"
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
	Start, End lessons.Clock
}

// Helper is a super-user who may be asked.
type Helper struct {
	MemberID   int64
	Name       string
	Department string
	OnDuty     bool             // the /learn duty on|off switch
	Schedule   lessons.Schedule // time zone, work hours and work days, pause
	Duty       *Hours           // on-duty hours; nil = their work hours
}

// DutySchedule returns the schedule that decides when h can be asked: their
// own schedule with the work hours replaced by the on-duty hours, if set.
// Work days and time zone stay theirs.
func (h Helper) DutySchedule() lessons.Schedule {
	s := h.Schedule
	if h.Duty != nil {
		s.WorkStart, s.WorkEnd = h.Duty.Start, h.Duty.End
	}
	return s
}

// Available reports whether h can be asked at now: the duty switch is on,
// now lies inside their on-duty hours (work hours when none are set) on one
// of their work days, and they are not paused (on vacation).
func (h Helper) Available(now time.Time) bool {
	return h.OnDuty && !h.Schedule.PausedUntil.After(now) && h.DutySchedule().InWorkHours(now)
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
	Department string           // the asker's department; "" = unknown
	Asker      lessons.Schedule // the asker's work hours, for deadlines
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
func Deadline(s lessons.Schedule, from time.Time, d time.Duration) time.Time {
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
