package teams

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// Adaptive Card and Teams message limits.
const (
	// cardContentType is an Adaptive Card attachment's content type.
	cardContentType = "application/vnd.microsoft.card.adaptive"
	// cardVersion is the schema version Teams renders (1.5 on desktop,
	// web and mobile).
	cardVersion = "1.5"
	// maxMessageBytes is what huddlebot lets one message's JSON grow to:
	// Teams refuses messages over about 28 KB, card included.
	maxMessageBytes = 24 * 1024
	maxTitleRunes   = 300
	maxLabelRunes   = 80 // longer answers are listed in the text and numbered on their buttons
	maxActionsInSet = 5  // Teams shows up to 6 actions in a set; more fall into an overflow menu
	maxChoiceTitle  = 200
)

// submitKey is the key of an action's id in its data: an Action.Submit
// (the fallback of Action.Execute) comes back as a message whose value
// holds it.
const submitKey = "hb"

// card is an Adaptive Card as JSON.
type card map[string]any

// renderCard turns a neutral card into an Adaptive Card 1.5: text blocks
// (title, body, question, result, explanation, context), a fact set
// (fields), one button per answer (Action.Execute with an Action.Submit
// fallback, verb = the action id), the other buttons in rows, and a menu
// (Input.ChoiceSet) with its own button. Text that does not fit Teams'
// message size is cut at a word, prose first. Mentions (bot.Mention)
// become Teams mentions with their entities.
func renderCard(c *bot.Card) card { return renderNoted(c, "") }

// maxNoteRunes bounds a click's reply shown on the clicked card.
const maxNoteRunes = 2000

// renderNoted is renderCard with note — the reply to the click that
// changed the card, neutral Markdown — set off at the card's foot, for an
// invoke whose answer can only be the card.
func renderNoted(c *bot.Card, note string) card {
	if c == nil {
		c = &bot.Card{}
	}
	caps := map[string]int{"body": 20000, "explanation": 8000, "question": 3000, "result": 3000, "field": 2000, "context": 2000,
		"note": maxNoteRunes}
	for {
		out := buildCard(c, caps, note)
		if sizeBound(out, maxMessageBytes) <= maxMessageBytes {
			// Surely small enough (a quiz card is a few kilobytes): not
			// encoded twice (measured, half of rendering an answered card).
			return out
		}
		b, _ := json.Marshal(out)
		if len(b) <= maxMessageBytes || caps["body"] < 200 {
			return out
		}
		// Prose gives way first; the question, answers and buttons stay.
		over := len(b) - maxMessageBytes
		for _, k := range []string{"body", "explanation", "context", "field", "result", "question"} {
			if over <= 0 {
				break
			}
			cut := min(caps[k]/2, over+256)
			caps[k] -= cut
			over -= cut
		}
	}
}

// sizeBound is at least the size of v encoded as JSON — every byte of a
// string counted as its longest escape — or more than limit once past it.
// What it does not know is encoded to be measured.
func sizeBound(v any, limit int) int {
	n := 0
	switch x := v.(type) {
	case nil, bool:
		return 5
	case string:
		return 6*len(x) + 2
	case int, int64, float64:
		return 24
	case card:
		return sizeBound(map[string]any(x), limit)
	case map[string]any:
		n = 2
		for k, e := range x {
			if n += sizeBound(k, limit) + 2 + sizeBound(e, limit); n > limit {
				return n
			}
		}
	case []any:
		n = 2
		for _, e := range x {
			if n += 1 + sizeBound(e, limit); n > limit {
				return n
			}
		}
	case []map[string]any:
		n = 2
		for _, e := range x {
			if n += 1 + sizeBound(e, limit); n > limit {
				return n
			}
		}
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return limit + 1
		}
		return len(b)
	}
	return n
}

