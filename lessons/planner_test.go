package lessons

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// testPlanContent is a small course: a nurse onboarding track, a nurse track, a
// physician track, a track for everyone, and lessons no track names.
func testPlanContent() *Content {
	l := func(id string, roles []string, depts ...string) *Lesson {
		return &Lesson{ID: id, Kind: KindTip, Title: id, Roles: roles, Departments: depts}
	}
	q := func(id string, roles ...string) *Lesson {
		return &Lesson{ID: id, Kind: KindQuiz, Title: id, Roles: roles, Question: "?", Choices: []string{"a", "b"}, Answer: 1}
	}
	nurse := []string{"nurse"}
	return &Content{
		Lessons: []*Lesson{
			// Untracked lessons first, so track order visibly beats content order.
			l("untracked-all", nil),
			l("icu-only", nurse, "icu"),
			l("nurse-ob-1", nurse),
			l("nurse-ob-2", nurse),
			l("nurse-t-1", nurse),
			l("nurse-t-2", nurse),
			l("all-1", nil),
			l("phys-1", []string{"physician"}),
			l("bill-1", []string{"billing"}),
			l("burst-1", []string{"nurse", "physician"}),
			l("burst-2", []string{"nurse", "physician"}),
			q("q-a", "nurse"),
			q("q-b", "nurse"),
			q("q-phys", "physician"),
		},
		Tracks: []*Track{
			{ID: "nurse-onboarding", Roles: nurse, Onboarding: true, Lessons: []string{"nurse-ob-1", "nurse-ob-2"}},
			{ID: "nurse", Roles: nurse, Lessons: []string{"nurse-t-1", "nurse-t-2", "deleted-lesson", "phys-1"}},
			{ID: "physician", Roles: []string{"physician"}, Lessons: []string{"phys-1"}},
			{ID: "everyone", Lessons: []string{"all-1"}},
		},
		Bursts: []*Burst{{ID: "b1", Roles: []string{"nurse", "physician"}, Lessons: []string{"burst-1", "burst-2"}, Pace: PaceDaily}},
		Roles:  member.DefaultRoles,
	}
}

