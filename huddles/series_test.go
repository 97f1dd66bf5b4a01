package huddles

import (
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSeriesNext(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	tueThu := member.Weekdays(1<<time.Tuesday | 1<<time.Thursday)
	sun := member.Weekdays(1 << time.Sunday)
	tests := []struct {
		name  string
		s     Series
		after string
		want  string
	}{
		{"same day, before", Series{Days: tueThu, At: 7*60 + 45, Location: ny}, "2026-03-05T12:00:00Z", "2026-03-05T12:45:00Z"},
		{"strictly after", Series{Days: tueThu, At: 7*60 + 45, Location: ny}, "2026-03-05T12:45:00Z", "2026-03-10T11:45:00Z"},
		{"across spring forward keeps 07:45", Series{Days: tueThu, At: 7*60 + 45, Location: ny}, "2026-03-05T13:00:00Z", "2026-03-10T11:45:00Z"},
		{"across fall back keeps 07:45", Series{Days: tueThu, At: 7*60 + 45, Location: ny}, "2026-10-29T12:00:00Z", "2026-11-03T12:45:00Z"},
		{"Berlin across its own change", Series{Days: tueThu, At: 7*60 + 45, Location: berlin}, "2026-03-27T00:00:00Z", "2026-03-31T05:45:00Z"},
		{"time in the spring-forward gap", Series{Days: sun, At: 2*60 + 30, Location: ny}, "2026-03-07T00:00:00Z", "2026-03-08T07:00:00Z"},
		{"time that happens twice: the first", Series{Days: sun, At: 1*60 + 30, Location: ny}, "2026-10-31T00:00:00Z", "2026-11-01T05:30:00Z"},
		{"after the first of a doubled time: next week", Series{Days: sun, At: 1*60 + 30, Location: ny}, "2026-11-01T05:30:00Z", "2026-11-08T06:30:00Z"},
		{"a week ahead", Series{Days: member.Weekdays(1 << time.Monday), At: 9 * 60, Location: time.UTC}, "2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z"},
		{"nil location is UTC", Series{Days: member.AllWeek, At: 0}, "2026-03-02T09:00:00Z", "2026-03-03T00:00:00Z"},
		{"no days", Series{Days: 0, At: 0}, "2026-03-02T09:00:00Z", ""},
	}
	for _, tt := range tests {
		got := tt.s.Next(utc(tt.after))
		want := time.Time{}
		if tt.want != "" {
			want = utc(tt.want)
		}
		if !got.Equal(want) {
			t.Errorf("%s: Next(%s) = %s, want %s", tt.name, tt.after, got.UTC().Format(time.RFC3339), tt.want)
		}
		if !got.IsZero() && got.Location() != tt.s.loc() {
			t.Errorf("%s: Next is in %s, want the series' zone %s", tt.name, got.Location(), tt.s.loc())
		}
	}
}

// TestSeriesDescribe: when a series meets, in each language's words.
func TestSeriesDescribe(t *testing.T) {
	t.Parallel()
	chicago := mustLoc(t, "America/Chicago")
	tueThu := member.Weekdays(1<<time.Tuesday | 1<<time.Thursday)
	es := i18n.For("es")
	for _, tt := range []struct {
		s      Series
		en, es string
	}{
		{Series{Days: tueThu, At: 7*60 + 45, Location: chicago}, "Tue and Thu at 07:45 America/Chicago", "mar y jue a las 07:45 (America/Chicago)"},
		{Series{Days: member.AllWeek, At: 19 * 60, Location: chicago}, "every day at 19:00 America/Chicago", "todos los días a las 19:00 (America/Chicago)"},
		{Series{Days: member.MonFri, At: 6*60 + 5}, "mon-fri at 06:05 UTC", "de lunes a viernes a las 06:05 (UTC)"},
		{Series{Days: member.Weekdays(1 << time.Saturday), At: 60 + 30}, "Sat at 01:30 UTC", "sáb a la 01:30 (UTC)"},
	} {
		if got := tt.s.Describe(en); got != tt.en {
			t.Errorf("Describe(en) = %q, want %q", got, tt.en)
		}
		if got := tt.s.Describe(es); got != tt.es {
			t.Errorf("Describe(es) = %q, want %q", got, tt.es)
		}
	}
}

func TestSeriesReminderDue(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	base := Series{Days: member.Weekdays(1<<time.Tuesday | 1<<time.Thursday), At: 7*60 + 45, Location: ny, RemindMinutes: 15, Active: true}
	midnight := Series{Days: member.AllWeek, At: 10, Location: ny, RemindMinutes: 15, Active: true}
	tests := []struct {
		name    string
		mod     func(s *Series)
		s       Series
		now     string
		wantOK  bool
		wantKey string
	}{
		{"too early", nil, base, "2026-03-10T11:29:59Z", false, "2026-03-10"},
		{"window opens (EDT, after the change)", nil, base, "2026-03-10T11:30:00Z", true, "2026-03-10"},
		{"still due just before start", nil, base, "2026-03-10T11:44:59Z", true, "2026-03-10"},
		{"at start: too late, next one not yet", nil, base, "2026-03-10T11:45:00Z", false, "2026-03-12"},
		{"window in EST, before the change", nil, base, "2026-03-05T12:30:00Z", true, "2026-03-05"},
		{"EST offset applied: 11:30Z is 06:30 EST", nil, base, "2026-03-05T11:30:00Z", false, "2026-03-05"},
		{"already reminded", func(s *Series) { s.LastReminded = "2026-03-10" }, base, "2026-03-10T11:35:00Z", false, "2026-03-10"},
		{"reminded last time only", func(s *Series) { s.LastReminded = "2026-03-05" }, base, "2026-03-10T11:35:00Z", true, "2026-03-10"},
		{"reminders off", func(s *Series) { s.RemindMinutes = 0 }, base, "2026-03-10T11:44:00Z", false, ""},
		{"cancelled series", func(s *Series) { s.Active = false }, base, "2026-03-10T11:44:00Z", false, ""},
		{"longer lead", func(s *Series) { s.RemindMinutes = 60 }, base, "2026-03-10T10:45:00Z", true, "2026-03-10"},
		{"reminder the evening before a 00:10 huddle", nil, midnight, "2026-03-10T03:56:00Z", true, "2026-03-10"},
	}
	for _, tt := range tests {
		s := tt.s
		if tt.mod != nil {
			tt.mod(&s)
		}
		_, key, ok := s.ReminderDue(utc(tt.now))
		if ok != tt.wantOK || key != tt.wantKey {
			t.Errorf("%s: ReminderDue(%s) = %q, %v; want %q, %v", tt.name, tt.now, key, ok, tt.wantKey, tt.wantOK)
		}
	}
}

func TestMatchSeries(t *testing.T) {
	t.Parallel()
	tue := member.Weekdays(1 << time.Tuesday)
	morning := &Series{ID: 1, Title: "Morning huddle", Days: tue, At: 7*60 + 45, Location: time.UTC, Active: true}
	night := &Series{ID: 2, Title: "Night huddle", Days: tue, At: 19*60 + 30, Location: time.UTC, Active: true}
	gone := &Series{ID: 3, Title: "Old", Days: tue, At: 12 * 60, Location: time.UTC, Active: false}
	tuesday := func(hhmm string) time.Time { return utc("2026-03-10T" + hhmm + ":00Z") }
	tests := []struct {
		name   string
		series []*Series
		title  string
		now    time.Time
		want   int64
	}{
		{"same title, any time", []*Series{morning, night}, "night HUDDLE", tuesday("10:00"), 2},
		{"other title near an occurrence", []*Series{morning, night}, "Sepsis alert", tuesday("08:30"), 1},
		{"early start still near", []*Series{morning, night}, "", tuesday("19:00"), 2},
		{"other title far from any: one-off", []*Series{morning, night}, "Sepsis alert", tuesday("13:00"), 0},
		{"no title, one series, far", []*Series{morning}, "", tuesday("13:00"), 1},
		{"no title, two series, far", []*Series{morning, night}, "", tuesday("13:00"), 0},
		{"cancelled series never match", []*Series{gone}, "Old", tuesday("12:00"), 0},
		{"none", nil, "x", tuesday("12:00"), 0},
	}
	for _, tt := range tests {
		got := MatchSeries(tt.series, tt.title, tt.now)
		var id int64
		if got != nil {
			id = got.ID
		}
		if id != tt.want {
			t.Errorf("%s: MatchSeries = %d, want %d", tt.name, id, tt.want)
		}
	}
}
