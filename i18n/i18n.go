// Package i18n is huddlebot's message catalogue: every sentence the bot
// says to a person, in each shipped language, with CLDR plural rules
// (github.com/nicksnyder/go-i18n/v2). The catalogues are YAML files
// embedded from locales/ (one per language, flat dotted keys); English is
// the default and complete by definition, and a test fails when a shipped
// language lacks a key or a plural form its CLDR rule needs, or when code
// uses a key no catalogue has.
//
// Callers resolve the language once (Resolve: the member's own, else the
// workspace default) and say things through a Localizer:
//
//	l := i18n.For(lang)
//	l.T("learn.paused", i18n.Data{"Until": l.ShortDate(t)})
//	l.N("learn.stats.streak", streak, nil)
//
// Logs, CLI and operator output stay English and do not go through here.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
	"gopkg.in/yaml.v3"
)

// Default is the language of the bot's own words when nothing else is
// known, and the one every other catalogue falls back to.
const Default = "en"

//go:embed locales/*.yaml
var locales embed.FS

// Data is a message's template data: {{.Name}} in a message is Data{"Name": …}.
type Data = map[string]any

type catalogue struct {
	bundle   *goi18n.Bundle
	shipped  []string                              // base languages, Default first
	messages map[string]map[string]*goi18n.Message // lang → key → message
	err      error
}

var (
	loadOnce sync.Once
	cat      catalogue
	locMu    sync.Mutex
	locs     = map[string]*Localizer{}
)

func load() *catalogue {
	loadOnce.Do(func() { cat = parse(locales) })
	return &cat
}

// parse reads every locales/LANG.yaml of fsys into a bundle.
func parse(fsys fs.FS) catalogue {
	c := catalogue{bundle: goi18n.NewBundle(language.MustParse(Default)), messages: map[string]map[string]*goi18n.Message{}}
	c.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(fsys, "locales/*.yaml")
	if err != nil {
		c.err = err
		return c
	}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			c.err = err
			return c
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, path.Base(name))
		if err != nil {
			c.err = fmt.Errorf("%s: %w", name, err)
			return c
		}
		lang := strings.TrimSuffix(path.Base(name), ".yaml")
		byKey := map[string]*goi18n.Message{}
		for _, m := range mf.Messages {
			byKey[m.ID] = m
		}
		c.messages[lang] = byKey
		c.shipped = append(c.shipped, lang)
	}
	slices.Sort(c.shipped)
	if i := slices.Index(c.shipped, Default); i > 0 {
		c.shipped = append([]string{Default}, slices.Delete(c.shipped, i, i+1)...)
	}
	return c
}

// Shipped returns the languages the bot speaks (base language codes,
// "en" first, then alphabetically).
func Shipped() []string { return slices.Clone(load().shipped) }

// Match returns the shipped language a BCP 47 tag asks for — its base
// language: "es-MX" and "es_419" are "es" — and whether there is one.
// Platform locales come as "es-ES", "es-419" or "en_US"; case does not matter.
func Match(tag string) (string, bool) {
	tag = strings.TrimSpace(strings.ReplaceAll(tag, "_", "-"))
	if tag == "" {
		return "", false
	}
	t, err := language.Parse(tag)
	if err != nil {
		return "", false
	}
	base, _ := t.Base()
	lang := base.String()
	return lang, slices.Contains(load().shipped, lang)
}

// Canonical returns the tag as stored for a member ("es", "pt-BR"), or an
// error a person can act on when it is not a language tag.
func Canonical(tag string) (string, error) {
	t, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if err != nil || strings.TrimSpace(tag) == "" {
		return "", fmt.Errorf("%q is not a language code like en, es or pt-BR", tag)
	}
	return t.String(), nil
}

// Resolve returns the language to speak to a member: their own language
// (memberLang, any BCP 47 tag, normalised to its shipped base language)
// when the bot ships it, else the workspace default when shipped, else
// Default. A member whose language is not shipped (pt-BR) is spoken to in
// the default language. This is the one place that decides it.
func Resolve(memberLang, workspaceDefault string) string {
	if l, ok := Match(memberLang); ok {
		return l
	}
	if l, ok := Match(workspaceDefault); ok {
		return l
	}
	return Default
}

