// Package store is a fixture for TestSQLScanCatchesInjection: queries the
// scan must flag (Bad*) and must accept (Good*). It is never compiled.
package store

import (
	"context"
	"fmt"
	"strings"
)

const memberCols = `id, name`

// BadConcat pastes a caller's string into the SQL.
func (s *DB) BadConcat(ctx context.Context, name string) error {
	_, err := s.ExecContext(ctx, `DELETE FROM member WHERE name = '`+name+`'`)
	return err
}

// BadCaller feeds BadConcat what a person typed.
func (s *DB) BadCaller(ctx context.Context, typed string) error { return s.BadConcat(ctx, typed) }

// BadSprintf formats a string value into the SQL.
func (s *DB) BadSprintf(ctx context.Context, id string) error {
	var n int
	q := fmt.Sprintf("SELECT COUNT(*) FROM member WHERE user_id = '%s'", id)
	return s.GetContext(ctx, &n, s.Rebind(q))
}

// BadField uses a field of a value in the SQL.
func (s *DB) BadField(ctx context.Context, m *Member) error {
	_, err := s.ExecContext(ctx, "UPDATE member SET role = 'x' WHERE name = '"+m.Name+"'")
	return err
}

// BadWhere appends a value to a WHERE list.
func (s *DB) BadWhere(ctx context.Context, dept string) error {
	where := []string{"joined"}
	where = append(where, "department = '"+dept+"'")
	var rows []int
	return s.SelectContext(ctx, &rows, `SELECT id FROM member WHERE `+strings.Join(where, " AND "))
}

// BadBuilder writes a value into a builder.
func (s *DB) BadBuilder(ctx context.Context, tag string) error {
	var b strings.Builder
	b.WriteString("SELECT id FROM lesson WHERE tags LIKE '%")
	b.WriteString(tag)
	b.WriteString("%'")
	_, err := s.QueryContext(ctx, b.String())
	return err
}

// GoodParams binds every value.
func (s *DB) GoodParams(ctx context.Context, name string, limit int, ids []int64) error {
	where := []string{"name = ?"}
	args := []any{name}
	if len(ids) > 0 {
		where = append(where, "id IN ("+placeholders(len(ids))+")")
	}
	q := `SELECT ` + memberCols + ` FROM member WHERE ` + strings.Join(where, " AND ")
	q += fmt.Sprintf(" LIMIT %d", limit)
	var rows []int
	return s.SelectContext(ctx, &rows, s.Rebind(q), args...)
}

// GoodHelper takes its column from its callers, who pass constants.
func (s *DB) GoodHelper(ctx context.Context, col string) error {
	_, err := s.ExecContext(ctx, s.Rebind(`UPDATE member SET `+col+` = ? WHERE id = ?`), 1, 2)
	return err
}

// GoodCaller calls GoodHelper with a constant.
func (s *DB) GoodCaller(ctx context.Context) error { return s.GoodHelper(ctx, "joined") }
