package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

const (
	teamsTestApp    = "2d1a1f33-4e7c-46c5-9c84-8e9b54c0a1a3"
	teamsTestTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	teamsTestUser   = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw"
	teamsTestConv   = "a:1Yd0dCYDcVk1w0G-Zn5bM2ZPcJWkbQ0P5rSRa8nHLQ5hWGQ0Y0oe0H6f8tDZ1yA3Xq0mUqXr5nLb4kYdz1QWw"
)

// teamsMessage is a message activity in a 1:1 chat, as Bot Framework sends
// it (bot/teams/testdata/message_personal.json), with text.
func teamsMessage(serviceURL, text string) string {
	b, _ := json.Marshal(map[string]any{
		"type": "message", "id": "1764597731631", "channelId": "msteams", "serviceUrl": serviceURL, "text": text,
		"from":         map[string]any{"id": teamsTestUser, "name": "Nina Patel", "aadObjectId": "6b9a3d9e-7bd0-4f4a-9f3e-0d0c4f4e2b11"},
		"conversation": map[string]any{"conversationType": "personal", "tenantId": teamsTestTenant, "id": teamsTestConv},
		"recipient":    map[string]any{"id": "28:" + teamsTestApp, "name": "huddlebot"},
		"channelData":  map[string]any{"tenant": map[string]any{"id": teamsTestTenant}},
	})
	return string(b)
}

// teamsPost sends body to serve's messaging endpoint with the
// Authorization header auth ("" for none) and returns the status.
func teamsPost(t *testing.T, base, auth, body string) int {
	t.Helper()
	return teamsfake.Post(t, base+"/teams/messages", auth, []byte(body))
}

func TestTeamsConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		vars map[string]string
		want []string // variables the error names; none: valid
	}{
		{map[string]string{"TEAMS_APP_ID": teamsTestApp, "TEAMS_APP_PASSWORD": "s", "TEAMS_TENANT_ID": teamsTestTenant}, nil},
		{map[string]string{"TEAMS_APP_ID": teamsTestApp}, []string{"TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"}},
		{map[string]string{"TEAMS_APP_PASSWORD": "s"}, []string{"TEAMS_APP_ID"}},
		{map[string]string{"TEAMS_APP_ID": teamsTestApp, "TEAMS_APP_PASSWORD": "s", "TEAMS_TENANT_ID": teamsTestTenant,
			"TEAMS_TOKEN_URL": "http://login.example.com/token", "TEAMS_OPENID_URL": "ftp://x"}, []string{"TEAMS_TOKEN_URL", "TEAMS_OPENID_URL"}},
	}
	for _, c := range cases {
		cfg := LoadConfig(func(k string) string { return c.vars[k] }, flag.NewFlagSet("t", flag.ContinueOnError))
		err := cfg.Validate()
		if len(c.want) == 0 {
			if err != nil {
				t.Errorf("%v: %v", c.vars, err)
			}
			if cfg.Sandbox() || cfg.Platform() != "teams" {
				t.Errorf("%v: sandbox %v, platform %q; want teams", c.vars, cfg.Sandbox(), cfg.Platform())
			}
			continue
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v; want one naming %s", c.vars, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), `"s"`) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestTeamsManifestCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := dir + "/app.zip"
	var stdout, stderr strings.Builder
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		return map[string]string{"TEAMS_APP_ID": teamsTestApp}[k]
	}}
	if code := run(context.Background(), e, []string{"teams", "manifest", "--domain", "huddlebot.example.org", "--out", out}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "manifest.json,es.json,color.png,outline.png" {
		t.Errorf("the package holds %v", names)
	}
	if !strings.Contains(stdout.String(), "https://huddlebot.example.org/teams/messages") {
		t.Errorf("stdout: %s", stdout.String())
	}
	stderr.Reset()
	if code := run(context.Background(), e, []string{"teams", "manifest", "--domain", "https://x/y", "--out", dir + "/bad.zip"}); code != exitFail ||
		!strings.Contains(stderr.String(), "--domain") {
		t.Errorf("a bad domain: exit %d, %q", code, stderr.String())
	}
	if code := run(context.Background(), e, []string{"teams"}); code != exitUsage {
		t.Errorf("no verb: exit %d; want %d", code, exitUsage)
	}
}

