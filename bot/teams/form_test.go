package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestTellUsMoreForm: the "Tell us more" feedback form on Teams is an
// Adaptive Card with a text input in the 1:1 chat. A member answers a quiz,
// taps Tell us more on it, and gets the form; sending it empty, or longer
// than is kept whole, gives the form back in the invoke response with what
// they typed and why, storing nothing; sending it properly stores the text
// once, committed before the invoke is answered, and the form becomes a
// "Sent" card with the thanks; the same invoke replayed changes nothing.
func TestTellUsMoreForm(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		conv, form := openTellUsMore(t, e, nil, "What would make this lesson better?")
		send := func(id, text string) (string, map[string]any) { return sendForm(t, e, conv, form, id, text) }
		stored := func() []string {
			var texts []string
			if err := db.SelectContext(ctx, &texts, `SELECT text FROM feedback ORDER BY id`); err != nil {
				t.Fatal(err)
			}
			return texts
		}
		inputValue := func(card map[string]any) (string, bool) {
			body, _ := card["body"].([]any)
			for _, b := range body {
				if m, _ := b.(map[string]any); m["type"] == "Input.Text" {
					v, _ := m["value"].(string)
					return v, true
				}
			}
			return "", false
		}

		long := strings.Repeat("The dose field is hidden on the small screen. ", 70) // 3,220 characters
		typ, card := send("f:form-long", long)
		if v, ok := inputValue(card); typ != "application/vnd.microsoft.card.adaptive" || !ok || v != long {
			t.Errorf("too long: answered %s with the input holding %d of %d characters; want the form back with all of it", typ, len(v), len(long))
		}
		if b, _ := json.Marshal(card); !strings.Contains(string(b), "the limit is 3000") {
			t.Errorf("too long: the form does not say why: %s", b)
		}
		if _, ok := inputValue(card); ok {
			if s := stored(); len(s) != 0 {
				t.Errorf("too long text was stored: %q", s)
			}
		}
		if _, card := send("f:form-empty", "  "); func() bool { _, ok := inputValue(card); return !ok }() {
			t.Errorf("an empty form was not given back: %v", card)
		}

		const typed = "The dose field is hidden on the small screen."
		typ, card = send("f:form-ok", typed)
		b, _ := json.Marshal(card)
		if _, isForm := inputValue(card); typ != "application/vnd.microsoft.card.adaptive" || isForm ||
			!strings.Contains(string(b), "Sent") || !strings.Contains(string(b), "reached the training team") {
			t.Errorf("the sent form answered %s %s; want the Sent card with the thanks", typ, b)
		}
		if s := stored(); len(s) != 1 || s[0] != typed {
			t.Fatalf("feedback stored when the invoke was answered: %q; want exactly what she typed, once", s)
		}
		// Bot Framework retries the same invoke: nothing more is stored.
		send("f:form-ok", typed)
		if s := stored(); len(s) != 1 {
			t.Errorf("after the replay %d feedback rows; want 1", len(s))
		}
	})
}

// submitData is the data of the submit button of the card in a posted
// activity, as the client sends it back.
func submitData(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var found map[string]any
	executeActions(t, raw, func(x map[string]any) {
		if d, ok := x["data"].(map[string]any); ok {
			found = d
		}
	})
	if found == nil {
		t.Fatalf("no submit button in %s", raw)
	}
	return found
}

// executeActions calls fn on each Action.Execute in the card or activity
// JSON raw, depth first; JSON that does not parse fails the test.
func executeActions(t *testing.T, raw []byte, fn func(action map[string]any)) {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "Action.Execute" {
				fn(x)
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	walk(v)
}

// TestFormRefusedKeepsText: a submission the core refuses (the handler's
// bot.UserError: the question was closed meanwhile, say) comes back as the
// form with what the person typed and the reason — not lost.
func TestFormRefusedKeepsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bot.HandleFormFunc("sreply", func(context.Context, *bot.Req, []string, string) (bot.Reply, error) {
		return bot.Reply{}, bot.UserErr("That question was closed while you were typing.")
	})
	conv := e.conn.PersonalConversation(nina)
	p := activity(t, "invoke_adaptivecard_action.json")
	e.fromUser(p, nina, conv)
	p["replyToId"] = "1764600000009"
	const typed = "Try the order set under Favorites."
	p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "hbform:sreply:7", "data": map[string]any{
		"hb": "hbform:sreply:7", "text": typed, "hbform": map[string]any{"title": "Reply to Nina", "label": "Your message to Nina"}}}}
	code, body := e.post(t, p)
	if code != http.StatusOK || !strings.Contains(string(body), `"value":"`+typed+`"`) || !strings.Contains(string(body), "closed while you were typing") ||
		!strings.Contains(string(body), "Reply to Nina") {
		t.Errorf("the refused submission answered %d %s; want the form back with the text and the reason", code, body)
	}
}

