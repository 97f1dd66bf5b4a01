package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// The client-credentials grant a single-tenant bot uses to call the
// connector (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication).
const (
	// DefaultTokenURL is the token endpoint; {tenant} is TEAMS_TENANT_ID
	// (TEAMS_TOKEN_URL replaces the whole URL).
	DefaultTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	// tokenScope is the scope of tokens for the Bot Connector service.
	tokenScope = "https://api.botframework.com/.default"
	// tokenEarly is how long before its expiry a token is replaced.
	tokenEarly = 5 * time.Minute
	// maxResponse bounds what the connector's answers are read to.
	maxResponse = 1 << 20
	// defaultRetryAfter is the wait when Teams asks for one but names none.
	defaultRetryAfter = 2 * time.Second
)

// ClientOptions configure a Client.
type ClientOptions struct {
	AppID    string // TEAMS_APP_ID
	Password string // TEAMS_APP_PASSWORD, the client secret; never logged
	TenantID string // TEAMS_TENANT_ID
	TokenURL string // TEAMS_TOKEN_URL: replaces DefaultTokenURL
	// Limits pace the calls (default DefaultLimits; Unlimited for none).
	Limits *Limits
	// HTTP makes the requests (default: a client with a 20 s timeout).
	HTTP *http.Client
	// Now is the clock of the token cache and pacing (default time.Now).
	Now func() time.Time
}

// Client calls the Bot Connector service: sends and edits activities and
// opens 1:1 conversations, with an app token it fetches and caches, paced
// under Teams' limits. Its errors: *bot.RateLimitError when Teams asks to
// slow down (429, and 412, 502, 504, which Teams asks callers to retry) or
// the pacer would wait too long; an error wrapping bot.ErrUnreachable when
// Teams refuses the recipient (the user blocked or uninstalled the bot);
// *ConnectorError for other refusals.
type Client struct {
	opts  ClientOptions
	http  *http.Client
	pace  *pacer
	botID string

	tokMu   sync.Mutex
	token   string
	expires time.Time
}

// NewClient returns a client for opts; AppID, Password and a tenant (or a
// TokenURL) are required.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.AppID == "" {
		return nil, errors.New("TEAMS_APP_ID: required")
	}
	if opts.Password == "" {
		return nil, errors.New("TEAMS_APP_PASSWORD: required")
	}
	if opts.TokenURL == "" {
		if opts.TenantID == "" {
			return nil, errors.New("TEAMS_TENANT_ID: required (single-tenant bots get their token from the tenant)")
		}
		opts.TokenURL = strings.ReplaceAll(DefaultTokenURL, "{tenant}", url.PathEscape(opts.TenantID))
	}
	if u, err := url.Parse(opts.TokenURL); err != nil || !secureURL(u) {
		return nil, fmt.Errorf("TEAMS_TOKEN_URL: %q must be an https URL (http only on loopback)", opts.TokenURL)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{opts: opts, http: opts.HTTP, botID: "28:" + opts.AppID}
	if c.http == nil {
		c.http = &http.Client{Timeout: 20 * time.Second, Transport: connectorTransport()}
	}
	limits := DefaultLimits
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	c.pace = newPacer(limits, opts.Now)
	return c, nil
}

// connectorTransport keeps enough idle connections to the connector for
// the calls a paced burst has in flight. Every call goes to one host (the
// tenant's service URL), and Go's default transport keeps 2 idle
// connections per host: past two calls at once, each call dialled (over
// TLS in production) a connection that was closed right after —
// measured, 0.26 s of CPU in a 2,000-message fan-out on loopback.
func connectorTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// BotID is the bot's Teams id ("28:" + app id).
func (c *Client) BotID() string { return c.botID }

// ConnectorError is a refusal by the connector that is neither a rate
// limit nor an unreachable recipient.
type ConnectorError struct {
	Op     string // "send activity", …
	Status int
	Code   string // the error's code in Teams' answer, if any
	Msg    string
}

func (e *ConnectorError) Error() string {
	return fmt.Sprintf("teams: %s: status %d %s %s", e.Op, e.Status, e.Code, e.Msg)
}

