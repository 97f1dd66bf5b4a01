package learn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestPromptInMembersLanguage: Lucía (front desk, Spanish) gets the
// Spanish card, answers it and sees the Spanish result; the answer is
// recorded as given in Spanish and counts for the lesson in the report of
// every language. Switching to English keeps that answer and sends English
// from then on. A lesson without a translation into the member's language
// comes in its own, with a note in the member's language (Spanish for
// Nina; English, the bot's, for a Portuguese speaker).
func TestPromptInMembersLanguage(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		e := bottest.NewSandbox(t, backend, bot.Config{})
		ctx := context.Background()
		content := e.Bot.Content()
		var d store.Delivery
		latest := func(user string) {
			t.Helper()
			err := e.DB.GetContext(ctx, &d, e.DB.Rebind(`SELECT d.id AS id, d.lesson_id AS lessonid, d.language AS language,
				d.requested_language AS requestedlanguage FROM delivery d JOIN member m ON m.id = d.member_id
				WHERE m.user_id = ? ORDER BY d.id DESC LIMIT 1`), user)
			if err != nil {
				t.Fatal(err)
			}
		}

		if rep := e.Command("lucia", "dm", "/learn"); rep == "" {
			t.Fatal("/learn: no reply")
		}
		latest("lucia")
		l := content.Lesson(d.LessonID)
		es := l.Translations["es"]
		if d.Language != "es" || d.RequestedLanguage != "" || es == nil {
			t.Fatalf("Lucía's prompt: lesson %s shown in %q (requested %q); want its Spanish translation", d.LessonID, d.Language, d.RequestedLanguage)
		}
		if !l.IsQuiz() {
			t.Fatalf("Lucía's first lesson %s is a tip; the test answers a quiz", l.ID)
		}
		card := e.Must("lucia", "dm", es.Title)
		if strings.Contains(card.Text, l.Title) || strings.Contains(card.Text, "not available in your language") {
			t.Errorf("Spanish card shows English:\n%s", card.Text)
		}
		if l.IsQuiz() {
			for i, ch := range es.Choices {
				if card.ActionWith(fmt.Sprintf("ans:%d:", d.ID), fmt.Sprint(i+1)) == "" || !strings.Contains(card.Text, ch) {
					t.Errorf("Spanish card lacks choice %d %q:\n%s", i+1, ch, card.Text)
				}
			}
			e.Click("lucia", card.ID, fmt.Sprintf("ans:%d:%d", d.ID, l.Answer))
			answered := e.Eventually("lucia", "dm", card.ID, es.Explanation[:40])
			if !strings.Contains(answered.Text, es.Choices[l.Answer-1]) {
				t.Errorf("answered card does not name the right choice in Spanish:\n%s", answered.Text)
			}
			if n := e.Count(`SELECT COUNT(*) FROM answer WHERE delivery_id = ? AND language = 'es'`, d.ID); n != 1 {
				t.Fatalf("%d answers recorded in Spanish, want 1", n)
			}
			acc, err := e.DB.ReportAccuracyByLesson(ctx, store.ReportFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range acc {
				if a.LessonID == l.ID && (a.Answers != 1 || a.Correct != 1) {
					t.Errorf("lesson %s in the report of every language: %+v, want Lucía's Spanish answer", l.ID, a)
				}
			}
			split, err := e.DB.ReportAccuracyByLesson(ctx, store.ReportFilter{ByLanguage: true})
			if err != nil || len(split) != 1 || split[0].Language != "es" {
				t.Errorf("by language: %+v %v, want one Spanish row", split, err)
			}
		}

		// Lucía switches to English: what she answered stays hers, and the
		// next lesson comes in English.
		var lucia int64
		if err := e.DB.GetContext(ctx, &lucia, e.DB.Rebind(`SELECT id FROM member WHERE user_id = ?`), "lucia"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.MemberSetLanguage(ctx, e.DB, lucia, "en", member.LanguageChosen); err != nil {
			t.Fatal(err)
		}
		first := d.ID
		e.Command("lucia", "dm", "/learn")
		latest("lucia")
		if d.ID == first || d.Language != "en" || d.RequestedLanguage != "" {
			t.Fatalf("after switching to English: delivery %d in %q (requested %q)", d.ID, d.Language, d.RequestedLanguage)
		}
		e.Must("lucia", "dm", content.Lesson(d.LessonID).Title)
		if l.IsQuiz() && e.Count(`SELECT COUNT(*) FROM answer WHERE member_id = ? AND language = 'es'`, lucia) != 1 {
			t.Error("switching language lost the Spanish answer")
		}

		// No nurse lesson is in Spanish: Nina, who reads Spanish, gets it in
		// English with a note in Spanish; Maya (Portuguese, a language the
		// bot does not speak) with a note in English.
		for _, tc := range []struct{ user, lang, note string }{
			{"nina", "es", "Esta lección aún no está disponible en su idioma; se muestra en inglés."},
			{"maya", "pt-BR", "This lesson is not available in your language yet, so it is shown in English."},
		} {
			var id int64
			if err := e.DB.GetContext(ctx, &id, e.DB.Rebind(`SELECT id FROM member WHERE user_id = ?`), tc.user); err != nil {
				t.Fatal(err)
			}
			if _, err := e.DB.MemberSetLanguage(ctx, e.DB, id, tc.lang, member.LanguageChosen); err != nil {
				t.Fatal(err)
			}
			e.Command(tc.user, "dm", "/learn")
			latest(tc.user)
			if d.Language != "en" || d.RequestedLanguage != tc.lang {
				t.Errorf("%s: delivery in %q, requested %q; want en for %s", tc.user, d.Language, d.RequestedLanguage, tc.lang)
			}
			m := e.Must(tc.user, "dm", content.Lesson(d.LessonID).Title)
			if !strings.Contains(m.Text, tc.note) {
				t.Errorf("%s's card has no note %q:\n%s", tc.user, tc.note, m.Text)
			}
		}
	})
}

