package huddles

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
)

// Verb is a /huddle subcommand.
type Verb string

// Verbs.
const (
	VerbHelp           Verb = "help"
	VerbStatus         Verb = "status"
	VerbStart          Verb = "start"
	VerbEnd            Verb = "end"
	VerbAgenda         Verb = "agenda"
	VerbSchedule       Verb = "schedule"
	VerbScheduleList   Verb = "schedule list"
	VerbScheduleCancel Verb = "schedule cancel"
	VerbPoll           Verb = "poll" // also /huddle rate
	VerbAsk            Verb = "ask"
)

// Usage lines, shown with a problem when a command is malformed.
const (
	UsageStart    = "/huddle start TITLE"
	UsageEnd      = "/huddle end"
	UsageAgenda   = "/huddle agenda TEXT"
	UsageSchedule = "/huddle schedule DAYS HH:MM TITLE [--remind MINUTES] · /huddle schedule list · /huddle schedule cancel ID"
	UsagePoll     = `/huddle poll "Question" "Option" "Option" … [--multi[=N]] [--anonymous] [--hidden] [--closes 10m] [--rating]`
	UsageRate     = `/huddle rate "Question" [--anonymous] [--hidden] [--closes 10m]`
	UsageAsk      = "/huddle ask [--anonymous] TEXT"
)

// Help is the full /huddle help text in l's language.
func Help(l *i18n.Localizer) string {
	return l.T("huddles.help", i18n.Data{"Start": l.UsageForm(UsageStart), "End": UsageEnd, "Agenda": l.UsageForm(UsageAgenda),
		"Poll": l.UsageForm(UsagePoll), "Rate": l.UsageForm(UsageRate), "Ask": l.UsageForm(UsageAsk)})
}

// ScheduleSpec is a parsed /huddle schedule.
type ScheduleSpec struct {
	Days          member.Weekdays
	At            member.Clock
	Title         string // "" when none was given
	RemindMinutes int
}

// PollSpec is a parsed /huddle poll or /huddle rate.
type PollSpec struct {
	Question   string
	Options    []string
	Kind       PollKind
	MaxChoices int
	Anonymous  bool
	Hidden     bool
	Closes     time.Duration // 0 = closes when the host closes it or the huddle ends
}

// AskSpec is a parsed /huddle ask.
type AskSpec struct {
	Text      string
	Anonymous bool
}

// Command is a parsed /huddle command; the fields of its Verb are set.
type Command struct {
	Verb     Verb
	Title    string // start; may be empty (the channel's recurring huddle)
	Agenda   string
	Schedule ScheduleSpec
	SeriesID int64 // schedule cancel
	Poll     PollSpec
	Ask      AskSpec
}

// UsageError is a malformed command: what is wrong, as a catalogue key
// and its data, and the usage to show. In says it in a person's language;
// Problem is the problem in the default language, for Error and logs.
type UsageError struct {
	Usage   string
	Key     string    // catalogue key of the problem, "" = none (the usage alone)
	Data    i18n.Data // Key's data
	Problem string    // Key said in the default language
}

func (e *UsageError) Error() string { return e.In(i18n.For(i18n.Default)) }

// In returns the problem and the usage in l's language (the usage's
// command words stay as typed; its placeholders are l's: i18n.UsageForm).
func (e *UsageError) In(l *i18n.Localizer) string {
	if e.Key == "" {
		return l.T("huddles.usage", i18n.Data{"Usage": l.UsageForm(e.Usage)})
	}
	problem := l.T(e.Key, e.Data)
	r, n := utf8.DecodeRuneInString(problem)
	return l.T("huddles.usage_problem", i18n.Data{"Problem": string(unicode.ToUpper(r)) + problem[n:], "Usage": l.UsageForm(e.Usage)})
}

// NewUsageError returns the UsageError of a problem the catalogue names:
// key, with data (nil when it has none).
func NewUsageError(usage, key string, data i18n.Data) *UsageError {
	return &UsageError{Usage: usage, Key: key, Data: data, Problem: i18n.For(i18n.Default).T(key, data)}
}

