package burst_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestBurstInMembersLanguage: a trainer who chose Spanish gets /burst's
// usage, errors and replies in Spanish; a nurse who chose Spanish gets the
// burst's prompts with their note in Spanish; an English trainer's replies
// stay English.
func TestBurstInMembersLanguage(t *testing.T) {
	t.Parallel()
	e := newBurstEnv(t, storetest.Open(t, store.SQLite), burstTuesday10, true)
	ids := e.add(t, person{id: "tere", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
		person{id: "tara", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
		person{id: "lucia", role: "nurse", dept: "4west", perms: []member.Permission{}})
	ctx := context.Background()
	for _, u := range []string{"tere", "lucia"} {
		if _, err := e.DB.MemberSetLanguage(ctx, e.DB, ids[u], "es", member.LanguageChosen); err != nil {
			t.Fatal(err)
		}
	}
	cmd := func(user, text string) string {
		return e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
			Channel: "dm", Name: "burst", Text: text}).Text
	}
	if r := cmd("lucia", "list"); !strings.Contains(r, "Solo los formadores pueden enviar actualizaciones.") {
		t.Errorf("Spanish learner's /burst list = %q, want the refusal in Spanish", r)
	}
	for _, tc := range []struct{ text, want string }{
		{"", "Uso: `/burst list`"},
		{"frobnicate", "No conozco `/burst frobnicate`."},
		{"send", "Uso: `/burst send ID [now]` — programa la actualización"},
		{"status", "Uso: `/burst status ID` — muestra a quién se envió"},
		{"send no-such-burst", "No existe la actualización \"no-such-burst\". Actualizaciones: secure-chat-launch"},
		{"status secure-chat-launch", "La actualización secure-chat-launch aún no se ha enviado aquí."},
		{"preview secure-chat-launch surgeon", "\"surgeon\" no es un rol de este espacio"},
	} {
		if r := cmd("tere", tc.text); !strings.Contains(r, tc.want) {
			t.Errorf("Spanish /burst %s = %q, want it to contain %q", tc.text, r, tc.want)
		}
	}
	if r := cmd("tara", "frobnicate"); !strings.Contains(r, "I don't know `/burst frobnicate`") {
		t.Errorf("English /burst frobnicate = %q", r)
	}

	cmd("tere", "send secure-chat-launch now")
	e.idle(t)
	var cards []string
	if err := e.DB.SelectContext(ctx, &cards, e.DB.Rebind(`SELECT card FROM message WHERE member_id = ? AND delivery_id IS NOT NULL`), ids["lucia"]); err != nil {
		t.Fatal(err)
	}
	if len(cards) == 0 {
		t.Fatal("Lucía got no burst prompt")
	}
	for _, c := range cards {
		if !strings.Contains(c, "🆕 Novedades") || !strings.Contains(c, `"lang":"es"`) {
			t.Errorf("Lucía's burst prompt is not in Spanish: %s", c)
		}
	}
	if r := cmd("tere", "cancel secure-chat-launch"); !strings.Contains(r, "La actualización secure-chat-launch está cancelada") {
		t.Errorf("Spanish /burst cancel = %q", r)
	}
}

