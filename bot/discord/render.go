package discord

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// Discord's message limits.
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
	maxEmbedTotal  = 6000 // title, description, field names and values, footer
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFields      = 25
	maxFooter      = 2048
	maxRows        = 5
	maxPerRow      = 5
	maxCustomID    = 100
	maxLabel       = 80
	maxOptions     = 25
	maxOptionText  = 100
	maxPlaceholder = 150
	maxModalTitle  = 45
	maxInputLabel  = 45
	maxInputHint   = 100
	maxInputText   = 3000 // the core keeps at most 3000 characters of free text
)

// choiceSelectID is the custom_id of the menu that replaces answer buttons
// when they do not fit; each option's value is the neutral action id.
const choiceSelectID = "~choice"

// textInputID is the custom_id of a modal's single paragraph input.
const textInputID = "text"

const (
	colorDefault = 0x5865F2 // blurple
	colorRight   = 0x57F287
	colorWrong   = 0xED4245
)

// message is a card rendered for Discord.
type message struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	// Mentions are the users the card mentions with bot.Mention: the only
	// ones the message may notify.
	Mentions []string
	// Dropped lists actions that could not be shown (id too long, no room),
	// for the caller to log: the card contract says they must fit.
	Dropped []string
}

// renderCard turns a neutral card into a Discord message: an embed (title,
// body, question, result, explanation, fields, context as footer) with
// buttons in action rows. A card that is only text (a notice with a
// mention) becomes plain content so the mention notifies.
func renderCard(c *bot.Card) message {
	var m message
	if c == nil {
		return m
	}
	if c.Title == "" && c.Question == "" && len(c.Choices) == 0 && c.Result == "" && c.Explanation == "" &&
		len(c.Fields) == 0 && len(c.Actions) == 0 && c.Select == nil {
		text := c.Body
		if c.Context != "" {
			text = joinNonEmpty("\n", text, "-# "+c.Context)
		}
		m.Content = truncateMarkdown(m.inert(text), maxContent)
		return m
	}

	choices := c.Choices
	longChoice := false
	for _, ch := range choices {
		if utf8.RuneCountInString(ch.Label) > maxLabel {
			longChoice = true
		}
	}
	var choiceList string
	if longChoice {
		// Labels that would be cut are listed in full; buttons carry numbers.
		var lines []string
		for i, ch := range choices {
			lines = append(lines, fmt.Sprintf("**%d.** %s", i+1, m.inert(ch.Label)))
		}
		choiceList = strings.Join(lines, "\n")
	}
	desc := description{body: m.inert(c.Body), question: m.inert(c.Question), choices: choiceList,
		result: m.inert(c.Result), explanation: m.inert(c.Explanation)}
	e := &discordgo.MessageEmbed{
		Title: truncate(plainText(c.Title), maxTitle),
		Color: colorDefault,
	}
	switch {
	case strings.HasPrefix(c.Result, "✅"):
		e.Color = colorRight
	case strings.HasPrefix(c.Result, "❌"):
		e.Color = colorWrong
	}
	for i, f := range c.Fields {
		if i == maxFields {
			break
		}
		name, value := truncate(plainText(f.Label), maxFieldName), truncateMarkdown(m.inert(f.Value), maxFieldValue)
		if name == "" {
			name = "\u200b"
		}
		if value == "" {
			value = "–"
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value, Inline: true})
	}
	if c.Context != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: truncate(plainText(c.Context), maxFooter)}
	}
	fitEmbed(e, desc)
	m.Embeds = []*discordgo.MessageEmbed{e}

	seen := map[string]bool{}
	usable := func(a bot.Action) bool {
		switch {
		case a.ID == "" || len(a.ID) > maxCustomID || a.ID == choiceSelectID:
			m.Dropped = append(m.Dropped, a.ID)
			return false
		case seen[a.ID]: // Discord rejects duplicate custom_ids
			return false
		}
		seen[a.ID] = true
		return true
	}
	var choiceBtns, actionBtns []discordgo.MessageComponent
	var choiceActs []bot.Action
	for i, ch := range choices {
		if !usable(ch) {
			continue
		}
		label := ch.Label
		if longChoice {
			label = fmt.Sprint(i + 1)
		}
		choiceActs = append(choiceActs, ch)
		choiceBtns = append(choiceBtns, button(bot.Action{ID: ch.ID, Label: label, Style: ch.Style}, discordgo.PrimaryButton))
	}
	for _, a := range c.Actions {
		if usable(a) {
			actionBtns = append(actionBtns, button(a, discordgo.SecondaryButton))
		}
	}
	rowsLeft := maxRows
	var sel discordgo.MessageComponent
	if c.Select != nil && len(c.Select.ID) <= maxCustomID && len(c.Select.Options) > 0 {
		sel = selectMenu(c.Select.ID, c.Select.Placeholder, c.Select.Options)
		rowsLeft--
	}
	actionRows := ceilDiv(len(actionBtns), maxPerRow)
	var rows []discordgo.MessageComponent
	switch {
	case len(choiceBtns) == 0:
	case len(choiceBtns)+actionRows <= rowsLeft:
		// One answer per row reads best on narrow clients.
		for _, b := range choiceBtns {
			rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{b}})
		}
	case ceilDiv(len(choiceBtns), maxPerRow)+actionRows <= rowsLeft:
		rows = append(rows, packRows(choiceBtns)...)
	default:
		// More answers than buttons fit: one menu whose values are the ids.
		var opts []bot.Option
		for _, a := range choiceActs {
			opts = append(opts, bot.Option{Label: a.Label, Value: a.ID})
		}
		rows = append(rows, selectMenu(choiceSelectID, i18n.For(c.Lang).T("card.choose_answer", nil), opts))
	}
	if sel != nil {
		rows = append(rows, sel)
	}
	for _, r := range packRows(actionBtns) {
		if len(rows) == maxRows {
			for _, b := range r.(discordgo.ActionsRow).Components {
				m.Dropped = append(m.Dropped, b.(discordgo.Button).CustomID)
			}
			continue
		}
		rows = append(rows, r)
	}
	m.Components = rows
	return m
}

