package member

import (
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/huddlebot/huddlebot/internal/validation"
	"io"
	"regexp"
	"slices"
	"strconv"
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

	// The shift columns; nil when the column is absent or the cell empty
	// (the member's current setting, or the default, stays).
	WorkDays     *Weekdays
	WorkStart    *Clock
	WorkEnd      *Clock
	DeliveryTime *Clock
	Language     *string // BCP 47 tag, lower-case language
	OnDuty       *bool
}

// RosterColumns are the required header columns, in any order.
var RosterColumns = []string{"user_id", "name", "role", "department", "timezone", "email"}

// RosterOptionalColumns may follow, in any order: "permissions" (e.g.
// "super_user;trainer"), "start_date" (YYYY-MM-DD), "work_days" (mon-fri,
// sat-sun, "mon,wed,fri" or mon;wed;fri), "work_hours" (HH:MM-HH:MM, may
// cross midnight), "delivery_time" (HH:MM), "language" (es, en, pt-BR) and
// "duty" (on/off; on needs super_user in the permissions column).
var RosterOptionalColumns = []string{"permissions", "start_date", "work_days", "work_hours", "delivery_time", "language", "duty"}

// ParseRoster reads a roster CSV. It reports every bad row at once as a
// *validation.Error with problems "path:line: field: message" (unknown role,
// unknown IANA time zone, missing id, duplicate id, bad email, bad start
// date) and returns no rows if any row is bad.
func ParseRoster(r io.Reader, path string, roles []string) ([]RosterRow, error) {
	ve := &validation.Error{}
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
	known := append(slices.Clone(RosterColumns), RosterOptionalColumns...)
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(known, h) {
			// A column we do not read would be dropped silently (a
			// "shift" column, a typo like "work_day").
			unknown = append(unknown, strconv.Quote(h))
			continue
		}
		if _, dup := col[h]; dup {
			addProblem(ve, path, 1, h, "column appears twice")
		}
		col[h] = i
	}
	if len(unknown) > 0 {
		word := "column"
		if len(unknown) > 1 {
			word = "columns"
		}
		addProblem(ve, path, 1, "header", fmt.Sprintf("unknown %s %s; known columns: %s (optional: %s)", word, strings.Join(unknown, ", "),
			strings.Join(RosterColumns, ","), strings.Join(RosterOptionalColumns, ",")))
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
		parseShift(ve, path, line, &row, func(name string) string { return get(rec, name) })
		rows = append(rows, row)
	}
	if len(ve.Problems) > 0 {
		validation.Sort(ve.Problems)
		return nil, ve
	}
	return rows, nil
}

// parseShift reads the optional shift columns of one row into row.
func parseShift(ve *validation.Error, path string, line int, row *RosterRow, get func(string) string) {
	if v := get("work_days"); v != "" {
		d, err := ParseWeekdays(strings.ReplaceAll(v, ";", ","))
		if err != nil || d == 0 {
			addProblem(ve, path, line, "work_days", fmt.Sprintf("%q is not a set of days like mon-fri, sat-sun or mon;wed;fri", v))
		} else {
			row.WorkDays = &d
		}
	}
	if v := get("work_hours"); v != "" {
		a, z, ok := strings.Cut(v, "-")
		start, err1 := ParseClock(a)
		end, err2 := ParseClock(z)
		switch {
		case !ok || err1 != nil || err2 != nil:
			addProblem(ve, path, line, "work_hours", fmt.Sprintf("%q is not hours like 07:00-19:30 (or 19:00-07:30 for nights)", v))
		case start == end:
			addProblem(ve, path, line, "work_hours", fmt.Sprintf("%q starts and ends at the same time", v))
		default:
			row.WorkStart, row.WorkEnd = &start, &end
		}
	}
	if v := get("delivery_time"); v != "" {
		c, err := ParseClock(v)
		switch {
		case err != nil:
			addProblem(ve, path, line, "delivery_time", err.Error())
		case row.WorkStart != nil && !clockWithin(c, *row.WorkStart, *row.WorkEnd):
			addProblem(ve, path, line, "delivery_time", fmt.Sprintf("%s is outside the work hours %s-%s: nothing would arrive then", c, *row.WorkStart, *row.WorkEnd))
		default:
			row.DeliveryTime = &c
		}
	}
	if v := get("language"); v != "" {
		if !languageTag.MatchString(v) {
			addProblem(ve, path, line, "language", fmt.Sprintf("%q is not a language code like en, es or pt-BR", v))
		} else {
			lang, region, _ := strings.Cut(v, "-")
			tag := strings.ToLower(lang)
			switch len(region) {
			case 0:
			case 4: // a script: zh-Hant
				tag += "-" + strings.ToUpper(region[:1]) + strings.ToLower(region[1:])
			default: // a region: pt-BR, es-419
				tag += "-" + strings.ToUpper(region)
			}
			row.Language = &tag
		}
	}
	if v := strings.ToLower(get("duty")); v != "" {
		var on bool
		switch v {
		case "on", "yes", "true", "1":
			on = true
		case "off", "no", "false", "0":
		default:
			addProblem(ve, path, line, "duty", fmt.Sprintf("%q is not on or off", v))
			return
		}
		if on && row.Permissions != nil && !slices.Contains(row.Permissions, PermSuperUser) &&
			!slices.Contains(row.Permissions, PermTrainer) && !slices.Contains(row.Permissions, PermAdmin) {
			addProblem(ve, path, line, "duty", "on needs super_user in the permissions column (only super-users take colleagues' questions)")
			return
		}
		if on && row.Permissions == nil {
			addProblem(ve, path, line, "duty", "on needs a permissions column with super_user in this row")
			return
		}
		row.OnDuty = &on
	}
}

// clockWithin reports whether c falls in [start, end), across midnight when
// end is before start.
func clockWithin(c, start, end Clock) bool {
	if start < end {
		return c >= start && c < end
	}
	return c >= start || c < end
}

// languageTag is a BCP 47 language tag as rosters carry them: a 2–3 letter
// language, optionally a region or script (en, es, pt-BR, zh-Hant).
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z]{2,4}|-[0-9]{3})?$`)

func addProblem(ve *validation.Error, path string, line int, field, msg string) {
	ve.Problems = append(ve.Problems, validation.Problem{Path: path, Line: line, Field: field, Message: msg})
}
