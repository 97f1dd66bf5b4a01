// Package store holds all of huddlebot's SQL: sqlx over PostgreSQL (lib/pq)
// or SQLite (modernc.org/sqlite, no cgo), embedded numbered migrations, and
// entity-first methods (MemberGet, DeliveryCreate, VoteCast, …).
//
// Instants are stored as unix milliseconds and local calendar dates as
// "YYYY-MM-DD" text on both backends, so every query and comparison is the
// same on PostgreSQL and SQLite.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Backend names a database engine.
type Backend string

// Backends.
const (
	Postgres Backend = "postgres"
	SQLite   Backend = "sqlite"
)

// Domain errors returned by store methods. Callers test with errors.Is.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("already exists")
	ErrUnavailable = errors.New("database unavailable")
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFS embed.FS

// DB is a huddlebot database. It is safe for concurrent use.
type DB struct {
	*sqlx.DB
	Backend Backend
	// URL is the database URL with any password removed, for logs.
	URL string
	// Now is the clock used for created_at/updated_at; tests and the sandbox
	// replace it.
	Now func() time.Time

	stmts sync.Map // query → *sqlx.Stmt (see prepared)
}

// Open connects to the database named by rawURL: "postgres://…" (or
// "postgresql://…") or "sqlite:PATH" ("sqlite::memory:" for a private
// in-memory database). It does not run migrations; call Migrate.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	backend, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return open(ctx, backend, dsn, rawURL)
}

func open(ctx context.Context, backend Backend, dsn, rawURL string) (*DB, error) {
	var err error
	var db *sqlx.DB
	switch backend {
	case Postgres:
		dsn, poolMax, err := poolSize(dsn, 40)
		if err != nil {
			return nil, err
		}
		db, err = sqlx.Open("postgres", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(poolMax)
		db.SetMaxIdleConns(poolMax)
		db.SetConnMaxIdleTime(5 * time.Minute)
	case SQLite:
		db, err = sqlx.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// SQLite allows one writer at a time; one connection avoids
		// SQLITE_BUSY between our own goroutines and River's.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
	}
	s := &DB{DB: db, Backend: backend, URL: MaskURL(rawURL), Now: time.Now}
	if err := s.ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *DB) ping(ctx context.Context) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = s.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, s.URL, err)
}

func parseURL(raw string) (Backend, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			// url.Parse's error quotes the whole URL, password and all.
			return "", "", errors.New("database URL: not a valid URL (check the host, and %-encode special characters in the user name and password)")
		}
		// One round trip per query instead of two (prepare, then execute):
		// lib/pq sends parameters in the same message when asked to.
		q := u.Query()
		if q.Get("binary_parameters") == "" {
			q.Set("binary_parameters", "yes")
			u.RawQuery = q.Encode()
		}
		return Postgres, u.String(), nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(raw, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return "", "", errors.New("database URL: sqlite: needs a path, e.g. sqlite:huddlebot.db")
		}
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		if p == ":memory:" {
			return SQLite, "file::memory:?" + q.Encode(), nil
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
		return SQLite, "file:" + p + "?" + q.Encode(), nil
	default:
		return "", "", fmt.Errorf("database URL %q: must start with postgres:// or sqlite:", MaskURL(raw))
	}
}

// poolSize takes the optional pool_max_conns parameter (pgx's name for it)
// out of a PostgreSQL URL; lib/pq would pass it on to the server.
func poolSize(dsn string, def int) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, fmt.Errorf("database URL: %v", err)
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if v == "" {
		return dsn, def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("database URL: pool_max_conns must be a positive number (got %q)", v)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// Migrate applies every embedded migration that has not been applied yet,
// each in its own transaction, and records it in schema_migration. Running it
// again is a no-op. It returns the names of the migrations it applied.
func (s *DB) Migrate(ctx context.Context) ([]string, error) {
	return s.migrateUpTo(ctx, 1<<30)
}

// migrateUpTo applies the embedded migrations numbered up to last; tests
// use it to build a database as an older release left it.
func (s *DB) migrateUpTo(ctx context.Context, last int) ([]string, error) {
	if _, err := s.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", s.mapErr(err))
	}
	files, err := s.migrations()
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, f := range files {
		if f.version > last {
			break
		}
		err := s.Tx(ctx, func(tx *Tx) error {
			if s.Backend == Postgres {
				// Two replicas starting together must not both migrate.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7011)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM schema_migration WHERE version = ?`), f.version); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrationFS, f.path)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)`),
				f.version, f.name, s.Now().UnixMilli()); err != nil {
				return err
			}
			applied = append(applied, f.name)
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", f.name, err)
		}
	}
	return applied, nil
}

// MigrationsCurrent reports whether every embedded migration is applied.
func (s *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	files, err := s.migrations()
	if err != nil {
		return false, err
	}
	var n int
	if err := s.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migration`); err != nil {
		return false, s.mapErr(err)
	}
	return n >= len(files), nil
}

type migration struct {
	version int
	name    string
	path    string
}

func (s *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(s.Backend)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		out = append(out, migration{version: v, name: e.Name(), path: path.Join(dir, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Tx is a transaction. Store methods that must run together take a *Tx.
type Tx struct {
	*sqlx.Tx
	db *DB
}

// Queryer is what both *DB and *Tx offer, so read methods work inside and
// outside a transaction.
type Queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Tx runs fn in a transaction and commits it when fn returns nil. A
// transaction that fails because the database went away or a serialization
// conflict is retried up to three times with backoff; fn must therefore be
// safe to run again (it is, when all of its effects go through tx).
func (s *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = s.tx(ctx, fn)
		if err == nil || !retryable(err) || attempt == 3 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
		}
	}
	if err != nil && retryable(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

func (s *DB) tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	t, err := s.BeginTxx(ctx, nil)
	if err != nil {
		return s.mapErr(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = t.Rollback()
			panic(p)
		}
		if err != nil {
			_ = t.Rollback()
		}
	}()
	if err := fn(&Tx{Tx: t, db: s}); err != nil {
		return s.mapErr(err)
	}
	return s.mapErr(t.Commit())
}

// retryable reports whether err is a transient failure worth another try:
// a dropped connection, a PostgreSQL serialization failure or deadlock, or a
// busy SQLite database.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "57": // connection exception, operator intervention (shutdown)
			return true
		}
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_BUSY || se.Code() == sqlite3.SQLITE_LOCKED
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) {
		return true
	}
	// lib/pq reports a dropped socket as the net package's error (a
	// *net.OpError around the system call's errno) or as io.EOF; classified
	// by type, never by the error's text.
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// mapErr is the one place driver errors become domain errors.
func (s *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	return err
}

// IsConflict reports whether err is a unique-constraint conflict.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsNotFound reports whether err means the row does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ms converts a time to unix milliseconds; the zero time becomes NULL.
func ms(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMS converts nullable unix milliseconds back to a UTC time.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}
