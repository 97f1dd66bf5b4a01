package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/internal/browsertest"
	"github.com/huddlebot/huddlebot/lessons"
)

// TestBrowserSpanishPerson is issue 19 end to end for the sandbox's
// Spanish-speaking person: Lucía Hernández (front desk, es) is listed with
// her language, the day's quiz reaches her DM in Spanish (the lesson's
// Spanish title, question and choices, no English of the lesson), and
// answering it shows the Spanish right answer and explanation. Then, with
// none of the bot's English anywhere she looks (bottest.NoEnglish):
// /learn stats, usage and error replies, /feedback, /ask (her side in
// Spanish, Sam's in English, his claim told to her in Spanish), her
// replies in a huddle Sam hosts (commands, a vote, a +1), a burst Tara sends, and /learn language
// en then es with her numbers unchanged. The chat pane's own words around
// the bot's messages ("Solo usted puede ver esto", "(editado)", the day)
// follow her language.
func TestBrowserSpanishPerson(t *testing.T) {
	_ = browsertest.Path(t) // skip early, before starting anything
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	srv := startTestSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second) // a hang detector
	defer cancel()
	br := newBrowser(t, ctx)

	br.do("open the page and pick Lucía",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-person="lucia"]`)),
		until(`document.body.dataset.ready === 'true'`),
		chromedp.Click(chromedp.CSS(`[data-person="lucia"]`)),
		until(`document.querySelector('#messages').dataset.loaded === 'lucia|dm'`),
		until(`document.querySelector('#me').textContent.includes('Lucía Hernández')`),
	)
	if who := eval[string](br, "person", `document.querySelector('[data-person="lucia"]').textContent`); !strings.Contains(who, "es") {
		t.Errorf("Lucía's entry does not show her language: %q", who)
	}

	quiz := br.nextQuiz("Lucía")
	card := fmt.Sprintf("#msg-%d", quiz)
	// The person line and the clock's status say her next prompt, and
	// where the clock went, in her words, label included.
	bottest.Contains(t, "her next prompt under the clock bar", eval[string](br, "person line", `document.querySelector('#me').innerText`), "Próxima pregunta:")
	bottest.Contains(t, "where the clock went", eval[string](br, "clock status", `document.querySelector('#clock-status').textContent`), "Reloj movido a ")
	title := eval[string](br, "title", fmt.Sprintf(`document.querySelector('%s .card-title').textContent`, card))
	var l *lessons.Lesson
	for _, x := range c.Lessons {
		if es := x.Translations["es"]; es != nil && strings.Contains(title, es.Title) {
			l = x
		}
	}
	if l == nil {
		t.Fatalf("the quiz in Lucía's DM is not a Spanish lesson: title %q", title)
	}
	es := l.Translations["es"]
	text := eval[string](br, "card", fmt.Sprintf(`document.querySelector('%s .card').innerText`, card))
	if !strings.Contains(text, es.Question) || strings.Contains(text, l.Question) || strings.Contains(text, l.Title) {
		t.Errorf("card of %s is not the Spanish one:\n%s", l.ID, text)
	}
	labels := eval[[]string](br, "choices", fmt.Sprintf(`[...document.querySelectorAll('%s .choice')].map(b => b.textContent.trim().replace(/^\d+/, ''))`, card))
	if !slices.Equal(labels, es.Choices) {
		t.Errorf("answer buttons = %q, want the Spanish choices %q", labels, es.Choices)
	}

	br.do("answer in Spanish",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s .choice[data-action$=":%d"]`, card, l.Answer))),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-result")),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-explanation")),
	)
	result := eval[string](br, "result", fmt.Sprintf(`document.querySelector('%s .card-result').textContent`, card))
	if !strings.Contains(result, es.Choices[l.Answer-1]) {
		t.Errorf("result line = %q, want the Spanish right answer %q", result, es.Choices[l.Answer-1])
	}
	expl := eval[string](br, "explanation", fmt.Sprintf(`document.querySelector('%s .card-explanation').textContent`, card))
	if !strings.Contains(strings.Join(strings.Fields(expl), " "), es.Explanation) {
		t.Errorf("explanation = %q, want the Spanish one %q", expl, es.Explanation)
	}
	if strings.Contains(expl, l.Explanation) {
		t.Errorf("the answered card shows the English explanation: %q", expl)
	}

	bottest.NoEnglish(t, "the answered card", eval[string](br, "card", fmt.Sprintf(`document.querySelector('%s .card').innerText`, card)))
	bottest.NoEnglish(t, "the reply to her answer", br.lastReply())
	// The chat pane's own words around them are hers too, as a Slack client
	// set to Spanish shows them.
	bottest.Contains(t, "the notice on a reply only she sees", eval[string](br, "notice", `[...document.querySelectorAll('#messages .reply')].pop().innerText`),
		"Solo usted puede ver esto", "Descartar")
	if edited := eval[string](br, "edited", fmt.Sprintf(`document.querySelector('%s .edited').textContent`, card)); edited != "(editado)" {
		t.Errorf("the answered card's marker = %q, want (editado)", edited)
	}
	if ph := eval[string](br, "composer", `document.querySelector('#command').placeholder`); ph != "Escriba a huddlebot; p. ej., /learn stats" {
		t.Errorf("the message box says %q", ph)
	}
	br.do("open Cuéntenos más",
		chromedp.Click(chromedp.CSS(card+` [data-action^="more:"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#form-text`)),
	)
	modal := eval[string](br, "the form", `document.querySelector('#form-modal').innerText`)
	bottest.Contains(t, "the form", modal, "Cuéntenos más", "Enviar", "Cancelar")
	bottest.NoEnglish(t, "the form", modal)
	br.do("close it", chromedp.KeyEvent(kb.Escape), until(`!document.querySelector('#form-modal').open`))

	// /learn stats, usage and error replies, /feedback: the bot's own words.
	stats := br.command("/learn stats")
	bottest.Contains(t, "/learn stats", stats, "Sus estadísticas de huddlebot")
	bottest.NoEnglish(t, "/learn stats", stats)
	if n := eval[string](br, "answered", `[...document.querySelectorAll('.reply [data-field="Respondidas"] .value')].pop().textContent.trim()`); n != "1" {
		t.Errorf("/learn stats Respondidas = %q, want 1", n)
	}
	for _, tc := range []struct{ text, want string }{
		{"/learn stast", "No conozco /learn stast."},
		{"/learn time 7", "Uso: /learn time HH:MM — 7 no es una hora como 08:30"},
		{"/learn join", "Uso: /learn join ROL [DEPARTAMENTO]"},
		{"/learn language", "el idioma en que le escribo (ahora Español)"},
		{"/nope", "No conozco /nope. Pruebe /learn help."},
		{"learn stats", "Los comandos empiezan con una barra"},
		{"/feedback", "Uso: /feedback TEXTO"},
		{"/feedback Muy útil, gracias", "Gracias; sus comentarios llegaron al equipo de formación."},
		{"/ask", "Uso: /ask TEXTO"},
		{"/huddle end", "Los huddles se hacen en un canal"},
		{"/burst list", "Solo los formadores pueden enviar actualizaciones."},
		{"/burst", "Solo los formadores pueden enviar actualizaciones."},
	} {
		br.commandSays(tc.text, tc.want)
	}

	// /ask: her confirmation and card; Sam, an English super-user, gets the
	// question in English and takes it; she is told in Spanish.
	const question = "¿Cómo reimprimo una pulsera?"
	got := br.command("/ask " + question)
	bottest.Contains(t, "/ask", got, "Sam Reyes")
	bottest.NoEnglish(t, "/ask", got, "Sam Reyes", "Sue Park")
	bottest.NoEnglish(t, "her question's card", br.newest(question), question, "Sam Reyes", "Sue Park")
	br.actAs("sam", "dm")
	samCard := br.newest("Lucía Hernández")
	bottest.Contains(t, "Sam's card", samCard, "Question from Lucía Hernández", question)
	br.click(`[data-action^="claim:"]`)
	br.actAs("lucia", "dm")
	note := br.newest("se encarga de su pregunta")
	bottest.NoEnglish(t, "the note that Sam took it", note, "Sam Reyes", question)

	// A huddle Sam hosts in #4west: her question for the parking lot, a
	// host-only command refused, and the huddle's status, in Spanish.
	br.actAs("sam", "#4west")
	bottest.Contains(t, "/huddle start", br.command("/huddle start Simulacro de caída del sistema"), "Huddle “Simulacro de caída del sistema” started")
	br.actAs("lucia", "#4west")
	if ph := eval[string](br, "composer", `document.querySelector('#command').placeholder`); !strings.HasPrefix(ph, "Escriba en #4west") {
		t.Errorf("the message box in #4west says %q", ph)
	}
	for _, tc := range []struct{ text, want string }{
		{"/huddle ask ¿Dónde se imprimen las etiquetas?", "Añadida a las preguntas pendientes"},
		{"/huddle end", "Solo quien organiza el huddle (Sam Reyes)"},
		{"/huddle status", "«Simulacro de caída del sistema» está en curso en #4west"},
		{"/huddle poll \"¿Listos?\"", "Uso:"},
	} {
		br.commandSays(tc.text, tc.want, "Sam Reyes", "Simulacro de caída del sistema", "Lucía Hernández")
	}

	// Her vote on Sam's poll, and a +1 on her own question, are answered in
	// Spanish (the cards in the channel speak the workspace's English).
	br.actAs("sam", "#4west")
	br.command(`/huddle poll "¿Listos para el simulacro?" "Sí" "No"`)
	br.actAs("lucia", "#4west")
	br.newest("¿Listos para el simulacro?")
	br.click(`button[data-action^="vote:"][data-action$=":1"]`)
	bottest.Contains(t, "her vote", br.lastReply(), "Su voto: «Sí»")
	bottest.NoEnglish(t, "her vote", br.lastReply(), "Sí")
	br.click(`button[data-action^="vote:"][data-action$=":1"]`)
	bottest.NoEnglish(t, "her vote again", br.lastReply(), "Sí")
	br.newest("¿Dónde se imprimen las etiquetas?")
	br.click(`button[data-action^="plus1:"]`)
	bottest.NoEnglish(t, "her +1 on her own question", br.lastReply())

	// A burst Tara sends reaches her at her next delivery, in Spanish where
	// the lesson is not translated: the bot's words, with a note.
	br.actAs("tara", "dm")
	bottest.Contains(t, "/burst send", br.command("/burst send secure-chat-launch"), "secure-chat-launch")
	br.actAs("lucia", "dm")
	burst := br.nextWith("Lucía", "🆕")
	var allow []string
	for _, b := range c.Bursts {
		if b.ID == "secure-chat-launch" {
			for _, id := range b.Lessons {
				if l := c.Lesson(id); l != nil {
					allow = append(append(allow, l.Title, l.Question, l.Explanation, l.Body), l.Choices...)
				}
			}
		}
	}
	bottest.Contains(t, "the burst in her DM", burst, "🆕 Novedades", "Esta lección aún no está disponible en su idioma")
	bottest.NoEnglish(t, "the burst in her DM", burst, allow...)

	// Everything in her DM: the bot's messages, its replies and the pane's
	// words around them (the untranslated burst lessons, and Sam's name and
	// her question, aside).
	br.actAs("lucia", "dm")
	bottest.NoEnglish(t, "her DM", eval[string](br, "pane", `document.querySelector('#messages').innerText`),
		append(allow, "Sam Reyes", "Sue Park", question)...)

	// Switching language mid-way keeps her history: English stats with
	// the same numbers, then Spanish again, the same as before.
	before := br.command("/learn stats")
	bottest.Contains(t, "language en", br.command("/learn language en"), "From now on I'll write to you in English.")
	en := br.command("/learn stats")
	bottest.Contains(t, "English stats", en, "Your huddlebot stats")
	bottest.Contains(t, "the notice in English", eval[string](br, "notice", `[...document.querySelectorAll('#messages .reply')].pop().innerText`), "Only visible to you")
	bottest.Contains(t, "language es", br.command("/learn language es"), "A partir de ahora le escribiré en español.")
	if after := br.command("/learn stats"); after != before {
		t.Errorf("stats after switching to English and back:\n%s\nwere:\n%s", after, before)
	}
	bottest.Contains(t, "the notice in Spanish again", eval[string](br, "notice", `[...document.querySelectorAll('#messages .reply')].pop().innerText`), "Solo usted puede ver esto")
	for _, f := range []struct{ es, en string }{{"Respondidas", "Answered"}, {"Correctas", "Correct"}, {"Racha", "Streak"}} {
		es := eval[[]string](br, "Spanish "+f.es, fmt.Sprintf(`[...document.querySelectorAll('.reply [data-field=%q] .value')].map(v => v.textContent.trim())`, f.es))
		en := eval[[]string](br, "English "+f.en, fmt.Sprintf(`[...document.querySelectorAll('.reply [data-field=%q] .value')].map(v => v.textContent.trim())`, f.en))
		digits := func(s string) string { return strings.Join(number.FindAllString(s, -1), " ") } // "1 (100 %)" is "1 (100%)"
		if len(es) < 2 || len(en) != 1 || digits(es[len(es)-1]) != digits(en[0]) || digits(es[len(es)-2]) != digits(en[0]) {
			t.Errorf("%s %q vs %s %q: the numbers changed with the language", f.es, es, f.en, en)
		}
	}

	// The sandbox API lists her language too.
	people := eval[string](br, "people", `fetch('/sandbox/api/people').then(r => r.text())`)
	var ps []struct{ ID, Language string }
	if err := json.Unmarshal([]byte(people), &ps); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ps, func(p struct{ ID, Language string }) bool { return p.ID == "lucia" && p.Language == "es" }) {
		t.Errorf("people = %s, want lucia with language es", people)
	}
	br.screenshot("sandbox-es.png")
}

