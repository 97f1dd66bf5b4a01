package support

import (
	"testing"
	"time"
)

// TestWaitingReachesAnyDutyHours: with no helpdesk channel, a question that
// waits is handed to the next super-user who comes on duty, whatever their
// duty hours — also a night super-user whose hours never overlap the
// asker's work hours, in another time zone, over a DST change (issue 17
// item 13). The escalation is driven the way the bot drives it: at each
// EscalateAt, Escalate again.
func TestWaitingReachesAnyDutyHours(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	nightNY := withDuty(helper(12, "Nora Diaz", "4west", true), 19*60, 7*60)
	nightNY.Schedule.Location = ny
	weekendTokyo := withDuty(helper(13, "Kenji Sato", "4west", true), 22*60, 6*60)
	weekendTokyo.Schedule.Location, weekendTokyo.Schedule.WorkDays = tokyo, 1<<time.Saturday|1<<time.Sunday
	noDesk := Policy{EscalateAfter: 10 * time.Minute}
	for _, tc := range []struct {
		name   string
		helper Helper
		asked  time.Time
		want   time.Time // when they get it
	}{
		{"night super-user, day-shift asker at 16:55", nightNY, time.Date(2026, 11, 24, 16, 55, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{"asked saturday 03:00 UTC, weekend nights in tokyo", weekendTokyo, time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 5, 22, 0, 0, 0, tokyo)},
		{"over the DST change: friday night in new york", nightNY, time.Date(2026, 10, 30, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 30, 19, 0, 0, 0, ny)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := Question{AskerID: nina, Department: "4west", Asker: dayShift}
			helpers := []Helper{tc.helper}
			d := Route(q, helpers, tc.asked, noDesk)
			now := tc.asked
			for step := 0; len(d.To) == 0; step++ {
				if step > 50 || d.EscalateAt.IsZero() {
					t.Fatalf("never handed over: last decision %+v at %s", d, now)
				}
				if !d.EscalateAt.After(now) {
					t.Fatalf("EscalateAt %s not after %s", d.EscalateAt, now)
				}
				q.Level, q.Waiting = d.Level, d.Waiting
				now = d.EscalateAt
				d = Escalate(q, helpers, now, noDesk)
			}
			if !now.Equal(tc.want) || d.To[0].MemberID != tc.helper.MemberID {
				t.Errorf("handed to %v at %s, want %d at %s", ids(d.To), now, tc.helper.MemberID, tc.want)
			}
		})
	}
}

// TestDutyOnOutsideHours: "/learn duty on" outside the duty hours means
// routed now, until the duty window ends as the clock runs (issue 17 item 2).
func TestDutyOnOutsideHours(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	day := helper(10, "Sam Reyes", "4west", true)
	day.Schedule.Location = ny
	night := withDuty(day, 19*60, 7*60)
	allDay := withDuty(day, 0, 0)
	for _, tc := range []struct {
		name string
		h    Helper
		now  time.Time
		want time.Time // zero: the hours decide
	}{
		{"saturday 10:00, hours 08-17", day, time.Date(2026, 12, 5, 10, 0, 0, 0, ny), time.Date(2026, 12, 5, 17, 0, 0, 0, ny)},
		{"saturday 03:00, hours 08-17", day, time.Date(2026, 12, 5, 3, 0, 0, 0, ny), time.Date(2026, 12, 5, 17, 0, 0, 0, ny)},
		{"saturday 20:00, hours 08-17", day, time.Date(2026, 12, 5, 20, 0, 0, 0, ny), time.Date(2026, 12, 6, 17, 0, 0, 0, ny)},
		{"tuesday 10:00: inside the hours", day, time.Date(2026, 12, 8, 10, 0, 0, 0, ny), time.Time{}},
		{"tuesday 18:00, evening", day, time.Date(2026, 12, 8, 18, 0, 0, 0, ny), time.Date(2026, 12, 9, 17, 0, 0, 0, ny)},
		{"night duty saturday 03:00 (friday night's shift): inside", night, time.Date(2026, 12, 5, 3, 0, 0, 0, ny), time.Time{}},
		{"night duty saturday 23:00", night, time.Date(2026, 12, 5, 23, 0, 0, 0, ny), time.Date(2026, 12, 6, 7, 0, 0, 0, ny)},
		{"all-day duty on sunday", allDay, time.Date(2026, 12, 6, 9, 0, 0, 0, ny), time.Date(2026, 12, 7, 0, 0, 0, 0, ny)},
		{"over the DST change", night, time.Date(2026, 10, 31, 23, 0, 0, 0, ny), time.Date(2026, 11, 1, 7, 0, 0, 0, ny)},
	} {
		got := tc.h.DutyOnUntil(tc.now)
		if !got.Equal(tc.want) {
			t.Errorf("%s: DutyOnUntil = %s, want %s", tc.name, got, tc.want)
			continue
		}
		h := tc.h
		h.DutyUntil = got
		if !h.Available(tc.now) || (!got.IsZero() && h.Available(got) && !h.DutySchedule().InWorkHours(got)) {
			t.Errorf("%s: available now = %v, at the end = %v", tc.name, h.Available(tc.now), h.Available(got))
		}
	}
	// Paused: turning duty on does not override a vacation.
	p := day
	p.Schedule.PausedUntil = time.Date(2026, 12, 10, 0, 0, 0, 0, ny)
	p.DutyUntil = time.Date(2026, 12, 5, 17, 0, 0, 0, ny)
	if p.Available(time.Date(2026, 12, 5, 10, 0, 0, 0, ny)) {
		t.Error("a paused super-user is available")
	}
}
