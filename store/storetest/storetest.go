// Package storetest opens migrated, isolated stores for tests, on SQLite
// and, when HUDDLEBOT_TEST_DATABASE_URL is set, on PostgreSQL.
//
// Each PostgreSQL test gets a schema of its own that is dropped when the test
// ends, so tests may run in parallel against one database. When
// HUDDLEBOT_TEST_REQUIRE_POSTGRES is set (CI sets it), a missing or
// unreachable PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
)

// Backends returns the backends the tests should cover.
func Backends() []store.Backend { return []store.Backend{store.SQLite, store.Postgres} }

// Each runs fn as a subtest once per backend, with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(string(b), func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// Run is the preamble of a store behaviour test: it marks the test
// parallel and runs fn as a subtest once per backend (see Each), with a
// fresh migrated store and a background context.
func Run(t *testing.T, fn func(t *testing.T, ctx context.Context, db *store.DB)) {
	t.Helper()
	t.Parallel()
	Each(t, func(t *testing.T, db *store.DB) { fn(t, context.Background(), db) })
}

// Parallel is the preamble of a test that runs on both backends at once:
// it marks the test parallel and runs fn as a parallel subtest per backend
// (see Each), with a fresh migrated store and a background context.
func Parallel(t *testing.T, fn func(t *testing.T, ctx context.Context, db *store.DB)) {
	t.Helper()
	t.Parallel()
	Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		fn(t, context.Background(), db)
	})
}

// URL returns a database URL for a fresh, empty database of the backend: a
// temporary SQLite file, or a new PostgreSQL schema. The test is skipped (or
// failed, when PostgreSQL is required) if PostgreSQL is not configured.
func URL(t testing.TB, backend store.Backend) string {
	t.Helper()
	switch backend {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case store.Postgres:
		base := os.Getenv("HUDDLEBOT_TEST_DATABASE_URL")
		if base == "" {
			if Required() {
				t.Fatal("HUDDLEBOT_TEST_REQUIRE_POSTGRES is set but HUDDLEBOT_TEST_DATABASE_URL is empty")
			}
			t.Skip("PostgreSQL not configured: set HUDDLEBOT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		}
		ctx := context.Background()
		admin, err := store.Open(ctx, base)
		if err != nil {
			if Required() {
				t.Fatalf("PostgreSQL required but unreachable: %v", err)
			}
			t.Skipf("PostgreSQL unreachable: %v", err)
		}
		defer admin.Close()
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "t_" + hex.EncodeToString(b[:])
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			a, err := store.Open(context.Background(), base)
			if err != nil {
				return
			}
			defer a.Close()
			_, _ = a.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("HUDDLEBOT_TEST_DATABASE_URL: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		if q.Get("pool_max_conns") == "" {
			// Many tests run at once against one server (max_connections
			// is often 100): keep each test's pool small.
			q.Set("pool_max_conns", "8")
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown backend %q", backend)
	return ""
}

// Required reports whether PostgreSQL tests must run rather than skip.
func Required() bool {
	v := strings.ToLower(os.Getenv("HUDDLEBOT_TEST_REQUIRE_POSTGRES"))
	return v != "" && v != "0" && v != "false"
}

// Open returns a migrated store on a fresh database of the backend, closed
// when the test ends.
func Open(t testing.TB, backend store.Backend) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), URL(t, backend))
	if err != nil {
		t.Fatalf("open %s: %v", backend, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", backend, err)
	}
	return db
}
