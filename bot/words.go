package bot

import (
	"context"
	"fmt"
	"strconv"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Words and parsing shared by the capabilities.

// UsageIn is the reply to a malformed command in l's language: its form
// (the command's words as typed, its placeholders in l's language:
// i18n.UsageForm) and a hint (translated). Req.Usage is the request's.
func UsageIn(l *i18n.Localizer, form, hint string) Reply {
	return Reply{Text: l.T("core.usage", i18n.Data{"Form": l.UsageForm(form), "Hint": hint})}
}

// DeptNameIn names a department in a sentence in l's language; "" is the
// member's own unit.
func DeptNameIn(l *i18n.Localizer, d string) string {
	if d == "" {
		return l.T("core.your_unit", nil)
	}
	return d
}

// ParseID returns args[i] as a positive id; ok is false when it is missing
// or not one.
func ParseID(args []string, i int) (int64, bool) {
	if len(args) <= i {
		return 0, false
	}
	id, err := strconv.ParseInt(args[i], 10, 64)
	return id, err == nil && id > 0
}

// ErrStale answers a click on a card whose record is gone or not the
// clicker's.
var ErrStale = &UserError{Key: "core.stale_button"}

// LessonVersion returns a lesson as it was at version (cached: a version
// never changes).
func (b *Bot) LessonVersion(ctx context.Context, id string, version int) (*lessons.Lesson, error) {
	return b.LessonVersionIn(ctx, b.DB, id, version)
}

// LessonVersionIn is LessonVersion reading through q (a transaction).
func (b *Bot) LessonVersionIn(ctx context.Context, q store.Queryer, id string, version int) (*lessons.Lesson, error) {
	key := fmt.Sprintf("%s@%d", id, version)
	if l, ok := b.versions.Load(key); ok {
		return l.(*lessons.Lesson), nil
	}
	l, err := b.DB.LessonVersionIn(ctx, q, id, version)
	if err != nil {
		return nil, err
	}
	b.versions.Store(key, l)
	return l, nil
}

// ObserveAnswer counts a recorded quiz answer on /metrics.
func ObserveAnswer(correct bool) {
	metricAnswers.WithLabelValues(strconv.FormatBool(correct)).Inc()
}

// ObserveConfirm counts an answer confirmed through its click's reply hook
// by result ("replaced", "ephemeral", "failed") on /metrics.
func ObserveConfirm(result string) {
	metricConfirms.WithLabelValues(result).Inc()
}

// ContentLanguage returns the language m reads lessons in: their own
// (any BCP 47 tag: content may be translated into languages the bot does
// not speak) or else the workspace default.
func (b *Bot) ContentLanguage(m *member.Member) string {
	if m != nil && m.Language != "" {
		return m.Language
	}
	if b.Config.DefaultLanguage != "" {
		return b.Config.DefaultLanguage
	}
	return lessons.DefaultLanguage
}

// PromptLanguage decides what a prompt of lesson l to m is shown in: the
// translation into m's language when l has one, else l's own language, and
// then requested is m's language (the card says it has no translation).
func (b *Bot) PromptLanguage(m *member.Member, l *lessons.Lesson) (shown, requested string) {
	want := b.ContentLanguage(m)
	_, shown, ok := l.In(want, b.Config.DefaultLanguage)
	if !ok {
		requested = want
	}
	return shown, requested
}

// DeliveryLesson returns the lesson of delivery d as it was shown: the
// version it recorded, in the language it recorded (reads through q).
func (b *Bot) DeliveryLesson(ctx context.Context, q store.Queryer, d *store.Delivery) (*lessons.Lesson, error) {
	l, err := b.LessonVersionIn(ctx, q, d.LessonID, d.LessonVersion)
	if err != nil {
		return nil, err
	}
	shown, _, _ := l.In(d.Language, b.Config.DefaultLanguage)
	return shown, nil
}

// NotTranslatedNote is the line a prompt carries when its lesson has no
// translation into the member's language (requested) and is shown in
// shown's: said in the member's language, naming shown's language in it.
func NotTranslatedNote(requested, shown, workspaceDefault string) string {
	l := i18n.For(i18n.Resolve(requested, workspaceDefault))
	return l.T("lesson.not_translated", i18n.Data{"Language": LanguageName(l, shown)})
}

// LanguageName names the language of a BCP 47 tag in l's language
// ("Spanish", "español", "portugués (Brasil)"); the tag itself when it
// has no name.
func LanguageName(l *i18n.Localizer, tag string) string {
	if in, err := language.Parse(l.Lang()); err == nil {
		if t, err := language.Parse(tag); err == nil {
			if n := display.Tags(in).Name(t); n != "" {
				return n
			}
		}
	}
	return tag
}

// redactKinds name the kinds of identifier redact.Text reports.
var redactKinds = map[string]string{
	"MRN": "redact.kind.mrn", "SSN": "redact.kind.ssn", "address": "redact.kind.address",
	"age over 89": "redact.kind.age", "date": "redact.kind.date", "email": "redact.kind.email",
	"member id": "redact.kind.member_id", "name": "redact.kind.name", "phone number": "redact.kind.phone",
}

// RedactNotice tells a person, in l's language, which kinds of identifier
// (redact.Text's kinds) were removed from what they typed; "" when none.
func RedactNotice(l *i18n.Localizer, kinds []string) string {
	if len(kinds) == 0 {
		return ""
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k
		if key, ok := redactKinds[k]; ok {
			names[i] = l.T(key, nil)
		}
	}
	return l.T("redact.notice", i18n.Data{"Kinds": l.List(names)})
}
