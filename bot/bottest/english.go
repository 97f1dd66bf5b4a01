package bottest

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/huddlebot/huddlebot/i18n"
)

// NoEnglish marks the test failed (and goes on) when text, which a person
// who speaks another language saw (what names it), still has the bot's
// English in it: a sentence of the English catalogue (a static part of
// four words or more, template data split out) that no other shipped
// catalogue shares, or one of the English words of the bot's replies and
// cards ("Your", "the", "Correct", "streak", …). Command names and their
// options stay English and are not counted: `code spans` and a
// "/learn stats"-style command with its subcommand are left out of the
// word check. allow lists texts that may be English where the test expects
// them (a lesson shown in the default language with the note saying so,
// a title someone typed); they are removed before checking, line by line
// and without Markdown's marks.
func NoEnglish(t testing.TB, what, text string, allow ...string) {
	t.Helper()
	if found := English(text, allow...); len(found) > 0 {
		t.Errorf("%s has English in it: %q\n%s", what, found, text)
	}
}

// English returns what NoEnglish finds in text: the English sentences and
// words, each once, in the order they were found.
func English(text string, allow ...string) []string {
	text = squash(text)
	for _, a := range allow {
		// Line by line: a lesson's Markdown body is shown with its list
		// marks and emphasis turned into markup (a page), or as written
		// (a reply's text).
		for _, line := range strings.Split(a, "\n") {
			line = squash(strings.TrimLeft(strings.TrimSpace(line), "-*#> "))
			for _, form := range []string{line, squash(strings.NewReplacer("**", "", "`", "").Replace(line))} {
				if form != "" {
					text = strings.ReplaceAll(text, form, " ")
				}
			}
		}
	}
	var found []string
	for _, s := range englishSentences() {
		if strings.Contains(text, s) && !slices.Contains(found, s) {
			found = append(found, s)
		}
	}
	words := commandWord.ReplaceAllString(codeSpan.ReplaceAllString(text, " "), " ")
	for _, w := range englishWord.FindAllString(words, -1) {
		if !slices.Contains(found, w) {
			found = append(found, w)
		}
	}
	return found
}

var (
	// englishWord are words of the bot's English replies and cards that
	// no Spanish sentence of ours has (Go's \b is ASCII: "Correctas"
	// is not "Correct").
	englishWord = regexp.MustCompile(`\b(Your|your|You|you|You're|I'll|I'm|don't|isn't|can't|the|The|and|with|from|this|This|that|That|what|What|is|are|was|has|have|will|to|of|Answer|answer|Correct|Not quite|streak|Streak|Next|Thanks|Thank|Sorry|please|Please|Only|only|already|Already|nothing|Nothing|Usage|Sent|Send|Tell us|Got it|Helpful|Reminders|question|Question|Resolved|Closed|Try|try|Poll|poll|votes|Votes|Parking lot|parking lot|Agenda|Host|Started|Ended|Attendance|Burst|burst|Welcome|Paused|Lesson|lesson|Review|Onboarding|Daily|Stats|Help|Reply|nobody|Nobody|someone|Open|open|Answered|answered|Asked|Escalated|escalated|Escalate|anonymously|Polls|polls|Tech huddle|hosted|host|by|in|it|Reopen|Reopened|Close|Make|Who|voted|Choose|Results|Average|carried|Tags|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|August|September|October|November|December|pending|queued|items|answers|accuracy|Members|Prompts|department|Low|Falling|New hires|Poorly|Refresh|weeks|last|Quiz|super-users|trainers|admins|Solved|solved|didn't|About|On duty|Claimed|Defer|Marked|identifiers|removed|summary|Summary|people|person|vote|Noted|Certain|Guessed|Fairly|day|days|anonymous|questions|helpful|duty|rating|Accuracy|Mastered|Pause|Resume|Role|Schedule|at|today|tomorrow|every|none|Change|Lessons|seen|e\.g|address|date|name|phone|number|attributed|deferred|unknown|option|mark|Cancel|Close|Choose|Dismiss|edited|reply|replies|Done)\b`)
	codeSpan    = regexp.MustCompile("`[^`]*`")
	// commandWord is a slash command and its subcommand ("/learn stats",
	// "/huddle poll"), or an option ("--anonymous"): they stay English.
	commandWord = regexp.MustCompile(`/(learn|ask|huddle|burst|feedback)\b( [a-z]+\b)?|--[a-z]+`)

	sentencesOnce sync.Once
	sentences     []string
	// template data and the places a message's sentences break.
	templatePart = regexp.MustCompile(`\{\{[^}]*\}\}|\n|·|—|[.!?;:] |\(|\)|“|”|"|\*\*`)
	letters      = regexp.MustCompile(`\pL`)
)

// englishSentences returns the static parts of the English catalogue of
// four words or more that no other shipped catalogue has.
func englishSentences() []string {
	sentencesOnce.Do(func() {
		var others []string
		for _, lang := range i18n.Shipped() {
			if lang != i18n.Default {
				for _, s := range i18n.Sources(lang) {
					others = append(others, squash(s))
				}
			}
		}
		other := strings.Join(others, "\n")
		for _, src := range i18n.Sources(i18n.Default) {
			for _, part := range templatePart.Split(src, -1) {
				part = strings.Trim(squash(part), " ,.:;!?–-'")
				n := 0
				for _, f := range strings.Fields(part) {
					if letters.MatchString(f) {
						n++
					}
				}
				if n >= 4 && !strings.Contains(other, part) && !slices.Contains(sentences, part) {
					sentences = append(sentences, part)
				}
			}
		}
	})
	return sentences
}

// squash folds runs of white space (a page's innerText breaks lines) into
// one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
