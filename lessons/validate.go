package lessons

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/internal/validation"
	"gopkg.in/yaml.v3"
)

// MaxIDLen bounds lesson, track and burst ids: they end up in button values,
// job unique keys and report columns.
const MaxIDLen = 100

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	rolePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	fieldName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)
	yamlLine    = regexp.MustCompile(`line (\d+): `)
)

// doc collects the problems of one file while its YAML is walked.
type doc struct {
	path     string
	offset   int    // added to YAML line numbers to get file lines
	top      string // field named for problems with the document as a whole
	lines    []int  // YAML line to line within the YAML, see yamlLines
	problems []validation.Problem
}

func (d *doc) add(line int, field, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	// One problem is one line of output, whatever the parser put in its message.
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	d.problems = append(d.problems, validation.Problem{Path: d.path, Line: line, Field: field, Message: msg})
}

// line is the file line of a node.
func (d *doc) line(n *yaml.Node) int { return d.fileLine(n.Line) }

// fileLine turns a line number yaml.v3 reports into a file line. YAML also
// breaks lines at NEL, LS and PS, which editors (and this package) do not.
func (d *doc) fileLine(yamlLine int) int {
	if yamlLine >= 1 && yamlLine <= len(d.lines) {
		return d.lines[yamlLine-1] + d.offset
	}
	return yamlLine + d.offset
}

// yamlLines maps each YAML line of src (LF line ends only) to its 1-based
// line: entry i is the line YAML line i+1 is on.
func yamlLines(src string) []int {
	out := []int{1}
	line := 1
	for _, r := range src {
		switch r {
		case '\n':
			line++
			out = append(out, line)
		case '\u0085', '\u2028', '\u2029':
			out = append(out, line)
		}
	}
	return out
}

// parse parses src as a YAML mapping. It returns nil, having reported why,
// when src is not valid YAML or not a mapping; an empty document is an empty
// mapping.
func (d *doc) parse(src string) *yaml.Node {
	d.lines = yamlLines(src)
	root, extra, err := decodeYAML(src)
	if err != nil {
		d.yamlError(err)
		return nil
	}
	if extra > 0 {
		d.add(d.fileLine(extra), "yaml", "a second YAML document starts here: a file holds one")
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	n = resolve(n)
	switch {
	case n.Kind == yaml.MappingNode:
		return n
	case n.Kind == 0, n.Kind == yaml.DocumentNode, n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	d.add(d.line(n), d.top, "must be fields like \"id: ...\", one per line")
	return nil
}

// decodeYAML parses the first document of src and returns the line of a
// second one, if any. yaml.v3 is not supposed to panic, but a validator that
// runs on untrusted files in CI must not crash on a parser bug either.
func decodeYAML(src string) (root yaml.Node, extra int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse YAML: %v", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(src))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return yaml.Node{}, 0, nil
		}
		return yaml.Node{}, 0, err
	}
	var next yaml.Node
	if dec.Decode(&next) == nil {
		extra = next.Line
		if extra < 1 {
			extra = 1
		}
	}
	return root, extra, nil
}

// parserProblems are the messages of yaml.v3's parser errors. Unlike its
// scanner errors, yaml.v3 v3.0.1 names their line 0-based (decode.go, fail),
// and leaves the line out when it is the first.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// yamlError reports a YAML syntax error at the line yaml.v3 names in its
// message, moved by the file's offset. Without a line it is the first line
// of the YAML.
func (d *doc) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
		n, convErr := strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
		if convErr == nil {
			line = n
			if slices.ContainsFunc(parserProblems, func(p string) bool { return strings.HasPrefix(msg, p) }) {
				line++
			}
		}
	}
	d.add(d.fileLine(line), "yaml", "%s", msg)
}

// resolve follows YAML aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// field is one key of a mapping and its value; a zero field means the key
// is absent.
type field struct {
	key, val *yaml.Node
}

func (f field) present() bool { return f.key != nil }

// fields indexes a mapping by key, reporting unknown and repeated keys.
func (d *doc) fields(m *yaml.Node, known []string) map[string]field {
	out := map[string]field{}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.add(d.line(m.Content[i]), d.top, "field names must be plain words like title")
			continue
		}
		name := k.Value
		label := name
		if !fieldName.MatchString(name) {
			label = d.top
		}
		if first, dup := seen[name]; dup {
			d.add(d.line(k), label, "field %q appears twice (first at line %d)", name, first)
			continue
		}
		seen[name] = d.line(k)
		if !slices.Contains(known, name) {
			d.add(d.line(k), label, "unknown field %q%s (known: %s)", name, suggest(name, known), strings.Join(known, ", "))
			continue
		}
		out[name] = field{key: k, val: v}
	}
	return out
}

// keyLine is the line of f's key, or the file's first line when f is absent,
// so that a missing field is reported at the top of the file.
func (d *doc) keyLine(f field) int {
	if f.key == nil {
		return 1
	}
	return d.line(f.key)
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a set of fields"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a value"
}

// oneOf returns text field f, named name, reporting it when it is missing
// or not one of allowed ("missing: tip or quiz", `"x" is not a kind: use tip
// or quiz`).
func (d *doc) oneOf(f field, name string, allowed ...string) string {
	v, ok := d.text(f, name)
	switch {
	case !ok && f.present():
	case v == "":
		d.add(d.keyLine(f), name, "missing: %s", strings.Join(allowed, " or "))
	case !slices.Contains(allowed, v):
		d.add(d.keyLine(f), name, "%q is not a %s: use %s", v, name, strings.Join(allowed, " or "))
	}
	return v
}

