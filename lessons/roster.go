package lessons

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// RosterRow is one member from a roster CSV.
type RosterRow struct {
	Line        int
	UserID      string
	Name        string
	Role        string
	Department  string
	TimeZone    string
	Email       string
	Permissions []Permission // nil when the column is absent
	StartDate   string       // YYYY-MM-DD or ""
}

// RosterColumns are the required header columns, in any order. The optional
// columns "permissions" (e.g. "super_user;trainer") and "start_date"
// (YYYY-MM-DD) may follow.
var RosterColumns = []string{"user_id", "name", "role", "department", "timezone", "email"}

// ParseRoster reads a roster CSV. It reports every bad row at once as a
// *ValidationError with problems "path:line: field: message" (unknown role,
// unknown IANA time zone, missing id, duplicate id, bad email, bad start
// date) and returns no rows if any row is bad.
func ParseRoster(r io.Reader, path string, roles []string) ([]RosterRow, error) {
	ve := &ValidationError{}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		addProblem(ve, path, 1, "header", "empty file; expected "+strings.Join(RosterColumns, ","))
		return nil, ve
	}
	if err != nil {
		addProblem(ve, path, 1, "header", err.Error())
		return nil, ve
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		col[h] = i
	}
	for _, c := range RosterColumns {
		if _, ok := col[c]; !ok {
			addProblem(ve, path, 1, c, "missing column; the header must be "+strings.Join(RosterColumns, ","))
		}
	}
	if len(ve.Problems) > 0 {
		return nil, ve
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []RosterRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				addProblem(ve, path, pe.Line, "csv", pe.Err.Error())
				if errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
				break // an unterminated quote swallows the rest of the file
			}
			addProblem(ve, path, 0, "csv", err.Error())
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row := RosterRow{Line: line, UserID: get(rec, "user_id"), Name: get(rec, "name"), Role: strings.ToLower(get(rec, "role")),
			Department: strings.ToLower(get(rec, "department")), TimeZone: get(rec, "timezone"), Email: get(rec, "email"),
			StartDate: get(rec, "start_date")}
		switch {
		case row.UserID == "":
			addProblem(ve, path, line, "user_id", "missing id")
		case seen[row.UserID] > 0:
			addProblem(ve, path, line, "user_id", fmt.Sprintf("duplicate id %q (also on line %d)", row.UserID, seen[row.UserID]))
		default:
			seen[row.UserID] = line
		}
		if row.Role == "" {
			addProblem(ve, path, line, "role", "missing role; roles: "+strings.Join(roles, ", "))
		} else if !slices.Contains(roles, row.Role) {
			addProblem(ve, path, line, "role", fmt.Sprintf("unknown role %q; roles: %s", row.Role, strings.Join(roles, ", ")))
		}
		if row.TimeZone != "" {
			if _, err := time.LoadLocation(row.TimeZone); err != nil || strings.EqualFold(row.TimeZone, "local") {
				addProblem(ve, path, line, "timezone", fmt.Sprintf("unknown IANA time zone %q (e.g. America/New_York)", row.TimeZone))
			}
		}
		if row.Email != "" && (!strings.Contains(row.Email, "@") || strings.ContainsAny(row.Email, " ,;")) {
			addProblem(ve, path, line, "email", fmt.Sprintf("%q is not an email address", row.Email))
		}
		if _, ok := col["permissions"]; ok {
			perms, err := ParsePermissions(get(rec, "permissions"))
			if err != nil {
				addProblem(ve, path, line, "permissions", err.Error())
			}
			if perms == nil {
				perms = []Permission{}
			}
			row.Permissions = perms
		}
		if row.StartDate != "" {
			if _, err := time.Parse("2006-01-02", row.StartDate); err != nil {
				addProblem(ve, path, line, "start_date", fmt.Sprintf("%q is not a date like 2026-01-31", row.StartDate))
			}
		}
		rows = append(rows, row)
	}
	if len(ve.Problems) > 0 {
		sortProblems(ve.Problems)
		return nil, ve
	}
	return rows, nil
}

func addProblem(ve *ValidationError, path string, line int, field, msg string) {
	ve.Problems = append(ve.Problems, Problem{Path: path, Line: line, Field: field, Message: msg})
}