// Why parsePollDuration and tokenize refuse text; the parser turns them
// into catalogue keys.
var (
	errNotDuration    = errors.New("not a duration")
	errDurationRange  = errors.New("duration out of range")
	errQuoteNotClosed = errors.New("a quote is not closed")
)

// ParseCommand parses the text after /huddle. A malformed command returns a
// *UsageError naming the problem and the right form.
func ParseCommand(text string) (Command, error) {
	text = strings.TrimSpace(text)
	verb, rest := splitWord(text)
	switch strings.ToLower(verb) {
	case "", "help", "?":
		return Command{Verb: VerbHelp}, nil
	case "status":
		return Command{Verb: VerbStatus}, nil
	case "start", "begin":
		return parseStart(rest)
	case "end", "stop", "finish":
		if rest != "" {
			return Command{}, NewUsageError(UsageEnd, "huddles.usage.end_trailing", nil)
		}
		return Command{Verb: VerbEnd}, nil
	case "agenda":
		a := strings.TrimSpace(rest)
		if a == "" {
			return Command{}, NewUsageError(UsageAgenda, "huddles.usage.agenda_empty", nil)
		}
		if utf8.RuneCountInString(a) > MaxAgenda {
			return Command{}, NewUsageError(UsageAgenda, "huddles.usage.agenda_long", i18n.Data{"Max": MaxAgenda})
		}
		return Command{Verb: VerbAgenda, Agenda: a}, nil
	case "schedule", "schedules", "series":
		return parseSchedule(rest)
	case "poll":
		return parsePoll(rest, false)
	case "rate", "rating":
		return parsePoll(rest, true)
	case "ask", "q", "question":
		return parseAsk(rest)
	}
	return Command{}, NewUsageError("/huddle start|end|agenda|schedule|poll|rate|ask|status|help",
		"huddles.usage.unknown_verb", i18n.Data{"Verb": verb})
}

func splitWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func parseStart(rest string) (Command, error) {
	title := unquote(strings.TrimSpace(rest))
	if strings.HasPrefix(title, "--") || strings.HasPrefix(title, "—") {
		return Command{}, NewUsageError(UsageStart, "huddles.usage.start_options", nil)
	}
	if utf8.RuneCountInString(title) > MaxTitle {
		return Command{}, NewUsageError(UsageStart, "huddles.usage.title_long", i18n.Data{"Max": MaxTitle})
	}
	return Command{Verb: VerbStart, Title: title}, nil
}

func parseSchedule(rest string) (Command, error) {
	first, tail := splitWord(rest)
	switch strings.ToLower(first) {
	case "":
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_when", nil)
	case "list", "ls", "show":
		if tail != "" {
			return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_list_trailing", nil)
		}
		return Command{Verb: VerbScheduleList}, nil
	case "cancel", "stop", "delete", "remove":
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(tail), "#"), 10, 64)
		if err != nil || id <= 0 {
			return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_cancel_id", nil)
		}
		return Command{Verb: VerbScheduleCancel, SeriesID: id}, nil
	}
	days, err := member.ParseWeekdays(first)
	if err != nil {
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_days", i18n.Data{"Value": first})
	}
	at, tail := splitWord(tail)
	if at == "" {
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_time", nil)
	}
	clock, err := member.ParseClock(at)
	if err != nil {
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.schedule_clock", i18n.Data{"Value": at})
	}
	toks, err := tokenize(tail)
	if err != nil {
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.quote_open", nil)
	}
	spec := ScheduleSpec{Days: days, At: clock, RemindMinutes: DefaultRemind}
	var words []string
	for i := 0; i < len(toks); i++ {
		name, val, hasVal, ok := flagOf(toks[i])
		if !ok {
			words = append(words, toks[i].text)
			continue
		}
		if name != "remind" {
			return Command{}, NewUsageError(UsageSchedule, "huddles.usage.unknown_option", i18n.Data{"Name": name})
		}
		if !hasVal {
			if i+1 >= len(toks) {
				return Command{}, NewUsageError(UsageSchedule, "huddles.usage.remind_number", nil)
			}
			i++
			val = toks[i].text
		}
		n, err := strconv.Atoi(strings.TrimSuffix(val, "m"))
		if err != nil || n < 0 || n > 240 {
			return Command{}, NewUsageError(UsageSchedule, "huddles.usage.remind_range", nil)
		}
		spec.RemindMinutes = n
	}
	spec.Title = strings.Join(words, " ") // "" = untitled: the bot names it in the channel's language
	if utf8.RuneCountInString(spec.Title) > MaxTitle {
		return Command{}, NewUsageError(UsageSchedule, "huddles.usage.title_long", i18n.Data{"Max": MaxTitle})
	}
	return Command{Verb: VerbSchedule, Schedule: spec}, nil
}

