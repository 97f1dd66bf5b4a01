package lessons

import (
	"fmt"
	"math"
	"sort"
)

// Refresh signals tell trainers where training needs a refresh: topics that
// people get wrong or are getting worse at, departments that stopped
// answering, new hires struggling, and lessons people find unhelpful. The
// rules below are pure functions of aggregated numbers (a store query
// computes them) so they can be table-tested.

// SignalKind names one rule.
type SignalKind string

// Signal kinds, in the order trainers see them.
const (
	SignalTopicAccuracy SignalKind = "topic-accuracy" // a topic's accuracy is under the threshold
	SignalTopicFalling  SignalKind = "topic-falling"  // a topic's accuracy fell week over week
	SignalParticipation SignalKind = "participation"  // few members of a department answered
	SignalNewHires      SignalKind = "new-hires"      // new hires of a role are below their peers
	SignalPoorRating    SignalKind = "poor-rating"    // a lesson is rated unhelpful
)

// Icon returns the emoji that marks signals of kind k wherever they are
// listed (the digest, the dashboard), "•" for an unknown kind.
func (k SignalKind) Icon() string {
	switch k {
	case SignalTopicAccuracy:
		return "❗"
	case SignalTopicFalling:
		return "📉"
	case SignalParticipation:
		return "💤"
	case SignalNewHires:
		return "🌱"
	case SignalPoorRating:
		return "👎"
	}
	return "•"
}

var signalOrder = map[SignalKind]int{
	SignalTopicAccuracy: 0, SignalTopicFalling: 1, SignalParticipation: 2, SignalNewHires: 3, SignalPoorRating: 4,
}

// Tally counts answers and how many were correct.
type Tally struct {
	Answers int
	Correct int
}

// Accuracy returns Correct/Answers, or 0 without answers.
func (t Tally) Accuracy() float64 {
	if t.Answers == 0 {
		return 0
	}
	return float64(t.Correct) / float64(t.Answers)
}

// Add returns the sum of two tallies.
func (t Tally) Add(o Tally) Tally {
	return Tally{Answers: t.Answers + o.Answers, Correct: t.Correct + o.Correct}
}

// TopicStat is one topic (lesson tag) in the period, and in the last two
// 7-day windows for the week-over-week comparison.
type TopicStat struct {
	Topic    string
	Period   Tally // every answer in the period
	Recent   Tally // the last 7 days
	Previous Tally // the 7 days before those
}

// DepartmentStat is how many members of a department answered in the period.
type DepartmentStat struct {
	Department string
	// Members are the department's members who were sent at least one
	// prompt in the period: nobody can answer before being asked, so a
	// department that was never sent anything is not judged.
	Members int
	Active  int // members who answered or acknowledged at least one prompt
}

// CohortStat compares a role's new hires with the rest of the role.
type CohortStat struct {
	Role         string
	NewHires     int // new hires with at least one answer
	NewHireTally Tally
	Peers        int // other members of the role with at least one answer
	PeerTally    Tally
}

// RatingStat counts a lesson's 👍 and 👎.
type RatingStat struct {
	LessonID string
	Title    string
	Up       int
	Down     int
}

// SignalInput is everything the rules look at.
type SignalInput struct {
	Topics      []TopicStat
	Departments []DepartmentStat
	Cohorts     []CohortStat
	Ratings     []RatingStat
}

// SignalThresholds tune the rules. Rates are fractions (0.6 = 60%).
type SignalThresholds struct {
	TopicAccuracy     float64 // a topic below this accuracy is flagged
	TopicMinAnswers   int     // answers a topic needs in the period to be judged
	TopicDrop         float64 // a week-over-week fall of at least this much is flagged
	TrendMinAnswers   int     // answers each 7-day window needs to compare them
	Participation     float64 // a department where fewer than this share answered is flagged
	MinMembers        int     // members a department needs to be judged
	NewHireDays       int     // members who started less than this many days ago are new hires
	NewHireGap        float64 // new hires this far below their peers are flagged
	NewHireMinAnswers int     // answers each side needs to be compared
	MinRatings        int     // ratings a lesson needs to be judged
	HelpfulShare      float64 // a lesson with at most this share of 👍 is flagged
}

// DefaultSignalThresholds are the defaults trainers start with: accuracy
// under 60% or falling by 15 points week over week, under half of a
// department answering, new hires 15 points below their peers, lessons with
// at least 3 ratings and at most 40% 👍.
var DefaultSignalThresholds = SignalThresholds{
	TopicAccuracy:     0.60,
	TopicMinAnswers:   30,
	TopicDrop:         0.15,
	TrendMinAnswers:   40,
	Participation:     0.50,
	MinMembers:        3,
	NewHireDays:       30,
	NewHireGap:        0.15,
	NewHireMinAnswers: 40,
	MinRatings:        3,
	HelpfulShare:      0.40,
}

// Signal is one finding, with the numbers behind it.
type Signal struct {
	Kind    SignalKind `json:"kind"`
	Subject string     `json:"subject"` // the topic, department, role or lesson id
	Metric  string     `json:"metric"`  // "accuracy", "participation" or "helpful"
	// Value is the measured rate (0..1).
	Value float64 `json:"value"`
	// Baseline is what Value is compared with: the threshold, last week's
	// accuracy, or the peers' accuracy.
	Baseline float64 `json:"baseline"`
	// N is how many answers, members or ratings Value rests on.
	N int `json:"n"`
	// Detail states the finding and its numbers in a sentence (English:
	// reports and the dashboard; a chat message says it from the fields).
	Detail string `json:"detail"`
	// The other counts Detail states, so it can be said in any language:
	// Part of N (correct answers, members who answered, 👍 of ratings);
	// OtherN the answers behind Baseline (the week before's, the peers');
	// People and OtherPeople the new hires and their peers; Days the
	// new-hire window; Title the rated lesson's title.
	Part        int    `json:"part,omitempty"`
	OtherN      int    `json:"other_n,omitempty"`
	People      int    `json:"people,omitempty"`
	OtherPeople int    `json:"other_people,omitempty"`
	Days        int    `json:"days,omitempty"`
	Title       string `json:"title,omitempty"`
}