func idSet(ids ...string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// allLessonsBut returns every lesson id of c except the given ones.
func allLessonsBut(c *Content, except ...string) map[string]bool {
	skip := idSet(except...)
	m := map[string]bool{}
	for _, l := range c.Lessons {
		if !skip[l.ID] {
			m[l.ID] = true
		}
	}
	return m
}

func TestPlan(t *testing.T) {
	t.Parallel()
	c := testPlanContent()
	berlin := testSched(t, "Europe/Berlin", "08:30", "08:00-17:00", member.MonFri)
	now := testInstant(t, "2026-06-16T08:30:00+02:00")
	member := func(role, dept string, startedDaysAgo int) *member.Member {
		m := &member.Member{ID: 1, Role: role, Department: dept, Schedule: berlin, Joined: true}
		if startedDaysAgo >= 0 {
			m.StartDate = now.AddDate(0, 0, -startedDaysAgo)
		}
		return m
	}
	veteran := member("nurse", "ward", -1)
	newHire := member("nurse", "ward", 10)
	thirtyOne := member("nurse", "ward", 31)
	physician := member("physician", "", -1)
	icuNurse := member("nurse", "icu", -1)
	bursts := []BurstItem{
		{BurstID: "b1", LessonID: "burst-2", Seq: 2},
		{BurstID: "b1", LessonID: "burst-1", Seq: 1},
	}
	dueReviews := []Review{
		{LessonID: "q-b", Streak: 0, Attempts: 1, DueDate: "2026-06-16"},
		{LessonID: "q-a", Streak: 1, Attempts: 1, DueDate: "2026-06-10"},
	}

	tests := []struct {
		name string
		st   PlanState
		want Pick
		ok   bool
	}{
		{"burst first, by seq", PlanState{Member: newHire, Reviews: dueReviews, BurstItems: bursts},
			Pick{LessonID: "burst-1", Reason: ReasonBurst, BurstID: "b1"}, true},
		{"burst even if seen elsewhere", PlanState{Member: veteran, Seen: idSet("burst-1"), BurstItems: bursts[1:]},
			Pick{LessonID: "burst-1", Reason: ReasonBurst, BurstID: "b1"}, true},
		{"burst not yet available: due review", PlanState{Member: newHire, Reviews: dueReviews,
			BurstItems: []BurstItem{{BurstID: "b1", LessonID: "burst-2", Seq: 2, AvailableDate: "2026-06-17"}}},
			Pick{LessonID: "q-a", Reason: ReasonReview}, true},
		{"burst available today", PlanState{Member: newHire,
			BurstItems: []BurstItem{{BurstID: "b1", LessonID: "burst-2", Seq: 2, AvailableDate: "2026-06-16"}}},
			Pick{LessonID: "burst-2", Reason: ReasonBurst, BurstID: "b1"}, true},
		{"burst sent today: next burst item", PlanState{Member: newHire, BurstItems: bursts, RecentlySent: idSet("burst-1")},
			Pick{LessonID: "burst-2", Reason: ReasonBurst, BurstID: "b1"}, true},
		{"burst item of a deleted lesson is skipped", PlanState{Member: veteran,
			BurstItems: []BurstItem{{BurstID: "b1", LessonID: "gone", Seq: 1}}},
			Pick{LessonID: "nurse-t-1", Reason: ReasonTrack}, true},

		{"earliest due review", PlanState{Member: veteran, Reviews: dueReviews, Seen: idSet("q-a", "q-b")},
			Pick{LessonID: "q-a", Reason: ReasonReview}, true},
		{"due review ties by lesson id", PlanState{Member: veteran, Reviews: []Review{
			{LessonID: "q-b", DueDate: "2026-06-01"}, {LessonID: "q-a", DueDate: "2026-06-01"}}},
			Pick{LessonID: "q-a", Reason: ReasonReview}, true},
		{"retired and future reviews are not due", PlanState{Member: veteran, Reviews: []Review{
			{LessonID: "q-a", DueDate: "2026-06-01", Retired: true, Streak: 2},
			{LessonID: "q-b", DueDate: "2026-06-17"}}},
			Pick{LessonID: "nurse-t-1", Reason: ReasonTrack}, true},
		{"review no longer for the role or deleted is skipped", PlanState{Member: veteran, Reviews: []Review{
			{LessonID: "q-phys", DueDate: "2026-06-01"}, {LessonID: "deleted-quiz", DueDate: "2026-06-01"},
			{LessonID: "q-b", DueDate: "2026-06-15"}}},
			Pick{LessonID: "q-b", Reason: ReasonReview}, true},
		{"review sent today is skipped", PlanState{Member: veteran, Reviews: dueReviews, RecentlySent: idSet("q-a")},
			Pick{LessonID: "q-b", Reason: ReasonReview}, true},

		{"new hire: onboarding", PlanState{Member: newHire},
			Pick{LessonID: "nurse-ob-1", Reason: ReasonOnboarding}, true},
		{"new hire: next onboarding lesson", PlanState{Member: newHire, Seen: idSet("nurse-ob-1")},
			Pick{LessonID: "nurse-ob-2", Reason: ReasonOnboarding}, true},
		{"new hire: onboarding sent today is skipped", PlanState{Member: newHire, RecentlySent: idSet("nurse-ob-1")},
			Pick{LessonID: "nurse-ob-2", Reason: ReasonOnboarding}, true},
		{"new hire: onboarding done, role track", PlanState{Member: newHire, Seen: idSet("nurse-ob-1", "nurse-ob-2")},
			Pick{LessonID: "nurse-t-1", Reason: ReasonTrack}, true},
		{"31 days in: no onboarding, role track", PlanState{Member: thirtyOne},
			Pick{LessonID: "nurse-t-1", Reason: ReasonTrack}, true},
		{"role track in track order", PlanState{Member: veteran, Seen: idSet("nurse-t-1")},
			Pick{LessonID: "nurse-t-2", Reason: ReasonTrack}, true},
		{"track lesson not for the role is skipped; everyone track next", PlanState{Member: veteran, Seen: idSet("nurse-t-1", "nurse-t-2")},
			Pick{LessonID: "all-1", Reason: ReasonTrack}, true},
		{"tracks done: untracked lessons in content order", PlanState{Member: veteran, Seen: idSet("nurse-t-1", "nurse-t-2", "all-1")},
			Pick{LessonID: "untracked-all", Reason: ReasonRole}, true},
		{"veteran gets onboarding lessons as untracked ones", PlanState{Member: veteran, Seen: idSet("nurse-t-1", "nurse-t-2", "all-1", "untracked-all")},
			Pick{LessonID: "nurse-ob-1", Reason: ReasonRole}, true},
		{"lesson waiting in a burst is left to the burst", PlanState{Member: veteran, Seen: allLessonsBut(c, "burst-1", "burst-2"),
			BurstItems: []BurstItem{{BurstID: "b1", LessonID: "burst-1", Seq: 1, AvailableDate: "2026-06-20"}}},
			Pick{LessonID: "burst-2", Reason: ReasonRole}, true},

		{"physician track", PlanState{Member: physician},
			Pick{LessonID: "phys-1", Reason: ReasonTrack}, true},
		{"physician gets no nurse lessons", PlanState{Member: physician, Seen: idSet("phys-1", "all-1", "untracked-all", "burst-1", "burst-2")},
			Pick{LessonID: "q-phys", Reason: ReasonRole}, true},
		{"physician done", PlanState{Member: physician, Seen: idSet("phys-1", "all-1", "untracked-all", "burst-1", "burst-2", "q-phys")},
			Pick{}, false},
		{"ward nurse never gets the icu lesson", PlanState{Member: veteran, Seen: allLessonsBut(c, "icu-only")},
			Pick{}, false},
		{"icu nurse gets the icu lesson", PlanState{Member: icuNurse, Seen: allLessonsBut(c, "icu-only")},
			Pick{LessonID: "icu-only", Reason: ReasonRole}, true},
		{"billing: only billing and everyone lessons", PlanState{Member: member("billing", "", -1), Seen: idSet("all-1", "untracked-all")},
			Pick{LessonID: "bill-1", Reason: ReasonRole}, true},
		{"everything seen, nothing due", PlanState{Member: veteran, Seen: allLessonsBut(c), Reviews: []Review{{LessonID: "q-a", DueDate: "2026-07-01"}}},
			Pick{}, false},
		{"only candidate sent today", PlanState{Member: veteran, Seen: allLessonsBut(c, "q-a"), RecentlySent: idSet("q-a")},
			Pick{}, false},
		{"no member", PlanState{}, Pick{}, false},
	}
	planner := NewPlanner(c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			st.Now = now
			st.ShiftDate = "2026-06-16"
			got, ok := planner.Plan(st)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Plan = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			// The one-off wrapper and a shift date derived from Now agree.
			st.ShiftDate = ""
			if got2, ok2 := Plan(c, st); got2 != got || ok2 != ok {
				t.Errorf("Plan(c, st) without ShiftDate = %+v, %v; want %+v, %v", got2, ok2, got, ok)
			}
		})
	}
}

