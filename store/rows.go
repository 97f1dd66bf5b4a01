package store

import (
	"context"
	"fmt"
	"strings"
)

// selectConv runs query on q and converts each row of type R to T with conv.
// what names the list in the error, which wraps the mapped driver error.
func selectConv[R, T any](ctx context.Context, s *DB, q Queryer, conv func(*R) T, what, query string, args ...any) ([]T, error) {
	var rows []R
	if err := q.SelectContext(ctx, &rows, s.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	out := make([]T, len(rows))
	for i := range rows {
		out[i] = conv(&rows[i])
	}
	return out, nil
}

// insertMany inserts n rows, at most batch in one statement:
// head + "(?, …), (?, …)" + tail, with width values per row that row
// appends for row i. It returns how many rows were inserted, so rows that an
// "ON CONFLICT … DO NOTHING" tail skips are not counted. what names the rows
// in the error.
func (s *DB) insertMany(ctx context.Context, q Queryer, what, head, tail string, n, width, batch int, row func(args []any, i int) []any) (int, error) {
	added := 0
	err := batchValues(head, tail, n, width, batch, row, func(query string, args []any) error {
		res, err := q.ExecContext(ctx, s.Rebind(query), args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, s.mapErr(err))
		}
		n, _ := res.RowsAffected()
		added += int(n)
		return nil
	})
	return added, err
}

// batchValues builds the statements head + "(?, …), (?, …)" + tail for n
// rows of width values, at most batch rows each, where row appends row i's
// values, and runs each with fn; it stops at fn's first error.
func batchValues(head, tail string, n, width, batch int, row func(args []any, i int) []any, fn func(query string, args []any) error) error {
	tuple := "(" + placeholders(width) + ")"
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var b strings.Builder
		args := make([]any, 0, (end-start)*width)
		b.WriteString(head)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = row(args, i)
		}
		b.WriteString(tail)
		if err := fn(b.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// getConv runs query on q for one row of type R and converts it with conv.
// what names the row in the error, which wraps the mapped driver error
// (ErrNotFound when there is no row).
func getConv[R, T any](ctx context.Context, s *DB, q Queryer, conv func(*R) T, what, query string, args ...any) (T, error) {
	var r R
	if err := q.GetContext(ctx, &r, s.Rebind(query), args...); err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	return conv(&r), nil
}

// execChanged runs a statement that changes at most the rows it matches and
// reports whether it changed any (false: another writer got there first, or
// the row was not in the state the statement expects). what names the
// change in the error.
func (s *DB) execChanged(ctx context.Context, q Queryer, what, query string, args ...any) (bool, error) {
	res, err := q.ExecContext(ctx, s.Rebind(query), args...)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// exec runs a statement; what names it in the error.
func (s *DB) exec(ctx context.Context, q Queryer, what, query string, args ...any) error {
	if _, err := q.ExecContext(ctx, s.Rebind(query), args...); err != nil {
		return fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	return nil
}
