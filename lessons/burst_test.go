package lessons

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// burstSched is a schedule for the burst tests: zone, delivery time, work
// hours "HH:MM-HH:MM" and work days.
func burstSched(t *testing.T, zone, delivery, hours string, days member.Weekdays) member.Schedule {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	clock := func(s string) member.Clock {
		c, err := member.ParseClock(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	from, to, _ := strings.Cut(hours, "-")
	return member.Schedule{Location: loc, DeliveryTime: clock(delivery), WorkStart: clock(from), WorkEnd: clock(to), WorkDays: days}
}

func TestBurstDates(t *testing.T) {
	t.Parallel()
	// 2026-06-15 is a Monday; 06-19 a Friday; 06-20/21 the weekend.
	day := burstSched(t, "UTC", "08:30", "08:00-17:00", member.MonFri)
	chicago := burstSched(t, "America/Chicago", "07:15", "07:00-15:30", member.MonFri)
	night := burstSched(t, "UTC", "20:00", "19:00-07:30", member.MonFri)
	paused := day
	paused.PausedUntil = time.Date(2026, 6, 17, 0, 0, 0, 0, time.UTC) // Mon and Tue off
	none := day
	none.WorkDays = 0
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name      string
		s         member.Schedule
		pace      Pace
		start     string
		immediate bool
		n         int
		want      string
	}{
		{"now, inside work hours: today, then each work day", day, PaceDaily, "2026-06-15T10:00:00Z", true, 3, "2026-06-15 2026-06-16 2026-06-17"},
		{"next window: today's slot has passed", day, PaceDaily, "2026-06-15T10:00:00Z", false, 3, "2026-06-16 2026-06-17 2026-06-18"},
		{"next window: before today's slot", day, PaceDaily, "2026-06-15T07:00:00Z", false, 2, "2026-06-15 2026-06-16"},
		{"start exactly at the slot counts", day, PaceDaily, "2026-06-15T08:30:00Z", false, 1, "2026-06-15"},
		{"now, but before work hours: wait for the slot", day, PaceDaily, "2026-06-15T07:00:00Z", true, 1, "2026-06-15"},
		{"now after hours: the next work day", day, PaceDaily, "2026-06-15T18:00:00Z", true, 2, "2026-06-16 2026-06-17"},
		{"the weekend is skipped", day, PaceDaily, "2026-06-19T09:00:00Z", true, 3, "2026-06-19 2026-06-22 2026-06-23"},
		{"sent on Saturday: Monday first", day, PaceDaily, "2026-06-20T09:00:00Z", true, 2, "2026-06-22 2026-06-23"},
		{"all at once: every item the first day", day, PaceAllAtOnce, "2026-06-19T18:00:00Z", false, 3, "2026-06-22 2026-06-22 2026-06-22"},
		{"all at once now", day, PaceAllAtOnce, "2026-06-15T10:00:00Z", true, 2, "2026-06-15 2026-06-15"},
		{"22:00 Monday in Chicago (Tuesday UTC): Tuesday first", chicago, PaceDaily, "2026-06-16T03:00:00Z", true, 2, "2026-06-16 2026-06-17"},
		{"15:00 Monday in Chicago is inside its work hours", chicago, PaceDaily, "2026-06-15T20:00:00Z", true, 1, "2026-06-15"},
		{"early Tuesday UTC is Monday's slot gone by in Chicago", chicago, PaceAllAtOnce, "2026-06-16T01:00:00Z", false, 1, "2026-06-16"},
		{"night shift after midnight belongs to the shift day", night, PaceDaily, "2026-06-16T02:00:00Z", true, 2, "2026-06-15 2026-06-16"},
		{"night shift, Friday's shift ends Saturday", night, PaceDaily, "2026-06-20T01:00:00Z", true, 2, "2026-06-19 2026-06-22"},
		{"paused days are skipped, not piled up", paused, PaceDaily, "2026-06-15T10:00:00Z", true, 3, "2026-06-17 2026-06-18 2026-06-19"},
		{"no work days at all", none, PaceDaily, "2026-06-15T10:00:00Z", true, 2, "2026-06-15 2026-06-15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(BurstDates(tc.s, tc.pace, at(tc.start), tc.immediate, tc.n), " ")
			if got != tc.want {
				t.Errorf("BurstDates = %s, want %s", got, tc.want)
			}
		})
	}
	if got := BurstDates(day, PaceDaily, at("2026-06-15T10:00:00Z"), true, 0); got != nil {
		t.Errorf("BurstDates(n=0) = %v, want nil", got)
	}
}