func buildCard(c *bot.Card, caps map[string]int, note string) card {
	var body []any
	var mentions []string
	text := func(md string, limit int, extra map[string]any) {
		if strings.TrimSpace(md) == "" {
			return
		}
		s, ms := teamsText(cutMarkdown(md, limit))
		mentions = append(mentions, ms...)
		tb := map[string]any{"type": "TextBlock", "text": s, "wrap": true}
		for k, v := range extra {
			tb[k] = v
		}
		body = append(body, tb)
	}
	if c.Title != "" {
		text(plainMarkdown(c.Title), maxTitleRunes, map[string]any{"size": "Medium", "weight": "Bolder", "style": "heading"})
	}
	text(c.Body, caps["body"], nil)
	long := false
	for _, ch := range c.Choices {
		if utf8.RuneCountInString(ch.Label) > maxLabelRunes {
			long = true
		}
	}
	if c.Question != "" {
		text(c.Question, caps["question"], map[string]any{"weight": "Bolder"})
	}
	if long {
		var lines []string
		for i, ch := range c.Choices {
			lines = append(lines, strconv.Itoa(i+1)+". "+plainMarkdown(ch.Label))
		}
		text(strings.Join(lines, "\n\n"), caps["question"]+len(c.Choices)*400, nil)
	}
	for i, ch := range c.Choices {
		label := ch.Label
		if long {
			label = strconv.Itoa(i + 1)
		}
		body = append(body, actionSet(ch, label))
	}
	if c.Result != "" {
		extra := map[string]any{"weight": "Bolder"}
		switch {
		case strings.HasPrefix(c.Result, "✅"):
			extra["color"] = "Good"
		case strings.HasPrefix(c.Result, "❌"):
			extra["color"] = "Attention"
		}
		text(c.Result, caps["result"], extra)
	}
	text(c.Explanation, caps["explanation"], nil)
	if len(c.Fields) > 0 {
		var facts []any
		for _, f := range c.Fields {
			v, ms := teamsText(cutMarkdown(f.Value, caps["field"]))
			mentions = append(mentions, ms...)
			if v == "" {
				v = "–"
			}
			facts = append(facts, map[string]any{"title": plainMarkdown(truncate(f.Label, maxTitleRunes)), "value": v})
		}
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	for i := 0; i < len(c.Actions); i += maxActionsInSet {
		var acts []any
		for _, a := range c.Actions[i:min(i+maxActionsInSet, len(c.Actions))] {
			acts = append(acts, execute(a, a.Label))
		}
		body = append(body, map[string]any{"type": "ActionSet", "actions": acts})
	}
	if s := c.Select; s != nil && len(s.Options) > 0 {
		var choices []any
		for _, o := range s.Options {
			choices = append(choices, map[string]any{"title": plainMarkdown(truncate(o.Label, maxChoiceTitle)), "value": o.Value})
		}
		body = append(body, map[string]any{"type": "Input.ChoiceSet", "id": s.ID, "style": "compact",
			"placeholder": plainMarkdown(truncate(s.Placeholder, maxChoiceTitle)), "choices": choices})
		label := i18n.For(c.Lang).T("card.choose", nil)
		body = append(body, map[string]any{"type": "ActionSet", "actions": []any{execute(bot.Action{ID: s.ID}, label)}})
	}
	if c.Context != "" {
		text(plainMarkdown(c.Context), caps["context"], map[string]any{"size": "Small", "isSubtle": true})
	}
	text(note, caps["note"], map[string]any{"separator": true, "weight": "Bolder"})
	if len(body) == 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": " ", "wrap": true})
	}
	out := card{"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": cardVersion, "body": body}
	msteams := map[string]any{"width": "Full"}
	if len(mentions) > 0 {
		var ents []any
		seen := map[string]bool{}
		for _, id := range mentions {
			if seen[id] {
				continue
			}
			seen[id] = true
			ents = append(ents, map[string]any{"type": "mention", "text": "<at>" + id + "</at>",
				"mentioned": map[string]string{"id": id, "name": id}})
		}
		msteams["entities"] = ents
	}
	out["msteams"] = msteams
	return out
}

