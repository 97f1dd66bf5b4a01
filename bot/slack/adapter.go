// Package slack is huddlebot's Slack adapter, on github.com/slack-go/slack.
//
// It receives Slack's requests either over HTTP (POST /slack/events takes
// Events API callbacks, interactivity payloads and slash commands on one
// URL, each verified with the signing secret) or over Socket Mode, turns
// them into the core's neutral Command, Click and Submission, and answers
// within Slack's 3 seconds: the core commits first, and every message it
// sends or edits goes out later through Deliver, called from a durable
// delivery job. Deliver renders the neutral Card as Block Kit, paces calls
// under Slack's rate-limit tiers and maps Slack's errors to the core's
// (*bot.RateLimitError, bot.ErrUnreachable).
//
// One adapter serves one workspace (one bot token).
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/huddlebot/huddlebot/bot"
)

// Platform is the platform name of Slack workspaces and actors.
const Platform = "slack"

// metadataEvent is the event_type of the metadata every message carries, so
// a retried delivery can find the message it may already have posted.
const metadataEvent = "huddlebot_message"

// webAPI lists the Slack Web API calls the adapter makes (*slack.Client).
type webAPI interface {
	OpenConversationContext(ctx context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	PostMessageContext(ctx context.Context, channelID string, opts ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, ts string, opts ...slack.MsgOption) (string, string, string, error)
	GetConversationHistoryContext(ctx context.Context, p *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, p *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	GetUserInfoContext(ctx context.Context, user string, opts ...slack.GetUserInfoOption) (*slack.User, error)
}

// Options configures an Adapter.
type Options struct {
	// Token is the bot token (xoxb-…). Required.
	Token string
	// SigningSecret verifies HTTP requests (HTTP mode).
	SigningSecret string
	// APIURL overrides the Web API base URL (default https://slack.com/api/).
	// response_url callbacks are then also allowed to that host.
	APIURL string
	// Limits paces Web API calls; nil means DefaultLimits.
	Limits *Limits
	// HTTPClient makes the Web API and response_url calls (default: a client
	// with a 10 s timeout that keeps up to 64 idle connections per host).
	HTTPClient *http.Client
	// Now is the clock request signatures are checked against (default
	// time.Now); tests pin it to Slack's documented example.
	Now func() time.Time
	// MaxBody caps an inbound request body (default 1 MiB).
	MaxBody int64
	// SlowCommand is how long a slash command may run before Slack gets an
	// interim "Working on it…" answer and the real one follows through the
	// command's response_url (Slack gives up with operation_timeout after
	// 3 s). Default 2 s; negative: answer every command that way (tests).
	SlowCommand time.Duration
	// Log receives warnings and errors; secrets are never logged.
	Log *slog.Logger
}

// Adapter is the Slack platform adapter. It implements bot.Adapter,
// bot.ModalOpener and bot.UserInfoer, and serves Slack's
// inbound requests over HTTP (ServeHTTP) or Socket Mode (RunSocketMode).
type Adapter struct {
	bot      *bot.Bot
	api      webAPI
	opts     Options
	log      *slog.Logger
	http     *http.Client
	respHTTP *http.Client // response_url posts: follows no redirect
	pace     *pacer
	verifier *verifier
	apiHost  string

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	sem    chan struct{}
}

// New returns an adapter for b. It does not register itself: call
// b.AddAdapter.
func New(b *bot.Bot, o Options) *Adapter {
	if o.HTTPClient == nil {
		// Keep connections to slack.com and hooks.slack.com open: a busy
		// morning makes hundreds of calls a second to the same two hosts.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBody == 0 {
		o.MaxBody = 1 << 20
	}
	if o.SlowCommand == 0 {
		o.SlowCommand = 2 * time.Second
	}
	limits := DefaultLimits
	if o.Limits != nil {
		limits = *o.Limits
	}
	log := o.Log
	if log == nil {
		log = b.Log
	}
	// Web API calls honour a 429's Retry-After for the whole method
	// (retryafter.go); response_url calls go out directly.
	apiClient := *o.HTTPClient
	apiClient.Transport = newRetryAfterTransport(apiClient.Transport)
	opts := []slack.Option{slack.OptionHTTPClient(&apiClient)}
	host := "slack.com"
	if o.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(o.APIURL))
		if u, err := url.Parse(o.APIURL); err == nil {
			host = u.Host
		}
	}
	// response_url posts carry what a member typed; the allowlist checks
	// the URL in the payload, so a redirect from there must not take the
	// post anywhere else. Slack's hooks never redirect: follow none.
	respClient := *o.HTTPClient
	respClient.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &Adapter{
		bot:      b,
		api:      slack.New(o.Token, opts...),
		opts:     o,
		log:      log.With("platform", Platform),
		http:     o.HTTPClient,
		respHTTP: &respClient,
		pace:     newPacer(limits),
		verifier: newVerifier(o.SigningSecret, o.Now),
		apiHost:  host,
		sem:      make(chan struct{}, 512),
	}
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

// Deliver implements bot.Adapter. A new DM opens (or reuses) the member's DM
// channel with conversations.open and posts with chat.postMessage; an edit
// is chat.update; a thread reply posts with thread_ts. Every message carries
// metadata naming its message id, and a retry that may follow a lost
// response first looks for that metadata in the conversation, so a message
// is never posted twice.
func (a *Adapter) Deliver(ctx context.Context, out *bot.Outbound) (bot.Sent, error) {
	if out.Card == nil {
		return bot.Sent{}, fmt.Errorf("message %d: no card", out.MessageID)
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(fallbackText(out.Card), false),
		slack.MsgOptionBlocks(renderCard(out.Card, maxMessageBlocks)...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEvent,
			EventPayload: map[string]any{"message_id": out.MessageID}}),
	}
	dm := out.Channel == "dm"
	key := fmt.Sprintf("%d/%d", out.MessageID, out.Revision)
	if out.PostedID != "" {
		if err := a.pace.wait(ctx, key, a.pace.update); err != nil {
			return bot.Sent{}, err
		}
		if _, _, _, err := a.api.UpdateMessageContext(ctx, out.PostedChannel, out.PostedID, opts...); err != nil {
			return bot.Sent{}, mapErr("chat.update", err, false)
		}
		return bot.Sent{Channel: out.PostedChannel, ID: out.PostedID}, nil
	}

	ch, cached := out.Channel, false
	if dm {
		if out.UserID == "" {
			return bot.Sent{}, fmt.Errorf("message %d: DM without a recipient", out.MessageID)
		}
		ch, cached = out.DMChannel, out.DMChannel != ""
		switch {
		case cached:
		case out.Attempt <= 1:
			// chat.postMessage to a user id posts in the app's DM with them
			// and returns that channel, which is cached: a first burst to
			// thousands of new members is not held to conversations.open's
			// 50 a minute.
			ch = out.UserID
		default:
			// A retry must look in the DM for an earlier post: open it.
			var err error
			if ch, err = a.openDM(ctx, key, out.UserID); err != nil {
				return bot.Sent{}, err
			}
		}
	}
	if out.ThreadID != "" {
		opts = append(opts, slack.MsgOptionTS(out.ThreadID))
	}
	if out.Attempt > 1 {
		ts, err := a.findPosted(ctx, key, ch, out.ThreadID, out.MessageID)
		switch {
		case err == nil && ts != "":
			return a.sent(dm, ch, ts), nil
		case err != nil && !isSlackAnswer(err):
			return bot.Sent{}, err
		case err != nil:
			// Slack refused the lookup (a missing scope, a channel the bot
			// cannot read): posting is the only way forward.
			a.log.WarnContext(ctx, "cannot check for an earlier post; posting", "message", out.MessageID, "err", err)
		}
	}
	if err := a.pace.wait(ctx, key, a.pace.post, a.pace.channel(ch, time.Now())); err != nil {
		return bot.Sent{}, err
	}
	rch, ts, err := a.api.PostMessageContext(ctx, ch, opts...)
	if err != nil && dm && cached && slackCode(err) == "channel_not_found" {
		// The cached DM channel is gone; open the DM afresh once.
		if ch, err = a.openDM(ctx, key, out.UserID); err != nil {
			return bot.Sent{}, err
		}
		rch, ts, err = a.api.PostMessageContext(ctx, ch, opts...)
	}
	if err != nil {
		return bot.Sent{}, mapErr("chat.postMessage", err, dm)
	}
	if rch == "" {
		rch = ch
	}
	return a.sent(dm, rch, ts), nil
}

