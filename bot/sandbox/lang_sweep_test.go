package sandbox_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
)

// TestSpanishUsageAndErrors sweeps the usage and error replies of every
// command through the sandbox API as people who speak Spanish — Lucía (a
// learner), Sam (a super-user hosting a huddle) and Tara (a trainer) once
// they chose Spanish — and a dead button, a stale form: each reply says
// something, in Spanish, with none of the bot's English.
func TestSpanishUsageAndErrors(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	var allow []string // names, titles typed here, the bursts' English titles
	allow = append(allow, "Sam Reyes", "Sue Park", "Lucía Hernández", "Simulacro")
	for _, b := range e.Bot.Content().Bursts {
		allow = append(allow, b.Title)
	}
	for _, u := range []string{"sam", "tara"} {
		bottest.Contains(t, u+" /learn language es", e.Command(u, "dm", "/learn language es"), "A partir de ahora le escribiré en español.")
	}
	for _, tc := range []struct{ user, channel, text string }{
		{"lucia", "dm", "/learn join"},
		{"lucia", "dm", "/learn join astronaut"},
		{"lucia", "dm", "/learn time"},
		{"lucia", "dm", "/learn time 25:00"},
		{"lucia", "dm", "/learn tz"},
		{"lucia", "dm", "/learn tz Mars/Base"},
		{"lucia", "dm", "/learn days"},
		{"lucia", "dm", "/learn days someday"},
		{"lucia", "dm", "/learn hours"},
		{"lucia", "dm", "/learn hours late"},
		{"lucia", "dm", "/learn pause 0"},
		{"lucia", "dm", "/learn pause x"},
		{"lucia", "dm", "/learn resume"},
		{"lucia", "dm", "/learn nudges"},
		{"lucia", "dm", "/learn nudges maybe"},
		{"lucia", "dm", "/learn duty on"},
		{"lucia", "dm", "/learn duty hours 07:00-15:00"},
		{"lucia", "dm", "/learn language"},
		{"lucia", "dm", "/learn language xx"},
		{"lucia", "dm", "/learn frobnicate"},
		{"lucia", "dm", "/learn help"},
		{"lucia", "dm", "/ask"},
		{"lucia", "dm", "/feedback"},
		{"lucia", "dm", "/nope"},
		{"lucia", "dm", "learn"},
		{"lucia", "dm", "/huddle start Simulacro"},
		{"lucia", "dm", "/burst"},
		{"lucia", "dm", "/burst list"},
		{"sam", "dm", "/learn duty maybe"},
		{"sam", "dm", "/learn duty hours"},
		{"sam", "dm", "/learn duty hours late"},
		{"lucia", "#4west", "/huddle"},
		{"lucia", "#4west", "/huddle frobnicate"},
		{"lucia", "#4west", "/huddle start Simulacro"},
		{"lucia", "#4west", "/huddle status"},
		{"lucia", "#4west", "/huddle end"},
		{"lucia", "#4west", "/huddle ask"},
		{"lucia", "#4west", "/huddle help"},
		{"sam", "#4west", "/huddle end"},
		{"sam", "#4west", "/huddle poll \"¿Listos?\""},
		{"sam", "#4west", "/huddle start"},
		{"sam", "#4west", "/huddle start --anonymous"},
		{"sam", "#4west", "/huddle schedule"},
		{"sam", "#4west", "/huddle schedule tue"},
		{"sam", "#4west", "/huddle schedule list"},
		{"sam", "#4west", "/huddle schedule cancel"},
		{"sam", "#4west", "/huddle schedule cancel 99"},
		{"sam", "#4west", "/huddle start Simulacro"},
		{"sam", "#4west", "/huddle start Simulacro"},
		{"sam", "#4west", "/huddle agenda"},
		{"sam", "#4west", "/huddle poll"},
		{"sam", "#4west", "/huddle poll \"¿Listos?\" \"Sí\""},
		{"sam", "#4west", "/huddle poll \"¿Listos?\" \"Sí\" \"Sí\""},
		{"sam", "#4west", "/huddle poll \"¿Listos?\" \"Sí\" \"No\" --multi=5"},
		{"sam", "#4west", "/huddle poll \"¿Listos?\" \"Sí\" \"No\" --closes=soon"},
		{"sam", "#4west", "/huddle rate"},
		{"sam", "#4west", "/huddle rate \"¿Útil?\" \"Sí\""},
		{"sam", "#4west", "/huddle end now"},
		{"tara", "dm", "/burst"},
		{"tara", "dm", "/burst frobnicate"},
		{"tara", "dm", "/burst send"},
		{"tara", "dm", "/burst send inexistente"},
		{"tara", "dm", "/burst status"},
		{"tara", "dm", "/burst status secure-chat-launch"},
		{"tara", "dm", "/burst preview secure-chat-launch surgeon"},
		{"tara", "dm", "/burst cancel secure-chat-launch"},
		{"tara", "dm", "/burst list"},
	} {
		got := e.Command(tc.user, tc.channel, tc.text)
		what := tc.user + " in " + tc.channel + ": " + tc.text
		if strings.TrimSpace(got) == "" {
			t.Errorf("%s: no reply", what)
		}
		bottest.NoEnglish(t, what, got, allow...)
	}

	// A button that does nothing, a form that is gone.
	e.Command("lucia", "dm", "/learn")
	msgs := e.Messages("lucia", "dm")
	if len(msgs) == 0 {
		t.Fatal("no lesson in Lucía's DM")
	}
	dead := e.Click("lucia", msgs[len(msgs)-1].ID, "nonsense:1").Reply
	bottest.Contains(t, "a dead button", dead, "Ese botón ya no hace nada.")
	bottest.NoEnglish(t, "a dead button", dead)
	gone := e.Submit("lucia", "more:999999", "texto")
	bottest.NoEnglish(t, "a stale form", gone)
	if strings.TrimSpace(gone) == "" {
		t.Error("a stale form: no reply")
	}
}

