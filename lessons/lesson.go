// Package lessons holds the learning domain of huddlebot: lessons, tracks and
// bursts as written by trainers, the content loader and validator, member
// schedules, the spacing rule and the daily planner.
//
// Everything here is pure: no chat SDK, SQL driver, scheduler or clock.
// Decisions take `now` as an argument so they can be table-tested across time
// zones and daylight-saving edges.
package lessons

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
)

// Kind is the kind of a lesson: a tip to read or a quiz question to answer.
type Kind string

// Lesson kinds.
const (
	KindTip  Kind = "tip"
	KindQuiz Kind = "quiz"
)

// Limits the validator enforces: huddlebot's own, chosen so that a lesson
// that validates is shown whole on every chat platform it supports — each
// is the smallest of those platforms' limits for where the text goes. The
// adapters still fit what they render to their own platform (a card adds
// an emoji to the title, an answered quiz shows the explanation and the
// body together), cutting cleanly where it must.
const (
	// A quiz has 2 to 5 answers: enough to make it think, few enough to
	// read on a phone, and one button each.
	MaxChoices = 5
	MinChoices = 2
	// An answer is a button label: 75 characters fit every platform's
	// button (Slack's hold 75, Discord's 80).
	MaxChoiceLen = 75
	// A body is one block of text: 3000 characters (Slack's section holds
	// 3000, Discord's embed 4096).
	MaxBodyLen = 3000
	// A title is a message header: 150 characters (Slack's header holds
	// 150, Discord's embed title 256).
	MaxTitleLen = 150
	// A question or an explanation is at most a Discord message (2000), the
	// shortest text message of all.
	MaxQuestionLen = 2000
	MaxExplainLen  = 2000
	// A track holds about two years of work days, a lesson a day.
	MaxTrackLessons = 500
)

// Lesson is one tip or quiz question as written in a content file.
type Lesson struct {
	ID          string   `json:"id"`
	Kind        Kind     `json:"kind"`
	Title       string   `json:"title"`
	Roles       []string `json:"roles,omitempty"`       // empty = everyone
	Departments []string `json:"departments,omitempty"` // empty = all
	Tags        []string `json:"tags,omitempty"`
	Question    string   `json:"question,omitempty"`
	Choices     []string `json:"choices,omitempty"`
	Answer      int      `json:"answer,omitempty"` // 1-based
	Explanation string   `json:"explanation,omitempty"`
	Body        string   `json:"body,omitempty"`
	// Lang is the language the lesson is written in, as its lang field says
	// ("" = the workspace default, see Language). Translations holds it in
	// other languages, by canonical tag (see In); both are part of the
	// version, so a changed translation is a new version too.
	Lang         string                  `json:"lang,omitempty"`
	Translations map[string]*Translation `json:"translations,omitempty"`

	// Path is the file the lesson came from, relative to the content root.
	Path string `json:"-"`
	// Version is the stored version number; 0 for lessons not yet imported.
	Version int `json:"-"`
}

// IsQuiz reports whether the lesson asks a question.
func (l *Lesson) IsQuiz() bool { return l.Kind == KindQuiz }

// Hash returns a stable digest of everything a learner sees, so an import can
// tell whether a lesson changed and needs a new version.
func (l *Lesson) Hash() string {
	b, _ := json.Marshal(l) // a struct of strings and ints cannot fail to marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// For reports whether the lesson is meant for a member with the given role
// and department. Empty role or department lists mean everyone.
func (l *Lesson) For(role, department string) bool {
	if len(l.Roles) > 0 && !slices.Contains(l.Roles, role) {
		return false
	}
	if len(l.Departments) > 0 && department != "" && !slices.Contains(l.Departments, department) {
		return false
	}
	if len(l.Departments) > 0 && department == "" {
		return false
	}
	return true
}

// Track is an ordered list of lessons for some roles. An onboarding track is
// what a new hire (started less than OnboardingDays ago) gets first.
type Track struct {
	ID         string   `json:"id" yaml:"id"`
	Title      string   `json:"title" yaml:"title"`
	Roles      []string `json:"roles,omitempty" yaml:"roles"`
	Onboarding bool     `json:"onboarding,omitempty" yaml:"onboarding"`
	Lessons    []string `json:"lessons" yaml:"lessons"`
	Path       string   `json:"-" yaml:"-"`
}

// Pace says how a burst goes out.
type Pace string

// Burst paces.
const (
	PaceAllAtOnce Pace = "all-at-once"
	PaceDaily     Pace = "daily"
)

// Burst is a short series of lessons about one EHR change, pushed to the
// roles and departments it affects.
type Burst struct {
	ID          string   `json:"id" yaml:"id"`
	Title       string   `json:"title" yaml:"title"`
	Roles       []string `json:"roles,omitempty" yaml:"roles"`
	Departments []string `json:"departments,omitempty" yaml:"departments"`
	Lessons     []string `json:"lessons" yaml:"lessons"`
	Pace        Pace     `json:"pace" yaml:"pace"`
	Path        string   `json:"-" yaml:"-"`
}

// Targets reports whether a member with this role and department is in the
// burst's audience.
func (b *Burst) Targets(role, department string) bool {
	if len(b.Roles) > 0 && !slices.Contains(b.Roles, role) {
		return false
	}
	if len(b.Departments) > 0 && !slices.Contains(b.Departments, department) {
		return false
	}
	return true
}

// Content is a validated set of lessons, tracks, bursts and roles.
type Content struct {
	Lessons []*Lesson
	Tracks  []*Track
	Bursts  []*Burst
	Roles   []string // the full role vocabulary: defaults plus roles.yaml

	byID      map[string]*Lesson
	indexOnce sync.Once // the first Lesson call may come from many goroutines at once
}

// Lesson returns the lesson with the given id, or nil. It is safe for
// concurrent use.
func (c *Content) Lesson(id string) *Lesson {
	c.indexOnce.Do(func() {
		if c.byID == nil {
			c.index()
		}
	})
	return c.byID[id]
}

// Burst returns the burst with the given id, or nil.
func (c *Content) Burst(id string) *Burst {
	for _, b := range c.Bursts {
		if b.ID == id {
			return b
		}
	}
	return nil
}

func (c *Content) index() {
	c.byID = make(map[string]*Lesson, len(c.Lessons))
	for _, l := range c.Lessons {
		c.byID[l.ID] = l
	}
}

// Tags returns every tag used by any lesson, sorted.
func (c *Content) Tags() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range c.Lessons {
		for _, t := range l.Tags {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}
