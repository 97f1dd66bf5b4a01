package lessons_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/internal/validation"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// problems returns the problems of a *ValidationError, failing the test for
// any other outcome.
func problems(t *testing.T, err error) []validation.Problem {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *ValidationError")
	}
	var ve *validation.Error
	if !errors.As(err, &ve) {
		t.Fatalf("got %T (%v), want a *ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatal("*ValidationError with no problems")
	}
	return ve.Problems
}

func TestBundledContent(t *testing.T) {
	t.Parallel()
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatalf("bundled content does not validate:\n%v", err)
	}

	if len(c.Lessons) < 40 {
		t.Errorf("%d lessons, want at least 40", len(c.Lessons))
	}
	quizzes := 0
	for _, l := range c.Lessons {
		if l.IsQuiz() {
			quizzes++
			if l.Explanation == "" {
				t.Errorf("%s: quiz %s has no explanation", l.Path, l.ID)
			}
		}
		if len(l.Tags) == 0 {
			t.Errorf("%s: lesson %s has no tags", l.Path, l.ID)
		}
	}
	positions := map[int]int{}
	for _, l := range c.Lessons {
		if l.IsQuiz() {
			positions[l.Answer]++
		}
	}
	for pos, n := range positions {
		if n*2 > quizzes {
			t.Errorf("%d of %d quizzes have choice %d as the answer: learners will notice", n, quizzes, pos)
		}
	}
	if quizzes*2 < len(c.Lessons) {
		t.Errorf("%d quizzes out of %d lessons, want at least half", quizzes, len(c.Lessons))
	}

	// Issue 19: every front-desk and medical-assistant lesson in Spanish.
	for _, l := range c.Lessons {
		if (strings.HasPrefix(l.Path, "front_desk/") || strings.HasPrefix(l.Path, "ma/")) && l.Translations["es"] == nil {
			t.Errorf("%s: lesson %s has no Spanish translation", l.Path, l.ID)
		}
	}
	if !slices.Equal(c.Roles, member.DefaultRoles) {
		t.Errorf("roles = %v, want the defaults %v", c.Roles, member.DefaultRoles)
	}
	for _, role := range member.DefaultRoles {
		n := 0
		for _, l := range c.Lessons {
			if l.For(role, "") {
				n++
			}
		}
		if n < 6 {
			t.Errorf("role %s: %d lessons, want at least 6", role, n)
		}
		onboarding := slices.IndexFunc(c.Tracks, func(tr *lessons.Track) bool {
			return tr.Onboarding && slices.Contains(tr.Roles, role)
		})
		if onboarding < 0 {
			t.Errorf("role %s has no onboarding track", role)
			continue
		}
		for _, id := range c.Tracks[onboarding].Lessons {
			if l := c.Lesson(id); l == nil || !l.For(role, "") {
				t.Errorf("onboarding track %s: lesson %s is not for %s", c.Tracks[onboarding].ID, id, role)
			}
		}
	}

	paces := map[lessons.Pace]int{}
	for _, b := range c.Bursts {
		paces[b.Pace]++
		for _, id := range b.Lessons {
			l := c.Lesson(id)
			if l == nil || !slices.ContainsFunc(b.Roles, func(r string) bool { return l.For(r, "") }) {
				t.Errorf("burst %s: lesson %s is for none of the burst's roles", b.ID, id)
			}
		}
	}
	if len(c.Bursts) != 2 || paces[lessons.PaceAllAtOnce] != 1 || paces[lessons.PaceDaily] != 1 {
		t.Errorf("bursts by pace = %v, want one all-at-once and one daily", paces)
	}

	// Every lesson reaches someone through a track or a burst.
	listed := map[string]bool{}
	for _, tr := range c.Tracks {
		for _, id := range tr.Lessons {
			listed[id] = true
		}
	}
	for _, b := range c.Bursts {
		for _, id := range b.Lessons {
			listed[id] = true
		}
	}
	for _, l := range c.Lessons {
		if !listed[l.ID] {
			t.Errorf("%s: lesson %s is in no track or burst", l.Path, l.ID)
		}
	}
}

