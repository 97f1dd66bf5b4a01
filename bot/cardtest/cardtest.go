// Package cardtest checks that text meant for the card model is neutral:
// Markdown of the subset bot.Card documents, never a platform's own markup.
// Domain and capability tests run what they build through it, so Slack's
// *bold* or a hand-written <@U…> fails a test instead of showing as italics
// on Discord and as asterisks in the sandbox.
package cardtest

import (
	"regexp"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
)

var (
	// markup is platform syntax in text: Slack's *bold* (a single star
	// each side of a word) and ~strike~, any <…> token (Slack and Discord
	// mentions, <!here>, <#C…>, <url|text>, <t:…> timestamps, HTML tags),
	// Discord's -# subtext and ||spoiler||.
	// Emphasis must not be followed by a word character or its own mark
	// (checked by emphasisEnds: Go's regexp cannot look ahead).
	markup = []*regexp.Regexp{
		regexp.MustCompile(`(?:^|[^*\w])\*[^*\s](?:[^*\n]*[^*\s])?\*`),
		regexp.MustCompile(`(?:^|[^~\w])~[^~\s](?:[^~\n]*[^~\s])?~`),
		regexp.MustCompile(`<[@#!/a-zA-Z:][^>\n]*>`),
		regexp.MustCompile(`(?m)^-# `),
		regexp.MustCompile(`\|\|[^|\n]+\|\|`),
	}
	// markdown is the neutral subset's syntax, markup in a plain-text
	// field (a title or label shows it as typed on Slack and Discord).
	markdown = []*regexp.Regexp{
		regexp.MustCompile(`\*\*[^*\n]+\*\*`),
		regexp.MustCompile(`(?:^|[^_\w])_[^_\s](?:[^_\n]*[^_\s])?_`),
		regexp.MustCompile("`[^`\n]+`"),
		regexp.MustCompile(`\[[^\]\n]+\]\([^)\s]+\)`),
	}
	bold = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
)

// Markup returns each piece of platform markup in s, text for a Markdown
// field of a card (Body, Question, Result, Explanation, a Field's Value,
// Reply.Text); none means s is neutral.
func Markup(s string) []string {
	s = bold.ReplaceAllString(s, "$1") // **bold** is neutral; its stars are not Slack's *bold*
	return find(s, markup)
}

// find returns the matches of res in s, dropping emphasis followed by a
// word character or another of its marks ("*a*b" is no emphasis).
func find(s string, res []*regexp.Regexp) []string {
	var out []string
	for _, re := range res {
		for _, m := range re.FindAllStringIndex(s, -1) {
			match, mark := s[m[0]:m[1]], s[m[1]-1]
			if mark == '*' || mark == '~' || mark == '_' {
				if r, _ := utf8.DecodeRuneInString(s[m[1]:]); m[1] < len(s) && (r == rune(mark) || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
					continue
				}
			}
			out = append(out, match)
		}
	}
	return out
}

// PlainMarkup is Markup for a plain-text field (Title, Context, a label):
// the neutral Markdown is markup there too.
func PlainMarkup(s string) []string {
	return append(find(s, markdown), Markup(s)...)
}

// Check reports, through t.Errorf, every field of c holding markup it may
// not: platform markup anywhere, Markdown in a plain-text field. what names
// the card in the message.
func Check(t testing.TB, what string, c *bot.Card) {
	t.Helper()
	if c == nil {
		return
	}
	field := func(name, s string, find func(string) []string) {
		t.Helper()
		if m := find(s); len(m) > 0 {
			t.Errorf("%s: %s holds markup %q that is not the card model's: %q", what, name, m, s)
		}
	}
	field("Title", c.Title, PlainMarkup)
	field("Body", c.Body, Markup)
	field("Question", c.Question, Markup)
	field("Result", c.Result, Markup)
	field("Explanation", c.Explanation, Markup)
	field("Context", c.Context, PlainMarkup)
	for _, f := range c.Fields {
		field("Field label", f.Label, PlainMarkup)
		field("Field "+f.Label, f.Value, Markup)
	}
	for _, a := range c.AllActions() {
		field("label of "+a.ID, a.Label, PlainMarkup)
	}
	if c.Select != nil {
		field("select placeholder", c.Select.Placeholder, PlainMarkup)
	}
}

// CheckText reports, through t.Errorf, platform markup in s, the text of a
// reply.
func CheckText(t testing.TB, what, s string) {
	t.Helper()
	if m := Markup(s); len(m) > 0 {
		t.Errorf("%s holds markup %q that is not the card model's: %q", what, m, s)
	}
}
