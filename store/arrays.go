package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Batched statements on PostgreSQL pass each column as one array parameter
// (unnest, = ANY) instead of one placeholder per value: a 500-row VALUES list
// has thousands of parameters for PostgreSQL to parse, plan and bind and for
// database/sql to convert one by one. SQLite keeps the VALUES form.

// inIDs returns a "column IN (…)" test for ids and its arguments: "= ANY(?)"
// with one array on PostgreSQL, a placeholder list on SQLite.
func (s *DB) inIDs(ids []int64) (string, []any) {
	if s.Backend == Postgres {
		return "= ANY(?)", []any{pq.Array(ids)}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "IN (" + placeholders(len(ids)) + ")", args
}

// nullInt64Array is a PostgreSQL bigint[] parameter whose elements may be
// NULL (pq.Array cannot encode those).
type nullInt64Array []sql.NullInt64

// Value implements driver.Valuer with PostgreSQL's array literal.
func (a nullInt64Array) Value() (any, error) {
	var b strings.Builder
	b.Grow(len(a) * 14)
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if v.Valid {
			b.WriteString(strconv.FormatInt(v.Int64, 10))
		} else {
			b.WriteString("NULL")
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

func validInt64(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }

// PreferIndexes tells PostgreSQL, for the rest of tx, to reach rows through
// their indexes. The scheduler's batches read and write a few hundred members'
// rows by id; on a fresh install (the first day's tick, before autovacuum has
// gathered statistics) the planner's default estimates make a whole-table scan
// per batch look cheaper, which turns one day's enqueue quadratic.
func (s *DB) PreferIndexes(ctx context.Context, tx *Tx) error {
	if s.Backend != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`)
	return s.mapErr(err)
}

// CommitWithoutWaiting lets tx's commit return before its WAL reaches the
// disk (PostgreSQL's synchronous_commit = off, for this transaction only).
// Only for work that is re-derived when lost: a crash of PostgreSQL itself
// may drop the last such commits, whole and consistently, never part of one.
// The scheduler's batches qualify: a lost batch leaves its members due, and
// the next tick records them again. Nothing of such a batch reaches a person
// before it is durable: a prompt's send job commits (synchronously) before
// it posts, and that flush carries the batch's commit with it.
func (s *DB) CommitWithoutWaiting(ctx context.Context, tx *Tx) error {
	if s.Backend != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`)
	return s.mapErr(err)
}

// prepared returns query (in "?" form) prepared on the pool, preparing it on
// first use. The hot single-row statements of answering and sending run
// this way: PostgreSQL then binds and executes a stored plan instead of
// parsing and planning every call (database/sql prepares it again on each
// new connection, after a reconnect too).
func (s *DB) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if stmt, ok := s.stmts.Load(query); ok {
		return stmt.(*sqlx.Stmt), nil
	}
	stmt, err := s.PreparexContext(ctx, s.Rebind(query))
	if err != nil {
		return nil, s.mapErr(err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, stmt); loaded {
		_ = stmt.Close()
		return prev.(*sqlx.Stmt), nil
	}
	return stmt, nil
}

// execPrepared runs a prepared statement on the pool.
func (s *DB) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := stmt.ExecContext(ctx, args...)
	return res, s.mapErr(err)
}
