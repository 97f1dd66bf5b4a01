package lessons

import (
	"slices"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

func TestSpacingApply(t *testing.T) {
	t.Parallel()
	type answer struct {
		correct bool
		on      string
	}
	tests := []struct {
		name    string
		sp      Spacing
		answers []answer
		want    Review
	}{
		{"wrong: back in 12 days", DefaultSpacing,
			[]answer{{false, "2026-03-01"}},
			Review{LessonID: "q", Streak: 0, Attempts: 1, DueDate: "2026-03-13"}},
		{"right: back in 24 days", DefaultSpacing,
			[]answer{{true, "2026-03-01"}},
			Review{LessonID: "q", Streak: 1, Attempts: 1, DueDate: "2026-03-25"}},
		{"right, right: retired", DefaultSpacing,
			[]answer{{true, "2026-03-01"}, {true, "2026-03-25"}},
			Review{LessonID: "q", Streak: 2, Attempts: 2, DueDate: "2026-04-18", Retired: true}},
		{"wrong, right: not retired", DefaultSpacing,
			[]answer{{false, "2026-03-01"}, {true, "2026-03-13"}},
			Review{LessonID: "q", Streak: 1, Attempts: 2, DueDate: "2026-04-06"}},
		{"right, wrong, right, right: retired", DefaultSpacing,
			[]answer{{true, "2026-01-05"}, {false, "2026-01-29"}, {true, "2026-02-10"}, {true, "2026-03-06"}},
			Review{LessonID: "q", Streak: 2, Attempts: 4, DueDate: "2026-03-30", Retired: true}},
		{"right, wrong: streak reset", DefaultSpacing,
			[]answer{{true, "2026-01-05"}, {false, "2026-01-29"}},
			Review{LessonID: "q", Streak: 0, Attempts: 2, DueDate: "2026-02-10"}},
		{"wrong after retirement brings it back", DefaultSpacing,
			[]answer{{true, "2026-01-05"}, {true, "2026-01-29"}, {false, "2026-02-22"}},
			Review{LessonID: "q", Streak: 0, Attempts: 3, DueDate: "2026-03-06"}},
		{"across the year end", DefaultSpacing,
			[]answer{{false, "2026-12-25"}},
			Review{LessonID: "q", Attempts: 1, DueDate: "2027-01-06"}},
		{"across a leap day", DefaultSpacing,
			[]answer{{false, "2028-02-20"}},
			Review{LessonID: "q", Attempts: 1, DueDate: "2028-03-03"}},
		{"across spring forward (calendar days, not 24h)", DefaultSpacing,
			[]answer{{true, "2026-03-01"}},
			Review{LessonID: "q", Streak: 1, Attempts: 1, DueDate: "2026-03-25"}},
		{"configured intervals", Spacing{WrongAfterDays: 1, RightAfterDays: 7, RetireAfterCorrect: 3},
			[]answer{{true, "2026-06-01"}, {true, "2026-06-08"}},
			Review{LessonID: "q", Streak: 2, Attempts: 2, DueDate: "2026-06-15"}},
		{"retirement off", Spacing{WrongAfterDays: 12, RightAfterDays: 24},
			[]answer{{true, "2026-06-01"}, {true, "2026-06-25"}, {true, "2026-07-19"}},
			Review{LessonID: "q", Streak: 3, Attempts: 3, DueDate: "2026-08-12"}},
		{"malformed shift date", DefaultSpacing,
			[]answer{{true, "June 1st"}},
			Review{LessonID: "q", Streak: 1, Attempts: 1, DueDate: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Review{LessonID: "q"}
			for _, a := range tt.answers {
				r = tt.sp.Apply(r, a.correct, a.on)
			}
			if r != tt.want {
				t.Errorf("got %+v, want %+v", r, tt.want)
			}
		})
	}
}

func TestSpacingShouldNudge(t *testing.T) {
	t.Parallel()
	berlin := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", member.MonFri)
	night := testSched(t, "America/Los_Angeles", "22:00", "19:00-07:30", member.MonFri)
	sent := "2026-06-16T08:30:00+02:00"
	type flags struct{ answered, nudged, expired bool }
	tests := []struct {
		name   string
		sp     Spacing
		s      member.Schedule
		sentAt string
		now    string
		f      flags
		want   bool
	}{
		{"4h later inside hours", DefaultSpacing, berlin, sent, "2026-06-16T12:30:00+02:00", flags{}, true},
		{"second call after nudging", DefaultSpacing, berlin, sent, "2026-06-16T12:31:00+02:00", flags{nudged: true}, false},
		{"a minute too early", DefaultSpacing, berlin, sent, "2026-06-16T12:29:00+02:00", flags{}, false},
		{"answered", DefaultSpacing, berlin, sent, "2026-06-16T12:30:00+02:00", flags{answered: true}, false},
		{"expired", DefaultSpacing, berlin, sent, "2026-06-16T12:30:00+02:00", flags{expired: true}, false},
		{"nudges off", Spacing{WrongAfterDays: 12, RightAfterDays: 24, RetireAfterCorrect: 2}, berlin, sent, "2026-06-16T12:30:00+02:00", flags{}, false},
		{"4h later outside hours", DefaultSpacing, berlin, "2026-06-16T14:00:00+02:00", "2026-06-16T18:00:00+02:00", flags{}, false},
		// Issue 17 item 8: a reminder the next morning is about a prompt of
		// another shift (and today's prompt is decided at 08:30): none.
		{"not deferred to next morning", DefaultSpacing, berlin, "2026-06-16T14:00:00+02:00", "2026-06-17T08:00:00+02:00", flags{}, false},
		{"friday 16:00 is not reminded on monday", DefaultSpacing, berlin, "2026-06-19T16:00:00+02:00", "2026-06-22T08:00:00+02:00", flags{}, false},
		{"paused since 10:00", DefaultSpacing, pausedAt(berlin, "2026-06-23T00:00:00+02:00"), sent, "2026-06-16T12:45:00+02:00", flags{}, false},
		{"pause over", DefaultSpacing, pausedAt(berlin, "2026-06-16T12:00:00+02:00"), sent, "2026-06-16T12:45:00+02:00", flags{}, true},
		{"on-demand before the delivery time: next prompt decided at 08:30", DefaultSpacing, berlin,
			"2026-06-16T04:00:00+02:00", "2026-06-16T08:45:00+02:00", flags{}, false},
		{"night shift saturday 03:00, friday's shift", DefaultSpacing, night, "2026-06-19T22:30:00-07:00", "2026-06-20T03:00:00-07:00", flags{}, true},
		{"night shift: next shift's prompt decided", DefaultSpacing, night, "2026-06-18T22:00:00-07:00", "2026-06-19T22:30:00-07:00", flags{}, false},
		{"across the DST change (a 25-hour saturday night)", DefaultSpacing, testSched(t, "America/New_York", "22:00", "19:00-07:30", member.AllWeek),
			"2026-10-31T22:00:00-04:00", "2026-11-01T02:00:00-05:00", flags{}, true},
		{"friday afternoon, saturday is off", DefaultSpacing, berlin, "2026-06-19T14:00:00+02:00", "2026-06-20T10:00:00+02:00", flags{}, false},
		{"night shift after midnight", DefaultSpacing, night, "2026-06-19T22:00:00-07:00", "2026-06-20T02:00:00-07:00", flags{}, true},
		{"never sent", DefaultSpacing, berlin, "", "2026-06-16T12:30:00+02:00", flags{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.sp.ShouldNudge(tt.s, testInstant(t, tt.sentAt), testInstant(t, tt.now), tt.f.answered, tt.f.nudged, tt.f.expired)
			if got != tt.want {
				t.Errorf("ShouldNudge = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSpacingExactlyOneNudge drives ShouldNudge the way the scheduler does:
// every minute for two days, recording the nudge when it says so.
func TestSpacingExactlyOneNudge(t *testing.T) {
	t.Parallel()
	s := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", member.MonFri)
	nudgesFor := func(sentAt time.Time) []time.Time {
		var nudges []time.Time
		for now := sentAt; now.Before(sentAt.Add(NudgeWindow + 24*time.Hour)); now = now.Add(time.Minute) {
			if DefaultSpacing.ShouldNudge(s, sentAt, now, false, len(nudges) > 0, false) {
				nudges = append(nudges, now)
			}
		}
		return nudges
	}
	sentAt := testInstant(t, "2026-06-16T08:30:00+02:00")
	if nudges, want := nudgesFor(sentAt), testInstant(t, "2026-06-16T12:30:00+02:00"); len(nudges) != 1 || !nudges[0].Equal(want) {
		t.Fatalf("nudges = %v, want exactly one at %s", nudges, want)
	}
	// Sent at 14:00, the four hours end after the shift: the next morning
	// belongs to another shift (issue 17 item 8), so no reminder at all.
	if nudges := nudgesFor(testInstant(t, "2026-06-16T14:00:00+02:00")); len(nudges) != 0 {
		t.Fatalf("nudges for a 14:00 prompt = %v, want none", nudges)
	}
}

// pausedAt returns s paused until the given RFC 3339 instant.
func pausedAt(s member.Schedule, until string) member.Schedule {
	t, err := time.Parse(time.RFC3339, until)
	if err != nil {
		panic(err)
	}
	s.PausedUntil = t
	return s
}

func TestSpacingShiftDue(t *testing.T) {
	t.Parallel()
	in := []Review{
		{LessonID: "a", DueDate: "2026-06-17"},
		{LessonID: "b", DueDate: "2026-06-30", Streak: 1},
		{LessonID: "c", DueDate: "2026-06-10", Retired: true},
		{LessonID: "d", DueDate: ""},
	}
	orig := slices.Clone(in)
	tests := []struct {
		name string
		days int
		want []string
	}{
		{"ten days", 10, []string{"2026-06-27", "2026-07-10", "2026-06-10", ""}},
		{"no pause", 0, []string{"2026-06-17", "2026-06-30", "2026-06-10", ""}},
		{"negative is no pause", -3, []string{"2026-06-17", "2026-06-30", "2026-06-10", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ShiftDue(in, tt.days)
			var got []string
			for _, r := range out {
				got = append(got, r.DueDate)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("due dates = %v, want %v", got, tt.want)
			}
			if !slices.Equal(in, orig) {
				t.Errorf("input modified: %v", in)
			}
		})
	}
	if ShiftDue(nil, 5) != nil {
		t.Error("ShiftDue(nil) should be nil")
	}
}

func TestSpacingAddDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date string
		n    int
		want string
	}{
		{"2026-03-07", 1, "2026-03-08"},
		{"2026-03-08", 1, "2026-03-09"},
		{"2026-10-31", 1, "2026-11-01"},
		{"2026-01-31", 1, "2026-02-01"},
		{"2026-03-01", -1, "2026-02-28"},
		{"2028-03-01", -1, "2028-02-29"},
		{"2026-13-01", 1, ""},
		{"", 1, ""},
	}
	for _, tt := range tests {
		if got := AddDays(tt.date, tt.n); got != tt.want {
			t.Errorf("AddDays(%q, %d) = %q, want %q", tt.date, tt.n, got, tt.want)
		}
	}
}
