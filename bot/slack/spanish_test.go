package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// rosa's Slack profile is in Spanish (users.info locale es-419).
var rosa = slackfake.User{ID: "U200", Name: "rosa", RealName: "Rosa Díaz", TZ: "America/Chicago", Locale: "es-419"}

// TestSpanishEndToEnd: a person whose Slack profile is in Spanish gets the
// daily loop in Spanish — the join reply (the profile read at the join
// carries the locale), the quiz DM, the answered card, /learn stats and the
// usage and error replies, none with the bot's English; /learn language
// en switches her to English over the profile and es back, keeping her
// history.
func TestSpanishEndToEnd(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(rosa)
		text := func(rep map[string]any) string { s, _ := rep["text"].(string); return s }
		// The lesson is not translated: it is shown in English, with a note
		// saying so in Spanish.
		l := testLessons()[0]
		lesson := append([]string{l.Title, l.Question, l.Explanation}, l.Choices...)
		es := func(what string, rep map[string]any) string {
			t.Helper()
			s := text(rep)
			bottest.NoEnglish(t, what, s)
			return s
		}

		if txt := es("join", e.command("U200", "join nurse")); !strings.HasPrefix(txt, "¡Le damos la bienvenida, nurse! Recibirá un breve consejo") ||
			!strings.Contains(txt, "a las 08:30 America/Chicago") {
			t.Fatalf("join reply = %q", txt)
		}
		if m := e.member("U200"); m.Language != "es-419" || m.LanguageSource != member.LanguagePlatform {
			t.Fatalf("member language %q from %q; want es-419 from the profile", m.Language, m.LanguageSource)
		}
		if txt := es("/learn", e.command("U200", "")); !strings.HasPrefix(txt, "📬 Enviado a sus mensajes directos") {
			t.Fatalf("/learn reply = %q", txt)
		}
		bottest.WaitFor(t, 10*time.Second, "the lesson DM", func() bool { return len(e.dmFor("U200")) == 1 })
		dm := e.dmFor("U200")[0]
		if b := string(dm.Blocks); !strings.Contains(b, "Lección del día") && !strings.Contains(b, "Incorporación") {
			t.Fatalf("lesson DM not in Spanish: %s", b)
		}
		bottest.NoEnglish(t, "lesson DM", confBlocks(t, dm.Blocks).Text, lesson...)
		bottest.Contains(t, "lesson DM", confBlocks(t, dm.Blocks).Text, "no está disponible en su idioma")
		var ans string
		for _, id := range dm.ActionIDs() {
			if strings.HasPrefix(id, "ans:") {
				ans = id
				break
			}
		}
		if ans != "" {
			if status, body := e.send(formType, e.clickBody("U200", ans, "click-es"), time.Now()); status != http.StatusOK {
				t.Fatalf("click: %d %s", status, body)
			}
			bottest.WaitFor(t, 10*time.Second, "the answered card", func() bool { return len(e.fake.Responses()) == 1 })
			if blocks := fmt.Sprint(e.fake.Responses()[0].Body["blocks"]); !strings.Contains(blocks, "Racha: 1 día") ||
				!strings.Contains(blocks, "Cuéntenos más") {
				t.Errorf("answered card not in Spanish: %s", blocks)
			}
			raw, _ := json.Marshal(e.fake.Responses()[0].Body["blocks"])
			bottest.NoEnglish(t, "answered card", confBlocks(t, raw).Text, lesson...)

			// "Cuéntenos más" opens a modal in Spanish, Slack's buttons too.
			more := ""
			for _, id := range e.dmFor("U200")[0].ActionIDs() {
				if strings.HasPrefix(id, "more:") {
					more = id
				}
			}
			if status, body := e.send(formType, e.clickBody("U200", more, "more-es"), time.Now()); status != http.StatusOK {
				t.Fatalf("Tell us more: %d %s", status, body)
			}
			forms := (&confSlack{fake: e.fake}).OpenedForms(t)
			if len(forms) != 1 {
				t.Fatalf("modals opened: %d, want 1", len(forms))
			}
			bottest.NoEnglish(t, "the Tell us more modal", forms[0].Text)

			// Sending it with a phone number in it: the modal says what was
			// removed, in Spanish, with Slack's Close in Spanish too.
			var sub map[string]any
			if err := json.Unmarshal(fixture(t, "view_submission.json"), &sub); err != nil {
				t.Fatal(err)
			}
			sub["user"].(map[string]any)["id"] = "U200"
			// Slack sends back the view as it was opened.
			var opened struct{ View map[string]any }
			if err := json.Unmarshal(e.fake.Calls("views.open")[0].JSON, &opened); err != nil {
				t.Fatal(err)
			}
			view := sub["view"].(map[string]any)
			view["title"], view["close"], view["submit"] = opened.View["title"], opened.View["close"], opened.View["submit"]
			view["callback_id"] = more
			view["state"] = map[string]any{"values": map[string]any{"text": map[string]any{
				"text": map[string]any{"type": "plain_text_input", "value": "Falta una captura. Llámeme al 555-123-4567"}}}}
			raw, _ = json.Marshal(sub)
			status, body := e.send(formType, []byte("payload="+url.QueryEscape(string(raw))), time.Now())
			var res struct {
				View struct {
					Title, Close *struct{ Text string }
					Blocks       json.RawMessage
				}
			}
			if err := json.Unmarshal(body, &res); status != http.StatusOK || err != nil || res.View.Title == nil || res.View.Close == nil {
				t.Fatalf("view_submission: %d %s (%v)", status, body, err)
			}
			shown := res.View.Title.Text + "\n" + res.View.Close.Text + "\n" + confBlocks(t, res.View.Blocks).Text
			bottest.Contains(t, "the modal after sending", shown, "número de teléfono")
			bottest.NoEnglish(t, "the modal after sending", shown)
		}

		stats := e.command("U200", "stats")
		if txt := es("stats", stats); !strings.Contains(txt, "Sus estadísticas de huddlebot") || !strings.Contains(txt, "Respondidas") {
			t.Fatalf("stats = %q", txt)
		}
		for cmd, want := range map[string]string{
			"time 7":          "Uso: `/learn time HH:MM` — 7 no es una hora como 08:30",
			"tz Nowhere/Town": "No conozco la zona horaria Nowhere/Town",
			"pause 0":         "el número de días va del 1 al 365",
			"nudges maybe":    "Uso: `/learn nudges on|off` — un recordatorio amable",
			"duty on":         "Solo los superusuarios pueden ponerse de guardia.",
			"join astronaut":  "«astronaut» no es un rol aquí",
			"language":        "el idioma en que le escribo (ahora Español)",
			"frobnicate":      "No conozco `/learn frobnicate`.",
			"stast":           "No conozco `/learn stast`.",
			"help":            "le envía cada día laborable",
			"resume":          "No está en pausa.",
			"hours late":      "Uso: `/learn hours HH:MM-HH:MM`",
			"days someday":    "Uso: `/learn days mon-fri`",
		} {
			if txt := es("/learn "+cmd, e.command("U200", cmd)); !strings.Contains(txt, want) {
				t.Errorf("/learn %s = %q, want %q", cmd, txt, want)
			}
		}
		status, body := e.send(formType, e.commandBody("U200", "/nope", "", "C1"), time.Now())
		if status != http.StatusOK || !strings.Contains(string(body), "No conozco /nope. Pruebe /learn help.") {
			t.Errorf("unknown command: %d %s", status, body)
		}
		bottest.NoEnglish(t, "unknown command", string(body))

		before, err := db.MemberStatsGet(ctx, db, e.member("U200").ID)
		if err != nil {
			t.Fatal(err)
		}
		if txt := text(e.command("U200", "language en")); !strings.HasPrefix(txt, "From now on I'll write to you in English.") {
			t.Errorf("language en = %q", txt)
		}
		if txt := text(e.command("U200", "me")); !strings.Contains(txt, "Your huddlebot stats") {
			t.Errorf("stats after language en = %q", txt)
		}
		after, err := db.MemberStatsGet(ctx, db, e.member("U200").ID)
		if err != nil || *after != *before {
			t.Errorf("stats changed with the language: %+v, were %+v (%v)", after, before, err)
		}

		// And back to Spanish: the same numbers, in Spanish again.
		bottest.Contains(t, "language es", es("language es", e.command("U200", "language es")), "A partir de ahora le escribiré en español.")
		// Signed a second later than the first /learn stats: the same body
		// signed in the same second would be a replay, and refused.
		status, body = e.send(formType, e.commandBody("U200", "/learn", "stats", "C2147483705"), time.Now().Add(time.Second))
		var again map[string]any
		if err := json.Unmarshal(body, &again); status != http.StatusOK || err != nil {
			t.Fatalf("stats: %d %s", status, body)
		}
		if again := es("stats in Spanish again", again); again != text(stats) {
			t.Errorf("stats after switching back = %q, were %q", again, text(stats))
		}
		if back, err := db.MemberStatsGet(ctx, db, e.member("U200").ID); err != nil || *back != *before {
			t.Errorf("stats changed with the language: %+v, were %+v (%v)", back, before, err)
		}
	})
}