// Localizer says the catalogue's messages in one language. It is safe for
// concurrent use.
type Localizer struct {
	lang string
	loc  *goi18n.Localizer
	num  *message.Printer // numbers as the language writes them (CLDR)
}

// For returns the Localizer of a shipped language; any other tag gets the
// default language's (see Resolve).
func For(lang string) *Localizer {
	lang = Resolve(lang, Default)
	locMu.Lock()
	defer locMu.Unlock()
	if l, ok := locs[lang]; ok {
		return l
	}
	l := &Localizer{lang: lang, loc: goi18n.NewLocalizer(load().bundle, lang), num: message.NewPrinter(language.Make(lang))}
	locs[lang] = l
	return l
}

// Lang returns the localizer's language ("en", "es").
func (l *Localizer) Lang() string { return l.lang }

// T returns the message key with data filled in. A key missing from this
// language falls back to the default language's text; a key no catalogue
// has returns the key itself (a test keeps code from using one).
func (l *Localizer) T(key string, data Data) string {
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil && s == "" {
		return key
	}
	return s
}

// N returns the plural message key for count items, with data filled in
// and {{.Count}} set to count.
func (l *Localizer) N(key string, count int, data Data) string {
	d := make(Data, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["Count"] = count
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: d, PluralCount: count})
	if err != nil && s == "" {
		return key
	}
	return s
}

// Weekday returns a day's name ("Monday", "lunes").
func (l *Localizer) Weekday(d time.Weekday) string {
	return l.T(weekdayKeys[d], nil)
}

// ShortDate formats t's date with its weekday, in the language's own
// order ("Mon 2 Jan", "lunes 2 de enero"); t is already in the member's
// zone.
func (l *Localizer) ShortDate(t time.Time) string { return l.T("date.short", l.dateData(t)) }

// FullDate formats t's date with its year, for a date that may lie in
// another year ("2026-03-02" — English keeps the ISO form of the CLI and
// reports —, "lunes 2 de marzo de 2026"); t is already in the reader's zone.
func (l *Localizer) FullDate(t time.Time) string { return l.T("date.full", l.dateData(t)) }

// dateData is what a date format may name.
func (l *Localizer) dateData(t time.Time) Data {
	return Data{
		"Weekday": l.T(weekdayKeys[t.Weekday()], nil), "WeekdayShort": l.T(weekdayShortKeys[t.Weekday()], nil),
		"Day": t.Day(), "Month": l.T(monthKeys[t.Month()-1], nil), "MonthShort": l.T(monthShortKeys[t.Month()-1], nil),
		"Year": t.Year(), "ISO": t.Format("2006-01-02"),
	}
}

// Clock formats a time of day as the language writes it ("08:30").
func (l *Localizer) Clock(t time.Time) string {
	return l.T("date.clock", Data{"Hour": fmt.Sprintf("%02d", t.Hour()), "Minute": fmt.Sprintf("%02d", t.Minute())})
}

// TimeWithArticle names a time of day as a sentence does after a
// preposition, with the article its language puts before the hour chosen
// by the hour: "08:30" in English ("at 08:30"), "las 08:30" but "la 01:00"
// in Spanish ("a las 08:30", "a la 01:00"). hour is 0–23 and picks the form
// of date.the_time as a plural count; clock is the time as written (Clock's
// "01:00", or "01:00 CET"). A message that says a time after a preposition
// takes it from here, never with an article of its own.
func (l *Localizer) TimeWithArticle(hour int, clock string) string {
	return l.N("date.the_time", hour, Data{"Time": clock})
}

// ClockWithArticle is TimeWithArticle of t's time of day as Clock writes it.
func (l *Localizer) ClockWithArticle(t time.Time) string {
	return l.TimeWithArticle(t.Hour(), l.Clock(t))
}

// List joins items as a sentence does ("a, b and c", "a, b y c"). Before a
// last item that starts with the sound /i/ (i-, hi- but not hie-, hia-) it
// uses list.and_i: Spanish says "Ana e Inés", "agua y hielo".
func (l *Localizer) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	last := items[len(items)-1]
	key := "list.and"
	if startsWithI(last) {
		key = "list.and_i"
	}
	return l.T(key, Data{"Head": strings.Join(items[:len(items)-1], ", "), "Last": last})
}

