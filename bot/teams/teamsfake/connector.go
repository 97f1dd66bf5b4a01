package teamsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Teams' documented limits the connector enforces
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
// per conversation 7 sends or edits a second and 60 in 30 seconds; per app
// in the tenant 50 requests a second.
var (
	ConversationLimits = []Limit{{N: 7, Per: time.Second}, {N: 60, Per: 30 * time.Second}}
	TenantLimits       = []Limit{{N: 50, Per: time.Second}}
)

// Limit is at most N requests in any span of Per.
type Limit struct {
	N   int
	Per time.Duration
}

// MaxActivityBytes is the size Teams allows a message, card included
// (about 28 KB).
const MaxActivityBytes = 28 * 1024

// Connector is the fake Bot Connector service and its token endpoint.
type Connector struct {
	t        testing.TB // nil outside a test (StartConnector)
	srv      *httptest.Server
	appID    string
	password string
	tenant   string

	mu        sync.Mutex
	calls     []Call
	tokens    map[string]bool
	tokenReqs int
	tokenLife time.Duration
	convs     map[string]string // user id → 1:1 conversation id
	users     map[string]string // 1:1 conversation id → user id
	acts      map[string]*Posted
	order     []*Posted
	nextID    int64
	fails     []*failure
	blocked   map[string]string          // conversation → error code
	members   map[string]json.RawMessage // user id → account (the roster API's answer)
	hits      map[string][]time.Time
	limits    bool
	faultRate float64
	rng       *rand.Rand
}

// Call is one recorded request to the connector and its answer.
type Call struct {
	Method       string
	Path         string // after the service URL, e.g. v3/conversations/a:1/activities
	Conversation string // the conversation it addressed, "" for creating one
	Body         json.RawMessage
	Status       int
	At           time.Time
}

// Posted is an activity the bot posted, as it now reads (edits applied).
type Posted struct {
	ID           string
	Conversation string          // without a thread's ";messageid=…"
	Thread       string          // the parent's id of a reply in a channel thread
	Activity     json.RawMessage // the last version sent
	Edits        int
	At           time.Time // when it was posted (the first version)
}

// baseConversation splits a channel thread's conversation id
// ("19:…@thread.tacv2;messageid=123") into the channel's and the parent's.
func baseConversation(conv string) (base, thread string) {
	base, rest, _ := strings.Cut(conv, ";")
	_, thread, _ = strings.Cut(rest, "messageid=")
	return base, thread
}

type failure struct {
	method, conv string
	status       int
	header, body string
	times        int
}

// NewConnector starts a fake connector for the bot appID with client
// secret password in tenant, enforcing Teams' rate limits; it is closed
// when the test ends.
func NewConnector(t testing.TB, appID, password, tenant string) *Connector {
	t.Helper()
	c := StartConnector(appID, password, tenant)
	c.t = t
	t.Cleanup(c.Close)
	return c
}

// StartConnector is NewConnector outside a test (huddlebot bench): the
// caller closes it.
func StartConnector(appID, password, tenant string) *Connector {
	c := &Connector{appID: appID, password: password, tenant: tenant, tokens: map[string]bool{},
		tokenLife: time.Hour, convs: map[string]string{}, users: map[string]string{}, acts: map[string]*Posted{},
		nextID: 1764600000000, blocked: map[string]string{}, members: map[string]json.RawMessage{}, hits: map[string][]time.Time{}, limits: true}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", c.serveToken)
	mux.HandleFunc("POST /amer/v3/conversations", c.serveCreate)
	mux.HandleFunc("POST /amer/v3/conversations/{conv}/activities", c.serveSend)
	mux.HandleFunc("PUT /amer/v3/conversations/{conv}/activities/{id}", c.serveUpdate)
	mux.HandleFunc("GET /amer/v3/conversations/{conv}/members/{user}", c.serveMember)
	c.srv = httptest.NewServer(mux)
	return c
}

// Close stops the connector.
func (c *Connector) Close() { c.srv.Close() }

