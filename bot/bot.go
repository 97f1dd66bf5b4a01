// Package bot is huddlebot's runtime: it turns neutral events from the chat
// adapters into domain decisions, persists them through store, and posts
// neutral cards that a durable delivery job hands to the adapter.
//
// Data flows one way: platform event → adapter → Bot.HandleCommand /
// HandleClick / HandleSubmit → domain (lessons, huddles) → store → message
// row + River job in the same transaction → adapter.Deliver.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/internal/groupcommit"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Config holds the runtime knobs of the bot.
type Config struct {
	DefaultTimeZone string // workspace default
	// DefaultLanguage is the workspace default language
	// (HUDDLEBOT_LANGUAGE): a shipped language, spoken to members without
	// a shipped language of their own (see Bot.Lang). "" = i18n.Default.
	DefaultLanguage   string
	Spacing           lessons.Spacing // review intervals and nudge delay
	EscalateAfter     time.Duration   // ask-a-super-user: unclaimed → next level
	TrainerChannel    string          // HUDDLEBOT_TRAINER_CHANNEL
	HelpdeskChannel   string          // HUDDLEBOT_HELPDESK_CHANNEL
	VoteKey           []byte          // keys anonymous vote hashes; never stored in the database
	PollRenderEvery   time.Duration   // live tally coalescing (default 2s)
	DeliveryBatchSize int             // members per scheduler transaction
	// DirectAnswers records every quiz answer before acknowledging it,
	// instead of queueing the answers of platforms that acknowledge first
	// (Slack) in the answer inbox.
	DirectAnswers bool
	// SpacingPolicy picks the review rule (HUDDLEBOT_SPACING): trials
	// intervals (default) or adaptive FSRS with the weights and retention in
	// FSRS. FSRS memory is kept under both, so switching keeps history.
	SpacingPolicy lessons.SpacingPolicy
	FSRS          lessons.FSRS
}

func (c *Config) fill() {
	if c.DefaultTimeZone == "" {
		c.DefaultTimeZone = "UTC"
	}
	c.DefaultLanguage = i18n.Resolve("", c.DefaultLanguage)
	if c.Spacing == (lessons.Spacing{}) {
		c.Spacing = lessons.DefaultSpacing
	}
	if c.EscalateAfter == 0 {
		c.EscalateAfter = 10 * time.Minute
	}
	if c.PollRenderEvery == 0 {
		c.PollRenderEvery = 2 * time.Second
	}
	if c.DeliveryBatchSize == 0 {
		c.DeliveryBatchSize = 1000
	}
}

// Bot is the runtime core. Create it with New, add adapters, then Start.
type Bot struct {
	DB     *store.DB
	Config Config
	Log    *slog.Logger
	Jobs   *Jobs

	clock   atomic.Pointer[func() time.Time]
	content atomic.Pointer[contentSet]
	// refreshMu serialises RefreshContent.
	refreshMu sync.Mutex
	mu        sync.RWMutex
	adapters  map[string]Adapter
	wsCache   sync.Map // "platform/external" → *store.Workspace
	wsByID    sync.Map // id → *store.Workspace
	versions  sync.Map // "lesson@version" → *lessons.Lesson (immutable)
	feat      features
	// background counts click confirmations still being posted (Stop
	// waits for them).
	background sync.WaitGroup
	// sigClaims writes concurrent request signature claims together.
	sigClaims *groupcommit.Group[struct{}, store.SignatureNew, claimResult]
	// lookups reads concurrent member look-ups together, per workspace.
	lookups *groupcommit.Group[int64, string, memberResult]
}

type contentSet struct {
	c       *lessons.Content
	planner *lessons.Planner
	version int64 // the database's content version this was loaded at
}

// New returns a bot over db. It does not start jobs or schedules.
func New(db *store.DB, cfg Config, log *slog.Logger) *Bot {
	cfg.fill()
	if log == nil {
		log = slog.Default()
	}
	b := &Bot{DB: db, Config: cfg, Log: log, adapters: map[string]Adapter{}}
	b.feat.commands = map[string]CommandFunc{}
	b.feat.actions = map[string]ActionFunc{}
	b.feat.queues = map[string]QueueFunc{}
	b.feat.forms = map[string]FormFunc{}
	b.sigClaims = groupcommit.New(signatureBatchMax, 30*time.Second, b.claimSignatures)
	b.lookups = groupcommit.New(memberLookupMax, 30*time.Second, b.lookUpMembers)
	b.AddTicker("maintenance", b.maintain)
	now := time.Now
	b.clock.Store(&now)
	db.Now = b.Now
	return b
}