// actionSet is one answer button on a row of its own.
func actionSet(a bot.Action, label string) map[string]any {
	return map[string]any{"type": "ActionSet", "actions": []any{execute(a, label)}}
}

// execute is a Universal Action button: Action.Execute (an invoke named
// adaptiveCard/action with verb = the action id), falling back on clients
// without Universal Actions to Action.Submit (a message whose value holds
// the id under submitKey).
func execute(a bot.Action, label string) map[string]any {
	title := plainMarkdown(truncate(label, maxLabelRunes))
	if title == "" {
		title = "OK"
	}
	data := map[string]any{submitKey: a.ID}
	act := map[string]any{"type": "Action.Execute", "title": title, "verb": a.ID, "data": data,
		"fallback": map[string]any{"type": "Action.Submit", "title": title, "data": data}}
	switch a.Style {
	case "primary":
		act["style"] = "positive"
	case "danger":
		act["style"] = "destructive"
	}
	return act
}

// attachment wraps a card for an activity.
func attachment(c card) Attachment { return Attachment{ContentType: cardContentType, Content: c} }

var (
	headingLine = regexp.MustCompile(`(?m)^#{1,6}\s+(.+)$`)
	atTag       = regexp.MustCompile(`(?i)<(/?)at([\s>])`)
)

// teamsText turns the card's neutral Markdown into what an Adaptive Card
// TextBlock renders: **bold**, _italic_, links and "- " lists as they are,
// "# " headings as bold lines, and each bot.Mention as <at>id</at> (with an
// entity the caller adds; the ids are returned). Mention markup anyone typed
// (<at>) is broken up so it cannot notify.
func teamsText(md string) (string, []string) {
	// The regular expressions only where they can match: most texts of a
	// card (a title, a choice) have neither, and rendering is on the path
	// of every invoke's answer.
	if strings.IndexByte(md, '<') >= 0 {
		md = atTag.ReplaceAllString(md, "<\u200b${1}at${2}")
	}
	if strings.IndexByte(md, '#') >= 0 {
		md = headingLine.ReplaceAllString(md, "**$1**")
	}
	var ids []string
	md = bot.ReplaceMentions(md, func(id string) string {
		ids = append(ids, id)
		return "<at>" + id + "</at>"
	})
	return md, ids
}

// plainMarkdown is plain text (a title, a label) made safe to show in a
// TextBlock: Markdown characters are escaped so they show as typed.
func plainMarkdown(s string) string {
	s, _ = teamsText(bot.ReplaceMentions(s, func(id string) string { return "@" + id }))
	return markdownEscaper.Replace(s)
}

// markdownEscaper escapes what TextBlock Markdown would read (built once:
// a Replacer's first use builds its tables).
var markdownEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, "`", "\\`")

// truncate cuts s to n runes at a word, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	head := string(r[:n-1])
	if i := strings.LastIndexAny(head, " \n"); i > len(head)/2 {
		head = head[:i]
	}
	return strings.TrimRight(head, " \n") + "…"
}

// cutMarkdown cuts Markdown to n runes at a word, closing emphasis the cut
// left open so the rest of the card is not swallowed by it.
func cutMarkdown(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head := truncate(s, n-4)
	head = strings.TrimSuffix(head, "…")
	// Do not end inside a link or a mention mark.
	if i := strings.LastIndex(head, "["); i >= 0 && !strings.Contains(head[i:], ")") {
		head = head[:i]
	}
	if i := strings.LastIndex(head, "\uFFF9"); i >= 0 && !strings.Contains(head[i:], "\uFFFB") {
		head = head[:i]
	}
	if strings.Count(head, "**")%2 == 1 {
		head += "**"
	}
	if strings.Count(strings.ReplaceAll(head, "**", ""), "_")%2 == 1 {
		head += "_"
	}
	return head + "…"
}
