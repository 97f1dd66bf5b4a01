package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// ErrSchema is wrapped by SchemaCheck's errors: the database has no
// huddlebot schema, or an older one than this binary's.
var ErrSchema = errors.New("database schema not current")

// OpenReadOnly connects for reading only (reports): it never creates a
// database or changes one. An SQLite file must already exist and is opened
// with mode=ro; a PostgreSQL session starts with
// default_transaction_read_only, so even a stray write fails. Call
// SchemaCheck before reading: nothing here migrates.
func OpenReadOnly(ctx context.Context, rawURL string) (*DB, error) {
	backend, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	switch backend {
	case SQLite:
		p := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if p == ":memory:" {
			return nil, errors.New("database URL: sqlite::memory: is a new, empty database; name the file to read")
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("database %s: %w (reports never create a database; check the path)", MaskURL(rawURL), err)
		}
		q := url.Values{}
		q.Set("mode", "ro")
		q.Add("_pragma", "busy_timeout(10000)")
		dsn = "file:" + p + "?" + q.Encode()
	case Postgres:
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, errors.New("database URL: not a valid URL")
		}
		q := u.Query()
		q.Set("default_transaction_read_only", "on")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	return open(ctx, backend, dsn, rawURL)
}

// SchemaCheck reports whether the database holds every migration this
// binary embeds, without changing anything. It returns an error wrapping
// ErrSchema that says what to do when the schema is missing (an empty
// database, or a typo in the URL) or older (run `huddlebot migrate`). A
// newer schema (a newer binary migrated it) is fine for reading.
func (s *DB) SchemaCheck(ctx context.Context) error {
	var n int
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'`
	if s.Backend == Postgres {
		exists = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migration' AND schemaname = ANY (current_schemas(false))`
	}
	if err := s.GetContext(ctx, &n, exists); err != nil {
		return fmt.Errorf("check schema of %s: %w", s.URL, s.mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("%w: %s has no huddlebot tables (a new or wrong database? check HUDDLEBOT_DATABASE_URL)", ErrSchema, s.URL)
	}
	files, err := s.migrations()
	if err != nil {
		return err
	}
	var applied []int
	if err := s.SelectContext(ctx, &applied, `SELECT version FROM schema_migration`); err != nil {
		return fmt.Errorf("check schema of %s: %w", s.URL, s.mapErr(err))
	}
	have := map[int]bool{}
	for _, v := range applied {
		have[v] = true
	}
	var missing []string
	for _, f := range files {
		if !have[f.version] {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s is older than this huddlebot (missing %s): run `huddlebot migrate` with the same version as the running bot, or use a huddlebot as old as the database",
			ErrSchema, s.URL, strings.Join(missing, ", "))
	}
	return nil
}