// Now is the bot's clock: the real time, or the sandbox's simulated one.
func (b *Bot) Now() time.Time { return (*b.clock.Load())() }

// SetClock replaces the bot's clock (tests and the sandbox).
func (b *Bot) SetClock(now func() time.Time) { b.clock.Store(&now) }

// AddAdapter registers a platform adapter.
func (b *Bot) AddAdapter(a Adapter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.adapters[a.Platform()] = a
}

// Adapter returns the adapter for a platform, or nil.
func (b *Bot) Adapter(platform string) Adapter {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.adapters[platform]
}

// LoadContent reads the current content from the database and swaps it in.
func (b *Bot) LoadContent(ctx context.Context) error {
	// The version is read first: an import landing in between makes the
	// next RefreshContent load again, never miss it.
	v, err := b.DB.ContentVersion(ctx)
	if err != nil {
		return err
	}
	c, err := b.DB.ContentLoad(ctx)
	if err != nil {
		return err
	}
	b.content.Store(&contentSet{c: c, planner: lessons.NewPlanner(c), version: v})
	return nil
}

// ContentVersion is the database content version the bot's content was
// loaded at (0 before LoadContent).
func (b *Bot) ContentVersion() int64 {
	if cs := b.content.Load(); cs != nil {
		return cs.version
	}
	return 0
}

// RefreshContent reloads the content when an import (the CLI's `content
// import`, another replica's start) changed the database's content version
// since the bot loaded it, and reports whether it did. One small query
// when nothing changed.
func (b *Bot) RefreshContent(ctx context.Context) (bool, error) {
	// The scheduler's tick and the watcher may check at the same moment;
	// one reload is enough.
	b.refreshMu.Lock()
	defer b.refreshMu.Unlock()
	v, err := b.DB.ContentVersion(ctx)
	if err != nil {
		return false, fmt.Errorf("check content version: %w", err)
	}
	if cs := b.content.Load(); cs != nil && cs.version == v {
		return false, nil
	}
	if err := b.LoadContent(ctx); err != nil {
		return false, fmt.Errorf("reload content: %w", err)
	}
	b.Log.InfoContext(ctx, "content reloaded after an import", "version", b.ContentVersion(), "lessons", len(b.Content().Lessons))
	return true, nil
}