func button(a bot.Action, def discordgo.ButtonStyle) discordgo.Button {
	style := def
	switch a.Style {
	case "primary":
		style = discordgo.PrimaryButton
	case "danger":
		style = discordgo.DangerButton
	}
	label := truncate(plainText(a.Label), maxLabel)
	if label == "" {
		label = "…"
	}
	return discordgo.Button{CustomID: a.ID, Label: label, Style: style}
}

// selectMenu is a row holding one string select menu; options beyond
// Discord's 25 or with values over 100 characters are left out.
func selectMenu(id, placeholder string, options []bot.Option) discordgo.ActionsRow {
	menu := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: id,
		Placeholder: truncate(placeholder, maxPlaceholder)}
	for _, o := range options {
		if len(menu.Options) == maxOptions {
			break
		}
		if o.Value == "" || len(o.Value) > maxOptionText {
			continue
		}
		label := truncate(plainText(o.Label), maxOptionText)
		if label == "" {
			label = o.Value
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: label, Value: o.Value})
	}
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}}
}

func packRows(btns []discordgo.MessageComponent) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	for i := 0; i < len(btns); i += maxPerRow {
		rows = append(rows, discordgo.ActionsRow{Components: btns[i:min(i+maxPerRow, len(btns))]})
	}
	return rows
}

// allowedMentions lets a message notify exactly the users the bot mentioned
// (bot.Mention) and nobody else: parse is empty, so "<@id>", "<@&role>",
// "@everyone" or "@here" in text people typed pings no one.
func allowedMentions(users []string) *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: users}
}

var (
	// mdLink is a Markdown link, [label](https://…).
	mdLink = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s<>]+)\)`)
	// mdHeading is a Markdown heading line; it shows as a bold line, as on
	// Slack and in the sandbox (Discord draws headings large, and not in
	// every place a card's text goes).
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+)$`)
)

