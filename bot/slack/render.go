package slack

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// Block Kit limits (docs.slack.dev/reference/block-kit).
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	maxHeader        = 150
	maxSection       = 3000
	maxField         = 2000
	maxButtonText    = 75
	maxButtons       = 25 // elements in one actions block
	maxOptionText    = 75
	maxOptionValue   = 150
	maxOptions       = 100
	maxFields        = 10 // per section
	maxFallback      = 3000
	maxModalTitle    = 24
	maxModalInput    = 3000
)

// choiceSelectID is the action id of the menu that replaces answer buttons
// when a card has more choices than an actions block holds; its options'
// values are the choices' action ids.
const choiceSelectID = "huddlebot:choice"

// renderCard renders a neutral card as Block Kit: a header (title),
// sections (body, question, result, explanation, fields), choice buttons
// with action_id = the choice's Action.ID (a static_select past 25
// choices), other buttons and the select, and a context line.
func renderCard(c *bot.Card, maxBlocks int) []slack.Block {
	var blocks []slack.Block
	if c.Title != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plain(c.Title, maxHeader)))
	}
	body := sections(c.Body)
	bodyAt := len(blocks)
	long := len(c.Choices) <= maxButtons && anyLonger(c.Choices, maxButtonText)
	if long {
		// Buttons cut long answers short: list them in full with the question.
		var b strings.Builder
		b.WriteString(mrkdwn(c.Question))
		for i, ch := range c.Choices {
			b.WriteString("\n*" + strconv.Itoa(i+1) + ")* " + mrkdwn(ch.Label))
		}
		blocks = append(blocks, rawSections(strings.TrimSpace(b.String()))...)
	} else if c.Question != "" {
		blocks = append(blocks, rawSections("*"+mrkdwn(c.Question)+"*")...)
	}
	if len(c.Choices) > 0 {
		if len(c.Choices) <= maxButtons {
			els := make([]slack.BlockElement, 0, len(c.Choices))
			for i, ch := range c.Choices {
				label := ch.Label
				if long {
					label = strconv.Itoa(i+1) + ") " + label
				}
				els = append(els, button(bot.Action{ID: ch.ID, Label: label, Style: ch.Style}))
			}
			blocks = append(blocks, slack.NewActionBlock("choices", els...))
		} else {
			opts := make([]*slack.OptionBlockObject, 0, min(len(c.Choices), maxOptions))
			for _, ch := range c.Choices[:min(len(c.Choices), maxOptions)] {
				opts = append(opts, slack.NewOptionBlockObject(truncate(ch.ID, maxOptionValue), plain(ch.Label, maxOptionText), nil))
			}
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(i18n.For(c.Lang).T("card.choose_answer", nil), maxOptionText), choiceSelectID, opts...)
			blocks = append(blocks, slack.NewActionBlock("choices", sel))
		}
	}
	if c.Result != "" {
		blocks = append(blocks, rawSections("*"+mrkdwn(c.Result)+"*")...)
	}
	explanation := sections(c.Explanation)
	explanationAt := len(blocks)
	for i := 0; i < len(c.Fields); i += maxFields {
		var fields []*slack.TextBlockObject
		for _, f := range c.Fields[i:min(i+maxFields, len(c.Fields))] {
			fields = append(fields, slack.NewTextBlockObject(slack.MarkdownType,
				truncateMrkdwn("*"+mrkdwn(f.Label)+"*\n"+mrkdwn(f.Value), maxField), false, false))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	}
	var els []slack.BlockElement
	for _, act := range c.Actions {
		els = append(els, button(act))
	}
	if c.Select != nil && len(c.Select.Options) > 0 {
		opts := make([]*slack.OptionBlockObject, 0, min(len(c.Select.Options), maxOptions))
		for _, o := range c.Select.Options[:min(len(c.Select.Options), maxOptions)] {
			opts = append(opts, slack.NewOptionBlockObject(truncate(o.Value, maxOptionValue), plain(o.Label, maxOptionText), nil))
		}
		ph := c.Select.Placeholder
		if ph == "" {
			ph = i18n.For(c.Lang).T("card.choose", nil) + "…"
		}
		els = append(els, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(ph, maxOptionText), c.Select.ID, opts...))
	}
	for i := 0; i < len(els); i += maxButtons {
		blocks = append(blocks, slack.NewActionBlock("actions"+suffix(i/maxButtons), els[i:min(i+maxButtons, len(els))]...))
	}
	if c.Context != "" {
		blocks = append(blocks, slack.NewContextBlock("", plain(c.Context, maxSection))) // plain text, as on every platform
	}
	// The body and the explanation are the prose that can run long: when
	// the card has more blocks than a message holds, they give up their
	// last sections first, so the question, the buttons and the context
	// stay.
	if room := maxBlocks - len(blocks); len(body)+len(explanation) > room && room >= 2 {
		n := capFor([]int{len(body), len(explanation)}, room)
		body, explanation = cutSections(body, n), cutSections(explanation, n)
	}
	out := make([]slack.Block, 0, len(blocks)+len(body)+len(explanation))
	out = append(out, blocks[:bodyAt]...)
	out = append(out, body...)
	out = append(out, blocks[bodyAt:explanationAt]...)
	out = append(out, explanation...)
	out = append(out, blocks[explanationAt:]...)
	if len(out) > maxBlocks {
		out = out[:maxBlocks]
	}
	return out
}