// WatchContent keeps this process's content current and tells the
// database (so `burst send` and `burst status` can say whether running
// bots have an import yet): every interval until ctx ends, it refreshes
// the content and checks in as replica id. Every replica runs it, not only
// the one that schedules: all of them answer commands.
func (b *Bot) WatchContent(ctx context.Context, id string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := b.RefreshContent(ctx); err != nil && ctx.Err() == nil {
			b.Log.WarnContext(ctx, "content check failed", "err", err)
		}
		// Wall-clock time: the sandbox clock may run ahead; liveness is real.
		if err := b.DB.ReplicaCheckIn(ctx, id, b.ContentVersion(), time.Now()); err != nil && ctx.Err() == nil {
			b.Log.WarnContext(ctx, "replica check-in failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Content returns the content in use.
func (b *Bot) Content() *lessons.Content {
	if cs := b.content.Load(); cs != nil {
		return cs.c
	}
	return &lessons.Content{Roles: member.DefaultRoles}
}

// Planner returns the planner over the content in use.
func (b *Bot) Planner() *lessons.Planner {
	if cs := b.content.Load(); cs != nil {
		return cs.planner
	}
	return lessons.NewPlanner(&lessons.Content{})
}

// Actor identifies who did something on a platform.
type Actor struct {
	Platform  string // "sandbox", "slack", "discord"
	Workspace string // platform workspace id
	UserID    string
	UserName  string
	// Refs are the adapter's references seen on this event: to the
	// workspace, to the user, and to the event's channel (Command.Channel,
	// Click.Channel). Those set are stored for later deliveries once the
	// core resolves the event's member (a click taken by the answer inbox
	// is not resolved then, so its references wait for the next event).
	Refs Refs
	// Alias is another id a roster may know the person by (Teams: their
	// directory object id): the first time UserID is seen, a member the
	// roster imported under it takes UserID instead of a new member being
	// made. A string, not a list, so actors stay comparable.
	Alias string
	// TimeZone is the person's IANA time zone when the platform sends it
	// with the event (Teams: the activity's localTimezone), "" otherwise.
	// A member who joins without a zone of their own gets it, with no
	// profile look-up.
	TimeZone string
	// Locale is the person's locale when the platform sends it with the
	// event (Discord: the interaction's locale; Teams: the activity's
	// locale), "" otherwise. It becomes the member's language unless they
	// (or a roster) chose one (member.LanguageSource).
	Locale string
}

// Command is a slash command: Name is "learn", "huddle", "burst", "feedback"
// or "ask"; Text is everything after it.
type Command struct {
	Actor
	Channel   string // "dm" or the platform channel id / sandbox channel name
	Name      string
	Text      string
	TriggerID string
}

// Click is a button press or menu choice on a card.
type Click struct {
	Actor
	Channel   string
	ActionID  string
	Value     string // the chosen option of a select
	TriggerID string
	// Queue says the platform acknowledges the click before the card
	// changes, so a quiz answer may be queued in the answer inbox.
	Queue bool
	// ResponseURL is the click's own reply hook (Slack's response_url), ""
	// if none. Through it the clicked card is replaced as soon as the click
	// is recorded (see ClickReplier), instead of a paced edit.
	ResponseURL string
	// PostedID is the clicked message's platform id (Sent.ID), "" if
	// unknown: with ResponseURL, an update of that message made while the
	// click is handled is shown through the hook.
	PostedID string
	// Seen, when set, is the id of the platform event that carried the
	// click, not yet recorded (see SeenEvent). HandleClick records it —
	// with a queued answer, in the same statement — and a click whose
	// event was recorded before changes nothing: its Reply is Replayed.
	Seen string
}

// Submission is a filled-in Form.
type Submission struct {
	Actor
	FormID string
	Text   string
}

// Reply is what only the actor sees, right away (ephemeral).
type Reply struct {
	Text string `json:"text,omitempty"`
	Card *Card  `json:"card,omitempty"`
	Form *Form  `json:"form,omitempty"` // ask the adapter to open this form
	// Confirming says the click changed the clicked card and the change is
	// on its way through the click's reply hook (ClickReplier): an adapter
	// that answers the click with that card (Teams) waits for it only then.
	Confirming bool `json:"-"`
	// Failed says the request changed nothing: it was refused or failed,
	// and Text says why. An adapter can then give a form back with what
	// the person typed instead of losing it.
	Failed bool `json:"-"`
	// Lang is the language of the person the reply is for ("" = the
	// default), set by the core on what Handle* return (and on the Form):
	// an adapter says its own words about the reply (Discord's "Done") in
	// it.
	Lang string `json:"lang,omitempty"`
	// Replayed says the click's event (Click.Seen) was recorded before: a
	// redelivery or replay, which changed nothing.
	Replayed bool `json:"-"`
}

// in returns rep said to a person whose language is lang: Lang set, and
// the form's too, unless the capability set them.
func (rep Reply) in(lang string) Reply {
	if rep.Lang == "" {
		rep.Lang = lang
	}
	if rep.Form != nil && rep.Form.Lang == "" {
		f := *rep.Form
		f.Lang = rep.Lang
		rep.Form = &f
	}
	return rep
}

// Req is a resolved request: the workspace and member behind an Actor.
type Req struct {
	Actor     Actor
	Workspace *store.Workspace
	Member    *member.Member
	Channel   string
	TriggerID string
	// Lang is the language to answer in (Bot.Lang of the member), set by
	// the core; "" = the member's own language or else i18n.Default.
	Lang string
}

// L returns the localizer of the language to answer the request in.
func (r *Req) L() *i18n.Localizer {
	if r.Lang == "" && r.Member != nil {
		return i18n.For(i18n.Resolve(r.Member.Language, i18n.Default))
	}
	return i18n.For(r.Lang)
}

// T says the catalogue's message key in the request's language.
func (r *Req) T(key string, data i18n.Data) string { return r.L().T(key, data) }

// N says the catalogue's plural message key for count, in the request's
// language.
func (r *Req) N(key string, count int, data i18n.Data) string { return r.L().N(key, count, data) }

// Usage is the reply to a malformed command in the request's language:
// its form (the command as typed, which is not translated) and a hint
// (already translated).
func (r *Req) Usage(form, hint string) Reply { return UsageIn(r.L(), form, hint) }

// Lang returns the language to speak to m in: their own when the bot
// ships it, else the workspace default (i18n.Resolve).
func (b *Bot) Lang(m *member.Member) string {
	if m == nil {
		return b.Config.DefaultLanguage
	}
	return b.LangOf(m.Language)
}

// LangOf returns the language to speak to a member whose language tag is
// tag ("" = none): i18n.Resolve with the workspace default.
func (b *Bot) LangOf(tag string) string { return i18n.Resolve(tag, b.Config.DefaultLanguage) }

// Localizer returns the localizer of m's language (Lang).
func (b *Bot) Localizer(m *member.Member) *i18n.Localizer { return i18n.For(b.Lang(m)) }

// UserError is a problem the person can fix. With Key, the edge says the
// catalogue's message in the person's language; otherwise Msg as is.
type UserError struct {
	Msg  string
	Key  string
	Data i18n.Data
}

// Error returns the message in the default language.
func (e *UserError) Error() string { return e.In(i18n.For(i18n.Default)) }

// In returns the message in l's language; Data's Localized values are
// said in it too.
func (e *UserError) In(l *i18n.Localizer) string {
	if e.Key == "" {
		return e.Msg
	}
	data, cloned := e.Data, false
	for k, v := range e.Data {
		if f, ok := v.(Localized); ok {
			if !cloned { // the error may be said in several languages
				data, cloned = maps.Clone(e.Data), true
			}
			data[k] = f(l)
		}
	}
	return l.T(e.Key, data)
}

// Localized is a UserError's data value said in the language of the person
// the error reaches (a date: func(l) string { return l.FullDate(t) }),
// which is not known where the error is made.
type Localized func(l *i18n.Localizer) string

// UserErr returns a *UserError with a formatted message, said as is
// whatever the person's language; prefer UserErrT.
func UserErr(format string, args ...any) error { return &UserError{Msg: fmt.Sprintf(format, args...)} }

// UserErrT returns a *UserError said as the catalogue's message key with
// data, in the language of the person it reaches.
func UserErrT(key string, data i18n.Data) error { return &UserError{Key: key, Data: data} }

// CommandFunc runs a slash command for a resolved request; text is what
// follows the command's name, trimmed.
type CommandFunc func(ctx context.Context, r *Req, text string) (Reply, error)

// ActionFunc runs a click whose action id is "kind:args…"; args are the
// parts after kind and value is the chosen option of a select.
type ActionFunc func(ctx context.Context, r *Req, args []string, value string) (Reply, error)

// FormFunc runs a submission whose form id is "kind:args…".
type FormFunc func(ctx context.Context, r *Req, args []string, text string) (Reply, error)

// TickFunc does a feature's share of the work due at now. It must be safe
// to call again for the same now.
type TickFunc func(ctx context.Context, now time.Time) error

// QueueFunc takes a click that the platform acknowledged before the card
// changes (Click.Queue) and queues it for later; ok false means it did not
// qualify and the click goes to the kind's ActionFunc as usual. With
// c.Seen set it records that event id too (SeenEvent), whether or not the
// click qualifies, or returns ErrReplayed when it was recorded before.
type QueueFunc func(ctx context.Context, c Click, args []string) (ok bool, err error)

// HomeFunc builds a member's personal home view.
type HomeFunc func(ctx context.Context, r *Req) (*Card, error)

// PromptFunc builds the card of a prompt the scheduler decided (one
// delivery row), reading through q (the delivery job's transaction).
type PromptFunc func(ctx context.Context, q store.Queryer, d *store.Delivery) (*Card, error)

// Runner is background work that runs while the job workers run (Jobs.Start
// to Jobs.Stop), such as the answer inbox's applier.
type Runner interface {
	Start(ctx context.Context)
	Stop()
}

type ticker struct {
	name string
	fn   TickFunc
}

// features is what the capability packages registered on one bot; a bot
// starts with none, so every capability a process has is listed where the
// process is put together.
type features struct {
	mu       sync.RWMutex
	commands map[string]CommandFunc
	actions  map[string]ActionFunc
	queues   map[string]QueueFunc
	forms    map[string]FormFunc
	tickers  []ticker
	runners  []Runner
	home     HomeFunc
	prompt   PromptFunc
}

// HandleCommandFunc routes the slash command name to fn.
func (b *Bot) HandleCommandFunc(name string, fn CommandFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.commands[name] = fn
}

// HandleActionFunc routes clicks whose action id starts with "kind:" (or is
// kind) to fn.
func (b *Bot) HandleActionFunc(kind string, fn ActionFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.actions[kind] = fn
}

// HandleQueuedFunc lets fn take queued clicks of kind first (see QueueFunc),
// unless Config.DirectAnswers is set.
func (b *Bot) HandleQueuedFunc(kind string, fn QueueFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.queues[kind] = fn
}

// HandleFormFunc routes submissions whose form id starts with "kind:".
func (b *Bot) HandleFormFunc(kind string, fn FormFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.forms[kind] = fn
}

// AddTicker adds work to every Tick; tickers run in the order they were
// added and an error of one does not stop the others.
func (b *Bot) AddTicker(name string, fn TickFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.tickers = append(b.feat.tickers, ticker{name, fn})
}

// AddRunner adds background work started and stopped with the job workers.
func (b *Bot) AddRunner(r Runner) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.runners = append(b.feat.runners, r)
}

// SetHome sets the builder of members' home views.
func (b *Bot) SetHome(fn HomeFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.home = fn
}

// SetPrompt sets the builder of the scheduler's prompt cards.
func (b *Bot) SetPrompt(fn PromptFunc) {
	b.feat.mu.Lock()
	defer b.feat.mu.Unlock()
	b.feat.prompt = fn
}

// HomeCard returns a member's home view, or an error when no capability
// registered one.
func (b *Bot) HomeCard(ctx context.Context, r *Req) (*Card, error) {
	b.feat.mu.RLock()
	fn := b.feat.home
	b.feat.mu.RUnlock()
	if fn == nil {
		return nil, errors.New("home view: no capability registered one")
	}
	if r.Lang == "" {
		r.Lang = b.Lang(r.Member)
	}
	return fn(ctx, r)
}

func (b *Bot) promptCard(ctx context.Context, q store.Queryer, d *store.Delivery) (*Card, error) {
	b.feat.mu.RLock()
	fn := b.feat.prompt
	b.feat.mu.RUnlock()
	if fn == nil {
		return nil, fmt.Errorf("prompt %d: no capability registered prompts", d.ID)
	}
	return fn(ctx, q, d)
}

func (b *Bot) runners() []Runner {
	b.feat.mu.RLock()
	defer b.feat.mu.RUnlock()
	return append([]Runner(nil), b.feat.runners...)
}

// Commands lists the registered slash command names, sorted.
func (b *Bot) Commands() []string {
	b.feat.mu.RLock()
	defer b.feat.mu.RUnlock()
	var out []string
	for k := range b.feat.commands {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Resolve finds (or creates) the workspace and member behind an actor.
func (b *Bot) Resolve(ctx context.Context, a Actor) (*store.Workspace, *member.Member, error) {
	ws, err := b.Workspace(ctx, a.Platform, a.Workspace)
	if err != nil {
		return nil, nil, err
	}
	m, err := b.memberByUser(ctx, ws.ID, a.UserID)
	if store.IsNotFound(err) && a.Alias != "" {
		if rekeyed, rerr := b.DB.MemberRekey(ctx, ws.ID, a.UserID, []string{a.Alias}); rerr != nil {
			b.Log.WarnContext(ctx, "matching a roster member failed", "err", rerr)
		} else if rekeyed {
			m, err = b.DB.MemberByUser(ctx, b.DB, ws.ID, a.UserID)
		}
	}
	if store.IsNotFound(err) {
		if af, ok := b.Adapter(a.Platform).(AliasFinder); ok && b.rekeyByFoundAliases(ctx, af, ws, a) {
			m, err = b.DB.MemberByUser(ctx, b.DB, ws.ID, a.UserID)
		}
	}
	if store.IsNotFound(err) {
		m, err = b.DB.MemberEnsure(ctx, ws.ID, a.UserID, a.UserName)
	}
	if err != nil {
		return nil, nil, err
	}
	b.AdoptLocale(ctx, m, a.Locale)
	return ws, m, nil
}

// AdoptLocale makes a platform's locale for m (Discord, Teams, a Slack
// profile) their language when they have none of their own and neither
// did a roster set one (member.LanguageSource), and updates m. Nothing is
// written when it is what m has already; a failure is logged, never the
// request's: the person is answered in the language they had.
func (b *Bot) AdoptLocale(ctx context.Context, m *member.Member, locale string) {
	if locale == "" || !member.LanguagePlatform.Overrides(m.LanguageSource) {
		return
	}
	tag, err := i18n.Canonical(locale)
	if err != nil || (tag == m.Language && m.LanguageSource == member.LanguagePlatform) {
		return
	}
	changed, err := b.DB.MemberSetLanguage(ctx, b.DB, m.ID, tag, member.LanguagePlatform)
	if err != nil {
		b.Log.WarnContext(ctx, "storing a platform locale failed", "member", m.ID, "err", err)
		return
	}
	if changed {
		m.Language, m.LanguageSource = tag, member.LanguagePlatform
	}
}

// aliasLookupTimeout bounds the platform call that names a new person's
// other ids: it runs once per person, on their first event.
const aliasLookupTimeout = 2 * time.Second

// rekeyByFoundAliases gives a person seen for the first time the roster
// member that one of the ids af finds for them names (e-mail, UPN), and
// reports whether it did. A failed look-up is logged: the person then
// becomes a new member, as without a roster.
func (b *Bot) rekeyByFoundAliases(ctx context.Context, af AliasFinder, ws *store.Workspace, a Actor) bool {
	lctx, cancel := context.WithTimeout(WithWaitBudget(ctx, aliasLookupTimeout), aliasLookupTimeout)
	defer cancel()
	aliases, err := af.FindAliases(lctx, a)
	if err != nil {
		b.Log.WarnContext(ctx, "looking up a new person's e-mail for the roster failed", "user", a.UserID, "err", err)
		return false
	}
	if len(aliases) == 0 {
		return false
	}
	rekeyed, err := b.DB.MemberRekey(ctx, ws.ID, a.UserID, aliases)
	if err != nil {
		b.Log.WarnContext(ctx, "matching a roster member by e-mail failed", "err", err)
		return false
	}
	return rekeyed
}

// memberLookupMax is how many member look-ups one query takes.
const memberLookupMax = 500

// memberByUser is DB.MemberByUser for the requests in flight: look-ups
// that arrive while an earlier batch of them is being read are read
// together, one query per workspace and batch (every click and command
// starts with one). Each caller gets a member of its own.
func (b *Bot) memberByUser(ctx context.Context, workspaceID int64, userID string) (*member.Member, error) {
	r, err := b.lookups.Do(ctx, workspaceID, userID)
	if err != nil {
		return nil, err
	}
	return r.m, r.err
}

// memberResult is one member look-up's answer.
type memberResult struct {
	m   *member.Member
	err error
}

func (b *Bot) lookUpMembers(ctx context.Context, workspaceID int64, userIDs []string) []memberResult {
	out := make([]memberResult, len(userIDs))
	ms, err := b.DB.MembersByUser(ctx, workspaceID, slices.Compact(slices.Sorted(slices.Values(userIDs))))
	byUser := make(map[string]*member.Member, len(ms))
	for _, m := range ms {
		byUser[m.UserID] = m
	}
	for i, u := range userIDs {
		switch m := byUser[u]; {
		case err != nil:
			out[i].err = err
		case m == nil:
			out[i].err = fmt.Errorf("get member %s: %w", u, store.ErrNotFound)
		default:
			c := *m
			out[i].m = &c
		}
	}
	return out
}

// Workspace finds (or creates) a workspace by platform and external id,
// cached.
func (b *Bot) Workspace(ctx context.Context, platform, external string) (*store.Workspace, error) {
	key := platform + "/" + external
	if w, ok := b.wsCache.Load(key); ok {
		return w.(*store.Workspace), nil
	}
	w, err := b.DB.WorkspaceEnsure(ctx, platform, external, b.Config.DefaultTimeZone)
	if err != nil {
		return nil, err
	}
	b.wsCache.Store(key, w)
	b.wsByID.Store(w.ID, w)
	return w, nil
}

// WorkspaceByID returns a workspace, cached.
func (b *Bot) WorkspaceByID(ctx context.Context, id int64) (*store.Workspace, error) {
	if w, ok := b.wsByID.Load(id); ok {
		return w.(*store.Workspace), nil
	}
	w, err := b.DB.WorkspaceGet(ctx, id)
	if err != nil {
		return nil, err
	}
	b.wsByID.Store(id, w)
	return w, nil
}

// HandleCommand runs a slash command and returns the ephemeral reply. A
// malformed command gets a usage hint; an internal failure gets a short
// apology while the cause is logged once.
func (b *Bot) HandleCommand(ctx context.Context, c Command) Reply {
	start := time.Now()
	defer func() { observeAck("command", start) }()
	c.Actor, c.Text = cleanActor(c.Actor), clean.Text(c.Text)
	b.feat.mu.RLock()
	fn, ok := b.feat.commands[strings.TrimPrefix(c.Name, "/")]
	b.feat.mu.RUnlock()
	ws, m, err := b.Resolve(ctx, c.Actor)
	if err != nil {
		return b.failure(ctx, b.Localizer(nil), "resolve", err)
	}
	l := b.Localizer(m)
	if !ok {
		return Reply{Text: l.T("core.unknown_command", i18n.Data{"Command": strings.TrimPrefix(c.Name, "/")}), Lang: l.Lang()}
	}
	ws = b.keepRefs(ctx, ws, m.ID, c.Channel, c.Refs)
	r := &Req{Actor: c.Actor, Workspace: ws, Member: m, Channel: c.Channel, TriggerID: c.TriggerID, Lang: l.Lang()}
	rep, err := fn(ctx, r, strings.TrimSpace(c.Text))
	if err != nil {
		return b.failure(ctx, r.L(), "/"+c.Name, err)
	}
	return rep.in(r.Lang)
}

// HandleClick routes a button press. Clicks on stale or foreign cards get a
// clear message and change nothing.
func (b *Bot) HandleClick(ctx context.Context, c Click) Reply {
	start := time.Now()
	defer func() { observeAck("click", start) }()
	c.Actor, c.ActionID, c.Value = cleanActor(c.Actor), clean.Text(c.ActionID), clean.Text(c.Value)
	id, value := c.ActionID, c.Value
	if sel, v, ok := strings.Cut(id, "="); ok && value == "" {
		id, value = sel, v
	}
	parts := strings.Split(id, ":")
	b.feat.mu.RLock()
	fn, ok := b.feat.actions[parts[0]]
	queue := b.feat.queues[parts[0]]
	b.feat.mu.RUnlock()
	if !ok {
		l := b.ActorLocalizer(ctx, c.Actor)
		return Reply{Text: l.T("core.dead_button", nil), Lang: l.Lang()}
	}
	if c.Queue && queue != nil && !b.Config.DirectAnswers {
		queued, err := queue(ctx, c, parts[1:])
		if errors.Is(err, ErrReplayed) {
			return Reply{Replayed: true}
		}
		if err != nil {
			return b.failure(ctx, b.ActorLocalizer(ctx, c.Actor), "queue answer", err)
		}
		c.Seen = "" // recorded with the queued click, or without it
		if queued {
			// The card updates in place with the result, through the
			// click's reply hook once the applier has recorded it (an
			// adapter that answers the click with that card waits for it).
			return Reply{Confirming: c.ResponseURL != ""}
		}
	}
	if c.Seen != "" {
		if dup, err := b.SeenEvent(ctx, c.Platform, c.Seen); err != nil {
			// The core's own idempotency still holds (an answered question
			// stays answered): let the click through.
			b.Log.WarnContext(ctx, "replay check skipped", "platform", c.Platform, "err", err)
		} else if dup {
			return Reply{Replayed: true}
		}
	}
	ws, m, err := b.Resolve(ctx, c.Actor)
	if err != nil {
		return b.failure(ctx, b.Localizer(nil), "resolve", err)
	}
	ws = b.keepRefs(ctx, ws, m.ID, c.Channel, c.Refs)
	r := &Req{Actor: c.Actor, Workspace: ws, Member: m, Channel: c.Channel, TriggerID: c.TriggerID, Lang: b.Lang(m)}
	hctx, hook := b.withClickHook(ctx, c, ws.ID)
	rep, err := fn(hctx, r, parts[1:], value)
	if err != nil {
		return b.failure(ctx, r.L(), "click "+parts[0], err)
	}
	if hook != nil && hook.pending != nil {
		// Committed: show the clicked card's change through the hook now,
		// beside the acknowledgement, not after it.
		cs := []Confirmation{*hook.pending}
		cctx := context.WithoutCancel(ctx)
		b.background.Add(1)
		go func() {
			defer b.background.Done()
			b.ConfirmClicks(cctx, cs)
		}()
		rep.Confirming = true
	}
	return rep.in(r.Lang)
}

// HandleSubmit routes a filled-in form.
func (b *Bot) HandleSubmit(ctx context.Context, s Submission) Reply {
	s.Actor, s.FormID, s.Text = cleanActor(s.Actor), clean.Text(s.FormID), clean.Text(s.Text)
	parts := strings.Split(s.FormID, ":")
	b.feat.mu.RLock()
	fn, ok := b.feat.forms[parts[0]]
	b.feat.mu.RUnlock()
	ws, m, err := b.Resolve(ctx, s.Actor)
	if err != nil {
		return b.failure(ctx, b.Localizer(nil), "resolve", err)
	}
	if !ok {
		l := b.Localizer(m)
		return Reply{Text: l.T("core.form_expired", nil), Lang: l.Lang()}
	}
	ws = b.keepRefs(ctx, ws, m.ID, "", s.Refs)
	r := &Req{Actor: s.Actor, Workspace: ws, Member: m, Lang: b.Lang(m)}
	rep, err := fn(ctx, r, parts[1:], s.Text)
	if err != nil {
		return b.failure(ctx, r.L(), "form "+parts[0], err)
	}
	return rep.in(r.Lang)
}

// cleanActor normalises the text parts of an actor (a display name is typed
// by its owner; ids come from the platform but are cleaned all the same).
func cleanActor(a Actor) Actor {
	a.Workspace, a.UserID, a.UserName = clean.Text(a.Workspace), clean.Text(a.UserID), clean.Text(a.UserName)
	if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "" || a.TimeZone == "Local" {
		a.TimeZone = "" // not an IANA zone this server knows
	}
	return a
}

// failure turns a request's error into the reply that says so, in l's
// language: a *UserError's message, or a short apology while the cause is
// logged once.
func (b *Bot) failure(ctx context.Context, l *i18n.Localizer, what string, err error) Reply {
	var ue *UserError
	if errors.As(err, &ue) {
		return Reply{Text: ue.In(l), Failed: true, Lang: l.Lang()}
	}
	b.Log.ErrorContext(ctx, "request failed", "what", what, "err", err)
	if errors.Is(err, store.ErrUnavailable) {
		return Reply{Text: l.T("core.error.database", nil), Failed: true, Lang: l.Lang()}
	}
	return Reply{Text: l.T("core.error.internal", nil), Failed: true, Lang: l.Lang()}
}

// ActorLocalizer returns the localizer of the member behind an actor (a
// look-up read together with the others in flight), for words said before
// a request is resolved or without resolving it; the workspace default when
// the person is not a member yet or the look-up fails.
func (b *Bot) ActorLocalizer(ctx context.Context, a Actor) *i18n.Localizer {
	return i18n.For(b.ActorLang(ctx, a))
}

// ActorLang is ActorLocalizer's language: the member's own language, else
// the locale the platform sent with the event (Actor.Locale), else the
// workspace default.
func (b *Bot) ActorLang(ctx context.Context, a Actor) string {
	tag := a.Locale
	if ws, err := b.Workspace(ctx, a.Platform, a.Workspace); err == nil {
		if m, err := b.memberByUser(ctx, ws.ID, a.UserID); err == nil && m.Language != "" {
			tag = m.Language
		}
	}
	return b.LangOf(tag)
}

// Tick does everything that is due at now: every registered ticker, in the
// order they were added (the day's prompts, nudges, huddle reminders, poll
// closes, escalations…). It is safe to call again for the same now.
func (b *Bot) Tick(ctx context.Context, now time.Time) error {
	b.feat.mu.RLock()
	ts := append([]ticker(nil), b.feat.tickers...)
	b.feat.mu.RUnlock()
	var errs []error
	// Plan with the content as imported now, not as it was at start-up: a
	// trainer's import and burst must not wait for a restart.
	if _, err := b.RefreshContent(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, t := range ts {
		if err := t.fn(ctx, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.name, err))
		}
	}
	return errors.Join(errs...)
}

// RequireT refuses with a clear message in the request's language (a
// *UserError) when the member lacks p; whatKey is the catalogue key of
// what they tried, an infinitive phrase ("host huddles").
func (r *Req) RequireT(p member.Permission, whatKey string) error {
	if r.Member.Has(p) {
		return nil
	}
	return UserErrT("core.permission.only", i18n.Data{"Who": r.T(permWho[p], nil), "What": r.T(whatKey, nil)})
}

var permWho = map[member.Permission]string{
	member.PermSuperUser: "core.permission.super_users",
	member.PermTrainer:   "core.permission.trainers",
	member.PermAdmin:     "core.permission.admins",
}