// inertText makes text for a Markdown field of a Discord message inert: a
// Markdown link shows its address after its label, and every remaining
// "[" and "<" is backslash-escaped, so no masked link, mention, channel or
// role reference someone typed survives; then the bot's own mentions
// (bot.Mention) become "<@id>" and are returned for allowed_mentions.
func inertText(s string) (string, []string) {
	s = mdLink.ReplaceAllString(s, "$1 ($2)")
	s = mdHeading.ReplaceAllString(s, "**$1**")
	s = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "<", `\<`).Replace(s)
	var users []string
	s = bot.ReplaceMentions(s, func(id string) string {
		users = append(users, id)
		return "<@" + id + ">"
	})
	return s, users
}

// inert is inertText that records the mentioned users on the message.
func (m *message) inert(s string) string {
	s, users := inertText(s)
	for _, u := range users {
		if !slices.Contains(m.Mentions, u) {
			m.Mentions = append(m.Mentions, u)
		}
	}
	return s
}

// plainText is text for a field Discord shows without Markdown (titles,
// footers, labels): a bot mention shows as "@id".
func plainText(s string) string {
	return bot.ReplaceMentions(s, func(id string) string { return "@" + id })
}

// ephemeral builds the immediate, only-you-can-see-it answer to an
// interaction from the core's reply. A reply that asks for a Form becomes a
// modal (not possible in answer to a modal submission: then its text is
// shown). An empty reply to a button is a silent acknowledgement.
func replyResponse(rep bot.Reply, it discordgo.InteractionType) *discordgo.InteractionResponse {
	if rep.Form != nil && it != discordgo.InteractionModalSubmit && len(rep.Form.ID) <= maxCustomID {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: modal(rep.Form)}
	}
	data := replyData(rep)
	if data.Content == "" && len(data.Embeds) == 0 {
		if it == discordgo.InteractionMessageComponent {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		data.Content = i18n.For(rep.Lang).T("discord.done", nil)
	}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
}

func replyData(rep bot.Reply) *discordgo.InteractionResponseData {
	data := &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	var mentions message
	text := mentions.inert(rep.Text)
	if rep.Form != nil {
		// Shown as text where a modal cannot open (a deferred answer, a
		// form after a form).
		text = joinNonEmpty("\n", text, i18n.For(rep.Form.Lang).T("discord.form_fallback", nil))
	}
	if rep.Card != nil {
		m := renderCard(rep.Card)
		data.Embeds, data.Components = m.Embeds, m.Components
		if rep.Text == rep.Card.Text() {
			text = "" // the card says it already
		}
		text = joinNonEmpty("\n", text, m.Content)
		for _, u := range m.Mentions {
			mentions.inert(bot.Mention(u))
		}
	}
	data.Content = truncateMarkdown(text, maxContent)
	data.AllowedMentions = allowedMentions(mentions.Mentions)
	return data
}

// modal is the popup for a Form: one paragraph text input (labelled in
// the form's language when the form names no label).
func modal(f *bot.Form) *discordgo.InteractionResponseData {
	title := f.Title
	if title == "" {
		title = "huddlebot"
	}
	label := f.Label
	if label == "" {
		label = i18n.For(f.Lang).T("form.answer_label", nil)
	}
	return &discordgo.InteractionResponseData{
		CustomID: f.ID,
		Title:    truncate(title, maxModalTitle),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: textInputID, Label: truncate(label, maxInputLabel), Style: discordgo.TextInputParagraph,
				Placeholder: truncate(f.Placeholder, maxInputHint), Required: true, MinLength: 1, MaxLength: maxInputText},
		}}},
	}
}

// description is the parts of an embed's description, in display order.
type description struct{ body, question, choices, result, explanation string }

// text joins the parts (the question in bold) in at most limit runes: when
// they do not fit, the longest parts are cut first, each keeping its
// beginning, so a long body cannot push the question, the listed answers or
// the result out of the message.
func (d description) text(limit int) string {
	parts := []string{d.body, d.question, d.choices, d.result, d.explanation}
	n := 0
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			n++
		}
	}
	overhead := 2 * max(n-1, 0) // "\n\n" between parts
	if d.question != "" {
		overhead += 4 // the bold markers
	}
	parts = shareOut(parts, limit-overhead)
	if parts[1] != "" {
		parts[1] = "**" + parts[1] + "**"
	}
	return cutMarkdown(joinNonEmpty("\n\n", parts...), limit)
}

