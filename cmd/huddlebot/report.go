package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("report", "print a report: participation|accuracy|lessons|retention|ratings|feedback|huddles|signals|support [--since D] [--format table|csv|json]", runReport)
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
	// Language keeps what was shown in one language; ByLanguage adds a
	// language column (participation, accuracy and lessons only).
	Language   string
	ByLanguage bool
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
	// --language is every command's workspace default (HUDDLEBOT_LANGUAGE),
	// which means nothing to a report: here, given on the command line, it
	// is a filter (the variable is not).
	if f := fs.Lookup("language"); f != nil {
		f.Usage = "only prompts shown, and answers given, in this language (es, en, …): participation, accuracy, lessons"
		f.DefValue = ""
	}
	lang := new(string)
	byLang := fs.Bool("by-language", false, "a language column: one row per language the prompts were shown in (participation, accuracy, lessons)")
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
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "language" {
			*lang = f.Value.String()
		}
	})
	rk, ok := reportKinds[kind]
	if !ok {
		fmt.Fprintf(e.stderr, "huddlebot report: unknown kind %q (kinds: %s)\n", kind, strings.Join(kinds, ", "))
		return exitUsage
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		fmt.Fprintf(e.stderr, "huddlebot report: --format must be table, csv or json (got %q)\n", *format)
		return exitUsage
	}
	p := ReportParams{Role: *role, Department: strings.ToLower(*dept), ByLanguage: *byLang, Now: time.Now()}
	if (*lang != "" || *byLang) && !slices.Contains(languageReports, kind) {
		fmt.Fprintf(e.stderr, "huddlebot report: --language and --by-language apply to %s, not %s\n", strings.Join(languageReports, ", "), kind)
		return exitUsage
	}
	if *lang != "" {
		tag, err := lessons.ParseLanguage(*lang)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot report: --language: %v\n", err)
			return exitUsage
		}
		p.Language = tag
	}
	if *since != "" {
		t, err := parseSince(*since, p.Now)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot report: --since: %v\n", err)
			return exitUsage
		}
		p.Since = t
	}
	// Reports only read: they never create or migrate a database (a typo
	// in the URL must not yield an empty report, and a newer binary must
	// not upgrade production's schema behind the running replicas' backs).
	db, err := store.OpenReadOnly(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot report: HUDDLEBOT_DATABASE_URL: %v\n", err)
		return exitFail
	}
	defer db.Close()
	if err := db.SchemaCheck(ctx); err != nil {
		return e.fail("report", err)
	}
	if code := checkReportFilters(ctx, e, db, p); code != exitOK {
		return code
	}
	tables, err := rk.build(ctx, db, p)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot report %s: %v\n", kind, err)
		return exitFail
	}
	if err := writeTables(e.stdout, *format, tables); err != nil {
		return e.fail("report", err)
	}
	return exitOK
}

// checkReportFilters refuses a --role or --department that matches nothing
// the database knows (usually a typo, which would otherwise print an empty
// report and exit 0), naming the values it does know.
func checkReportFilters(ctx context.Context, e *env, db *store.DB, p ReportParams) int {
	if p.Role == "" && p.Department == "" {
		return exitOK
	}
	roles, depts, err := db.ReportFilterValues(ctx)
	if err != nil {
		return e.fail("report", err)
	}
	known := func(vals []string) string {
		if len(vals) == 0 {
			return "none yet"
		}
		return strings.Join(vals, ", ")
	}
	code := exitOK
	if p.Role != "" && !slices.Contains(roles, p.Role) {
		fmt.Fprintf(e.stderr, "huddlebot report: --role %q is not a role of anyone in this database (known: %s)\n", p.Role, known(roles))
		code = exitUsage
	}
	if p.Department != "" && !slices.Contains(depts, p.Department) {
		fmt.Fprintf(e.stderr, "huddlebot report: --department %q is not a department in this database (known: %s)\n", p.Department, known(depts))
		code = exitUsage
	}
	return code
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

// tableObjects turns rows into objects keyed by column name, for JSON. The
// cells of numeric columns are JSON numbers (written as the text shows
// them, so "5.0" stays 5.0), an empty one null; a cell there that is not a
// number (a feedback "rating" of up/down) stays a string.
func tableObjects(t Table) []map[string]any {
	out := make([]map[string]any, 0, len(t.Rows))
	for _, r := range t.Rows {
		o := make(map[string]any, len(t.Columns))
		for i, c := range t.Columns {
			if i >= len(r) {
				continue
			}
			o[c] = r[i]
			if numericColumns[c] {
				switch {
				case r[i] == "":
					o[c] = nil
				case jsonNumber(r[i]):
					o[c] = json.Number(r[i])
				}
			}
		}
		out = append(out, o)
	}
	return out
}

// numericColumns are the report columns that hold numbers (counts, ids,
// percentages, minutes, averages), whichever report they appear in.
var numericColumns = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`members reached active participation_pct prompts responses response_rate_pct
		answers correct accuracy_pct first_tries first_try_pct later_attempts later_pct up down helpful_pct comments
		value_pct baseline_pct gap_points n waited_min
		huddle_id minutes series_id attendees polls votes questions open_questions rating_avg ratings
		poll_id poll_votes poll_voters option pct average question_id asked_in_huddle plus_ones
		id claim_min resolve_min rating claimed resolved closed_by_asker escalated escalated_pct
		claim_median_min claim_p90_min resolve_median_min resolve_p90_min rated
		confident_wrong confident_wrong_pct reviews min_days max_days unreachable unreachable_pct`) {
		numericColumns[c] = true
	}
}

// jsonNumber reports whether s is valid JSON number syntax (which
// strconv.ParseFloat alone is not: it takes "Inf", "0x1p3", "1_000").
func jsonNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	return json.Valid([]byte(s)) && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '-' || r == '.' || r == 'e' || r == 'E' || r == '+')
	}) < 0
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
