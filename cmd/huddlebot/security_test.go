package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/discord/discordfake"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// The security review, in tests. What is covered where:
//   - Slack signatures (v0 HMAC, 5-minute window, replay, body swap):
//     bot/slack TestSlackSigningExample and TestRejectsBadRequests; through
//     serve: TestServeSlackHTTP and TestSecretsNeverLogged below.
//   - Discord signatures (Ed25519, window): bot/discord
//     TestInteractionsEndpoint; through serve: TestServeDiscordHTTP and
//     TestSecretsNeverLogged below.
//   - Permissions: TestLearnerCannot below, end to end over signed Slack
//     requests; the rules themselves in bot (burst_test, huddle_test,
//     ask_test) and huddles (poll_test).
//   - Anonymous votes unlinkable: store/huddle_test and bot/huddle_test
//     (anonymous polls keep only a keyed hash of the voter).
//   - Secrets never logged: TestSecretsNeverLogged below.
//   - SQL only through parameters: TestSQLOnlyThroughParameters
//     (sqlscan_test.go).

// secretValue is a recognisable secret: a prefix and 20 random hex digits,
// the part the log checks look for.
func secretValue(prefix string) (value, core string) {
	var b [10]byte
	_, _ = rand.Read(b[:])
	core = hex.EncodeToString(b[:])
	return prefix + core, core
}

// TestSecretsNeverLogged runs serve with every secret set to a recognisable
// value — Slack bot and app tokens and signing secret, the Discord bot
// token, the dashboard password, the vote-hash secret, and on PostgreSQL a
// database password — with debug logging, sends it good, forged and
// failing requests on every route, makes a delivery fail, and then looks
// for each secret in everything it logged. It also checks --help and a
// usage error, which print every flag's default.
func TestSecretsNeverLogged(t *testing.T) {
	storetest.ParallelEachBackend(t, testSecretsNeverLogged)
}

