package member

import (
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// TestDescribeNext: what a person is told about their next prompt, in their
// own time, with the reason when it is not coming today (issue 17 items 6
// and 9). 2026-12-05 is a Saturday; 2026-11-01 (Sunday) ends US daylight
// saving time.
func TestDescribeNext(t *testing.T) {
	t.Parallel()
	ny, berlin, tokyo := testLoc(t, "America/New_York"), testLoc(t, "Europe/Berlin"), testLoc(t, "Asia/Tokyo")
	day := Schedule{DeliveryTime: DefaultDeliveryTime, WorkStart: DefaultWorkStart, WorkEnd: DefaultWorkEnd, WorkDays: MonFri}
	in := func(s Schedule, loc *time.Location) Schedule { s.Location = loc; return s }
	night := in(Schedule{DeliveryTime: testClock(t, "05:00"), WorkStart: testClock(t, "19:00"), WorkEnd: testClock(t, "07:30"), WorkDays: MonFri}, ny)
	paused := in(day, berlin)
	paused.PausedUntil = time.Date(2026, 12, 14, 0, 0, 0, 0, berlin)
	longPause := paused
	longPause.PausedUntil = time.Date(2026, 12, 21, 0, 0, 0, 0, berlin)
	for _, tc := range []struct {
		name      string
		s         Schedule
		now       string // RFC 3339
		sentToday bool
		want      string // prefix
		contains  string
		at        string // the instant Upcoming returns
	}{
		{"saturday 03:00 new york", in(day, ny), "2026-12-05T03:00:00-05:00", false,
			"Monday at 08:30 — today (Saturday) is not one of your work days (mon-fri)", "/learn days", "2026-12-07T08:30:00-05:00"},
		{"saturday 03:00 UTC seen from tokyo (already saturday noon)", in(day, tokyo), "2026-12-05T03:00:00Z", false,
			"Monday at 08:30 — today (Saturday)", "", "2026-12-07T08:30:00+09:00"},
		{"night shift saturday 03:00 belongs to friday's shift", night, "2026-12-05T03:00:00-05:00", false,
			"today at 05:00", "", "2026-12-05T05:00:00-05:00"},
		{"before the delivery time", in(day, berlin), "2026-12-08T08:15:00+01:00", false, "today at 08:30", "", "2026-12-08T08:30:00+01:00"},
		{"slot passed, not sent: on its way", in(day, berlin), "2026-12-08T09:00:00+01:00", false,
			"now (today's 08:30 prompt is on its way)", "", "2026-12-08T08:30:00+01:00"},
		{"slot passed and sent", in(day, berlin), "2026-12-08T09:00:00+01:00", true,
			"tomorrow at 08:30 — today's prompt has gone out", "", "2026-12-09T08:30:00+01:00"},
		{"after work hours", in(day, berlin), "2026-12-08T18:00:00+01:00", false,
			"tomorrow at 08:30 — your work hours today (08:00–17:00) are over", "/learn hours", "2026-12-09T08:30:00+01:00"},
		{"friday evening", in(day, ny), "2026-12-04T18:00:00-05:00", false,
			"Monday at 08:30 — your work hours today", "", "2026-12-07T08:30:00-05:00"},
		{"across the DST change", in(day, ny), "2026-10-31T20:00:00-04:00", false,
			"Monday at 08:30 — today (Saturday)", "", "2026-11-02T08:30:00-05:00"},
		{"paused", paused, "2026-12-08T10:00:00+01:00", true,
			"Monday at 08:30 — paused until Mon 14 Dec", "/learn resume", "2026-12-14T08:30:00+01:00"},
		{"paused two weeks", longPause, "2026-12-08T10:00:00+01:00", false,
			"Mon 21 Dec at 08:30 — paused until Mon 21 Dec", "", "2026-12-21T08:30:00+01:00"},
		{"no work days", in(Schedule{DeliveryTime: DefaultDeliveryTime, WorkStart: DefaultWorkStart, WorkEnd: DefaultWorkEnd}, ny),
			"2026-12-08T10:00:00-05:00", false, "none scheduled — you have no work days", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := testInstant(t, tc.now)
			got := tc.s.DescribeNextIn(i18n.For("en"), now, tc.sentToday)
			if !strings.HasPrefix(got, tc.want) || !strings.Contains(got, tc.contains) {
				t.Errorf("DescribeNext = %q, want prefix %q containing %q", got, tc.want, tc.contains)
			}
			at, _ := tc.s.Upcoming(now, tc.sentToday)
			if want := testInstant(t, tc.at); !at.Equal(want) {
				t.Errorf("Upcoming = %v, want %v", at, want)
			}
		})
	}
}

