package member

import (
	"errors"
	"github.com/huddlebot/huddlebot/internal/validation"
	"strings"
	"testing"
)

func TestParseRoster(t *testing.T) {
	t.Parallel()
	good := "user_id,name,role,department,timezone,email,permissions\n" +
		"U1,Ana,nurse,4West,America/Chicago,ana@example.org,super_user\n" +
		"U2,Bo,physician,,,,\n"
	rows, err := ParseRoster(strings.NewReader(good), "r.csv", DefaultRoles)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Department != "4west" || rows[0].Permissions[0] != PermSuperUser || rows[1].Line != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	bad := "user_id,name,role,department,timezone,email\n" +
		"U1,Ana,nurse,4west,America/Chicago,\n" +
		",NoID,nurse,4west,,\n" +
		"U1,Dup,nurse,4west,,\n" +
		"U3,Bad,surgeon,4west,Mars/Olympus,\n"
	_, err = ParseRoster(strings.NewReader(bad), "r.csv", DefaultRoles)
	var ve *validation.Error
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"r.csv:3: user_id: missing id",
		"r.csv:4: user_id: duplicate id \"U1\" (also on line 2)",
		"r.csv:5: role: unknown role \"surgeon\"",
		"r.csv:5: timezone: unknown IANA time zone \"Mars/Olympus\"",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in\n%s", w, msg)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ve.Problems), len(want), msg)
	}
	if _, err := ParseRoster(strings.NewReader("id,name\n"), "r.csv", DefaultRoles); err == nil || !strings.Contains(err.Error(), "r.csv:1: user_id: missing column") {
		t.Errorf("bad header: %v", err)
	}
}

func FuzzParseRoster(f *testing.F) {
	f.Add("user_id,name,role,department,timezone,email\nU1,Ana,nurse,4west,UTC,a@b.c\n")
	f.Add("user_id,name,role,department,timezone,email,permissions,start_date\nU1,\"A, B\",nurse,,,,admin,2026-01-01\n")
	f.Add("\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseRoster(strings.NewReader(in), "f.csv", DefaultRoles)
		if err != nil {
			var ve *validation.Error
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			if rows != nil {
				t.Fatal("rows returned with an error")
			}
		}
	})
}

// TestParseRosterShifts: the shift columns are read and validated like the
// others (FILE:LINE: field: message); empty cells leave a setting alone.
func TestParseRosterShifts(t *testing.T) {
	t.Parallel()
	good := "user_id,name,role,department,timezone,email,permissions,work_days,work_hours,delivery_time,language,duty\n" +
		"N1,Night Nurse,nurse,icu,America/Chicago,,super_user,sat;sun;mon,19:00-07:30,19:15,ES,on\n" +
		"F1,Front,front_desk,clinic,,,,\"mon,wed,fri\",07:00-15:30,07:10,pt-br,off\n" +
		"B1,Bill,billing,revenue,,,,,,,,\n"
	rows, err := ParseRoster(strings.NewReader(good), "r.csv", DefaultRoles)
	if err != nil {
		t.Fatal(err)
	}
	n, f, b := rows[0], rows[1], rows[2]
	if n.WorkDays == nil || n.WorkDays.String() != "mon,sat,sun" || n.WorkStart.String() != "19:00" || n.WorkEnd.String() != "07:30" ||
		n.DeliveryTime.String() != "19:15" || *n.Language != "es" || n.OnDuty == nil || !*n.OnDuty {
		t.Errorf("night nurse = %+v", n)
	}
	if f.WorkDays.String() != "mon,wed,fri" || *f.Language != "pt-BR" || f.OnDuty == nil || *f.OnDuty {
		t.Errorf("front desk = days %v lang %v duty %v", f.WorkDays, *f.Language, f.OnDuty)
	}
	if b.WorkDays != nil || b.WorkStart != nil || b.DeliveryTime != nil || b.Language != nil || b.OnDuty != nil {
		t.Errorf("empty cells set something: %+v", b)
	}

	bad := "user_id,name,role,department,timezone,email,permissions,work_days,work_hours,delivery_time,language,duty\n" +
		"N1,A,nurse,icu,,,,someday,19:00-07:30,12:00,english,maybe\n" +
		"N2,B,nurse,icu,,,,mon-fri,7am-3pm,25:00,es,on\n" +
		"N3,C,nurse,icu,,,,,08:00-08:00,,,\n"
	_, err = ParseRoster(strings.NewReader(bad), "r.csv", DefaultRoles)
	if err == nil {
		t.Fatal("bad shift columns accepted")
	}
	for _, w := range []string{
		`r.csv:2: work_days: "someday" is not a set of days`,
		`r.csv:2: delivery_time: 12:00 is outside the work hours 19:00-07:30`,
		`r.csv:2: language: "english" is not a language code`,
		`r.csv:2: duty: "maybe" is not on or off`,
		`r.csv:3: work_hours: "7am-3pm" is not hours like 07:00-19:30`,
		`r.csv:3: delivery_time: "25:00" is not a time of day`,
		`r.csv:3: duty: on needs super_user in the permissions column`,
		`r.csv:4: work_hours: "08:00-08:00" starts and ends at the same time`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
}

// TestParseRosterUnknownColumns: a column the roster does not know is an
// error naming it and the known ones, not silently ignored.
func TestParseRosterUnknownColumns(t *testing.T) {
	t.Parallel()
	in := "user_id,name,role,department,timezone,email,shift,work_day\nU1,Ana,nurse,4west,,,nights,mon\n"
	_, err := ParseRoster(strings.NewReader(in), "r.csv", DefaultRoles)
	if err == nil {
		t.Fatal("unknown columns accepted")
	}
	want := `r.csv:1: header: unknown columns "shift", "work_day"; known columns: user_id,name,role,department,timezone,email ` +
		`(optional: permissions,start_date,work_days,work_hours,delivery_time,language,duty)`
	if err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