// Send posts act to the conversation and returns the new activity's id.
func (c *Client) Send(ctx context.Context, serviceURL, conversationID string, act *Activity) (string, error) {
	var res struct {
		ID string `json:"id"`
	}
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/activities"
	if err := c.call(ctx, opSend, http.MethodPost, serviceURL, path, conversationID, act, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &ConnectorError{Op: opSend, Status: http.StatusOK, Msg: "answer without an activity id"}
	}
	return res.ID, nil
}

// Update replaces the activity activityID in the conversation with act.
func (c *Client) Update(ctx context.Context, serviceURL, conversationID, activityID string, act *Activity) error {
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/activities/" + url.PathEscape(activityID)
	cp := *act
	cp.ID = activityID
	return c.call(ctx, opUpdate, http.MethodPut, serviceURL, path, conversationID, &cp, nil)
}

// TeamsChannelAccount is a member of a conversation as the roster API
// answers (GET /v3/conversations/{id}/members/{userId}): the Teams id, the
// directory object id, and the profile fields the directory shares.
type TeamsChannelAccount struct {
	ID                string `json:"id"`
	Name              string `json:"name,omitempty"`
	AADObjectID       string `json:"aadObjectId,omitempty"`
	GivenName         string `json:"givenName,omitempty"`
	Surname           string `json:"surname,omitempty"`
	Email             string `json:"email,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	TenantID          string `json:"tenantId,omitempty"`
	UserRole          string `json:"userRole,omitempty"`
}

// Member reads userID's account in the conversation (a 1:1 chat, a team or
// a channel of it) from the roster API. A person no longer in it gives a
// *ConnectorError with status 404 (code MemberNotFoundInConversation).
func (c *Client) Member(ctx context.Context, serviceURL, conversationID, userID string) (*TeamsChannelAccount, error) {
	conv, _, _ := strings.Cut(conversationID, ";")
	path := "v3/conversations/" + url.PathEscape(conv) + "/members/" + url.PathEscape(userID)
	var res TeamsChannelAccount
	if err := c.call(ctx, "get member", http.MethodGet, serviceURL, path, "", nil, &res); err != nil {
		return nil, err
	}
	if res.ID == "" {
		return nil, &ConnectorError{Op: "get member", Status: http.StatusOK, Msg: "answer without a member id"}
	}
	return &res, nil
}

// ConversationParameters open a conversation (POST /v3/conversations).
type ConversationParameters struct {
	IsGroup     bool             `json:"isGroup"`
	Bot         ChannelAccount   `json:"bot"`
	Members     []ChannelAccount `json:"members"`
	TenantID    string           `json:"tenantId,omitempty"`
	ChannelData any              `json:"channelData,omitempty"`
}

// CreatePersonal opens (or finds: Teams returns the existing one) the 1:1
// conversation of the bot with userID in tenantID and returns its id.
func (c *Client) CreatePersonal(ctx context.Context, serviceURL, tenantID, userID string) (string, error) {
	p := ConversationParameters{Bot: ChannelAccount{ID: c.botID}, Members: []ChannelAccount{{ID: userID}}, TenantID: tenantID,
		ChannelData: map[string]any{"tenant": map[string]string{"id": tenantID}}}
	var res struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, opCreate, http.MethodPost, serviceURL, "v3/conversations", "", &p, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &ConnectorError{Op: opCreate, Status: http.StatusOK, Msg: "answer without a conversation id"}
	}
	return res.ID, nil
}

// call makes one paced, authenticated connector request. A 401 (the token
// was revoked or expired early) fetches a new token and tries once more.
func (c *Client) call(ctx context.Context, op, method, serviceURL, path, conv string, in, out any) error {
	base, err := url.Parse(serviceURL)
	if err != nil || !secureURL(base) || base.Host == "" {
		return fmt.Errorf("teams: %s: service URL %q is not an https URL", op, serviceURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("teams: %s: encode: %w", op, err)
		}
	}
	turn, _ := ctx.Value(turnKey{}).(string)
	for attempt := 1; ; attempt++ {
		// A turn held for this call (see Adapter.Deliver) is waited for
		// whatever its wait: the delivery was let through because its first
		// call was due, and this one was reserved right behind it.
		planned, wait, kept := c.pace.reserveKept(turnOf(turn, op))
		switch {
		case kept:
		case turn != "":
			// A later call of a delivery already under way.
			planned, wait = c.pace.reserveAny(conv)
		default:
			var err error
			if planned, wait, err = c.pace.reserveAt(conv); err != nil {
				return err
			}
		}
		if err := bot.Sleep(ctx, wait); err != nil {
			return err
		}
		if !planned.IsZero() {
			c.pace.sent(conv, planned, c.opts.Now())
		}
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, base.String()+path, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("teams: %s: %w", op, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		res, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("teams: %s: %w", op, err)
		}
		data, rerr := io.ReadAll(io.LimitReader(res.Body, maxResponse))
		res.Body.Close()
		switch st := res.StatusCode; {
		case st >= 200 && st < 300:
			if rerr != nil {
				return fmt.Errorf("teams: %s: read answer: %w", op, rerr)
			}
			if out != nil && len(bytes.TrimSpace(data)) > 0 {
				if err := json.Unmarshal(data, out); err != nil {
					return fmt.Errorf("teams: %s: decode answer: %w", op, err)
				}
			}
			return nil
		case st == http.StatusUnauthorized && attempt == 1:
			c.forgetToken(tok)
			continue
		case st == http.StatusTooManyRequests || st == http.StatusPreconditionFailed ||
			st == http.StatusBadGateway || st == http.StatusGatewayTimeout:
			return &bot.RateLimitError{RetryAfter: retryAfter(res.Header.Get("Retry-After"), c.opts.Now())}
		default:
			code, msg := errorCode(data)
			if st == http.StatusForbidden && blocked(data) {
				return fmt.Errorf("teams: %s: %w (%s)", op, bot.ErrUnreachable, code)
			}
			return &ConnectorError{Op: op, Status: st, Code: code, Msg: msg}
		}
	}
}

// turnKey carries, in a call's context, the name of the delivery whose
// turns the pacer holds (withTurns).
type turnKey struct{}

// turnOf names the turn of one call (op) of delivery d.
func turnOf(d, op string) string {
	if d == "" {
		return ""
	}
	return d + "|" + op
}

// Call names (ConnectorError.Op), also naming a delivery's turns.
const (
	opSend   = "send activity"
	opUpdate = "update activity"
	opCreate = "create conversation"
)

// turnCall is one connector call a delivery will make: op, in conv ("" for
// a call outside one, or in a conversation not opened yet).
type turnCall struct{ op, conv string }

// holdTurns reserves, for delivery d (named the same across its
// attempts), a turn for each of its calls in order, or finds the ones held
// on an earlier attempt. Without Limits.KeepTurns it reserves nothing
// when the first turn is further than MaxWait away, and says to come back
// then. It returns a *bot.RateLimitError to snooze for
// when the first turn is further than MaxWait away (the turns stay held
// for the job's return), else ctx carrying d for the calls to find them.
func (c *Client) holdTurns(ctx context.Context, d string, calls ...turnCall) (context.Context, error) {
	if c.pace.off() {
		return ctx, nil
	}
	if !c.pace.limits.KeepTurns && len(calls) > 0 {
		if w := c.pace.wouldWait(turnOf(d, calls[0].op), calls[0].conv); w > c.pace.limits.MaxWait {
			return ctx, &bot.RateLimitError{RetryAfter: w} // nothing reserved
		}
	}
	if !c.pace.limits.KeepTurns && len(calls) > 1 {
		// Only the first call's turn now: each waiting job holding two
		// turns ahead doubles the queue the next job sees, and past MaxWait
		// jobs start snoozing over and over (measured: 21 job runs a
		// message). The later calls take theirs when they are made,
		// waiting for them whatever the wait (a send after its chat was
		// opened must not be refused, or the chat is lost).
		calls = calls[:1]
	}
	var first time.Duration
	for i, tc := range calls {
		w := c.pace.hold(turnOf(d, tc.op), tc.conv)
		if i == 0 {
			first = w
		}
	}
	if first > c.pace.limits.MaxWait {
		return ctx, &bot.RateLimitError{RetryAfter: c.pace.comeBack(first)}
	}
	return context.WithValue(ctx, turnKey{}, d), nil
}

// heldFor says how long delivery d should snooze again when the first of
// the turns it holds is still further off than twice its lead (see
// bot.TurnKeeper); nearer, it goes and waits in process.
func (c *Client) heldFor(d string) (time.Duration, bool) {
	if c.pace.off() {
		return 0, false
	}
	var first time.Duration
	held := false
	for _, op := range []string{opCreate, opSend, opUpdate} {
		if w, ok := c.pace.held(turnOf(d, op)); ok && (!held || w < first) {
			first, held = w, true
		}
	}
	if !held || first <= 2*c.pace.lead() {
		return 0, false
	}
	return c.pace.comeBack(first), true
}

// Token returns the app token for the connector, fetching one when none is
// cached or the cached one expires within 5 minutes. Errors name the token
// endpoint's status and error code, never the secret.
func (c *Client) Token(ctx context.Context) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.token != "" && c.opts.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.opts.AppID},
		"client_secret": {c.opts.Password},
		"scope":         {tokenScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("teams: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("teams: token request: %w", redactErr(err))
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	var tr struct {
		TokenType   string          `json:"token_type"`
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
	}
	_ = json.Unmarshal(data, &tr)
	if res.StatusCode != http.StatusOK || tr.AccessToken == "" {
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
			return "", &bot.RateLimitError{RetryAfter: retryAfter(res.Header.Get("Retry-After"), c.opts.Now())}
		}
		return "", fmt.Errorf("teams: token request refused: status %d %s (check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID)",
			res.StatusCode, tr.Error)
	}
	secs, err := strconv.Atoi(strings.Trim(string(tr.ExpiresIn), `"`))
	if err != nil || secs <= 0 {
		secs = 3600
	}
	life := time.Duration(secs) * time.Second
	early := min(tokenEarly, life/2)
	c.token, c.expires = tr.AccessToken, c.opts.Now().Add(life-early)
	return c.token, nil
}