func (a *Adapter) sent(dm bool, ch, ts string) bot.Sent {
	s := bot.Sent{Channel: ch, ID: ts}
	if dm {
		s.DMChannel = ch
	}
	return s
}

func (a *Adapter) openDM(ctx context.Context, key, userID string) (string, error) {
	if err := a.pace.wait(ctx, key, a.pace.open); err != nil {
		return "", err
	}
	c, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return "", mapErr("conversations.open", err, true)
	}
	if c == nil || c.ID == "" {
		return "", fmt.Errorf("slack conversations.open for %s: no channel in the answer", userID)
	}
	return c.ID, nil
}

// findPosted looks for a message carrying this message id among the latest
// messages of the conversation (or of the thread), and returns its ts.
func (a *Adapter) findPosted(ctx context.Context, key, ch, threadTS string, messageID int64) (string, error) {
	if err := a.pace.wait(ctx, key, a.pace.history); err != nil {
		return "", err
	}
	var msgs []slack.Message
	if threadTS != "" {
		m, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: ch, Timestamp: threadTS, Limit: 50, IncludeAllMetadata: true})
		if err != nil {
			return "", mapErr("conversations.replies", err, false)
		}
		msgs = m
	} else {
		res, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: ch, Limit: 20, IncludeAllMetadata: true})
		if err != nil {
			return "", mapErr("conversations.history", err, false)
		}
		msgs = res.Messages
	}
	for _, m := range msgs {
		if m.Metadata.EventType == metadataEvent && metadataID(m.Metadata.EventPayload["message_id"]) == messageID {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

func metadataID(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// OpenForm implements bot.ModalOpener with views.open. It must run within 3
// seconds of the click or command that produced triggerID.
func (a *Adapter) OpenForm(ctx context.Context, _ string, triggerID string, f *bot.Form) error {
	if _, err := a.api.OpenViewContext(ctx, triggerID, renderForm(f)); err != nil {
		return mapErr("views.open", err, false)
	}
	return nil
}

// PublishHome publishes a member's home view with views.publish.
func (a *Adapter) PublishHome(ctx context.Context, _ string, userID string, c *bot.Card) error {
	if err := a.pace.wait(ctx, "", a.pace.publish); err != nil {
		return err
	}
	_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: renderHome(c)})
	if err != nil {
		return mapErr("views.publish", err, false)
	}
	return nil
}

// UserInfo implements bot.UserInfoer with users.info: the user's real name
// and IANA time zone.
func (a *Adapter) UserInfo(ctx context.Context, ws string, userID string) (name, timezone string, err error) {
	p, err := a.UserProfile(ctx, ws, userID)
	return p.Name, p.TimeZone, err
}

// UserProfile implements bot.ProfileReader with one users.info call
// (include_locale): the user's real name, IANA time zone and locale.
func (a *Adapter) UserProfile(ctx context.Context, _ string, userID string) (bot.Profile, error) {
	if err := a.pace.wait(ctx, "", a.pace.user); err != nil {
		return bot.Profile{}, err
	}
	u, err := a.api.GetUserInfoContext(ctx, userID, slack.GetUserInfoOptionIncludeLocale(true))
	if err != nil {
		return bot.Profile{}, mapErr("users.info", err, false)
	}
	name := u.RealName
	if name == "" {
		name = u.Profile.RealName
	}
	return bot.Profile{Name: name, TimeZone: u.TZ, Locale: u.Locale}, nil
}

// Close waits for background work (response_url replies, home publishes)
// to finish, or for ctx to end.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	return bot.WaitGroup(ctx, &a.wg)
}

