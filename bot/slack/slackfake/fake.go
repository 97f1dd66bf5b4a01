// Package slackfake is a loopback fake of the parts of Slack huddlebot
// talks to: the Web API methods the adapter calls (conversations.open,
// chat.postMessage, chat.update, conversations.history/replies,
// views.publish, views.open, users.info), response_url callbacks, and a
// Socket Mode WebSocket. It records every call, keeps the posted messages
// with their metadata, and can answer a share of calls with HTTP 429 and
// Retry-After, or lose a response after doing the work, to test pacing and
// exactly-once delivery. It also signs requests the way Slack does.
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one Web API request the fake received.
type Call struct {
	Method string
	Form   url.Values      // form-encoded methods
	JSON   json.RawMessage // JSON methods (views.*)
	Status int             // HTTP status answered
	Error  string          // Slack error code answered ("" when ok)
}

// Message is a message posted to the fake.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string
	Text      string
	Blocks    json.RawMessage
	Metadata  json.RawMessage
	MessageID int64 // metadata event_payload.message_id, 0 if none
	Updates   int   // chat.update calls on it
	Replaced  int   // response_url posts that replaced it (replace_original)
	// Changed is when it was first edited or replaced: when the person
	// first saw a change to it (zero if never).
	Changed time.Time
}

// ActionIDs returns the action_ids of the message's buttons and menu
// options' values, in order.
func (m *Message) ActionIDs() []string { return actionIDs(m.Blocks) }

// Action returns the message's first action_id that starts with prefix
// ("ans:" for a quiz's first answer button), or "" if none does.
func (m *Message) Action(prefix string) string {
	for _, id := range m.ActionIDs() {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	return ""
}

// Response is a POST to a response_url.
type Response struct {
	Path string
	Body map[string]any
}

// User is a workspace member users.info knows.
type User struct {
	ID, Name, RealName, TZ string
	Locale                 string // users.info's locale with include_locale (e.g. "es-ES"); "" = none
}

type fault struct {
	fraction   float64
	retryAfter int
	calls      int
}

// Server is the fake. Create it with New; it is ready to use.
type Server struct {
	srv *httptest.Server

	mu           sync.Mutex
	calls        []Call
	messages     []*Message
	byKey        map[string]*Message // channel/ts
	responses    []Response
	redirects    map[string]string // response_url id → where it redirects
	redirected   int
	expiredPosts int               // posts to an expired response_url (answered 404)
	expired      map[string]bool   // response_url ids that answer 404 expired_url
	bound        map[string]string // response_url id → channel/ts of the clicked message
	users        map[string]User
	unreachable  map[string]string // user → error code for conversations.open
	faults       map[string]*fault
	tiers        map[string]*tier // method → its rate limit, when enforced
	autoUsers    string           // users.info answers for any user, in this zone
	lose         map[string]int   // method → responses still to lose
	dms          map[string]bool
	seq          int64

	socket socketState
}

// New starts a fake on a loopback port.
func New() *Server {
	s := &Server{
		byKey:       map[string]*Message{},
		users:       map[string]User{},
		unreachable: map[string]string{},
		redirects:   map[string]string{},
		expired:     map[string]bool{},
		bound:       map[string]string{},
		faults:      map[string]*fault{},
		lose:        map[string]int{},
		dms:         map[string]bool{},
	}
	s.socket.init()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.api)
	mux.HandleFunc("/response/{id}", s.response)
	mux.HandleFunc("/socket", s.socketHandler)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the fake.
func (s *Server) Close() {
	s.socket.closeAll()
	s.srv.Close()
}

// URL is the fake's base URL (http://127.0.0.1:PORT/).
func (s *Server) URL() string { return s.srv.URL + "/" }

// APIURL is the Web API base URL to configure (SLACK_API_URL).
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL returns a response_url on the fake, recorded by Responses.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + id }

// SetUser makes users.info know a user.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// Unreachable makes conversations.open fail for a user with a Slack error
// code such as "cannot_dm_bot" or "user_not_found".
func (s *Server) Unreachable(userID, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreachable[userID] = code
}

// RateLimit answers a fraction (0–1) of the calls to method with HTTP 429
// and Retry-After: retryAfter seconds, before doing anything. The refused
// calls are spread evenly (with 0.1, every tenth call), so tests are
// repeatable.
func (s *Server) RateLimit(method string, fraction float64, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &fault{fraction: fraction, retryAfter: retryAfter}
}

