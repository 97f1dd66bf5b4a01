package member

import (
	"testing"
	"time"
)

// Calendar used below (2026): Mar 8 and Nov 1 are Sundays (US DST changes);
// Jun 15 is a Monday, Jun 19 a Friday, Jun 20/21 the weekend.

func testLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func testClock(t testing.TB, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testInstant parses an RFC 3339 time; "" is the zero time. Offsets are written
// out so that every expected instant is unambiguous.
func testInstant(t testing.TB, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testSched builds a schedule from readable strings: hours like "08:00-17:00".
func testSched(t testing.TB, zone, delivery, hours string, days Weekdays) Schedule {
	t.Helper()
	if len(hours) != 11 || hours[5] != '-' {
		t.Fatalf("bad hours %q", hours)
	}
	return Schedule{
		Location:     testLoc(t, zone),
		DeliveryTime: testClock(t, delivery),
		WorkStart:    testClock(t, hours[:5]),
		WorkEnd:      testClock(t, hours[6:]),
		WorkDays:     days,
	}
}

func testPaused(s Schedule, until time.Time) Schedule {
	s.PausedUntil = until
	return s
}

func testSameInstant(a, b time.Time) bool { return a.Equal(b) && a.IsZero() == b.IsZero() }

func TestScheduleInWorkHours(t *testing.T) {
	t.Parallel()
	day := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri)
	night := testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri)
	allDay := testSched(t, "Asia/Kolkata", "09:00", "00:00-00:00", MonFri)
	tests := []struct {
		name string
		s    Schedule
		at   string
		want bool
	}{
		{"day start inclusive", day, "2026-06-16T08:00:00+02:00", true},
		{"day before start", day, "2026-06-16T07:59:59+02:00", false},
		{"day last minute", day, "2026-06-16T16:59:59+02:00", true},
		{"day end exclusive", day, "2026-06-16T17:00:00+02:00", false},
		{"day saturday", day, "2026-06-20T10:00:00+02:00", false},
		{"day converted from UTC", day, "2026-06-16T06:30:00Z", true},
		{"day UTC says in hours, Berlin says not", day, "2026-06-16T15:30:00Z", false},
		{"night start inclusive", night, "2026-06-16T19:00:00+02:00", true},
		{"night before start", night, "2026-06-16T18:59:00+02:00", false},
		{"night before midnight", night, "2026-06-16T23:59:00+02:00", true},
		{"night midnight", night, "2026-06-17T00:00:00+02:00", true},
		{"night last minute", night, "2026-06-17T07:29:00+02:00", true},
		{"night end exclusive", night, "2026-06-17T07:30:00+02:00", false},
		{"night daytime gap", night, "2026-06-17T12:00:00+02:00", false},
		{"friday night shift runs into saturday", night, "2026-06-20T03:00:00+02:00", true},
		{"saturday night is not a work day", night, "2026-06-20T22:00:00+02:00", false},
		{"sunday night is not a work day", night, "2026-06-22T03:00:00+02:00", false},
		{"monday night", night, "2026-06-22T20:00:00+02:00", true},
		{"all day midnight", allDay, "2026-06-16T00:00:00+05:30", true},
		{"all day late", allDay, "2026-06-16T23:59:00+05:30", true},
		{"all day weekend", allDay, "2026-06-21T12:00:00+05:30", false},
		{"nil location is UTC", Schedule{WorkStart: 480, WorkEnd: 1020, WorkDays: MonFri}, "2026-06-16T08:00:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.InWorkHours(testInstant(t, tt.at)); got != tt.want {
				t.Errorf("InWorkHours(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestScheduleShiftDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Schedule
		at   string
		want string
	}{
		{"auckland is a day ahead of UTC", testSched(t, "Pacific/Auckland", "08:30", "08:00-17:00", MonFri), "2026-06-15T20:45:00Z", "2026-06-16"},
		{"kolkata half-hour offset past midnight", testSched(t, "Asia/Kolkata", "08:30", "08:00-17:00", MonFri), "2026-06-15T18:30:00Z", "2026-06-16"},
		{"kolkata just before midnight", testSched(t, "Asia/Kolkata", "08:30", "08:00-17:00", MonFri), "2026-06-15T18:29:00Z", "2026-06-15"},
		{"los angeles is a day behind UTC", testSched(t, "America/Los_Angeles", "08:30", "08:00-17:00", MonFri), "2026-06-16T03:00:00Z", "2026-06-15"},
		{"day shift before start is today", testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri), "2026-06-16T07:00:00+02:00", "2026-06-16"},
		{"day shift after end is today", testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri), "2026-06-16T23:00:00+02:00", "2026-06-16"},
		{"night shift after midnight is yesterday", testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri), "2026-06-20T03:00:00+02:00", "2026-06-19"},
		{"night shift at end is today", testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri), "2026-06-20T07:30:00+02:00", "2026-06-20"},
		{"night shift evening is today", testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri), "2026-06-19T19:00:00+02:00", "2026-06-19"},
		{"night shift over spring forward", testSched(t, "America/New_York", "02:30", "19:00-07:30", AllWeek), "2026-03-08T03:00:00-04:00", "2026-03-07"},
		{"night shift over fall back, second 01:30", testSched(t, "America/New_York", "01:30", "19:00-07:30", AllWeek), "2026-11-01T01:30:00-05:00", "2026-10-31"},
		{"month and year boundary", testSched(t, "Pacific/Auckland", "22:00", "19:00-07:30", AllWeek), "2026-12-31T12:00:00Z", "2026-12-31"},
		{"new year after midnight belongs to old year", testSched(t, "Pacific/Auckland", "22:00", "19:00-07:30", AllWeek), "2026-12-31T13:00:00Z", "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.ShiftDate(testInstant(t, tt.at)); got != tt.want {
				t.Errorf("ShiftDate(%s) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestScheduleEffectiveDeliveryTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		delivery, hours, want string
	}{
		{"08:30", "08:00-17:00", "08:30"},
		{"08:00", "08:00-17:00", "08:00"},
		{"06:00", "08:00-17:00", "08:00"}, // before work: clamps to WorkStart
		{"17:00", "08:00-17:00", "08:00"}, // WorkEnd is exclusive
		{"22:00", "19:00-07:30", "22:00"},
		{"05:00", "19:00-07:30", "05:00"},
		{"12:00", "19:00-07:30", "19:00"},
		{"03:00", "00:00-00:00", "03:00"}, // all day
	}
	for _, tt := range tests {
		s := testSched(t, "UTC", tt.delivery, tt.hours, MonFri)
		if got := s.EffectiveDeliveryTime().String(); got != tt.want {
			t.Errorf("delivery %s hours %s: effective %s, want %s", tt.delivery, tt.hours, got, tt.want)
		}
	}
}