// text returns a text field, trimmed; ok is false when the field is absent or
// not text (which is reported).
func (d *doc) text(f field, name string) (s string, ok bool) {
	if !f.present() {
		return "", false
	}
	switch {
	case isNull(f.val):
		return "", true
	case f.val.Kind == yaml.ScalarNode:
		return strings.TrimSpace(f.val.Value), true
	}
	d.add(d.keyLine(f), name, "must be text, not %s (put it in quotes if it contains \": \")", describe(f.val))
	return "", false
}

// item is one entry of a list field and its file line.
type item struct {
	val  string
	line int
	bad  bool // not plain text; already reported
}

// list returns a list-of-text field. Entries that are not text are reported
// and returned with bad set, so that counts stay right.
func (d *doc) list(f field, name, noun string) []item {
	if !f.present() || isNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.SequenceNode {
		example := "a, b"
		if f.val.Kind == yaml.ScalarNode && f.val.Value != "" {
			example = f.val.Value
		}
		d.add(d.keyLine(f), name, "must be a list, like [%s]", example)
		return nil
	}
	out := make([]item, 0, len(f.val.Content))
	for i, c := range f.val.Content {
		line := d.line(c)
		c = resolve(c)
		switch {
		case isNull(c):
			out = append(out, item{line: line})
		case c.Kind == yaml.ScalarNode:
			out = append(out, item{val: strings.TrimSpace(c.Value), line: line})
		default:
			d.add(line, name, "%s %d must be plain text, not %s (put it in quotes if it contains \": \")", noun, i+1, describe(c))
			out = append(out, item{line: line, bad: true})
		}
	}
	return out
}

// number returns a whole-number field; ok is false when it is absent or not
// a number (which is reported).
func (d *doc) number(f field, name string) (n int, ok bool) {
	if !f.present() {
		return 0, false
	}
	if f.val.Kind == yaml.ScalarNode && f.val.ShortTag() == "!!int" {
		if err := f.val.Decode(&n); err == nil {
			return n, true
		}
	}
	d.add(d.keyLine(f), name, "must be a whole number, like 2")
	return 0, false
}

// flag returns a true/false field; absent or empty is false.
func (d *doc) flag(f field, name string) bool {
	if !f.present() || isNull(f.val) {
		return false
	}
	var b bool
	if f.val.Kind == yaml.ScalarNode && f.val.ShortTag() == "!!bool" && f.val.Decode(&b) == nil {
		return b
	}
	d.add(d.keyLine(f), name, "must be true or false")
	return false
}

// checkID reports a missing, malformed or overlong id.
func (d *doc) checkID(f field, id string, ok bool, example string) {
	switch {
	case !ok && f.present():
		// reported by text
	case id == "":
		d.add(d.keyLine(f), "id", "missing: give a unique id like %s", example)
	case !idPattern.MatchString(id):
		d.add(d.keyLine(f), "id", "%q is not a valid id: use lower-case letters, digits and dashes, like %s", id, example)
	case len(id) > MaxIDLen:
		d.add(d.keyLine(f), "id", "%d characters, over %d", len(id), MaxIDLen)
	}
}

// checkTitle reports a missing or overlong title.
func (d *doc) checkTitle(f field, title string, ok bool) {
	switch {
	case !ok && f.present():
	case title == "":
		d.add(d.keyLine(f), "title", "missing: give a short title")
	case utf8.RuneCountInString(title) > MaxTitleLen:
		d.add(d.keyLine(f), "title", "%d characters, over %d: cannot be a message header", utf8.RuneCountInString(title), MaxTitleLen)
	}
}

// checkRoles returns the roles of a roles field, reporting those outside the
// vocabulary.
func (d *doc) checkRoles(f field, vocabulary []string) []string {
	var out []string
	seen := map[string]bool{}
	for i, it := range d.list(f, "roles", "role") {
		switch {
		case it.bad:
		case it.val == "":
			d.add(it.line, "roles", "role %d is empty", i+1)
		case !slices.Contains(vocabulary, it.val):
			d.add(it.line, "roles", "unknown role %q%s (known: %s; add roles in roles.yaml)", it.val, suggest(it.val, vocabulary), strings.Join(vocabulary, ", "))
		case seen[it.val]:
			d.add(it.line, "roles", "role %q is listed twice", it.val)
		default:
			seen[it.val] = true
			out = append(out, it.val)
		}
	}
	return out
}

// checkDepartments returns a departments field. Departments are free text
// (they come from the roster), so only empty entries are wrong.
func (d *doc) checkDepartments(f field) []string {
	var out []string
	seen := map[string]bool{}
	for i, it := range d.list(f, "departments", "department") {
		switch {
		case it.bad:
		case it.val == "":
			d.add(it.line, "departments", "department %d is empty", i+1)
		case !seen[it.val]:
			seen[it.val] = true
			out = append(out, it.val)
		}
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for the closest candidate within a
// couple of typos of s, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	if len(s) > 64 {
		return ""
	}
	for _, c := range candidates {
		if len(c) > 64 {
			continue
		}
		if dist := editDistance(s, c); dist < bestD && dist < len(c) {
			best, bestD = c, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