// startsWithI reports whether s's first word starts with the vowel sound
// /i/: "i", "í", or a silent h before them not followed by another vowel
// ("hi-", "hí-", not "hie-", "hia-": there the i is a consonant). Leading
// marks (quotes, Markdown, an emoji) are skipped.
func startsWithI(s string) bool {
	w := []rune(strings.ToLower(strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })))
	isI := func(r rune) bool { return r == 'i' || r == 'í' }
	switch {
	case len(w) == 0:
		return false
	case isI(w[0]):
		// "i" before another vowel is still a vowel in Spanish words that
		// start with it (Inés, iota is rare); only h+i+vowel is a consonant.
		return true
	case w[0] == 'h' && len(w) > 1 && isI(w[1]):
		return len(w) == 2 || !strings.ContainsRune("aeouáéóú", w[2])
	}
	return false
}

// UsageForm returns a command's usage form with its placeholders said in
// the language and the command's own words kept: "/learn join ROLE
// [DEPARTMENT]" is "/learn join ROL [DEPARTAMENTO]" in Spanish. A
// placeholder is a word that starts with a capital letter (ROLE, Area/City,
// "Question"); its word is usage.word.<lower case> in the catalogue, said
// in the placeholder's case (ROL, Región/Ciudad, "Pregunta"). A capitalised
// word the catalogue has no entry for (HH:MM, ID, N) stays as it is.
func (l *Localizer) UsageForm(form string) string {
	en := load().messages[Default]
	return placeholder.ReplaceAllStringFunc(form, func(w string) string {
		key := "usage.word." + strings.ToLower(w)
		if en[key] == nil {
			return w
		}
		t := l.T(key, nil)
		if t == "" {
			return w
		}
		if strings.ToUpper(w) == w {
			return strings.ToUpper(t)
		}
		r := []rune(t)
		return string(unicode.ToUpper(r[0])) + string(r[1:])
	})
}

// placeholder matches a word of a usage form that may be a placeholder.
var placeholder = regexp.MustCompile(`\p{Lu}\p{L}+`)

// Decimal formats v with exactly digits decimals as the language writes
// numbers (CLDR): "4.5" and "1,234.5" in English, "4,5" and "1234,5" in
// Spanish.
func (l *Localizer) Decimal(v float64, digits int) string {
	return l.printer().Sprint(number.Decimal(v, number.Scale(digits)))
}

// Percent formats a whole percentage as the language writes it (CLDR):
// "40%" in English, "40 %" (a no-break space) in Spanish.
func (l *Localizer) Percent(n int) string {
	return l.printer().Sprint(number.Percent(float64(n) / 100))
}

func (l *Localizer) printer() *message.Printer {
	if l.num == nil {
		return message.NewPrinter(language.Make(l.lang))
	}
	return l.num
}

// The calendar's words, by time.Weekday and month-1.
var (
	weekdayKeys      = [7]string{"date.weekday.sun", "date.weekday.mon", "date.weekday.tue", "date.weekday.wed", "date.weekday.thu", "date.weekday.fri", "date.weekday.sat"}
	weekdayShortKeys = [7]string{"date.weekday_short.sun", "date.weekday_short.mon", "date.weekday_short.tue", "date.weekday_short.wed", "date.weekday_short.thu", "date.weekday_short.fri", "date.weekday_short.sat"}
	monthKeys        = [12]string{"date.month.jan", "date.month.feb", "date.month.mar", "date.month.apr", "date.month.may", "date.month.jun", "date.month.jul", "date.month.aug", "date.month.sep", "date.month.oct", "date.month.nov", "date.month.dec"}
	monthShortKeys   = [12]string{"date.month_short.jan", "date.month_short.feb", "date.month_short.mar", "date.month_short.apr", "date.month_short.may", "date.month_short.jun", "date.month_short.jul", "date.month_short.aug", "date.month_short.sep", "date.month_short.oct", "date.month_short.nov", "date.month_short.dec"}
)

// Err returns the error loading the embedded catalogues met, if any (a
// test and `serve` check it; a broken file never ships).
func Err() error { return load().err }

// Sources returns the templates of every message of a shipped language,
// each plural form on its own, ordered by key then form; nil for a
// language the bot does not ship. Checks that a text was not left in
// another language compare against these.
func Sources(lang string) []string {
	msgs := load().messages[lang]
	keys := make([]string, 0, len(msgs))
	for k := range msgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		m := msgs[k]
		for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