func parsePoll(rest string, rating bool) (Command, error) {
	usage := UsagePoll
	if rating {
		usage = UsageRate
	}
	toks, err := tokenize(rest)
	if err != nil {
		return Command{}, NewUsageError(usage, "huddles.usage.quote_open", nil)
	}
	spec := PollSpec{Kind: KindChoice, MaxChoices: 1}
	if rating {
		spec.Kind = KindRating
	}
	multi := -1 // -1 = not given, 0 = any number
	var pos []string
	for i := 0; i < len(toks); i++ {
		name, val, hasVal, ok := flagOf(toks[i])
		if !ok {
			pos = append(pos, strings.TrimSpace(toks[i].text))
			continue
		}
		switch name {
		case "anonymous", "anon":
			spec.Anonymous = true
		case "hidden", "hide":
			spec.Hidden = true
		case "rating":
			spec.Kind = KindRating
		case "multi", "multiple":
			multi = 0
			if hasVal {
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 {
					return Command{}, NewUsageError(usage, "huddles.usage.multi_number", nil)
				}
				multi = n
			}
		case "closes", "close", "for":
			if !hasVal {
				if i+1 >= len(toks) {
					return Command{}, NewUsageError(usage, "huddles.usage.closes_duration", nil)
				}
				i++
				val = toks[i].text
			}
			d, err := parsePollDuration(val)
			if errors.Is(err, errDurationRange) {
				return Command{}, NewUsageError(usage, "huddles.usage.closes_range", i18n.Data{"Value": strings.TrimSpace(val)})
			}
			if err != nil {
				return Command{}, NewUsageError(usage, "huddles.usage.closes_bad", i18n.Data{"Value": strings.TrimSpace(val)})
			}
			spec.Closes = d
		default:
			return Command{}, NewUsageError(usage, "huddles.usage.unknown_option", i18n.Data{"Name": name})
		}
	}
	if len(pos) == 0 || pos[0] == "" {
		return Command{}, NewUsageError(usage, "huddles.usage.question_quotes", nil)
	}
	spec.Question = pos[0]
	if utf8.RuneCountInString(spec.Question) > MaxQuestion {
		return Command{}, NewUsageError(usage, "huddles.usage.question_long", i18n.Data{"Max": MaxQuestion})
	}
	opts := pos[1:]
	if spec.Kind == KindRating {
		if len(opts) > 0 {
			return Command{}, NewUsageError(usage, "huddles.usage.rating_options", nil)
		}
		if multi >= 0 {
			return Command{}, NewUsageError(usage, "huddles.usage.rating_multi", nil)
		}
		spec.Options = append([]string(nil), RatingOptions...)
		return Command{Verb: VerbPoll, Poll: spec}, nil
	}
	if len(opts) < 2 {
		return Command{}, NewUsageError(usage, "huddles.usage.two_options", nil)
	}
	if len(opts) > MaxOptions {
		return Command{}, NewUsageError(usage, "huddles.usage.too_many_options", i18n.Data{"Max": MaxOptions, "Given": len(opts)})
	}
	seen := map[string]bool{}
	for _, o := range opts {
		if o == "" {
			return Command{}, NewUsageError(usage, "huddles.usage.option_empty", nil)
		}
		if utf8.RuneCountInString(o) > MaxOption {
			return Command{}, NewUsageError(usage, "huddles.usage.option_long", i18n.Data{"Max": MaxOption, "Option": o})
		}
		k := strings.ToLower(o)
		if seen[k] {
			return Command{}, NewUsageError(usage, "huddles.usage.option_twice", i18n.Data{"Option": o})
		}
		seen[k] = true
	}
	spec.Options = opts
	switch {
	case multi == 0:
		spec.MaxChoices = len(opts)
	case multi > len(opts):
		return Command{}, NewUsageError(usage, "huddles.usage.multi_too_many", i18n.Data{"Multi": multi, "Options": len(opts)})
	case multi > 0:
		spec.MaxChoices = multi
	}
	return Command{Verb: VerbPoll, Poll: spec}, nil
}