// TestPlanShiftDateFromNow checks that a due date is compared with the
// member's local shift date, not the UTC date.
func TestPlanShiftDateFromNow(t *testing.T) {
	t.Parallel()
	c := testPlanContent()
	m := &member.Member{Role: "nurse", Department: "ward", Schedule: testSched(t, "Pacific/Auckland", "08:30", "08:00-17:00", member.MonFri)}
	st := PlanState{
		Member:  m,
		Now:     testInstant(t, "2026-06-15T20:45:00Z"), // 2026-06-16 08:45 in Auckland
		Seen:    allLessonsBut(c),
		Reviews: []Review{{LessonID: "q-a", DueDate: "2026-06-16"}},
	}
	if got, ok := Plan(c, st); !ok || got.LessonID != "q-a" {
		t.Errorf("Plan = %+v, %v; want the review due on the Auckland date", got, ok)
	}
	m.Schedule = testSched(t, "America/Los_Angeles", "08:30", "08:00-17:00", member.MonFri)
	st.Now = testInstant(t, "2026-06-16T03:00:00Z") // 2026-06-15 20:00 in Los Angeles
	if got, ok := Plan(c, st); ok {
		t.Errorf("Plan = %+v, want nothing: the review is due tomorrow in Los Angeles", got)
	}
}

