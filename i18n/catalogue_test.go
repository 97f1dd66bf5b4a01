package i18n

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestCatalogueLoads(t *testing.T) {
	if err := Err(); err != nil {
		t.Fatal(err)
	}
	if got := Shipped(); !slices.Equal(got[:2], []string{"en", "es"}) {
		t.Fatalf("shipped = %v, want en, es first", got)
	}
}

// checkCatalogue returns every problem of a set of catalogues: a key of
// the default language missing from another, a key only another has, a
// plural form a language's CLDR rule needs that a message lacks, template
// data a translation names differently.
func checkCatalogue(c *catalogue) []string {
	var problems []string
	en := c.messages[Default]
	for _, lang := range c.shipped {
		msgs := c.messages[lang]
		for _, key := range sortedKeys(en) {
			if msgs[key] == nil {
				problems = append(problems, lang+": missing "+key)
			}
		}
		for _, key := range sortedKeys(msgs) {
			if en[key] == nil {
				problems = append(problems, lang+": "+key+" is not in "+Default+".yaml")
			}
		}
		loc := goi18n.NewLocalizer(c.bundle, lang)
		for _, key := range sortedKeys(msgs) {
			m, def := msgs[key], en[key]
			if def == nil {
				continue
			}
			if isPlural(def) || isPlural(m) {
				for _, n := range pluralSamples {
					_, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: Data{"Count": n}})
					if err != nil {
						problems = append(problems, lang+": "+key+": "+err.Error()+" (count "+strconv.Itoa(n)+")")
						break
					}
				}
			}
			// A translation may leave data out, never name data the
			// default does not (it would print "<no value>"); the
			// calendar's formats get all of theirs from this package.
			if got, want := vars(m), vars(def); !strings.HasPrefix(key, "date.") && !subset(got, want) {
				problems = append(problems, lang+": "+key+" uses "+strings.Join(got, ",")+"; "+Default+" uses "+strings.Join(want, ","))
			}
		}
	}
	return problems
}

// pluralSamples reach every integer plural form of CLDR's rules: Spanish
// "many" is a multiple of a million, Arabic "few" 3–10, "many" 11–99.
var pluralSamples = []int{0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 15, 20, 21, 22, 25, 100, 101, 102, 111, 1000, 1000000, 2000000}

func isPlural(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

var templateVar = regexp.MustCompile(`\{\{-?\s*\.(\w+)`)

// vars lists the template data a message names in any form, Count aside
// (a form may spell its number out: "un día").
func vars(m *goi18n.Message) []string {
	var out []string
	for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, v := range templateVar.FindAllStringSubmatch(src, -1) {
			if v[1] != "Count" && !slices.Contains(out, v[1]) {
				out = append(out, v[1])
			}
		}
	}
	sort.Strings(out)
	return out
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]*goi18n.Message) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every shipped language has every key, every plural form its CLDR rule
// needs, and the default's template data.
func TestShippedCataloguesComplete(t *testing.T) {
	for _, p := range checkCatalogue(load()) {
		t.Error(p)
	}
}