// async runs fn in the background, bounded; it drops the work (with a
// warning) when too much is already in flight or the adapter is closing.
// Only best-effort work goes here: replies whose facts are already committed.
// It reports whether fn was started.
func (a *Adapter) async(what string, fn func(ctx context.Context)) bool {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return false
	}
	select {
	case a.sem <- struct{}{}:
	default:
		a.mu.Unlock()
		a.log.Warn("dropping background reply: too many in flight", "what", what)
		return false
	}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer func() { <-a.sem; a.wg.Done() }()
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("background reply panicked", "what", what, "panic", fmt.Sprint(p))
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		fn(ctx)
	}()
	return true
}

// unreachableCodes are Slack errors after which a DM can never arrive.
var unreachableCodes = map[string]bool{
	"cannot_dm_bot": true, "user_not_found": true, "account_inactive": true, "channel_not_found": true,
	"user_disabled": true, "user_not_visible": true, "is_archived": true,
}

// mapErr turns a Slack error into the core's: HTTP 429 becomes a
// *bot.RateLimitError with Slack's Retry-After; a permanent failure to reach
// a DM recipient wraps bot.ErrUnreachable.
func mapErr(method string, err error, dm bool) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &bot.RateLimitError{RetryAfter: max(rl.RetryAfter, time.Second)}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return &bot.RateLimitError{RetryAfter: time.Second}
	}
	var rle *bot.RateLimitError
	if errors.As(err, &rle) {
		return err
	}
	if code := slackCode(err); code != "" && dm && unreachableCodes[code] {
		return fmt.Errorf("slack %s: %s: %w", method, code, bot.ErrUnreachable)
	}
	return fmt.Errorf("slack %s: %w", method, err)
}

// slackCode returns Slack's error code ("channel_not_found") when Slack
// answered ok:false, else "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// isSlackAnswer reports whether err is Slack refusing a call (ok:false), as
// opposed to a transport failure or a rate limit.
func isSlackAnswer(err error) bool { return slackCode(err) != "" }