// TestSpanishNudge: Lucía leaves the day's question unanswered; the one
// gentle reminder that comes hours later is in Spanish.
func TestSpanishNudge(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	var quiz bottest.Msg
	for i := 0; i < 6 && quiz.Action("ans:") == ""; i++ {
		e.Call("POST", "/sandbox/api/clock", map[string]string{"to": "next", "user": "lucia"}, nil)
		if ms := e.Messages("lucia", "dm"); len(ms) > 0 {
			quiz = ms[len(ms)-1]
		}
	}
	if quiz.Action("ans:") == "" {
		t.Fatal("no quiz reached Lucía")
	}
	e.Call("POST", "/sandbox/api/clock", map[string]string{"advance": "5h"}, nil)
	nudge := e.Must("lucia", "dm", "⏰")
	bottest.Contains(t, "the reminder", nudge.Text, "Recordatorio amable")
	bottest.NoEnglish(t, "the reminder", nudge.Text)
}

// TestSpanishAskConversation: a whole /ask conversation between Lucía and
// Sam, a super-user who chose Spanish — the question, the claim, Sam's
// reply through the form, Lucía's answer, resolved, rated, tagged — with
// every reply, form, message and button either of them sees in Spanish.
func TestSpanishAskConversation(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{HelpdeskChannel: "#helpdesk"})
	e.Command("sam", "dm", "/learn language es")
	const question = "¿Cómo reimprimo una pulsera?"
	allow := []string{"Sam Reyes", "Sue Park", "Lucía Hernández", question}
	for _, l := range e.Bot.Content().Lessons {
		allow = append(allow, l.Tags...) // the tag menu lists the content's tags ("in-basket")
	}
	check := func(what, text string) {
		t.Helper()
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s: nothing said", what)
		}
		bottest.NoEnglish(t, what, text, allow...)
	}
	// newest returns user's newest DM with an action starting with prefix.
	newest := func(user, prefix string) bottest.Msg {
		t.Helper()
		ms := e.Messages(user, "dm")
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].Action(prefix) != "" {
				return ms[i]
			}
		}
		t.Fatalf("%s has no message with a %s button", user, prefix)
		return bottest.Msg{}
	}
	form := func(what string, r bottest.SandboxReply) string {
		t.Helper()
		if r.Form == nil {
			t.Fatalf("%s: no form, reply %q", what, r.Reply)
		}
		check(what, r.Form.Title+"\n"+r.Form.Label+"\n"+r.Form.Placeholder+"\n"+r.Form.Submit)
		return r.Form.ID
	}

	check("/ask", e.Command("lucia", "dm", "/ask "+question))
	card := newest("sam", "claim:")
	check("the claim", e.Click("sam", card.ID, card.Action("claim:")).Reply)
	id := form("Sam's reply form", e.Click("sam", newest("sam", "sreply:").ID, newest("sam", "sreply:").Action("sreply:")))
	check("Sam's reply sent", e.Submit("sam", id, "Use la impresora de la recepción."))
	relay := e.Must("lucia", "dm", "Use la impresora de la recepción.")
	id = form("Lucía's reply form", e.Click("lucia", relay.ID, relay.Action("sreply:")))
	check("Lucía's reply sent", e.Submit("lucia", id, "Gracias, ya funciona."))
	resolve := newest("lucia", "resolve:")
	check("resolved", e.Click("lucia", resolve.ID, resolve.Action("resolve:")).Reply)
	rate := newest("lucia", "srate:")
	check("rated", e.Click("lucia", rate.ID, rate.ActionWith("srate:", ":5")).Reply)
	tag := newest("sam", "stag:")
	check("tagged", e.Click("sam", tag.ID, tag.Action("stag:")).Reply)

	for _, u := range []string{"lucia", "sam"} {
		for _, m := range e.Messages(u, "dm") {
			text := m.Text
			for _, a := range m.Actions {
				text += "\n" + a.Label
			}
			check(u+"'s message "+strconv.FormatInt(m.ID, 10), text)
		}
	}
}

