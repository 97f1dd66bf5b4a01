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
