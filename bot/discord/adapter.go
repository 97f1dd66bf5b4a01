// Package discord is huddlebot's Discord adapter, on
// github.com/bwmarrin/discordgo. It registers the application commands
// (/learn, /huddle, /burst, /feedback, /ask), receives interactions over the
// gateway or as HTTP POSTs to /discord/interactions (Ed25519-verified),
// turns them into the core's neutral commands, clicks and submissions
// (convert.go), and delivers the core's cards as embeds with buttons
// (render.go): prompts as DMs, updates in place, channel posts and replies.
//
// REST calls go through one http.Client whose transport stays under
// Discord's global limit of 50 requests/s and can point the client at
// another base URL (DISCORD_API_URL, for tests). discordgo's own per-route
// buckets stay on; its habit of sleeping through a 429 is turned off so the
// delivery job snoozes for Retry-After instead of holding a worker.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
)

// Platform is the platform name of Discord workspaces; a workspace's
// external id is the guild id.
const Platform = "discord"

// DMWorkspace is the workspace of people who use the bot only in DMs and
// belong to no guild the bot knows (see Options.GuildID).
const DMWorkspace = "dm"

// Discord REST error codes the adapter acts on.
const (
	codeUnknownChannel   = 10003
	codeUnknownUser      = 10013
	codeCannotMessage    = 50007 // DMs closed, or no shared server
	codeUnknownMessage   = 10008
	codeUnknownWebhook   = 10015
	codeUnknownInteract  = 10062
	defaultDeferAfter    = time.Second
	defaultWorkTimeout   = 2 * time.Minute
	defaultReplayTimeout = 500 * time.Millisecond
)

// Options configure the adapter.
type Options struct {
	Token     string // DISCORD_BOT_TOKEN (with or without the "Bot " prefix)
	AppID     string // DISCORD_APP_ID
	PublicKey string // DISCORD_PUBLIC_KEY, hex; required for HTTP interactions
	APIURL    string // DISCORD_API_URL: replaces https://discord.com/api/
	// GuildID (DISCORD_GUILD_ID) registers the commands in that guild only,
	// and is the workspace of interactions that arrive in DMs.
	GuildID string
	// DeferAfter is how long an interaction may run before it is answered
	// with a deferral and finished as a follow-up (default 1s; Discord
	// allows 3s in all). Negative: always defer (tests).
	DeferAfter time.Duration
	// GlobalRate is the proactive global REST limit in requests/s
	// (default 45; Discord's limit is 50). Negative: no limit.
	GlobalRate float64
	// Transport is the underlying HTTP transport (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	Log       *slog.Logger
	// Now is the clock for the signature timestamp window (default time.Now).
	Now func() time.Time
}

