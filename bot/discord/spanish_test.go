package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/discord/discordfake"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// requireSpanish checks a type 4 response only the actor sees that says
// want, with none of the bot's English (allow aside).
func requireSpanish(t testing.TB, status int, r response, want string, allow ...string) {
	t.Helper()
	requireEphemeral(t, status, r, want)
	bottest.NoEnglish(t, "reply", r.Data.Content, allow...)
}

// medrecText is what the test content's quiz and burst say: English, as
// they have no translation (shown with a note saying so).
var medrecText = []string{"Reconciling home medications at admission", "When must home medications be reconciled?",
	"At admission, transfer and discharge", "Only at discharge", "Only when the patient brings a list",
	"Reconciling at every transition catches omissions and duplicates.", "Use the home medication list in the admission navigator.",
	"Medication reconciliation update"}

// es makes an interaction come from a Discord client set to Spanish.
func es(m map[string]any) map[string]any {
	m["locale"] = "es-ES"
	return m
}

// TestSpanishLoop: a person whose Discord client is in Spanish gets the
// whole daily loop in Spanish — join, the quiz DM, the answer, the
// answered card, /learn stats, usage and error replies — and /learn
// language en switches to English for good, over the client's locale,
// with their numbers unchanged.
func TestSpanishLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		ctx := context.Background()

		status, r := e.post(es(e.fresh(fixture(t, "command_learn_join"))))
		requireSpanish(t, status, r, "¡Le damos la bienvenida, nurse en 4west! Recibirá un breve consejo o una pregunta cada día laborable (de lunes a viernes)")
		if m := e.member(ninaID); m.Language != "es-ES" || m.LanguageSource != member.LanguagePlatform {
			t.Fatalf("member language %q from %q; want es-ES from the platform", m.Language, m.LanguageSource)
		}

		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("next"))))
		requireSpanish(t, status, r, "📬 Enviado a sus mensajes directos", medrecText...)
		dm := "9" + ninaID
		posts := e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)
		if body := string(posts[0].Body); !strings.Contains(body, "toque una respuesta") || strings.Contains(body, "tap an answer") {
			t.Fatalf("quiz DM not in Spanish: %s", body)
		}
		ids := decodeSent(t, posts[0]).customIDs()

		status, r = e.post(es(e.click(ninaID, dm, ids[0])))
		requireSpanish(t, status, r, "✅ ¡Correcto!")
		edits := e.fake.WaitCalls("PATCH", "/channels/"+dm+"/messages/", 1, nil)
		if body := string(edits[0].Body); !strings.Contains(body, "✅ Correcto:") || !strings.Contains(body, "🔥 Racha: 1 día") ||
			!strings.Contains(body, "Con bastante seguridad") || !strings.Contains(body, "Cuéntenos más") {
			t.Fatalf("answered card not in Spanish: %s", body)
		}
		status, r = e.post(es(e.click(ninaID, dm, ids[1])))
		requireSpanish(t, status, r, "Ya respondió esta pregunta", medrecText...)

		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("stats"))))
		if status != 200 || !strings.Contains(string(r.Data.Embeds[0]), "Sus estadísticas de huddlebot") ||
			!strings.Contains(string(r.Data.Embeds[0]), "Respondidas") {
			t.Fatalf("stats not in Spanish: %d %s %v", status, r.Data.Content, r.Data.Embeds)
		}
		before, err := db.MemberStatsGet(ctx, db, e.member(ninaID).ID)
		if err != nil {
			t.Fatal(err)
		}

		// Usage and error replies.
		for _, tc := range []struct {
			sub  map[string]any
			want string
		}{
			{subcommand("time", "time", "25:99"), "Uso: `/learn time HH:MM` — 25:99 no es una hora como 08:30"},
			{subcommand("tz", "zone", "Mars/Base"), "No conozco la zona horaria Mars/Base"},
			{subcommand("days", "days", "someday"), "Uso: `/learn days mon-fri`"},
			{subcommand("hours", "hours", "late"), "Uso: `/learn hours HH:MM-HH:MM` — p. ej., /learn hours 07:00-19:30"},
			{subcommand("pause", "days", 400), "el número de días va del 1 al 365"},
			{subcommand("nudges", "state", "maybe"), "Uso: `/learn nudges on|off`"},
			{subcommand("duty", "state", "on"), "Solo los superusuarios pueden ponerse de guardia."},
			{subcommand("language", "language", "fr"), "No hablo fr; idiomas: en (English), es (Español)"},
			{subcommand("resume"), "No está en pausa."},
			{subcommand("help"), "le envía cada día laborable"},
		} {
			status, r := e.post(es(e.command(ninaID, testChannel, "learn", tc.sub)))
			requireSpanish(t, status, r, tc.want)
		}
		status, r = e.post(es(e.command(ninaID, testChannel, "feedback", map[string]any{"name": "text", "type": 3, "value": "muy útil"})))
		requireSpanish(t, status, r, "Gracias; sus comentarios llegaron al equipo de formación.")

		// An interaction that does not match the registered commands.
		status, r = e.post(es(e.fresh(fixture(t, "command_learn_no_subcommand"))))
		requireSpanish(t, status, r, "/learn necesita una de estas opciones: next, join,",
			"next, join, time, tz, days, hours, pause, resume, stats, nudges, duty, duty-hours, language, help") // the subcommands' names
		if !strings.Contains(r.Data.Content, "versión anterior de este comando") {
			t.Errorf("stale-command hint not in Spanish: %q", r.Data.Content)
		}

		// Their own choice beats the client's locale, and keeps history.
		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("language", "language", "en"))))
		requireEphemeral(t, status, r, "From now on I'll write to you in English.")
		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("stats"))))
		if status != 200 || !strings.Contains(string(r.Data.Embeds[0]), "Your huddlebot stats") {
			t.Fatalf("stats after choosing English: %v", r.Data.Embeds)
		}
		after, err := db.MemberStatsGet(ctx, db, e.member(ninaID).ID)
		if err != nil || after.Answered != before.Answered || after.Correct != before.Correct || after.Streak != before.Streak {
			t.Errorf("stats changed with the language: %+v, were %+v (%v)", after, before, err)
		}

		// And back to Spanish: the same numbers, in Spanish again.
		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("language", "language", "es"))))
		requireSpanish(t, status, r, "A partir de ahora le escribiré en español.")
		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("stats"))))
		if raw, _ := json.Marshal(r.Data); status != 200 || !strings.Contains(string(r.Data.Embeds[0]), "Sus estadísticas de huddlebot") {
			t.Fatalf("stats after choosing Spanish again: %v", r.Data.Embeds)
		} else {
			bottest.NoEnglish(t, "stats in Spanish again", shown(t, raw))
		}
		if back, err := db.MemberStatsGet(ctx, db, e.member(ninaID).ID); err != nil || *back != *before {
			t.Errorf("stats changed with the language: %+v, were %+v (%v)", back, before, err)
		}
	})
}

