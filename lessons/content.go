package lessons

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/internal/validation"
	"github.com/huddlebot/huddlebot/member"
	"gopkg.in/yaml.v3"
)

// Load reads and validates a content tree: Markdown lessons with YAML front
// matter anywhere except under tracks/ and bursts/ (README.md files and
// dot-directories are skipped), tracks/*.yaml, bursts/*.yaml and an optional
// roles.yaml that adds to DefaultRoles.
//
// If anything is wrong, Load returns a nil Content and a *validation.Error
// listing every problem, with paths relative to the root of fsys. Other
// errors (an unreadable file) are returned as they are. Lessons, tracks and
// bursts are sorted by path.
func Load(fsys fs.FS) (*Content, error) {
	return load(fsys, "")
}

// LoadDir is Load of the directory dir on disk, with problem paths prefixed
// by dir so that they can be opened from where the command was run
// ("content/nurse/x.md:7: answer: ..."). Lesson, track and burst paths stay
// relative to dir.
func LoadDir(dir string) (*Content, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("content directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("content directory: %s is not a directory", dir)
	}
	return load(os.DirFS(dir), filepath.ToSlash(filepath.Clean(dir)))
}

// ParseLesson parses and checks one lesson file on its own, with roles as
// the vocabulary (nil means DefaultRoles). Checks that need the whole tree
// (duplicate ids, track references) are Load's. Problems are reported
// against path; the error, if any, is a *validation.Error.
func ParseLesson(path string, data []byte, roles []string) (*Lesson, error) {
	if roles == nil {
		roles = member.DefaultRoles
	}
	p := parseLesson(path, data, roles)
	if len(p.problems) > 0 {
		validation.Sort(p.problems)
		return nil, &validation.Error{Problems: p.problems}
	}
	p.lesson.Path = path
	return p.lesson, nil
}

// loader walks one content tree and collects problems.
type loader struct {
	fsys     fs.FS
	root     string // prefix for problem paths; "" or "." for none
	problems []validation.Problem
}

// show turns a path relative to the content root into the path problems
// name.
func (ld *loader) show(rel string) string {
	if ld.root == "" || ld.root == "." {
		return rel
	}
	return path.Join(ld.root, rel)
}

// place is where an id was first defined, for duplicate messages.
type place struct {
	path string
	line int
}

func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

