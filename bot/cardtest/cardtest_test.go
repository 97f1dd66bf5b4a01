package cardtest_test

import (
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/cardtest"
)

func TestMarkup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text        string
		markup      bool // platform markup in a Markdown field
		plainMarkup bool // markup in a plain-text field
	}{
		{"**Polls**", false, true},
		{"📊 **Parking lot**\n**Is it clear?** (anonymous) — 3 votes", false, true},
		{"_(carried over)_ and `code` and [docs](https://example.org)", false, true},
		{"- a bullet\n• another\n# A heading", false, false},
		{"2 * 3 * 4, a*b*c, K < 3.5 & falling, front_desk, ~5 min", false, false},
		{"*a*b and x*y*", false, false},
		{"Question from " + bot.Mention("U0ASKER"), false, false},
		{"*Polls*", true, true},
		{"📊 *Polls*", true, true},
		{"*Last call?* (attributed)", true, true},
		{"**Agenda** and *Notes*", true, true},
		{"~gone~", true, true},
		{"hi <@U123>", true, true},
		{"<!here> look", true, true},
		{"see <https://example.org|the docs>", true, true},
		{"<b>bold</b>", true, true},
		{"-# small print", true, true},
		{"||spoiler||", true, true},
	} {
		if got := len(cardtest.Markup(tc.text)) > 0; got != tc.markup {
			t.Errorf("Markup(%q) found markup: %v, want %v", tc.text, got, tc.markup)
		}
		if got := len(cardtest.PlainMarkup(tc.text)) > 0; got != tc.plainMarkup {
			t.Errorf("PlainMarkup(%q) found markup: %v, want %v", tc.text, got, tc.plainMarkup)
		}
	}
}

// TestCheck: a card with Slack markup in its body or Markdown in its title
// fails the check; a neutral card passes.
func TestCheck(t *testing.T) {
	t.Parallel()
	neutral := &bot.Card{Title: "🗣 Tech huddle: Go-live", Body: "**Agenda**\n1) alert", Context: "Ask: /huddle ask TEXT",
		Fields: []bot.Field{{Label: "Host", Value: "Sam"}}, Actions: []bot.Action{{ID: "x", Label: "Got it"}}}
	if ft := run(neutral); ft.errors != 0 {
		t.Errorf("a neutral card failed the check %d times", ft.errors)
	}
	for _, c := range []*bot.Card{
		{Body: "*Agenda*\n1) alert"},
		{Title: "**Go-live**"},
		{Fields: []bot.Field{{Label: "Host", Value: "<@U1>"}}},
		{Actions: []bot.Action{{ID: "x", Label: "`Got it`"}}},
	} {
		if ft := run(c); ft.errors != 1 {
			t.Errorf("card %+v: %d errors, want 1", c, ft.errors)
		}
	}
}

type fakeT struct {
	testing.TB
	errors int
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.errors++ }

func run(c *bot.Card) *fakeT {
	ft := &fakeT{}
	cardtest.Check(ft, "card", c)
	return ft
}