// sofiaID is a super-user and trainer on Nina's unit whose Discord client
// is in Spanish too.
const sofiaID = "53908232506183681"

// shown is what a person reads in a message or interaction response as
// Discord takes it (content, embeds, labels, placeholders), one a line,
// without the JSON's own words.
func shown(t testing.TB, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch s, ok := x.(string); {
				case ok && slices.Contains([]string{"content", "title", "description", "name", "value", "label", "placeholder", "text"}, k):
					out = append(out, s)
				case !ok:
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// TestSpanishAskHuddleBurst: on Discord, Nina and Sofía (a super-user and
// trainer), both with their clients in Spanish, go through /ask (Nina's
// confirmation, Sofía's card and claim, Nina's note), Nina's replies in a
// huddle, a burst Nina receives and answers, and /feedback — every reply
// and every message to them without the bot's English. The huddle's cards
// in the channel speak the workspace's language (Spanish here) and are
// checked too.
func TestSpanishAskHuddleBurst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnvConfig(t, db, bot.Config{DefaultLanguage: "es"}, nil)
		ctx := context.Background()
		lesson := medrecText
		say := func(user, name string, sub map[string]any) string {
			t.Helper()
			status, r := e.post(es(e.command(user, testChannel, name, sub)))
			if status != 200 || r.Type != 4 {
				t.Fatalf("/%s %v: %d type %d %q", name, sub, status, r.Type, r.Data.Content)
			}
			raw, _ := json.Marshal(r.Data)
			text := shown(t, raw)
			bottest.NoEnglish(t, fmt.Sprintf("/%s %v", name, sub), text, lesson...)
			return text
		}
		for _, u := range []string{ninaID, sofiaID} {
			say(u, "learn", subcommand("join", "role", "nurse", "department", "4west"))
		}
		perms := []member.Permission{member.PermSuperUser, member.PermTrainer}
		if err := db.MemberUpdate(ctx, db, e.member(sofiaID).ID, store.MemberSettings{Permissions: &perms}); err != nil {
			t.Fatal(err)
		}
		// Nina works around the clock, so a burst "now" reaches her whatever
		// the time the test runs.
		bottest.Contains(t, "days", say(ninaID, "learn", subcommand("days", "days", "mon-sun")), "todos los días")
		say(ninaID, "learn", subcommand("hours", "hours", "00:00-23:59"))
		bottest.Contains(t, "duty on", say(sofiaID, "learn", subcommand("duty", "state", "on")), "de guardia")

		// /ask.
		text := func(s string) map[string]any { return map[string]any{"name": "text", "type": 3, "value": s} }
		bottest.Contains(t, "/ask", say(ninaID, "ask", text("¿Cómo reimprimo una pulsera?")), "Enviada a")
		dm := func(user string) []discordfake.Call { return e.fake.Calls("POST", "/channels/9"+user+"/messages") }
		var claim string
		bottest.WaitFor(t, 10*time.Second, "Sofía's question card", func() bool {
			for _, c := range dm(sofiaID) {
				for _, id := range decodeSent(t, c).customIDs() {
					if strings.HasPrefix(id, "claim:") {
						claim = id
					}
				}
			}
			return claim != ""
		})
		status, r := e.post(es(e.click(sofiaID, "9"+sofiaID, claim)))
		requireEphemeral(t, status, r, "Es suya")
		bottest.WaitFor(t, 10*time.Second, "Nina's note", func() bool {
			for _, c := range dm(ninaID) {
				if strings.Contains(shown(t, c.Body), "se encarga de su pregunta") {
					return true
				}
			}
			return false
		})

		// Nina's replies in a huddle Sofía hosts.
		say(sofiaID, "huddle", subcommand("start", "title", "Simulacro de caída del sistema"))
		bottest.Contains(t, "/huddle ask", say(ninaID, "huddle", subcommand("ask", "text", "¿Dónde se imprimen las etiquetas?")), "🅿️")
		say(ninaID, "huddle", subcommand("status"))
		say(ninaID, "huddle", subcommand("end")) // not the host: refused
		say(ninaID, "huddle", subcommand("agenda", "text", "Impresoras"))
		say(sofiaID, "huddle", subcommand("end"))

		// A burst Nina receives and answers.
		say(sofiaID, "burst", subcommand("send", "id", "medrec-update", "now", true))
		var ans string
		bottest.WaitFor(t, 10*time.Second, "the burst in Nina's DM", func() bool {
			for _, c := range dm(ninaID) {
				if strings.Contains(shown(t, c.Body), "🆕") {
					ans = decodeSent(t, c).customIDs()[0]
				}
			}
			return ans != ""
		})
		status, r = e.post(es(e.click(ninaID, "9"+ninaID, ans)))
		requireEphemeral(t, status, r, "¡Correcto!")
		bottest.Contains(t, "/feedback", say(ninaID, "feedback", text("muy útil")), "Gracias")

		// The huddle's cards and summary in the channel speak the
		// workspace's Spanish.
		e.wait()
		var channel []discordfake.Call
		for _, c := range append(e.fake.Calls("POST", "/channels/"+testChannel+"/messages"), e.fake.Calls("PATCH", "/channels/"+testChannel+"/messages/")...) {
			if len(c.Body) > 0 {
				channel = append(channel, c)
				bottest.NoEnglish(t, "huddle "+c.Method+" "+c.Path, shown(t, c.Body), "Simulacro de caída del sistema", "Nina (4W)")
			}
		}
		if len(channel) < 2 {
			t.Errorf("%d huddle messages in the channel, want the card and the summary", len(channel))
		}

		// Every message and edit to both of them.
		for _, who := range []string{ninaID, sofiaID} {
			for _, c := range append(dm(who), e.fake.Calls("PATCH", "/channels/9"+who+"/messages/")...) {
				if len(c.Body) > 0 {
					bottest.NoEnglish(t, c.Method+" "+c.Path, shown(t, c.Body), lesson...)
				}
			}
		}
	})
}
