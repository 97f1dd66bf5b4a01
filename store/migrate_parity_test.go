package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// parityExceptions are the intended differences between the two backends'
// schemas after every migration, as "table" or "table.column".
var parityExceptions = map[string]string{
	// SQLite keeps AUTOINCREMENT counters in a table of its own; PostgreSQL
	// keeps them in sequences, which are not tables.
	"sqlite_sequence": "SQLite's AUTOINCREMENT bookkeeping",
}

// schemaColumns returns "table.column" for every column of every table the
// store's migrations created.
func schemaColumns(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var cols []string
	switch db.Backend {
	case store.SQLite:
		var tables []string
		if err := db.SelectContext(ctx, &tables, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var names []string
			if err := db.SelectContext(ctx, &names, `SELECT name FROM pragma_table_info(?)`, tb); err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				cols = append(cols, tb+"."+n)
			}
		}
	case store.Postgres:
		if err := db.SelectContext(ctx, &cols, `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for _, c := range cols {
		tb, _, _ := strings.Cut(c, ".")
		if _, ok := parityExceptions[tb]; ok {
			continue
		}
		if _, ok := parityExceptions[c]; ok {
			continue
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// TestMigrationsSameSchema: the SQLite and PostgreSQL migrations end in the
// same tables with the same columns (types differ by dialect and are not
// compared), apart from the differences listed in parityExceptions — so a
// migration added to one folder and forgotten in the other fails here.
func TestMigrationsSameSchema(t *testing.T) {
	lite := schemaColumns(t, storetest.Open(t, store.SQLite))
	pg := schemaColumns(t, storetest.Open(t, store.Postgres))
	if len(lite) < 50 {
		t.Fatalf("only %d columns read from SQLite: %v", len(lite), lite)
	}
	for _, c := range lite {
		if _, ok := slices.BinarySearch(pg, c); !ok {
			t.Errorf("%s exists on SQLite only", c)
		}
	}
	for _, c := range pg {
		if _, ok := slices.BinarySearch(lite, c); !ok {
			t.Errorf("%s exists on PostgreSQL only", c)
		}
	}
}