// cutSections keeps the first n of sections, and ends the last one kept
// with "…" when some were left out.
func cutSections(sections []slack.Block, n int) []slack.Block {
	if len(sections) <= n {
		return sections
	}
	sections = sections[:n]
	if s, ok := sections[n-1].(*slack.SectionBlock); ok && s.Text != nil {
		t := *s.Text
		if utf8.RuneCountInString(t.Text) >= maxSection {
			t.Text = truncateMrkdwn(t.Text, maxSection)
		} else {
			t.Text += "…"
		}
		sections[n-1] = slack.NewSectionBlock(&t, nil, nil)
	}
	return sections
}

// capFor returns the largest count (at least 1) such that the counts, each
// capped at it, add up to at most budget.
func capFor(counts []int, budget int) int {
	limit := 1
	for n := 2; ; n++ {
		sum, more := 0, false
		for _, c := range counts {
			sum += min(c, n)
			more = more || c >= n
		}
		if !more || sum > budget {
			return limit
		}
		limit = n
	}
}

func suffix(i int) string {
	if i == 0 {
		return ""
	}
	return "-" + strconv.Itoa(i)
}

func anyLonger(acts []bot.Action, n int) bool {
	for _, a := range acts {
		if utf8.RuneCountInString(a.Label) > n {
			return true
		}
	}
	return false
}

func button(a bot.Action) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(a.ID, a.ID, plain(a.Label, maxButtonText))
	switch a.Style {
	case "primary":
		b = b.WithStyle(slack.StylePrimary)
	case "danger":
		b = b.WithStyle(slack.StyleDanger)
	}
	return b
}

func plain(s string, n int) *slack.TextBlockObject {
	if s == "" {
		s = " "
	}
	s = bot.ReplaceMentions(s, func(id string) string { return "@" + id }) // plain text shows no mentions
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, n), true, false)
}

// sections renders Markdown as mrkdwn sections of at most 3000 characters.
func sections(md string) []slack.Block {
	if strings.TrimSpace(md) == "" {
		return nil
	}
	return rawSections(mrkdwn(md))
}

// rawSections splits mrkdwn text into sections, at paragraph or line breaks
// where it can.
func rawSections(text string) []slack.Block {
	var out []slack.Block
	for _, chunk := range chunks(text, maxSection) {
		out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, chunk, false, false), nil, nil))
	}
	return out
}

