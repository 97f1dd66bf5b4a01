package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("report", "print a report: participation|accuracy|feedback|huddles|signals|support [--since D] [--format table|csv|json]", runReport)
}

// Table is a report's result: named columns and rows of cells.
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// ReportParams are the filters every report accepts.
type ReportParams struct {
	Since      time.Time // zero = all time
	Role       string
	Department string
	Workspace  string // platform workspace id; "" = all
	Now        time.Time
}

// reportKind builds one kind of report; it may return several tables.
type reportKind struct {
	summary string
	build   func(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error)
}

var reportKinds = map[string]reportKind{}

// registerReport adds a report kind. Feature files call it from init.
func registerReport(name, summary string, build func(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error)) {
	reportKinds[name] = reportKind{summary: summary, build: build}
}

func runReport(ctx context.Context, e *env, args []string) int {
	var kinds []string
	for k := range reportKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	desc := "Kinds:\n"
	for _, k := range kinds {
		desc += fmt.Sprintf("  %-14s %s\n", k, reportKinds[k].summary)
	}
	fs, cfg := flags(e, "report", "KIND [flags]", desc)
	since := fs.String("since", "", "only data from this date on (YYYY-MM-DD), or a duration like 30d")
	role := fs.String("role", "", "only this role")
	dept := fs.String("department", "", "only this department")
	format := fs.String("format", "table", "table, csv or json")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if code, ok := parse(fs, args); !ok {
			return code
		}
		fs.Usage()
		return exitUsage
	}
	kind := args[0]
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	rk, ok := reportKinds[kind]
	if !ok {
		fmt.Fprintf(e.stderr, "huddlebot report: unknown kind %q (kinds: %s)\n", kind, strings.Join(kinds, ", "))
		return exitUsage
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		fmt.Fprintf(e.stderr, "huddlebot report: --format must be table, csv or json (got %q)\n", *format)
		return exitUsage
	}
	p := ReportParams{Role: *role, Department: strings.ToLower(*dept), Now: time.Now()}
	if *since != "" {
		t, err := parseSince(*since, p.Now)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot report: --since: %v\n", err)
			return exitUsage
		}
		p.Since = t
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot report: %v\n", err)
		return exitFail
	}
	defer db.Close()
	tables, err := rk.build(ctx, db, p)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot report %s: %v\n", kind, err)
		return exitFail
	}
	if err := writeTables(e.stdout, *format, tables); err != nil {
		fmt.Fprintf(e.stderr, "huddlebot report: %v\n", err)
		return exitFail
	}
	return exitOK
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && n > 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-01-31 or a number of days like 30d", s)
	}
	return t, nil
}

// writeTables prints tables as aligned text, CSV (tables separated by a
// blank line; a single table is plain CSV with one header row) or JSON.
func writeTables(w io.Writer, format string, tables []Table) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if len(tables) == 1 {
			return enc.Encode(tableObjects(tables[0]))
		}
		out := map[string]any{}
		for _, t := range tables {
			out[t.Title] = tableObjects(t)
		}
		return enc.Encode(out)
	case "csv":
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(w)
			}
			cw := csv.NewWriter(w)
			if err := cw.Write(t.Columns); err != nil {
				return err
			}
			for _, r := range t.Rows {
				if err := cw.Write(csvSafe(r)); err != nil {
					return err
				}
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		}
		return nil
	default:
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if t.Title != "" {
				fmt.Fprintf(w, "== %s ==\n", t.Title)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join(terminalCells(t.Columns), "\t"))
			for _, r := range t.Rows {
				fmt.Fprintln(tw, strings.Join(terminalCells(r), "\t"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(t.Rows) == 0 {
				fmt.Fprintln(w, "(no data)")
			}
		}
		return nil
	}
}

// terminalCells makes cells safe to print on a terminal: feedback and
// questions are typed by anyone, and an escape sequence in one could
// retitle, clear or recolour the trainer's terminal. Controls show as
// escapes (\x1b); a newline or tab shows as \n or \t so it cannot break
// the table's rows and columns either.
func terminalCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = cellBreaks.Replace(clean.Terminal(c))
	}
	return out
}

var cellBreaks = strings.NewReplacer("\n", `\n`, "\t", `\t`)

// tableObjects turns rows into objects keyed by column name, for JSON.
func tableObjects(t Table) []map[string]string {
	out := make([]map[string]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		o := make(map[string]string, len(t.Columns))
		for i, c := range t.Columns {
			if i < len(r) {
				o[c] = r[i]
			}
		}
		out = append(out, o)
	}
	return out
}

// csvSafe keeps spreadsheet programs from running text that people typed
// (feedback, questions) as a formula: a text cell starting with = + - @ is
// prefixed with an apostrophe. Numbers, negative ones included, stay as is.
func csvSafe(row []string) []string {
	out := row
	for i, c := range row {
		if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			continue
		}
		if _, err := strconv.ParseFloat(c, 64); err == nil {
			continue
		}
		if &out[0] == &row[0] {
			out = append([]string(nil), row...)
		}
		out[i] = "'" + c
	}
	return out
}
