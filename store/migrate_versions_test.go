package store_test

import (
	"os"
	"strings"
	"testing"
)

// TestMigrationVersionsUnique: no two migrations of a backend share a
// number. Migrate records versions, so the second of two 0016s is skipped
// silently on every database — its table never exists (this happened when
// two branches each took the next free number).
func TestMigrationVersionsUnique(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"migrations/sqlite", "migrations/postgres"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, e := range entries {
			v, _, ok := strings.Cut(e.Name(), "_")
			if !ok || !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			if other, dup := seen[v]; dup {
				t.Errorf("%s: %s and %s share version %s", dir, other, e.Name(), v)
			}
			seen[v] = e.Name()
		}
		if len(seen) < 10 {
			t.Fatalf("%s: only %d migrations read", dir, len(seen))
		}
	}
}