func load(fsys fs.FS, root string) (*Content, error) {
	ld := &loader{fsys: fsys, root: root}
	roles, err := ld.loadRoles()
	if err != nil {
		return nil, err
	}

	var lessonFiles, trackFiles, burstFiles []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != "." && strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") {
			return nil
		}
		top, _, _ := strings.Cut(p, "/")
		switch {
		case path.Dir(p) == "tracks" && isYAML(name):
			trackFiles = append(trackFiles, p)
		case path.Dir(p) == "bursts" && isYAML(name):
			burstFiles = append(burstFiles, p)
		case top == "tracks" || top == "bursts":
		case strings.EqualFold(path.Ext(name), ".md") && !strings.EqualFold(name, "README.md"):
			lessonFiles = append(lessonFiles, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read content %s: %w", ld.show("."), err)
	}

	c := &Content{Roles: roles}
	defined := map[string]place{}
	known := map[string]bool{} // ids tracks may name, including those of broken lessons
	originals := map[string]parsed{}
	var translations []translationFile
	for _, p := range lessonFiles {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", ld.show(p), err)
		}
		pl := parseLesson(ld.show(p), data, roles)
		ld.problems = append(ld.problems, pl.problems...)
		if lang := TranslationLanguage(p); lang != "" {
			translations = append(translations, translationFile{parsed: pl, rel: p, lang: lang})
			continue
		}
		if pl.lesson != nil && pl.id != "" {
			if _, dup := originals[pl.id]; !dup {
				originals[pl.id] = pl
			}
		}
		if pl.brokenID != "" {
			known[pl.brokenID] = true
		}
		if pl.id != "" {
			known[pl.id] = true
			if first, dup := defined[pl.id]; dup {
				ld.problems = append(ld.problems, validation.Problem{Path: ld.show(p), Line: pl.idLine, Field: "id",
					Message: fmt.Sprintf("duplicate id %q (also in %s:%d)", pl.id, first.path, first.line)})
			} else {
				defined[pl.id] = place{ld.show(p), pl.idLine}
			}
		}
		if pl.lesson != nil {
			pl.lesson.Path = p
			c.Lessons = append(c.Lessons, pl.lesson)
		}
	}

	ld.attach(translations, originals, known)

	// Suggestions compare an unknown id with every lesson id: a few are
	// helpful, thousands (a renamed directory) would only be slow.
	const maxSuggestions = 50
	var knownIDs []string // sorted; built on the first unknown id
	suggested := 0
	for _, kind := range []string{"track", "burst"} {
		files := trackFiles
		if kind == "burst" {
			files = burstFiles
		}
		defined := map[string]place{}
		for _, p := range files {
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", ld.show(p), err)
			}
			ps := parseSeries(kind, ld.show(p), data, roles)
			ld.problems = append(ld.problems, ps.problems...)
			if ps.id != "" {
				if first, dup := defined[ps.id]; dup {
					ld.problems = append(ld.problems, validation.Problem{Path: ld.show(p), Line: ps.idLine, Field: "id",
						Message: fmt.Sprintf("duplicate %s id %q (also in %s:%d)", kind, ps.id, first.path, first.line)})
				} else {
					defined[ps.id] = place{ld.show(p), ps.idLine}
				}
			}
			var ids []string
			for _, it := range ps.lessons {
				if it.val != "" && !it.bad && !known[it.val] {
					hint := ""
					if suggested < maxSuggestions {
						if knownIDs == nil {
							knownIDs = slices.Sorted(maps.Keys(known))
						}
						hint = suggest(it.val, knownIDs)
						suggested++
					}
					ld.problems = append(ld.problems, validation.Problem{Path: ld.show(p), Line: it.line, Field: "lessons",
						Message: fmt.Sprintf("unknown lesson %q%s", it.val, hint)})
				}
				ids = append(ids, it.val)
			}
			switch {
			case ps.track != nil:
				ps.track.Path, ps.track.Lessons = p, ids
				c.Tracks = append(c.Tracks, ps.track)
			case ps.burst != nil:
				ps.burst.Path, ps.burst.Lessons = p, ids
				c.Bursts = append(c.Bursts, ps.burst)
			}
		}
	}

	if len(ld.problems) > 0 {
		validation.Sort(ld.problems)
		return nil, &validation.Error{Problems: ld.problems}
	}
	slices.SortFunc(c.Lessons, func(a, b *Lesson) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(c.Tracks, func(a, b *Track) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(c.Bursts, func(a, b *Burst) int { return strings.Compare(a.Path, b.Path) })
	c.index()
	return c, nil
}

// translationFile is a parsed lesson file whose name says it is a
// translation (bcma.es.md).
type translationFile struct {
	parsed
	rel  string // path relative to the content root
	lang string // from the file name
}

// attach checks each translation against its original — the lesson with
// the same id in a file not named as a translation — and adds it to the
// original's Translations. A translation says the same as its original in
// another language: it names its language (as its file name does), has the
// original's kind, number of choices and correct answer, and translates
// every text field the original has (title, question, choices,
// explanation, body) and none it lacks. Roles, departments and tags are
// the original's: a translation may repeat them, not change them.
func (ld *loader) attach(ts []translationFile, originals map[string]parsed, known map[string]bool) {
	first := map[[2]string]parsed{}
	for _, t := range ts {
		tl, lang := t.lesson, t.lang
		if tl == nil || t.id == "" {
			continue // unreadable or without an id: reported by parseLesson
		}
		add := func(field, format string, args ...any) {
			ld.problems = append(ld.problems, validation.Problem{Path: t.path, Line: t.line(field), Field: field,
				Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case t.lines["lang"] == 0:
			ld.problems = append(ld.problems, validation.Problem{Path: t.path, Line: t.line("id"), Field: "lang",
				Message: fmt.Sprintf("missing: a translation names its language, as its file name does: lang: %s", lang)})
		case tl.Lang == "":
			// not a language: reported by parseLesson
		case tl.Lang != lang:
			add("lang", "%s, but the file name says %s: make them the same", tl.Lang, lang)
		}
		orig, ok := originals[tl.ID]
		if !ok {
			if !known[tl.ID] { // a broken original is reported on its own
				add("id", "no lesson %q to translate: the original is a file with this id whose name has no .%s", tl.ID, lang)
			}
			continue
		}
		key := [2]string{tl.ID, lang}
		if f, dup := first[key]; dup {
			add("id", "a second %s translation of %q (also in %s)", lang, tl.ID, f.at("id"))
			continue
		}
		first[key] = t.parsed
		ol := orig.lesson
		if ol.Lang == lang {
			add("lang", "%s is the original's own language (%s): a translation is in another one", lang, orig.at("lang"))
			continue
		}
		sameKind := tl.Kind == "" || tl.Kind == ol.Kind
		if !sameKind {
			add("kind", "%s, but the original (%s) is a %s: a translation keeps the kind", tl.Kind, orig.at("kind"), ol.Kind)
		} else if ol.IsQuiz() && tl.IsQuiz() {
			if len(tl.Choices) > 0 && len(tl.Choices) != len(ol.Choices) {
				add("choices", "%d choices, but the original (%s) has %d: translate every choice, in the same order",
					len(tl.Choices), orig.at("choices"), len(ol.Choices))
			}
			if t.lines["answer"] > 0 && tl.Answer != 0 && tl.Answer != ol.Answer {
				add("answer", "%d, but the original (%s) says %d: a translation keeps the number of the right choice",
					tl.Answer, orig.at("answer"), ol.Answer)
			}
		}
		for _, f := range []struct{ name, orig, tr string }{
			{"explanation", ol.Explanation, tl.Explanation}, {"body", ol.Body, tl.Body},
		} {
			switch {
			case !sameKind: // what a tip and a quiz have differs anyway
			case f.orig != "" && f.tr == "":
				add(f.name, "missing: the original (%s) has one; translate it", orig.at(f.name))
			case f.orig == "" && f.tr != "":
				add(f.name, "the original (%s) has none: a translation says what the original says", orig.at("id"))
			}
		}
		for _, f := range []struct {
			name     string
			orig, tr []string
		}{{"roles", ol.Roles, tl.Roles}, {"departments", ol.Departments, tl.Departments}, {"tags", ol.Tags, tl.Tags}} {
			if t.lines[f.name] > 0 && !sameSet(f.orig, f.tr) {
				add(f.name, "[%s], but the original (%s) has [%s]: leave it out, a translation has the original's",
					strings.Join(f.tr, ", "), orig.at(f.name), strings.Join(f.orig, ", "))
			}
		}
		if ol.Translations == nil {
			ol.Translations = map[string]*Translation{}
		}
		ol.Translations[lang] = &Translation{Title: tl.Title, Question: tl.Question, Choices: tl.Choices,
			Explanation: tl.Explanation, Body: tl.Body, Path: t.rel}
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return len(a) == len(b) && slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// loadRoles returns DefaultRoles plus the roles of roles.yaml, if there is
// one. Its problems join the loader's.
func (ld *loader) loadRoles() ([]string, error) {
	roles := slices.Clone(member.DefaultRoles)
	for _, name := range []string{"roles.yaml", "roles.yml"} {
		data, err := fs.ReadFile(ld.fsys, name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read %s: %w", ld.show(name), err)
		}
		d := &doc{path: ld.show(name), top: "yaml"}
		if m := d.parse(normalize(data)); m != nil {
			f := d.fields(m, []string{"roles"})
			for i, it := range d.list(f["roles"], "roles", "role") {
				switch {
				case it.bad:
				case it.val == "":
					d.add(it.line, "roles", "role %d is empty", i+1)
				case slices.Contains(permissionNames(), it.val):
					d.add(it.line, "roles", "%q is a permission, not a role", it.val)
				case !rolePattern.MatchString(it.val) || len(it.val) > 40:
					d.add(it.line, "roles", "%q is not a valid role: use lower-case letters, digits and underscores, like front_desk", it.val)
				case !slices.Contains(roles, it.val):
					roles = append(roles, it.val)
				}
			}
		}
		ld.problems = append(ld.problems, d.problems...)
	}
	return roles, nil
}

func permissionNames() []string {
	out := make([]string, len(member.AllPermissions))
	for i, p := range member.AllPermissions {
		out[i] = string(p)
	}
	return out
}

// normalize drops a byte-order mark and turns CRLF and lone CR line ends
// into LF, so that lines are counted the way editors and YAML count them.
func normalize(b []byte) string {
	s := strings.TrimPrefix(string(b), "\ufeff")
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return s
}

// parsed is one lesson file after parsing: the lesson (nil when its front
// matter could not be read), its id as written and the id's line.
type parsed struct {
	lesson   *Lesson
	id       string
	idLine   int
	brokenID string // id of a file whose YAML is broken, salvaged by idLinePattern
	problems []validation.Problem
	// lines is the line of each field the file has, and of "body" (the
	// closing --- line when there is none): where a translation's
	// disagreement with its original is reported.
	lines map[string]int
	path  string // as problems name it
}

// line is where field is, or where to report that it is missing: the
// kind line, else the first.
func (p parsed) line(field string) int {
	if n := p.lines[field]; n > 0 {
		return n
	}
	if n := p.lines["kind"]; n > 0 {
		return n
	}
	return 1
}

// at is "path:line" of field, for messages that point at another file.
func (p parsed) at(field string) string { return fmt.Sprintf("%s:%d", p.path, p.line(field)) }

var lessonFields = []string{"id", "lang", "kind", "title", "roles", "departments", "tags", "question", "choices", "answer", "explanation"}

// idLinePattern salvages the id of a lesson whose front matter is not valid
// YAML, so that tracks naming it do not get a second, misleading problem.
var idLinePattern = regexp.MustCompile(`(?m)^id:[ \t]*["']?([a-z0-9][a-z0-9-]*)["']?[ \t]*(?:#.*)?$`)

func parseLesson(path string, data []byte, roles []string) parsed {
	d := &doc{path: path, offset: 1, top: "front matter"}
	text := normalize(data)
	fm, body, bodyLine, found := splitFrontMatter(text)
	if found != "" {
		d.add(1, "front matter", "%s", found)
		return parsed{problems: d.problems, path: path}
	}

	out := parsed{path: path, lines: map[string]int{"body": bodyLine}}
	if body == "" {
		out.lines["body"] = closingLine(text)
	}
	if utf8.ValidString(body) {
		if n := utf8.RuneCountInString(body); n > MaxBodyLen {
			d.add(bodyLine, "body", "%d characters, over %d: cannot be one message section; split the lesson or link to a page", n, MaxBodyLen)
		}
	} else {
		d.add(bodyLine, "body", "not valid UTF-8 text")
	}

	m := d.parse(fm)
	if m == nil {
		if sm := idLinePattern.FindStringSubmatch(fm); sm != nil {
			out.brokenID = sm[1]
		}
		out.problems = d.problems
		return out
	}
	f := d.fields(m, lessonFields)
	for name, fl := range f {
		out.lines[name] = d.keyLine(fl)
	}
	l := &Lesson{Body: body}
	if lang, ok := d.text(f["lang"], "lang"); ok && lang != "" {
		tag, err := ParseLanguage(lang)
		if err != nil {
			d.add(d.keyLine(f["lang"]), "lang", "%v", err)
		}
		l.Lang = tag
	}

	id, ok := d.text(f["id"], "id")
	d.checkID(f["id"], id, ok, "medrec-admission-01")
	if id != "" {
		out.id, out.idLine = id, d.keyLine(f["id"])
	}
	l.ID = id

	kind := d.oneOf(f["kind"], "kind", string(KindTip), string(KindQuiz))
	l.Kind = Kind(kind)
	kindLine := d.keyLine(f["kind"]) // quiz fields that are missing are reported here

	l.Title, ok = d.text(f["title"], "title")
	d.checkTitle(f["title"], l.Title, ok)
	l.Roles = d.checkRoles(f["roles"], roles)
	l.Departments = d.checkDepartments(f["departments"])
	seenTags := map[string]bool{}
	for i, it := range d.list(f["tags"], "tags", "tag") {
		switch {
		case it.bad:
		case !idPattern.MatchString(it.val):
			d.add(it.line, "tags", "tag %d (%q) should be lower-case words joined by dashes, like med-rec", i+1, it.val)
		case !seenTags[it.val]:
			seenTags[it.val] = true
			l.Tags = append(l.Tags, it.val)
		}
	}

	l.Question, ok = d.text(f["question"], "question")
	choices := d.list(f["choices"], "choices", "choice")
	answer, answerOK := d.number(f["answer"], "answer")
	l.Explanation, _ = d.text(f["explanation"], "explanation")
	if n := utf8.RuneCountInString(l.Explanation); n > MaxExplainLen {
		d.add(d.keyLine(f["explanation"]), "explanation", "%d characters, over %d", n, MaxExplainLen)
	}

	switch l.Kind {
	case KindQuiz:
		switch {
		case !ok && f["question"].present():
		case l.Question == "":
			d.add(d.keyLineOr(f["question"], kindLine), "question", "missing: a quiz needs a question")
		case utf8.RuneCountInString(l.Question) > MaxQuestionLen:
			d.add(d.keyLine(f["question"]), "question", "%d characters, over %d", utf8.RuneCountInString(l.Question), MaxQuestionLen)
		}
		cf := f["choices"]
		switch {
		case emptyList(cf):
			d.add(d.keyLineOr(cf, kindLine), "choices", "missing: a quiz needs %d to %d choices", MinChoices, MaxChoices)
		case cf.val.Kind != yaml.SequenceNode:
			// reported by list
		case len(choices) < MinChoices || len(choices) > MaxChoices:
			d.add(d.keyLine(cf), "choices", "a quiz needs %d to %d choices, found %d", MinChoices, MaxChoices, len(choices))
		}
		firstChoice := map[string]int{}
		for i, c := range choices {
			switch {
			case c.bad:
			case c.val == "":
				d.add(c.line, "choices", "choice %d is empty", i+1)
			case utf8.RuneCountInString(c.val) > MaxChoiceLen:
				d.add(c.line, "choices", "choice %d is %d characters, over %d: cannot be a button label", i+1, utf8.RuneCountInString(c.val), MaxChoiceLen)
			case firstChoice[c.val] > 0:
				d.add(c.line, "choices", "choice %d repeats choice %d", i+1, firstChoice[c.val])
			default:
				firstChoice[c.val] = i + 1
			}
			l.Choices = append(l.Choices, c.val)
		}
		switch {
		case !answerOK && f["answer"].present():
		case !f["answer"].present():
			d.add(kindLine, "answer", "missing: the number (1 to %d) of the correct choice", max(len(choices), MinChoices))
		case answer < 1 || (len(choices) > 0 && answer > len(choices)):
			d.add(d.keyLine(f["answer"]), "answer", "%d is out of range: pick 1 to %d, the number of the correct choice", answer, max(len(choices), 1))
		}
		l.Answer = answer
	case KindTip:
		for _, qf := range [][2]string{{"question", "a question"}, {"choices", "choices"}, {"answer", "an answer"}} {
			if f[qf[0]].present() {
				d.add(d.keyLine(f[qf[0]]), qf[0], "only a quiz has %s: this lesson is a tip (set kind: quiz or remove the field)", qf[1])
			}
		}
	}

	out.lesson = l
	out.problems = d.problems
	return out
}

// emptyList reports whether a list field is absent, empty or null.
func emptyList(f field) bool {
	return !f.present() || isNull(f.val) || (f.val.Kind == yaml.SequenceNode && len(f.val.Content) == 0)
}

// keyLineOr is the line of f's key, or line when f is absent.
func (d *doc) keyLineOr(f field, line int) int {
	if f.present() {
		return d.line(f.key)
	}
	return line
}

// closingLine is the line of the --- that ends the front matter of text
// (which has one).
func closingLine(text string) int {
	for i, line := range strings.Split(text, "\n") {
		if i > 0 && strings.TrimRight(line, " \t") == "---" {
			return i + 1
		}
	}
	return 1
}

// splitFrontMatter returns the YAML between the opening and closing ---
// lines, the trimmed body after them and the file line the body starts on.
// problem is non-empty when there is no front matter.
func splitFrontMatter(text string) (fm, body string, bodyLine int, problem string) {
	lines := strings.Split(text, "\n")
	if strings.TrimRight(lines[0], " \t") != "---" {
		return "", "", 0, "missing: a lesson starts with a --- line, its fields (id, kind, title, ...) and another --- line"
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") != "---" {
			continue
		}
		rest := lines[i+1:]
		j := 0
		for j < len(rest) && strings.TrimSpace(rest[j]) == "" {
			j++
		}
		return strings.Join(lines[1:i], "\n"), strings.TrimSpace(strings.Join(rest, "\n")), i + 2 + j, ""
	}
	return "", "", 0, "not closed: add a --- line after the last field"
}

// series is a parsed track or burst file.
type series struct {
	track    *Track
	burst    *Burst
	id       string
	idLine   int
	lessons  []item
	problems []validation.Problem
}

var (
	trackFields = []string{"id", "title", "roles", "onboarding", "lessons"}
	burstFields = []string{"id", "title", "roles", "departments", "lessons", "pace"}
)

// parseSeries parses a track or burst file. Lesson ids are checked against
// the lessons by the loader.
func parseSeries(kind, path string, data []byte, roles []string) series {
	d := &doc{path: path, top: "yaml"}
	out := series{}
	m := d.parse(normalize(data))
	if m == nil {
		out.problems = d.problems
		return out
	}
	known := trackFields
	if kind == "burst" {
		known = burstFields
	}
	f := d.fields(m, known)

	id, ok := d.text(f["id"], "id")
	d.checkID(f["id"], id, ok, "nurse-onboarding")
	if id != "" {
		out.id, out.idLine = id, d.keyLine(f["id"])
	}
	title, ok := d.text(f["title"], "title")
	d.checkTitle(f["title"], title, ok)
	rs := d.checkRoles(f["roles"], roles)

	lf := f["lessons"]
	items := d.list(lf, "lessons", "lesson")
	if emptyList(lf) {
		d.add(d.keyLine(lf), "lessons", "empty: a %s needs at least one lesson id", kind)
	}
	if len(items) > MaxTrackLessons {
		d.add(d.keyLine(lf), "lessons", "%d lessons, over %d", len(items), MaxTrackLessons)
	}
	first := map[string]int{}
	for i, it := range items {
		switch {
		case it.bad:
		case it.val == "":
			d.add(it.line, "lessons", "lesson %d is empty", i+1)
		case first[it.val] > 0:
			d.add(it.line, "lessons", "lesson %q is listed twice (first at line %d)", it.val, first[it.val])
		default:
			first[it.val] = it.line
		}
	}
	out.lessons = items

	if kind == "track" {
		out.track = &Track{ID: id, Title: title, Roles: rs, Onboarding: d.flag(f["onboarding"], "onboarding")}
	} else {
		deps := d.checkDepartments(f["departments"])
		pace := d.oneOf(f["pace"], "pace", string(PaceAllAtOnce), string(PaceDaily))
		out.burst = &Burst{ID: id, Title: title, Roles: rs, Departments: deps, Pace: Pace(pace)}
	}
	out.problems = d.problems
	return out
}
