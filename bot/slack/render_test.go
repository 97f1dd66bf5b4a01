package slack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/huddlebot/huddlebot/bot"
)

func blocksJSON(t *testing.T, bs []slack.Block) string {
	t.Helper()
	b, err := json.Marshal(bs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func choices(n int, label func(i int) string) []bot.Action {
	out := make([]bot.Action, n)
	for i := range out {
		out[i] = bot.Action{ID: fmt.Sprintf("ans:1:%d", i+1), Label: label(i)}
	}
	return out
}

func TestRenderCard(t *testing.T) {
	short := func(i int) string { return fmt.Sprintf("Choice %d", i+1) }
	long := func(i int) string { return strings.Repeat("very long answer ", 6) + fmt.Sprint(i) }
	for _, tc := range []struct {
		name    string
		card    *bot.Card
		want    []string // substrings of the JSON
		notWant []string
	}{
		{"quiz buttons", &bot.Card{Title: "📝 T", Question: "Q?", Choices: choices(3, short), Context: "ctx"},
			[]string{`"type":"header"`, `"text":"*Q?*"`, `"type":"actions"`, `"action_id":"ans:1:1"`, `"action_id":"ans:1:3"`, `"type":"context"`},
			[]string{`static_select`}},
		{"25 choices are still buttons", &bot.Card{Choices: choices(25, short)},
			[]string{`"action_id":"ans:1:25"`}, []string{`static_select`}},
		{"26 choices become a menu", &bot.Card{Choices: choices(26, short)},
			[]string{`"type":"static_select"`, `"action_id":"huddlebot:choice"`, `"value":"ans:1:26"`}, []string{`"type":"button"`}},
		{"long choices listed in full", &bot.Card{Question: "Q?", Choices: choices(2, long)},
			[]string{`*1)* very long answer`, `"text":"1) very long answer`}, nil},
		{"actions, styles and a select", &bot.Card{Actions: []bot.Action{{ID: "ack:1", Label: "Got it", Style: "primary"}, {ID: "x", Label: "No", Style: "danger"}},
			Select: &bot.Select{ID: "learn:time", Placeholder: "Time", Options: []bot.Option{{Label: "07:00", Value: "07:00"}}}},
			[]string{`"style":"primary"`, `"style":"danger"`, `"action_id":"learn:time"`, `"value":"07:00"`}, nil},
		{"fields", &bot.Card{Fields: []bot.Field{{Label: "Streak", Value: "3"}}}, []string{`"fields":[`, `*Streak*\n3`}, nil},
		{"markdown", &bot.Card{Body: "**Bold** and [docs](https://example.org/x?a=1&b=2) for " + bot.Mention("U1") + " & <b>"},
			[]string{`*Bold*`, `docs (\u003chttps://example.org/x?a=1\u0026amp;b=2\u003e)`, `\u003c@U1\u003e`, `\u0026amp; \u0026lt;b\u0026gt;`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := blocksJSON(t, renderCard(tc.card, maxMessageBlocks))
			for _, w := range tc.want {
				if !strings.Contains(js, w) {
					t.Errorf("missing %s in %s", w, js)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(js, w) {
					t.Errorf("unexpected %s in %s", w, js)
				}
			}
		})
	}
}

// TestRenderLimits: nothing rendered exceeds Block Kit's limits.
func TestRenderLimits(t *testing.T) {
	c := &bot.Card{Title: strings.Repeat("T", 400), Body: strings.Repeat("word ", 2000), Choices: choices(140, func(i int) string { return strings.Repeat("x", 100) }),
		Fields: make([]bot.Field, 23)}
	for i := range c.Fields {
		c.Fields[i] = bot.Field{Label: "L", Value: strings.Repeat("v", 3000)}
	}
	bs := renderCard(c, maxMessageBlocks)
	if len(bs) > maxMessageBlocks {
		t.Fatalf("%d blocks", len(bs))
	}
	for _, b := range bs {
		switch v := b.(type) {
		case *slack.HeaderBlock:
			if n := utf8.RuneCountInString(v.Text.Text); n > maxHeader {
				t.Errorf("header %d chars", n)
			}
		case *slack.SectionBlock:
			if v.Text != nil && utf8.RuneCountInString(v.Text.Text) > maxSection {
				t.Errorf("section %d chars", utf8.RuneCountInString(v.Text.Text))
			}
			if len(v.Fields) > maxFields {
				t.Errorf("%d fields", len(v.Fields))
			}
			for _, f := range v.Fields {
				if utf8.RuneCountInString(f.Text) > maxField {
					t.Errorf("field %d chars", utf8.RuneCountInString(f.Text))
				}
			}
		case *slack.ActionBlock:
			if len(v.Elements.ElementSet) > maxButtons {
				t.Errorf("%d elements in an actions block", len(v.Elements.ElementSet))
			}
			for _, el := range v.Elements.ElementSet {
				if s, ok := el.(*slack.SelectBlockElement); ok && len(s.Options) > maxOptions {
					t.Errorf("%d options", len(s.Options))
				}
			}
		}
	}
	if n := utf8.RuneCountInString(fallbackText(c)); n > maxFallback {
		t.Errorf("fallback %d chars", n)
	}
}

func TestRenderForm(t *testing.T) {
	v := renderForm(&bot.Form{ID: "more:7", Title: "Tell us more about this lesson please", Label: "What?", Placeholder: "No patient details"})
	js, _ := json.Marshal(v)
	for _, w := range []string{`"callback_id":"more:7"`, `"type":"modal"`, `"type":"input"`, `"block_id":"text"`, `"action_id":"text"`, `"multiline":true`} {
		if !strings.Contains(string(js), w) {
			t.Errorf("missing %s in %s", w, js)
		}
	}
	if n := utf8.RuneCountInString(v.Title.Text); n > maxModalTitle {
		t.Errorf("title %d chars", n)
	}
}

func TestClickOf(t *testing.T) {
	cb := &slack.InteractionCallback{User: slack.User{ID: "U1"}, Team: slack.Team{ID: "T1"}, TriggerID: "tr",
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "D123"}}}}
	for _, tc := range []struct {
		name string
		act  slack.BlockAction
		want bot.Click
	}{
		{"button", slack.BlockAction{ActionID: "ans:3:2", Type: "button", Value: "ans:3:2"},
			bot.Click{ActionID: "ans:3:2"}},
		{"settings menu", slack.BlockAction{ActionID: "learn:time", Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "07:00"}},
			bot.Click{ActionID: "learn:time", Value: "07:00"}},
		{"answer menu", slack.BlockAction{ActionID: choiceSelectID, Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "ans:3:26"}},
			bot.Click{ActionID: "ans:3:26"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clickOf(cb, &tc.act)
			tc.want.Actor = bot.Actor{Platform: Platform, Workspace: "T1", UserID: "U1"}
			tc.want.Channel, tc.want.TriggerID, tc.want.Queue = "dm", "tr", true
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBucket(t *testing.T) {
	b := newBucket(Rate{PerMinute: 60, Burst: 2})
	t0 := time.Unix(1000, 0)
	for i, want := range []time.Duration{0, 0, time.Second, 2 * time.Second} {
		w, ok := b.take("", t0, 5*time.Second)
		if !ok || w != want {
			t.Errorf("take %d at t0: wait %s ok %v, want %s", i, w, ok, want)
		}
	}
	if w, ok := b.take("", t0, time.Second); ok || w != 3*time.Second {
		t.Errorf("over max: wait %s ok %v, want refused with 3s", w, ok)
	}
	if w, ok := b.take("", t0.Add(10*time.Second), 0); !ok || w != 0 {
		t.Errorf("after refill: wait %s ok %v", w, ok)
	}
	var none *bucket
	if w, ok := none.take("", t0, 0); !ok || w != 0 {
		t.Error("a nil bucket never waits")
	}
}

// TestBucketReservations: refused callers with a key get successive slots
// and use them when they come back, so a backlog drains at the rate with
// each caller snoozed once.
func TestBucketReservations(t *testing.T) {
	b := newBucket(Rate{PerMinute: 60, Burst: 1})
	t0 := time.Unix(1000, 0)
	if _, ok := b.take("a", t0, 0); !ok {
		t.Fatal("first call is free")
	}
	var slots []time.Duration
	for _, k := range []string{"b", "c", "d"} {
		w, ok := b.take(k, t0, 0)
		if ok {
			t.Fatalf("%s: granted at once", k)
		}
		slots = append(slots, w)
	}
	if slots[0] != time.Second || slots[1] != 2*time.Second || slots[2] != 3*time.Second {
		t.Errorf("promised waits %v, want 1s 2s 3s", slots)
	}
	if w, ok := b.take("c", t0.Add(time.Second), 0); ok || w != time.Second {
		t.Errorf("c early: wait %s ok %v, want refused, 1s left", w, ok)
	}
	for i, k := range []string{"b", "c", "d"} {
		at := t0.Add(slots[i])
		if w, ok := b.take(k, at, 0); !ok || w != 0 {
			t.Errorf("%s back at its slot: wait %s ok %v", k, w, ok)
		}
	}
	if _, ok := b.take("e", t0.Add(3*time.Second), 0); ok {
		t.Error("the slots handed out are used up: e must wait")
	}
	if _, ok := b.take("e", t0.Add(4*time.Second), 0); !ok {
		t.Error("e back at its slot")
	}
}

func TestVerifierReplayWindow(t *testing.T) {
	now := time.Unix(2_000_000_000, 0)
	v := newVerifier("s", func() time.Time { return now })
	body := []byte("a=b")
	h := func(ts time.Time) map[string][]string {
		tsS := fmt.Sprint(ts.Unix())
		return map[string][]string{HeaderTimestamp: {tsS}, HeaderSignature: {Signature("s", tsS, body)}}
	}
	req := h(now)
	if err := v.verify(req, body); err != nil {
		t.Fatal(err)
	}
	if err := v.verify(req, body); err == nil || !strings.Contains(err.Error(), "replay") {
		t.Errorf("second time: %v, want replay", err)
	}
	now = now.Add(SignatureWindow + time.Second)
	if err := v.verify(req, body); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("after the window: %v, want stale", err)
	}
	if err := v.verify(h(now), body); err != nil {
		t.Errorf("fresh request: %v", err)
	}
	if len(v.seen) != 1 {
		t.Errorf("remembered %d signatures, want 1 (expired ones dropped)", len(v.seen))
	}
}

// typedMarkup is what a learner typed into /huddle ask or /ask in the
// security review: special mentions, a user and channel mention, and links
// whose label hides where they go.
const typedMarkup = "<!channel> <!here> <!everyone> <@U0BOSS> <#C0SECRET> see " +
	"<https://evil.example/reset|Epic-password-reset> or [Epic login](https://evil.example/x|Epic) & [Epic](https://evil.example/y)"

// TestTypedTextIsInert: text people typed reaches Slack with &, < and >
// escaped wherever a card or reply shows it, so it can notify nobody and no
// link in it carries a label; only the mention the bot built notifies.
func TestTypedTextIsInert(t *testing.T) {
	t.Parallel()
	card := &bot.Card{Title: typedMarkup, Body: "Question from " + bot.Mention("U0ASKER") + ":\n" + typedMarkup,
		Question: typedMarkup, Result: typedMarkup, Explanation: typedMarkup, Context: typedMarkup,
		Fields:  []bot.Field{{Label: typedMarkup, Value: typedMarkup}},
		Choices: []bot.Action{{ID: "ans:1:1", Label: typedMarkup}}}
	var texts []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok && x["type"] == "mrkdwn" {
				texts = append(texts, s) // plain_text shows < > as typed: inert
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var blocks any
	if err := json.Unmarshal([]byte(blocksJSON(t, renderCard(card, maxMessageBlocks))), &blocks); err != nil {
		t.Fatal(err)
	}
	walk(blocks)
	e := ephemeralReply(bot.Reply{Text: typedMarkup})
	texts = append(texts, fallbackText(card), e.Text, resultView("", bot.Reply{Text: typedMarkup}).Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text)
	if len(texts) < 8 {
		t.Fatalf("only %d mrkdwn texts rendered", len(texts))
	}
	// Slack markup is <…>; the only kinds allowed are the bot's mention and
	// a bare address (no |label).
	token := regexp.MustCompile(`<[^>]*>`)
	bare := regexp.MustCompile(`^<https?://[^|]*>$`)
	asker := 0
	for _, s := range texts {
		for _, tok := range token.FindAllString(s, -1) {
			switch {
			case tok == "<@U0ASKER>":
				asker++
			case bare.MatchString(tok):
			default:
				t.Errorf("typed markup %q is live in %q", tok, s)
			}
		}
	}
	if asker == 0 {
		t.Error("the mention the bot built does not notify")
	}
	if got := mrkdwn("[Epic](https://evil.example/y)"); got != "Epic (<https://evil.example/y>)" {
		t.Errorf("a link shows %q, want its address after its text", got)
	}
}

// TestSlashTextUnescaped: Slack sends the text of a slash command with
// & < > as &amp; &lt; &gt;; a nurse's "K < 3.5 & falling" is stored as she
// typed it, not as "K &lt; 3.5 &amp; falling" (which a report would show
// and Slack would render escaped twice), and a typed "&lt;" stays.
func TestSlashTextUnescaped(t *testing.T) {
	t.Parallel()
	form := url.Values{"command": {"/feedback"}, "user_id": {"U1"}, "team_id": {"T1"},
		"text": {"K &lt; 3.5 &amp; falling, see &lt;!channel&gt; &amp;lt;b&amp;gt;"}}
	cmd, err := commandOf(slashFromForm(form))
	if err != nil {
		t.Fatal(err)
	}
	if want := "K < 3.5 & falling, see <!channel> &lt;b&gt;"; cmd.Text != want {
		t.Errorf("text = %q, want %q", cmd.Text, want)
	}
	// Shown again, it is inert: the channel is not pinged.
	if got := escape(cmd.Text); strings.Contains(got, "<!channel>") {
		t.Errorf("rendered typed text %q pings the channel", got)
	}
}

// TestRenderNeutralMarkup: the card model's Markdown becomes Slack's
// mrkdwn — **bold** is *bold* and so is a # heading, _italic_ and `code` stay, a bot.Mention is
// <@U…> — in a card's sections, an ephemeral reply and the notification
// text.
func TestRenderNeutralMarkup(t *testing.T) {
	t.Parallel()
	md := "# Huddle\n📊 **Polls**\n**Is it clear?** (anonymous) _(carried over)_ `code` for " + bot.Mention("U0NINA")
	want := "*Huddle*\n📊 *Polls*\n*Is it clear?* (anonymous) _(carried over)_ `code` for <@U0NINA>"
	blocks := renderCard(&bot.Card{Title: "Summary", Body: md}, maxMessageBlocks)
	if len(blocks) != 2 {
		t.Fatalf("%d blocks, want a header and a section", len(blocks))
	}
	if got := blocks[1].(*slack.SectionBlock).Text.Text; got != want {
		t.Errorf("section = %q, want %q", got, want)
	}
	if got := ephemeralReply(bot.Reply{Text: md}).Text; got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
	if got := fallbackText(&bot.Card{Body: md}); got != want {
		t.Errorf("notification = %q, want %q", got, want)
	}
	if got := blocksJSON(t, renderCard(&bot.Card{Title: "**Q** " + bot.Mention("U0NINA")}, maxMessageBlocks)); !strings.Contains(got, `"text":"**Q** @U0NINA"`) {
		t.Errorf("a plain-text header shows %s, want the title as written and the mention as @U0NINA", got)
	}
	if got := blocksJSON(t, renderCard(&bot.Card{Context: "_Asked_ by **Sue**"}, maxMessageBlocks)); !strings.Contains(got, `{"type":"plain_text","text":"_Asked_ by **Sue**","emoji":true}`) {
		t.Errorf("a context line shows %s, want it as written (plain text)", got)
	}
}

// TestTruncateCleanly: Slack's limits are the adapter's — a modal title
// over 24 characters is cut after a whole word (the core sends the full
// "Reply to Nina Patel-Smith"), and mrkdwn is never cut inside an entity, a
// mention or a link.
func TestTruncateCleanly(t *testing.T) {
	t.Parallel()
	v := renderForm(&bot.Form{ID: "sreply:7", Title: "Reply to Nina Patel-Smith", Label: "Your message to Nina Patel-Smith"})
	if v.Title.Text != "Reply to Nina…" {
		t.Errorf("modal title = %q, want %q", v.Title.Text, "Reply to Nina…")
	}
	if got := renderForm(&bot.Form{ID: "x", Title: "Reply to Sam Reyes"}).Title.Text; got != "Reply to Sam Reyes" {
		t.Errorf("a title that fits = %q", got)
	}
	if got := truncate("Supercalifragilisticexpialidocious", 10); got != "Supercali…" {
		t.Errorf("one long word = %q, want it cut in the word", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"ask <@U0ASKER> now", "ask…"},
		{"see <https://example.org/a> now", "see…"},
		{"K &lt; 3.5 &amp; falling", "K &lt; 3.5…"},
		{"a plain sentence that runs on", "a plain…"},
	} {
		got := truncateMrkdwn(tc.in, 14)
		if got != tc.want || utf8.RuneCountInString(got) > 14 {
			t.Errorf("truncateMrkdwn(%q, 14) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFormWordsInTheFormsLanguage: a modal's own buttons (a form that
// names no submit button, Cancel, and Close on the result) are in the
// person's language.
func TestFormWordsInTheFormsLanguage(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string][3]string{"es": {"Enviar", "Cancelar", "Cerrar"}, "": {"Send", "Cancel", "Close"}} {
		v := renderForm(&bot.Form{ID: "more:1", Title: "T", Label: "L", Lang: lang})
		r := resultView("T", bot.Reply{Text: "ok", Lang: lang})
		if got := [3]string{v.Submit.Text, v.Close.Text, r.Close.Text}; got != want {
			t.Errorf("%q: modal buttons %q, want %q", lang, got, want)
		}
	}
}

// TestSelectPlaceholderInCardsLanguage: a menu the card gives no
// placeholder gets "Choose…" in the card's language.
func TestSelectPlaceholderInCardsLanguage(t *testing.T) {
	for lang, want := range map[string]string{"en": "Choose…", "es": "Elegir…"} {
		c := &bot.Card{Title: "t", Lang: lang, Select: &bot.Select{ID: "x", Options: []bot.Option{{Label: "a", Value: "a"}}}}
		var got string
		for _, b := range renderCard(c, 50) {
			if a, ok := b.(*slack.ActionBlock); ok {
				for _, el := range a.Elements.ElementSet {
					if s, ok := el.(*slack.SelectBlockElement); ok && s.Placeholder != nil {
						got = s.Placeholder.Text
					}
				}
			}
		}
		if got != want {
			t.Errorf("%s: placeholder %q, want %q", lang, got, want)
		}
	}
}
