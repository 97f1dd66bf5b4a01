package teams

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// Platform is the platform name of Teams workspaces; a workspace's external
// id is the Microsoft Entra tenant id.
const Platform = "teams"

// DefaultServiceURL is the service URL for proactive messages to a tenant
// from which no activity has arrived yet (Teams' global endpoint). Once an
// activity arrives, its serviceUrl is kept as the workspace's reference and
// used instead.
const DefaultServiceURL = "https://smba.trafficmanager.net/teams/"

const (
	defaultDeferAfter = 3 * time.Second
	defaultWorkBudget = 2 * time.Minute
	// hookLife is how long a click's reply hook may replace the clicked
	// card (Slack's response_url lives 30 minutes; we keep the same).
	hookLife = 30 * time.Minute
	// hookWait is how long an invoke's answer waits, after the click was
	// handled, for the updated card the core said it is showing through
	// the hook (bot.Reply.Confirming). A card later than that is shown by
	// an edit instead.
	hookWait = time.Second
)

// invokeSlots bounds the invokes doing database work at once (the replay
// record, the click: a few statements each); the rest wait in memory. Past
// what the machine takes, requests that all went to the database would
// queue for its connections in arrival order, and the answer applier's
// transaction — which hands every waiting invoke its card — would wait
// behind them all: every card late, and each then edited in by a paced
// call. On two cores (bench teams-answers at an offered 1,000/s on
// PostgreSQL) 4 slots took 980 answers/s with p99 131 ms, 8 took 955/s
// (367 ms), 16 took 720/s (1.1 s), none at all 276–441/s with nearly every
// card late; 2 took 745/s.
func invokeSlots() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// Options configure the adapter.
type Options struct {
	AppID    string // TEAMS_APP_ID
	Password string // TEAMS_APP_PASSWORD (client secret); never logged
	TenantID string // TEAMS_TENANT_ID
	// OpenIDURL (TEAMS_OPENID_URL) replaces Bot Framework's OpenID
	// metadata URL; TokenURL (TEAMS_TOKEN_URL) the token endpoint.
	OpenIDURL string
	TokenURL  string
	// ServiceURL is where proactive messages go before any activity named
	// one (default DefaultServiceURL).
	ServiceURL string
	// Limits pace connector calls (default DefaultLimits).
	Limits *Limits
	// DeferAfter is how long a command may run before the person gets
	// "Working on it" and the answer follows (default 3 s). Negative:
	// always defer (tests).
	DeferAfter time.Duration
	HTTP       *http.Client
	Log        *slog.Logger
	Now        func() time.Time
}

// Adapter connects the bot to Microsoft Teams. It implements bot.Adapter,
// bot.ClickReplier and bot.TurnKeeper.
type Adapter struct {
	bot    *bot.Bot
	opts   Options
	client *Client
	verify *Verifier
	log    *slog.Logger

	wg      sync.WaitGroup // follow-ups still running
	mu      sync.Mutex
	waiting map[string]chan hookReply // open invokes by hook key
	// invokes holds a slot for each invoke doing database work (the
	// replay record, the click); see invokeSlots.
	invokes chan struct{}
}

