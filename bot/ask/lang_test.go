package ask_test

import (
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
)

// TestAskInMembersLanguage: Nina has chosen Spanish, Sue too, Sam has
// not. Nina's /ask usage, her reply and her own card are in Spanish; the
// routed card is in each super-user's language (Sue's Spanish, Sam's
// English); the helpdesk post speaks the workspace default; Sue's claim
// and the note it sends Nina are in Spanish.
func TestAskInMembersLanguage(t *testing.T) {
	t.Parallel()
	e := newAskEnv(t, store.SQLite, bot.Config{HelpdeskChannel: "#helpdesk"})
	for _, u := range []string{"nina", "sue"} {
		e.Command(u, "dm", "/learn language es")
	}

	usage := e.Command("nina", "#4west", "/ask")
	bottest.Contains(t, "Spanish /ask usage", usage, "Uso: `/ask TEXTO`", "superusuarios de guardia de 4west", "De guardia ahora en 4west: Sam Reyes y Sue Park.")

	rep := e.Command("nina", "#4west", "/ask ¿Cómo reimprimo una pulsera? Llame al 555-123-4567")
	bottest.Contains(t, "Spanish ask reply", rep, "Enviada a Sam Reyes y Sue Park, de guardia en 4west.", "Le avisaré por mensaje directo", "número de teléfono")
	mine := e.Must("nina", "dm", "Su pregunta")
	bottest.Contains(t, "Nina's card", mine.Text, "Enviada a Sam Reyes (4west) y Sue Park (4west). Esperando a que alguien la tome.")
	bottest.Contains(t, "Nina's button", labels(mine), "Lo resolví por mi cuenta")
	if mine.Card == nil || mine.Card.Lang != "es" {
		t.Errorf("Nina's card language: %+v", mine.Card)
	}

	sue := e.Must("sue", "dm", "Pregunta de Nina Patel (nurse, 4west)")
	bottest.Contains(t, "Sue's routed card", sue.Text, "Quien la tome primero se encarga.")
	bottest.Contains(t, "Sue's button", labels(sue), "Yo me encargo")
	sam := e.Must("sam", "dm", "Question from Nina Patel (nurse, 4west)")
	bottest.Contains(t, "Sam's routed card", sam.Text, "The first to take it gets it.")
	bottest.Contains(t, "Sam's button", labels(sam), "I'll take it")

	claim := e.Click("sue", sue.ID, sue.Action("claim:"))
	bottest.Contains(t, "Sue's claim", claim.Reply, "Es suya: Nina Patel sabe que usted se encarga")
	note := e.Must("nina", "dm", "se encarga de su pregunta")
	bottest.Contains(t, "Nina's note", note.Text, "Sue Park (nurse, 4west) se encarga de su pregunta")
	bottest.Contains(t, "Nina's buttons", labels(note), "Responder", "Resuelta")
	bottest.Contains(t, "Sam's card after the claim", e.Eventually("sam", "dm", sam.ID, "Claimed by Sue Park.").Text, "Claimed by Sue Park.")

	if got := e.Click("sam", sam.ID, sam.Action("claim:")).Reply; !strings.Contains(got, "Already claimed by Sue Park") {
		t.Errorf("Sam's late claim (English): %q", got)
	}
}

// labels is a message's button labels, one a line.
func labels(m bottest.Msg) string {
	var out []string
	for _, a := range m.Actions {
		out = append(out, a.Label)
	}
	return strings.Join(out, "\n")
}
