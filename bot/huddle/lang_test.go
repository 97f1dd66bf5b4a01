package huddle_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestHuddleSpanish: with HUDDLEBOT_LANGUAGE=es a huddle speaks Spanish —
// the start reply, the huddle and poll cards posted in the channel, a vote
// reply, refusals, the parking-lot question and its reply, the end reply
// and the summary — and no English sentence of theirs is left.
func TestHuddleSpanish(t *testing.T) {
	t.Parallel()
	e := bottest.OpenSandbox(t, storetest.Open(t, store.SQLite), bottest.SandboxOptions{NoContent: true, KeepClock: true,
		Config: bot.Config{VoteKey: hudVoteKey, TrainerChannel: "#trainers", PollRenderEvery: time.Millisecond, DefaultLanguage: "es"}})

	bottest.Contains(t, "help", e.Command("nina", "#4west", "/huddle help"), "**Huddles técnicos**", "las preguntas pendientes; otras personas pueden darles +1")
	bottest.Contains(t, "learner start", e.Command("nina", "#4west", "/huddle start Mío"), "Solo los superusuarios pueden organizar huddles")
	bottest.Contains(t, "start", e.Command("sam", "#4west", "/huddle start Alerta de sepsis"), "El huddle «Alerta de sepsis» ha empezado en #4west")
	start := e.Must("sam", "#4west", "Huddle técnico: Alerta de sepsis")
	bottest.Contains(t, "huddle card", start.Text, "Organiza", "Deje una pregunta pendiente")

	bottest.Contains(t, "poll", e.Command("sam", "#4west", `/huddle poll "¿Está clara la alerta?" "Sí" "No" --anonymous`),
		"Encuesta publicada", "nadie, ni siquiera usted")
	poll := e.Must("sam", "#4west", "¿Está clara la alerta?")
	bottest.Contains(t, "poll card", poll.Text, "Anónima: nadie", "aún no hay votos", "Elija una; puede cambiar su voto")
	pid := hudID(t, poll.ActionWith("vote:", ":1"), 1)
	bottest.Contains(t, "vote", e.Click("nina", poll.ID, fmt.Sprintf("vote:%d:1", pid)).Reply, "✅ Su voto: «Sí».", "Registrado de forma anónima")
	bottest.Contains(t, "change", e.Click("nina", poll.ID, fmt.Sprintf("vote:%d:2", pid)).Reply, "Cambió su voto de «Sí» a «No»")

	bottest.Contains(t, "learner closes", e.Click("nina", poll.ID, fmt.Sprintf("poll:%d:close", pid)).Reply,
		"Solo quien organiza el huddle (Sam Reyes) o el equipo de formación puede cerrar esta encuesta. No ha cambiado nada.")
	bottest.Contains(t, "usage", e.Command("sam", "#4west", `/huddle poll "¿Solo una?" "Sí"`),
		"Indique al menos dos opciones, cada una entre comillas si tiene espacios. Uso: `/huddle poll")
	bottest.Contains(t, "ask", e.Command("sue", "#4west", "/huddle ask ¿Cómo se silencia la alerta?"), "Añadida a las preguntas pendientes")
	q := e.Must("sam", "#4west", "¿Cómo se silencia la alerta?")
	bottest.Contains(t, "question card", q.Text, "Preguntas pendientes", "Preguntada por Sue Park")
	if len(q.Actions) == 0 || q.Actions[0].Label != "+1 yo también" {
		t.Errorf("question card's first button = %+v, want +1 yo también", q.Actions)
	}
	bottest.Contains(t, "+1", e.Click("pete", q.ID, q.ActionWith("plus1:", "")).Reply, "+1 anotado: 1 colega quiere una respuesta.")

	bottest.Contains(t, "end", e.Command("sam", "#4west", "/huddle end"), "El huddle ha terminado")
	sum := e.Must("sam", "#4west", "Resumen del huddle: Alerta de sepsis")
	bottest.Contains(t, "summary", sum.Text, "a cargo de Sam Reyes", "👥 Asistencia:", "📊 **Encuestas**",
		"(anónima) — 1 voto de 1 persona", "🅿️ **Preguntas pendientes**", "Abiertas (1):", "¿Qué tan útil fue este huddle?")
	ended := e.Eventually("sam", "#4west", start.ID, "Huddle técnico (terminado): Alerta de sepsis")
	closed := e.Eventually("sam", "#4west", poll.ID, "🔒 Cerrada — 1 voto de 1 persona")
	for _, m := range []bottest.Msg{ended, closed, sum} {
		for _, en := range []string{"Attendance", "Polls", "Parking lot", "hosted by", "Tech huddle", "Host", "vote", "Anonymous", "Open", "Closed"} {
			if strings.Contains(m.Text, en) {
				t.Errorf("%q is still in:\n%s", en, m.Text)
			}
		}
	}
}