// TestAwayReason: why a trainer's burst does not reach a member now, and
// when a burst item available from a date reaches them (issue 17 item 6).
// 2026-12-05 is a Saturday.
func TestAwayReason(t *testing.T) {
	t.Parallel()
	ny := testLoc(t, "America/New_York")
	day := Schedule{DeliveryTime: DefaultDeliveryTime, WorkStart: DefaultWorkStart, WorkEnd: DefaultWorkEnd, WorkDays: MonFri, Location: ny}
	night := Schedule{DeliveryTime: testClock(t, "05:00"), WorkStart: testClock(t, "19:00"), WorkEnd: testClock(t, "07:30"), WorkDays: MonFri, Location: ny}
	paused := day
	paused.PausedUntil = time.Date(2026, 12, 14, 0, 0, 0, 0, ny)
	none := day
	none.WorkDays = 0
	for _, tc := range []struct {
		name, now string
		s         Schedule
		want      string
		date      string // burst item available from
		next      string // NextDeliveryOn(date, now); "" = zero
	}{
		{"saturday 03:00", "2026-12-05T03:00:00-05:00", day, "Saturday is not one of their work days (mon-fri)", "2026-12-05", "2026-12-07T08:30:00-05:00"},
		{"night shift saturday 03:00 is friday's shift", "2026-12-05T03:00:00-05:00", night, "", "2026-12-04", "2026-12-05T05:00:00-05:00"},
		{"night shift, a daily item for the next shift", "2026-12-05T03:00:00-05:00", night, "", "2026-12-07", "2026-12-08T05:00:00-05:00"},
		{"night shift saturday evening", "2026-12-05T20:00:00-05:00", night, "Saturday is not one of their work days (mon-fri)", "", "2026-12-08T05:00:00-05:00"},
		{"tuesday 18:00", "2026-12-08T18:00:00-05:00", day, "outside their work hours (08:00–17:00)", "2026-12-08", "2026-12-09T08:30:00-05:00"},
		{"tuesday 10:00", "2026-12-08T10:00:00-05:00", day, "", "2026-12-10", "2026-12-10T08:30:00-05:00"},
		{"paused", "2026-12-08T10:00:00-05:00", paused, "paused until Mon 14 Dec", "2026-12-08", "2026-12-14T08:30:00-05:00"},
		{"no work days", "2026-12-08T10:00:00-05:00", none, "no work days set", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := testInstant(t, tc.now)
			if got := tc.s.AwayReasonIn(i18n.For("en"), now); got != tc.want {
				t.Errorf("AwayReason = %q, want %q", got, tc.want)
			}
			got := tc.s.NextDeliveryOn(tc.date, now)
			if tc.next == "" {
				if !got.IsZero() {
					t.Errorf("NextDeliveryOn = %v, want none", got)
				}
				return
			}
			if want := testInstant(t, tc.next); !got.Equal(want) {
				t.Errorf("NextDeliveryOn(%q) = %v, want %v", tc.date, got, want)
			}
		})
	}
}

// TestDescribeInSpanish: a time after "a" or "de" takes the article its
// hour does — "a la 01:00" for one o'clock, "a las 08:30" otherwise.
func TestDescribeInSpanish(t *testing.T) {
	t.Parallel()
	es := i18n.For("es")
	berlin := testLoc(t, "Europe/Berlin")
	now := testInstant(t, "2026-12-08T00:30:00+01:00") // a Tuesday
	for _, tc := range []struct{ at, want string }{
		{"2026-12-08T01:00:00+01:00", "hoy a la 01:00"},
		{"2026-12-09T01:45:00+01:00", "mañana a la 01:45"},
		{"2026-12-08T13:00:00+01:00", "hoy a las 13:00"},
		{"2026-12-10T00:15:00+01:00", "el jueves a las 00:15"},
	} {
		if got := DescribeWhenIn(es, testInstant(t, tc.at), now, berlin); got != tc.want {
			t.Errorf("DescribeWhenIn(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
	night := Schedule{DeliveryTime: testClock(t, "01:00"), WorkStart: testClock(t, "19:00"), WorkEnd: testClock(t, "07:30"),
		WorkDays: MonFri, Location: berlin}
	if got := night.DescribeNextIn(es, testInstant(t, "2026-12-08T02:00:00+01:00"), false); got != "ahora (la pregunta de hoy de la 01:00 está en camino)" {
		t.Errorf("DescribeNextIn = %q", got)
	}
	if got := testClock(t, "01:30").In(es); got != "la 01:30" {
		t.Errorf("Clock.In(es) = %q", got)
	}
}

// TestAwayReasonSpanish: the same reasons said to a trainer who reads
// Spanish — day names, dates and work days in Spanish, no English left.
func TestAwayReasonSpanish(t *testing.T) {
	t.Parallel()
	ny := testLoc(t, "America/New_York")
	day := Schedule{DeliveryTime: DefaultDeliveryTime, WorkStart: DefaultWorkStart, WorkEnd: DefaultWorkEnd, WorkDays: MonFri, Location: ny}
	paused := day
	paused.PausedUntil = time.Date(2026, 12, 14, 0, 0, 0, 0, ny)
	none := day
	none.WorkDays = 0
	es := i18n.For("es")
	for _, tc := range []struct {
		now  string
		s    Schedule
		want string
	}{
		{"2026-12-05T03:00:00-05:00", day, "el sábado no es uno de sus días de trabajo (de lunes a viernes)"},
		{"2026-12-08T18:00:00-05:00", day, "fuera de su horario de trabajo (08:00–17:00)"},
		{"2026-12-08T10:00:00-05:00", paused, "en pausa hasta el lunes 14 de diciembre"},
		{"2026-12-08T10:00:00-05:00", none, "sin días de trabajo configurados"},
		{"2026-12-08T10:00:00-05:00", day, ""},
	} {
		if got := tc.s.AwayReasonIn(es, testInstant(t, tc.now)); got != tc.want {
			t.Errorf("AwayReasonIn(es) at %s = %q, want %q", tc.now, got, tc.want)
		}
	}
}
