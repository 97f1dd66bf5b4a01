package lessons

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// DefaultLanguage is the language of a lesson that does not say, in a
// workspace that does not say either (HUDDLEBOT_LANGUAGE unset).
const DefaultLanguage = "en"

// tagShape is what a language tag in a file name looks like (es, pt-BR,
// zh-Hant, es-419); whether it names a language is ParseLanguage's call.
var tagShape = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// ParseLanguage returns s as a canonical BCP 47 tag ("pt-br" → "pt-BR",
// "ES" → "es"), or an error when s is not a tag or names no language the
// CLDR knows ("xx", "english", "und").
func ParseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !tagShape.MatchString(s) {
		return "", fmt.Errorf("%q is not a language code like en, es or pt-BR", s)
	}
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return "", fmt.Errorf("%q is not a known language: use a code like en, es or pt-BR", s)
	}
	return tag.String(), nil
}

// baseLanguage is the language of a canonical tag without its region or
// script: "es" for "es-MX".
func baseLanguage(tag string) string {
	b, _, _ := strings.Cut(tag, "-")
	return b
}

// TranslationLanguage returns the language a lesson file's name says it is
// a translation into — "es" for "bcma.es.md", "pt-BR" for "x.pt-br.md" —
// or "" for a file named like an original ("bcma.md", "notes.old.md"). The
// language in a file name is a two-letter ISO 639-1 code with an optional
// region or script, so that a name like notes.old.md ("old" is a language
// too) stays an original.
func TranslationLanguage(name string) string {
	stem := strings.TrimSuffix(path.Base(name), path.Ext(name))
	i := strings.LastIndexByte(stem, '.')
	if i <= 0 {
		return ""
	}
	suffix := stem[i+1:]
	if base, _, _ := strings.Cut(suffix, "-"); len(base) != 2 {
		return ""
	}
	tag, err := ParseLanguage(suffix)
	if err != nil {
		return ""
	}
	return tag
}

// Translation is what a learner reads of a lesson in another language: every
// text field of the original, translated. Kind, answer, roles, departments
// and tags are the original's.
type Translation struct {
	Title       string   `json:"title"`
	Question    string   `json:"question,omitempty"`
	Choices     []string `json:"choices,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
	Body        string   `json:"body,omitempty"`

	// Path is the file the translation came from, relative to the content
	// root (not stored).
	Path string `json:"-"`
}

// Language returns the language the lesson is written in: its lang field,
// or def (the workspace default) when it has none, or DefaultLanguage.
func (l *Lesson) Language(def string) string {
	switch {
	case l.Lang != "":
		return l.Lang
	case def != "":
		return def
	}
	return DefaultLanguage
}

// Languages returns the languages the lesson can be shown in: its own
// (see Language) first, then its translations', sorted.
func (l *Lesson) Languages(def string) []string {
	out := []string{l.Language(def)}
	return append(out, slices.Sorted(maps.Keys(l.Translations))...)
}

// In returns the lesson as a member whose language is want reads it, and
// the language it is in: the translation into want (or into the same
// language with another region or none: es for es-MX), else the lesson as
// written (in its own language, see Language with def). An exact
// translation wins over an original that has no lang field. ok is false when
// the lesson has nothing in want's language, so the member reads it in
// shown instead. The lesson returned has no Translations and never aliases
// l's slices; l itself is returned when it is shown as written.
func (l *Lesson) In(want, def string) (shown *Lesson, lang string, ok bool) {
	own := l.Language(def)
	if t := l.Translations[want]; t != nil {
		// Before the original: a lesson without a lang field in a workspace
		// whose default is es, with an es translation, is not in Spanish.
		return l.translated(want, t), want, true
	}
	if want == "" || want == own {
		return l, own, true
	}
	// The plain language first (es for es-MX), then the same language with
	// another region (es-ES for es-MX).
	base := baseLanguage(want)
	if own == base {
		return l, own, true
	}
	if t := l.Translations[base]; t != nil {
		return l.translated(base, t), base, true
	}
	if baseLanguage(own) == base {
		return l, own, true
	}
	for _, tag := range slices.Sorted(maps.Keys(l.Translations)) {
		if baseLanguage(tag) == base {
			return l.translated(tag, l.Translations[tag]), tag, true
		}
	}
	return l, own, false
}

// translated is a copy of l with t's text, in language tag.
func (l *Lesson) translated(tag string, t *Translation) *Lesson {
	c := *l
	c.Lang, c.Translations = tag, nil
	c.Title, c.Question, c.Explanation, c.Body = t.Title, t.Question, t.Explanation, t.Body
	c.Choices = append([]string(nil), t.Choices...)
	return &c
}