// labels is what a card's buttons say, one per line.
func labels(m bottest.Msg) string {
	var ls []string
	for _, a := range m.Actions {
		ls = append(ls, a.Label)
	}
	return strings.Join(ls, "\n")
}

// TestHuddleRecurringSpanish: with HUDDLEBOT_LANGUAGE=es a recurring huddle
// speaks Spanish — parse errors with their usage, the schedule reply and
// card, the series line of list and status, the reminder with its button
// and what is waiting from last time, a rating poll's average and shares
// with a decimal comma, the summary and the cancel reply — and none of it
// has the bot's English.
func TestHuddleRecurringSpanish(t *testing.T) {
	t.Parallel()
	e := bottest.OpenSandbox(t, storetest.Open(t, store.SQLite), bottest.SandboxOptions{NoContent: true, KeepClock: true,
		Config: bot.Config{VoteKey: hudVoteKey, TrainerChannel: "#trainers", PollRenderEvery: time.Millisecond, DefaultLanguage: "es"}})
	clock, advance := hudTicking(t, e)
	es := i18n.For("es")
	says := func(what, got string, wants ...string) {
		t.Helper()
		bottest.Contains(t, what, got, wants...)
		bottest.NoEnglish(t, what, got)
	}

	says("unknown verb", e.Command("sam", "#4west", "/huddle dance"), "No conozco `/huddle dance`. Uso: `/huddle start|end|")
	says("bad day", e.Command("sam", "#4west", "/huddle schedule someday 07:45 X"), "«someday» no es un día",
		"Uso: `/huddle schedule DÍAS HH:MM TÍTULO [--remind MINUTOS]")
	says("bad time", e.Command("sam", "#4west", "/huddle schedule tue 25:00 X"), "«25:00» no es una hora del día")
	says("open quote", e.Command("sam", "#4west", `/huddle poll "¿Sin cerrar? sí no`), "Hay unas comillas sin cerrar. Uso: `/huddle poll \"Pregunta\"")
	says("closes range", e.Command("sam", "#4west", `/huddle poll "¿Clara?" sí no --closes 30s`), "--closes: «30s» debe estar entre 1m y 24h")
	says("ask empty", e.Command("sam", "#4west", "/huddle ask"), "Escriba su pregunta después de `/huddle ask`")

	says("tz", e.Command("sam", "dm", "/learn tz America/New_York"), "America/New_York")
	ny, _ := time.LoadLocation("America/New_York")
	occ := clock.Now().In(ny).Add(time.Hour).Truncate(time.Minute)
	at := es.TimeWithArticle(occ.Hour(), occ.Format("15:04")) // "las 08:30", "la 01:30"
	says("learner schedules", e.Command("nina", "#4west", "/huddle schedule everyday 07:45 X"), "Solo los superusuarios pueden programar huddles")
	// Untitled: the huddle is named in the channel's language.
	rep := e.Command("sam", "#4west", "/huddle schedule everyday "+occ.Format("15:04")+" --remind 15")
	says("schedule", rep, "Programado. 📅 n.º ", "«Huddle técnico» — todos los días a "+at+" (America/New_York), organiza Sam Reyes",
		"próximo: "+es.ShortDate(occ)+", "+occ.Format("15:04 MST"), "recordatorio 15 min antes", "empiécelo con `/huddle start`")
	card := e.Must("sam", "#4west", "📅 Huddle periódico: Huddle técnico")
	says("schedule card", card.Text, "todos los días a "+at+" (America/New_York), a cargo de Sam Reyes", "Las preguntas pendientes sin responder pasan")
	says("list", e.Command("nina", "#4west", "/huddle schedule list"), "Huddles periódicos en #4west:", "«Huddle técnico»", "organiza Sam Reyes")

	advance(55 * time.Minute)
	rem := e.Must("sam", "#4west", "⏰ Huddle en breve: Huddle técnico")
	says("reminder", rem.Text, "Empieza a "+at+" "+occ.Format("MST")+" (dentro de 1", " min) en #4west, a cargo de Sam Reyes", "Traiga sus preguntas")
	says("reminder button", labels(rem), "Empezar ya (organiza)")
	says("learner starts from reminder", e.Click("nina", rem.ID, rem.ActionWith("hstart:", "")).Reply, "Solo quien organiza el huddle (Sam Reyes)")
	says("start from reminder", e.Click("sam", rem.ID, rem.ActionWith("hstart:", "")).Reply, "ha empezado en #4west", "Forma parte del huddle periódico n.º")

	// A rating's average and shares with a decimal comma.
	says("rate", e.Command("sam", "#4west", `/huddle rate "¿Qué tan clara es la alerta?"`), "Encuesta publicada")
	poll := e.Must("sam", "#4west", "¿Qué tan clara es la alerta?")
	says("vote", e.Click("nina", poll.ID, poll.ActionWith("vote:", ":3")).Reply, "✅ Su voto: «3».")
	e.Click("pete", poll.ID, poll.ActionWith("vote:", ":4"))
	advance(time.Second) // the tally's render is owed on the bot's clock
	poll = e.Eventually("sam", "#4west", poll.ID, "Media: 3,5 / 5")
	says("rating card", poll.Text, "1 (50\u00a0%)", "2 votos de 2 personas")

	e.Command("sue", "#4west", "/huddle ask ¿Quién desbloquea la hoja de medicación?")
	e.Command("pete", "#4west", "/huddle ask ¿Dónde están los nuevos protocolos?")
	q := e.Must("sam", "#4west", "¿Quién desbloquea la hoja de medicación?")
	e.Click("sam", q.ID, q.ActionWith("hq:", ":answered"))
	says("status", e.Command("nina", "#4west", "/huddle status"), "«Huddle técnico» está en curso", "📅 n.º ", "recordatorio 15 min antes")
	e.Command("sam", "#4west", "/huddle end")
	says("summary", e.Must("sam", "#4west", "Resumen del huddle: Huddle técnico").Text, "Media: 3,5 / 5", "(50\u00a0%)")

	// The next day's reminder says what is waiting from last time.
	clock.set(occ.AddDate(0, 0, 1).Add(-20 * time.Minute))
	advance(10 * time.Minute)
	if n := len(e.All("sam", "#4west", "Huddle en breve")); n != 2 {
		t.Fatalf("%d reminders after two days, want 2", n)
	}
	rems := e.All("sam", "#4west", "Huddle en breve")
	says("second reminder", rems[1].Text, "🅿️ Queda 1 pregunta pendiente de la última vez.")

	sid := e.Count(`SELECT id FROM huddle_series`)
	says("cancel", e.Command("sam", "#4west", fmt.Sprintf("/huddle schedule cancel %d", sid)), fmt.Sprintf("Se ha cancelado el huddle periódico n.º %d «Huddle técnico»", sid))
}

