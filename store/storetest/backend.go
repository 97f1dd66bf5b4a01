package storetest

import (
	"testing"

	"github.com/huddlebot/huddlebot/store"
)

// EachBackend runs fn once per backend, each as a parallel subtest named
// after the backend. fn opens what it needs (URL, Open); a PostgreSQL run
// skips, or fails when PostgreSQL is required, as URL says.
func EachBackend(t *testing.T, fn func(t *testing.T, backend store.Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// ParallelEachBackend is the preamble of a test that runs on both backends
// at once and opens what it needs itself: it marks the test parallel and
// runs fn as a parallel subtest per backend (see EachBackend).
func ParallelEachBackend(t *testing.T, fn func(t *testing.T, backend store.Backend)) {
	t.Helper()
	t.Parallel()
	EachBackend(t, fn)
}