func TestScheduleDeliverySlot(t *testing.T) {
	t.Parallel()
	auckland := testSched(t, "Pacific/Auckland", "08:30", "08:00-17:00", MonFri)
	kolkata := testSched(t, "Asia/Kolkata", "08:30", "08:00-17:00", MonFri)
	la := testSched(t, "America/Los_Angeles", "08:30", "08:00-17:00", MonFri)
	berlin := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri)
	nyDay := testSched(t, "America/New_York", "08:30", "08:00-17:00", AllWeek)
	nyNightGap := testSched(t, "America/New_York", "02:30", "19:00-07:30", AllWeek)
	nyAllDayGap := testSched(t, "America/New_York", "02:30", "00:00-00:00", AllWeek)
	nyNightRepeat := testSched(t, "America/New_York", "01:30", "19:00-07:30", AllWeek)
	night22 := testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri)
	night2330 := testSched(t, "Europe/Berlin", "23:30", "19:00-07:30", MonFri)
	night05 := testSched(t, "Europe/Berlin", "05:00", "19:00-07:30", MonFri)
	early := testSched(t, "Europe/Berlin", "06:00", "08:00-17:00", MonFri)
	late := testSched(t, "Europe/Berlin", "18:00", "08:00-17:00", MonFri)
	wedNoon := testInstant(t, "2026-06-17T12:00:00+02:00")

	tests := []struct {
		name     string
		s        Schedule
		at       string
		wantSlot string
		wantDate string
		wantOK   bool
	}{
		// Time zones on both sides of UTC.
		{"auckland due while UTC is still the day before", auckland, "2026-06-15T20:45:00Z", "2026-06-16T08:30:00+12:00", "2026-06-16", true},
		{"auckland not yet", auckland, "2026-06-16T08:15:00+12:00", "2026-06-16T08:30:00+12:00", "2026-06-16", false},
		{"kolkata exactly at slot", kolkata, "2026-06-16T08:30:00+05:30", "2026-06-16T08:30:00+05:30", "2026-06-16", true},
		{"kolkata a second early", kolkata, "2026-06-16T08:29:59+05:30", "2026-06-16T08:30:00+05:30", "2026-06-16", false},
		{"los angeles last minute while UTC is the next day", la, "2026-06-15T23:59:00Z", "2026-06-15T08:30:00-07:00", "2026-06-15", true},
		{"los angeles after work", la, "2026-06-16T00:00:00Z", "2026-06-15T08:30:00-07:00", "2026-06-15", false},
		{"berlin weekday", berlin, "2026-06-16T10:00:00+02:00", "2026-06-16T08:30:00+02:00", "2026-06-16", true},
		{"berlin saturday", berlin, "2026-06-20T10:00:00+02:00", "2026-06-20T08:30:00+02:00", "2026-06-20", false},

		// New York, March 2026: day before, of and after spring forward.
		{"ny mar 7 EST", nyDay, "2026-03-07T08:31:00-05:00", "2026-03-07T13:30:00Z", "2026-03-07", true},
		{"ny mar 8 EDT", nyDay, "2026-03-08T08:31:00-04:00", "2026-03-08T12:30:00Z", "2026-03-08", true},
		{"ny mar 8 one hour early in UTC terms", nyDay, "2026-03-08T13:29:00Z", "2026-03-08T12:30:00Z", "2026-03-08", true},
		{"ny mar 9 EDT", nyDay, "2026-03-09T08:31:00-04:00", "2026-03-09T12:30:00Z", "2026-03-09", true},
		// New York, November 2026: day before, of and after fall back.
		{"ny oct 31 EDT", nyDay, "2026-10-31T08:31:00-04:00", "2026-10-31T12:30:00Z", "2026-10-31", true},
		{"ny nov 1 EST", nyDay, "2026-11-01T08:31:00-05:00", "2026-11-01T13:30:00Z", "2026-11-01", true},
		{"ny nov 1 not yet at 12:30Z", nyDay, "2026-11-01T12:30:00Z", "2026-11-01T13:30:00Z", "2026-11-01", false},
		{"ny nov 2 EST", nyDay, "2026-11-02T08:31:00-05:00", "2026-11-02T13:30:00Z", "2026-11-02", true},

		// Delivery time inside the spring-forward gap: 02:30 does not exist
		// on 2026-03-08 and maps to 03:00 EDT, the first instant after it.
		{"gap: night before", nyNightGap, "2026-03-07T02:31:00-05:00", "2026-03-07T02:30:00-05:00", "2026-03-06", true},
		{"gap: before the gap", nyNightGap, "2026-03-08T01:59:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-07", false},
		{"gap: just after the gap", nyNightGap, "2026-03-08T03:00:00-04:00", "2026-03-08T03:00:00-04:00", "2026-03-07", true},
		{"gap: night after", nyNightGap, "2026-03-09T02:30:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-08", true},
		{"gap: all-day schedule", nyAllDayGap, "2026-03-08T03:00:00-04:00", "2026-03-08T03:00:00-04:00", "2026-03-08", true},
		{"gap: all-day schedule before", nyAllDayGap, "2026-03-08T01:59:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08", false},
		// Delivery time repeated at fall back: the first 01:30 (EDT) counts.
		{"repeat: first 01:30 not yet", nyNightRepeat, "2026-11-01T01:29:00-04:00", "2026-11-01T01:30:00-04:00", "2026-10-31", false},
		{"repeat: first 01:30", nyNightRepeat, "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-10-31", true},
		{"repeat: during the second 01:xx", nyNightRepeat, "2026-11-01T01:10:00-05:00", "2026-11-01T01:30:00-04:00", "2026-10-31", true},
		{"repeat: night after", nyNightRepeat, "2026-11-02T01:30:00-05:00", "2026-11-02T01:30:00-05:00", "2026-11-01", true},

		// Night shift 19:00-07:30, Mon-Fri.
		{"22:00 friday", night22, "2026-06-19T22:05:00+02:00", "2026-06-19T22:00:00+02:00", "2026-06-19", true},
		{"22:00 friday early", night22, "2026-06-19T21:59:00+02:00", "2026-06-19T22:00:00+02:00", "2026-06-19", false},
		{"22:00 after midnight still friday's shift", night22, "2026-06-20T03:00:00+02:00", "2026-06-19T22:00:00+02:00", "2026-06-19", true},
		{"22:00 shift over", night22, "2026-06-20T07:30:00+02:00", "2026-06-20T22:00:00+02:00", "2026-06-20", false},
		{"22:00 saturday night", night22, "2026-06-20T22:05:00+02:00", "2026-06-20T22:00:00+02:00", "2026-06-20", false},
		{"23:30 monday", night2330, "2026-06-22T23:30:00+02:00", "2026-06-22T23:30:00+02:00", "2026-06-22", true},
		{"23:30 monday's shift after midnight", night2330, "2026-06-23T00:10:00+02:00", "2026-06-22T23:30:00+02:00", "2026-06-22", true},
		{"23:30 too early", night2330, "2026-06-22T23:29:00+02:00", "2026-06-22T23:30:00+02:00", "2026-06-22", false},
		{"05:00 friday night delivers saturday", night05, "2026-06-20T05:00:00+02:00", "2026-06-20T05:00:00+02:00", "2026-06-19", true},
		{"05:00 not yet on friday evening", night05, "2026-06-19T22:00:00+02:00", "2026-06-20T05:00:00+02:00", "2026-06-19", false},
		{"05:00 sunday night does not deliver", night05, "2026-06-22T05:00:00+02:00", "2026-06-22T05:00:00+02:00", "2026-06-21", false},
		{"05:00 thursday night delivers friday", night05, "2026-06-19T05:01:00+02:00", "2026-06-19T05:00:00+02:00", "2026-06-18", true},
		{"05:00 shift ended", night05, "2026-06-19T07:30:00+02:00", "2026-06-20T05:00:00+02:00", "2026-06-19", false},

		// Delivery time outside work hours clamps to WorkStart.
		{"06:00 clamps to 08:00", early, "2026-06-16T08:00:00+02:00", "2026-06-16T08:00:00+02:00", "2026-06-16", true},
		{"06:00 not sent at 06:00", early, "2026-06-16T06:00:00+02:00", "2026-06-16T08:00:00+02:00", "2026-06-16", false},
		{"18:00 clamps to 08:00", late, "2026-06-16T08:00:00+02:00", "2026-06-16T08:00:00+02:00", "2026-06-16", true},

		// Paused until Wednesday noon.
		{"paused tuesday", testPaused(berlin, wedNoon), "2026-06-16T09:00:00+02:00", "2026-06-16T08:30:00+02:00", "2026-06-16", false},
		{"paused wednesday 08:30", testPaused(berlin, wedNoon), "2026-06-17T12:30:00+02:00", "2026-06-17T08:30:00+02:00", "2026-06-17", false},
		{"resumed thursday", testPaused(berlin, wedNoon), "2026-06-18T08:30:00+02:00", "2026-06-18T08:30:00+02:00", "2026-06-18", true},
		{"pause ending exactly at the slot", testPaused(berlin, testInstant(t, "2026-06-17T08:30:00+02:00")), "2026-06-17T08:30:00+02:00", "2026-06-17T08:30:00+02:00", "2026-06-17", true},
		{"pause in the past", testPaused(berlin, testInstant(t, "2026-06-01T00:00:00Z")), "2026-06-17T08:30:00+02:00", "2026-06-17T08:30:00+02:00", "2026-06-17", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slot, date, ok := tt.s.DeliverySlot(testInstant(t, tt.at))
			if !slot.Equal(testInstant(t, tt.wantSlot)) || date != tt.wantDate || ok != tt.wantOK {
				t.Errorf("DeliverySlot(%s) = %s, %s, %v; want %s, %s, %v",
					tt.at, slot.Format(time.RFC3339), date, ok, tt.wantSlot, tt.wantDate, tt.wantOK)
			}
		})
	}
}

