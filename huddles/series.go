package huddles

import (
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
)

// DefaultRemind is how many minutes before a recurring huddle its reminder
// is posted.
const DefaultRemind = 15

// Series is a recurring huddle: on Days at At, local time in Location (the
// host's time zone when it was scheduled), with a reminder RemindMinutes
// before (0 = no reminder). LastReminded is the key of the last occurrence a
// reminder went out for, so a reminder is posted once however often the
// scheduler ticks and however many replicas run.
type Series struct {
	ID            int64
	WorkspaceID   int64
	Channel       string
	HostID        int64
	HostName      string
	Title         string
	Agenda        string
	Days          member.Weekdays
	At            member.Clock
	Location      *time.Location
	RemindMinutes int
	Active        bool
	LastReminded  string
	CreatedAt     time.Time
}

func (s *Series) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Next returns the first occurrence strictly after t, in the series' zone,
// or the zero time when the series has no days. Occurrences keep their
// local wall-clock time across daylight-saving changes; a time skipped by
// a spring-forward gap moves to the end of the gap, and a time that occurs
// twice at a fall-back is its first occurrence.
func (s *Series) Next(t time.Time) time.Time {
	if s.Days == 0 {
		return time.Time{}
	}
	lt := t.In(s.loc())
	y, m, d := lt.Date()
	for i := 0; i <= 8; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC)
		if !s.Days.Has(day.Weekday()) {
			continue
		}
		if occ := s.At.On(day.Year(), day.Month(), day.Day(), s.loc()); occ.After(t) {
			return occ
		}
	}
	return time.Time{}
}

// Near reports whether an occurrence lies within window of t, either side.
func (s *Series) Near(t time.Time, window time.Duration) bool {
	n := s.Next(t.Add(-window - time.Nanosecond))
	return !n.IsZero() && !n.After(t.Add(window))
}

// OccurrenceKey names an occurrence for LastReminded: its local date.
func (s *Series) OccurrenceKey(occ time.Time) string { return occ.In(s.loc()).Format("2006-01-02") }

// ReminderDue reports whether a reminder should be posted at now: the next
// occurrence after now starts within RemindMinutes and has not been reminded
// yet. It returns that occurrence and its key (to store in LastReminded). A
// tick that comes after an occurrence started posts nothing for it.
func (s *Series) ReminderDue(now time.Time) (occ time.Time, key string, ok bool) {
	if !s.Active || s.RemindMinutes <= 0 {
		return time.Time{}, "", false
	}
	occ = s.Next(now)
	if occ.IsZero() {
		return time.Time{}, "", false
	}
	key = s.OccurrenceKey(occ)
	remindAt := occ.Add(-time.Duration(s.RemindMinutes) * time.Minute)
	return occ, key, !now.Before(remindAt) && key != s.LastReminded
}

// Describe says when the series meets in l's language, e.g. "Tue and Thu
// at 07:45 America/Chicago", "mar y jue a las 07:45 (America/Chicago)".
func (s *Series) Describe(l *i18n.Localizer) string {
	return l.T("huddles.series.when", i18n.Data{"Days": s.Days.Describe(l), "Time": s.At.In(l), "Zone": s.loc().String()})
}
