package member

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
)

// Clock is a local wall-clock time of day in minutes since midnight (0–1439).
type Clock int

// ParseClock parses "HH:MM" (24-hour). It accepts "8:30" as well as "08:30".
func ParseClock(s string) (Clock, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || strings.Count(s, ":") != 1 || len(s) < 4 || len(s) > 5 || s[len(s)-3] != ':' {
		return 0, fmt.Errorf("%q is not a time like 08:30", s)
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day (00:00–23:59)", s)
	}
	return Clock(h*60 + m), nil
}

// String formats the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// In names the clock as l's sentences do after a preposition, with the
// article the hour takes ("las 08:30", "la 01:00"; "08:30" in English):
// the {{.Time}} of "a {{.Time}}".
func (c Clock) In(l *i18n.Localizer) string { return l.TimeWithArticle(int(c)/60, c.String()) }

// Weekdays is a set of days of the week, bit i set for time.Weekday(i).
type Weekdays uint8

// Common weekday sets.
const (
	MonFri  Weekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	AllWeek Weekdays = 0x7f
)

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<d) != 0 }

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// String formats the set as "mon-fri", "mon,wed,fri" or "every day".
func (w Weekdays) String() string {
	if w == AllWeek {
		return "every day"
	}
	if w == MonFri {
		return "mon-fri"
	}
	var parts []string
	for _, d := range []time.Weekday{1, 2, 3, 4, 5, 6, 0} {
		if w.Has(d) {
			parts = append(parts, dayNames[d])
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Describe names the set for a sentence in l's language ("Monday to
// Friday", "every day", "Mon, Wed and Fri").
func (w Weekdays) Describe(l *i18n.Localizer) string {
	switch w {
	case AllWeek:
		return l.T("member.days.every_day", nil)
	case MonFri:
		return l.T("member.days.mon_fri", nil)
	case 0:
		return l.T("member.days.none", nil)
	}
	var parts []string
	for _, d := range []time.Weekday{1, 2, 3, 4, 5, 6, 0} {
		if w.Has(d) {
			parts = append(parts, l.T("date.weekday_short."+dayNames[d], nil))
		}
	}
	return l.List(parts)
}

// ParseWeekdays parses "mon-fri", "mon,wed,fri", "sat-sun", "fri-mon" (wraps),
// "weekdays", "weekends" or "everyday". Names may be 3 letters or full.
func ParseWeekdays(s string) (Weekdays, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "weekdays":
		return MonFri, nil
	case "weekends", "weekend":
		return 1<<time.Saturday | 1<<time.Sunday, nil
	case "everyday", "every-day", "daily", "all":
		return AllWeek, nil
	}
	day := func(n string) (time.Weekday, error) {
		n = strings.TrimSpace(n)
		if len(n) >= 3 {
			if i := slices.Index(dayNames, n[:3]); i >= 0 {
				full := []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}[i]
				if len(n) == 3 || strings.HasPrefix(full, n) {
					return time.Weekday(i), nil
				}
			}
		}
		return 0, fmt.Errorf("%q is not a day (use mon, tue, wed, thu, fri, sat, sun)", n)
	}
	var w Weekdays
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if a, b, ok := strings.Cut(part, "-"); ok {
			from, err := day(a)
			if err != nil {
				return 0, err
			}
			to, err := day(b)
			if err != nil {
				return 0, err
			}
			for d := from; ; d = (d + 1) % 7 {
				w |= 1 << d
				if d == to {
					break
				}
			}
			continue
		}
		d, err := day(part)
		if err != nil {
			return 0, err
		}
		w |= 1 << d
	}
	if w == 0 {
		return 0, fmt.Errorf("no days given (try mon-fri)")
	}
	return w, nil
}

// DefaultRoles is the role vocabulary every deployment has.
var DefaultRoles = []string{"physician", "nurse", "ma", "front_desk", "billing"}