func chunks(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		cut := byteIndexOfRune(s, n)
		head := s[:cut]
		if i := strings.LastIndex(head, "\n\n"); i > cut/2 {
			cut = i
		} else if i := strings.LastIndex(head, "\n"); i > cut/2 {
			cut = i
		} else if i := strings.LastIndex(head, " "); i > cut/2 {
			cut = i
		}
		out = append(out, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func byteIndexOfRune(s string, n int) int {
	i := 0
	for pos := range s {
		if i == n {
			return pos
		}
		i++
	}
	return len(s)
}

// truncate cuts plain text s to at most n characters, ending with "…" when
// cut: after the last whole word when one ends in the second half, so a
// title or a label does not end in half a word or half a name ("Reply to
// Nina Patel-Smith" is a 24-character modal title "Reply to Nina…").
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return wholeWords(s[:byteIndexOfRune(s, n-1)]) + "…"
}

// truncateMrkdwn is truncate for mrkdwn: it also never cuts inside an
// entity (&amp;) or a <…> token (a mention, a link), which Slack would show
// broken. Raw & and < in mrkdwn only start those: escape made the rest
// entities.
func truncateMrkdwn(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head := s[:byteIndexOfRune(s, n-1)]
	if i := strings.LastIndexByte(head, '<'); i >= 0 && !strings.Contains(head[i:], ">") {
		head = head[:i]
	}
	if i := strings.LastIndexByte(head, '&'); i >= 0 && !strings.Contains(head[i:], ";") {
		head = head[:i]
	}
	return wholeWords(head) + "…"
}

// wholeWords drops a word cut short at the end of head, when a word ends in
// head's second half.
func wholeWords(head string) string {
	if i := strings.LastIndexAny(head, " \n"); i > len(head)/2 {
		head = head[:i]
	}
	return strings.TrimRight(head, " \n")
}

// fallbackText is the notification text of a message: the card as text,
// in mrkdwn like its blocks (so a **bold** line reads *bold*, not **bold**).
func fallbackText(c *bot.Card) string {
	return truncateMrkdwn(mrkdwn(c.Text()), maxFallback)
}

var (
	mdBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	mdBold2   = regexp.MustCompile(`__([^_\n]+)__`)
	mdLink    = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s|]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+)$`)
	mdBullet  = regexp.MustCompile(`(?m)^(\s*)[-*]\s+`)
)

// escape makes text inert for Slack: &, < and > become entities, so
// nothing in it is Slack markup — not "<!channel>", "<@U…>", "<#C…>" nor a
// "<https://…|label>" link someone typed. The only markup that survives is
// the mentions the bot built itself (bot.Mention).
func escape(s string) string {
	return bot.ReplaceMentions(escapeRaw(s), func(id string) string { return "<@" + id + ">" })
}

func escapeRaw(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// mrkdwn converts the Markdown used in lessons to Slack's mrkdwn: bold,
// links, headings and bullets; everything else passes through escaped. A
// link shows its address after its text ("docs (https://…)"): a card may
// hold text people typed, and a label must never disguise where a link goes.
func mrkdwn(md string) string {
	s := escape(md)
	s = mdBullet.ReplaceAllString(s, "$1• ")
	s = mdHeading.ReplaceAllString(s, "*$1*")
	s = mdBold.ReplaceAllString(s, "*$1*")
	s = mdBold2.ReplaceAllString(s, "*$1*")
	s = mdLink.ReplaceAllString(s, "$1 (<$2>)")
	return s
}

// renderForm renders a Form as a modal with one multi-line text input; the
// modal's callback_id is the form id, so the submission routes back to it.
// Slack's modal title holds 24 characters: a longer one is cut at a word
// (the label below it holds 2000 and shows it whole).
func renderForm(f *bot.Form) slack.ModalViewRequest {
	l := i18n.For(f.Lang)
	submit := f.Submit
	if submit == "" {
		submit = l.T("form.send", nil)
	}
	title := f.Title
	if title == "" {
		title = "huddlebot"
	}
	in := slack.NewPlainTextInputBlockElement(nil, inputID).WithMultiline(true).WithMaxLength(maxModalInput)
	if f.Placeholder != "" {
		in.Placeholder = plain(f.Placeholder, 150)
	}
	label := f.Label
	if label == "" {
		label = title
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: f.ID,
		Title:      plain(title, maxModalTitle),
		Submit:     plain(submit, maxModalTitle),
		Close:      plain(l.T("form.cancel", nil), maxModalTitle),
		Blocks:     slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock(inputID, plain(label, maxField), nil, in)}},
	}
}

// inputID is the block and action id of a form's text input.
const inputID = "text"

// resultView replaces a submitted modal with the core's reply, so the person
// sees what happened (e.g. that identifiers were redacted); its button is
// in the reply's language.
func resultView(title string, rep bot.Reply) *slack.ModalViewRequest {
	text := rep.Text
	if title == "" {
		title = "huddlebot"
	}
	return &slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain(title, maxModalTitle),
		Close:  plain(i18n.For(rep.Lang).T("form.close", nil), maxModalTitle),
		Blocks: slack.Blocks{BlockSet: rawSections(mrkdwn(text))},
	}
}

// renderHome renders the App Home tab.
func renderHome(c *bot.Card) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: renderCard(c, maxViewBlocks)}}
}

// ephemeral is a slash command's (or response_url's) ephemeral answer.
type ephemeral struct {
	ResponseType    string        `json:"response_type"`
	ReplaceOriginal *bool         `json:"replace_original,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
}

func ephemeralReply(r bot.Reply) *ephemeral {
	e := &ephemeral{ResponseType: "ephemeral", Text: truncateMrkdwn(mrkdwn(r.Text), maxFallback)}
	if r.Card != nil {
		e.Blocks = renderCard(r.Card, maxMessageBlocks)
		if e.Text == "" {
			e.Text = fallbackText(r.Card)
		}
	}
	return e
}