// TestSpanishHostAndTrainerReplies: what a super-user and a trainer who
// chose Spanish are told when things work — a recurring huddle scheduled
// and listed, a huddle's agenda, a poll posted, the end; a burst sent, its
// status and its preview — none with the bot's English (the bursts'
// untranslated lessons aside).
func TestSpanishHostAndTrainerReplies(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	allow := []string{"Sam Reyes", "Simulacro"}
	for _, b := range e.Bot.Content().Bursts {
		allow = append(allow, b.Title)
		for _, id := range b.Lessons {
			if l := e.Bot.Content().Lesson(id); l != nil {
				allow = append(append(allow, l.Title, l.Question, l.Explanation, l.Body), l.Choices...)
			}
		}
	}
	for _, u := range []string{"sam", "tara"} {
		e.Command(u, "dm", "/learn language es")
	}
	for _, tc := range []struct{ user, channel, text string }{
		{"sam", "#4west", "/huddle schedule tue,thu 07:45 Simulacro"},
		{"sam", "#4west", "/huddle schedule list"},
		{"sam", "#4west", "/huddle start Simulacro"},
		{"sam", "#4west", "/huddle agenda Impresoras y pulseras"},
		{"sam", "#4west", "/huddle poll \"¿Listos?\" \"Sí\" \"No\""},
		{"sam", "#4west", "/huddle rate \"¿Útil?\""},
		{"sam", "#4west", "/huddle status"},
		{"sam", "#4west", "/huddle end"},
		{"sam", "#4west", "/huddle schedule cancel 1"},
		{"tara", "dm", "/burst list"},
		{"tara", "dm", "/burst preview secure-chat-launch front_desk"},
		{"tara", "dm", "/burst send secure-chat-launch"},
		{"tara", "dm", "/burst status secure-chat-launch"},
		{"tara", "dm", "/burst cancel secure-chat-launch"},
	} {
		got := e.Command(tc.user, tc.channel, tc.text)
		what := tc.user + " in " + tc.channel + ": " + tc.text
		if strings.TrimSpace(got) == "" {
			t.Errorf("%s: no reply", what)
		}
		bottest.NoEnglish(t, what, got, allow...)
	}
}
