package bottest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
)

// The detector finds the bot's English where a Spanish speaker should see
// none, and none in the Spanish catalogue or the Spanish lessons.
func TestNoEnglish(t *testing.T) {
	data := regexp.MustCompile(`\{\{[^}]*\}\}`)
	for _, s := range i18n.Sources("es") {
		if found := bottest.English(data.ReplaceAllString(s, "X")); len(found) > 0 {
			t.Errorf("the Spanish catalogue's %q counts as English: %q", s, found)
		}
	}
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Lessons {
		if es := l.Translations["es"]; es != nil {
			text := strings.Join(append([]string{es.Title, es.Question, es.Explanation, es.Body}, es.Choices...), "\n")
			if found := bottest.English(text); len(found) > 0 {
				t.Errorf("the Spanish lesson %s counts as English: %q", l.ID, found)
			}
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"📊 Your huddlebot stats", "Your"},
		{"Racha: 3 · Next prompt: mañana", "Next"},
		{"¡Correcto! This question will come back in a few days.", "This question will come back in a few days"},
		{"Gracias. Tap “Tell us more” if you have a minute to say why.", "if you have a minute to say why"},
		{"🔥 Streak: 2 días", "Streak"},
		{"No conozco /nope. Try /learn help.", "Try"},
	} {
		if found := bottest.English(tc.text); !strings.Contains(strings.Join(found, "|"), tc.want) {
			t.Errorf("English(%q) = %q, want %q among them", tc.text, found, tc.want)
		}
	}
	for _, text := range []string{
		"Uso: `/learn time HH:MM` — 7 no es una hora como 08:30",
		"/learn necesita una de estas opciones: next, join, time",
		"Pruebe /learn stats o `/huddle poll \"Question\" \"Option\"`",
	} {
		if found := bottest.English(text); len(found) > 0 {
			t.Errorf("English(%q) = %q, want nothing: commands stay English", text, found)
		}
	}
	const lesson = "Verify the patient's identity with two identifiers."
	if found := bottest.English("🌐 Esta lección aún no está disponible en su idioma. "+lesson, lesson); len(found) > 0 {
		t.Errorf("allowed lesson text still found: %q", found)
	}
}