// Tier3 and Tier4 are Slack's documented per-workspace limits for the
// methods the bot calls most: chat.update and conversations.open are
// Tier 3 (50+ a minute), users.info and views.publish Tier 4 (100+ a
// minute). Slack tolerates short bursts; the fake allows a burst of 20.
var (
	Tier3 = Rate{PerMinute: 50, Burst: 20}
	Tier4 = Rate{PerMinute: 100, Burst: 20}
)

// Rate is a method's rate limit: calls a minute and the burst allowed.
type Rate struct {
	PerMinute float64
	Burst     int
}

// EnforceTiers makes the fake answer HTTP 429 with Retry-After, as Slack
// does, once a method goes over its tier: chat.update and
// conversations.open at Tier 3, users.info and views.publish at Tier 4.
// Off by default (tests that count calls do not want it); `huddlebot bench`
// turns it on unless --unlimited.
func (s *Server) EnforceTiers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tiers = map[string]*tier{}
	for m, r := range map[string]Rate{"chat.update": Tier3, "conversations.open": Tier3, "users.info": Tier4, "views.publish": Tier4} {
		s.tiers[m] = &tier{rate: r.PerMinute / 60, burst: float64(r.Burst), tokens: float64(r.Burst)}
	}
}

// AutoUsers makes users.info answer for any user id not set with SetUser:
// a member named after the id, in time zone tz.
func (s *Server) AutoUsers(tz string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoUsers = tz
}

// tier is a token bucket: rate tokens a second, up to burst.
type tier struct {
	rate, burst, tokens float64
	last                time.Time
}

func (t *tier) take(now time.Time) (time.Duration, bool) {
	if !t.last.IsZero() {
		t.tokens = min(t.burst, t.tokens+now.Sub(t.last).Seconds()*t.rate)
	}
	t.last = now
	if t.tokens >= 1 {
		t.tokens--
		return 0, true
	}
	return time.Duration((1 - t.tokens) / t.rate * float64(time.Second)), false
}

// LoseResponses makes the next n calls to method do their work and then
// answer HTTP 500, as when a response is lost on the way back.
func (s *Server) LoseResponses(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[method] = n
}

// limit counts a call and reports whether it is one to refuse.
func (f *fault) limit() bool {
	f.calls++
	return int(float64(f.calls)*f.fraction) > int(float64(f.calls-1)*f.fraction)
}

// Calls returns the recorded calls to method ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Count returns how many calls to method succeeded (ok:true).
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method == method && c.Status == http.StatusOK && c.Error == "" {
			n++
		}
	}
	return n
}

// Messages returns copies of the posted messages, in posting order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// MessageCount returns how many messages were posted.
func (s *Server) MessageCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages)
}

// Responses returns the response_url posts received.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.responses...)
}

// Redirect makes the response_url ResponseURL(id) answer 307 Temporary
// Redirect to target instead of recording the post, as a compromised or
// misbehaving host would; Redirected counts those answers.
func (s *Server) Redirect(id, target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirects[id] = target
}

// MessageResponseID is a response_url id bound to the message at ts in
// channel without a BindResponse call (for a fake in another process):
// ResponseURL(MessageResponseID(ch, ts, n)) replaces that message, as the
// response_url of a click on it does on Slack. n tells clicks apart.
func MessageResponseID(channel, ts string, n int) string {
	return fmt.Sprintf("m~%s~%s~%d", channel, ts, n)
}

// BindResponse ties ResponseURL(id) to the message at channel/ts, as Slack
// ties a click's response_url to the clicked message: a post to it with
// replace_original replaces that message's text and blocks.
func (s *Server) BindResponse(id, channel, ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bound[id] = channel + "/" + ts
}

// Expire makes the response_url ResponseURL(id) answer 404 expired_url, as
// Slack does after 30 minutes or five posts; the posts are not recorded.
func (s *Server) Expire(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired[id] = true
}

// ExpiredPosts returns how many posts reached an expired response_url (see
// Expire): they were answered 404 and not recorded.
func (s *Server) ExpiredPosts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expiredPosts
}

