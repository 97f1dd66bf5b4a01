package lessons_test

import (
	"slices"
	"testing"

	"github.com/huddlebot/huddlebot/lessons"
)

func TestParseLanguage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"es": "es", "ES": "es", "pt-br": "pt-BR", "zh-hant": "zh-Hant", "es-419": "es-419", " en ": "en"} {
		if got, err := lessons.ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xx", "english", "und", "e", "es_MX", "es-"} {
		if got, err := lessons.ParseLanguage(in); err == nil {
			t.Errorf("ParseLanguage(%q) = %q, want an error", in, got)
		}
	}
}

func TestTranslationLanguage(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"nurse/bcma.es.md": "es", "x.pt-br.md": "pt-BR", "bcma.md": "", "notes.old.md": "", "a.xx.md": "", ".es.md": "",
		"es.md": "", "dir.es/bcma.md": "", "bcma.v2.md": "",
	} {
		if got := lessons.TranslationLanguage(name); got != want {
			t.Errorf("TranslationLanguage(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestLessonIn(t *testing.T) {
	t.Parallel()
	l := &lessons.Lesson{ID: "bcma", Kind: lessons.KindQuiz, Title: "Scan first", Question: "When?",
		Choices: []string{"Always", "Never"}, Answer: 1, Tags: []string{"bcma"},
		Translations: map[string]*lessons.Translation{
			"es":    {Title: "Escanee primero", Question: "¿Cuándo?", Choices: []string{"Siempre", "Nunca"}},
			"pt-BR": {Title: "Escaneie primeiro", Question: "Quando?", Choices: []string{"Sempre", "Nunca"}},
		}}
	for _, tc := range []struct {
		want, def   string
		title, lang string
		available   bool
	}{
		{"", "", "Scan first", "en", true},
		{"en", "", "Scan first", "en", true},
		{"en-GB", "", "Scan first", "en", true},
		{"es", "", "Escanee primero", "es", true},
		{"es-MX", "", "Escanee primero", "es", true},
		{"pt", "", "Escaneie primeiro", "pt-BR", true},
		{"pt-PT", "", "Escaneie primeiro", "pt-BR", true},
		{"fr", "", "Scan first", "en", false},
		{"fr", "de", "Scan first", "de", false},
		// The original says no language and the workspace's is es: the es
		// translation is still what a Spanish speaker reads.
		{"es", "es", "Escanee primero", "es", true},
		{"", "es", "Scan first", "es", true},
	} {
		got, lang, ok := l.In(tc.want, tc.def)
		if got.Title != tc.title || lang != tc.lang || ok != tc.available {
			t.Errorf("In(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.want, tc.def, got.Title, lang, ok, tc.title, tc.lang, tc.available)
		}
		if got.ID != l.ID || got.Answer != l.Answer || got.Kind != l.Kind || !slices.Equal(got.Tags, l.Tags) || len(got.Choices) != 2 {
			t.Errorf("In(%q): %+v lost the original's id, kind, answer or tags", tc.want, got)
		}
		if got != l && (got.Translations != nil || got.Lang != lang) {
			t.Errorf("In(%q): translated lesson %+v keeps translations or names another language", tc.want, got)
		}
	}
	es, _, _ := l.In("es", "")
	es.Choices[0] = "changed"
	if l.Translations["es"].Choices[0] != "Siempre" {
		t.Error("the translated lesson shares its choices with the translation")
	}
	if got := l.Languages(""); !slices.Equal(got, []string{"en", "es", "pt-BR"}) {
		t.Errorf("Languages = %v", got)
	}
	before := (&lessons.Lesson{ID: "bcma", Kind: lessons.KindQuiz, Title: "Scan first", Question: "When?",
		Choices: []string{"Always", "Never"}, Answer: 1, Tags: []string{"bcma"}}).Hash()
	if l.Hash() == before {
		t.Error("a lesson's translations do not change its hash: a changed translation would not be a new version")
	}
}