// openTellUsMore has nina join, take a quiz, answer it and tap Tell us
// more on it (after the commands in before: "learn language es"), and
// returns her 1:1 chat and the form that arrived, found by its label.
func openTellUsMore(t *testing.T, e *env, before []string, label string) (string, adaptertest.Message) {
	t.Helper()
	conv := e.conn.PersonalConversation(nina)
	e.say(t, nina, "learn join nurse 4west")
	for _, c := range before {
		e.say(t, nina, c)
	}
	n := len(e.conn.Activities(conv))
	e.say(t, nina, "learn")
	var quiz *adaptertest.Message
	for _, p := range e.waitActivities(t, conv, n+2)[n:] {
		if m := view(t, p.Activity); len(m.Actions) > 0 && strings.HasPrefix(m.Actions[0], "ans:") {
			m.Channel, m.ID = conv, p.ID
			quiz = &m
		}
	}
	if quiz == nil {
		t.Fatal("no quiz arrived")
	}
	_, answered := e.invoke(t, nina, *quiz, quiz.Actions[0])
	more := regexp.MustCompile(`more:\d+`).FindString(string(answered))
	if more == "" {
		t.Fatalf("no Tell us more on the answered card: %s", answered)
	}
	n = len(e.conn.Activities(conv))
	if code, body := e.invoke(t, nina, *quiz, more); code != http.StatusOK {
		t.Fatalf("Tell us more answered %d %s", code, body)
	}
	form := e.waitCard(t, conv, label)
	if len(form.Actions) != 1 || !strings.HasPrefix(form.Actions[0], "hbform:more:") {
		t.Fatalf("the form's buttons are %v", form.Actions)
	}
	if got := len(e.conn.Activities(conv)); got != n+1 {
		t.Errorf("%d new messages after Tell us more; want the form", got-n)
	}
	return conv, form
}

// sendForm submits form in conv with text as the client does (the
// button's data with the input's value; id is the invoke's id) and returns
// the invoke response's content type and card.
func sendForm(t *testing.T, e *env, conv string, form adaptertest.Message, id, text string) (string, map[string]any) {
	t.Helper()
	p := activity(t, "invoke_adaptivecard_action.json")
	e.fromUser(p, nina, conv)
	p["id"] = id
	p["replyToId"] = form.ID
	var data map[string]any
	for _, pa := range e.conn.Activities(conv) {
		if pa.ID == form.ID {
			data = submitData(t, pa.Activity)
		}
	}
	data["text"] = text
	p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": form.Actions[0], "data": data}}
	code, body := e.post(t, p)
	resp := invokeAnswer(t, "form submit", code, body)
	var card map[string]any
	json.Unmarshal(resp.Value, &card)
	return resp.Type, card
}

// TestTellUsMoreFormSpanish: for a member who speaks Spanish, the form's
// own words — what Teams says in the client when it is sent empty, the
// card it becomes once sent — are Spanish too, and an empty one comes back
// saying why in Spanish.
func TestTellUsMoreFormSpanish(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		conv, form := openTellUsMore(t, e, []string{"learn language es"}, i18n.For("es").T("learn.more.label", nil))
		var posted json.RawMessage
		for _, pa := range e.conn.Activities(conv) {
			if pa.ID == form.ID {
				posted = pa.Activity
			}
		}
		if !strings.Contains(string(posted), `"errorMessage":"Escriba algo antes de enviarlo."`) {
			t.Errorf("the form's client-side check is not Spanish: %s", posted)
		}
		_, card := sendForm(t, e, conv, form, "f:es-empty", " ")
		if b, _ := json.Marshal(card); !strings.Contains(string(b), "Escriba algo antes de enviarlo.") {
			t.Errorf("an empty form came back without the Spanish reason: %s", b)
		}
		_, card = sendForm(t, e, conv, form, "f:es-ok", "El campo de dosis no se ve en la pantalla pequeña.")
		b, _ := json.Marshal(card)
		if !strings.Contains(string(b), "✅ Enviado") || strings.Contains(string(b), "Sent") {
			t.Errorf("the sent form is not said in Spanish: %s", b)
		}
	})
}
