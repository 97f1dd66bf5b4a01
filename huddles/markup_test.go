package huddles_test

import (
	"errors"
	"github.com/huddlebot/huddlebot/i18n"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/cardtest"
	"github.com/huddlebot/huddlebot/huddles"
)

// en says the huddle words in English, the default language.
var en = i18n.For(i18n.Default)

// TestTextIsNeutral: what the domain says about a huddle — the summary
// with every section, the help, the poll lines and a usage error — is the
// card model's Markdown (**bold**, _italic_), never Slack's *bold*, so
// every adapter shows it as emphasis.
func TestTextIsNeutral(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 11, 45, 0, 0, time.UTC)
	h := &huddles.Huddle{ID: 9, Title: "Sepsis alert go-live", HostName: "Sam Reyes", StartedAt: start, EndedAt: start.Add(20 * time.Minute)}
	anon := &huddles.Poll{Question: "Is the new alert clear?", Options: []string{"Yes", "No"}, Kind: huddles.KindChoice, MaxChoices: 1, Anonymous: true, Hidden: true}
	multi := &huddles.Poll{Question: "Which screens?", Options: []string{"MAR", "Orders"}, Kind: huddles.KindChoice, MaxChoices: 2}
	rating := &huddles.Poll{Question: "Confidence?", Options: huddles.RatingOptions, Kind: huddles.KindRating, MaxChoices: 1}
	summary := huddles.Summary(en, huddles.SummaryInput{
		Huddle:        h,
		Attendees:     []huddles.Attendee{{MemberID: 5, Name: "Sue Park"}},
		AnonymousOnly: 2,
		Polls: []huddles.PollResult{
			{Poll: anon, Tally: huddles.Tally{Counts: []int{2, 1}, Votes: 3, Voters: 3}},
			{Poll: multi, Tally: huddles.Tally{Counts: []int{2, 1}, Votes: 3, Voters: 2}},
			{Poll: rating, Tally: huddles.Tally{Counts: []int{0, 0, 0, 1, 1}, Votes: 2, Voters: 2}},
		},
		Questions: []*huddles.Question{
			{Text: "How do I reprint a wristband?", Status: huddles.QuestionAnswered, OriginHuddleID: 9},
			{Text: "Why does the alert fire twice?", Status: huddles.QuestionOpen, PlusOnes: 1, OriginHuddleID: 9},
			{Text: "Can the MAR show held doses?", Status: huddles.QuestionOpen, PlusOnes: 4, OriginHuddleID: 3},
			{Text: "Later?", Status: huddles.QuestionDeferred, OriginHuddleID: 9},
			{Text: "Who owns the order set?", Status: huddles.QuestionEscalated, Redacted: true, OriginHuddleID: 9},
		},
	})
	texts := map[string]string{"summary": summary, "empty summary": huddles.Summary(en, huddles.SummaryInput{Huddle: h}), "help": huddles.Help(en)}
	for _, p := range []*huddles.Poll{anon, multi, rating} {
		texts["results of "+p.Question] = p.Results(en, huddles.Tally{Counts: make([]int, len(p.Options))})
		texts["visibility of "+p.Question] = p.Visibility(en)
		texts["how to vote on "+p.Question] = p.HowToVote(en)
	}
	_, err := huddles.ParseCommand(`poll "Only one option" "Yes"`)
	var ue *huddles.UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("a one-option poll parsed: %v", err)
	}
	texts["usage error"] = ue.Error()
	for what, s := range texts {
		cardtest.CheckText(t, what, s)
	}
	if got := cardtest.Markup("📊 *Polls*"); len(got) == 0 {
		t.Fatal("the check finds no Slack bold")
	}
}