// TestHuddleSpanishMemberEnglishWorkspace: in an English workspace a
// member who chose Spanish reads her own replies in Spanish (refusals,
// usage, vote and parking-lot confirmations, the privacy notice, status,
// her schedule's confirmation, her rating's thanks) while the cards posted
// in the channel — even those her commands post — stay in the channel's
// English, and an English colleague's replies stay English.
func TestHuddleSpanishMemberEnglishWorkspace(t *testing.T) {
	t.Parallel()
	e := newHudEnv(t, storetest.Open(t, store.SQLite), time.Millisecond, false)
	says := func(what, got string, wants ...string) {
		t.Helper()
		bottest.Contains(t, what, got, wants...)
		// Titles and options people typed, and the channel's name for an
		// untitled schedule, are what they are.
		bottest.NoEnglish(t, what, got, "Sepsis alert", "Is the alert clear?", "Yes", "«Tech huddle»")
	}
	spanish := []string{"Huddle técnico", "Organiza", "Encuesta", "pendiente", "Abierta", "Preguntada", "periódico", "a cargo de", "Resumen", "Asistencia"}
	for _, who := range []string{"nina", "sue"} {
		bottest.Contains(t, who+" language", e.Command(who, "dm", "/learn language es"), "A partir de ahora le escribiré en español")
	}

	says("learner starts", e.Command("nina", "#4west", "/huddle start Mío"), "Solo los superusuarios pueden organizar huddles")
	says("nothing running", e.Command("nina", "#4west", "/huddle end"), "No hay ningún huddle en curso en #4west")
	says("unknown verb", e.Command("nina", "#4west", "/huddle dance"), "No conozco `/huddle dance`")
	says("usage", e.Command("nina", "#4west", `/huddle poll "¿Solo una?" "Sí"`), "Indique al menos dos opciones", "Uso: `/huddle poll \"Pregunta\"")
	says("help", e.Command("nina", "#4west", "/huddle help"), "**Huddles técnicos**")

	bottest.Contains(t, "english start", e.Command("sam", "#4west", "/huddle start Sepsis alert"), "Huddle “Sepsis alert” started in #4west")
	start := e.Must("sam", "#4west", "Tech huddle: Sepsis alert")
	bottest.Contains(t, "huddle card", start.Text, "Host", "Started")
	bottest.Lacks(t, "huddle card", start.Text, spanish...)

	bottest.Contains(t, "english poll", e.Command("sam", "#4west", `/huddle poll "Is the alert clear?" Yes No`), "Poll posted")
	poll := e.Must("sam", "#4west", "Is the alert clear?")
	says("vote", e.Click("nina", poll.ID, poll.ActionWith("vote:", ":1")).Reply, "✅ Su voto: «Yes».")
	bottest.Contains(t, "english vote", e.Click("pete", poll.ID, poll.ActionWith("vote:", ":2")).Reply, "✅ Your vote: “No”.")
	poll = e.Eventually("sam", "#4west", poll.ID, "2 votes from 2 people")
	bottest.Contains(t, "poll card", poll.Text, "(50%)", "Open —")
	bottest.Lacks(t, "poll card", poll.Text+labels(poll), spanish...)
	says("close refused", e.Click("nina", poll.ID, poll.ActionWith("poll:", ":close")).Reply,
		"Solo quien organiza el huddle (Sam Reyes) o el equipo de formación puede cerrar esta encuesta")

	says("ask", e.Command("nina", "#4west", "/huddle ask ¿Cómo se silencia la alerta? MRN 12345678"),
		"Añadida a las preguntas pendientes", "Por privacidad, eliminé lo que parecía un número de historia clínica")
	q := e.Must("sam", "#4west", "¿Cómo se silencia la alerta?")
	bottest.Contains(t, "question card", q.Text, "Parking lot", "Asked by", "identifiers were removed")
	bottest.Lacks(t, "question card", q.Text+labels(q), spanish...)
	bottest.Contains(t, "english +1", e.Click("pete", q.ID, q.ActionWith("plus1:", "")).Reply, "+1 noted — 1 colleague wants this answered.")
	says("own +1", e.Click("nina", q.ID, q.ActionWith("plus1:", "")).Reply, "Usted hizo esta pregunta")
	says("status", e.Command("nina", "#4west", "/huddle status"), "«Sepsis alert» está en curso en #4west", "1 encuesta", "1 pregunta abierta")
	says("end refused", e.Command("nina", "#4west", "/huddle end"), "Solo quien organiza el huddle (Sam Reyes)")

	// Sue schedules in Spanish; the card her command posts is the channel's.
	says("schedule", e.Command("sue", "#4west", "/huddle schedule tue,thu 07:45"), "Programado.", "«Tech huddle» — mar y jue a las 07:45",
		"organiza Sue Park")
	sched := e.Must("sam", "#4west", "📅 Recurring huddle: Tech huddle")
	bottest.Contains(t, "schedule card", sched.Text, "Tue and Thu at 07:45", "hosted by Sue Park")
	bottest.Lacks(t, "schedule card", sched.Text, spanish...)
	says("list", e.Command("nina", "#4west", "/huddle schedule list"), "Huddles periódicos en #4west:", "«Tech huddle»", "mar y jue a las 07:45")

	bottest.Contains(t, "english end", e.Command("sam", "#4west", "/huddle end"), "Huddle ended")
	sum := e.Must("sam", "#4west", "Huddle summary: Sepsis alert")
	bottest.Contains(t, "summary", sum.Text, "Attendance", "Polls", "Parking lot")
	bottest.Lacks(t, "summary", sum.Text, spanish...)
	says("rating", e.Click("nina", sum.ID, sum.ActionWith("hrate:", ":4")).Reply, "Gracias: valoró «Sepsis alert» con 4/5")
}
