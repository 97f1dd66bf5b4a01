package bottest

import (
	"strings"
	"testing"
)

// Contains marks the test failed (and goes on) for each of wants that got,
// the text called what, does not contain.
func Contains(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q; want it to contain %q", what, got, w)
		}
	}
}

// Lacks marks the test failed (and goes on) for each of unwanted that got
// still contains: an identifier a redaction must have removed, a word that
// must not be shown.
func Lacks(t testing.TB, what, got string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(got, u) {
			t.Errorf("%s = %q; %q should be gone", what, got, u)
		}
	}
}
