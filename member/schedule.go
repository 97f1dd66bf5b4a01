package member

import (
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// A shift is the stretch of work hours that starts on one local calendar day,
// the shift day. For a day shift (08:00-17:00) it lies inside that day; for a
// night shift whose WorkEnd is before its WorkStart (19:00-07:30) it runs from
// WorkStart on the shift day to WorkEnd on the next calendar day, and the
// after-midnight part still belongs to the shift day. Work days, delivery
// slots and shift dates are all counted in shift days, so a Friday night
// shift delivers its 05:00 prompt on Saturday morning even when Saturday is
// not a work day.
//
// Every calculation goes through time.Date in the member's Location (never by
// adding 24h), so days that are 23 or 25 hours long around a daylight-saving
// change keep their local wall-clock times.

// scheduleScanDays is how many shift days NextDelivery and NextWorkTime look ahead
// before giving up.
const scheduleScanDays = 14

// loc returns the schedule's time zone, UTC when none is set.
func (s Schedule) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// allDay reports whether the work hours cover the whole day.
func (s Schedule) allDay() bool { return s.WorkStart == s.WorkEnd }

// wraps reports whether the work hours cross midnight.
func (s Schedule) wraps() bool { return s.WorkEnd < s.WorkStart }

// inWindow reports whether a local time of day lies within the work hours.
func (s Schedule) inWindow(c Clock) bool {
	switch {
	case s.allDay():
		return true
	case s.wraps():
		return c >= s.WorkStart || c < s.WorkEnd
	default:
		return c >= s.WorkStart && c < s.WorkEnd
	}
}

// afterMidnight reports whether a local time of day in the work window
// belongs to the shift that started on the previous calendar day.
func (s Schedule) afterMidnight(c Clock) bool { return s.wraps() && c < s.WorkEnd }

// effectiveDelivery is the time of day the daily prompt goes out:
// DeliveryTime when it falls inside the work hours, otherwise WorkStart.
func (s Schedule) effectiveDelivery() Clock {
	if s.inWindow(s.DeliveryTime) {
		return s.DeliveryTime
	}
	return s.WorkStart
}

// EffectiveDeliveryTime returns the local time of day the daily prompt goes
// out: DeliveryTime when it lies inside the work hours, otherwise WorkStart,
// so that nothing is ever sent outside work hours.
func (s Schedule) EffectiveDeliveryTime() Clock { return s.effectiveDelivery() }

// civilDate is a local calendar date.
type civilDate struct {
	y int
	m time.Month
	d int
}

// addDays returns the calendar date n days after d (n may be negative).
func (d civilDate) addDays(n int) civilDate {
	y, m, dd := time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC).Date()
	return civilDate{y, m, dd}
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
}