// Schedule is when a member may be reached: their time zone, the time their
// daily prompt goes out, their work hours and work days, and a pause.
type Schedule struct {
	Location     *time.Location
	DeliveryTime Clock
	WorkStart    Clock
	WorkEnd      Clock // may be before WorkStart: a night shift that wraps midnight
	WorkDays     Weekdays
	PausedUntil  time.Time // zero = not paused
}

// Defaults for a member who has set nothing.
const (
	DefaultDeliveryTime Clock = 8*60 + 30
	DefaultWorkStart    Clock = 8 * 60
	DefaultWorkEnd      Clock = 17 * 60
	DefaultWorkDays           = MonFri
	OnboardingDays            = 30
)

// Permission is a power separate from a member's clinical role.
type Permission string

// Permissions.
const (
	PermSuperUser Permission = "super_user"
	PermTrainer   Permission = "trainer"
	PermAdmin     Permission = "admin"
)

// AllPermissions lists the known permissions.
var AllPermissions = []Permission{PermSuperUser, PermTrainer, PermAdmin}

// Member is a person the bot knows in one workspace.
type Member struct {
	ID          int64
	WorkspaceID int64
	UserID      string // platform user id
	Name        string
	Email       string
	Role        string
	Department  string
	TimeZone    string // IANA name; "" = the workspace default
	Schedule    Schedule
	Permissions []Permission
	OnDuty      bool
	StartDate   time.Time // zero = unknown (not a new hire)
	Reachable   bool
	Joined      bool // has a role and wants daily prompts
	Nudges      bool
	HomeChannel string // where they joined; used to tell them when DMs fail
	Language    string // BCP 47 tag; "" = the workspace default (see i18n.Resolve)
	// LanguageSource is where Language came from.
	LanguageSource LanguageSource
}

// LanguageSource says where a member's language came from. A weaker source
// never overrides a stronger one: a platform locale (Slack profile, Discord
// or Teams locale) never replaces a language the roster set, and neither
// replaces the one the person chose with /learn language.
type LanguageSource string

// Language sources, weakest first.
const (
	LanguageUnset    LanguageSource = ""
	LanguagePlatform LanguageSource = "platform"
	LanguageRoster   LanguageSource = "roster"
	LanguageChosen   LanguageSource = "chosen"
)

// Overrides reports whether a language from s may replace one from old.
func (s LanguageSource) Overrides(old LanguageSource) bool { return s.rank() >= old.rank() }

func (s LanguageSource) rank() int {
	switch s {
	case LanguagePlatform:
		return 1
	case LanguageRoster:
		return 2
	case LanguageChosen:
		return 3
	}
	return 0
}

// Has reports whether the member holds permission p. Admins hold every
// permission; trainers may do everything a super-user may.
func (m *Member) Has(p Permission) bool {
	if slices.Contains(m.Permissions, PermAdmin) {
		return true
	}
	if p == PermSuperUser && slices.Contains(m.Permissions, PermTrainer) {
		return true
	}
	return slices.Contains(m.Permissions, p)
}

// IsNewHire reports whether the member started less than OnboardingDays ago.
func (m *Member) IsNewHire(now time.Time) bool {
	return !m.StartDate.IsZero() && now.Sub(m.StartDate) < OnboardingDays*24*time.Hour && !now.Before(m.StartDate)
}

// ParsePermissions parses a comma- or space-separated permission list.
func ParsePermissions(s string) ([]Permission, error) {
	var out []Permission
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "superuser" || p == "super-user" {
			p = string(PermSuperUser)
		}
		if !slices.Contains(AllPermissions, Permission(p)) {
			return nil, fmt.Errorf("unknown permission %q (known: super_user, trainer, admin)", p)
		}
		if !slices.Contains(out, Permission(p)) {
			out = append(out, Permission(p))
		}
	}
	return out, nil
}

// FormatPermissions joins permissions with commas.
func FormatPermissions(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}
