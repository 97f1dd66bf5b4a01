package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Bot Framework's token service, as its authentication documentation names
// it (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication).
const (
	// DefaultOpenIDURL is the OpenID metadata document that names the keys
	// Bot Framework signs its requests with (TEAMS_OPENID_URL replaces it).
	DefaultOpenIDURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// Issuer is the iss of every token Bot Framework sends a bot.
	Issuer = "https://api.botframework.com"
	// clockSkew is the leeway on exp and nbf the documentation allows.
	clockSkew = 5 * time.Minute
	// keysMaxAge is how long fetched keys are used before they are fetched
	// again; Bot Framework asks for at least daily.
	keysMaxAge = 24 * time.Hour
	// unknownKidRefetch is the least time between two fetches caused by a
	// token naming a key we do not hold, so forged kids cannot make every
	// request fetch the metadata.
	unknownKidRefetch = 30 * time.Second
	// minKeyBits refuses signing keys too short to trust.
	minKeyBits = 2048
	// maxMetadata bounds the metadata and key documents.
	maxMetadata = 1 << 20
)

// AuthError is a refused request: Status is 401 (no token, or one that is
// not a valid Bot Framework token) or 403 (a valid token that is not for
// this bot, this service URL or this channel). The message names the check
// that failed; it never includes the token.
type AuthError struct {
	Status int
	Reason string
}

func (e *AuthError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Reason) }

func unauthorized(format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Reason: fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf(format, args...)}
}

// signingKey is one of Bot Framework's published keys with the channels
// that endorse it ("msteams", …).
type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// Verifier checks the Authorization header of requests Bot Framework sends
// to the messaging endpoint. It is safe for concurrent use; the keys are
// fetched on first use, again once a day, and again (at most every 30 s)
// when a token names a key it does not hold.
type Verifier struct {
	appID     string
	openIDURL string
	client    *http.Client
	now       func() time.Time
	parser    *jwt.Parser

	fetchMu sync.Mutex // one fetch at a time
	mu      sync.RWMutex
	keys    map[string]signingKey // kid → key
	fetched time.Time             // when keys were fetched
	tried   time.Time             // when a fetch was last attempted
	missed  time.Time             // when a fetch for an unknown kid was last made
	lastErr error                 // the last fetch's failure, nil after a success
}

// NewVerifier returns a verifier of tokens for the bot appID, with keys
// from the OpenID metadata at openIDURL ("" is DefaultOpenIDURL), fetched
// with client (nil: a client with a 10 s timeout) and now as the clock (nil:
// time.Now).
func NewVerifier(appID, openIDURL string, client *http.Client, now func() time.Time) *Verifier {
	if openIDURL == "" {
		openIDURL = DefaultOpenIDURL
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		appID: appID, openIDURL: openIDURL, client: client, now: now,
		// RS256 only: alg "none", HS256 (a "secret" that is the public key)
		// and the rest are refused before any key is looked at.
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(Issuer),
			jwt.WithLeeway(clockSkew), jwt.WithExpirationRequired(), jwt.WithTimeFunc(now)),
	}
}

// claims are the parts of a Bot Framework token the verifier reads.
// encoding/json matches the serviceurl claim in any case.
type claims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl"`
}

// Verify checks authorization (the Authorization header's value) for an
// activity from serviceURL on channelID ("msteams"). It returns nil when
// the token is Bot Framework's, signed by a current key that channelID
// endorses, valid now (5 minutes of skew), for this bot (aud) and for
// serviceURL; otherwise an *AuthError (401 or 403), or an error wrapping
// the failure to fetch the keys (the caller answers 503: the request may
// be genuine).
func (v *Verifier) Verify(ctx context.Context, authorization, serviceURL, channelID string) error {
	id, err := v.authenticate(ctx, authorization)
	if err != nil {
		return err
	}
	return id.allows(v.appID, serviceURL, channelID)
}

// identity is a token whose signature, issuer and lifetime are good, and
// the key that signed it.
type identity struct {
	claims claims
	key    signingKey
}

// authenticate checks the bearer token's signature (RS256, by a current Bot
// Framework key), issuer and lifetime: an *AuthError with status 401 when
// any of them is wrong, or a failed key fetch.
func (v *Verifier) authenticate(ctx context.Context, authorization string) (*identity, error) {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return nil, unauthorized("missing bearer token")
	}
	var id identity
	var fetchErr error
	_, err := v.parser.ParseWithClaims(strings.TrimSpace(tok), &id.claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token names no key")
		}
		k, err := v.key(ctx, kid)
		if err != nil {
			fetchErr = err
			return nil, err
		}
		if k.pub == nil {
			return nil, fmt.Errorf("unknown key %q", kid)
		}
		id.key = k
		return k.pub, nil
	})
	if fetchErr != nil {
		return nil, fetchErr
	}
	if err != nil {
		return nil, unauthorized("invalid token: %v", err)
	}
	return &id, nil
}

