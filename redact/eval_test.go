package redact

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode"
)

// labelled is one message of testdata/labelled.txt: the text as typed and
// the identifiers in it ([[...]] in the file).
type labelled struct {
	text string
	ids  []string
}

func loadLabelled(t testing.TB) []labelled { return loadFile(t, "testdata/labelled.txt") }

func loadFile(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		var l labelled
		var b strings.Builder
		for {
			i := strings.Index(s, "[[")
			if i < 0 {
				b.WriteString(s)
				break
			}
			j := strings.Index(s[i:], "]]")
			if j < 0 {
				t.Fatalf("%s:%d: [[ without ]]", path, line)
			}
			b.WriteString(s[:i])
			id := s[i+2 : i+j]
			b.WriteString(id)
			l.ids = append(l.ids, id)
			s = s[i+j+2:]
		}
		l.text = b.String()
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tokens splits text into words without surrounding punctuation and
// without a possessive 's.
func tokens(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '[' && r != ']' })
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// labelWords may stay next to a removed identifier ("MRN [redacted]"): they
// name the kind of identifier, not the person.
var labelWords = map[string]bool{"MRN": true, "DOB": true, "Mr": true, "Mrs": true, "Ms": true, "Miss": true, "MRN#": true,
	"on": true, "age": true, "yo": true, "y/o": true, "years": true, "year": true, "old": true, "is": true, "birthday": true,
	"member": true, "ID": true, "d.o.b": true, "the": true, "of": true}

// core are the tokens of an identifier that must not survive.
func core(id string) []string {
	var out []string
	for _, w := range tokens(id) {
		if !labelWords[w] && !labelWords[strings.TrimSuffix(w, ".")] {
			out = append(out, w)
		}
	}
	return out
}

// evalScores runs Text over the labelled set and returns the share of
// identifiers removed (recall), of ordinary tokens containing a digit kept,
// and of all ordinary tokens kept; misses and losses describe the failures.
func evalScores(t testing.TB, redact func(string) string) (recall, numbersKept, tokensKept float64, misses, losses []string) {
	return evalScoresFile(t, "testdata/labelled.txt", redact)
}

func evalScoresFile(t testing.TB, path string, redact func(string) string) (recall, numbersKept, tokensKept float64, misses, losses []string) {
	set := loadFile(t, path)
	var ids, caught, nums, numsKept, toks, toksKept int
	for _, l := range set {
		out := redact(l.text)
		left := map[string]int{}
		for _, w := range tokens(out) {
			left[w]++
		}
		inID := map[string]int{} // every token of an identifier, its labels too: not ordinary
		for _, id := range l.ids {
			ids++
			for _, w := range tokens(id) {
				inID[w]++
			}
			ok := true
			for _, w := range core(id) {
				if left[w] > 0 {
					ok = false
				}
			}
			if ok {
				caught++
			} else {
				misses = append(misses, id+"  ←  "+out)
			}
		}
		for _, w := range tokens(l.text) {
			if inID[w] > 0 {
				inID[w]--
				continue
			}
			isNum := strings.IndexFunc(w, unicode.IsDigit) >= 0
			toks++
			if isNum {
				nums++
			}
			if left[w] > 0 {
				left[w]--
				toksKept++
				if isNum {
					numsKept++
				}
			} else {
				losses = append(losses, w+"  ←  "+out)
			}
		}
	}
	return float64(caught) / float64(ids), float64(numsKept) / float64(nums), float64(toksKept) / float64(toks), misses, losses
}

// TestLabelledSet is the redactor's bar on realistic messages: at least 95%
// of identifiers removed, and at least 95% of ordinary numbers (doses,
// times, extensions, lab values, rooms) and of all ordinary words kept.
func TestLabelledSet(t *testing.T) {
	t.Parallel()
	set := loadLabelled(t)
	if len(set) < 150 {
		t.Fatalf("the labelled set has %d messages, want at least 150", len(set))
	}
	recall, nums, toks, misses, losses := evalScores(t, func(s string) string { out, _ := Text(s); return out })
	t.Logf("labelled set: %d messages; identifier recall %.1f%%; ordinary numbers kept %.1f%%; ordinary tokens kept %.1f%%",
		len(set), 100*recall, 100*nums, 100*toks)
	for _, m := range misses {
		t.Logf("missed: %s", m)
	}
	for _, l := range losses {
		t.Logf("lost: %s", l)
	}
	if recall < 0.95 || nums < 0.95 || toks < 0.95 {
		t.Errorf("below the bar (95%%): recall %.1f%%, numbers kept %.1f%%, tokens kept %.1f%%", 100*recall, 100*nums, 100*toks)
	}
}

// TestHeldOut reports the rules on testdata/heldout.txt, messages written
// after the rules were tuned on labelled.txt: an honest estimate of how
// they do on phrasing they were not fitted to. Its bar is lower (the set is
// small and was written to probe weaknesses); a drop below it means a rule
// change made things clearly worse.
func TestHeldOut(t *testing.T) {
	t.Parallel()
	recall, nums, toks, misses, losses := evalScoresFile(t, "testdata/heldout.txt", func(s string) string { out, _ := Text(s); return out })
	t.Logf("held-out set: identifier recall %.1f%%; ordinary numbers kept %.1f%%; ordinary tokens kept %.1f%%", 100*recall, 100*nums, 100*toks)
	for _, m := range misses {
		t.Logf("missed: %s", m)
	}
	for _, l := range losses {
		t.Logf("lost: %s", l)
	}
	if recall < 0.6 || nums < 0.9 {
		t.Errorf("held-out recall %.1f%% (bar 60%%), numbers kept %.1f%% (bar 90%%)", 100*recall, 100*nums)
	}
}
