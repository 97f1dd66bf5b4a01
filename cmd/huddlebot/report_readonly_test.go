package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// migratedWithMembers opens a migrated database at url with three joined
// 4west nurses who were never sent a prompt.
func migratedWithMembers(t *testing.T, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := openStore(ctx, &Config{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"n1", "n2", "n3"} {
		if _, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: u, Name: u, Role: "nurse", Department: "4west"}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestReportNeverMigrates: `report` opens the database read-only and
// refuses, with a message naming the problem, a database that does not
// exist, has no huddlebot schema, or has an older schema — creating and
// migrating nothing.
func TestReportNeverMigrates(t *testing.T) {
	t.Parallel()
	t.Run("missing sqlite file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "typo.db")
		code, out, errs := runCLI(t, map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + path}, "report", "participation")
		if code != exitFail || out != "" || !strings.Contains(errs, "typo.db") || !strings.Contains(errs, "never create") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("report created %s: %v", path, err)
		}
	})
	storetest.EachBackend(t, func(t *testing.T, b store.Backend) {
		ctx := context.Background()
		url := storetest.URL(t, b)
		if b == store.SQLite {
			// An empty file, as a typo'd path some tool created.
			if err := os.WriteFile(strings.TrimPrefix(url, "sqlite:"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
		code, out, errs := runCLI(t, vars, "report", "participation")
		if code != exitFail || out != "" || !strings.Contains(errs, "no huddlebot tables") {
			t.Errorf("empty database: exit %d, stdout %q, stderr %q", code, out, errs)
		}
		raw, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if err := raw.SchemaCheck(ctx); err == nil {
			t.Fatal("report created the schema")
		}

		// An older schema: the newest migration not applied yet.
		db := migratedWithMembers(t, url)
		var last int
		if err := db.GetContext(ctx, &last, `SELECT MAX(version) FROM schema_migration`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`DELETE FROM schema_migration WHERE version = ?`), last); err != nil {
			t.Fatal(err)
		}
		code, _, errs = runCLI(t, vars, "report", "participation")
		if code != exitFail || !strings.Contains(errs, "older than this huddlebot") || !strings.Contains(errs, "huddlebot migrate") {
			t.Errorf("older schema: exit %d, stderr %q", code, errs)
		}
		var n int
		if err := db.GetContext(ctx, &n, db.Rebind(`SELECT COUNT(*) FROM schema_migration WHERE version = ?`), last); err != nil || n != 0 {
			t.Errorf("report migrated the database (%d, %v)", n, err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migration (version, name, applied_at) VALUES (?, 'back', 0)`), last); err != nil {
			t.Fatal(err)
		}

		// Current: the report runs, and (read-only) cannot write even if
		// it tried.
		if code, out, errs := runCLI(t, vars, "report", "participation"); code != exitOK || !strings.Contains(out, "Participation by week") {
			t.Errorf("current schema: exit %d\n%s\n%s", code, out, errs)
		}
		ro, err := store.OpenReadOnly(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if _, err := ro.ExecContext(ctx, `DELETE FROM member`); err == nil {
			t.Error("a read-only store deleted members")
		}
	})
}

// TestReportUnknownFilter: a --role or --department nobody has is a usage
// error (exit 2) that names the known values, not an empty report.
func TestReportUnknownFilter(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		url := storetest.URL(t, b)
		migratedWithMembers(t, url)
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
		code, out, errs := runCLI(t, vars, "report", "participation", "--role", "nurze")
		if code != exitUsage || out != "" || !strings.Contains(errs, `--role "nurze"`) || !strings.Contains(errs, "known: nurse") {
			t.Errorf("unknown role: exit %d, stdout %q, stderr %q", code, out, errs)
		}
		code, _, errs = runCLI(t, vars, "report", "support", "--department", "4 west")
		if code != exitUsage || !strings.Contains(errs, `--department "4 west"`) || !strings.Contains(errs, "known: 4west") {
			t.Errorf("unknown department: exit %d, stderr %q", code, errs)
		}
		if code, _, errs := runCLI(t, vars, "report", "participation", "--role", "nurse", "--department", "4WEST"); code != exitOK {
			t.Errorf("known filters: exit %d %s", code, errs)
		}
	})
}

// TestReportNoParticipationSignalBeforeAnyPrompt: members who joined but
// were never sent a prompt have not "stopped answering".
func TestReportNoParticipationSignalBeforeAnyPrompt(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		url := storetest.URL(t, b)
		migratedWithMembers(t, url)
		code, out, errs := runCLI(t, map[string]string{"HUDDLEBOT_DATABASE_URL": url}, "report", "signals", "--format", "csv")
		if code != exitOK {
			t.Fatalf("exit %d %s", code, errs)
		}
		if strings.Contains(out, "participation") && strings.Contains(out, "4west") {
			t.Errorf("low participation before anyone was sent a prompt:\n%s", out)
		}
	})
}

// TestReportJSONNumbers: numbers are JSON numbers (as the table shows them),
// empty numeric cells null, text stays text — also digits in a text column.
func TestReportJSONNumbers(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := writeTables(&buf, "json", []Table{{Title: "t", Columns: []string{"department", "members", "participation_pct", "rating_avg", "rating", "n"},
		Rows: [][]string{{"4west", "12", "41.7", "5.0", "up", ""}, {"007", "3", "-2", "Inf", "4", "0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"department": "4west", "members": json.Number("12"), "participation_pct": json.Number("41.7"), "rating_avg": json.Number("5.0"), "rating": "up", "n": nil},
		{"department": "007", "members": json.Number("3"), "participation_pct": json.Number("-2"), "rating_avg": "Inf", "rating": json.Number("4"), "n": json.Number("0")},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %v", rows)
	}
	for i := range want {
		for k, w := range want[i] {
			if g := rows[i][k]; g != w {
				t.Errorf("row %d %s = %#v, want %#v", i, k, g, w)
			}
		}
	}
}

// TestSupportClosedByAskerIsNotResolved: a question its asker closed before
// anyone claimed it was not resolved by anyone: no resolve count, no resolve
// time, and the list says what happened.
func TestSupportClosedByAskerIsNotResolved(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	closed := store.SupportQuestion{ID: 1, AskerMemberID: 7, Department: "4west", CreatedAt: t0, Status: store.SupportResolved,
		ResolvedAt: t0.Add(2 * time.Minute), ResolvedBy: 7, Text: "never mind, found it"}
	helped := store.SupportQuestion{ID: 2, AskerMemberID: 7, Department: "4west", CreatedAt: t0, Status: store.SupportResolved,
		ClaimerMemberID: 9, ClaimedAt: t0.Add(time.Minute), ResolvedAt: t0.Add(10 * time.Minute), ResolvedBy: 7, Text: "how?"}
	tables := supportTables([]store.SupportReportRow{{SupportQuestion: closed}, {SupportQuestion: helped}})
	dept := tables[0]
	col := func(t Table, name string) int { return slices.Index(t.Columns, name) }
	if row := dept.Rows[0]; row[col(dept, "resolved")] != "1" || row[col(dept, "resolve_median_min")] != "10.0" {
		t.Errorf("by department: %v %v, want 1 resolved in 10 minutes", dept.Columns, row)
	}
	list := tables[2]
	row := list.Rows[0]
	if row[col(list, "status")] != "closed by asker" || row[col(list, "resolved_at")] != "" || row[col(list, "resolve_min")] != "" {
		t.Errorf("closed question listed as %v", row)
	}
	if row := list.Rows[1]; row[col(list, "status")] != store.SupportResolved || row[col(list, "resolve_min")] != "10.0" {
		t.Errorf("resolved question listed as %v", row)
	}
}