var number = regexp.MustCompile(`\d+`)

// command types text in the composer, sends it, and returns the bot's
// words of the reply it gets (its text or card, without the page's own
// notice around it).
func (br *browser) command(text string) string {
	br.t.Helper()
	n := eval[int](br, "count replies", `document.querySelectorAll('#messages .reply').length`)
	br.do("send "+text,
		chromedp.SetValue(chromedp.CSS(`#command`), text),
		chromedp.Focus(chromedp.CSS(`#command`)),
		chromedp.KeyEvent(kb.Enter),
		until(fmt.Sprintf(`document.querySelectorAll('#messages .reply').length > %d`, n)),
	)
	return br.lastReply()
}

// commandSays sends text and checks that the reply says want, with none
// of the bot's English (allow aside).
func (br *browser) commandSays(text, want string, allow ...string) {
	br.t.Helper()
	got := br.command(text)
	bottest.Contains(br.t, text, got, want)
	bottest.NoEnglish(br.t, text, got, allow...)
}

// lastReply returns the bot's words of the newest reply only the person
// sees.
func (br *browser) lastReply() string {
	br.t.Helper()
	return eval[string](br, "reply", `[...document.querySelectorAll('#messages .reply')].pop().querySelector('.reply-text, .card').innerText`)
}

// actAs picks a person and a conversation ("dm" or "#4west") and waits
// until it is shown.
func (br *browser) actAs(who, channel string) {
	br.t.Helper()
	pick := chromedp.Click(chromedp.CSS(`#dms .conv`))
	if channel != "dm" {
		pick = chromedp.Click(chromedp.CSS(fmt.Sprintf(`#channels [data-channel=%q]`, channel)))
	}
	br.do("act as "+who+" in "+channel,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-person=%q]`, who))),
		until(fmt.Sprintf(`document.querySelector('#messages').dataset.loaded.startsWith(%q)`, who+"|")),
		pick,
		until(fmt.Sprintf(`document.querySelector('#messages').dataset.loaded === %q`, who+"|"+channel)),
	)
}

// newest returns the text of the newest message shown that contains
// text, waiting for one; its id is kept for click.
func (br *browser) newest(text string) string {
	br.t.Helper()
	find := fmt.Sprintf(`[...document.querySelectorAll('#messages article.message')].filter(m => m.innerText.includes(%q)).pop()`, text)
	br.do("wait for a message with "+text, until(find))
	br.last = eval[string](br, "message id", find+`.id`)
	return eval[string](br, "message", find+`.querySelector('.card, .msg-text').innerText`)
}

// click presses the button matching selector on the message newest
// found, and waits for the reply.
func (br *browser) click(selector string) {
	br.t.Helper()
	n := eval[int](br, "count replies", `document.querySelectorAll('#messages .reply').length`)
	br.do("click "+selector,
		chromedp.Click(chromedp.CSS("#"+br.last+" "+selector)),
		until(fmt.Sprintf(`document.querySelectorAll('#messages .reply').length > %d`, n)),
	)
}

// nextWith moves the clock to the shown person's deliveries until a
// message containing text is in their DM and returns it; after six it
// fails the test.
func (br *browser) nextWith(who, text string) string {
	br.t.Helper()
	has := fmt.Sprintf(`[...document.querySelectorAll('#messages .message[data-channel="dm"]')].some(m => m.innerText.includes(%q))`, text)
	br.advanceUntil(who, "a message with "+text, has)
	return br.newest(text)
}