// forgetToken drops tok from the cache (a 401 says it is no longer good).
func (c *Client) forgetToken(tok string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// redactErr keeps a transport error's message without the request URL's
// query (the token endpoint gets its secret in the body, never the URL, but
// an error message is no place to find out).
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return defaultRetryAfter
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return max(time.Duration(s*float64(time.Second)), 100*time.Millisecond)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 100*time.Millisecond)
	}
	return defaultRetryAfter
}

// errorCode reads the connector's error answer, {"error": {"code", "message"}}.
func errorCode(data []byte) (code, msg string) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil {
		return "", ""
	}
	if len(e.Error.Message) > 200 {
		e.Error.Message = e.Error.Message[:200]
	}
	return e.Error.Code, e.Error.Message
}

// blockedCodes are the codes and sub-codes of a 403 that mean the bot can
// no longer write to the person: blocked or uninstalled
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages).
var blockedCodes = []string{"MessageWritesBlocked", "ConversationBlockedByUser", "BotNotInConversationRoster"}

// blocked reports whether a 403 answer names one of blockedCodes, as the
// error's code or its subCode, wherever Teams put it.
func blocked(data []byte) bool {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return false
	}
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		if depth > 4 {
			return false
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "code" || k == "subCode") {
					for _, b := range blockedCodes {
						if s == b {
							return true
						}
					}
				}
				if walk(e, depth+1) {
					return true
				}
			}
		}
		return false
	}
	return walk(v, 0)
}

// secureURL accepts https, and http only on a loopback host (tests).
func secureURL(u *url.URL) bool {
	switch u.Scheme {
	case "https":
		return u.Host != ""
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}