// parsePollDuration reads "10m", "1h30m", "90s" or a bare number of minutes;
// a poll stays open between one minute and a day.
func parsePollDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.Atoi(s); err == nil {
		d = time.Duration(n) * time.Minute
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, errNotDuration
	}
	if d < time.Minute || d > 24*time.Hour {
		return 0, errDurationRange
	}
	return d, nil
}

func parseAsk(rest string) (Command, error) {
	spec := AskSpec{}
	text := strings.TrimSpace(rest)
	// Flags are recognised only at either end, so a question may mention them.
	for {
		first, tail := splitWord(text)
		if name, _, _, ok := flagOf(token{text: first}); ok {
			if name != "anonymous" && name != "anon" {
				return Command{}, NewUsageError(UsageAsk, "huddles.usage.unknown_option", i18n.Data{"Name": name})
			}
			spec.Anonymous, text = true, tail
			continue
		}
		if i := strings.LastIndexFunc(text, unicode.IsSpace); i >= 0 {
			if name, _, _, ok := flagOf(token{text: text[i+1:]}); ok && (name == "anonymous" || name == "anon") {
				spec.Anonymous, text = true, strings.TrimSpace(text[:i])
				continue
			}
		}
		break
	}
	text = unquote(text)
	if text == "" {
		return Command{}, NewUsageError(UsageAsk, "huddles.usage.ask_empty", nil)
	}
	if utf8.RuneCountInString(text) > MaxQuestion {
		return Command{}, NewUsageError(UsageAsk, "huddles.usage.question_long", i18n.Data{"Max": MaxQuestion})
	}
	spec.Text = text
	return Command{Verb: VerbAsk, Ask: spec}, nil
}

// token is a word of command text; a quoted token is never a flag.
type token struct {
	text   string
	quoted bool
}

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '«', '»':
		return true
	}
	return false
}

// tokenize splits text into words, keeping "quoted phrases" (straight or the
// curly quotes chat clients substitute) together. Inside quotes, \" is a
// literal quote. A quote that is never closed is an error.
func tokenize(s string) ([]token, error) {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		if isQuote(rs[i]) {
			var b strings.Builder
			j := i + 1
			closed := false
			for ; j < len(rs); j++ {
				if rs[j] == '\\' && j+1 < len(rs) && isQuote(rs[j+1]) {
					b.WriteRune(rs[j+1])
					j++
					continue
				}
				if isQuote(rs[j]) {
					closed = true
					break
				}
				b.WriteRune(rs[j])
			}
			if !closed {
				return nil, errQuoteNotClosed
			}
			out = append(out, token{text: b.String(), quoted: true})
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		out = append(out, token{text: string(rs[i:j])})
		i = j
	}
	return out, nil
}

// flagOf recognises an unquoted "--name", "--name=value", or the "—name" an
// autocorrecting keyboard makes of "--".
func flagOf(t token) (name, value string, hasValue, ok bool) {
	if t.quoted {
		return "", "", false, false
	}
	s := t.text
	switch {
	case strings.HasPrefix(s, "--"):
		s = s[2:]
	case strings.HasPrefix(s, "—"):
		s = strings.TrimPrefix(s, "—")
	case strings.HasPrefix(s, "–"):
		s = strings.TrimPrefix(s, "–")
	default:
		return "", "", false, false
	}
	if s == "" {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(s, "=")
	return strings.ToLower(name), value, hasValue, true
}

// unquote removes one pair of enclosing quotes.
func unquote(s string) string {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) >= 2 && isQuote(rs[0]) && isQuote(rs[len(rs)-1]) {
		return strings.TrimSpace(string(rs[1 : len(rs)-1]))
	}
	return string(rs)
}