// The check itself fails on what it is there to catch.
func TestCatalogueCheckCatches(t *testing.T) {
	c := parse(fstest.MapFS{
		"locales/en.yaml": {Data: []byte("a.hello: Hello {{.Name}}\na.bye: Bye\na.days:\n  one: \"{{.Count}} day\"\n  other: \"{{.Count}} days\"\n")},
		"locales/es.yaml": {Data: []byte("a.hello: Hola {{.Nombre}}\na.days:\n  one: \"{{.Count}} día\"\n  other: \"{{.Count}} días\"\na.extra: x\n")},
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	got := strings.Join(checkCatalogue(&c), "\n")
	for _, want := range []string{
		"es: missing a.bye",
		"es: a.extra is not in en.yaml",
		`es: a.days: message "a.days" has no plural form "many" (count 1000000)`,
		"es: a.hello uses Nombre; en uses Name",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestResolveAndMatch(t *testing.T) {
	for _, tc := range []struct{ member, ws, want string }{
		{"es", "en", "es"},
		{"es-MX", "en", "es"},
		{"ES_419", "en", "es"},
		{"pt-BR", "en", "en"}, // not shipped: the default's strings
		{"pt-BR", "es", "es"},
		{"", "es", "es"},
		{"", "", "en"},
		{"klingon!", "fr", "en"},
	} {
		if got := Resolve(tc.member, tc.ws); got != tc.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tc.member, tc.ws, got, tc.want)
		}
	}
	if got := For("pt-BR").T("date.weekday.mon", nil); got != "Monday" {
		t.Errorf("pt-BR says %q, want the default's Monday", got)
	}
	if got, err := Canonical("pt_br"); err != nil || got != "pt-BR" {
		t.Errorf("Canonical(pt_br) = %q, %v", got, err)
	}
	if _, err := Canonical("not a language"); err == nil {
		t.Error("Canonical accepted nonsense")
	}
}

func TestPluralsAndDates(t *testing.T) {
	c := parse(fstest.MapFS{
		"locales/en.yaml": {Data: []byte("x.days:\n  one: \"{{.Count}} day\"\n  other: \"{{.Count}} days\"\n")},
		"locales/es.yaml": {Data: []byte("x.days:\n  one: \"{{.Count}} día\"\n  many: \"{{.Count}} de días\"\n  other: \"{{.Count}} días\"\n")},
	})
	es := &Localizer{lang: "es", loc: goi18n.NewLocalizer(c.bundle, "es")}
	for n, want := range map[int]string{1: "1 día", 2: "2 días", 0: "0 días", 1000000: "1000000 de días"} {
		if got := es.N("x.days", n, nil); got != want {
			t.Errorf("es %d = %q, want %q", n, got, want)
		}
	}
	day := mustDate(t, "2026-03-02") // a Monday
	if got := For("es").ShortDate(day); got != "lunes 2 de marzo" {
		t.Errorf("es date = %q", got)
	}
	if got := For("en").ShortDate(day); got != "Mon 2 Mar" {
		t.Errorf("en date = %q", got)
	}
	if got, en := For("es").FullDate(day), For("en").FullDate(day); got != "lunes 2 de marzo de 2026" || en != "2026-03-02" {
		t.Errorf("full date: es %q, en %q", got, en)
	}
	if got := For("es").List([]string{"a", "b", "c"}); got != "a, b y c" {
		t.Errorf("es list = %q", got)
	}
}

// keyCall names the functions whose first argument is a catalogue key.
var keyCall = map[string]bool{"T": true, "N": true, "UserErrT": true, "Tf": true}

// Every key the code names exists in the default catalogue: a string
// literal passed first to T, N or UserErrT, and any string literal that
// looks like a key of one of the catalogue's namespaces ("learn.…").
func TestKeysUsedInCodeExist(t *testing.T) {
	en := load().messages[Default]
	namespaces := map[string]bool{}
	for k := range en {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	keyish := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	fset, files := goFiles(t)
	checked := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				if keyCall[name] && len(n.Args) > 0 {
					if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						key, _ := strconv.Unquote(lit.Value)
						checked++
						if en[key] == nil {
							t.Errorf("%s: key %q is not in the catalogue", fset.Position(lit.Pos()), key)
						}
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil || !keyish.MatchString(s) {
					return true
				}
				if ns, _, _ := strings.Cut(s, "."); namespaces[ns] && en[s] == nil {
					t.Errorf("%s: key %q is not in the catalogue", fset.Position(n.Pos()), s)
				}
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no key found in the code: the scan is broken")
	}
}

// goFiles parses the module's Go files, tests and testdata aside.
func goFiles(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil && !errors.Is(err, fs.SkipDir) {
		t.Fatal(err)
	}
	return fset, files
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
