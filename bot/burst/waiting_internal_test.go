package burst

import (
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
)

// TestGroupWaiting: members who get a burst later are grouped by the time
// it reaches them, described in their own zone, and by why not now;
// earliest first, and the list is cut with a count of the rest.
func TestGroupWaiting(t *testing.T) {
	t.Parallel()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	chicago, tokyo := load("America/Chicago"), load("Asia/Tokyo")
	day := member.Schedule{DeliveryTime: member.DefaultDeliveryTime, WorkStart: member.DefaultWorkStart, WorkEnd: member.DefaultWorkEnd,
		WorkDays: member.MonFri}
	in := func(loc *time.Location) member.Schedule { s := day; s.Location = loc; return s }
	none := day
	none.WorkDays = 0
	// Tuesday 2026-12-08 23:30 UTC: 17:30 in Chicago (after work), 08:30
	// Wednesday in Tokyo (at work; the next delivery strictly after now is
	// Thursday's, "tomorrow" there).
	now := time.Date(2026, 12, 8, 23, 30, 0, 0, time.UTC)
	var ws []waiter
	for _, s := range []member.Schedule{in(chicago), in(chicago), in(tokyo), none} {
		ws = append(ws, waiter{s: s, at: s.NextDeliveryOn("", now)})
	}
	gs := groupWaiting(ws, now)
	en := i18n.For(i18n.Default)
	got := FormatWaiting(en, gs, "  ", 8)
	want := "  2 members tomorrow at 08:30 CST — outside their work hours (08:00–17:00)\n" +
		"  1 member tomorrow at 08:30 JST\n" +
		"  1 member not scheduled — no work days set"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := FormatWaiting(en, gs, "• ", 1); got != "• 2 members tomorrow at 08:30 CST — outside their work hours (08:00–17:00)\n• and 2 more members later" {
		t.Errorf("cut list:\n%s", got)
	}
}