// TestSpanishAppHome: the App Home of a person who chose Spanish is in
// Spanish, before and after she joins, with none of the bot's English.
func TestSpanishAppHome(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite), envOptions{})
	if txt, _ := e.command("U2147483697", "language es")["text"].(string); !strings.HasPrefix(txt, "A partir de ahora le escribiré en español.") {
		t.Fatalf("language es = %q", txt)
	}
	if status, body := e.send("application/json", fixture(t, "event_app_home_opened.json"), time.Now()); status != http.StatusOK {
		t.Fatalf("app_home_opened: %d %s", status, body)
	}
	bottest.WaitFor(t, 5*time.Second, "views.publish", func() bool { return e.fake.Count("views.publish") >= 1 })
	calls := e.fake.Calls("views.publish")
	home := string(calls[len(calls)-1].JSON)
	for _, want := range []string{"Le damos la bienvenida a huddlebot", "Elija su rol", "Cómo funciona", "Nunca datos de pacientes"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q: %s", want, home)
		}
	}
	var view struct {
		View struct{ Blocks json.RawMessage }
	}
	if err := json.Unmarshal(calls[len(calls)-1].JSON, &view); err != nil {
		t.Fatal(err)
	}
	bottest.NoEnglish(t, "the App Home", confBlocks(t, view.View.Blocks).Text)

	// Joined, the home shows her numbers and schedule in Spanish.
	e.command("U2147483697", "join nurse 4west")
	n := e.fake.Count("views.publish")
	again := bytes.Replace(fixture(t, "event_app_home_opened.json"), []byte(`"event_id": "`), []byte(`"event_id": "again-`), 1) // a new event, not a redelivery
	if status, body := e.send("application/json", again, time.Now()); status != http.StatusOK {
		t.Fatalf("app_home_opened: %d %s", status, body)
	}
	bottest.WaitFor(t, 5*time.Second, "views.publish", func() bool { return e.fake.Count("views.publish") > n })
	calls = e.fake.Calls("views.publish")
	if err := json.Unmarshal(calls[len(calls)-1].JSON, &view); err != nil {
		t.Fatal(err)
	}
	joined := confBlocks(t, view.View.Blocks).Text
	bottest.Contains(t, "the joined App Home", joined, "Racha")
	bottest.NoEnglish(t, "the joined App Home", joined)
}

