// Package discordfake is a loopback stand-in for Discord's REST API
// (https://discord.com/api/) for tests: point discord.Options.APIURL (or
// DISCORD_API_URL) at Server.APIURL and the real discordgo client talks to
// it. It records every call and answers as Discord does — DM channels,
// messages with enforced nonces, edits, command registration, interaction
// callbacks and webhook edits — and lets a test queue errors (50007, 429)
// or lost replies.
package discordfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is the bot token the fake accepts (sent as "Bot test-token").
const Token = "test-token"

// Server is the fake Discord REST API.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu     sync.Mutex
	calls  []Call
	nextID int64
	fails  []*failure
	nonces map[string]string // channel/nonce → message id
	lose   map[string]int    // path → replies to lose after creating the message
	made   map[string]int    // channel → messages created
}

// Call is one recorded request and what it got.
type Call struct {
	Method string
	Path   string // without /api/vN, e.g. /channels/123/messages
	Body   json.RawMessage
	Status int
	Resp   json.RawMessage
	At     time.Time
}

// failure answers matching requests with an error, times times.
type failure struct {
	method, path string
	status       int
	body         string
	times        int
}

// New starts a fake, closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	f := &Server{t: t, nextID: 1300000000000000000, nonces: map[string]string{}, lose: map[string]int{}, made: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// APIURL is the value for DISCORD_API_URL.
func (f *Server) APIURL() string { return f.srv.URL + "/api/" }

// FailNext makes the next times requests to method+path answer status/body.
func (f *Server) FailNext(method, path string, status int, body string, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, &failure{method: method, path: path, status: status, body: body, times: times})
}

// LoseReplyNext makes the next times POSTs to path create their message but
// answer 502, as when Discord's response is lost on the way back.
func (f *Server) LoseReplyNext(path string, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose[path] = times
}

// Created returns how many distinct messages were created in a channel.
func (f *Server) Created(channel string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.made[channel]
}

// Calls returns the recorded calls matching method and path prefix.
func (f *Server) Calls(method, pathPrefix string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if c.Method == method && strings.HasPrefix(c.Path, pathPrefix) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls polls until at least n matching calls with a 2xx status were
// recorded, or fails the test after the deadline. River's WaitIdle does not
// count snoozed (scheduled) jobs, so tests wait on what Discord received.
func (f *Server) WaitCalls(method, pathPrefix string, n int, match func(Call) bool) []Call {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok []Call
		for _, c := range f.Calls(method, pathPrefix) {
			if c.Status < 300 && (match == nil || match(c)) {
				ok = append(ok, c)
			}
		}
		if len(ok) >= n {
			return ok
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("waited 15s for %d successful %s %s calls; got %d; all calls:\n%s", n, method, pathPrefix, len(ok), f.Dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Dump lists every recorded call, for failure messages.
func (f *Server) Dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		fmt.Fprintf(&b, "  %s %s → %d %.300s\n", c.Method, c.Path, c.Status, c.Body)
	}
	return b.String()
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := r.URL.EscapedPath()
	if i := strings.Index(path, "/api/v"); i == 0 {
		rest := path[len("/api/v"):]
		if j := strings.Index(rest, "/"); j >= 0 {
			path = rest[j:]
		}
	}
	if r.Header.Get("Authorization") != "Bot "+Token && !strings.HasPrefix(path, "/interactions/") && !strings.HasPrefix(path, "/webhooks/") {
		f.reply(w, r, path, body, http.StatusUnauthorized, `{"message": "401: Unauthorized", "code": 0}`)
		return
	}
	f.mu.Lock()
	for _, fl := range f.fails {
		if fl.times > 0 && fl.method == r.Method && fl.path == path {
			fl.times--
			f.mu.Unlock()
			f.reply(w, r, path, body, fl.status, fl.body)
			return
		}
	}
	f.mu.Unlock()

	var in map[string]any
	_ = json.Unmarshal(body, &in)
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == "POST" && path == "/users/@me/channels":
		rid, _ := in["recipient_id"].(string)
		f.reply(w, r, path, body, 200, fmt.Sprintf(`{"id": "9%s", "type": 1, "recipients": [{"id": %q, "username": "u"}]}`, rid, rid))
	case r.Method == "POST" && len(seg) == 3 && seg[0] == "channels" && seg[2] == "messages":
		f.mu.Lock()
		nonce, _ := in["nonce"].(string)
		key := seg[1] + "/" + nonce
		id, dup := f.nonces[key]
		if !dup || nonce == "" || in["enforce_nonce"] != true {
			f.nextID++
			id = fmt.Sprint(f.nextID)
			f.nonces[key] = id
			f.made[seg[1]]++
		}
		lost := f.lose[path] > 0
		if lost {
			f.lose[path]--
		}
		f.mu.Unlock()
		if lost {
			f.reply(w, r, path, body, http.StatusBadGateway, `{"message": "upstream error", "code": 0}`)
			return
		}
		f.reply(w, r, path, body, 200, fmt.Sprintf(`{"id": %q, "channel_id": %q, "type": 0, "content": "", "nonce": %q}`, id, seg[1], nonce))
	case r.Method == "PATCH" && len(seg) == 4 && seg[0] == "channels" && seg[2] == "messages":
		f.reply(w, r, path, body, 200, fmt.Sprintf(`{"id": %q, "channel_id": %q, "type": 0}`, seg[3], seg[1]))
	case r.Method == "PUT" && seg[0] == "applications" && seg[len(seg)-1] == "commands":
		var cmds []map[string]any
		_ = json.Unmarshal(body, &cmds)
		for i := range cmds {
			cmds[i]["id"] = fmt.Sprint(1400000000000000000 + i)
		}
		out, _ := json.Marshal(cmds)
		f.reply(w, r, path, body, 200, string(out))
	case r.Method == "GET" && len(seg) == 3 && seg[0] == "guilds" && seg[2] == "channels":
		f.reply(w, r, path, body, 200, `[{"id": "1100461931127054420", "name": "trainers", "type": 0}, {"id": "1100461931127054421", "name": "lobby", "type": 2}]`)
	case r.Method == "PATCH" && seg[0] == "webhooks" && len(seg) == 5 && seg[4] == "@original":
		f.reply(w, r, path, body, 200, `{"id": "1245987330654031999", "channel_id": "1", "type": 0}`)
	case r.Method == "POST" && seg[0] == "interactions" && len(seg) == 4 && seg[3] == "callback":
		f.reply(w, r, path, body, 204, "")
	default:
		f.reply(w, r, path, body, 404, `{"message": "404: Not Found", "code": 0}`)
	}
}

func (f *Server) reply(w http.ResponseWriter, r *http.Request, path string, body []byte, status int, out string) {
	f.mu.Lock()
	rec := Call{Method: r.Method, Path: path, Status: status, At: time.Now()}
	if json.Valid(body) {
		rec.Body = body
	}
	if json.Valid([]byte(out)) {
		rec.Resp = json.RawMessage(out)
	}
	f.calls = append(f.calls, rec)
	f.mu.Unlock()
	if out != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}