// New returns the adapter for b. Mount Handler at POST /teams/messages.
func New(b *bot.Bot, opts Options) (*Adapter, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DeferAfter == 0 {
		opts.DeferAfter = defaultDeferAfter
	}
	if opts.ServiceURL == "" {
		opts.ServiceURL = DefaultServiceURL
	}
	client, err := NewClient(ClientOptions{AppID: opts.AppID, Password: opts.Password, TenantID: opts.TenantID,
		TokenURL: opts.TokenURL, Limits: opts.Limits, HTTP: opts.HTTP, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &Adapter{bot: b, opts: opts, client: client, log: opts.Log, waiting: map[string]chan hookReply{}, invokes: make(chan struct{}, invokeSlots()),
		verify: NewVerifier(opts.AppID, opts.OpenIDURL, opts.HTTP, opts.Now)}, nil
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

// Client returns the connector client.
func (a *Adapter) Client() *Client { return a.client }

// Close waits for follow-ups still in flight, or until ctx ends.
func (a *Adapter) Close(ctx context.Context) error { return bot.WaitGroup(ctx, &a.wg) }

// References the adapter keeps through the core (bot.Refs), as JSON.
type (
	// workspaceRef: where the tenant's conversations are served.
	workspaceRef struct {
		ServiceURL string `json:"serviceUrl"`
		TenantID   string `json:"tenantId"`
	}
	// memberRef: a person's 1:1 conversation with the bot.
	memberRef struct {
		ConversationID string `json:"conversationId"`
		UserID         string `json:"userId,omitempty"`
		AADObjectID    string `json:"aadObjectId,omitempty"`
	}
	// channelRef: a team channel.
	channelRef struct {
		ConversationID string `json:"conversationId"`
		TeamID         string `json:"teamId,omitempty"`
	}
)

func encodeRef(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeRef[T any](s string) T {
	var v T
	if s != "" {
		_ = json.Unmarshal([]byte(s), &v) // a bad reference is no reference
	}
	return v
}

// Deliver implements bot.Adapter: a post in the person's 1:1 chat (opening
// it with POST /v3/conversations when no conversation is cached or kept), a
// post in a channel or in a post's thread, or an edit. A person who blocked
// or uninstalled the bot gives bot.ErrUnreachable; Teams asking to slow
// down gives *bot.RateLimitError. Teams has no idempotency key, so a retry
// after a send whose answer was lost may post twice.
func (a *Adapter) Deliver(ctx context.Context, out *bot.Outbound) (bot.Sent, error) {
	ws := decodeRef[workspaceRef](out.Ref.Workspace)
	svc := ws.ServiceURL
	if svc == "" {
		svc = a.opts.ServiceURL
	}
	tenant := ws.TenantID
	if tenant == "" {
		tenant = out.Workspace
	}
	// The calls this delivery makes, and where; their turns are held
	// before anything else is done, so an attempt that is not due yet
	// snoozes until it is (its turns kept) without rendering the card.
	dm := out.Channel == "dm"
	var calls []turnCall
	var conv string
	switch {
	case out.PostedID != "":
		conv = out.PostedChannel
		if !dm && out.ThreadID != "" && !strings.Contains(conv, ";messageid=") {
			conv += ";messageid=" + out.ThreadID
		}
		calls = []turnCall{{opUpdate, conv}}
	case !dm:
		conv = out.Channel
		if cr := decodeRef[channelRef](out.Ref.Channel); cr.ConversationID != "" {
			conv = cr.ConversationID
		}
		if out.ThreadID != "" {
			conv += ";messageid=" + out.ThreadID
		}
		calls = []turnCall{{opSend, conv}}
	default:
		if out.UserID == "" {
			return bot.Sent{}, fmt.Errorf("teams: message %d: DM without a recipient", out.MessageID)
		}
		conv = out.DMChannel
		if conv == "" {
			conv = decodeRef[memberRef](out.Ref.Member).ConversationID
		}
		if conv == "" {
			calls = []turnCall{{opCreate, ""}, {opSend, ""}} // the chat is opened first
		} else {
			calls = []turnCall{{opSend, conv}}
		}
	}
	ctx, err := a.client.holdTurns(ctx, deliveryName(out.MessageID, out.Revision), calls...)
	if err != nil {
		return bot.Sent{}, err
	}
	act := cardActivity(out.Card)
	switch {
	case out.PostedID != "":
		if err := a.client.Update(ctx, svc, conv, out.PostedID, act); err != nil {
			return bot.Sent{}, deliverErr(err, dm)
		}
		return bot.Sent{Channel: out.PostedChannel, ID: out.PostedID, DMChannel: out.DMChannel}, nil
	case !dm:
		id, err := a.client.Send(ctx, svc, conv, act)
		if err != nil {
			return bot.Sent{}, deliverErr(err, false)
		}
		return bot.Sent{Channel: out.Channel, ID: id}, nil
	}
	var sent bot.Sent
	if conv == "" {
		// A person who never wrote to the bot (a roster import): open the
		// 1:1 chat, and keep it for next time.
		c, err := a.client.CreatePersonal(ctx, svc, tenant, out.UserID)
		if err != nil {
			return bot.Sent{}, deliverErr(err, true)
		}
		conv = c
		sent.Ref.Member = encodeRef(memberRef{ConversationID: c, UserID: out.UserID})
	}
	id, err := a.client.Send(ctx, svc, conv, act)
	if err != nil {
		return bot.Sent{}, deliverErr(err, true)
	}
	sent.Channel, sent.ID, sent.DMChannel = conv, id, conv
	return sent, nil
}

// Turn implements bot.TurnKeeper: a delivery whose turns are held and
// still further off than Limits.MaxWait snoozes again without being read.
func (a *Adapter) Turn(messageID int64, revision int) (time.Duration, bool) {
	return a.client.heldFor(deliveryName(messageID, revision))
}

// deliveryName names a message revision's delivery across its attempts.
func deliveryName(messageID int64, revision int) string {
	return strconv.FormatInt(messageID, 10) + "/" + strconv.Itoa(revision)
}

// deliverErr keeps bot.ErrUnreachable for DMs only: a channel the bot was
// removed from is not a person to mark unreachable.
func deliverErr(err error, dm bool) error {
	if !dm && errors.Is(err, bot.ErrUnreachable) {
		return fmt.Errorf("teams: the bot cannot post in this channel (removed from the team?): %s", err.Error())
	}
	return err
}

// cardActivity is a message carrying c as an Adaptive Card, with a
// plain-text summary for notifications.
func cardActivity(c *bot.Card) *Activity {
	act := &Activity{Type: "message", Attachments: []Attachment{attachment(renderCard(c))}}
	if c != nil {
		s := c.Title
		if s == "" {
			s = c.Question
		}
		if s == "" {
			s = c.Body
		}
		act.Summary = truncate(bot.ReplaceMentions(s, func(id string) string { return "@" + id }), 120)
	}
	return act
}

// hookReply is what the core showed through a click's hook.
type hookReply struct {
	card *bot.Card
	text string
}

// hook is a click's reply hook (bot.Click.ResponseURL): the invoke that is
// waiting for its answer (Key), and the clicked message, to edit once the
// invoke has been answered.
type hook struct {
	Key        string `json:"k"`
	ServiceURL string `json:"s"`
	Conv       string `json:"c"`
	ActivityID string `json:"a"`
	Expires    int64  `json:"e"`
}

const hookPrefix = "teams-hook:"

func (h hook) String() string {
	b, _ := json.Marshal(h)
	return hookPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func parseHook(s string) (hook, error) {
	var h hook
	raw, ok := strings.CutPrefix(s, hookPrefix)
	if !ok {
		return h, errors.New("teams: not a Teams reply hook")
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, &h) != nil || h.Conv == "" || h.ActivityID == "" {
		return h, errors.New("teams: malformed reply hook")
	}
	return h, nil
}

// newHook opens a hook for an invoke on activityID in conv.
func (a *Adapter) newHook(serviceURL, conv, activityID string) (hook, chan hookReply) {
	var k [12]byte
	_, _ = rand.Read(k[:])
	h := hook{Key: base64.RawURLEncoding.EncodeToString(k[:]), ServiceURL: serviceURL, Conv: conv, ActivityID: activityID,
		Expires: a.opts.Now().Add(hookLife).Unix()}
	ch := make(chan hookReply, 1)
	a.mu.Lock()
	a.waiting[h.Key] = ch
	a.mu.Unlock()
	return h, ch
}

// closeHook stops the invoke of h from taking replies; later ones edit.
func (a *Adapter) closeHook(h hook) {
	a.mu.Lock()
	delete(a.waiting, h.Key)
	a.mu.Unlock()
}

// ReplyToClick implements bot.ClickReplier. The first reply while the
// click's invoke is being answered becomes the invoke's answer: card
// replaces the clicked card at once, without an edit call, and text shows
// to the clicker only. After that, card replaces the clicked message with
// an edit. An expired or malformed hook, or text once the invoke has been
// answered (Teams has no message only one person in a conversation sees),
// is an error: the core then edits the card itself.
func (a *Adapter) ReplyToClick(ctx context.Context, responseURL string, card *bot.Card, text string) error {
	h, err := parseHook(responseURL)
	if err != nil {
		return err
	}
	if a.opts.Now().Unix() > h.Expires {
		return errors.New("teams: the click's reply hook has expired")
	}
	a.mu.Lock()
	ch, open := a.waiting[h.Key]
	delete(a.waiting, h.Key) // one reply per invoke
	a.mu.Unlock()
	if open {
		ch <- hookReply{card: card, text: text} // buffered for its one reply
		return nil
	}
	if card == nil {
		return errors.New("teams: the click's invoke has been answered; no private reply is left")
	}
	return a.client.Update(ctx, h.ServiceURL, h.Conv, h.ActivityID, cardActivity(card))
}

// FindAliases implements bot.AliasFinder: the e-mail and user principal
// name of a person seen for the first time, from the roster API of the
// conversation their activity came from (activities carry the directory
// object id, which Actor.Alias already names, but no e-mail), so that a
// roster imported by e-mail or UPN (roster import --platform teams) finds
// them. An actor with no conversation reference to ask about gives none.
func (a *Adapter) FindAliases(ctx context.Context, actor bot.Actor) ([]string, error) {
	svc := decodeRef[workspaceRef](actor.Refs.Workspace).ServiceURL
	conv := decodeRef[memberRef](actor.Refs.Member).ConversationID
	if cr := decodeRef[channelRef](actor.Refs.Channel); conv == "" {
		conv = cr.TeamID // a team's roster; a channel's conversation id if none
		if conv == "" {
			conv = cr.ConversationID
		}
	}
	if svc == "" || conv == "" {
		return nil, nil
	}
	m, err := a.client.Member(ctx, svc, conv, actor.UserID)
	var ce *ConnectorError
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		return nil, nil // not in that roster (left already): nothing to match
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range []string{m.Email, m.UserPrincipalName, m.AADObjectID} {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
