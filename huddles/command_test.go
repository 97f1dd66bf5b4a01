package huddles

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	tue, thu := member.Weekdays(1<<time.Tuesday), member.Weekdays(1<<time.Thursday)
	tests := []struct {
		in   string
		want Command
	}{
		{"", Command{Verb: VerbHelp}},
		{"help", Command{Verb: VerbHelp}},
		{"status", Command{Verb: VerbStatus}},
		{"start Sepsis alert go-live", Command{Verb: VerbStart, Title: "Sepsis alert go-live"}},
		{`start "Quoted title"`, Command{Verb: VerbStart, Title: "Quoted title"}},
		{"start", Command{Verb: VerbStart}},
		{"END", Command{Verb: VerbEnd}},
		{"agenda 1) new alert\n2) questions", Command{Verb: VerbAgenda, Agenda: "1) new alert\n2) questions"}},
		{"schedule tue,thu 07:45 Shift-change huddle", Command{Verb: VerbSchedule,
			Schedule: ScheduleSpec{Days: tue | thu, At: 7*60 + 45, Title: "Shift-change huddle", RemindMinutes: 15}}},
		{"schedule mon-fri 7:00 --remind 5", Command{Verb: VerbSchedule,
			Schedule: ScheduleSpec{Days: member.MonFri, At: 7 * 60, RemindMinutes: 5}}}, // untitled: the bot names it
		{`schedule tue 19:30 "Night huddle" --remind=0`, Command{Verb: VerbSchedule,
			Schedule: ScheduleSpec{Days: tue, At: 19*60 + 30, Title: "Night huddle", RemindMinutes: 0}}},
		{"schedule list", Command{Verb: VerbScheduleList}},
		{"schedule cancel #3", Command{Verb: VerbScheduleCancel, SeriesID: 3}},
		{`poll "Is the new alert clear?" Yes No`, Command{Verb: VerbPoll, Poll: PollSpec{
			Question: "Is the new alert clear?", Options: []string{"Yes", "No"}, Kind: KindChoice, MaxChoices: 1}}},
		{`poll “Which screen?” “Order entry” “MAR” "Flowsheets" --multi --anonymous --hidden --closes 10m`,
			Command{Verb: VerbPoll, Poll: PollSpec{Question: "Which screen?", Options: []string{"Order entry", "MAR", "Flowsheets"},
				Kind: KindChoice, MaxChoices: 3, Anonymous: true, Hidden: true, Closes: 10 * time.Minute}}},
		{`poll "Pick two" a b c --multi=2 --closes=90s`, Command{Verb: VerbPoll, Poll: PollSpec{
			Question: "Pick two", Options: []string{"a", "b", "c"}, Kind: KindChoice, MaxChoices: 2, Closes: 90 * time.Second}}},
		{`poll "Say \"hi\"?" "--yes" no —anonymous`, Command{Verb: VerbPoll, Poll: PollSpec{
			Question: `Say "hi"?`, Options: []string{"--yes", "no"}, Kind: KindChoice, MaxChoices: 1, Anonymous: true}}},
		{`poll "Confidence?" --rating --closes 5`, Command{Verb: VerbPoll, Poll: PollSpec{
			Question: "Confidence?", Options: RatingOptions, Kind: KindRating, MaxChoices: 1, Closes: 5 * time.Minute}}},
		{`rate "How confident are you with BCMA?" --anonymous`, Command{Verb: VerbPoll, Poll: PollSpec{
			Question: "How confident are you with BCMA?", Options: RatingOptions, Kind: KindRating, MaxChoices: 1, Anonymous: true}}},
		{"ask How do I reprint a wristband?", Command{Verb: VerbAsk, Ask: AskSpec{Text: "How do I reprint a wristband?"}}},
		{"ask --anonymous Why does the MAR lock?", Command{Verb: VerbAsk, Ask: AskSpec{Text: "Why does the MAR lock?", Anonymous: true}}},
		{"ask Why does the MAR lock? --anon", Command{Verb: VerbAsk, Ask: AskSpec{Text: "Why does the MAR lock?", Anonymous: true}}},
		{"ask what does --anonymous do here", Command{Verb: VerbAsk, Ask: AskSpec{Text: "what does --anonymous do here"}}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.in)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommand(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	t.Parallel()
	many := `poll "Q"` + strings.Repeat(" x", 26)
	tests := []struct {
		in, problem, usage string
	}{
		{"dance", "I don't know `/huddle dance`", "/huddle start|"},
		{"end now", "takes nothing", UsageEnd},
		{"agenda", "give the agenda", UsageAgenda},
		{"start --anonymous", "takes a title", UsageStart},
		{"schedule", "say when", UsageSchedule},
		{"schedule someday 07:45 X", "not a day", UsageSchedule},
		{"schedule tue", "start time", UsageSchedule},
		{"schedule tue 25:00 X", "not a time of day", UsageSchedule},
		{"schedule tue 07:45 X --remind soon", "--remind is a number", UsageSchedule},
		{"schedule tue 07:45 X --every 2", "unknown option --every", UsageSchedule},
		{"schedule cancel", "give the number", UsageSchedule},
		{`poll`, "give the question", UsagePoll},
		{`poll "Only one" yes`, "at least two options", UsagePoll},
		{`poll "Unclosed yes no`, "quote is not closed", UsagePoll},
		{`poll "Q" yes yes`, "there twice", UsagePoll},
		{`poll "Q" yes no --multi=3`, "only 2 options", UsagePoll},
		{`poll "Q" yes no --multi=x`, "--multi=N", UsagePoll},
		{`poll "Q" yes no --closes`, "needs a duration", UsagePoll},
		{`poll "Q" yes no --closes soon`, "not a duration", UsagePoll},
		{`poll "Q" yes no --closes 30s`, "between 1m and 24h", UsagePoll},
		{`poll "Q" yes no --secret`, "unknown option --secret", UsagePoll},
		{`poll "Q" "" no`, "empty", UsagePoll},
		{`poll "Q" "` + strings.Repeat("o", 76) + `" no`, "under 75", UsagePoll},
		{many, "at most 25 options", UsagePoll},
		{`rate "Q" a b`, "no options", UsageRate},
		{`rate "Q" --multi`, "--multi does not apply", UsageRate},
		{`ask`, "type your question", UsageAsk},
		{`ask --anonymous`, "type your question", UsageAsk},
		{`ask --loud hi`, "unknown option --loud", UsageAsk},
		{"ask " + strings.Repeat("a", 301), "under 300", UsageAsk},
	}
	for _, tt := range tests {
		_, err := ParseCommand(tt.in)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %v, want a *UsageError", tt.in, err)
			continue
		}
		if !strings.Contains(ue.Problem, tt.problem) || !strings.HasPrefix(ue.Usage, tt.usage) {
			t.Errorf("ParseCommand(%q) = %q / %q, want problem containing %q and usage %q", tt.in, ue.Problem, ue.Usage, tt.problem, tt.usage)
		}
		if msg := ue.Error(); msg[0] >= 'a' && msg[0] <= 'z' {
			t.Errorf("ParseCommand(%q): message %q starts in lower case", tt.in, msg)
		}
		if !strings.Contains(ue.Error(), "Usage: `") {
			t.Errorf("ParseCommand(%q): message %q has no usage hint", tt.in, ue.Error())
		}
		// Every problem has a catalogue key, so a Spanish speaker reads
		// it in Spanish, with their usage hint.
		es := ue.In(i18n.For("es"))
		if ue.Key == "" || !strings.Contains(es, "Uso: `"+i18n.For("es").UsageForm(ue.Usage)+"`") || strings.Contains(es, ue.Problem) {
			t.Errorf("ParseCommand(%q) in Spanish = %q (key %q), want the problem in Spanish, not %q", tt.in, es, ue.Key, ue.Problem)
		}
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []token
	}{
		{`a  b`, []token{{"a", false}, {"b", false}}},
		{`"a b" c`, []token{{"a b", true}, {"c", false}}},
		{`“curly” ”slack”`, []token{{"curly", true}, {"slack", true}}},
		{`don't 5"`, []token{{"don't", false}, {`5"`, false}}},
		{`"" x`, []token{{"", true}, {"x", false}}},
	}
	for _, tt := range tests {
		got, err := tokenize(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{`poll "Q" a b --multi=2`, `ask --anonymous hi`, `schedule tue 07:45 X`, `start "T`, "rate “x”"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCommand(s)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q): non-usage error %v", s, err)
			}
			return
		}
		if c.Verb == VerbPoll {
			if n := len(c.Poll.Options); n < 2 || n > MaxOptions || c.Poll.MaxChoices < 1 || c.Poll.MaxChoices > n {
				t.Fatalf("ParseCommand(%q): invalid poll %+v", s, c.Poll)
			}
		}
	})
}
