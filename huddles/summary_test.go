package huddles

import (
	"github.com/huddlebot/huddlebot/i18n"
	"strings"
	"testing"
	"time"
)

// en says the huddle words in English, the default language.
var en = i18n.For(i18n.Default)

func TestBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, total, width int
		want            string
	}{
		{0, 0, 8, "░░░░░░░░"},
		{0, 10, 8, "░░░░░░░░"},
		{4, 10, 10, "████░░░░░░"},
		{1, 100, 10, "█░░░░░░░░░"}, // a vote is always visible
		{2, 3, 10, "███████░░░"},
		{1, 3, 10, "███░░░░░░░"},
		{10, 10, 10, "██████████"},
		{12, 10, 10, "██████████"}, // never wider than the bar
	}
	for _, tt := range tests {
		if got := Bar(tt.n, tt.total, tt.width); got != tt.want {
			t.Errorf("Bar(%d, %d, %d) = %q, want %q", tt.n, tt.total, tt.width, got, tt.want)
		}
	}
}

func TestTally(t *testing.T) {
	t.Parallel()
	single := Tally{Counts: []int{4, 6, 0}, Votes: 10, Voters: 10}
	if got := single.Line(en, 0); got != "████░░░░░░ 4 (40%)" {
		t.Errorf("Line(0) = %q", got)
	}
	if got := single.Line(en, 2); got != "░░░░░░░░░░ 0 (0%)" {
		t.Errorf("Line(2) = %q", got)
	}
	if got := single.Headline(en); got != "10 votes from 10 people" {
		t.Errorf("Headline = %q", got)
	}
	multi := Tally{Counts: []int{3, 2, 1}, Votes: 6, Voters: 3}
	if got := multi.Percent(0); got != 100 {
		t.Errorf("multi Percent(0) = %d, want 100 (share of people)", got)
	}
	if got := multi.Headline(en); got != "6 votes from 3 people" {
		t.Errorf("multi Headline = %q", got)
	}
	if got := (Tally{Counts: []int{0, 0}}).Headline(en); got != "no votes yet" {
		t.Errorf("empty Headline = %q", got)
	}
	if got := (Tally{Counts: []int{1}, Votes: 1, Voters: 1}).Headline(en); got != "1 vote from 1 person" {
		t.Errorf("one Headline = %q", got)
	}
	rating := Tally{Counts: []int{0, 0, 1, 2, 1}, Votes: 4, Voters: 4}
	if avg, ok := rating.Average(); !ok || avg != 4 {
		t.Errorf("Average = %v, %v", avg, ok)
	}
	if _, ok := (Tally{Counts: make([]int, 5)}).Average(); ok {
		t.Error("Average of no votes is ok")
	}
	p := &Poll{Kind: KindRating, Options: RatingOptions}
	if got := p.Results(en, rating); !strings.Contains(got, "• ★★★★ — █████░░░░░ 2 (50%)") || !strings.Contains(got, "Average: 4.0 / 5") {
		t.Errorf("rating Results =\n%s", got)
	}
	// Spanish writes a decimal comma and a space before the percent sign.
	es := i18n.For("es")
	if got := single.Line(es, 0); got != "████░░░░░░ 4 (40\u00a0%)" {
		t.Errorf("es Line(0) = %q", got)
	}
	rating.Counts, rating.Votes, rating.Voters = []int{0, 0, 1, 1, 0}, 2, 2
	if got := p.Results(es, rating); !strings.Contains(got, "• ★★★ — █████░░░░░ 1 (50\u00a0%)") || !strings.Contains(got, "Media: 3,5 / 5") {
		t.Errorf("es rating Results =\n%s", got)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	start := utc("2026-03-10T11:45:00Z")
	ny := mustLoc(t, "America/New_York")
	h := &Huddle{ID: 9, Title: "Sepsis alert go-live", HostName: "Sam Reyes", StartedAt: start, EndedAt: start.Add(19*time.Minute + 40*time.Second)}
	anon := &Poll{Question: "Is the new alert clear?", Options: []string{"Yes", "No", "Not sure"}, Kind: KindChoice, MaxChoices: 1, Anonymous: true}
	multi := &Poll{Question: "Which screens?", Options: []string{"MAR", "Orders"}, Kind: KindChoice, MaxChoices: 2}
	rating := &Poll{Question: "Confidence?", Options: RatingOptions, Kind: KindRating, MaxChoices: 1}
	in := SummaryInput{
		Huddle:        h,
		Location:      ny,
		Attendees:     []Attendee{{MemberID: 5, Name: "Sue Park"}, {MemberID: 6, Name: "Ed Novak"}},
		AnonymousOnly: 3,
		Polls: []PollResult{
			{anon, Tally{Counts: []int{2, 1, 0}, Votes: 3, Voters: 3}},
			{multi, Tally{Counts: []int{2, 1}, Votes: 3, Voters: 2}},
			{rating, Tally{Counts: []int{0, 0, 0, 1, 1}, Votes: 2, Voters: 2}},
		},
		Questions: []*Question{
			{Text: "How do I reprint a wristband?", Status: QuestionAnswered, PlusOnes: 0, OriginHuddleID: 9},
			{Text: "Why does the alert fire twice?", Status: QuestionOpen, PlusOnes: 1, OriginHuddleID: 9},
			{Text: "Can the MAR show held doses?", Status: QuestionOpen, PlusOnes: 4, OriginHuddleID: 3},
			{Text: "Who owns the sepsis order set?", Status: QuestionEscalated, PlusOnes: 2, OriginHuddleID: 9},
		},
	}
	got := Summary(en, in)
	want := `**Sepsis alert go-live** — Tue 10 Mar 07:45–08:04 EDT (19 min), hosted by Sam Reyes
👥 Attendance: 5 — Ed Novak, Sue Park, plus 3 people who took part only anonymously

📊 **Polls**
**Is the new alert clear?** (anonymous) — 3 votes from 3 people
• Yes — ███████░░░ 2 (67%)
• No — ███░░░░░░░ 1 (33%)
• Not sure — ░░░░░░░░░░ 0 (0%)
**Which screens?** (attributed, up to 2 choices) — 3 votes from 2 people
• MAR — ██████████ 2 (100%)
• Orders — █████░░░░░ 1 (50%)
**Confidence?** (attributed, rating 1–5) — 2 votes from 2 people
• ★ — ░░░░░░░░░░ 0 (0%)
• ★★ — ░░░░░░░░░░ 0 (0%)
• ★★★ — ░░░░░░░░░░ 0 (0%)
• ★★★★ — █████░░░░░ 1 (50%)
• ★★★★★ — █████░░░░░ 1 (50%)
Average: 4.5 / 5

🅿️ **Parking lot**
Open (2):
• Can the MAR show held doses? — +1 ×4 _(carried over)_
• Why does the alert fire twice? — +1 ×1
Answered (1):
• How do I reprint a wristband? — +1 ×0
Escalated to the trainers (1):
• Who owns the sepsis order set? — +1 ×2`
	if got != want {
		t.Errorf("Summary =\n%s\n\nwant\n%s", got, want)
	}
}

func TestSummaryEmptyAndAttendance(t *testing.T) {
	t.Parallel()
	h := &Huddle{Title: "Quiet", StartedAt: utc("2026-03-10T11:45:00Z")}
	got := Summary(en, SummaryInput{Huddle: h})
	for _, want := range []string{"**Quiet** — Tue 10 Mar 11:45", "nobody voted, asked or +1'd", "No polls.", "no questions"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	tests := []struct {
		in   SummaryInput
		want string
	}{
		{SummaryInput{AnonymousOnly: 2}, "👥 Attendance: 2 (2 people who took part only anonymously)"},
		{SummaryInput{Attendees: []Attendee{{Name: "Zed"}, {Name: "Amy"}}}, "👥 Attendance: 2 — Amy, Zed"},
		{SummaryInput{Attendees: []Attendee{{Name: "Amy"}}, AnonymousOnly: 1}, "👥 Attendance: 2 — Amy, plus 1 person who took part only anonymously"},
	}
	for _, tt := range tests {
		if got := tt.in.Attendance(en); got != tt.want {
			t.Errorf("Attendance = %q, want %q", got, tt.want)
		}
	}
}