// String formats the date as YYYY-MM-DD.
func (d civilDate) String() string {
	var b [10]byte
	put := func(i, v, width int) {
		for j := width - 1; j >= 0; j-- {
			b[i+j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, d.y, 4)
	b[4] = '-'
	put(5, int(d.m), 2)
	b[7] = '-'
	put(8, d.d, 2)
	return string(b[:])
}

// clockOf returns the time of day of a local time, to the minute.
func clockOf(lt time.Time) Clock { return Clock(lt.Hour()*60 + lt.Minute()) }

// shiftDay returns the shift day t belongs to and t's local time of day.
func (s Schedule) shiftDay(t time.Time) (civilDate, Clock) {
	lt := t.In(s.loc())
	y, m, d := lt.Date()
	c := clockOf(lt)
	sd := civilDate{y, m, d}
	if s.afterMidnight(c) {
		sd = sd.addDays(-1)
	}
	return sd, c
}

// localAt returns c.On the calendar date d.
func localAt(d civilDate, c Clock, loc *time.Location) time.Time { return c.On(d.y, d.m, d.d, loc) }

// On returns the instant of wall time c on the calendar date y-m-d in loc,
// resolving daylight-saving edges deterministically (delivery slots, huddle
// series): a wall time skipped by a spring-forward gap maps to the first instant after the gap (02:30 on
// 2026-03-08 in New York is 03:00 EDT), and a wall time that occurs twice
// at a fall-back maps to its first occurrence (01:30 EDT on 2026-11-01).
// time.Date alone guarantees neither.
func (c Clock) On(y int, m time.Month, d int, loc *time.Location) time.Time {
	h, mi := int(c)/60, int(c)%60
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	want := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
	got := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	switch {
	case got.Before(want):
		// t fell before the gap: the gap starts where t's zone ends.
		_, end := t.ZoneBounds()
		if !end.IsZero() {
			return end
		}
		return t
	case got.After(want):
		// t fell after the gap: the gap ends where t's zone starts.
		start, _ := t.ZoneBounds()
		if !start.IsZero() {
			return start
		}
		return t
	}
	// The wall time exists; if the clock was turned back since, an earlier
	// instant may show the same wall time.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, curOff := t.Zone()
	_, prevOff := start.Add(-time.Second).Zone()
	if prevOff > curOff {
		if earlier := t.Add(-time.Duration(prevOff-curOff) * time.Second); earlier.Before(start) {
			return earlier
		}
	}
	return t
}

// isWorkDay reports whether shifts starting on d are worked.
func (s Schedule) isWorkDay(d civilDate) bool { return s.WorkDays.Has(d.weekday()) }

// Paused reports whether the member is paused at instant t.
func (s Schedule) Paused(t time.Time) bool { return s.PausedUntil.After(t) }

// slotOf returns the delivery instant of the shift starting on d. On a night
// shift a delivery time after midnight falls on the next calendar day.
func (s Schedule) slotOf(d civilDate) time.Time {
	c := s.effectiveDelivery()
	if s.afterMidnight(c) {
		d = d.addDays(1)
	}
	return localAt(d, c, s.loc())
}

// InWorkHours reports whether t falls inside the member's work hours: its
// local time of day (in s.Location, UTC when nil) lies in [WorkStart, WorkEnd)
// — wrapping midnight when WorkEnd < WorkStart, all day when they are equal —
// and the shift day it belongs to is one of WorkDays. The after-midnight part
// of a night shift belongs to the previous calendar day's shift. Pauses are
// not considered.
func (s Schedule) InWorkHours(t time.Time) bool {
	sd, c := s.shiftDay(t)
	return s.inWindow(c) && s.isWorkDay(sd)
}

// ShiftDate returns the shift date of t as "YYYY-MM-DD": t's local calendar
// date, except that on a night shift (WorkEnd < WorkStart) local times before
// WorkEnd belong to the shift that started the previous day. Times outside
// any shift belong to their calendar day: after a day shift that is the shift
// just ended, between two night shifts it is the one starting that evening.
func (s Schedule) ShiftDate(t time.Time) string {
	sd, _ := s.shiftDay(t)
	return sd.String()
}

// DeliverySlot reports whether the daily prompt is due at t. It returns the
// delivery instant of the shift t belongs to and that shift's date, and
// ok=true when the shift day is a work day, the slot is not after t, t is
// still inside work hours, and the member is not paused at the slot
// (PausedUntil after the slot means paused). slot and shiftDate are returned
// even when ok is false. A scheduler ticking every minute calls it to learn
// whether a prompt is due now and under which shift date to deduplicate it.
func (s Schedule) DeliverySlot(t time.Time) (slot time.Time, shiftDate string, ok bool) {
	sd, c := s.shiftDay(t)
	slot = s.slotOf(sd)
	ok = s.isWorkDay(sd) && s.inWindow(c) && !slot.After(t) && !s.Paused(slot)
	return slot, sd.String(), ok
}

// NextDelivery returns the first delivery instant strictly after t whose
// shift day is a work day and at which the member is not paused. Paused days
// are skipped; the scan covers 14 shift days from the later of t and the end
// of the pause, so a long pause does not hide the delivery that follows it.
// It returns the zero time when there is none (no work days).
func (s Schedule) NextDelivery(t time.Time) time.Time {
	from := t
	if s.PausedUntil.After(from) {
		from = s.PausedUntil
	}
	return s.scanWorkDays(from, s.slotOf, func(slot time.Time) bool { return slot.After(t) && !s.Paused(slot) })
}

// NextWorkTime returns t when it is inside work hours, otherwise the start of
// the next work-hours window on a work day (looking 14 days ahead), or the
// zero time when there is none. Escalations and nudges that fall outside work
// hours are deferred to it. Pauses are not considered.
func (s Schedule) NextWorkTime(t time.Time) time.Time {
	if s.InWorkHours(t) {
		return t
	}
	return s.scanWorkDays(t, func(d civilDate) time.Time { return localAt(d, s.WorkStart, s.loc()) },
		func(start time.Time) bool { return start.After(t) })
}

// scanWorkDays returns the first at(d) that ok accepts, over the work days d
// from the shift day of from onward (scheduleScanDays of them), or the zero
// time. It starts one day early: a night shift's after-midnight slot lies on
// the calendar day after its shift day.
func (s Schedule) scanWorkDays(from time.Time, at func(civilDate) time.Time, ok func(time.Time) bool) time.Time {
	sd, _ := s.shiftDay(from)
	sd = sd.addDays(-1)
	for i := 0; i <= scheduleScanDays+1; i++ {
		d := sd.addDays(i)
		if !s.isWorkDay(d) {
			continue
		}
		if v := at(d); ok(v) {
			return v
		}
	}
	return time.Time{}
}

// Upcoming returns when the member's next scheduled prompt goes out, seen at
// now, and whether that is now: when the current shift's delivery time has
// passed but its prompt is still due (DeliverySlot ok) and has not been sent
// (sentToday false) — a member who joins or resumes at 09:00 with an 08:30
// delivery time — the scheduler sends it on its next tick, so it returns the
// slot and due=true. Otherwise it returns NextDelivery(now) (zero when none).
func (s Schedule) Upcoming(now time.Time, sentToday bool) (at time.Time, due bool) {
	if slot, _, ok := s.DeliverySlot(now); ok && !sentToday {
		return slot, true
	}
	return s.NextDelivery(now), false
}

// DescribeNextIn says, in the member's own time zone, when their next
// scheduled prompt comes and — when it is not later today — why not sooner:
// "today at 08:45", "now (today's 08:30 prompt is on its way)",
// "Monday at 08:30 — today (Saturday) is not one of your work days (mon-fri)",
// "tomorrow at 08:30 — your work hours today (08:00–17:00) are over",
// "Monday at 08:30 — paused until Mon 7 Dec" (l's language: "el lunes a las
// 08:30 — …"). sentToday is whether the current shift's scheduled prompt
// exists already (see Upcoming). It returns "none scheduled" with the
// reason when there is no next delivery.
func (s Schedule) DescribeNextIn(l *i18n.Localizer, now time.Time, sentToday bool) string {
	at, due := s.Upcoming(now, sentToday)
	if due {
		return l.T("member.next.due", i18n.Data{"Time": l.ClockWithArticle(at.In(s.loc()))})
	}
	if at.IsZero() {
		if s.WorkDays == 0 {
			return l.T("member.next.no_days", nil)
		}
		return l.T("member.next.none", nil)
	}
	when := DescribeWhenIn(l, at, now, s.loc())
	if why := s.whyNotSooner(l, now, at, sentToday); why != "" {
		return l.T("member.next.because", i18n.Data{"When": when, "Why": why})
	}
	return when
}

// whyNotSooner explains a next delivery at `at` that is not in the current
// shift; "" when it is.
func (s Schedule) whyNotSooner(l *i18n.Localizer, now, at time.Time, sentToday bool) string {
	sd, c := s.shiftDay(now)
	if ad, _ := s.shiftDay(at); ad == sd {
		return ""
	}
	loc := s.loc()
	if s.Paused(now) {
		return l.T("member.why.paused", i18n.Data{"Until": l.ShortDate(s.PausedUntil.In(loc))})
	}
	if !s.isWorkDay(sd) {
		day := l.Weekday(localAt(sd, 12*60, loc).Weekday())
		return l.T("member.why.not_work_day", i18n.Data{"Day": day, "Days": s.WorkDays.Describe(l)})
	}
	if sentToday {
		return l.T("member.why.sent", nil)
	}
	if s.Paused(s.slotOf(sd)) {
		return l.T("member.why.paused_slot", nil)
	}
	if !s.inWindow(c) {
		return l.T("member.why.hours_over", i18n.Data{"Start": s.WorkStart.String(), "End": s.WorkEnd.String()})
	}
	return ""
}

// DescribeWhenIn names instant t as seen at now in loc, in l's language:
// "today at 08:45", "tomorrow at 08:30", "Monday at 08:30" within the
// coming week, otherwise "Mon 14 Dec at 08:30" ("hoy a las 08:45", "el lunes
// a la 01:00", "el lunes 14 de diciembre a las 08:30").
func DescribeWhenIn(l *i18n.Localizer, t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	lt, ln := t.In(loc), now.In(loc)
	td := civilDate{lt.Year(), lt.Month(), lt.Day()}
	nd := civilDate{ln.Year(), ln.Month(), ln.Day()}
	hm := l.ClockWithArticle(lt)
	switch {
	case td == nd:
		return l.T("member.when.today", i18n.Data{"Time": hm})
	case td == nd.addDays(1):
		return l.T("member.when.tomorrow", i18n.Data{"Time": hm})
	}
	for i := 2; i < 7; i++ {
		if td == nd.addDays(i) {
			return l.T("member.when.weekday", i18n.Data{"Day": l.Weekday(lt.Weekday()), "Time": hm})
		}
	}
	return l.T("member.when.date", i18n.Data{"Date": l.ShortDate(lt), "Time": hm})
}

// AwayReasonIn says, for someone else (a trainer) in l's language, why the
// member cannot be reached at now: "paused until Mon 7 Dec", "Saturday is
// not one of their work days (mon-fri)", "outside their work hours
// (19:00–07:30)" ("el sábado no es uno de sus días de trabajo (de lunes a
// viernes)"). It is "" when now is inside their work hours and they are
// not paused.
func (s Schedule) AwayReasonIn(l *i18n.Localizer, now time.Time) string {
	loc := s.loc()
	if s.Paused(now) {
		return l.T("member.away.paused", i18n.Data{"Until": l.ShortDate(s.PausedUntil.In(loc))})
	}
	sd, c := s.shiftDay(now)
	if !s.isWorkDay(sd) {
		if s.WorkDays == 0 {
			return l.T("member.away.no_days", nil)
		}
		day := l.Weekday(localAt(sd, 12*60, loc).Weekday())
		return l.T("member.away.not_work_day", i18n.Data{"Day": day, "Days": s.WorkDays.Describe(l)})
	}
	if !s.inWindow(c) {
		return l.T("member.away.hours", i18n.Data{"Start": s.WorkStart.String(), "End": s.WorkEnd.String()})
	}
	return ""
}

// NextDeliveryOn returns the first delivery instant strictly after now
// whose shift date is date or later ("" = any date): when a burst item that
// may go out from date onwards reaches a member who is not due now. It is
// the zero time when there is none in the next two weeks.
func (s Schedule) NextDeliveryOn(date string, now time.Time) time.Time {
	t := now
	for i := 0; i <= scheduleScanDays*3; i++ {
		next := s.NextDelivery(t)
		if next.IsZero() || s.ShiftDate(next) >= date {
			return next
		}
		t = next
	}
	return time.Time{}
}
