package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// rosa's Slack profile is in Spanish (users.info locale es-419).
var rosa = slackfake.User{ID: "U200", Name: "rosa", RealName: "Rosa Díaz", TZ: "America/Chicago", Locale: "es-419"}

// TestSpanishEndToEnd: a person whose Slack profile is in Spanish gets the
// daily loop in Spanish — the join reply (the profile read at the join
// carries the locale), the quiz DM, the answered card, /learn stats and the
// usage and error replies; /learn language en switches her to English over
// the profile and keeps her history.
func TestSpanishEndToEnd(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(rosa)
		text := func(rep map[string]any) string { s, _ := rep["text"].(string); return s }

		if txt := text(e.command("U200", "join nurse")); !strings.HasPrefix(txt, "¡Le damos la bienvenida, nurse! Recibirá un breve consejo") ||
			!strings.Contains(txt, "a las 08:30 America/Chicago") {
			t.Fatalf("join reply = %q", txt)
		}
		if m := e.member("U200"); m.Language != "es-419" || m.LanguageSource != member.LanguagePlatform {
			t.Fatalf("member language %q from %q; want es-419 from the profile", m.Language, m.LanguageSource)
		}
		if txt := text(e.command("U200", "")); !strings.HasPrefix(txt, "📬 Enviado a sus mensajes directos") {
			t.Fatalf("/learn reply = %q", txt)
		}
		bottest.WaitFor(t, 10*time.Second, "the lesson DM", func() bool { return len(e.dmFor("U200")) == 1 })
		dm := e.dmFor("U200")[0]
		if b := string(dm.Blocks); !strings.Contains(b, "Lección del día") && !strings.Contains(b, "Incorporación") {
			t.Fatalf("lesson DM not in Spanish: %s", b)
		}
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
		}

		stats := e.command("U200", "stats")
		if txt := text(stats); !strings.Contains(txt, "Sus estadísticas de huddlebot") || !strings.Contains(txt, "Respondidas") {
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
		} {
			if txt := text(e.command("U200", cmd)); !strings.Contains(txt, want) {
				t.Errorf("/learn %s = %q, want %q", cmd, txt, want)
			}
		}
		status, body := e.send(formType, e.commandBody("U200", "/nope", "", "C1"), time.Now())
		if status != http.StatusOK || !strings.Contains(string(body), "No conozco /nope. Pruebe /learn help.") {
			t.Errorf("unknown command: %d %s", status, body)
		}

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
	})
}

// TestSpanishAppHome: the App Home of a person who chose Spanish is in
// Spanish.
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
}
