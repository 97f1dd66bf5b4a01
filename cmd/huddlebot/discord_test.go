package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/discord/discordfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

const (
	discordTestApp   = "1245981166512455720"
	discordTestGuild = "1100461931127054416"
)

// startDiscordMain runs serve in-process with Discord configured against a
// fake Discord API.
func startDiscordMain(t *testing.T, backend store.Backend, vars map[string]string) (*Main, error) {
	t.Helper()
	env := map[string]string{
		"HUDDLEBOT_DATABASE_URL": storetest.URL(t, backend),
		"HUDDLEBOT_LISTEN":       "127.0.0.1:0",
		"DISCORD_BOT_TOKEN":      discordfake.Token,
		"DISCORD_APP_ID":         discordTestApp,
	}
	for k, v := range vars {
		env[k] = v
	}
	cfg := LoadConfig(func(k string) string { return env[k] }, flag.NewFlagSet("test", flag.ContinueOnError))
	m := &Main{Config: cfg, SchedulerInterval: time.Hour}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, m.Run(context.Background())
}

func signedDiscordPost(t *testing.T, url string, key ed25519.PrivateKey, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if key != nil {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(ts+body))))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestServeDiscordHTTP: with a public key, serve registers the commands in
// the configured guild, serves POST /discord/interactions, and a /learn
// there sends the quiz DM through the fake Discord.
func TestServeDiscordHTTP(t *testing.T) {
	storetest.EachBackend(t, testServeDiscordHTTP)
}

func testServeDiscordHTTP(t *testing.T, backend store.Backend) {
	{
		fake := discordfake.New(t)
		pub, key, _ := ed25519.GenerateKey(nil)
		m, err := startDiscordMain(t, backend, map[string]string{
			"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub),
			"DISCORD_API_URL":    fake.APIURL(),
			"DISCORD_GUILD_ID":   discordTestGuild,
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.Sandbox != nil {
			t.Error("Discord configured, yet the sandbox is on")
		}
		if n := len(fake.Calls("PUT", "/applications/"+discordTestApp+"/guilds/"+discordTestGuild+"/commands")); n != 1 {
			t.Errorf("%d command registrations in the guild\n%s", n, fake.Dump())
		}
		url := "http://" + m.Addr + "/discord/interactions"
		if code, body := signedDiscordPost(t, url, key, `{"id":"1","type":1,"token":"t","version":1}`); code != 200 || strings.TrimSpace(body) != `{"type":1}` {
			t.Fatalf("signed PING: %d %s", code, body)
		}
		if code, _ := signedDiscordPost(t, url, nil, `{"id":"1","type":1}`); code != 401 {
			t.Errorf("unsigned PING: %d, want 401", code)
		}
		join := `{"id":"2","application_id":"` + discordTestApp + `","type":2,"token":"t2","version":1,"guild_id":"` + discordTestGuild +
			`","channel_id":"1100461931127054419","member":{"user":{"id":"53908232506183680","username":"nina"}},` +
			`"data":{"id":"9","name":"learn","type":1,"options":[{"name":"join","type":1,"options":[{"name":"role","type":3,"value":"nurse"}]}]}}`
		code, body := signedDiscordPost(t, url, key, join)
		if code != 200 || !strings.Contains(body, "Welcome, nurse") {
			t.Fatalf("/learn join: %d %s", code, body)
		}
		next := strings.NewReplacer(`"id":"2"`, `"id":"3"`, `"token":"t2"`, `"token":"t3"`,
			`"options":[{"name":"role","type":3,"value":"nurse"}]`, `"options":[]`, `"name":"join"`, `"name":"next"`).Replace(join)
		code, body = signedDiscordPost(t, url, key, next)
		if code != 200 || !strings.Contains(body, "direct messages") {
			t.Fatalf("/learn: %d %s", code, body)
		}
		sent := fake.WaitCalls("POST", "/channels/953908232506183680/messages", 1, nil)
		var msg struct {
			Components []json.RawMessage `json:"components"`
		}
		if err := json.Unmarshal(sent[0].Body, &msg); err != nil || len(msg.Components) == 0 {
			t.Errorf("the DM has no buttons: %s", sent[0].Body)
		}
	}
}

// TestServeDiscordGateway: without a public key, serve uses the gateway and
// does not serve the HTTP endpoint; commands are registered globally.
func TestServeDiscordGateway(t *testing.T) {
	t.Parallel()
	fake := discordfake.New(t)
	m, err := startDiscordMain(t, store.SQLite, map[string]string{"DISCORD_API_URL": fake.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Calls("PUT", "/applications/"+discordTestApp+"/commands")); n != 1 {
		t.Errorf("%d global command registrations", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(fake.Calls("GET", "/gateway")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the gateway was never tried:\n%s", fake.Dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post("http://"+m.Addr+"/discord/interactions", "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HTTP interactions without DISCORD_PUBLIC_KEY: %d, want 404", resp.StatusCode)
	}
}

// TestServeDiscordBadToken: a token Discord rejects stops serve with a
// message naming the variable.
func TestServeDiscordBadToken(t *testing.T) {
	t.Parallel()
	fake := discordfake.New(t)
	_, err := startDiscordMain(t, store.SQLite, map[string]string{"DISCORD_API_URL": fake.APIURL(), "DISCORD_BOT_TOKEN": "wrong"})
	if err == nil || !strings.Contains(err.Error(), "DISCORD_BOT_TOKEN") {
		t.Fatalf("serve with a rejected token: %v", err)
	}
}
