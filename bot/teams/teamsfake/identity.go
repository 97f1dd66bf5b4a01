// Package teamsfake is a loopback stand-in for the Microsoft services a
// Teams bot talks to, for tests: Bot Framework's OpenID metadata and
// signing keys (Identity), with which tests sign the tokens Bot Framework
// would send; and the Bot Connector service with its token endpoint
// (Connector), which records every activity the bot sends and enforces
// Teams' rate limits.
package teamsfake

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss of Bot Framework's tokens.
const Issuer = "https://api.botframework.com"

// DefaultKID is the id of the key Identity starts with, endorsed for
// "msteams".
const DefaultKID = "hb-test-key-1"

// Identity serves Bot Framework's OpenID metadata document and its JSON
// Web Key Set, and signs tokens with the keys it publishes.
type Identity struct {
	srv *httptest.Server

	mu      sync.Mutex
	keys    []*key // published, in order
	fetches int    // JWKS fetches
	down    bool
}

type key struct {
	kid          string
	priv         *rsa.PrivateKey
	endorsements []string
	published    bool
}

// RSA keys take a while to generate; tests share a few.
var (
	keyMu   sync.Mutex
	keyPool []*rsa.PrivateKey
	keyUsed = map[string]int{} // kid → index in keyPool
)

// testKey returns a 2048-bit RSA key for kid, the same for a kid every time.
func testKey(t testing.TB, kid string) *rsa.PrivateKey {
	t.Helper()
	k, err := poolKey(kid)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func poolKey(kid string) (*rsa.PrivateKey, error) {
	keyMu.Lock()
	defer keyMu.Unlock()
	if i, ok := keyUsed[kid]; ok {
		return keyPool[i], nil
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyPool = append(keyPool, k)
	keyUsed[kid] = len(keyPool) - 1
	return k, nil
}

// NewIdentity starts the metadata and key server, closed when the test
// ends, publishing DefaultKID endorsed for "msteams".
func NewIdentity(t testing.TB) *Identity {
	t.Helper()
	id, err := StartIdentity()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(id.Close)
	return id
}

// StartIdentity is NewIdentity outside a test (huddlebot bench): the
// caller closes it.
func StartIdentity() (*Identity, error) {
	id := &Identity{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		if id.isDown() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, map[string]any{
			"issuer":                                Issuer,
			"authorization_endpoint":                "https://invalid.botframework.com",
			"jwks_uri":                              id.srv.URL + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	mux.HandleFunc("GET /v1/.well-known/keys", func(w http.ResponseWriter, r *http.Request) {
		if id.isDown() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, id.jwks())
	})
	id.srv = httptest.NewServer(mux)
	k, err := poolKey(DefaultKID)
	if err != nil {
		id.srv.Close()
		return nil, err
	}
	id.keys = append(id.keys, &key{kid: DefaultKID, priv: k, endorsements: []string{"msteams", "skype"}, published: true})
	return id, nil
}

// Close stops the server.
func (id *Identity) Close() { id.srv.Close() }

// OpenIDURL is the value for TEAMS_OPENID_URL.
func (id *Identity) OpenIDURL() string { return id.srv.URL + "/v1/.well-known/openidconfiguration" }

// AddKey publishes a key kid endorsed for the given channels.
func (id *Identity) AddKey(t testing.TB, kid string, endorsements ...string) {
	t.Helper()
	id.mu.Lock()
	defer id.mu.Unlock()
	id.keys = append(id.keys, &key{kid: kid, priv: testKey(t, kid), endorsements: endorsements, published: true})
}

// Fetches is how many times the key set was fetched.
func (id *Identity) Fetches() int {
	id.mu.Lock()
	defer id.mu.Unlock()
	return id.fetches
}

// SetDown makes the metadata and key documents answer 503 (down) or serve
// again.
func (id *Identity) SetDown(down bool) {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.down = down
}

func (id *Identity) isDown() bool {
	id.mu.Lock()
	defer id.mu.Unlock()
	return id.down
}

func (id *Identity) jwks() map[string]any {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.fetches++
	var keys []map[string]any
	for _, k := range id.keys {
		if !k.published {
			continue
		}
		keys = append(keys, map[string]any{
			"kty":          "RSA",
			"use":          "sig",
			"kid":          k.kid,
			"x5t":          k.kid,
			"n":            base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
			"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
			"endorsements": k.endorsements,
		})
	}
	return map[string]any{"keys": keys}
}

// Claims returns the claims of a token Bot Framework would send the bot
// appID for an activity from serviceURL, valid for an hour from now.
func Claims(appID, serviceURL string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"serviceurl": serviceURL,
		"nbf":        now.Add(-time.Minute).Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"iss":        Issuer,
		"aud":        appID,
	}
}

// Token returns "Bearer …": a token Bot Framework would send the bot appID
// with an activity from serviceURL, signed by DefaultKID.
func (id *Identity) Token(t testing.TB, appID, serviceURL string) string {
	t.Helper()
	return "Bearer " + Sign(t, DefaultKID, Claims(appID, serviceURL, time.Now()))
}

// Post sends the activity body to a bot's messaging endpoint url, as Bot
// Framework does, with the Authorization header auth ("" for none), and
// returns the status; a request that gets no answer fails the test.
func Post(t testing.TB, url, auth string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Sign returns claims as a token signed with RS256 by the test key kid
// (published or not).
func Sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := SignToken(kid, claims)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SignToken is Sign outside a test (huddlebot bench).
func SignToken(kid string, claims jwt.MapClaims) (string, error) {
	k, err := poolKey(kid)
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	tok.Header["x5t"] = kid
	return tok.SignedString(k)
}

// PublicKeyBytes returns kid's public modulus, for forging tokens that
// misuse it (an HS256 "secret").
func PublicKeyBytes(t testing.TB, kid string) []byte {
	t.Helper()
	return testKey(t, kid).N.Bytes()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// PrivateKey returns the test key kid (published or not), to sign tokens by
// hand.
func PrivateKey(t testing.TB, kid string) *rsa.PrivateKey {
	t.Helper()
	return testKey(t, kid)
}