// Redirected returns how many response_url posts were answered with a
// redirect (see Redirect).
func (s *Server) Redirected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redirected
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	target, ok := s.redirects[r.PathValue("id")]
	if ok {
		s.redirected++
	}
	expired := s.expired[r.PathValue("id")]
	if expired {
		s.expiredPosts++
	}
	s.mu.Unlock()
	if expired {
		http.Error(w, "expired_url", http.StatusNotFound)
		return
	}
	if ok {
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.responses = append(s.responses, Response{Path: r.URL.Path, Body: body})
	key := s.bound[r.PathValue("id")]
	if parts := strings.Split(r.PathValue("id"), "~"); key == "" && len(parts) == 4 && parts[0] == "m" {
		key = parts[1] + "/" + parts[2] // MessageResponseID
	}
	if m := s.byKey[key]; m != nil && body["replace_original"] == true {
		m.Text, _ = body["text"].(string)
		m.Blocks, _ = json.Marshal(body["blocks"])
		m.Replaced++
		if m.Changed.IsZero() {
			m.Changed = time.Now()
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	call := Call{Method: method}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		b, _ := io.ReadAll(r.Body)
		call.JSON = b
	} else {
		_ = r.ParseForm()
		call.Form = r.PostForm
		if call.Form == nil {
			call.Form = url.Values{}
		}
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" && call.Form != nil {
		token = call.Form.Get("token")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	record := func(status int, code string) {
		call.Status, call.Error = status, code
		s.calls = append(s.calls, call)
	}
	if token == "" {
		record(http.StatusOK, "not_authed")
		writeJSON(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	if t := s.tiers[method]; t != nil {
		if wait, ok := t.take(time.Now()); !ok {
			record(http.StatusTooManyRequests, "ratelimited")
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
	}
	if f, ok := s.faults[method]; ok && f.limit() {
		record(http.StatusTooManyRequests, "ratelimited")
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	res := s.do(method, &call)
	code, _ := res["error"].(string)
	if n := s.lose[method]; n > 0 {
		s.lose[method] = n - 1
		record(http.StatusInternalServerError, "")
		http.Error(w, "upstream timeout", http.StatusInternalServerError)
		return
	}
	record(http.StatusOK, code)
	writeJSON(w, res)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

// do performs a Web API method; s.mu is held.
func (s *Server) do(method string, c *Call) map[string]any {
	f := c.Form
	switch method {
	case "auth.test":
		return map[string]any{"ok": true, "user_id": "U0BOT", "team_id": "T0001", "bot_id": "B0001"}
	case "conversations.open":
		users := f.Get("users")
		if users == "" || strings.Contains(users, ",") {
			return fail("invalid_arguments")
		}
		if code := s.unreachable[users]; code != "" {
			return fail(code)
		}
		s.dms["D"+users] = true
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users}}
	case "chat.postMessage":
		ch := f.Get("channel")
		if ch == "" {
			return fail("channel_not_found")
		}
		if strings.HasPrefix(ch, "U") {
			ch = "D" + ch
			s.dms[ch] = true
		}
		if strings.HasPrefix(ch, "D") && (!s.dms[ch] || s.unreachable[strings.TrimPrefix(ch, "D")] != "") {
			return fail("channel_not_found")
		}
		s.seq++
		m := &Message{Channel: ch, TS: fmt.Sprintf("1700000000.%06d", s.seq), ThreadTS: f.Get("thread_ts"), Text: f.Get("text"),
			Blocks: rawOrNil(f.Get("blocks")), Metadata: rawOrNil(f.Get("metadata"))}
		m.MessageID = metadataID(m.Metadata)
		s.messages = append(s.messages, m)
		s.byKey[ch+"/"+m.TS] = m
		return map[string]any{"ok": true, "channel": ch, "ts": m.TS, "message": s.wire(m, true)}
	case "chat.update":
		m := s.byKey[f.Get("channel")+"/"+f.Get("ts")]
		if m == nil {
			return fail("message_not_found")
		}
		m.Text = f.Get("text")
		if b := f.Get("blocks"); b != "" {
			m.Blocks = json.RawMessage(b)
		}
		if md := f.Get("metadata"); md != "" {
			m.Metadata = json.RawMessage(md)
		}
		m.Updates++
		if m.Changed.IsZero() {
			m.Changed = time.Now()
		}
		return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}
	case "conversations.history":
		ch := f.Get("channel")
		limit, _ := strconv.Atoi(f.Get("limit"))
		if limit <= 0 {
			limit = 100
		}
		meta := f.Get("include_all_metadata") == "1" || f.Get("include_all_metadata") == "true"
		var out []map[string]any
		for i := len(s.messages) - 1; i >= 0 && len(out) < limit; i-- {
			if m := s.messages[i]; m.Channel == ch && m.ThreadTS == "" {
				out = append(out, s.wire(m, meta))
			}
		}
		return map[string]any{"ok": true, "messages": nonNil(out), "has_more": false}
	case "conversations.replies":
		ch, ts := f.Get("channel"), f.Get("ts")
		meta := f.Get("include_all_metadata") == "1" || f.Get("include_all_metadata") == "true"
		var out []map[string]any
		for _, m := range s.messages {
			if m.Channel == ch && (m.TS == ts || m.ThreadTS == ts) {
				out = append(out, s.wire(m, meta))
			}
		}
		if len(out) == 0 {
			return fail("thread_not_found")
		}
		return map[string]any{"ok": true, "messages": out, "has_more": false}
	case "views.publish":
		var req struct {
			UserID string          `json:"user_id"`
			View   json.RawMessage `json:"view"`
		}
		if json.Unmarshal(c.JSON, &req) != nil || req.UserID == "" || len(req.View) == 0 {
			return fail("invalid_arguments")
		}
		return map[string]any{"ok": true, "view": map[string]any{"id": "VHOME" + req.UserID, "type": "home"}}
	case "views.open":
		var req struct {
			TriggerID string          `json:"trigger_id"`
			View      json.RawMessage `json:"view"`
		}
		if json.Unmarshal(c.JSON, &req) != nil || req.TriggerID == "" || len(req.View) == 0 {
			return fail("invalid_arguments")
		}
		return map[string]any{"ok": true, "view": map[string]any{"id": "VMODAL", "type": "modal"}}
	case "users.info":
		u, ok := s.users[f.Get("user")]
		if !ok && s.autoUsers != "" && f.Get("user") != "" {
			u, ok = User{ID: f.Get("user"), Name: strings.ToLower(f.Get("user")), RealName: "Member " + f.Get("user"), TZ: s.autoUsers}, true
		}
		if !ok {
			return fail("user_not_found")
		}
		return map[string]any{"ok": true, "user": map[string]any{"id": u.ID, "name": u.Name, "real_name": u.RealName,
			"tz": u.TZ, "locale": u.Locale, "profile": map[string]any{"real_name": u.RealName}}}
	case "apps.connections.open":
		return s.socketOpen()
	}
	return fail("unknown_method")
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// wire renders a stored message as Slack returns it.
func (s *Server) wire(m *Message, withMeta bool) map[string]any {
	out := map[string]any{"type": "message", "bot_id": "B0001", "text": m.Text, "ts": m.TS}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if withMeta && len(m.Metadata) > 0 {
		out["metadata"] = m.Metadata
	}
	return out
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func metadataID(raw json.RawMessage) int64 {
	var md struct {
		EventPayload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal(raw, &md) != nil {
		return 0
	}
	switch v := md.EventPayload["message_id"].(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func actionIDs(blocks json.RawMessage) []string {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Options  []struct {
				Value string `json:"value"`
			} `json:"options"`
		} `json:"elements"`
	}
	if json.Unmarshal(blocks, &bs) != nil {
		return nil
	}
	var out []string
	for _, b := range bs {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			if e.Type == "button" {
				out = append(out, e.ActionID)
			}
			for _, o := range e.Options {
				out = append(out, o.Value)
			}
		}
	}
	return out
}

// ByMessageID groups the posted messages by their metadata message id (how
// many times each huddlebot message was posted).
func (s *Server) ByMessageID() map[int64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]int{}
	for _, m := range s.messages {
		out[m.MessageID]++
	}
	return out
}

// Sign returns Slack's v0 signature of a request body at timestamp ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// SignedRequest builds a POST of body to url, signed with secret at now, as
// Slack sends it.
func SignedRequest(target, secret string, now time.Time, contentType string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Slack-Signature", Sign(secret, now.Unix(), body))
	return req
}