// TestBundledContentHasNoIdentifiers guards the "no patient data" rule: the
// sample content must not contain anything shaped like an identifier.
func TestBundledContentHasNoIdentifiers(t *testing.T) {
	t.Parallel()
	shapes := map[string]*regexp.Regexp{
		"record number": regexp.MustCompile(`\d{6,}`),
		"date":          regexp.MustCompile(`\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b`),
		"phone number":  regexp.MustCompile(`\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b`),
		"SSN":           regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`),
		"email":         regexp.MustCompile(`[\w.+-]+@[\w-]+\.[\w.]+`),
	}
	err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.FS, p)
		if err != nil {
			return err
		}
		for what, re := range shapes {
			if m := re.Find(b); m != nil {
				t.Errorf("%s: contains something shaped like a %s: %q", p, what, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBundledContentEmbedsEverything catches a directory added to content/
// but not to the go:embed line.
func TestBundledContentEmbedsEverything(t *testing.T) {
	t.Parallel()
	onDisk, err := lessons.LoadDir("../content")
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk.Lessons) != len(embedded.Lessons) || len(onDisk.Tracks) != len(embedded.Tracks) ||
		len(onDisk.Bursts) != len(embedded.Bursts) || !slices.Equal(onDisk.Roles, embedded.Roles) {
		t.Errorf("content/ has %d lessons, %d tracks, %d bursts, roles %v; the embedded FS has %d, %d, %d, %v: update the go:embed line",
			len(onDisk.Lessons), len(onDisk.Tracks), len(onDisk.Bursts), onDisk.Roles,
			len(embedded.Lessons), len(embedded.Tracks), len(embedded.Bursts), embedded.Roles)
	}
}

func TestLoadGood(t *testing.T) {
	t.Parallel()
	c, err := lessons.LoadDir("testdata/good")
	if err != nil {
		t.Fatalf("testdata/good does not validate:\n%v", err)
	}
	if want := append(slices.Clone(member.DefaultRoles), "pharmacist"); !slices.Equal(c.Roles, want) {
		t.Errorf("roles = %v, want %v", c.Roles, want)
	}
	var paths []string
	for _, l := range c.Lessons {
		paths = append(paths, l.Path)
	}
	wantPaths := []string{"nurse/pump-library.md", "pharmacist/look-alike.md", "pharmacist/weight-based-dose.md", "shared/hand-off.md"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("lesson paths = %v, want %v (sorted, relative, drafts and README skipped)", paths, wantPaths)
	}
	l := c.Lesson("pharm-weight-based-dose")
	if l == nil {
		t.Fatal("lesson pharm-weight-based-dose not found")
	}
	want := lessons.Lesson{
		ID: "pharm-weight-based-dose", Kind: lessons.KindQuiz, Title: "Verifying a weight-based dose",
		Roles: []string{"pharmacist"}, Tags: []string{"verification"},
		Question: "Which weight should you verify a weight-based dose against?",
		Choices: []string{
			"The measured weight documented for this encounter",
			"The weight the patient states at the window",
			"Any weight in the chart from the last year",
		},
		Answer:      1,
		Explanation: "A stated or old weight can be far off; dose against a measured weight.",
		Body:        "If no measured weight is documented, ask for one before you verify.",
		Path:        "pharmacist/weight-based-dose.md",
		Translations: map[string]*lessons.Translation{"es": {
			Title:    "Verificar una dosis según el peso",
			Question: "¿Con qué peso debe verificar una dosis calculada según el peso?",
			Choices: []string{
				"El peso medido y documentado en esta visita",
				"El peso que el paciente dice en la ventanilla",
				"Cualquier peso del expediente del último año",
			},
			Explanation: "Un peso declarado o antiguo puede estar muy equivocado; calcule la dosis con un peso medido.",
			Body:        "Si no hay un peso medido documentado, pídalo antes de verificar.",
		}},
	}
	if l.Hash() != want.Hash() || l.Path != want.Path {
		t.Errorf("lesson = %+v\nwant %+v", *l, want)
	}
	if len(c.Tracks) != 2 || c.Tracks[1].ID != "pharmacist-onboarding" || !c.Tracks[1].Onboarding ||
		!slices.Equal(c.Tracks[1].Lessons, []string{"pharm-weight-based-dose", "pharm-look-alike-names", "hand-off-checklist"}) {
		t.Errorf("tracks = %+v", c.Tracks)
	}
	b := c.Burst("pump-library-launch")
	if b == nil || b.Pace != lessons.PaceAllAtOnce || b.Path != "bursts/pump-library-launch.yaml" || len(b.Lessons) != 2 {
		t.Errorf("burst = %+v", b)
	}
	if c.Lesson("hand-off-checklist").For("physician", "") != true {
		t.Error("a lesson without roles should be for everyone")
	}
}

// badProblems is every problem planted in testdata/bad plus the generated
// long-body lesson, as "path:line: field:".
var badProblems = []struct {
	at   string // path:line: field:
	says string // part of the message
}{
	{"bursts/new-feature.yaml:3: roles:", `unknown role "pharmacist"`},
	{"bursts/new-feature.yaml:6: lessons:", `unknown lesson "missing-lesson"`},
	{"bursts/new-feature.yaml:7: pace:", `"weekly" is not a pace`},
	{"nurse/long-body.md:7: body:", "3001 characters, over 3000: cannot be one message section"},
	{"nurse/tip-with-choices.md:5: choices:", "only a quiz has choices"},
	{"nurse/unknown-role.md:7: roles:", `unknown role "pharmacist"`},
	{"physician/dup-b.md:2: id:", `duplicate id "dup-lesson" (also in nurse/dup-a.md:2)`},
	{"quiz/answer-out-of-range.md:10: answer:", "4 is out of range: pick 1 to 3"},
	{"quiz/long-choice.md:8: choices:", "choice 2 is 76 characters, over 75: cannot be a button label"},
	{"quiz/no-question.md:3: question:", "missing: a quiz needs a question"},
	{"quiz/one-choice.md:6: choices:", "found 1"},
	{"quiz/six-choices.md:6: choices:", "found 6"},
	{"quiz/unknown-field.md:8: explaination:", `unknown field "explaination" (did you mean "explanation"?)`},
	{"quiz/yaml-error.md:4: yaml:", "mapping values are not allowed"},
	{"shared/no-front-matter.md:1: front matter:", "missing"},
	{"tracks/empty.yaml:4: lessons:", "empty"},
	{"translations/bcma.de.md:3: lang:", `"xx" is not a known language`},
	{"translations/bcma.es.md:11: answer:", "2, but the original (translations/bcma.md:10) says 1"},
	{"translations/bcma.fr.md:7: choices:", "2 choices, but the original (translations/bcma.md:6) has 3: translate every choice"},
	{"translations/bcma.fr.md:12: body:", "missing: the original (translations/bcma.md:13) has one"},
	{"translations/bcma.it.md:2: lang:", "missing: a translation names its language, as its file name does: lang: it"},
	{"translations/bcma.it.md:4: kind:", "tip, but the original (translations/bcma.md:3) is a quiz"},
	{"translations/bcma.it.md:6: tags:", "[scanning], but the original (translations/bcma.md:3) has []"},
	{"translations/copy/bcma.es.md:2: id:", `a second es translation of "bad-tr-bcma" (also in translations/bcma.es.md:2)`},
	{"translations/orphan.es.md:2: id:", `no lesson "bad-tr-orphan" to translate`},
	{"tracks/nurse-basics.yaml:7: lessons:", `unknown lesson "no-such-lesson"`},
}

// badDir copies testdata/bad into a temporary directory and adds a lesson
// whose body is one character too long, which is easier to generate than to
// review.
func badDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/bad")); err != nil {
		t.Fatal(err)
	}
	long := "---\nid: bad-long-body\nkind: tip\ntitle: A body too long for one message section\n---\n\n" +
		strings.Repeat("é", lessons.MaxBodyLen+1) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "nurse", "long-body.md"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadBad(t *testing.T) {
	t.Parallel()
	c, err := lessons.Load(os.DirFS(badDir(t)))
	if c != nil {
		t.Error("Load returned content along with problems")
	}
	ps := problems(t, err)
	got := err.Error()
	lines := strings.Split(got, "\n")
	if len(ps) != len(badProblems) || len(lines) != len(badProblems) {
		t.Errorf("%d problems (%d lines), want %d:\n%s", len(ps), len(lines), len(badProblems), got)
	}
	for _, want := range badProblems {
		n := 0
		for _, line := range lines {
			if strings.HasPrefix(line, want.at+" ") {
				n++
				if !strings.Contains(line, want.says) {
					t.Errorf("%s\n  does not say %q", line, want.says)
				}
			}
		}
		if n != 1 {
			t.Errorf("%q appears %d times, want once, in:\n%s", want.at, n, got)
		}
	}
	if !slices.IsSortedFunc(lines, func(a, b string) int {
		pa, _, _ := strings.Cut(a, ":")
		pb, _, _ := strings.Cut(b, ":")
		return strings.Compare(pa, pb)
	}) {
		t.Errorf("problems are not sorted by path:\n%s", got)
	}
}

// TestLoadDirPaths checks that LoadDir names files the way the CLI prints
// them: relative to where it was run, with the directory it was given.
func TestLoadDirPaths(t *testing.T) {
	t.Parallel()
	_, err := lessons.LoadDir("testdata/bad")
	ps := problems(t, err)
	for _, p := range ps {
		if !strings.HasPrefix(p.Path, "testdata/bad/") {
			t.Errorf("problem path %q does not start with testdata/bad/", p.Path)
		}
	}
	want := `testdata/bad/physician/dup-b.md:2: id: duplicate id "dup-lesson" (also in testdata/bad/nurse/dup-a.md:2)`
	if !strings.Contains(err.Error(), want+"\n") {
		t.Errorf("missing %q in:\n%v", want, err)
	}

	c, err := lessons.LoadDir("./testdata/good/")
	if err != nil {
		t.Fatal(err)
	}
	if c.Lessons[0].Path != "nurse/pump-library.md" {
		t.Errorf("lesson path = %q, want it relative to the content root", c.Lessons[0].Path)
	}

	if _, err := lessons.LoadDir("testdata/no-such-dir"); err == nil || errors.As(err, new(*validation.Error)) {
		t.Errorf("LoadDir of a missing directory: %v, want a plain error", err)
	}
}

func TestValidationErrorFormat(t *testing.T) {
	t.Parallel()
	err := &validation.Error{Problems: []validation.Problem{
		{Path: "nurse/b.md", Line: 9, Field: "answer", Message: "out of range"},
		{Path: "nurse/a.md", Line: 12, Field: "title", Message: "missing"},
		{Path: "nurse/b.md", Line: 2, Field: "id", Message: "not valid"},
		{Path: "nurse/a.md", Line: 3, Field: "kind", Message: "not a kind"},
	}}
	want := "nurse/a.md:3: kind: not a kind\n" +
		"nurse/a.md:12: title: missing\n" +
		"nurse/b.md:2: id: not valid\n" +
		"nurse/b.md:9: answer: out of range"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

// lesson builds a lesson file from front-matter lines and a body.
func lesson(body string, fields ...string) string {
	return "---\n" + strings.Join(fields, "\n") + "\n---\n" + body
}

func TestParseLesson(t *testing.T) {
	t.Parallel()
	quiz := []string{"id: q-1", "kind: quiz", "title: A quiz", "question: Which?", "choices: [Yes, No]", "answer: 1"}
	with := func(base []string, replace map[string]string, extra ...string) []string {
		var out []string
		for _, f := range base {
			name, _, _ := strings.Cut(f, ":")
			if r, ok := replace[name]; ok {
				if r != "" {
					out = append(out, r)
				}
				continue
			}
			out = append(out, f)
		}
		return append(out, extra...)
	}
	tests := []struct {
		name string
		file string
		want []string // "line: field: message part"
	}{
		{"valid quiz", lesson("Body.", quiz...), nil},
		{"valid tip", lesson("", "id: t-1", "kind: tip", "title: A tip", "roles: []", "tags: [med-rec]"), nil},
		{"crlf line endings", strings.ReplaceAll(lesson("Body.\n", quiz...), "\n", "\r\n"), nil},
		{"cr line endings", strings.ReplaceAll(lesson("", "id: x", "kind: tip", "title: T", "colour: red"), "\n", "\r"), []string{`5: colour: unknown field`}},
		{"unicode line separator", lesson("", "id: x", "kind: tip", "title: T\u2028", "colour: red"), []string{`5: colour: unknown field`}},
		{"empty file", "", []string{"1: front matter: missing"}},
		{"not closed", "---\nid: x\nkind: tip\n", []string{"1: front matter: not closed"}},
		{"empty front matter", lesson(""), []string{"1: id: missing", "1: kind: missing", "1: title: missing"}},
		{"front matter is a list", lesson("", "- a", "- b"), []string{"2: front matter: must be fields"}},
		{"bad id", lesson("", with(quiz, map[string]string{"id": "id: Med Rec"})...), []string{`2: id: "Med Rec" is not a valid id`}},
		{"id too long", lesson("", with(quiz, map[string]string{"id": "id: " + strings.Repeat("a", 101)})...), []string{"2: id: 101 characters, over 100"}},
		{"bad kind", lesson("", "id: x", "kind: poll", "title: T"), []string{`3: kind: "poll" is not a kind`}},
		{"title too long", lesson("", with(quiz, map[string]string{"title": "title: " + strings.Repeat("t", 151)})...), []string{"4: title: 151 characters, over 150"}},
		{"title is a list", lesson("", with(quiz, map[string]string{"title": "title: [a, b]"})...), []string{"4: title: must be text"}},
		{"no choices", lesson("", with(quiz, map[string]string{"choices": ""})...), []string{"3: choices: missing"}},
		{"empty choices", lesson("", with(quiz, map[string]string{"choices": "choices: []"})...), []string{"6: choices: missing"}},
		{"choices not a list", lesson("", with(quiz, map[string]string{"choices": "choices: Yes"})...), []string{"6: choices: must be a list, like [Yes]"}},
		{"empty choice", lesson("", with(quiz, map[string]string{"choices": "choices:\n  - Yes\n  - \"\""})...), []string{"8: choices: choice 2 is empty"}},
		{"repeated choice", lesson("", with(quiz, map[string]string{"choices": "choices: [Yes, Yes]"})...), []string{"6: choices: choice 2 repeats choice 1"}},
		{"choice with a colon", lesson("", with(quiz, map[string]string{"choices": "choices:\n  - Yes\n  - No: never"})...), []string{"8: choices: choice 2 must be plain text"}},
		{"76 runes", lesson("", with(quiz, map[string]string{"choices": "choices: [Yes, " + strings.Repeat("ü", 76) + "]"})...), []string{"6: choices: choice 2 is 76 characters, over 75"}},
		{"75 runes", lesson("", with(quiz, map[string]string{"choices": "choices: [Yes, " + strings.Repeat("ü", 75) + "]"})...), nil},
		{"no answer", lesson("", with(quiz, map[string]string{"answer": ""})...), []string{"3: answer: missing"}},
		{"answer zero", lesson("", with(quiz, map[string]string{"answer": "answer: 0"})...), []string{"7: answer: 0 is out of range"}},
		{"answer not a number", lesson("", with(quiz, map[string]string{"answer": "answer: first"})...), []string{"7: answer: must be a whole number"}},
		{"tip with quiz fields", lesson("", "id: t", "kind: tip", "title: T", "question: Q?", "choices: [a, b]", "answer: 1"),
			[]string{"5: question: only a quiz", "6: choices: only a quiz", "7: answer: only a quiz"}},
		{"unknown role", lesson("", with(quiz, nil, "roles: [nurse, nures]")...), []string{`8: roles: unknown role "nures" (did you mean "nurse"?)`}},
		{"bad tag", lesson("", with(quiz, nil, "tags: [Med Rec]")...), []string{`8: tags: tag 1 ("Med Rec") should be`}},
		{"repeated field", lesson("", with(quiz, nil, "title: Again")...), []string{`8: title: field "title" appears twice (first at line 4)`}},
		{"unknown field", lesson("", with(quiz, nil, "video: https://example.org")...), []string{`8: video: unknown field "video"`}},
		{"yaml error", lesson("", "id: x", "kind: tip", "title: [unclosed"), []string{"4: yaml: did not find expected"}},
		{"tab indentation", lesson("", "id: x", "kind: tip", "title: T", "roles:", "\t- nurse"), []string{"6: yaml: found character that cannot start any token"}},
		{"body too long after blank lines", lesson("\n\n"+strings.Repeat("x", 3001), "id: t", "kind: tip", "title: T"), []string{"8: body: 3001 characters"}},
		{"body not utf-8", lesson("\xff", "id: t", "kind: tip", "title: T"), []string{"6: body: not valid UTF-8"}},
		{"many problems at once", lesson(strings.Repeat("x", 3001), "id: X", "kind: quiz", "title: T", "choices: [a]", "answer: 3", "colour: red"),
			[]string{`2: id: "X" is not`, "3: question: missing", "5: choices: a quiz needs 2 to 5 choices, found 1", "6: answer: 3 is out of range", `7: colour: unknown field`, "9: body: 3001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := lessons.ParseLesson("x.md", []byte(tt.file), nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				if l.Path != "x.md" || l.ID == "" {
					t.Errorf("lesson = %+v", l)
				}
				return
			}
			if l != nil {
				t.Errorf("got a lesson along with problems")
			}
			ps := problems(t, err)
			if len(ps) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error()+"\n", "x.md:"+want) {
					t.Errorf("missing %q in:\n%v", "x.md:"+want, err)
				}
			}
		})
	}
}

func TestLoadRolesAndSeries(t *testing.T) {
	t.Parallel()
	ok := lesson("", "id: a", "kind: tip", "title: T", "roles: [pharmacist]")
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"roles.yaml adds a role", map[string]string{"roles.yaml": "roles: [pharmacist]", "a.md": ok}, nil},
		{"bad roles.yaml", map[string]string{"roles.yaml": "roles:\n  - Pharmacist\n  - trainer\nrole: [x]", "a.md": ok}, []string{
			`roles.yaml:2: roles: "Pharmacist" is not a valid role`,
			`roles.yaml:3: roles: "trainer" is a permission`,
			`roles.yaml:4: role: unknown field "role" (did you mean "roles"?)`,
			`a.md:5: roles: unknown role "pharmacist"`,
		}},
		{"track problems", map[string]string{"roles.yaml": "roles: [pharmacist]", "a.md": ok,
			"tracks/t.yaml": "title: T\nonboarding: yes please\nlessons: [a, a, \"\"]\nextra: 1",
			"tracks/u.yaml": "id: u\ntitle: U\nlessons: [a]",
			"tracks/v.yml":  "id: u\ntitle: V\nlessons: [a]",
			"tracks/x.md":   "not a lesson: .md files under tracks/ are ignored",
		}, []string{
			"tracks/t.yaml:1: id: missing",
			"tracks/t.yaml:2: onboarding: must be true or false",
			`tracks/t.yaml:3: lessons: lesson "a" is listed twice (first at line 3)`,
			"tracks/t.yaml:3: lessons: lesson 3 is empty",
			`tracks/t.yaml:4: extra: unknown field "extra"`,
			`tracks/v.yml:1: id: duplicate track id "u" (also in tracks/u.yaml:1)`,
		}},
		{"burst problems", map[string]string{"roles.yaml": "roles: [pharmacist]", "a.md": ok,
			"bursts/b.yaml": "id: b\nroles: [pharmacist]\ndepartments: [\"\"]\nlessons: a\npace: daily\nonboarding: true",
			"bursts/c.yaml": "id: c\ntitle: C\nlessons: [a]\n---\nid: d",
		}, []string{
			"bursts/b.yaml:1: title: missing",
			"bursts/b.yaml:3: departments: department 1 is empty",
			"bursts/b.yaml:4: lessons: must be a list, like [a]",
			`bursts/b.yaml:6: onboarding: unknown field "onboarding"`,
			"bursts/c.yaml:1: pace: missing",
			"bursts/c.yaml:4: yaml: a second YAML document starts here",
		}},
		{"yaml syntax error in a track", map[string]string{"a.md": lesson("", "id: a", "kind: tip", "title: T"),
			"tracks/t.yaml": "id: t\ntitle: T\nlessons: [a\n",
		}, []string{"tracks/t.yaml:3: yaml: did not find expected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			c, err := lessons.Load(fsys)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				if !slices.Contains(c.Roles, "pharmacist") {
					t.Errorf("roles = %v", c.Roles)
				}
				return
			}
			ps := problems(t, err)
			if len(ps) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("missing %q in:\n%v", want, err)
				}
			}
		})
	}
}
