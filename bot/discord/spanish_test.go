package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

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
		requireEphemeral(t, status, r, "¡Le damos la bienvenida, nurse en 4west! Recibirá un breve consejo o una pregunta cada día laborable (de lunes a viernes)")
		if m := e.member(ninaID); m.Language != "es-ES" || m.LanguageSource != member.LanguagePlatform {
			t.Fatalf("member language %q from %q; want es-ES from the platform", m.Language, m.LanguageSource)
		}

		status, r = e.post(es(e.command(ninaID, testChannel, "learn", subcommand("next"))))
		requireEphemeral(t, status, r, "📬 Enviado a sus mensajes directos")
		dm := "9" + ninaID
		posts := e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)
		if body := string(posts[0].Body); !strings.Contains(body, "toque una respuesta") || strings.Contains(body, "tap an answer") {
			t.Fatalf("quiz DM not in Spanish: %s", body)
		}
		ids := decodeSent(t, posts[0]).customIDs()

		status, r = e.post(es(e.click(ninaID, dm, ids[0])))
		requireEphemeral(t, status, r, "✅ ¡Correcto!")
		edits := e.fake.WaitCalls("PATCH", "/channels/"+dm+"/messages/", 1, nil)
		if body := string(edits[0].Body); !strings.Contains(body, "✅ Correcto:") || !strings.Contains(body, "🔥 Racha: 1 día") ||
			!strings.Contains(body, "Con bastante seguridad") || !strings.Contains(body, "Cuéntenos más") {
			t.Fatalf("answered card not in Spanish: %s", body)
		}
		status, r = e.post(es(e.click(ninaID, dm, ids[1])))
		requireEphemeral(t, status, r, "Ya respondió esta pregunta")

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
			requireEphemeral(t, status, r, tc.want)
		}
		status, r = e.post(es(e.command(ninaID, testChannel, "feedback", map[string]any{"name": "text", "type": 3, "value": "muy útil"})))
		requireEphemeral(t, status, r, "Gracias; sus comentarios llegaron al equipo de formación.")

		// An interaction that does not match the registered commands.
		status, r = e.post(es(e.fresh(fixture(t, "command_learn_no_subcommand"))))
		requireEphemeral(t, status, r, "/learn necesita una de estas opciones: next, join,")
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
	})
}