// restAPI lists the discordgo calls the adapter makes; *discordgo.Session
// implements it.
type restAPI interface {
	UserChannelCreate(recipientID string, options ...discordgo.RequestOption) (*discordgo.Channel, error)
	RequestWithBucketID(method, urlStr string, data interface{}, bucketID string, options ...discordgo.RequestOption) ([]byte, error)
	ChannelMessageEditComplex(m *discordgo.MessageEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	GuildChannels(guildID string, options ...discordgo.RequestOption) ([]*discordgo.Channel, error)
	InteractionRespond(interaction *discordgo.Interaction, resp *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	InteractionResponseEdit(interaction *discordgo.Interaction, newresp *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ApplicationCommandBulkOverwrite(appID string, guildID string, commands []*discordgo.ApplicationCommand, options ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error)
}

var _ restAPI = (*discordgo.Session)(nil)

// Adapter connects the bot to Discord. It implements bot.Adapter.
type Adapter struct {
	bot       *bot.Bot
	opts      Options
	session   *discordgo.Session
	api       restAPI
	log       *slog.Logger
	publicKey ed25519.PublicKey

	wg       sync.WaitGroup // follow-ups still running
	dmCache  sync.Map       // user id → guild id of a DM actor
	channels sync.Map       // guild/name → channel id
	handler  sync.Once
}

// New returns the adapter for b. It does not connect: call RegisterCommands,
// RunGateway and/or mount Handler.
func New(b *bot.Bot, opts Options) (*Adapter, error) {
	if opts.Token == "" {
		return nil, errors.New("DISCORD_BOT_TOKEN: required")
	}
	if opts.AppID == "" {
		return nil, errors.New("DISCORD_APP_ID: required")
	}
	api, err := parseAPIURL(opts.APIURL)
	if err != nil {
		return nil, err
	}
	a := &Adapter{bot: b, opts: opts, log: opts.Log}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.opts.Now == nil {
		a.opts.Now = time.Now
	}
	if a.opts.DeferAfter == 0 {
		a.opts.DeferAfter = defaultDeferAfter
	}
	if opts.PublicKey != "" {
		k, err := hex.DecodeString(opts.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("DISCORD_PUBLIC_KEY: must be the 64-character hex public key from the Developer Portal")
		}
		a.publicKey = ed25519.PublicKey(k)
	}
	token := opts.Token
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	t := &transport{base: base, api: api, now: time.Now}
	switch rate := opts.GlobalRate; {
	case rate == 0:
		t.limit = newBucket(defaultGlobalRate, defaultGlobalBurst)
	case rate > 0:
		t.limit = newBucket(rate, defaultGlobalBurst)
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: t}
	// A 429 goes back to the delivery job, which snoozes for Retry-After
	// instead of sleeping inside a worker.
	s.ShouldRetryOnRateLimit = false
	s.StateEnabled = false
	s.Identify.Intents = discordgo.IntentsGuilds
	a.session, a.api = s, s
	return a, nil
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

// Session returns the discordgo session (for the gateway, or extra calls).
func (a *Adapter) Session() *discordgo.Session { return a.session }

// Close waits for interaction follow-ups still in flight, or until ctx ends.
func (a *Adapter) Close(ctx context.Context) error {
	return bot.WaitGroup(ctx, &a.wg)
}

// sendBody is a new message with a nonce Discord enforces: a retried send
// whose first try did arrive returns that message instead of a second one.
type sendBody struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// Deliver implements bot.Adapter: a new DM (opening the DM channel unless
// it is cached), a channel post, a reply to a thread parent, or an edit of a
// message sent before. Closed DMs (50007) and unknown users give
// bot.ErrUnreachable; a 429 gives *bot.RateLimitError.
func (a *Adapter) Deliver(ctx context.Context, out *bot.Outbound) (bot.Sent, error) {
	m := renderCard(out.Card)
	if len(m.Dropped) > 0 {
		a.log.WarnContext(ctx, "discord: card actions left out", "message", out.MessageID, "ids", m.Dropped)
	}
	opt := discordgo.WithContext(ctx)
	dm := out.Channel == "dm"
	if out.PostedID != "" {
		edit := &discordgo.MessageEdit{ID: out.PostedID, Channel: out.PostedChannel, Content: &m.Content,
			Embeds: &m.Embeds, Components: &m.Components, AllowedMentions: allowedMentions(m.Mentions)}
		if m.Embeds == nil {
			edit.Embeds = &[]*discordgo.MessageEmbed{}
		}
		if m.Components == nil {
			edit.Components = &[]discordgo.MessageComponent{}
		}
		if _, err := a.api.ChannelMessageEditComplex(edit, opt); err != nil {
			return bot.Sent{}, mapErr(fmt.Sprintf("edit message %s in %s", out.PostedID, out.PostedChannel), err, dm)
		}
		return bot.Sent{Channel: out.PostedChannel, ID: out.PostedID}, nil
	}

	var sent bot.Sent
	ch := out.Channel
	if dm {
		if out.UserID == "" {
			return bot.Sent{}, fmt.Errorf("message %d: DM without a recipient", out.MessageID)
		}
		ch = out.DMChannel
		if ch == "" {
			c, err := a.api.UserChannelCreate(out.UserID, opt)
			if err != nil {
				return bot.Sent{}, mapErr("open DM with "+out.UserID, err, true)
			}
			ch = c.ID
		}
		sent.DMChannel = ch
	} else {
		var err error
		if ch, err = a.channelID(ctx, out.Workspace, ch); err != nil {
			return bot.Sent{}, err
		}
	}
	send := &discordgo.MessageSend{Content: m.Content, Embeds: m.Embeds, Components: m.Components,
		AllowedMentions: allowedMentions(m.Mentions)}
	if out.ThreadID != "" {
		no := false
		send.Reference = &discordgo.MessageReference{MessageID: out.ThreadID, ChannelID: ch, FailIfNotExists: &no}
	}
	msg, err := a.send(ctx, ch, send, fmt.Sprintf("hb-%d", out.MessageID))
	if err != nil && dm && out.DMChannel != "" && restCode(err) == codeUnknownChannel {
		// The cached DM channel is gone: open a fresh one once.
		c, cerr := a.api.UserChannelCreate(out.UserID, opt)
		if cerr != nil {
			return bot.Sent{}, mapErr("open DM with "+out.UserID, cerr, true)
		}
		ch, sent.DMChannel = c.ID, c.ID
		msg, err = a.send(ctx, ch, send, fmt.Sprintf("hb-%d", out.MessageID))
	}
	if err != nil {
		return bot.Sent{}, mapErr("send message to "+ch, err, dm)
	}
	sent.Channel, sent.ID = ch, msg.ID
	return sent, nil
}

func (a *Adapter) send(ctx context.Context, channelID string, m *discordgo.MessageSend, nonce string) (*discordgo.Message, error) {
	for _, e := range m.Embeds {
		e.Type = discordgo.EmbedTypeRich
	}
	ep := discordgo.EndpointChannelMessages(channelID)
	body, err := a.api.RequestWithBucketID(http.MethodPost, ep, sendBody{MessageSend: m, Nonce: nonce, EnforceNonce: true},
		ep, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("decode sent message: %w", err)
	}
	if msg.ID == "" {
		return nil, errors.New("discord returned a message without an id")
	}
	return &msg, nil
}

// channelID resolves a channel the core names: a channel id as is, or a
// channel name ("#trainers", "trainers") looked up in the guild once.
func (a *Adapter) channelID(ctx context.Context, guild, ch string) (string, error) {
	if ch == "" {
		return "", errors.New("discord: message without a channel")
	}
	if strings.Trim(ch, "0123456789") == "" {
		return ch, nil
	}
	name := strings.TrimPrefix(ch, "#")
	key := guild + "/" + name
	if id, ok := a.channels.Load(key); ok {
		return id.(string), nil
	}
	if guild == "" || guild == DMWorkspace {
		return "", fmt.Errorf("discord: channel %q is a name, and there is no guild to look it up in; configure channel ids", ch)
	}
	list, err := a.api.GuildChannels(guild, discordgo.WithContext(ctx))
	if err != nil {
		return "", mapErr("list channels of guild "+guild, err, false)
	}
	for _, c := range list {
		if strings.EqualFold(c.Name, name) && (c.Type == discordgo.ChannelTypeGuildText || c.Type == discordgo.ChannelTypeGuildNews) {
			a.channels.Store(key, c.ID)
			return c.ID, nil
		}
	}
	return "", fmt.Errorf("discord: no text channel named %q in guild %s", name, guild)
}

// mapErr turns a discordgo error into what the delivery job acts on.
func mapErr(what string, err error, dm bool) error {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		d := time.Second
		if rl.RateLimit != nil && rl.TooManyRequests != nil && rl.RetryAfter > 0 {
			d = rl.RetryAfter
		}
		return &bot.RateLimitError{RetryAfter: d}
	}
	if code := restCode(err); dm && (code == codeCannotMessage || code == codeUnknownUser) {
		return fmt.Errorf("discord: %s: %w (code %d)", what, bot.ErrUnreachable, code)
	}
	return fmt.Errorf("discord: %s: %w", what, err)
}

// restCode returns Discord's JSON error code of a REST error, or 0.
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// dmWorkspace decides the workspace of someone acting in a DM, where
// Discord names no guild: Options.GuildID when set; else the guild where
// the bot already knows the person (joined first); else DMWorkspace.
func (a *Adapter) dmWorkspace(ctx context.Context, userID string) string {
	if a.opts.GuildID != "" {
		return a.opts.GuildID
	}
	if g, ok := a.dmCache.Load(userID); ok {
		return g.(string)
	}
	wss, err := a.bot.UserWorkspaces(ctx, Platform, userID)
	if err != nil {
		a.log.WarnContext(ctx, "discord: workspace lookup for a DM failed", "err", err)
		return DMWorkspace
	}
	found, joined := "", false
	for _, ws := range wss {
		if ws.Workspace == DMWorkspace {
			continue
		}
		if found == "" || (ws.Joined && !joined) {
			found, joined = ws.Workspace, ws.Joined
		}
		if joined {
			break
		}
	}
	if found == "" {
		return DMWorkspace
	}
	if joined {
		a.dmCache.Store(userID, found)
	}
	return found
}