// NoDepartment is the Subject of a participation signal about members
// without a department.
const NoDepartment = "(no department)"

// Gap returns how far Value is below Baseline, in percentage points.
func (s Signal) Gap() float64 { return math.Round((s.Baseline-s.Value)*1000) / 10 }

// Signals applies every rule to in and returns the findings, grouped by
// kind (topic accuracy, falling topics, participation, new hires, ratings)
// and, within a kind, worst first.
func Signals(in SignalInput, th SignalThresholds) []Signal {
	var out []Signal
	for _, t := range in.Topics {
		if t.Period.Answers >= th.TopicMinAnswers && t.Period.Accuracy() < th.TopicAccuracy {
			out = append(out, Signal{Kind: SignalTopicAccuracy, Subject: t.Topic, Metric: "accuracy",
				Value: t.Period.Accuracy(), Baseline: th.TopicAccuracy, N: t.Period.Answers, Part: t.Period.Correct,
				Detail: fmt.Sprintf("%s: %s correct (%d of %d answers), under the %s threshold",
					t.Topic, pct(t.Period.Accuracy()), t.Period.Correct, t.Period.Answers, pct(th.TopicAccuracy))})
		}
		if t.Recent.Answers >= th.TrendMinAnswers && t.Previous.Answers >= th.TrendMinAnswers &&
			t.Previous.Accuracy()-t.Recent.Accuracy() >= th.TopicDrop-1e-9 {
			out = append(out, Signal{Kind: SignalTopicFalling, Subject: t.Topic, Metric: "accuracy",
				Value: t.Recent.Accuracy(), Baseline: t.Previous.Accuracy(), N: t.Recent.Answers, OtherN: t.Previous.Answers,
				Detail: fmt.Sprintf("%s: %s correct in the last 7 days (%d answers), down from %s the week before (%d answers)",
					t.Topic, pct(t.Recent.Accuracy()), t.Recent.Answers, pct(t.Previous.Accuracy()), t.Previous.Answers)})
		}
	}
	for _, d := range in.Departments {
		if d.Members < th.MinMembers || d.Members == 0 {
			continue
		}
		rate := float64(d.Active) / float64(d.Members)
		if rate < th.Participation {
			name := d.Department
			if name == "" {
				name = NoDepartment
			}
			out = append(out, Signal{Kind: SignalParticipation, Subject: name, Metric: "participation",
				Value: rate, Baseline: th.Participation, N: d.Members, Part: d.Active,
				Detail: fmt.Sprintf("%s: %d of %d members sent a prompt (%s) answered in the period, under %s",
					name, d.Active, d.Members, pct(rate), pct(th.Participation))})
		}
	}
	for _, c := range in.Cohorts {
		if c.NewHireTally.Answers < th.NewHireMinAnswers || c.PeerTally.Answers < th.NewHireMinAnswers {
			continue
		}
		nh, peer := c.NewHireTally.Accuracy(), c.PeerTally.Accuracy()
		if peer-nh >= th.NewHireGap-1e-9 {
			out = append(out, Signal{Kind: SignalNewHires, Subject: c.Role, Metric: "accuracy",
				Value: nh, Baseline: peer, N: c.NewHireTally.Answers, OtherN: c.PeerTally.Answers,
				People: c.NewHires, OtherPeople: c.Peers, Days: th.NewHireDays,
				Detail: fmt.Sprintf("%s new hires (started under %d days ago): %s correct (%d people, %d answers) vs %s for their peers (%d people, %d answers)",
					c.Role, th.NewHireDays, pct(nh), c.NewHires, c.NewHireTally.Answers, pct(peer), c.Peers, c.PeerTally.Answers)})
		}
	}
	for _, r := range in.Ratings {
		n := r.Up + r.Down
		if n < th.MinRatings || n == 0 {
			continue
		}
		share := float64(r.Up) / float64(n)
		if share <= th.HelpfulShare+1e-9 {
			name := r.LessonID
			if r.Title != "" {
				name = fmt.Sprintf("%s (%s)", r.Title, r.LessonID)
			}
			out = append(out, Signal{Kind: SignalPoorRating, Subject: r.LessonID, Metric: "helpful",
				Value: share, Baseline: th.HelpfulShare, N: n, Part: r.Up, Title: r.Title,
				Detail: fmt.Sprintf("%s: %d 👍 and %d 👎 (%s helpful)", name, r.Up, r.Down, pct(share))})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if signalOrder[a.Kind] != signalOrder[b.Kind] {
			return signalOrder[a.Kind] < signalOrder[b.Kind]
		}
		if ga, gb := a.Baseline-a.Value, b.Baseline-b.Value; ga != gb {
			return ga > gb
		}
		return a.Subject < b.Subject
	})
	return out
}

// pct formats a fraction as a whole percentage ("57%").
func pct(f float64) string { return fmt.Sprintf("%.0f%%", math.Round(f*100)) }
