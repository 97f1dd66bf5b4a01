package support

import (
	"slices"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// 2026-11-24 is a Tuesday.
func at(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, time.UTC) }

var dayShift = member.Schedule{Location: time.UTC, WorkStart: 8 * 60, WorkEnd: 17 * 60, WorkDays: member.MonFri}

func helper(id int64, name, dept string, onDuty bool) Helper {
	return Helper{MemberID: id, Name: name, Department: dept, OnDuty: onDuty, Schedule: dayShift}
}

func withDuty(h Helper, start, end member.Clock) Helper {
	h.Duty = &Hours{Start: start, End: end}
	return h
}

func ids(hs []Helper) []int64 {
	out := []int64{}
	for _, h := range hs {
		out = append(out, h.MemberID)
	}
	return out
}

const nina = 1 // the asker, a nurse on 4west

var (
	sam   = helper(10, "Sam Reyes", "4west", true)
	sue   = helper(11, "Sue Park", "4west", true)
	samZZ = helper(10, "Sam Reyes", "4west", false) // off duty
	sueZZ = helper(11, "Sue Park", "4west", false)
	ed    = helper(20, "Ed Novak", "5east", true)
	edZZ  = helper(20, "Ed Novak", "5east", false)
	amy   = helper(30, "Amy Cole", "clinic", true)
	// nora works nights on 4west and is on duty 19:00–07:00.
	nora = withDuty(helper(12, "Nora Diaz", "4west", true), 19*60, 7*60)
)

func TestHelperAvailable(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	paused := sam
	paused.Schedule.PausedUntil = at(30, 0, 0)
	inChicago := sam
	inChicago.Schedule.Location = chicago
	lunch := withDuty(sam, 12*60, 14*60)
	allDay := withDuty(sam, 0, 0)
	tests := []struct {
		name string
		h    Helper
		now  time.Time
		want bool
	}{
		{"on duty inside work hours", sam, at(24, 9, 0), true},
		{"duty switch off", samZZ, at(24, 9, 0), false},
		{"after work hours", sam, at(24, 17, 0), false},
		{"before work hours", sam, at(24, 7, 59), false},
		{"weekend", sam, at(28, 10, 0), false},
		{"paused", paused, at(24, 9, 0), false},
		{"duty hours narrower than work hours", lunch, at(24, 10, 0), false},
		{"inside duty hours", lunch, at(24, 13, 0), true},
		{"all-day duty hours", allDay, at(24, 23, 30), true},
		{"all-day duty hours keep work days", allDay, at(29, 10, 0), false},
		{"night duty before midnight", nora, at(24, 20, 0), true},
		{"night duty after midnight", nora, at(25, 2, 0), true},
		{"night duty ends at 07:00", nora, at(25, 7, 0), false},
		{"night duty off in the day", nora, at(24, 12, 0), false},
		{"friday night shift runs into saturday", nora, at(28, 3, 0), true},
		{"saturday night is not a work day", nora, at(28, 20, 0), false},
		{"time zone: 09:00 in Chicago", inChicago, at(24, 15, 0), true},
		{"time zone: 07:00 in Chicago", inChicago, at(24, 13, 0), false},
	}
	for _, tt := range tests {
		if got := tt.h.Available(tt.now); got != tt.want {
			t.Errorf("%s: Available(%s) = %v, want %v", tt.name, tt.now.Format("Mon 15:04"), got, tt.want)
		}
	}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	q := Question{AskerID: nina, Department: "4west", Asker: dayShift}
	samAsker := q
	samAsker.AskerID = sam.MemberID
	noDept := q
	noDept.Department = ""
	pol := Policy{EscalateAfter: 10 * time.Minute, Helpdesk: true}
	noDesk := Policy{EscalateAfter: 10 * time.Minute}
	tests := []struct {
		name    string
		q       Question
		helpers []Helper
		now     time.Time
		p       Policy
		want    Decision
	}{
		{"own department on duty", q, []Helper{ed, sue, sam}, at(24, 9, 0), pol,
			Decision{Level: LevelDepartment, To: []Helper{sam, sue}, EscalateAt: at(24, 9, 10), Reason: ReasonDepartment}},
		{"none on duty in the department: other departments at once", q, []Helper{samZZ, sueZZ, amy, ed}, at(24, 9, 0), pol,
			Decision{Level: LevelOthers, To: []Helper{ed, amy}, EscalateAt: at(24, 9, 10), Reason: ReasonNoneOnDuty}},
		{"none on duty anywhere: helpdesk", q, []Helper{samZZ, sueZZ, edZZ}, at(24, 9, 0), pol,
			Decision{Level: LevelHelpdesk, Helpdesk: true, Reason: ReasonHelpdesk}},
		{"none anywhere and no helpdesk: waits at level 1", q, []Helper{samZZ, edZZ}, at(24, 9, 0), noDesk,
			Decision{Level: LevelOthers, Waiting: true, EscalateAt: at(24, 9, 10), Reason: ReasonNoHelpdesk}},
		{"off-hours super-users are excluded", q, []Helper{sam, sue, ed}, at(24, 18, 0), pol,
			Decision{Level: LevelHelpdesk, Helpdesk: true, Reason: ReasonHelpdesk}},
		{"night shift on duty in the evening", q, []Helper{sam, sue, nora}, at(24, 20, 0), pol,
			Decision{Level: LevelDepartment, To: []Helper{nora}, EscalateAt: at(25, 8, 10), Reason: ReasonDepartment}},
		{"night shift on duty after midnight", q, []Helper{sam, nora, ed}, at(25, 2, 30), pol,
			Decision{Level: LevelDepartment, To: []Helper{nora}, EscalateAt: at(25, 8, 10), Reason: ReasonDepartment}},
		{"night shift off in the day", q, []Helper{samZZ, nora, ed}, at(24, 10, 0), pol,
			Decision{Level: LevelOthers, To: []Helper{ed}, EscalateAt: at(24, 10, 10), Reason: ReasonNoneOnDuty}},
		{"a super-user asking never gets their own question", samAsker, []Helper{sam, sue}, at(24, 9, 0), pol,
			Decision{Level: LevelDepartment, To: []Helper{sue}, EscalateAt: at(24, 9, 10), Reason: ReasonDepartment}},
		{"the only super-user asking goes elsewhere", samAsker, []Helper{sam, ed}, at(24, 9, 0), pol,
			Decision{Level: LevelOthers, To: []Helper{ed}, EscalateAt: at(24, 9, 10), Reason: ReasonNoneOnDuty}},
		{"asker without a department: anyone on duty", noDept, []Helper{ed, sam}, at(24, 9, 0), pol,
			Decision{Level: LevelOthers, To: []Helper{sam, ed}, EscalateAt: at(24, 9, 10), Reason: ReasonNoneOnDuty}},
		{"asked at 16:55: escalation counted in work hours", q, []Helper{sam}, at(24, 16, 55), pol,
			Decision{Level: LevelDepartment, To: []Helper{sam}, EscalateAt: at(25, 8, 5), Reason: ReasonDepartment}},
	}
	for _, tt := range tests {
		got := Route(tt.q, tt.helpers, tt.now, tt.p)
		check(t, tt.name, got, tt.want)
	}
}

