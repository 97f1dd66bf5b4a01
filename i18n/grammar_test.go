package i18n

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Spanish says "a la 01:00" (one o'clock is singular) and "a las 08:30";
// English has no article.
func TestTimeWithArticle(t *testing.T) {
	for _, tc := range []struct {
		lang string
		hour int
		want string
	}{
		{"es", 1, "la 01:00"},
		{"es", 0, "las 00:00"},
		{"es", 2, "las 02:00"},
		{"es", 13, "las 13:00"},
		{"es", 21, "las 21:00"},
		{"en", 1, "01:00"},
		{"en", 13, "13:00"},
	} {
		at := time.Date(2026, 3, 2, tc.hour, 0, 0, 0, time.UTC)
		if got := For(tc.lang).ClockWithArticle(at); got != tc.want {
			t.Errorf("%s ClockWithArticle(%02d:00) = %q, want %q", tc.lang, tc.hour, got, tc.want)
		}
	}
	if got := For("es").TimeWithArticle(1, "01:30 CET"); got != "la 01:30 CET" {
		t.Errorf("es TimeWithArticle(1, 01:30 CET) = %q", got)
	}
}

// No Spanish message writes the article of a time itself ("a las
// {{.Time}}" would say "a las 01:00"): it comes with the time from
// TimeWithArticle.
func TestSpanishTimesTakeTheirArticleFromTheHour(t *testing.T) {
	own := regexp.MustCompile(`\b(a|de|desde|hasta|para) las? \{\{`)
	for key, m := range load().messages["es"] {
		if key == "date.the_time" {
			continue
		}
		for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			if own.MatchString(src) {
				t.Errorf("es %s writes a time's article itself: %q", key, src)
			}
		}
	}
}

// Spanish "y" becomes "e" before the sound /i/ (i-, hi-, but not hie-).
func TestSpanishListConjunction(t *testing.T) {
	es, en := For("es"), For("en")
	for _, tc := range []struct {
		items []string
		want  string
	}{
		{[]string{"Ana", "Inés"}, "Ana e Inés"},
		{[]string{"correo", "teléfono", "historia clínica"}, "correo, teléfono e historia clínica"},
		{[]string{"agua", "hielo"}, "agua y hielo"},
		{[]string{"Luis", "Íñigo"}, "Luis e Íñigo"},
		{[]string{"Luis", "**Isabel**"}, "Luis e **Isabel**"},
		{[]string{"Luis", "hiato"}, "Luis y hiato"},
		{[]string{"Luis", "Marta"}, "Luis y Marta"},
		{[]string{"Luis", "Yolanda"}, "Luis y Yolanda"},
	} {
		if got := es.List(tc.items); got != tc.want {
			t.Errorf("es List(%q) = %q, want %q", tc.items, got, tc.want)
		}
	}
	if got := en.List([]string{"Ana", "Inés"}); got != "Ana and Inés" {
		t.Errorf("en List = %q", got)
	}
}

// A usage form's placeholders are said in the language; the command's
// own words (learn, join, now, on|off, --multi) stay as the command.
func TestUsageForm(t *testing.T) {
	es, en := For("es"), For("en")
	for form, want := range map[string]string{
		"/learn join ROLE [DEPARTMENT]":                        "/learn join ROL [DEPARTAMENTO]",
		"/learn tz Area/City":                                  "/learn tz Área/Ciudad",
		"/learn time HH:MM":                                    "/learn time HH:MM",
		"/learn pause [DAYS]":                                  "/learn pause [DÍAS]",
		"/burst send ID [now]":                                 "/burst send ID [now]",
		"/feedback TEXT":                                       "/feedback TEXTO",
		`/huddle poll "Question" "Option" [--multi[=N]]`:       `/huddle poll "Pregunta" "Opción" [--multi[=N]]`,
		"/huddle schedule DAYS HH:MM TITLE [--remind MINUTES]": "/huddle schedule DÍAS HH:MM TÍTULO [--remind MINUTOS]",
	} {
		if got := es.UsageForm(form); got != want {
			t.Errorf("es UsageForm(%q) = %q, want %q", form, got, want)
		}
		if got := en.UsageForm(form); got != form {
			t.Errorf("en UsageForm(%q) = %q, want it unchanged", form, got)
		}
	}
}

// Every placeholder of a usage form in the code ("/learn join ROLE …")
// has its word in the catalogue, so no Spanish usage says ROLE. HH:MM, ID
// and N are the same in every shipped language.
func TestUsagePlaceholdersHaveWords(t *testing.T) {
	en := load().messages[Default]
	same := map[string]bool{"HH": true, "MM": true, "ID": true}
	command := regexp.MustCompile(`^/(learn|huddle|burst|ask|feedback)\b`)
	fset, files := goFiles(t)
	forms := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !command.MatchString(s) {
				return true
			}
			forms++
			for _, w := range placeholder.FindAllString(s, -1) {
				if !same[w] && en["usage.word."+strings.ToLower(w)] == nil {
					t.Errorf("%s: usage placeholder %s has no usage.word.%s", fset.Position(lit.Pos()), w, strings.ToLower(w))
				}
			}
			return true
		})
	}
	if forms == 0 {
		t.Fatal("no usage form found in the code: the scan is broken")
	}
}

// No message of another language names a usage placeholder in English
// (`/learn join ROLE` in a Spanish sentence): it says its own word.
func TestNoEnglishPlaceholdersInTranslations(t *testing.T) {
	c := load()
	en := c.messages[Default]
	for _, lang := range c.shipped[1:] {
		for key := range en {
			word, ok := strings.CutPrefix(key, "usage.word.")
			if !ok || For(lang).T(key, nil) == For(Default).T(key, nil) {
				continue
			}
			english := regexp.MustCompile(`\b` + strings.ToUpper(word) + `\b`)
			for k, m := range c.messages[lang] {
				for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
					if english.MatchString(src) {
						t.Errorf("%s %s says the placeholder %s in English: %q", lang, k, strings.ToUpper(word), src)
					}
				}
			}
		}
	}
}