// TestBurstRepliesInSpanish: every /burst reply to a trainer who reads
// Spanish is Spanish — list, preview (the lessons in Spanish where
// translated, else in English with a note), a dry run, a send at a start
// time, a send now and again, the status with an unreachable member, a
// cancel and the list and status after it: Spanish words, Spanish dates
// and plurals, and no sentence of the English catalogue.
func TestBurstRepliesInSpanish(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newBurstEnv(t, db, burstTuesday10, true)
		ids := e.add(t, person{id: "tere", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
			person{id: "lucia", role: "nurse", dept: "4west"},
			person{id: "noche", role: "nurse", dept: "5east", night: true},
			person{id: "ida", role: "ma", dept: "clinic"})
		ctx := context.Background()
		if _, err := e.DB.MemberSetLanguage(ctx, e.DB, ids["tere"], "es", member.LanguageChosen); err != nil {
			t.Fatal(err)
		}
		// One lesson of the burst has a Spanish translation (as a
		// secure-chat-no-orders.es.md beside it would give).
		noOrders := e.Bot.Content().Lesson("secure-chat-no-orders")
		noOrders.Translations = map[string]*lessons.Translation{"es": {Title: "Las órdenes no van por chat",
			Question: "¿Puede un proveedor dar una orden de medicación por un mensaje de chat seguro?",
			Choices: []string{"Sí, si el mensaje indica fármaco, dosis y vía", "No; las órdenes se registran en la entrada de órdenes",
				"Sí, si la enfermera responde para confirmarla", "Sí, pero solo para dosis únicas"},
			Explanation: "Un mensaje de chat se salta las comprobaciones de alergias, interacciones y dosis."}}
		// English the replies may hold: the bursts' titles, and the
		// lessons with no Spanish translation, shown in English with the
		// note saying so.
		allow := []string{"Secure chat inside the EHR", "New sepsis screening alert"}
		items, err := e.burst.BurstPreview("secure-chat-launch", "nurse", "", "es")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Requested != "" {
				allow = append(allow, it.Card.Text())
				allow = append(allow, it.Lesson.Choices...)
			}
		}
		cmd := func(text string) string {
			t.Helper()
			r := e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "tere"},
				Channel: "dm", Name: "burst", Text: text}).Text
			bottest.NoEnglish(t, "/burst "+text, r, allow...)
			return r
		}
		says := func(text string, want ...string) string {
			t.Helper()
			r := cmd(text)
			for _, w := range want {
				if !strings.Contains(r, w) {
					t.Errorf("/burst %s lacks %q:\n%s", text, w, r)
				}
			}
			return r
		}

		says("list", "Actualizaciones:",
			"• secure-chat-launch — «Secure chat inside the EHR» · todo a la vez · 4 lecciones · para physician, nurse, ma, front_desk · sin enviar",
			"· una lección al día · 5 lecciones ·")
		preview := says("preview secure-chat-launch nurse",
			"Vista previa de la actualización secure-chat-launch «Secure chat inside the EHR» (todo a la vez) tal como la vería alguien con el rol nurse:",
			"— 2/4 · secure-chat-no-orders (pregunta) —", "Las órdenes no van por chat", "2) No; las órdenes se registran en la entrada de órdenes",
			"(Respuesta correcta: 2) No; las órdenes se registran en la entrada de órdenes)", "— 1/4 · secure-chat-overview (consejo) —",
			"Los miembros de este espacio con ese rol leen las lecciones en inglés (2 miembros, 4 de 4 en ese idioma) y español (1 miembro, 1 de 4 en ese idioma)")
		if strings.Contains(preview, "Orders do not go in chat") {
			t.Errorf("the translated lesson is previewed in English:\n%s", preview)
		}
		if n := strings.Count(preview, bot.NotTranslatedNote("es", "en", "")); n != 3 {
			t.Errorf("%d untranslated lessons carry the note, want 3:\n%s", n, preview)
		}
		says("preview secure-chat-launch billing 4west", "(Nota: esta actualización va dirigida a physician, nurse, ma, front_desk, así que alguien con el rol billing de 4west no la recibiría.)",
			"Ninguna lección de esta actualización es para el rol billing de 4west.")

		says("send secure-chat-launch now dry-run", "🔎 Simulación, no se envió nada: la actualización secure-chat-launch «Secure chat inside the EHR» llegaría a 4 miembros con 15 elementos.",
			"Ahora: 3 miembros en su horario de trabajo la recibirían de inmediato; 1 miembro a su próxima hora de envío.",
			"Más tarde, en la hora local de cada uno:\n• 1 miembro hoy a las 19:00 UTC: fuera de su horario de trabajo (19:00–07:30)")
		if n := e.Count(t, `SELECT COUNT(*) FROM burst_send`); n != 0 {
			t.Fatalf("a dry run created %d sends", n)
		}
		says("send sepsis-alert-launch at 2026-12-07 08:00", "📣 Actualización sepsis-alert-launch «New sepsis screening alert» programada para 3 miembros",
			"Empieza el lunes 7 de diciembre de 2026, 08:00 UTC: a la primera hora de envío de cada miembro a partir de entonces.",
			"• 2 miembros el lunes 7 de diciembre a las 08:30 UTC", "Sígala con `/burst status sepsis-alert-launch`.")
		// As Discord's options write it.
		says("send sepsis-alert-launch --at 2026-12-08-08:00 --dry-run", "🔎 Simulación, no se envió nada",
			"Ya se había enviado; enviarla de nuevo solo añade los miembros y las lecciones que aún no la recibieron.",
			"Empieza el martes 8 de diciembre de 2026, 08:00 UTC")
		says("send sepsis-alert-launch at el lunes", "«el» no es una hora de inicio como `at 2026-12-07 08:00` (en su hora).", "Uso: `/burst send ID [now]`")

		says("send secure-chat-launch now", "📣 Actualización secure-chat-launch «Secure chat inside the EHR» programada para 4 miembros (15 elementos, 15 nuevos).",
			"Ahora: 11 mensajes en camino a 3 miembros en su horario de trabajo; 1 miembro a su próxima hora de envío.",
			"• 1 miembro hoy a las 19:00 UTC: fuera de su horario de trabajo (19:00–07:30)", "Sígala con `/burst status secure-chat-launch`.")
		e.idle(t)
		says("send secure-chat-launch now", "La actualización secure-chat-launch ya se había enviado a estos 4 miembros: no se ha duplicado nada")

		// Ida closed her DMs: she is unreachable.
		if _, err := e.DB.ExecContext(ctx, e.DB.Rebind(`UPDATE member SET reachable = ? WHERE id = ?`), false, ids["ida"]); err != nil {
			t.Fatal(err)
		}
		says("status secure-chat-launch", "Actualización secure-chat-launch «Secure chat inside the EHR» (todo a la vez) · enviada el martes 24 de noviembre de 2026, 10:00 UTC · activa",
			"4 miembros como destinatarios; llegó a ", "1 miembro inalcanzable (bloqueó o quitó el bot, o cerró sus mensajes directos): no se reintenta",
			"lección", "destinatarios", "confirmadas", "secure-chat-no-orders", "pregunta", "Aún por enviar, en la hora local de cada miembro:\n  1 miembro hoy a las 19:00 UTC")

		says("cancel secure-chat-launch", "🛑 Actualización secure-chat-launch cancelada: 4 elementos pendientes y 0 mensajes en cola no saldrán.")
		says("status secure-chat-launch", "· cancelada el martes 24 de noviembre de 2026, 10:00 UTC")
		says("send secure-chat-launch", "La actualización secure-chat-launch se canceló el martes 24 de noviembre de 2026; una actualización cancelada no se vuelve a enviar.")
		says("list", "· enviada el martes 24 de noviembre de 2026 a 4 miembros; llegó a ", "; cancelada")

		// The check sees English: the same replies to an English trainer.
		e.add(t, person{id: "tara", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}})
		for _, text := range []string{"list", "status secure-chat-launch", "preview secure-chat-launch nurse", "send secure-chat-launch dry-run"} {
			r := e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "tara"},
				Channel: "dm", Name: "burst", Text: text}).Text
			if text == "preview secure-chat-launch nurse" && !strings.Contains(r, "Members here with this role read the lessons in "+
				"English (3 members, 4 of 4 in that language) and Spanish (1 member, 1 of 4 in that language)") {
				t.Errorf("English preview does not say who reads what:\n%s", r)
			}
			if len(bottest.English(r, allow...)) == 0 {
				t.Errorf("no English sentence found in the English /burst %s:\n%s", text, r)
			}
		}
	})
}