// length is the description's length in runes before any cut, at most
// maxDescription.
func (d description) length() int {
	return min(utf8.RuneCountInString(d.text(1<<30)), maxDescription)
}

// fitEmbed sets e's description from d and keeps the embed within
// Discord's 6000 characters for title, description, field names and
// values and footer together (a message over it is refused whole): the
// longest texts are cut first.
func fitEmbed(e *discordgo.MessageEmbed, d description) {
	texts := []*string{&e.Title, nil}
	for _, f := range e.Fields {
		texts = append(texts, &f.Name, &f.Value)
	}
	if e.Footer != nil {
		texts = append(texts, &e.Footer.Text)
	}
	lens := make([]int, len(texts))
	for i, t := range texts {
		if t == nil {
			lens[i] = d.length()
		} else {
			lens[i] = utf8.RuneCountInString(*t)
		}
	}
	limit := capFor(lens, maxEmbedTotal)
	for i, t := range texts {
		if t == nil {
			continue
		}
		if i >= 2 && i < 2+2*len(e.Fields) && i%2 == 1 {
			*t = cutMarkdown(*t, limit) // a field's value is Markdown
		} else {
			*t = truncate(*t, limit)
		}
	}
	e.Description = d.text(min(maxDescription, limit))
}

// shareOut cuts parts to fit budget runes together, the longest first:
// every part longer than a common limit is cut to it, shorter ones stay.
func shareOut(parts []string, budget int) []string {
	lens := make([]int, len(parts))
	for i, p := range parts {
		lens[i] = utf8.RuneCountInString(p)
	}
	limit := capFor(lens, budget)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = cutMarkdown(p, limit)
	}
	return out
}

// cutMarkdown is truncateMarkdown for any n: below the room it needs for
// its ellipsis and a closing "**", it cuts as plain text.
func cutMarkdown(s string, n int) string {
	if n < 4 {
		return truncate(s, n)
	}
	return truncateMarkdown(s, n)
}

// capFor returns the largest limit (at least 1) such that the lengths, each
// cut to it, add up to at most budget.
func capFor(lens []int, budget int) int {
	total, longest := 0, 0
	for _, n := range lens {
		total += n
		longest = max(longest, n)
	}
	if total <= budget {
		return max(longest, 1)
	}
	lo, hi := 1, longest // sum(min(n, lo)) may exceed budget only when budget < len(lens)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		sum := 0
		for _, n := range lens {
			sum += min(n, mid)
		}
		if sum <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// truncate cuts plain text s to at most n runes, ending with "…" when cut:
// after the last whole word when one ends in the second half, so a title or
// a label does not end in half a word or half a name.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return wholeWords(string([]rune(s)[:n-1])) + "…"
}

// truncateMarkdown is truncate for Markdown made inert (inertText): it also
// never cuts inside a mention (<@id>) or an escape (\<), and closes a
// **bold** it cut open, so the rest of the message is not bold and no **
// shows.
func truncateMarkdown(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head := string([]rune(s)[:n-3]) // room for "…" and a closing "**"
	if i := strings.LastIndex(head, "<@"); i >= 0 && !strings.Contains(head[i:], ">") && !escaped(head, i) {
		head = head[:i]
	}
	if strings.HasSuffix(head, `\`) && !escaped(head, len(head)-1) {
		head = head[:len(head)-1]
	}
	head = wholeWords(head)
	if strings.Count(head, "**")%2 == 1 {
		return head + "…**"
	}
	return head + "…"
}

// escaped reports whether the byte at i of s is backslash-escaped.
func escaped(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n, i = n+1, i-1
	}
	return n%2 == 1
}

// wholeWords drops a word cut short at the end of head, when a word ends in
// head's second half.
func wholeWords(head string) string {
	if i := strings.LastIndexAny(head, " \n"); i > len(head)/2 {
		head = head[:i]
	}
	return strings.TrimRight(head, " \n")
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