// TestSpanishWorkspaceEnglishContent: in a workspace whose default is
// Spanish, the bundled lessons (written in English, and saying so with
// `lang: en`) are not taken for Spanish: Nina, who chose no language, gets
// a nurse lesson (none is translated) in English with the Spanish note, and
// Lucía's front-desk lesson comes in its Spanish translation.
func TestSpanishWorkspaceEnglishContent(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		e := bottest.NewSandbox(t, backend, bot.Config{DefaultLanguage: "es"})
		ctx := context.Background()
		content := e.Bot.Content()
		for _, l := range content.Lessons {
			if l.Lang == "" {
				t.Errorf("bundled lesson %s does not say its language (lang:)", l.ID)
			}
		}
		for _, tc := range []struct{ user, shown, requested string }{
			{"nina", "en", "es"},
			{"lucia", "es", ""},
		} {
			e.Command(tc.user, "dm", "/learn")
			var d store.Delivery
			err := e.DB.GetContext(ctx, &d, e.DB.Rebind(`SELECT d.lesson_id AS lessonid, d.language AS language,
				d.requested_language AS requestedlanguage FROM delivery d JOIN member m ON m.id = d.member_id
				WHERE m.user_id = ? ORDER BY d.id DESC LIMIT 1`), tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if d.Language != tc.shown || d.RequestedLanguage != tc.requested {
				t.Errorf("%s: lesson %s shown in %q, requested %q; want %q, %q", tc.user, d.LessonID, d.Language, d.RequestedLanguage, tc.shown, tc.requested)
			}
			title := content.Lesson(d.LessonID).Title
			if tc.shown == "es" {
				title = content.Lesson(d.LessonID).Translations["es"].Title
			}
			m := e.Must(tc.user, "dm", title)
			note := "Esta lección aún no está disponible en su idioma; se muestra en inglés."
			if strings.Contains(m.Text, note) != (tc.requested != "") {
				t.Errorf("%s's card, note %q expected %v:\n%s", tc.user, note, tc.requested != "", m.Text)
			}
		}
	})
}