func TestBurstDatesDailyIsOnePerWorkDay(t *testing.T) {
	t.Parallel()
	s := burstSched(t, "America/New_York", "06:45", "06:30-15:00", member.MonFri|1<<time.Saturday)
	// Across the autumn daylight-saving change (2026-11-01).
	got := BurstDates(s, PaceDaily, time.Date(2026, 10, 28, 14, 0, 0, 0, time.UTC), true, 12)
	for i, d := range got {
		when, err := time.ParseInLocation("2006-01-02", d, s.Location)
		if err != nil {
			t.Fatal(err)
		}
		if !s.WorkDays.Has(when.Weekday()) {
			t.Errorf("item %d on %s, a day off", i+1, d)
		}
		if i > 0 && d <= got[i-1] {
			t.Errorf("item %d on %s, not after item %d on %s", i+1, d, i, got[i-1])
		}
	}
}

func TestAudience(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	b := &Burst{ID: "sepsis", Roles: []string{"nurse", "physician"}, Departments: []string{"4west", "icu"}}
	anyone := &Burst{ID: "all"}
	mkMember := func(role, dept string, startedDaysAgo int) *member.Member {
		m := &member.Member{Role: role, Department: dept, Joined: true}
		if startedDaysAgo >= 0 {
			m.StartDate = now.AddDate(0, 0, -startedDaysAgo)
		}
		return m
	}
	notJoined := mkMember("nurse", "4west", -1)
	notJoined.Joined = false
	for _, tc := range []struct {
		name string
		b    *Burst
		a    Audience
		m    *member.Member
		want bool
	}{
		{"targeted role and department", b, Audience{}, mkMember("nurse", "4west", -1), true},
		{"role not targeted", b, Audience{}, mkMember("billing", "4west", -1), false},
		{"department not targeted", b, Audience{}, mkMember("nurse", "5east", -1), false},
		{"no department when the burst names some", b, Audience{}, mkMember("nurse", "", -1), false},
		{"not joined", b, Audience{}, notJoined, false},
		{"no role", anyone, Audience{}, mkMember("", "4west", -1), false},
		{"a burst for everyone", anyone, Audience{}, mkMember("billing", "", -1), true},
		{"narrowed to nurses: a nurse", b, Audience{Roles: []string{"nurse"}}, mkMember("nurse", "icu", -1), true},
		{"narrowed to nurses: a physician", b, Audience{Roles: []string{"nurse"}}, mkMember("physician", "icu", -1), false},
		{"narrowed to a department", b, Audience{Departments: []string{"icu"}}, mkMember("nurse", "4west", -1), false},
		{"new hires only: started 3 days ago", b, Audience{NewHires: true}, mkMember("nurse", "icu", 3), true},
		{"new hires only: started 45 days ago", b, Audience{NewHires: true}, mkMember("nurse", "icu", 45), false},
		{"new hires only: start unknown", b, Audience{NewHires: true}, mkMember("nurse", "icu", -1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Includes(tc.b, tc.m, now); got != tc.want {
				t.Errorf("Includes = %v, want %v", got, tc.want)
			}
		})
	}
	if err := (Audience{Roles: []string{"nurse"}, Departments: []string{"icu"}}).Check(b); err != nil {
		t.Errorf("Check(valid narrowing) = %v", err)
	}
	err := (Audience{Roles: []string{"billing"}, Departments: []string{"er"}}).Check(b)
	if err == nil || !strings.Contains(err.Error(), `role "billing"`) || !strings.Contains(err.Error(), `department "er"`) {
		t.Errorf("Check(outside the burst) = %v, want both problems named", err)
	}
	if err := (Audience{Roles: []string{"billing"}}).Check(anyone); err != nil {
		t.Errorf("Check on a burst for everyone = %v", err)
	}
}

func TestBurstLessons(t *testing.T) {
	t.Parallel()
	c := &Content{Lessons: []*Lesson{
		{ID: "overview", Kind: KindTip},
		{ID: "nurse-screen", Kind: KindQuiz, Roles: []string{"nurse"}},
		{ID: "provider", Kind: KindQuiz, Roles: []string{"physician"}},
		{ID: "icu-only", Kind: KindTip, Departments: []string{"icu"}},
	}}
	b := &Burst{ID: "sepsis", Lessons: []string{"overview", "provider", "nurse-screen", "gone", "icu-only"}}
	ids := func(ls []BurstLesson) string {
		var s []string
		for _, l := range ls {
			s = append(s, l.Lesson.ID+"#"+string(rune('0'+l.Seq)))
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct{ role, dept, want string }{
		{"nurse", "4west", "overview#1 nurse-screen#3"},
		{"physician", "icu", "overview#1 provider#2 icu-only#5"},
		{"billing", "", "overview#1"},
	} {
		if got := ids(BurstLessons(c, b, tc.role, tc.dept)); got != tc.want {
			t.Errorf("BurstLessons(%s, %s) = %s, want %s", tc.role, tc.dept, got, tc.want)
		}
	}
	if !slices.Equal(b.Lessons, []string{"overview", "provider", "nurse-screen", "gone", "icu-only"}) {
		t.Error("BurstLessons changed the burst")
	}
}