func TestScheduleNextDelivery(t *testing.T) {
	t.Parallel()
	berlin := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri)
	nyDay := testSched(t, "America/New_York", "08:30", "08:00-17:00", AllWeek)
	nyNightGap := testSched(t, "America/New_York", "02:30", "19:00-07:30", AllWeek)
	nyNightRepeat := testSched(t, "America/New_York", "01:30", "19:00-07:30", AllWeek)
	night05 := testSched(t, "Europe/Berlin", "05:00", "19:00-07:30", MonFri)
	kolkata := testSched(t, "Asia/Kolkata", "08:30", "08:00-17:00", MonFri)
	auckland := testSched(t, "Pacific/Auckland", "08:30", "08:00-17:00", MonFri)
	none := berlin
	none.WorkDays = 0

	testNextInstant(t, "NextDelivery", Schedule.NextDelivery, []nextCase{
		{"later today", berlin, "2026-06-16T07:00:00+02:00", "2026-06-16T08:30:00+02:00"},
		{"strictly after the slot", berlin, "2026-06-16T08:30:00+02:00", "2026-06-17T08:30:00+02:00"},
		{"friday evening: work days over, monday", berlin, "2026-06-19T18:00:00+02:00", "2026-06-22T08:30:00+02:00"},
		{"saturday: monday", berlin, "2026-06-20T12:00:00+02:00", "2026-06-22T08:30:00+02:00"},
		{"paused until wednesday noon: thursday", testPaused(berlin, testInstant(t, "2026-06-17T12:00:00+02:00")), "2026-06-15T18:00:00+02:00", "2026-06-18T08:30:00+02:00"},
		{"paused 30 days: first slot after the pause", testPaused(berlin, testInstant(t, "2026-07-16T00:00:00+02:00")), "2026-06-16T09:00:00+02:00", "2026-07-16T08:30:00+02:00"},
		{"no work days", none, "2026-06-16T09:00:00+02:00", ""},
		{"auckland from UTC sunday evening", auckland, "2026-06-14T19:00:00Z", "2026-06-15T08:30:00+12:00"},
		{"kolkata friday evening", kolkata, "2026-06-19T18:00:00+05:30", "2026-06-22T08:30:00+05:30"},
		{"ny into spring forward: 23h later", nyDay, "2026-03-07T09:30:00-05:00", "2026-03-08T08:30:00-04:00"},
		{"ny out of spring forward", nyDay, "2026-03-08T09:30:00-04:00", "2026-03-09T08:30:00-04:00"},
		{"ny into fall back: 25h later", nyDay, "2026-10-31T09:30:00-04:00", "2026-11-01T08:30:00-05:00"},
		{"ny out of fall back", nyDay, "2026-11-01T09:30:00-05:00", "2026-11-02T08:30:00-05:00"},
		{"ny gap slot", nyNightGap, "2026-03-07T12:00:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"ny after gap slot", nyNightGap, "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"},
		{"ny repeated slot: first occurrence", nyNightRepeat, "2026-10-31T12:00:00-04:00", "2026-11-01T01:30:00-04:00"},
		{"ny repeated slot: not again at the second", nyNightRepeat, "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"},
		{"night 05:00 friday evening: saturday morning", night05, "2026-06-19T20:00:00+02:00", "2026-06-20T05:00:00+02:00"},
		{"night 05:00 saturday: tuesday morning (monday's shift)", night05, "2026-06-20T06:00:00+02:00", "2026-06-23T05:00:00+02:00"},
	})
}