// TestBurstFormatsInSpanish: the replies' rarer shapes in Spanish, with
// each plural form — nobody to send to, a send again with items going out
// now, several unreachable members and a million, a list with nothing
// imported, a cut waiting list and a burst for everyone in a department.
func TestBurstFormatsInSpanish(t *testing.T) {
	t.Parallel()
	es := i18n.For("es")
	bu := &lessons.Burst{ID: "icu-pumps", Title: "Bombas nuevas", Departments: []string{"icu"}, Lessons: []string{"a", "b"}, Pace: lessons.PaceDaily}
	m := &member.Member{Schedule: member.Schedule{Location: time.UTC}}
	for _, tc := range []struct{ got, want string }{
		{burst.FormatBurstSend(es, &burst.BurstSendResult{Burst: bu}, false),
			"No hay a quién enviar la actualización icu-pumps: ningún miembro unido coincide con todos en icu."},
		{burst.FormatBurstSend(es, &burst.BurstSendResult{Burst: bu, Recipients: []burst.BurstRecipient{{Member: m}}, SentNow: 2}, true),
			"La actualización icu-pumps ya se había enviado a este miembro: no se ha duplicado nada y no hay nada nuevo que enviar. 2 elementos pendientes salieron ahora."},
		{burst.FormatBurstSend(es, &burst.BurstSendResult{Burst: bu, Recipients: []burst.BurstRecipient{{Member: m, Immediate: true}}, Items: 1, Added: 1, Created: true}, false),
			"📣 Actualización icu-pumps «Bombas nuevas» programada para 1 miembro (1 elemento, 1 nuevo). Una lección por día de trabajo, a partir de la próxima hora de envío de cada miembro. Sígala con `/burst status icu-pumps`."},
		{burst.FormatBurstList(es, nil, time.UTC), "Todavía no se ha importado ninguna actualización. Añada content/bursts/*.yaml e importe el contenido."},
		{burst.FormatWaiting(es, []burst.Waiting{{Members: 3}, {Members: 1}, {Members: 1}}, "• ", 1), "y 2 miembros más después"},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("got\n%s\nwant it to contain\n%s", tc.got, tc.want)
		}
		bottest.NoEnglish(t, "reply", tc.got, "Bombas nuevas")
	}
	status := func(unreachable int) string {
		return burst.FormatBurstStatus(es, &lessons.Content{}, &burst.Status{BurstStats: &store.BurstStats{
			Send:    &store.BurstSend{BurstID: "icu-pumps", Pace: lessons.PaceAllAtOnce, CreatedAt: time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)},
			Members: unreachable, Unreachable: unreachable}}, time.UTC)
	}
	for n, want := range map[int]string{
		2:       "2 miembros inalcanzables (bloquearon o quitaron el bot, o cerraron sus mensajes directos): no se reintenta",
		1000000: "1000000 de miembros inalcanzables",
	} {
		if got := status(n); !strings.Contains(got, want) || !strings.Contains(got, "enviada el lunes 2 de marzo de 2026, 14:05 UTC") {
			t.Errorf("status with %d unreachable:\n%s", n, got)
		}
	}
}
