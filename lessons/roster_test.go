package lessons

import (
	"errors"
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
	var ve *ValidationError
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
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			if rows != nil {
				t.Fatal("rows returned with an error")
			}
		}
	})
}