// sofia is a Spanish-speaking super-user and trainer on rosa's unit.
var sofia = slackfake.User{ID: "U300", Name: "sofia", RealName: "Sofía Ruiz", TZ: "America/Chicago", Locale: "es-ES"}

// spanishContent is the test lessons with a Spanish translation of the
// nurses' quiz and a burst of it.
func spanishContent() *lessons.Content {
	ls := testLessons()
	ls[0].Translations = map[string]*lessons.Translation{"es": {Title: "Conciliar la medicación domiciliaria",
		Question:    "¿Cuándo se debe conciliar la medicación domiciliaria?",
		Choices:     []string{"Al ingreso, traslado y alta", "Solo al alta", "Solo si el paciente trae una lista"},
		Explanation: "Conciliar en cada transición detecta omisiones y duplicados."}}
	return &lessons.Content{Lessons: ls, Roles: member.DefaultRoles, Bursts: []*lessons.Burst{{ID: "medrec-update",
		Title: "Medication reconciliation update", Roles: []string{"nurse"}, Lessons: []string{"medrec-admission"}, Pace: lessons.PaceAllAtOnce}}}
}

// TestSpanishAskHuddleBurst: on Slack, Rosa (profile in Spanish) and
// Sofía, a super-user and trainer whose profile is in Spanish too, go
// through /ask (Rosa's confirmation, Sofía's card, the claim and the note
// Rosa gets), a huddle in a Spanish workspace's channel (start, Rosa's
// parking-lot question, the end and its summary), a burst Rosa receives,
// /feedback and the schedule replies — every word the bot says to them
// in Spanish, none of its English.
func TestSpanishAskHuddleBurst(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{content: spanishContent(), config: bot.Config{DefaultLanguage: "es"}})
		e.fake.SetUser(rosa)
		e.fake.SetUser(sofia)
		const channel = "C4WEST"
		run := func(user, command, text string) string {
			t.Helper()
			status, body := e.send(formType, e.commandBody(user, command, text, channel), time.Now())
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d %s", command, text, status, body)
			}
			var rep struct{ Text string }
			if err := json.Unmarshal(body, &rep); err != nil {
				t.Fatalf("%s %s: %v: %s", command, text, err, body)
			}
			return rep.Text
		}
		slash := func(user, command, text string) string {
			t.Helper()
			rep := run(user, command, text)
			bottest.NoEnglish(t, command+" "+text, rep, "Sofía Ruiz", "Rosa Díaz")
			return rep
		}
		for _, u := range []string{"U200", "U300"} {
			slash(u, "/learn", "join nurse 4west")
		}
		perms := []member.Permission{member.PermSuperUser, member.PermTrainer}
		if err := db.MemberUpdate(ctx, db, e.member("U300").ID, store.MemberSettings{Permissions: &perms}); err != nil {
			t.Fatal(err)
		}
		// Rosa works around the clock, so a burst "now" reaches her whatever
		// the time the test runs.
		bottest.Contains(t, "days", slash("U200", "/learn", "days mon-sun"), "todos los días")
		bottest.Contains(t, "hours", slash("U200", "/learn", "hours 00:00-23:59"), "00:00")
		bottest.Contains(t, "duty on", slash("U300", "/learn", "duty on"), "de guardia")

		// /ask: her confirmation, Sofía's card and claim, Rosa's note.
		bottest.Contains(t, "/ask usage", slash("U200", "/ask", ""), "Uso: `/ask TEXTO`")
		bottest.Contains(t, "/ask", slash("U200", "/ask", "¿Cómo reimprimo una pulsera?"), "Enviada a Sofía Ruiz")
		var card slackfake.Message
		bottest.WaitFor(t, 10*time.Second, "Sofía's question card", func() bool {
			for _, m := range e.dmFor("U300") {
				if m.Action("claim:") != "" {
					card = m
					return true
				}
			}
			return false
		})
		shown := confBlocks(t, card.Blocks).Text
		bottest.Contains(t, "Sofía's card", shown, "Pregunta de Rosa Díaz")
		bottest.NoEnglish(t, "Sofía's card", shown, "Rosa Díaz", "¿Cómo reimprimo una pulsera?")
		if status, body := e.send(formType, e.clickBody("U300", card.Action("claim:"), "claim-es"), time.Now()); status != http.StatusOK {
			t.Fatalf("claim: %d %s", status, body)
		}
		bottest.WaitFor(t, 10*time.Second, "Rosa's note", func() bool {
			for _, m := range e.dmFor("U200") {
				if strings.Contains(confBlocks(t, m.Blocks).Text, "se encarga de su pregunta") {
					return true
				}
			}
			return false
		})

		// A huddle in the channel: the host's replies, Rosa's question, the
		// cards and the summary in the channel (the workspace speaks
		// Spanish).
		bottest.Contains(t, "/huddle start", slash("U300", "/huddle", "start Simulacro de caída del sistema"), "Simulacro de caída del sistema")
		bottest.Contains(t, "/huddle ask", slash("U200", "/huddle", "ask ¿Dónde se imprimen las etiquetas?"), "🅿️")
		slash("U200", "/huddle", "poll \"¿Listos?\" \"Sí\" \"No\"") // not a host: refused, in Spanish
		slash("U300", "/huddle", "poll \"¿Listos?\" \"Sí\" \"No\"")
		slash("U300", "/huddle", "status")
		slash("U300", "/huddle", "end")
		bottest.WaitFor(t, 10*time.Second, "the huddle summary", func() bool {
			for _, m := range e.fake.Messages() {
				if m.Channel == channel && m.ThreadTS != "" && strings.Contains(string(m.Blocks), "📋") {
					return true
				}
			}
			return false
		})

		// A burst Rosa receives.
		slash("U300", "/burst", "send medrec-update now")
		var got slackfake.Message
		bottest.WaitFor(t, 10*time.Second, "the burst in Rosa's DM", func() bool {
			for _, m := range e.dmFor("U200") {
				if strings.Contains(confBlocks(t, m.Blocks).Text, "Conciliar la medicación domiciliaria") {
					got = m
					return true
				}
			}
			return false
		})
		if status, body := e.send(formType, e.clickBody("U200", got.Action("ans:"), "ans-es"), time.Now()); status != http.StatusOK {
			t.Fatalf("answer: %d %s", status, body)
		}
		bottest.Contains(t, "/feedback", slash("U200", "/feedback", "muy útil"), "Gracias")
		bottest.Contains(t, "/feedback empty", slash("U200", "/feedback", ""), "Uso")

		// Everything posted in the channel and to both DMs, and every click's
		// reply.
		bottest.Settle(t, e.bot)
		for _, m := range e.fake.Messages() {
			bottest.NoEnglish(t, "message in "+m.Channel, confBlocks(t, m.Blocks).Text,
				"Sofía Ruiz", "Rosa Díaz", "Medication reconciliation update")
		}
		for _, r := range e.fake.Responses() {
			txt, _ := r.Body["text"].(string)
			if blocks, ok := r.Body["blocks"]; ok {
				raw, _ := json.Marshal(blocks)
				txt += "\n" + confBlocks(t, raw).Text
			}
			bottest.NoEnglish(t, "reply at "+r.Path, txt, "Sofía Ruiz", "Rosa Díaz")
		}
	})
}
