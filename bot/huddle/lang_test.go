package huddle_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
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
