package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Card is the neutral message model every adapter renders: Block Kit on
// Slack, an embed with components on Discord, HTML and plain text in the
// sandbox. Fields are optional; empty ones are not shown.
//
// Text is neutral: nothing outside an adapter writes a platform's markup.
// Body, Question, Result, Explanation, a Field's Value and Reply.Text are
// Markdown, the subset every adapter renders — the one trainers write lessons
// in (content/*.md):
//
//	**bold**  _italic_  `code`  [text](https://…)  "- " bullets  "# " headings
//	line breaks, blank lines between paragraphs, and Mention(userID)
//
// Slack shows **bold** as mrkdwn *bold*, Discord as **bold**, the sandbox as
// <strong>; Mention becomes <@U…> on Slack, <@id> on Discord (and the only
// user Discord may notify), @id in the sandbox. Nothing else is markup, and
// what a card holds is shown as written: Slack's *bold*, ~strike~, <@U…>,
// <!here> and <url|text>, Discord's <@id> and -# or HTML are never written
// by the core or the domain (a single * is not emphasis: Slack would show it
// bold, Markdown italic). Title, Context, labels (a Field's Label, Action,
// Option, Select, Form) are plain text. bot/cardtest checks both rules.
//
// Lengths are the product's (lessons.Max*, huddles.Max*); each adapter fits
// what it renders to its platform's real limits itself, cutting at a word
// and never inside markup.
type Card struct {
	Title       string   `json:"title,omitempty"`
	Body        string   `json:"body,omitempty"` // Markdown
	Question    string   `json:"question,omitempty"`
	Choices     []Action `json:"choices,omitempty"` // answer buttons, one per row on narrow clients
	Result      string   `json:"result,omitempty"`  // e.g. "✅ Correct" once answered
	Explanation string   `json:"explanation,omitempty"`
	Fields      []Field  `json:"fields,omitempty"`
	Actions     []Action `json:"actions,omitempty"` // other buttons: ratings, Got it, Tell us more, claim…
	Select      *Select  `json:"select,omitempty"`  // a menu, for more options than buttons fit
	Context     string   `json:"context,omitempty"` // a small grey line, plain text
	// Lang is the language of the card's words ("" = the default); an
	// adapter says its own words on the card (a menu's placeholder) in it.
	Lang string `json:"lang,omitempty"`
}

// Action is a button. ID is "kind:args…" and routes the click; it must fit
// Discord's 100-character custom_id.
type Action struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Style string `json:"style,omitempty"` // "", "primary" or "danger"
}

// Field is a label and value shown side by side.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Select is a menu; choosing an option sends a click with ID and the option's
// value.
type Select struct {
	ID          string   `json:"id"`
	Placeholder string   `json:"placeholder"`
	Options     []Option `json:"options"`
}

// Option is one entry of a Select.
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Form is a modal asking for free text ("Tell us more", a huddle rating
// comment). Adapters that cannot open modals show it inline.
type Form struct {
	ID          string `json:"id"` // routed like an Action ID
	Title       string `json:"title"`
	Label       string `json:"label"`
	Placeholder string `json:"placeholder,omitempty"`
	Submit      string `json:"submit,omitempty"`
	// Value pre-fills the text: what the person typed before, when the form
	// comes back to them because it was not taken (an adapter that shows it
	// again; "" is an empty form).
	Value string `json:"value,omitempty"`
	// Lang is the language of the person the form is for ("" = the
	// default), set by the core: an adapter says its own words about the
	// form (a missing title or label, "type something", "sent") in it.
	Lang string `json:"lang,omitempty"`
}

// AllActions returns the choices, the other buttons and the select options,
// in display order, as actions (a select option becomes "selectID=value").
func (c *Card) AllActions() []Action {
	out := append([]Action{}, c.Choices...)
	out = append(out, c.Actions...)
	if c.Select != nil {
		for _, o := range c.Select.Options {
			out = append(out, Action{ID: c.Select.ID + "=" + o.Value, Label: o.Label})
		}
	}
	return out
}

// Text renders the whole card as plain text: title, body, question, numbered
// choices, result, explanation, fields and context.
func (c *Card) Text() string {
	var b strings.Builder
	line := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(s)
	}
	line(c.Title)
	line(c.Body)
	line(c.Question)
	for i, ch := range c.Choices {
		line(fmt.Sprintf("%d) %s", i+1, ch.Label))
	}
	line(c.Result)
	line(c.Explanation)
	for _, f := range c.Fields {
		line(f.Label + ": " + f.Value)
	}
	line(c.Context)
	return b.String()
}

// Marshal encodes the card for storage.
func (c *Card) Marshal() string {
	b, _ := json.Marshal(c) // only strings and slices: cannot fail
	return string(b)
}

// ParseCard decodes a stored card.
func ParseCard(s string) (*Card, error) {
	var c Card
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("parse card: %w", err)
	}
	return &c, nil
}

// Mention marks: Unicode's interlinear annotation anchor and terminator,
// reserved for a program's internal use and removed from everything people
// type (clean.Text), so a mark in a card was put there by the bot.
const (
	mentionOpen  = "\uFFF9"
	mentionClose = "\uFFFB"
)

var mentionMark = regexp.MustCompile(mentionOpen + `([A-Za-z0-9_.-]+)` + mentionClose)

// Mention returns a mention of the platform user userID for a card's text.
// It is the only thing in a card that may notify anyone: renderers turn it
// into the platform's mention (<@U123> on Slack and Discord, and on Discord
// into allowed_mentions.users) and render everything else — text people
// typed included — inert, so "<!channel>" or "@everyone" typed into a
// question pings nobody.
func Mention(userID string) string { return mentionOpen + userID + mentionClose }

// ReplaceMentions returns s with each Mention replaced by fn(userID).
func ReplaceMentions(s string, fn func(userID string) string) string {
	if !strings.Contains(s, mentionOpen) {
		return s
	}
	return mentionMark.ReplaceAllStringFunc(s, func(m string) string {
		return fn(m[len(mentionOpen) : len(m)-len(mentionClose)])
	})
}

// MentionedUsers returns the user ids s mentions with Mention, in order.
func MentionedUsers(s string) []string {
	var out []string
	for _, m := range mentionMark.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
