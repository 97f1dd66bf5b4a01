package bottest

import (
	"os"
	"path/filepath"
	"testing"
)

// Fixture returns the contents of testdata/name beside the calling test
// (the platform payloads an adapter's tests replay); a file that cannot be
// read fails the test.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