func testSecretsNeverLogged(t *testing.T, backend store.Backend) {
	slackFake := slackfake.New()
	t.Cleanup(slackFake.Close)
	discord := discordfake.New(t)
	pub, priv, _ := ed25519.GenerateKey(nil)

	botToken, botCore := secretValue("xoxb-")
	appToken, appCore := secretValue("xapp-")
	signing, signingCore := secretValue("")
	dashboard, dashCore := secretValue("pw-")
	teamsPassword, teamsCore := secretValue("tp~")
	teamsIdentity := teamsfake.NewIdentity(t)
	teamsConnector := teamsfake.NewConnector(t, teamsTestApp, teamsPassword, teamsTestTenant)
	voteKey, voteCore := secretValue("vk-")
	cores := map[string]string{"SLACK_BOT_TOKEN": botCore, "SLACK_APP_TOKEN": appCore, "SLACK_SIGNING_SECRET": signingCore,
		"HUDDLEBOT_DASHBOARD_PASSWORD": dashCore, "HUDDLEBOT_SECRET": voteCore, "DISCORD_BOT_TOKEN": discordfake.Token,
		"TEAMS_APP_PASSWORD": teamsCore}

	dbURL := storetest.URL(t, backend)
	if backend == store.Postgres {
		// PostgreSQL here trusts local connections: any password works,
		// and huddlebot must still never show it.
		pw, pwCore := secretValue("db-")
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), pw)
		dbURL = u.String()
		cores["database password"] = pwCore
	}
	vars := map[string]string{
		"HUDDLEBOT_DATABASE_URL":       dbURL,
		"HUDDLEBOT_LOG_LEVEL":          "debug",
		"HUDDLEBOT_DASHBOARD_PASSWORD": dashboard,
		"HUDDLEBOT_SECRET":             voteKey,
		"SLACK_BOT_TOKEN":              botToken,
		"SLACK_APP_TOKEN":              appToken,
		"SLACK_SIGNING_SECRET":         signing,
		"SLACK_API_URL":                slackFake.APIURL(),
		"DISCORD_BOT_TOKEN":            discordfake.Token,
		"DISCORD_APP_ID":               discordTestApp,
		"DISCORD_PUBLIC_KEY":           hex.EncodeToString(pub),
		"DISCORD_API_URL":              discord.APIURL(),
		"DISCORD_GUILD_ID":             discordTestGuild,
		"TEAMS_APP_ID":                 teamsTestApp,
		"TEAMS_APP_PASSWORD":           teamsPassword,
		"TEAMS_TENANT_ID":              teamsTestTenant,
		"TEAMS_OPENID_URL":             teamsIdentity.OpenIDURL(),
		"TEAMS_TOKEN_URL":              teamsConnector.TokenURL(),
	}
	m, base, logs := startTestMain(t, backend, vars)

	// Config.Secrets lists every secret setting: the ones set here are all
	// of them (a new secret setting must be added to this test).
	secrets := m.Config.Secrets()
	for _, v := range []string{botToken, appToken, signing, dashboard, voteKey, discordfake.Token, teamsPassword} {
		found := false
		for _, s := range secrets {
			found = found || s == v
		}
		if !found {
			t.Errorf("Config.Secrets() does not list %q", v)
		}
	}
	if len(secrets) != 7 {
		t.Errorf("Config.Secrets() lists %d values; this test sets 7 — set the new one here too", len(secrets))
	}

	client := &http.Client{Timeout: 30 * time.Second}
	do := func(req *http.Request) (int, string) {
		t.Helper()
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	get := func(path string, user, pass string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		status, _ := do(req)
		return status
	}
	slack := func(body []byte, secret string, at time.Time) int {
		t.Helper()
		status, _ := do(slackfake.SignedRequest(base+"/slack/events", secret, at, "application/x-www-form-urlencoded", body))
		return status
	}
	discordPost := func(body string, key ed25519.PrivateKey) int {
		t.Helper()
		status, _ := signedDiscordPost(t, base+"/discord/interactions", key, body)
		return status
	}

	checks := []struct {
		name string
		got  func() int
		want int
	}{
		{"healthz", func() int { return get("/healthz", "", "") }, 200},
		{"readyz", func() int { return get("/readyz", "", "") }, 200},
		{"metrics", func() int { return get("/metrics", "", "") }, 200},
		{"dashboard without a password", func() int { return get("/dashboard", "", "") }, 401},
		{"dashboard, wrong password", func() int { return get("/dashboard", dashboardUser, "guess") }, 401},
		{"dashboard, right password", func() int { return get("/dashboard", dashboardUser, dashboard) }, 200},
		{"slack /learn join", func() int { return slack(slackCommand("U7", "join nurse"), signing, time.Now()) }, 200},
		{"slack /learn", func() int { return slack(slackCommand("U7", ""), signing, time.Now()) }, 200},
		{"slack /learn for an unreachable member", func() int {
			slackFake.Unreachable("U8", "cannot_dm_bot")
			slack(slackCommand("U8", "join nurse"), signing, time.Now())
			return slack(slackCommand("U8", ""), signing, time.Now())
		}, 200},
		{"slack forged", func() int { return slack(slackCommand("U7", "stats"), "guess", time.Now()) }, 401},
		{"slack signed with the bot token", func() int { return slack(slackCommand("U7", "stats"), botToken, time.Now()) }, 401},
		{"slack stale", func() int { return slack(slackCommand("U7", "stats"), signing, time.Now().Add(-time.Hour)) }, 401},
		{"slack malformed", func() int { return slack([]byte("payload=%7B%22type"), signing, time.Now()) }, 400},
		{"slack unsigned", func() int {
			req, _ := http.NewRequest(http.MethodPost, base+"/slack/events", strings.NewReader("command=%2Flearn"))
			status, _ := do(req)
			return status
		}, 401},
		{"discord signed ping", func() int { return discordPost(`{"id":"1","type":1,"token":"t","version":1}`, priv) }, 200},
		{"discord unsigned", func() int { return discordPost(`{"id":"2","type":1}`, nil) }, 401},
		{"discord signed with another key", func() int {
			_, other, _ := ed25519.GenerateKey(nil)
			return discordPost(`{"id":"3","type":1}`, other)
		}, 401},
		{"discord malformed", func() int { return discordPost(`{"type":`, priv) }, 400},
		{"teams learn join", func() int {
			return teamsPost(t, base, teamsIdentity.Token(t, teamsTestApp, teamsConnector.ServiceURL()), teamsMessage(teamsConnector.ServiceURL(), "learn join nurse"))
		}, 200},
		{"teams unsigned", func() int { return teamsPost(t, base, "", teamsMessage(teamsConnector.ServiceURL(), "learn stats")) }, 401},
		{"teams for another bot", func() int {
			return teamsPost(t, base, teamsIdentity.Token(t, "another-app", teamsConnector.ServiceURL()), teamsMessage(teamsConnector.ServiceURL(), "learn stats"))
		}, 403},
		{"teams malformed", func() int {
			return teamsPost(t, base, teamsIdentity.Token(t, teamsTestApp, teamsConnector.ServiceURL()), `{"type":`)
		}, 400},
	}
	for _, c := range checks {
		if got := c.got(); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	// Let the deliveries (one DM, one refused with cannot_dm_bot) happen.
	deadline := time.Now().Add(20 * time.Second)
	for slackFake.Count("chat.postMessage") < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := m.Jobs.WaitIdle(context.Background(), 20*time.Second); err != nil {
		t.Error(err)
	}
	if slackFake.Count("chat.postMessage") < 2 {
		t.Errorf("the deliveries did not happen: %d posts", slackFake.Count("chat.postMessage"))
	}
	// The Teams answer went out with a token the secret bought.
	for deadline := time.Now().Add(20 * time.Second); len(teamsConnector.Activities(teamsTestConv)) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if teamsConnector.TokenRequests() == 0 || len(teamsConnector.Activities(teamsTestConv)) == 0 {
		t.Errorf("the Teams answer was not sent (%d token requests)", teamsConnector.TokenRequests())
	}

	// --help and a usage error print every flag with its default.
	var help bytes.Buffer
	e := &env{stdout: &help, stderr: &help, getenv: func(k string) string { return vars[k] }}
	run(context.Background(), e, []string{"serve", "--help"})
	run(context.Background(), e, []string{"migrate", "--no-such-flag"})

	out := logs.String() + "\n" + help.String()
	if !strings.Contains(logs.String(), "huddlebot serving") {
		t.Fatalf("the log does not look like serve's:\n%s", logs)
	}
	for name, core := range cores {
		if strings.Contains(out, core) {
			i := strings.Index(out, core)
			t.Errorf("%s appears in the output: …%s…", name, out[max(0, i-120):min(len(out), i+40)])
		}
	}
	t.Logf("checked %d bytes of logs and help for %d secrets", len(out), len(cores))
}

// TestBadDatabaseURLHidesPassword: a database URL that does not parse is
// reported without its password.
func TestBadDatabaseURLHidesPassword(t *testing.T) {
	t.Parallel()
	pw, core := secretValue("pw%zz")
	for _, raw := range []string{
		"postgres://huddlebot:" + pw + "@127.0.0.1:1/db", // a bad %-escape in the password
		"postgres://huddlebot:" + core + "@[::1/db",      // a bad host
	} {
		code, stdout, stderr := runCLI(t, map[string]string{"HUDDLEBOT_DATABASE_URL": raw}, "migrate")
		if code == exitOK {
			t.Errorf("migrate with %q succeeded", raw)
		}
		if out := stdout + stderr; strings.Contains(out, core) {
			t.Errorf("the password appears in the error:\n%s", out)
		}
	}
}

// TestLearnerCannot is the permission table, end to end: each trainer or
// host action, attempted by a learner over a signed Slack request, is
// refused with a message saying who may do it, and changes nothing; the
// same action by its rightful owner then works (so the refusal is the
// permission, not a broken request).
func TestLearnerCannot(t *testing.T) {
	t.Parallel()
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	const secret = "permission-test-secret"
	m, base, logs := startTestMain(t, store.SQLite, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-permissions", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.APIURL(),
	})
	ctx := context.Background()
	ws, err := m.DB.WorkspaceEnsure(ctx, "slack", "T0001", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		user  string
		perms []member.Permission
	}{
		{"UTARA", []member.Permission{member.PermTrainer}},
		{"USAM", []member.Permission{member.PermSuperUser}},
		{"UNINA", []member.Permission{}},
	} {
		if _, err := m.DB.MemberUpsert(ctx, m.DB, store.MemberUpsert{WorkspaceID: ws.ID, UserID: p.user, Name: p.user,
			Role: "nurse", Department: "4west", Permissions: p.perms}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	at := func() time.Time { now = now.Add(time.Second); return now } // a fresh signature each time
	command := func(user, cmd, text string) string {
		t.Helper()
		body := []byte(url.Values{"team_id": {"T0001"}, "channel_id": {"C4WEST"}, "channel_name": {"4west"}, "user_id": {user},
			"command": {cmd}, "text": {text}, "response_url": {fake.ResponseURL("cmd")}, "trigger_id": {"1.2.3"}}.Encode())
		status, reply := slackPost(t, base, "application/x-www-form-urlencoded", body, secret, at())
		if status != http.StatusOK {
			t.Fatalf("%s %s %s: status %d %s", user, cmd, text, status, reply)
		}
		var r struct{ Text string }
		_ = json.Unmarshal([]byte(reply), &r)
		return r.Text
	}
	clicks := 0
	click := func(user, channel, ts, action string) string {
		t.Helper()
		clicks++
		id := fmt.Sprintf("click-%d", clicks)
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": user, "team_id": "T0001"}, "team": map[string]any{"id": "T0001"},
			"channel": map[string]any{"id": channel}, "container": map[string]any{"type": "message", "channel_id": channel, "message_ts": ts},
			"trigger_id": "9.9.9", "response_url": fake.ResponseURL(id),
			"actions": []any{map[string]any{"action_id": action, "value": action, "type": "button", "block_id": "b"}},
		})
		body := []byte(url.Values{"payload": {string(payload)}}.Encode())
		if status, reply := slackPost(t, base, "application/x-www-form-urlencoded", body, secret, at()); status != http.StatusOK {
			t.Fatalf("%s clicks %s: status %d %s", user, action, status, reply)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			for _, r := range fake.Responses() {
				if r.Path == "/response/"+id {
					text, _ := r.Body["text"].(string)
					return text
				}
			}
			if time.Now().After(deadline) {
				return "(no reply)"
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// findAction waits for a posted message with a button whose id starts
	// with prefix and ends with suffix.
	findAction := func(prefix, suffix string) (channel, ts, action string) {
		t.Helper()
		// Generous: under CI's race detector on a loaded machine the
		// closed poll's re-render (coalesced, then a paced chat.update) has
		// taken more than 20 s; the wait ends as soon as the button is there.
		deadline := time.Now().Add(90 * time.Second)
		for {
			for _, msg := range fake.Messages() {
				for _, a := range msg.ActionIDs() {
					if strings.HasPrefix(a, prefix) && strings.HasSuffix(a, suffix) {
						return msg.Channel, msg.TS, a
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no message with a %s…%s button; logs:\n%s", prefix, suffix, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	refused := func(what, reply string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(reply, w) {
				t.Errorf("learner %s: reply %q, want it to contain %q", what, reply, w)
			}
		}
	}

	// Bursts: send and cancel are for trainers.
	refused("sends a burst", command("UNINA", "/burst", "send secure-chat-launch now"), "Only trainers")
	if _, err := m.DB.BurstSendGet(ctx, m.DB, ws.ID, "secure-chat-launch"); !store.IsNotFound(err) {
		t.Errorf("after the learner's /burst send, the burst's send: %v (want not found)", err)
	}
	if reply := command("UTARA", "/burst", "send secure-chat-launch"); strings.Contains(reply, "Only") {
		t.Fatalf("trainer /burst send: %q", reply)
	}
	refused("cancels a burst", command("UNINA", "/burst", "cancel secure-chat-launch"), "Only trainers")
	if s, err := m.DB.BurstSendGet(ctx, m.DB, ws.ID, "secure-chat-launch"); err != nil || s.Status == store.BurstCancelled {
		t.Errorf("after the learner's /burst cancel: %+v %v", s, err)
	}

	// Huddles: only super-users host; only the host (or a trainer) ends,
	// runs polls and handles the parking lot.
	refused("starts a huddle", command("UNINA", "/huddle", "start Nina's huddle"), "Only super-users")
	if reply := command("USAM", "/huddle", "start Shift change"); strings.Contains(reply, "Only") {
		t.Fatalf("host /huddle start: %q", reply)
	}
	command("USAM", "/huddle", `poll "Which screen first?" "Brain" "MAR"`)
	command("UNINA", "/huddle", "ask Where is the new sepsis order set?")
	ch, ts, closeAction := findAction("poll:", ":close")
	refused("closes the host's poll", click("UNINA", ch, ts, closeAction), "Only the huddle's host")
	if reply := click("USAM", ch, ts, closeAction); strings.Contains(reply, "Only") {
		t.Errorf("host closes the poll: %q", reply)
	}
	ch, ts, reopen := findAction("poll:", ":reopen")
	refused("reopens the host's poll", click("UNINA", ch, ts, reopen), "Only the huddle's host")
	ch, ts, answered := findAction("hq:", ":answered")
	refused("marks a parking-lot question answered", click("UNINA", ch, ts, answered), "Only the huddle's host")
	_, _, escalate := findAction("hq:", ":escalate")
	refused("escalates a parking-lot question", click("UNINA", ch, ts, escalate), "Only the huddle's host")
	refused("ends the host's huddle", command("UNINA", "/huddle", "end"), "Only the huddle's host")
	if reply := command("USAM", "/huddle", "end"); strings.Contains(reply, "Only") {
		t.Errorf("host /huddle end: %q", reply)
	}

	// Duty is for super-users; the dashboard needs its password.
	refused("goes on duty", command("UNINA", "/learn", "duty on"), "Only super-users")
	if mem, err := m.DB.MemberByUser(ctx, m.DB, ws.ID, "UNINA"); err != nil || mem.OnDuty {
		t.Errorf("after the learner's /learn duty on: on duty %v (%v)", mem != nil && mem.OnDuty, err)
	}
	if reply := command("USAM", "/learn", "duty on"); strings.Contains(reply, "Only") {
		t.Errorf("super-user /learn duty on: %q", reply)
	}
	res, err := http.Get(base + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusUnauthorized {
		t.Errorf("dashboard of a Slack deployment without a password: %d, want it disabled", res.StatusCode)
	}
}

// TestDatabasePasswordFormsMasked: a database password given in any form
// lib/pq accepts — the URL's userinfo, ?password=, a key=value connection
// string — never appears in serve's "database ready" line, migrate's
// output, the "database unavailable" error, a configuration error or the
// --help default.
func TestDatabasePasswordFormsMasked(t *testing.T) {
	t.Parallel()
	pw, core := secretValue("db-")
	withQuery := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("password", pw)
		u.RawQuery = q.Encode()
		return u.String()
	}
	withUser := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("postgres", pw)
		return u.String()
	}
	check := func(what, out string) {
		t.Helper()
		if strings.Contains(out, core) {
			i := strings.Index(out, core)
			t.Errorf("%s shows the password: …%s…", what, out[max(0, i-80):min(len(out), i+40)])
		}
	}
	cli := func(raw string, args ...string) (int, string) {
		code, out, errs := runCLI(t, map[string]string{"HUDDLEBOT_DATABASE_URL": raw}, args...)
		return code, out + errs
	}

	// No database needed: nothing listens on port 1, and a key=value string
	// is refused by the configuration check.
	for _, raw := range []string{
		withQuery("postgres://postgres@127.0.0.1:1/db?sslmode=disable&connect_timeout=1"),
		withUser("postgres://127.0.0.1:1/db?sslmode=disable&connect_timeout=1"),
		"host=127.0.0.1 port=1 password='" + pw + "' sslmode=disable",
	} {
		code, out := cli(raw, "migrate")
		if code == exitOK {
			t.Errorf("migrate on %s succeeded", store.MaskURL(raw))
		}
		check("migrate's error", out)
		_, help := cli(raw, "serve", "--help")
		if !strings.Contains(help, "database-url") {
			t.Fatalf("serve --help does not list --database-url:\n%s", help)
		}
		check("serve --help", help)
	}

	// On a live PostgreSQL (trust auth here: any password works).
	base := storetest.URL(t, store.Postgres)
	for _, raw := range []string{withQuery(base), withUser(base)} {
		code, out := cli(raw, "migrate")
		if code != exitOK || !strings.Contains(out, "applied") && !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: exit %d\n%s", code, out)
		}
		check("migrate's output", out)
		_, _, logs := startTestMain(t, store.Postgres, map[string]string{"HUDDLEBOT_DATABASE_URL": raw})
		if !strings.Contains(logs.String(), "database ready") {
			t.Fatalf("no database ready line:\n%s", logs)
		}
		check("serve's log", logs.String())
	}
}

// TestSandboxRefusesCrossSite: a web page cannot drive or read the loopback
// sandbox or the password-less dashboard: a text/plain POST is refused
// (415), a JSON POST from a foreign Origin or a cross-site fetch too (403),
// a request whose Host is a rebound DNS name is refused on the API, the
// page and the dashboard (403), and the page forbids framing. The sandbox's
// own page (same Origin, JSON) still works.
func TestSandboxRefusesCrossSite(t *testing.T) {
	t.Parallel()
	_, base, _ := startTestMain(t, store.SQLite, nil)
	port := base[strings.LastIndex(base, ":")+1:]
	send := func(method, path, contentType, body string, header map[string]string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range header {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	cmd := `{"user":"nina","channel":"dm","text":"/learn stats"}`
	for _, c := range []struct {
		name         string
		method, path string
		ctype, body  string
		header       map[string]string
		want         int
	}{
		{"text/plain from another site", "POST", "/sandbox/api/command", "text/plain", cmd, map[string]string{"Origin": "http://evil.example"}, 415},
		{"a form post", "POST", "/sandbox/api/command", "application/x-www-form-urlencoded", "text=x", nil, 415},
		{"JSON from another origin", "POST", "/sandbox/api/command", "application/json", cmd, map[string]string{"Origin": "http://evil.example"}, 403},
		{"a cross-site fetch", "POST", "/sandbox/api/command", "application/json", cmd, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"rebound Host on the API", "GET", "/sandbox/api/people", "", "", map[string]string{"Host": "rebind.evil.example:" + port}, 403},
		{"rebound Host on the page", "GET", "/", "", "", map[string]string{"Host": "rebind.evil.example:" + port}, 403},
		{"rebound Host on the dashboard", "GET", "/dashboard", "", "", map[string]string{"Host": "rebind.evil.example:" + port}, 403},
		{"right host, wrong port", "GET", "/sandbox/api/people", "", "", map[string]string{"Host": "127.0.0.1:1"}, 403},
		{"the page's own request", "POST", "/sandbox/api/command", "application/json; charset=utf-8", cmd,
			map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin"}, 200},
		{"localhost", "GET", "/sandbox/api/people", "", "", map[string]string{"Host": "localhost:" + port}, 200},
		{"dashboard on loopback", "GET", "/dashboard", "", "", nil, 200},
	} {
		if got, _, body := send(c.method, c.path, c.ctype, c.body, c.header); got != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, got, c.want, strings.TrimSpace(body))
		}
	}
	_, h, _ := send("GET", "/", "", "", nil)
	if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the sandbox page may be framed: X-Frame-Options %q, CSP %q", h.Get("X-Frame-Options"), h.Get("Content-Security-Policy"))
	}
}

// TestSandboxPublicOptIn: the sandbox refuses clients on other computers
// unless HUDDLEBOT_SANDBOX_PUBLIC opts in, which serve warns about at
// start-up; a value that is not yes or no is a configuration error.
func TestSandboxPublicOptIn(t *testing.T) {
	t.Parallel()
	_, _, logs := startTestMain(t, store.SQLite, map[string]string{"HUDDLEBOT_SANDBOX_PUBLIC": "1"})
	if !strings.Contains(logs.String(), "sandbox served to other computers (HUDDLEBOT_SANDBOX_PUBLIC)") {
		t.Errorf("no start-up warning for a public sandbox:\n%s", logs)
	}
	_, _, logs = startTestMain(t, store.SQLite, nil)
	if strings.Contains(logs.String(), "HUDDLEBOT_SANDBOX_PUBLIC)") {
		t.Errorf("a loopback sandbox warns as if public:\n%s", logs)
	}
	code, _, errs := runCLI(t, map[string]string{"HUDDLEBOT_SANDBOX_PUBLIC": "maybe", "HUDDLEBOT_DATABASE_URL": "sqlite::memory:"}, "serve")
	if code == exitOK || !strings.Contains(errs, "HUDDLEBOT_SANDBOX_PUBLIC") {
		t.Errorf("HUDDLEBOT_SANDBOX_PUBLIC=maybe: exit %d %q", code, errs)
	}
}