func TestPlanNewHireBoundary(t *testing.T) {
	t.Parallel()
	c := testPlanContent()
	now := testInstant(t, "2026-06-16T08:30:00+02:00")
	tests := []struct {
		started string
		want    Reason
	}{
		{"2026-06-16T08:30:00+02:00", ReasonOnboarding}, // first day
		{"2026-05-18T08:30:00+02:00", ReasonOnboarding}, // 29 days
		{"2026-05-17T08:30:00+02:00", ReasonTrack},      // 30 days
		{"2026-05-16T08:30:00+02:00", ReasonTrack},      // 31 days
		{"2026-06-20T08:30:00+02:00", ReasonTrack},      // starts in the future
		{"", ReasonTrack}, // unknown
	}
	p := NewPlanner(c)
	for _, tt := range tests {
		m := &member.Member{Role: "nurse", StartDate: testInstant(t, tt.started), Schedule: defaultTestSchedule()}
		got, _ := p.Plan(PlanState{Member: m, Now: now})
		if got.Reason != tt.want {
			t.Errorf("started %q: reason %s, want %s", tt.started, got.Reason, tt.want)
		}
	}
}

// defaultTestSchedule is a helper for tests: the defaults in UTC.
func defaultTestSchedule() member.Schedule {
	return member.Schedule{DeliveryTime: member.DefaultDeliveryTime, WorkStart: member.DefaultWorkStart, WorkEnd: member.DefaultWorkEnd, WorkDays: member.DefaultWorkDays}
}

