package teams_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
)

const (
	authAppID   = "2d1a1f33-4e7c-46c5-9c84-8e9b54c0a1a3"
	fixtureSvc  = "https://smba.trafficmanager.net/amer/"
	otherSvcURL = "https://smba.trafficmanager.net/emea/"
)

// gate is the messaging endpoint's gate in front of a recorder that stands
// for the core: what reaches it would be stored.
type gate struct {
	id   *teamsfake.Identity
	srv  *httptest.Server
	logs *bottest.Buffer

	mu     sync.Mutex
	passed []*teams.Activity
	clk    *bottest.Clock
}

func newGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{id: teamsfake.NewIdentity(t), logs: &bottest.Buffer{}, clk: bottest.NewClock(time.Now())}
	v := teams.NewVerifier(authAppID, g.id.OpenIDURL(), nil, g.clk.Now)
	log := slog.New(slog.NewTextHandler(g.logs, nil))
	g.srv = httptest.NewServer(v.Gate(log, func(w http.ResponseWriter, r *http.Request, act *teams.Activity) {
		g.mu.Lock()
		g.passed = append(g.passed, act)
		g.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gate) passedCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.passed)
}

// post sends body with the Authorization header auth ("" for none) and
// returns the status.
func (g *gate) post(t *testing.T, auth string, body []byte) int {
	t.Helper()
	return teamsfake.Post(t, g.srv.URL, auth, body)
}

func fixture(t testing.TB, name string) []byte { return bottest.Fixture(t, name) }

func TestGateAcceptsBotFrameworkTokens(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	for _, name := range []string{"message_personal.json", "message_channel_mention.json", "installation_update_add.json",
		"conversation_update_members_added.json", "invoke_adaptivecard_action.json"} {
		if got := g.post(t, g.id.Token(t, authAppID, fixtureSvc), fixture(t, name)); got != http.StatusOK {
			t.Errorf("%s with a valid token: status %d; want 200", name, got)
		}
	}
	if n := g.passedCount(); n != 5 {
		t.Fatalf("%d activities passed the gate; want 5", n)
	}
	if a := g.passed[0]; a.Type != "message" || a.Text != "learn stats" || a.Conversation.ConversationType != "personal" ||
		a.From.AADObjectID != "6b9a3d9e-7bd0-4f4a-9f3e-0d0c4f4e2b11" {
		t.Errorf("the message fixture reads as %+v", a)
	}
	// A trailing slash is not a different service.
	if got := g.post(t, g.id.Token(t, authAppID, strings.TrimSuffix(fixtureSvc, "/")), fixture(t, "message_personal.json")); got != 200 {
		t.Errorf("serviceUrl without its trailing slash: status %d; want 200", got)
	}
	if g.id.Fetches() != 1 {
		t.Errorf("the keys were fetched %d times for 6 requests; want once (cached)", g.id.Fetches())
	}
}

// TestGateRefuses is the security list: each forged or misdirected
// request is refused with the right status and nothing passes the gate.
func TestGateRefuses(t *testing.T) {
	t.Parallel()
	now := time.Now()
	claims := func(edit func(c jwt.MapClaims)) jwt.MapClaims {
		c := teamsfake.Claims(authAppID, fixtureSvc, now)
		if edit != nil {
			edit(c)
		}
		return c
	}
	signed := func(kid string, c jwt.MapClaims) func(*testing.T, *gate) string {
		return func(t *testing.T, _ *gate) string { return "Bearer " + teamsfake.Sign(t, kid, c) }
	}
	cases := []struct {
		name   string
		auth   func(t *testing.T, g *gate) string
		body   string // fixture, default message_personal.json
		status int
	}{
		{"no token", func(*testing.T, *gate) string { return "" }, "", 401},
		{"not a bearer token", func(*testing.T, *gate) string { return "Basic aHVkZGxlYm90OnNlY3JldA==" }, "", 401},
		{"garbage", func(*testing.T, *gate) string { return "Bearer not.a.jwt" }, "", 401},
		{"expired beyond the skew", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) {
			c["exp"] = now.Add(-6 * time.Minute).Unix()
		})), "", 401},
		{"not yet valid beyond the skew", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) {
			c["nbf"] = now.Add(6 * time.Minute).Unix()
		})), "", 401},
		{"no expiry", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { delete(c, "exp") })), "", 401},
		{"wrong issuer", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) {
			c["iss"] = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
		})), "", 401},
		{"unknown key", signed("hb-unpublished", claims(nil)), "", 401},
		{"no kid", func(t *testing.T, _ *gate) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil))
			s, err := tok.SignedString(mustKey(t))
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + s
		}, "", 401},
		{"alg none", func(t *testing.T, _ *gate) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
			tok.Header["kid"] = teamsfake.DefaultKID
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + s
		}, "", 401},
		{"HS256 keyed with the public key", func(t *testing.T, _ *gate) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
			tok.Header["kid"] = teamsfake.DefaultKID
			s, err := tok.SignedString(teamsfake.PublicKeyBytes(t, teamsfake.DefaultKID))
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + s
		}, "", 401},
		{"RS512", func(t *testing.T, _ *gate) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, claims(nil))
			tok.Header["kid"] = teamsfake.DefaultKID
			s, err := tok.SignedString(mustKey(t))
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + s
		}, "", 401},
		{"tampered payload", func(t *testing.T, _ *gate) string {
			parts := strings.Split(teamsfake.Sign(t, teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), ".")
			good := strings.Split(teamsfake.Sign(t, teamsfake.DefaultKID, claims(nil)), ".")
			return "Bearer " + parts[0] + "." + good[1] + "." + parts[2]
		}, "", 401},
		{"wrong audience", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { c["aud"] = "another-bot" })), "", 403},
		{"no audience", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { delete(c, "aud") })), "", 403},
		{"serviceUrl mismatch", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { c["serviceurl"] = otherSvcURL })), "", 403},
		{"no serviceUrl claim", signed(teamsfake.DefaultKID, claims(func(c jwt.MapClaims) { delete(c, "serviceurl") })), "", 403},
		{"key without the msteams endorsement", func(t *testing.T, g *gate) string {
			g.id.AddKey(t, "hb-skype-only", "skype")
			return "Bearer " + teamsfake.Sign(t, "hb-skype-only", claims(nil))
		}, "", 403},
		{"malformed JSON", signed(teamsfake.DefaultKID, claims(nil)), "{not json", 400},
		{"not an activity", signed(teamsfake.DefaultKID, claims(nil)), `{"text":"learn stats"}`, 400},
		{"malformed JSON without a token", func(*testing.T, *gate) string { return "" }, "{not json", 401},
	}
	// The subtests run one after the other, right after the claims above
	// were dated: parallel ones waited for a free slot behind the package's
	// slow tests, and under CI's load a token dated "6 minutes from now"
	// had become valid by then.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGate(t)
			auth := c.auth(t, g)
			body := fixture(t, "message_personal.json")
			if c.body != "" {
				body = []byte(c.body)
			}
			if got := g.post(t, auth, body); got != c.status {
				t.Errorf("status %d; want %d", got, c.status)
			}
			if n := g.passedCount(); n != 0 {
				t.Errorf("%d refused activities reached the core", n)
			}
			g.mu.Lock()
			logs := g.logs.String()
			g.mu.Unlock()
			if tok, ok := strings.CutPrefix(auth, "Bearer "); ok && len(tok) > 20 && strings.Contains(logs, tok[len(tok)-20:]) {
				t.Errorf("the token appears in the logs:\n%s", logs)
			}
		})
	}
}