func TestEscalate(t *testing.T) {
	t.Parallel()
	pol := Policy{EscalateAfter: 10 * time.Minute, Helpdesk: true}
	noDesk := Policy{EscalateAfter: 10 * time.Minute}
	l0 := Question{AskerID: nina, Department: "4west", Asker: dayShift, Level: LevelDepartment, Routed: []int64{sam.MemberID, sue.MemberID}}
	l1 := l0
	l1.Level, l1.Routed = LevelOthers, []int64{sam.MemberID, sue.MemberID, ed.MemberID}
	waiting := l1
	waiting.Waiting = true
	l2 := l1
	l2.Level = LevelHelpdesk
	now := at(24, 9, 10)
	tests := []struct {
		name    string
		q       Question
		helpers []Helper
		p       Policy
		want    Decision
	}{
		{"unclaimed in the department: other departments", l0, []Helper{sam, sue, ed, amy}, pol,
			Decision{Level: LevelOthers, To: []Helper{ed, amy}, EscalateAt: at(24, 9, 20), Reason: ReasonUnclaimed}},
		{"someone of the department came on duty: they get it too", l0, []Helper{sam, sue, nora, ed}, pol,
			Decision{Level: LevelOthers, To: []Helper{ed}, EscalateAt: at(24, 9, 20), Reason: ReasonUnclaimed}},
		{"nobody else: helpdesk", l0, []Helper{sam, sue, edZZ}, pol,
			Decision{Level: LevelHelpdesk, Helpdesk: true, Reason: ReasonHelpdesk}},
		{"nobody else and no helpdesk: waits", l0, []Helper{sam, sue}, noDesk,
			Decision{Level: LevelOthers, Waiting: true, EscalateAt: at(24, 9, 20), Reason: ReasonNoHelpdesk}},
		{"unclaimed at level 1: helpdesk", l1, []Helper{sam, sue, ed, amy}, pol,
			Decision{Level: LevelHelpdesk, Helpdesk: true, Reason: ReasonHelpdesk}},
		{"unclaimed at level 1 without helpdesk: asker told, newcomers get it", l1, []Helper{ed, amy}, noDesk,
			Decision{Level: LevelOthers, To: []Helper{amy}, Waiting: true, EscalateAt: at(24, 9, 20), Reason: ReasonNoHelpdesk}},
		{"waiting: someone came on duty", waiting, []Helper{ed, amy}, noDesk,
			Decision{Level: LevelOthers, To: []Helper{amy}, Waiting: true, EscalateAt: at(24, 9, 20), Reason: ReasonCameOnDuty}},
		{"waiting: nobody new", waiting, []Helper{ed, samZZ}, noDesk,
			Decision{Level: LevelOthers, Waiting: true, EscalateAt: at(24, 9, 20), Reason: ReasonNoChange}},
		{"at the helpdesk: final", l2, []Helper{amy}, pol,
			Decision{Level: LevelHelpdesk, Reason: ReasonNoChange}},
	}
	for _, tt := range tests {
		got := Escalate(tt.q, tt.helpers, now, tt.p)
		check(t, tt.name, got, tt.want)
	}
}