func TestPlannerConcurrent(t *testing.T) {
	t.Parallel()
	p := NewPlanner(testPlanContent())
	now := testInstant(t, "2026-06-16T08:30:00Z")
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				role := member.DefaultRoles[(g+i)%len(member.DefaultRoles)]
				m := &member.Member{Role: role, Department: fmt.Sprintf("dept-%d", i%7), Schedule: defaultTestSchedule()}
				got, ok := p.Plan(PlanState{Member: m, Now: now})
				want, wantOK := Plan(testPlanContent(), PlanState{Member: m, Now: now})
				if got != want || ok != wantOK {
					select {
					case errs <- fmt.Sprintf("%s: %+v,%v vs %+v,%v", role, got, ok, want, wantOK):
					default:
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// benchZones are 20 IANA zones on both sides of UTC, with and without DST,
// including half- and quarter-hour offsets.
var benchZones = []string{
	"Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Shanghai", "Asia/Kolkata",
	"Asia/Kathmandu", "Asia/Dubai", "Europe/Moscow", "Africa/Nairobi", "Europe/Berlin",
	"Europe/London", "UTC", "Atlantic/Azores", "America/Sao_Paulo", "America/Halifax",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu",
}

// benchContent is ~60 lessons: 10 per role plus 10 for everyone, an
// onboarding and a regular track per role, and one burst.
func benchContent() *Content {
	c := &Content{Roles: member.DefaultRoles}
	for _, role := range member.DefaultRoles {
		var ob, tr []string
		for i := 0; i < 10; i++ {
			id := fmt.Sprintf("%s-%02d", role, i)
			kind := KindTip
			if i%2 == 1 {
				kind = KindQuiz
			}
			c.Lessons = append(c.Lessons, &Lesson{ID: id, Kind: kind, Title: id, Roles: []string{role}})
			if i < 3 {
				ob = append(ob, id)
			} else if i < 8 {
				tr = append(tr, id)
			}
		}
		c.Tracks = append(c.Tracks,
			&Track{ID: role + "-onboarding", Roles: []string{role}, Onboarding: true, Lessons: ob},
			&Track{ID: role, Roles: []string{role}, Lessons: tr})
	}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("all-%02d", i)
		l := &Lesson{ID: id, Kind: KindTip, Title: id}
		if i == 9 {
			l.Departments = []string{"icu"}
		}
		c.Lessons = append(c.Lessons, l)
	}
	c.Bursts = []*Burst{{ID: "upgrade", Lessons: []string{"all-00", "all-01"}, Pace: PaceDaily}}
	return c
}

// BenchmarkPlanner100k times one scheduler tick over 100,000 members: for
// each member, DeliverySlot(now) and, when a prompt is due, Plan. One op is
// one whole tick; run with -benchtime=1x for a single tick.
func BenchmarkPlanner100k(b *testing.B) {
	const members = 100_000
	c := benchContent()
	locs := make([]*time.Location, len(benchZones))
	for i, z := range benchZones {
		locs[i] = must[*time.Location](b)(time.LoadLocation(z))
	}
	depts := []string{"", "icu", "ed", "clinic"}
	hours := [][3]member.Clock{
		{8*60 + 30, 8 * 60, 17 * 60},  // day
		{7 * 60, 7 * 60, 19 * 60},     // long day
		{22 * 60, 19 * 60, 7*60 + 30}, // night, evening delivery
		{5 * 60, 19 * 60, 7*60 + 30},  // night, morning delivery
		{10 * 60, 0, 0},               // all day
	}
	// A few seen-sets shared between members: everything from nothing seen
	// to almost done, so the planner walks candidate lists of every length.
	var seenProfiles []map[string]bool
	for n := 0; n <= len(c.Lessons); n += 6 {
		m := map[string]bool{}
		for _, l := range c.Lessons[:n] {
			m[l.ID] = true
		}
		seenProfiles = append(seenProfiles, m)
	}
	now := time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC) // a Tuesday
	type row struct {
		m       *member.Member
		seen    map[string]bool
		reviews []Review
		bursts  []BurstItem
	}
	rows := make([]row, members)
	for i := range rows {
		h := hours[i%len(hours)]
		m := &member.Member{
			ID:         int64(i + 1),
			Role:       member.DefaultRoles[i%len(member.DefaultRoles)],
			Department: depts[(i/5)%len(depts)],
			Schedule: member.Schedule{
				Location:     locs[(i/7)%len(locs)],
				DeliveryTime: h[0] + member.Clock(i%4)*15,
				WorkStart:    h[1],
				WorkEnd:      h[2],
				WorkDays:     member.MonFri,
			},
			Joined: true,
		}
		if i%10 == 0 {
			m.StartDate = now.AddDate(0, 0, -(i % 45))
		}
		if i%50 == 0 {
			m.Schedule.PausedUntil = now.Add(48 * time.Hour)
		}
		r := row{m: m, seen: seenProfiles[i%len(seenProfiles)]}
		if i%3 == 0 {
			r.reviews = []Review{
				{LessonID: fmt.Sprintf("%s-01", m.Role), Streak: 1, Attempts: 1, DueDate: "2026-03-01"},
				{LessonID: fmt.Sprintf("%s-03", m.Role), Attempts: 1, DueDate: "2026-03-20"},
			}
		}
		if i%8 == 0 {
			r.bursts = []BurstItem{{BurstID: "upgrade", LessonID: "all-01", Seq: 2, AvailableDate: "2026-03-11"}}
		}
		rows[i] = r
	}

	p := NewPlanner(c)
	b.ReportAllocs()
	b.ResetTimer()
	var due, picked int
	for n := 0; n < b.N; n++ {
		due, picked = 0, 0
		for i := range rows {
			r := &rows[i]
			_, shiftDate, ok := r.m.Schedule.DeliverySlot(now)
			if !ok {
				continue
			}
			due++
			if _, ok := p.Plan(PlanState{
				Member: r.m, ShiftDate: shiftDate, Now: now,
				Seen: r.seen, Reviews: r.reviews, BurstItems: r.bursts,
			}); ok {
				picked++
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(due), "due/tick")
	b.ReportMetric(float64(picked), "picked/tick")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/members, "ns/member")
}
