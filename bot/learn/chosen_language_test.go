package learn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// statValues are the values of a stats card, in order (the labels are
// the language's).
func statValues(c *bot.Card) []string {
	var out []string
	for _, f := range c.Fields {
		out = append(out, f.Value)
	}
	return out
}

// TestLanguageSwitchKeepsHistory: a member answers in English, switches to
// Spanish with /learn language es and is answered in Spanish from then on;
// their answers and streak are theirs, not a language's, so the numbers
// are the same. A platform locale does not override their choice; back to
// English, the numbers are still the same.
func TestLanguageSwitchKeepsHistory(t *testing.T) {
	t.Parallel()
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	ctx := context.Background()
	actor := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "rosa"}
	cmd := func(text string) bot.Reply {
		t.Helper()
		return e.Bot.HandleCommand(ctx, bot.Command{Actor: actor, Channel: "dm", Name: "learn", Text: text})
	}
	cmd("join front_desk")
	// Answer every prompt /learn sends until a quiz has been answered.
	answered := 0
	for i := 0; i < 6 && answered == 0; i++ {
		cmd("")
		var ds []struct {
			ID     int64  `db:"id"`
			Lesson string `db:"lesson_id"`
		}
		if err := e.DB.SelectContext(ctx, &ds, `SELECT d.id, d.lesson_id FROM delivery d JOIN lesson l ON l.id = d.lesson_id
			WHERE l.kind = 'quiz' AND d.answered_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			rep := e.Bot.HandleClick(ctx, bot.Click{Actor: actor, Channel: "dm", ActionID: fmt.Sprintf("ans:%d:1", d.ID)})
			if rep.Failed {
				t.Fatalf("answer: %q", rep.Text)
			}
			answered++
		}
	}
	if answered == 0 {
		t.Fatal("no quiz reached the member")
	}
	en := cmd("stats")
	if en.Card == nil || en.Card.Title != "📊 Your huddlebot stats" {
		t.Fatalf("stats in English: %+v", en)
	}
	if rep := cmd("language es"); rep.Text != "A partir de ahora le escribiré en español. Sus respuestas, su racha y sus repasos se mantienen tal como están." {
		t.Errorf("switch: %q", rep.Text)
	}
	es := cmd("stats")
	if es.Card == nil || es.Card.Title != "📊 Sus estadísticas de huddlebot" || es.Card.Fields[0].Label != "Respondidas" {
		t.Fatalf("stats in Spanish: %+v", es.Card)
	}
	ev, sv := statValues(en.Card), statValues(es.Card)
	for i := 0; i < 5; i++ { // the numbers; the last field is the next prompt, in words
		if digits(sv[i]) != digits(ev[i]) || digits(ev[i]) == "" {
			t.Errorf("stat %d after switching: %q, was %q", i, sv[i], ev[i])
		}
	}
	if !strings.Contains(sv[5], "mañana a las 08:30") {
		t.Errorf("next prompt in Spanish: %q", sv[5])
	}
	// The platform says en-US: the member's own choice stands.
	actor.Locale = "en-US"
	if rep := cmd("nope"); !strings.HasPrefix(rep.Text, "No conozco `/learn nope`.") {
		t.Errorf("after a platform locale: %q", rep.Text)
	}
	m, err := e.DB.MemberByUser(ctx, e.DB, mustWorkspace(t, e), "rosa")
	if err != nil || m.Language != "es" || m.LanguageSource != member.LanguageChosen {
		t.Fatalf("member language %q from %q, %v", m.Language, m.LanguageSource, err)
	}
	if rep := cmd("language en"); !strings.HasPrefix(rep.Text, "From now on I'll write to you in English.") {
		t.Errorf("back to English: %q", rep.Text)
	}
	if back := cmd("stats"); fmt.Sprint(statValues(back.Card)[:5]) != fmt.Sprint(ev[:5]) {
		t.Errorf("stats back in English %v, were %v", statValues(back.Card), ev)
	}
}

// digits keeps the numbers of a stat ("0 (0 %)" and "0 (0%)" are the same
// numbers, "1 día" and "1 day" too).
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == ' ' {
			return r
		}
		return -1
	}, strings.Join(strings.Fields(s), ""))
}

func mustWorkspace(t *testing.T, e *bottest.Env) int64 {
	t.Helper()
	ws, err := e.Bot.Workspace(context.Background(), "sandbox", "local")
	if err != nil {
		t.Fatal(err)
	}
	return ws.ID
}

// TestLanguageUsage: /learn language without a language, or with one the
// bot does not speak, gets a usage hint listing the shipped languages, in
// the member's language; nothing changes.
func TestLanguageUsage(t *testing.T) {
	t.Parallel()
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	for text, want := range map[string]string{
		"language":         "Usage: `/learn language es|en|…` — the language I speak to you in (now English); languages: en (English), es (Español)",
		"language pt-BR":   "Usage: `/learn language es|en|…` — I don't speak pt-BR; languages: en (English), es (Español)",
		"language es en":   "Usage: `/learn language es|en|…` — the language I speak to you in (now English)",
		"language klingon": "Usage: `/learn language es|en|…` — I don't speak klingon",
	} {
		if rep := learnAs(t, e.Bot, "ana", text); !strings.HasPrefix(rep, want) {
			t.Errorf("/learn %s: %q, want %q…", text, rep, want)
		}
	}
	learnAs(t, e.Bot, "ana", "language es-MX")
	if rep := learnAs(t, e.Bot, "ana", "language fr"); rep != "Uso: `/learn language es|en|…` — No hablo fr; idiomas: en (English), es (Español)" {
		t.Errorf("usage in Spanish: %q", rep)
	}
}

// TestSpanishSchedule: the schedule's sentences — dates, weekday names, the
// reason a prompt is not sooner — are in the member's language.
func TestSpanishSchedule(t *testing.T) {
	t.Parallel()
	// Saturday 2026-12-05 03:00 in New York is 08:00 UTC.
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, now)
	learnAs(t, e.Bot, "nina", "language es")
	learnAs(t, e.Bot, "nina", "join nurse")
	learnAs(t, e.Bot, "nina", "tz America/New_York")
	rep := learnAs(t, e.Bot, "nina", "stats")
	if !strings.Contains(rep, "el lunes a las 08:30: hoy (sábado) no es uno de sus días de trabajo (de lunes a viernes)") {
		t.Errorf("stats on a Saturday: %q", rep)
	}
	if rep := learnAs(t, e.Bot, "nina", "pause 14"); !strings.HasPrefix(rep, "En pausa hasta el sábado 19 de diciembre.") {
		t.Errorf("pause: %q", rep)
	}
	if rep := learnAs(t, e.Bot, "nina", "days mon,wed,fri"); !strings.HasPrefix(rep, "Sus días de trabajo son ahora lun, mié y vie.") {
		t.Errorf("days: %q", rep)
	}
}

// TestDailyPromptInSpanish: the scheduler's daily prompt to a member who
// chose Spanish carries the bot's words in Spanish (why it came, the
// buttons), like the cards /learn sends.
func TestDailyPromptInSpanish(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC) // Tuesday, before the 08:30 delivery
	e := bottest.OpenEnv(t, storetest.Open(t, store.SQLite), at, bottest.EnvOptions{Work: true})
	ctx := context.Background()
	learnAs(t, e.Bot, "rosa", "language es")
	learnAs(t, e.Bot, "rosa", "join nurse")
	tick := time.Date(2026, 11, 24, 8, 31, 0, 0, time.UTC)
	e.Clock.Set(tick)
	if err := e.Bot.Tick(ctx, tick); err != nil {
		t.Fatal(err)
	}
	var cards []string
	bottest.WaitFor(t, 10*time.Second, "the daily prompt's message", func() bool {
		cards = nil
		_ = e.DB.SelectContext(ctx, &cards, `SELECT m.card FROM message m JOIN delivery d ON d.id = m.delivery_id WHERE d.scheduled`)
		return len(cards) == 1
	})
	c := cards[0]
	if !strings.Contains(c, `"lang":"es"`) || !(strings.Contains(c, "toque una respuesta") || strings.Contains(c, "Entendido")) ||
		strings.Contains(c, "tap an answer") || strings.Contains(c, "Daily lesson") {
		t.Errorf("daily prompt not in Spanish: %s", c)
	}
}