func check(t *testing.T, name string, got, want Decision) {
	t.Helper()
	if got.Level != want.Level || got.Helpdesk != want.Helpdesk || got.Waiting != want.Waiting || got.Reason != want.Reason ||
		!got.EscalateAt.Equal(want.EscalateAt) || !slices.Equal(ids(got.To), ids(want.To)) {
		t.Errorf("%s:\n got level=%d to=%v helpdesk=%v waiting=%v at=%s reason=%s\nwant level=%d to=%v helpdesk=%v waiting=%v at=%s reason=%s",
			name, got.Level, ids(got.To), got.Helpdesk, got.Waiting, got.EscalateAt.Format(time.RFC3339), got.Reason,
			want.Level, ids(want.To), want.Helpdesk, want.Waiting, want.EscalateAt.Format(time.RFC3339), want.Reason)
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	night := member.Schedule{Location: time.UTC, WorkStart: 19 * 60, WorkEnd: 7 * 60, WorkDays: member.MonFri}
	allDay := member.Schedule{Location: time.UTC, WorkStart: 0, WorkEnd: 0, WorkDays: member.AllWeek}
	noDays := member.Schedule{Location: time.UTC, WorkStart: 8 * 60, WorkEnd: 17 * 60}
	nyDays := member.Schedule{Location: ny, WorkStart: 8 * 60, WorkEnd: 17 * 60, WorkDays: member.AllWeek}
	tests := []struct {
		name string
		s    member.Schedule
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"inside work hours", dayShift, at(24, 9, 0), 10 * time.Minute, at(24, 9, 10)},
		{"16:55 → 08:05 next work day", dayShift, at(24, 16, 55), 10 * time.Minute, at(25, 8, 5)},
		{"exactly at the end of the day", dayShift, at(24, 16, 50), 10 * time.Minute, at(24, 17, 0)},
		{"friday 16:55 → monday 08:05", dayShift, at(27, 16, 55), 10 * time.Minute, at(30, 8, 5)},
		{"saturday → monday", dayShift, at(28, 10, 0), 10 * time.Minute, at(30, 8, 10)},
		{"before work starts", dayShift, at(24, 7, 0), 10 * time.Minute, at(24, 8, 10)},
		{"seconds are kept", dayShift, at(24, 16, 59).Add(30 * time.Second), 10 * time.Minute, at(25, 8, 9).Add(30 * time.Second)},
		{"longer than a day's hours", dayShift, at(24, 9, 0), 10 * time.Hour, at(25, 10, 0)},
		{"night shift across midnight", night, at(24, 23, 55), 10 * time.Minute, at(25, 0, 5)},
		{"night shift end → next evening", night, at(25, 6, 55), 10 * time.Minute, at(25, 19, 5)},
		{"friday night shift ends saturday → monday evening", night, at(28, 6, 55), 10 * time.Minute, at(30, 19, 5)},
		{"all day every day", allDay, at(28, 3, 0), 10 * time.Minute, at(28, 3, 10)},
		{"no work days: wall clock", noDays, at(28, 3, 0), 10 * time.Minute, at(28, 3, 10)},
		{"zero duration", dayShift, at(28, 3, 0), 0, at(28, 3, 0)},
		// New York springs forward on Sunday 2026-03-08: 16:55 EST Saturday
		// plus 10 work minutes is 08:05 EDT on Sunday.
		{"daylight saving", nyDays, time.Date(2026, 3, 7, 16, 55, 0, 0, ny), 10 * time.Minute, time.Date(2026, 3, 8, 8, 5, 0, 0, ny)},
	}
	for _, tt := range tests {
		if got := Deadline(tt.s, tt.from, tt.d); !got.Equal(tt.want) {
			t.Errorf("%s: Deadline(%s, %s) = %s, want %s", tt.name, tt.from.Format(time.RFC3339), tt.d, got.Format(time.RFC3339), tt.want.Format(time.RFC3339))
		}
	}
}

func BenchmarkDeadline(b *testing.B) {
	from := at(27, 16, 0)
	for b.Loop() {
		Deadline(dayShift, from, 2*time.Hour)
	}
}