// allows checks an authenticated token against the activity it came with:
// a 403 *AuthError unless it is for appID (aud), names the activity's
// serviceURL, and was signed by a key endorsed for channelID.
func (id *identity) allows(appID, serviceURL, channelID string) error {
	if !slices.Contains([]string(id.claims.Audience), appID) {
		return forbidden("token is for another bot (aud)")
	}
	if id.claims.ServiceURL == "" || !sameServiceURL(id.claims.ServiceURL, serviceURL) {
		return forbidden("token's serviceUrl does not match the activity's")
	}
	if channelID == "" || !slices.Contains(id.key.endorsements, channelID) {
		return forbidden("signing key is not endorsed for channel %q", channelID)
	}
	return nil
}

// sameServiceURL compares service URLs as Bot Framework's own SDKs do:
// exactly, but for a trailing slash.
func sameServiceURL(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// key returns the key kid, fetching the keys when none are held, when they
// are older than a day, or when they lack kid. Fetches for an unknown kid
// happen at most every unknownKidRefetch, and so do fetches after a failed
// one: meanwhile the keys held (even stale) are used. A key still unknown
// is returned empty with a nil error; the error is a failed fetch with no
// keys held at all.
func (v *Verifier) key(ctx context.Context, kid string) (signingKey, error) {
	v.mu.RLock()
	k, have := v.keys[kid]
	fresh := v.keys != nil && v.now().Sub(v.fetched) < keysMaxAge
	v.mu.RUnlock()
	if fresh && have {
		return k, nil
	}
	if err := v.refresh(ctx, fresh); err != nil {
		return signingKey{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys[kid], nil
}

// refresh fetches the metadata and the keys it names, one caller at a
// time. miss says the keys are fresh but lack a kid. It returns an error
// only when no keys are held.
func (v *Verifier) refresh(ctx context.Context, miss bool) error {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	now := v.now()
	v.mu.Lock()
	switch {
	case miss && now.Sub(v.missed) < unknownKidRefetch:
		v.mu.Unlock()
		return nil
	case !miss && v.keys != nil && now.Sub(v.fetched) < keysMaxAge:
		v.mu.Unlock()
		return nil // another caller just fetched them
	case now.Sub(v.tried) < unknownKidRefetch && v.lastErr != nil:
		err, held := v.lastErr, v.keys != nil
		v.mu.Unlock()
		if held {
			return nil
		}
		return err
	}
	if miss {
		v.missed = now
	}
	v.tried = now
	v.mu.Unlock()

	keys, err := v.fetch(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		v.lastErr = fmt.Errorf("teams: fetch Bot Framework signing keys: %w", err)
		if v.keys != nil {
			return nil // keep serving the keys held while the metadata is unreachable
		}
		return v.lastErr
	}
	v.keys, v.fetched, v.lastErr = keys, v.now(), nil
	return nil
}

func (v *Verifier) fetch(ctx context.Context) (map[string]signingKey, error) {
	// The fetch outlives one request's cancellation: others wait for it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.openIDURL, &meta); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("openid metadata has no jwks_uri")
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	keys := map[string]signingKey{}
	for _, j := range set.Keys {
		k, err := j.rsa()
		if err != nil {
			continue // a key we cannot use signs nothing we accept
		}
		keys[j.Kid] = signingKey{pub: k, endorsements: j.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable RSA keys")
	}
	return keys, nil
}

func (v *Verifier) getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := v.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxMetadata))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// jwk is a JSON Web Key as Bot Framework publishes it, with its
// endorsements (the channels that may use it).
type jwk struct {
	Kty          string   `json:"kty"`
	Use          string   `json:"use"`
	Kid          string   `json:"kid"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	Endorsements []string `json:"endorsements"`
}

func (j jwk) rsa() (*rsa.PublicKey, error) {
	if j.Kty != "RSA" || j.Kid == "" || (j.Use != "" && j.Use != "sig") {
		return nil, errors.New("not an RSA signing key")
	}
	n, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.N, "="))
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	e, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.E, "="))
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	k := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if k.N.BitLen() < minKeyBits || k.E < 3 {
		return nil, errors.New("key too weak")
	}
	return k, nil
}