// TestTeamsRosterImport: roster import --platform teams goes into the
// TEAMS_TENANT_ID workspace with rows keyed by directory object id; once a
// person has written to the bot (their member re-keyed to their Teams id),
// re-importing the roster finds them by e-mail instead of adding them again.
func TestTeamsRosterImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "x.db"), "TEAMS_TENANT_ID": teamsTestTenant}
	csv := filepath.Join(dir, "staff.csv")
	os.WriteFile(csv, []byte("user_id,name,role,department,timezone,email\n"+
		"6b9a3d9e-7bd0-4f4a-9f3e-0d0c4f4e2b11,Nina Patel,nurse,4west,America/Chicago,nina.patel@example.org\n"+
		"0f3c8c33-7f49-4d87-9b7d-6f2a2c9de4a5,Sam Ortiz,physician,4west,,\n"), 0o644)
	if code, out, errs := runCLI(t, vars, "roster", "import", csv, "--platform", "teams"); code != 0 || !strings.Contains(out, "teams workspace "+teamsTestTenant+": 2 added") {
		t.Fatalf("roster import: %d %q %s", code, out, errs)
	}
	ctx := context.Background()
	db, ws := cliWorkspace(t, vars, "teams", teamsTestTenant)
	if ok, err := db.MemberRekey(ctx, ws.ID, teamsTestUser, []string{"6b9a3d9e-7bd0-4f4a-9f3e-0d0c4f4e2b11"}); !ok || err != nil {
		t.Fatalf("first contact: %v %v", ok, err)
	}
	if code, out, errs := runCLI(t, vars, "roster", "import", csv, "--platform", "teams"); code != 0 || !strings.Contains(out, "0 added, 2 updated") {
		t.Fatalf("roster re-import: %d %q %s", code, out, errs)
	}
	ms, err := db.MemberList(ctx, db, store.MemberFilter{WorkspaceID: ws.ID})
	if err != nil || len(ms) != 2 {
		t.Fatalf("%d members after the re-import, %v; want 2", len(ms), err)
	}
}

// TestTeamsBurstStatusCountsUnreachable: `burst status --platform teams`
// and `report unreachable` count a Teams member the bot cannot message
// (marked unreachable after Teams refused a message: bot/teams'
// TestBurstCountsUnreachableMember shows that part end to end).
func TestTeamsBurstStatusCountsUnreachable(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, backend store.Backend) {
		vars := map[string]string{"HUDDLEBOT_DATABASE_URL": storetest.URL(t, backend), "TEAMS_TENANT_ID": teamsTestTenant}
		csv := filepath.Join(t.TempDir(), "staff.csv")
		os.WriteFile(csv, []byte("user_id,name,role,department,timezone,email\n"+
			"29:1nora-Zaqt7CZ,Nora Diaz,nurse,4west,America/Chicago,nora.diaz@example.org\n"+
			"29:1bea-Zaqt7CZ,Bea Kim,nurse,4west,America/Chicago,bea.kim@example.org\n"), 0o644)
		if code, _, errs := runCLI(t, vars, "content", "import", "../../content"); code != 0 {
			t.Fatalf("content import: %d %s", code, errs)
		}
		if code, out, errs := runCLI(t, vars, "roster", "import", csv, "--platform", "teams"); code != 0 || !strings.Contains(out, "2 added") {
			t.Fatalf("roster import: %d %q %s", code, out, errs)
		}
		if code, out, errs := runCLI(t, vars, "burst", "send", "secure-chat-launch", "--platform", "teams"); code != 0 || !strings.Contains(out, "queued for 2 members") {
			t.Fatalf("burst send: %d %q %s", code, out, errs)
		}
		ctx := context.Background()
		db, ws := cliWorkspace(t, vars, "teams", teamsTestTenant)
		bea, err := db.MemberByUser(ctx, db, ws.ID, "29:1bea-Zaqt7CZ")
		if err != nil {
			t.Fatal(err)
		}
		f := false
		if err := db.MemberUpdate(ctx, db, bea.ID, store.MemberSettings{Reachable: &f}); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, vars, "burst", "status", "secure-chat-launch", "--platform", "teams")
		if code != 0 || !strings.Contains(out, "2 members targeted") || !strings.Contains(out, "1 unreachable (blocked or removed the bot") {
			t.Errorf("burst status: %d\n%s%s", code, out, errs)
		}
		code, out, errs = runCLI(t, vars, "burst", "status", "secure-chat-launch", "--platform", "teams", "--format", "json")
		var st struct{ Members, Unreachable int }
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Members != 2 || st.Unreachable != 1 {
			t.Errorf("burst status json: %d %s %s", code, out, errs)
		}
		code, out, errs = runCLI(t, vars, "report", "unreachable", "--format", "csv")
		if want := "teams,nurse,4west,2,1,50"; code != 0 || !strings.Contains(out, want) {
			t.Errorf("report unreachable: %d %q %s; want the row %s", code, out, errs, want)
		}
	})
}