// TokenURL is the value for TEAMS_TOKEN_URL.
func (c *Connector) TokenURL() string { return c.srv.URL + "/" + c.tenant + "/oauth2/v2.0/token" }

// ServiceURL is the serviceUrl of the activities this connector's Teams
// sends.
func (c *Connector) ServiceURL() string { return c.srv.URL + "/amer/" }

// SetTokenLifetime sets the expires_in of tokens issued from now on.
func (c *Connector) SetTokenLifetime(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokenLife = d
}

// RevokeTokens makes every token issued so far invalid (401).
func (c *Connector) RevokeTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = map[string]bool{}
}

// TokenRequests is how many tokens were issued.
func (c *Connector) TokenRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenReqs
}

// SetLimits turns the rate limits on (the default) or off.
func (c *Connector) SetLimits(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limits = on
}

// FailNext makes the next times requests with method to conversation conv
// (a channel's id for its threads too; "" for creating a conversation) answer status with header
// "Name: value" ("" for none) and body.
func (c *Connector) FailNext(method, conv string, status int, header, body string, times int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fails = append(c.fails, &failure{method: method, conv: conv, status: status, header: header, body: body, times: times})
}

// SetFaults makes a share rate (0–1) of connector calls fail before doing
// anything, half of them with 429 (Retry-After: 1) and half with 500, drawn
// from a generator seeded with seed.
func (c *Connector) SetFaults(rate float64, seed uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faultRate, c.rng = rate, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Block makes every send to conversation conv answer 403 with code (e.g.
// "ConversationBlockedByUser") and subCode MessageWritesBlocked, as Teams
// answers once the person blocked or uninstalled the bot.
func (c *Connector) Block(conv, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocked[conv] = code
}

// Unblock undoes Block: the person installed the bot again.
func (c *Connector) Unblock(conv string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.blocked, conv)
}

// PersonalConversation returns the 1:1 conversation id of userID, the one
// creating it gives.
func (c *Connector) PersonalConversation(userID string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.personal(userID)
}

func (c *Connector) personal(userID string) string {
	if id, ok := c.convs[userID]; ok {
		return id
	}
	id := "a:1" + strings.NewReplacer(":", "", "-", "").Replace(userID) + "Zq0mUqXr5nLb4kYdz1QWw"
	c.convs[userID], c.users[id] = id, userID
	return id
}

// Calls returns the recorded calls, oldest first.
func (c *Connector) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// Activities returns what the bot posted in conversation conv (a channel's
// threads included), oldest first, each as it now reads.
func (c *Connector) Activities(conv string) []Posted {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Posted
	for _, p := range c.order {
		if p.Conversation == conv {
			out = append(out, *p)
		}
	}
	return out
}

// Posted returns everything the bot posted, in order, from the from-th on
// (each as it now reads).
func (c *Connector) Posted(from int) []Posted {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Posted
	for _, p := range c.order[min(from, len(c.order)):] {
		out = append(out, *p)
	}
	return out
}

// Refused counts the calls answered 429 for going over a limit.
func (c *Connector) Refused() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, call := range c.calls {
		if call.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

func (c *Connector) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.PathValue("tenant") != c.tenant {
		writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" || f.Get("scope") != "https://api.botframework.com/.default" {
		writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if f.Get("client_id") != c.appID || f.Get("client_secret") != c.password {
		writeStatus(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	c.mu.Lock()
	c.tokenReqs++
	tok := fmt.Sprintf("fake-connector-token-%d", c.tokenReqs)
	c.tokens[tok] = true
	life := c.tokenLife
	c.mu.Unlock()
	writeStatus(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(life.Seconds()),
		"ext_expires_in": int(life.Seconds()), "access_token": tok})
}

// admit records the call and decides its fate before the handler acts:
// ok false means it has been answered (refused); else it returns the body
// and the index of the recorded call.
func (c *Connector) admit(w http.ResponseWriter, r *http.Request, conv string) (json.RawMessage, int, bool) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	call := Call{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/amer/"), Conversation: conv, Body: body, At: now}
	answer := func(status int, header string, v any) (json.RawMessage, int, bool) {
		call.Status = status
		c.calls = append(c.calls, call)
		if name, value, ok := strings.Cut(header, ": "); ok {
			w.Header().Set(name, value)
		}
		if s, ok := v.(string); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, s)
		} else {
			writeStatus(w, status, v)
		}
		return nil, 0, false
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !c.tokens[tok] {
		return answer(http.StatusUnauthorized, "", map[string]any{"message": "Authorization has been denied for this request."})
	}
	if c.limits {
		if wait := c.over(tenantKey, TenantLimits, now); wait > 0 {
			return answer(http.StatusTooManyRequests, "Retry-After: "+seconds(wait), errBody("TooManyRequests", "Too many requests for the app in the tenant"))
		}
		if conv != "" {
			if wait := c.over(conv, ConversationLimits, now); wait > 0 {
				return answer(http.StatusTooManyRequests, "Retry-After: "+seconds(wait), errBody("TooManyRequests", "Too many requests in the conversation"))
			}
		}
		c.hits[tenantKey] = append(c.hits[tenantKey], now)
		if conv != "" {
			c.hits[conv] = append(c.hits[conv], now)
		}
	}
	if c.faultRate > 0 && c.rng.Float64() < c.faultRate {
		if c.rng.IntN(2) == 0 {
			return answer(http.StatusTooManyRequests, "Retry-After: 1", errBody("TooManyRequests", "Too many requests"))
		}
		return answer(http.StatusInternalServerError, "", errBody("ServiceError", "Unknown error"))
	}
	for _, f := range c.fails {
		if f.times > 0 && f.method == r.Method && f.conv == conv {
			f.times--
			return answer(f.status, f.header, f.body)
		}
	}
	if code, ok := c.blocked[conv]; ok && conv != "" && r.Method == http.MethodPost {
		return answer(http.StatusForbidden, "", map[string]any{"error": map[string]any{"code": code,
			"message": "The bot is not part of the conversation roster.", "subCode": "MessageWritesBlocked"}})
	}
	call.Status = http.StatusCreated
	if r.Method == http.MethodPut {
		call.Status = http.StatusOK
	}
	c.calls = append(c.calls, call)
	return body, len(c.calls) - 1, true
}

const tenantKey = "\x00tenant"

// over says how long until a request now would fit every limit of key, or
// 0 when it fits.
func (c *Connector) over(key string, limits []Limit, now time.Time) time.Duration {
	hits := c.hits[key]
	longest := time.Duration(0)
	var wait time.Duration
	for _, l := range limits {
		longest = max(longest, l.Per)
		n := 0
		for i := len(hits) - 1; i >= 0 && now.Sub(hits[i]) < l.Per; i-- {
			n++
		}
		if n >= l.N {
			wait = max(wait, hits[len(hits)-l.N].Add(l.Per).Sub(now))
		}
	}
	i := 0
	for i < len(hits) && now.Sub(hits[i]) >= longest {
		i++
	}
	c.hits[key] = hits[i:]
	return wait
}

func seconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

func errBody(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

func (c *Connector) serveCreate(w http.ResponseWriter, r *http.Request) {
	body, idx, ok := c.admit(w, r, "")
	if !ok {
		return
	}
	var p struct {
		IsGroup bool `json:"isGroup"`
		Bot     struct {
			ID string `json:"id"`
		} `json:"bot"`
		Members []struct {
			ID string `json:"id"`
		} `json:"members"`
		TenantID string `json:"tenantId"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.IsGroup || len(p.Members) != 1 || p.Members[0].ID == "" ||
		p.Bot.ID != "28:"+c.appID || p.TenantID != c.tenant {
		c.refuse(w, idx, http.StatusBadRequest, errBody("BadArgument", "a 1:1 conversation needs the bot, one member and the tenant"))
		return
	}
	c.mu.Lock()
	id := c.personal(p.Members[0].ID)
	c.mu.Unlock()
	writeStatus(w, http.StatusCreated, map[string]string{"id": id})
}

func (c *Connector) serveSend(w http.ResponseWriter, r *http.Request) {
	conv, thread := baseConversation(r.PathValue("conv"))
	body, idx, ok := c.admit(w, r, conv)
	if !ok {
		return
	}
	if c.refuseActivity(w, idx, body) {
		return
	}
	c.mu.Lock()
	c.nextID++
	p := &Posted{ID: strconv.FormatInt(c.nextID, 10), Conversation: conv, Thread: thread, Activity: body, At: time.Now()}
	c.acts[conv+"/"+p.ID] = p
	c.order = append(c.order, p)
	c.mu.Unlock()
	writeStatus(w, http.StatusCreated, map[string]string{"id": p.ID})
}

func (c *Connector) serveUpdate(w http.ResponseWriter, r *http.Request) {
	conv, _ := baseConversation(r.PathValue("conv"))
	id := r.PathValue("id")
	body, idx, ok := c.admit(w, r, conv)
	if !ok {
		return
	}
	c.mu.Lock()
	p := c.acts[conv+"/"+id]
	c.mu.Unlock()
	if p == nil {
		c.refuse(w, idx, http.StatusNotFound, errBody("ActivityNotFoundInConversation", "Unknown activity"))
		return
	}
	if c.refuseActivity(w, idx, body) {
		return
	}
	c.mu.Lock()
	p.Activity, p.Edits = body, p.Edits+1
	c.mu.Unlock()
	writeStatus(w, http.StatusOK, map[string]string{"id": id})
}

// AddMember puts a person in the tenant's directory: account is a
// TeamsChannelAccount as the roster API answers it (id, name, aadObjectId,
// givenName, surname, email, userPrincipalName, tenantId, userRole), and
// GET …/conversations/{conv}/members/{id} answers it for their 1:1 chat and
// for any team or channel conversation.
func (c *Connector) AddMember(account json.RawMessage) {
	var a struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(account, &a); err != nil || a.ID == "" {
		if c.t == nil {
			panic(fmt.Sprintf("teamsfake: AddMember: an account needs an id: %s", account))
		}
		c.t.Fatalf("teamsfake: AddMember: an account needs an id: %s", account)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members[a.ID] = account
}

// serveMember is the roster API's single member: 404
// MemberNotFoundInConversation for a person not in the directory, or
// asked about in someone else's 1:1 chat.
func (c *Connector) serveMember(w http.ResponseWriter, r *http.Request) {
	conv, _ := baseConversation(r.PathValue("conv"))
	user := r.PathValue("user")
	_, idx, ok := c.admit(w, r, "")
	if !ok {
		return
	}
	c.mu.Lock()
	account, known := c.members[user]
	if owner, personal := c.users[conv]; personal && owner != user {
		known = false
	}
	c.mu.Unlock()
	if !known {
		c.refuse(w, idx, http.StatusNotFound, errBody("MemberNotFoundInConversation", "The member is not part of the conversation."))
		return
	}
	c.setStatus(idx, http.StatusOK)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(account)
}

// refuse answers the call idx with status and body (errBody), recording
// the status.
func (c *Connector) refuse(w http.ResponseWriter, idx, status int, body any) {
	c.setStatus(idx, status)
	writeStatus(w, status, body)
}

// refuseActivity answers 400 BadSyntax, and reports true, when Teams would
// refuse the activity body outright (checkActivity).
func (c *Connector) refuseActivity(w http.ResponseWriter, idx int, body []byte) bool {
	if why := checkActivity(body); why != "" {
		c.refuse(w, idx, http.StatusBadRequest, errBody("BadSyntax", why))
		return true
	}
	return false
}

func (c *Connector) setStatus(idx, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[idx].Status = status
}

// checkActivity is what Teams refuses outright: not a message, or too big.
func checkActivity(body []byte) string {
	var a struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return "not JSON"
	}
	if a.Type != "message" {
		return "type must be message"
	}
	if len(body) > MaxActivityBytes {
		return fmt.Sprintf("message of %d bytes (Teams allows about %d)", len(body), MaxActivityBytes)
	}
	return ""
}

func writeStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
