package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestCLIRosterShifts: a roster describes night and weekend shifts,
// language and duty, and they land on the members (on both backends); a
// later roster with empty cells keeps them; unknown columns are refused
// with nothing imported.
func TestCLIRosterShifts(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		dir := t.TempDir()
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": storetest.URL(t, b)}
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		unknown := write("unknown.csv", "user_id,name,role,department,timezone,email,shift\nN1,Nia,nurse,icu,,,nights\n")
		code, _, errs := runCLI(t, vars, "roster", "import", unknown)
		if code != exitFail || !strings.Contains(errs, unknown+`:1: header: unknown column "shift"; known columns:`) ||
			!strings.Contains(errs, "work_days") || !strings.Contains(errs, "nothing was imported") {
			t.Fatalf("unknown column: exit %d\n%s", code, errs)
		}
		shifts := write("shifts.csv", "user_id,name,role,department,timezone,email,permissions,work_days,work_hours,delivery_time,language,duty\n"+
			"N1,Nia,nurse,icu,America/Chicago,,super_user,fri;sat;sun,19:00-07:30,19:30,es,on\n")
		if code, out, errs := runCLI(t, vars, "roster", "import", shifts); code != 0 {
			t.Fatalf("roster import: %d %s %s", code, out, errs)
		}
		again := write("again.csv", "user_id,name,role,department,timezone,email,work_days,work_hours,delivery_time,language,duty\n"+
			"N1,Nia Ortiz,nurse,icu,America/Chicago,,,,,,\n")
		if code, out, errs := runCLI(t, vars, "roster", "import", again); code != 0 {
			t.Fatalf("second roster import: %d %s %s", code, out, errs)
		}
		ctx := context.Background()
		db, ws := cliWorkspace(t, vars, "sandbox", "local")
		m, err := db.MemberByUser(ctx, db, ws.ID, "N1")
		if err != nil {
			t.Fatal(err)
		}
		s := m.Schedule
		if m.Name != "Nia Ortiz" || s.WorkDays.String() != "fri,sat,sun" || s.WorkStart.String() != "19:00" || s.WorkEnd.String() != "07:30" ||
			s.DeliveryTime.String() != "19:30" || m.Language != "es" || !m.OnDuty {
			t.Errorf("member after import = name %q days %s hours %s-%s delivery %s language %q duty %v",
				m.Name, s.WorkDays, s.WorkStart, s.WorkEnd, s.DeliveryTime, m.Language, m.OnDuty)
		}
		if m.LanguageSource != member.LanguageRoster {
			t.Errorf("language source %q, want roster", m.LanguageSource)
		}
		// The person's own /learn language is never overridden by a roster;
		// a bad language cell stops the whole import.
		if _, err := db.MemberSetLanguage(ctx, db, m.ID, "en", member.LanguageChosen); err != nil {
			t.Fatal(err)
		}
		third := write("third.csv", "user_id,name,role,department,timezone,email,language\nN1,Nia Ortiz,nurse,icu,,,es\nN2,Noe,nurse,icu,,,es\n")
		if code, out, errs := runCLI(t, vars, "roster", "import", third); code != 0 {
			t.Fatalf("third roster import: %d %s %s", code, out, errs)
		}
		if m, _ = db.MemberByUser(ctx, db, ws.ID, "N1"); m.Language != "en" || m.LanguageSource != member.LanguageChosen {
			t.Errorf("a roster replaced the person's choice: %q from %q", m.Language, m.LanguageSource)
		}
		if n, _ := db.MemberByUser(ctx, db, ws.ID, "N2"); n == nil || n.Language != "es" {
			t.Errorf("N2 language %+v", n)
		}
		bad := write("bad.csv", "user_id,name,role,department,timezone,email,language\nN3,Neo,nurse,icu,,,espanol!\n")
		code, _, errs = runCLI(t, vars, "roster", "import", bad)
		if code != exitFail || !strings.Contains(errs, bad+`:2: language: "espanol!" is not a language code like en, es or pt-BR`) ||
			!strings.Contains(errs, "nothing was imported") {
			t.Errorf("bad language: exit %d\n%s", code, errs)
		}
		if _, err := db.MemberByUser(ctx, db, ws.ID, "N3"); err == nil {
			t.Error("a roster with a bad language imported a member")
		}
	})
}