// nextCase is a schedule, an instant and the instant a Next… method of the
// schedule returns for it ("" = the zero time: none).
type nextCase struct {
	name string
	s    Schedule
	at   string
	want string
}

// testNextInstant checks next, the Schedule method named method, on each case.
func testNextInstant(t *testing.T, method string, next func(Schedule, time.Time) time.Time, tests []nextCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := next(tt.s, testInstant(t, tt.at))
			if want := testInstant(t, tt.want); !testSameInstant(got, want) {
				t.Errorf("%s(%s) = %s, want %s", method, tt.at, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestScheduleNextWorkTime(t *testing.T) {
	t.Parallel()
	berlin := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", MonFri)
	night := testSched(t, "Europe/Berlin", "22:00", "19:00-07:30", MonFri)
	la := testSched(t, "America/Los_Angeles", "08:30", "08:00-17:00", MonFri)
	none := berlin
	none.WorkDays = 0
	testNextInstant(t, "NextWorkTime", Schedule.NextWorkTime, []nextCase{
		{"in hours: now", berlin, "2026-06-16T10:00:00+02:00", "2026-06-16T10:00:00+02:00"},
		{"before work", berlin, "2026-06-16T06:00:00+02:00", "2026-06-16T08:00:00+02:00"},
		{"after work", berlin, "2026-06-16T18:00:00+02:00", "2026-06-17T08:00:00+02:00"},
		{"friday evening: monday", berlin, "2026-06-19T18:00:00+02:00", "2026-06-22T08:00:00+02:00"},
		{"night: daytime gap", night, "2026-06-17T10:00:00+02:00", "2026-06-17T19:00:00+02:00"},
		{"night: after friday's shift", night, "2026-06-20T08:00:00+02:00", "2026-06-22T19:00:00+02:00"},
		{"night: in friday's shift on saturday", night, "2026-06-20T02:00:00+02:00", "2026-06-20T02:00:00+02:00"},
		{"los angeles evening from UTC", la, "2026-06-17T02:00:00Z", "2026-06-17T08:00:00-07:00"},
		{"no work days", none, "2026-06-16T10:00:00+02:00", ""},
	})
}

// TestScheduleTickingScheduler simulates a scheduler that ticks every minute
// through the DST weeks and checks that every work shift gets exactly one
// delivery, first seen at its slot, and that NextDelivery predicted it.
func TestScheduleTickingScheduler(t *testing.T) {
	t.Parallel()
	schedules := map[string]Schedule{
		"ny day":          testSched(t, "America/New_York", "08:30", "08:00-17:00", MonFri),
		"ny night 02:30":  testSched(t, "America/New_York", "02:30", "19:00-07:30", AllWeek),
		"ny night 01:30":  testSched(t, "America/New_York", "01:30", "19:00-07:30", AllWeek),
		"ny night 23:30":  testSched(t, "America/New_York", "23:30", "19:00-07:30", MonFri),
		"auckland 05:00":  testSched(t, "Pacific/Auckland", "05:00", "19:00-07:30", MonFri),
		"kolkata all day": testSched(t, "Asia/Kolkata", "00:15", "00:00-00:00", AllWeek),
	}
	windows := []struct{ from, to string }{
		{"2026-03-04T00:00:00Z", "2026-03-12T00:00:00Z"},
		{"2026-10-28T00:00:00Z", "2026-11-05T00:00:00Z"},
	}
	for name, s := range schedules {
		for _, w := range windows {
			from, to := testInstant(t, w.from), testInstant(t, w.to)
			delivered := map[string]time.Time{}
			next := s.NextDelivery(from.Add(-time.Minute))
			for now := from; now.Before(to); now = now.Add(time.Minute) {
				slot, date, ok := s.DeliverySlot(now)
				if !ok {
					continue
				}
				if _, done := delivered[date]; done {
					continue
				}
				delivered[date] = now
				if slot.Before(from) {
					continue // the window opened after this slot
				}
				if !now.Equal(slot) {
					t.Errorf("%s: shift %s first due at %s, slot %s", name, date, now, slot)
				}
				if !next.Equal(slot) {
					t.Errorf("%s: NextDelivery predicted %s, delivered %s", name, next, slot)
				}
				next = s.NextDelivery(now)
			}
			// Every work shift whose slot lies inside the window delivered.
			y, m, dd := from.Date()
			for i := -2; i < 12; i++ {
				sd := civilDate{y, m, dd}.addDays(i)
				if !s.isWorkDay(sd) {
					continue
				}
				slot := s.slotOf(sd)
				if slot.Before(from) || !slot.Before(to) {
					continue
				}
				if _, ok := delivered[sd.String()]; !ok {
					t.Errorf("%s: shift %s (slot %s) never delivered", name, sd, slot)
				}
			}
		}
	}
}

// TestScheduleLocalTimeResolution checks every half hour of 2026 in zones
// with DST changes: an existing wall time resolves to its first occurrence,
// a skipped one to the first instant after the gap.
func TestScheduleLocalTimeResolution(t *testing.T) {
	t.Parallel()
	wall := func(v time.Time) time.Time {
		return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), 0, time.UTC)
	}
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Pacific/Auckland", "Australia/Lord_Howe", "America/Santiago"} {
		loc := testLoc(t, zone)
		for d := (civilDate{2026, 1, 1}); d.y == 2026; d = d.addDays(1) {
			for c := Clock(0); c < 24*60; c += 30 {
				got := localAt(d, c, loc)
				want := time.Date(d.y, d.m, d.d, int(c)/60, int(c)%60, 0, 0, time.UTC)
				lw := wall(got.In(loc))
				switch {
				case lw.Equal(want):
					for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
						if wall(got.Add(-back).In(loc)).Equal(want) {
							t.Errorf("%s %s %s: %s is not the first occurrence", zone, d, c, got)
						}
					}
				case lw.After(want):
					// In a gap: got must be the first instant after it.
					if before := wall(got.Add(-time.Second).In(loc)); !before.Before(want) {
						t.Errorf("%s %s %s: %s is not just after the gap (a second earlier reads %s)", zone, d, c, got, before)
					}
				default:
					t.Errorf("%s %s %s: resolved to %s, before the wall time", zone, d, c, got.In(loc))
				}
			}
		}
	}
}