func mustKey(t *testing.T) any {
	t.Helper()
	return teamsfake.PrivateKey(t, "hb-no-kid-signer")
}

func TestGateSkewAllowed(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	now := time.Now()
	c := teamsfake.Claims(authAppID, fixtureSvc, now)
	c["exp"] = now.Add(-4 * time.Minute).Unix()
	c["nbf"] = now.Add(4 * time.Minute).Unix()
	if got := g.post(t, "Bearer "+teamsfake.Sign(t, teamsfake.DefaultKID, c), fixture(t, "message_personal.json")); got != 200 {
		t.Errorf("a token expired 4 minutes ago, valid from 4 minutes ahead: status %d; want 200 (5 minutes of skew)", got)
	}
}

func TestGateKeyRotation(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	body := fixture(t, "message_personal.json")
	if got := g.post(t, g.id.Token(t, authAppID, fixtureSvc), body); got != 200 {
		t.Fatalf("status %d", got)
	}
	// Bot Framework publishes a new key and signs with it: the unknown kid
	// makes the verifier fetch the keys again.
	g.id.AddKey(t, "hb-rotated", "msteams")
	c := teamsfake.Claims(authAppID, fixtureSvc, time.Now())
	if got := g.post(t, "Bearer "+teamsfake.Sign(t, "hb-rotated", c), body); got != 200 {
		t.Errorf("a token signed by a newly published key: status %d; want 200", got)
	}
	if n := g.id.Fetches(); n != 2 {
		t.Errorf("keys fetched %d times; want 2 (once more for the new kid)", n)
	}
	// Forged kids do not make every request fetch the keys.
	for i := range 5 {
		if got := g.post(t, "Bearer "+teamsfake.Sign(t, fmt.Sprintf("hb-forged-%d", i%2), c), body); got != 401 {
			t.Errorf("unknown kid: status %d; want 401", got)
		}
	}
	if n := g.id.Fetches(); n != 2 {
		t.Errorf("after 5 tokens with unknown kids within 30 s the keys were fetched %d times; want still 2", n)
	}
	// A day later the keys are fetched again, unasked.
	g.clk.Advance(25 * time.Hour)
	c = teamsfake.Claims(authAppID, fixtureSvc, g.clk.Now())
	if got := g.post(t, "Bearer "+teamsfake.Sign(t, teamsfake.DefaultKID, c), body); got != 200 {
		t.Errorf("status %d", got)
	}
	if n := g.id.Fetches(); n != 3 {
		t.Errorf("a day later the keys were fetched %d times in all; want 3", n)
	}
}

func TestGateKeysUnavailable(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	body := fixture(t, "message_personal.json")
	g.id.SetDown(true)
	if got := g.post(t, g.id.Token(t, authAppID, fixtureSvc), body); got != http.StatusServiceUnavailable {
		t.Errorf("no keys and metadata down: status %d; want 503", got)
	}
	if got := g.post(t, "", body); got != 401 {
		t.Errorf("no token while metadata is down: status %d; want 401", got)
	}
	g.id.SetDown(false)
	g.clk.Advance(time.Minute)
	if got := g.post(t, g.id.Token(t, authAppID, fixtureSvc), body); got != 200 {
		t.Fatalf("metadata back: status %d; want 200", got)
	}
	// Keys already held keep serving while the metadata is down, even past
	// a day.
	g.id.SetDown(true)
	g.clk.Advance(25 * time.Hour)
	c := teamsfake.Claims(authAppID, fixtureSvc, g.clk.Now())
	if got := g.post(t, "Bearer "+teamsfake.Sign(t, teamsfake.DefaultKID, c), body); got != 200 {
		t.Errorf("stale keys while metadata is down: status %d; want 200", got)
	}
	if n := g.passedCount(); n != 2 {
		t.Errorf("%d activities passed; want 2", n)
	}
}

func TestGateMethod(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	res, err := http.Get(g.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d; want 405", res.StatusCode)
	}
}
