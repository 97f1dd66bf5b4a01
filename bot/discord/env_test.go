package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/discord/discordfake"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

const (
	testAppID   = "1245981166512455720"
	testGuild   = "1100461931127054416"
	testChannel = "1100461931127054419"
	ninaID      = "53908232506183680"
)

// testContent is one nurse quiz, so /learn always sends the same question,
// and a burst of it.
var testContent = fstest.MapFS{
	"nurse/medrec.md": {Data: []byte(`---
id: medrec-admission-01
kind: quiz
title: Reconciling home medications at admission
roles: [nurse]
tags: [med-rec]
question: When must home medications be reconciled?
choices:
  - At admission, transfer and discharge
  - Only at discharge
  - Only when the patient brings a list
answer: 1
explanation: Reconciling at every transition catches omissions and duplicates.
---
Use the home medication list in the admission navigator.
`)},
	"bursts/medrec-update.yaml": {Data: []byte(`id: medrec-update
title: Medication reconciliation update
roles: [nurse]
lessons: [medrec-admission-01]
pace: all-at-once
`)},
}

// env is a full in-process bot (store, River delivery workers, content)
// with the Discord adapter pointed at a fake Discord, and the interactions
// endpoint served over loopback with requests signed by a test key.
type env struct {
	t    testing.TB
	db   *store.DB
	bot  *bot.Bot
	ad   *Adapter
	fake *discordfake.Server
	srv  *httptest.Server
	key  ed25519.PrivateKey
	seq  atomic.Int64
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnv(t testing.TB, db *store.DB, tune func(*Options)) *env {
	t.Helper()
	return newEnvConfig(t, db, bot.Config{}, tune)
}

// newEnvConfig is newEnv with the bot's configuration (a workspace
// language).
func newEnvConfig(t testing.TB, db *store.DB, cfg bot.Config, tune func(*Options)) *env {
	t.Helper()
	c, err := lessons.Load(testContent)
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger(t)
	tb := bottest.NewBot(t, db, bottest.BotOptions{Content: c, Config: cfg, Log: log, Jobs: bot.JobsOptions{Work: true, PollInterval: 20 * time.Millisecond}})
	b := tb.Bot
	fake := discordfake.New(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Token: discordfake.Token, AppID: testAppID, PublicKey: hex.EncodeToString(pub), APIURL: fake.APIURL(), Log: log,
		// Answer in the interaction response however slow the machine: the
		// tests that want the deferred path set DeferAfter themselves (on a
		// loaded CI machine the default 1 s made replies type 5).
		DeferAfter: time.Minute}
	if tune != nil {
		tune(&opts)
	}
	a, err := New(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	b.AddAdapter(a)
	tb.Start(t)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = a.Close(sctx)
	})
	e := &env{t: t, db: db, bot: b, ad: a, fake: fake, srv: srv, key: priv}
	e.seq.Store(1245987415937040000)
	return e
}

// fixture loads testdata/NAME.json as a generic JSON object to adjust.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// fresh gives an interaction a new id and token, as Discord does for each.
func (e *env) fresh(m map[string]any) map[string]any {
	id := strconv.FormatInt(e.seq.Add(1), 10)
	m["id"] = id
	m["token"] = "tok-" + id
	return m
}

// signedRequest builds a POST to the endpoint signed with key at ts.
func signedRequest(t testing.TB, url string, key ed25519.PrivateKey, ts time.Time, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
	return req
}

// response is an interaction response as Discord reads it.
type response struct {
	Type int `json:"type"`
	Data struct {
		Content    string            `json:"content"`
		Flags      int               `json:"flags"`
		CustomID   string            `json:"custom_id"`
		Title      string            `json:"title"`
		Embeds     []json.RawMessage `json:"embeds"`
		Components []json.RawMessage `json:"components"`
	} `json:"data"`
}

// post sends a signed interaction and decodes the 200 response; it returns
// the status and the response.
func (e *env) post(m map[string]any) (int, response) {
	e.t.Helper()
	body, _ := json.Marshal(m)
	resp, err := http.DefaultClient.Do(signedRequest(e.t, e.srv.URL, e.key, time.Now(), body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out response
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("decode response %s: %v", raw, err)
		}
	}
	return resp.StatusCode, out
}

// command builds a guild /learn-style application command interaction from
// the documented fixture, for user and channel.
func (e *env) command(user, channel, name string, sub map[string]any) map[string]any {
	m := e.fresh(fixture(e.t, "command_learn_join"))
	m["channel_id"] = channel
	m["member"].(map[string]any)["user"].(map[string]any)["id"] = user
	data := m["data"].(map[string]any)
	data["name"] = name
	if sub == nil {
		delete(data, "options")
	} else {
		data["options"] = []any{sub}
	}
	return m
}

func subcommand(name string, opts ...any) map[string]any {
	s := map[string]any{"name": name, "type": 1}
	var list []any
	for i := 0; i+1 < len(opts); i += 2 {
		v := opts[i+1]
		typ := 3
		switch v.(type) {
		case int:
			typ = 4
		case bool:
			typ = 5
		}
		list = append(list, map[string]any{"name": opts[i], "type": typ, "value": v})
	}
	if list != nil {
		s["options"] = list
	}
	return s
}

// click builds a button click in the user's DM from the documented fixture.
func (e *env) click(user, dmChannel, customID string) map[string]any {
	m := e.fresh(fixture(e.t, "component_button_dm"))
	m["user"].(map[string]any)["id"] = user
	m["channel_id"] = dmChannel
	m["data"].(map[string]any)["custom_id"] = customID
	return m
}

func (e *env) wait() {
	e.t.Helper()
	if err := e.bot.Jobs.WaitIdle(context.Background(), 15*time.Second); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) member(user string) *member.Member {
	e.t.Helper()
	return bottest.Member(e.t, e.db, Platform, testGuild, user)
}
