package lessons

import (
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// must returns a function that fails the test on err and returns v; it keeps
// table rows one line long.
func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// testInstant parses an RFC 3339 time with its offset written out; "" is the
// zero time.
func testInstant(t testing.TB, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return must[time.Time](t)(time.Parse(time.RFC3339, s))
}

// testSched builds a schedule from a zone, a delivery time and work hours
// written "08:00-17:00".
func testSched(t testing.TB, zone, delivery, hours string, days member.Weekdays) member.Schedule {
	clock := must[member.Clock](t)
	start, end, ok := strings.Cut(hours, "-")
	if !ok {
		t.Fatalf("bad hours %q", hours)
	}
	return member.Schedule{
		Location:     must[*time.Location](t)(time.LoadLocation(zone)),
		DeliveryTime: clock(member.ParseClock(delivery)),
		WorkStart:    clock(member.ParseClock(start)),
		WorkEnd:      clock(member.ParseClock(end)),
		WorkDays:     days,
	}
}

// TestPauseDays: pausing and resuming count days the same way, so a pause
// undone in the same minute moves nothing (issue 17 item 9).
func TestPauseDays(t *testing.T) {
	t.Parallel()
	ny := must[*time.Location](t)(time.LoadLocation("America/New_York"))
	for _, tc := range []struct {
		name        string
		from, until string
		loc         *time.Location
		want        int
	}{
		{"a week from 10:00", "2026-12-08T10:00:00-05:00", "2026-12-15T00:00:00-05:00", ny, 7},
		{"a week from 23:59", "2026-12-08T23:59:00-05:00", "2026-12-15T00:00:00-05:00", ny, 7},
		{"a week from 00:01", "2026-12-08T00:01:00-05:00", "2026-12-15T00:00:00-05:00", ny, 7},
		{"over the fall-back change (a 25-hour day)", "2026-10-30T10:00:00-04:00", "2026-11-06T00:00:00-05:00", ny, 7},
		{"over the spring-forward change", "2026-03-05T10:00:00-05:00", "2026-03-12T00:00:00-04:00", ny, 7},
		{"read in UTC the dates differ", "2026-12-08T22:00:00-05:00", "2026-12-15T00:00:00-05:00", time.UTC, 6},
		{"ended", "2026-12-15T10:00:00-05:00", "2026-12-15T00:00:00-05:00", ny, 0},
	} {
		if got := PauseDays(testInstant(t, tc.from), testInstant(t, tc.until), tc.loc); got != tc.want {
			t.Errorf("%s: PauseDays = %d, want %d", tc.name, got, tc.want)
		}
	}
}
