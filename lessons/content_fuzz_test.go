package lessons_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/internal/validation"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// problemLine is the contract editors and CI rely on: path:line: field: message.
var problemLine = regexp.MustCompile(`^f\.md:[1-9][0-9]*: [^:\n]+: [^\n]+$`)

var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// FuzzParseLesson checks that no lesson file crashes the parser, that every
// rejected file comes with well-formed problems, and that every accepted file
// really satisfies the rules the validator promises.
func FuzzParseLesson(f *testing.F) {
	f.Add([]byte("---\nid: medrec-admission-01\nkind: quiz\ntitle: Reconciling home medications\nroles: [nurse, physician]\n" +
		"tags: [med-rec]\nquestion: When?\nchoices:\n  - At every transition\n  - Only at discharge\nanswer: 1\n" +
		"explanation: Transitions are where errors happen.\n---\nA short body.\n"))
	f.Add([]byte("---\nid: t\nkind: tip\ntitle: A tip\n---\n"))
	f.Add([]byte("---\nid: q\nkind: quiz\ntitle: T\nquestion: Q?\nchoices: [a]\nanswer: 4\n---\n"))
	f.Add([]byte("---\nid: x\nkind: tip\ntitle: Colons: need quotes\n---\n"))
	f.Add([]byte("---\nid: &a x\nkind: *a\ntitle: [*a, {b: c}]\nroles: !!map {}\n---\n"))
	f.Add([]byte("no front matter"))
	f.Add([]byte("---\r\nid: crlf\r\nkind: tip\r\ntitle: T\r\n---\r\nbody\r\n"))
	f.Add([]byte(""))

	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := lessons.ParseLesson("f.md", data, nil)
		if err != nil {
			if l != nil {
				t.Fatal("a lesson returned along with an error")
			}
			var ve *validation.Error
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %T %q is not a *ValidationError with problems", err, err)
			}
			// CRLF, CR and LF each end a line, as in editors.
			lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") +
				strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r") + 1
			for _, p := range ve.Problems {
				if p.Path != "f.md" || p.Line < 1 || p.Line > lines+1 || p.Field == "" || p.Message == "" {
					t.Fatalf("bad problem %+v (file has %d lines)", p, lines)
				}
			}
			out := strings.Split(err.Error(), "\n")
			if len(out) != len(ve.Problems) {
				t.Fatalf("%d problems printed as %d lines:\n%s", len(ve.Problems), len(out), err)
			}
			for _, line := range out {
				if !problemLine.MatchString(line) {
					t.Fatalf("problem line %q is not path:line: field: message", line)
				}
			}
			return
		}

		// Accepted: check the promises independently of the validator.
		if !validID.MatchString(l.ID) || len(l.ID) > lessons.MaxIDLen {
			t.Fatalf("accepted id %q", l.ID)
		}
		if l.Title == "" || utf8.RuneCountInString(l.Title) > lessons.MaxTitleLen {
			t.Fatalf("accepted title %q", l.Title)
		}
		if !utf8.ValidString(l.Body) || utf8.RuneCountInString(l.Body) > lessons.MaxBodyLen {
			t.Fatalf("accepted a body of %d characters", utf8.RuneCountInString(l.Body))
		}
		for _, r := range l.Roles {
			if !slices.Contains(member.DefaultRoles, r) {
				t.Fatalf("accepted role %q", r)
			}
		}
		switch l.Kind {
		case lessons.KindQuiz:
			if l.Question == "" || len(l.Choices) < lessons.MinChoices || len(l.Choices) > lessons.MaxChoices ||
				l.Answer < 1 || l.Answer > len(l.Choices) {
				t.Fatalf("accepted quiz %+v", l)
			}
			for _, c := range l.Choices {
				if c == "" || utf8.RuneCountInString(c) > lessons.MaxChoiceLen {
					t.Fatalf("accepted choice %q", c)
				}
			}
		case lessons.KindTip:
			if l.Question != "" || len(l.Choices) > 0 || l.Answer != 0 {
				t.Fatalf("accepted tip with quiz fields %+v", l)
			}
		default:
			t.Fatalf("accepted kind %q", l.Kind)
		}
		_ = l.Hash() // must not panic
	})
}
