package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/store"
)

// Jobs is the durable delivery queue (River over the same database). Every
// outbound message is one job, inserted in the transaction that decided to
// send it, unique per (message, revision), retried with backoff and snoozed
// for Retry-After on a platform rate limit.
type Jobs struct {
	client *river.Client[*sql.Tx]
	db     *store.DB
	bot    *Bot
	work   bool
	listen *pgxpool.Pool // the connection River listens on, or nil (polling only)
}

// SendArgs is the job that delivers (or updates) one message.
type SendArgs struct {
	MessageID int64 `json:"message_id"`
	Revision  int   `json:"revision"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "send_message" }

// InsertOpts makes a message revision's job unique, so a retried transaction
// or a second scheduler can never queue a second send.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PromptArgs is the job that delivers one prompt (a row of delivery). The
// prompt's message is created by the job itself, from the lesson version the
// delivery recorded, so the scheduler writes only the delivery and this job
// when a whole workforce falls due at 08:30. Uniqueness comes from the
// delivery: the job is inserted only in the transaction that created it.
type PromptArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (PromptArgs) Kind() string { return "send_prompt" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PromptArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

func driverFor(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Backend == store.SQLite {
		return riversqlite.New(db.DB.DB)
	}
	return riverdatabasesql.New(db.DB.DB)
}

// listenPollInterval is how often River looks for jobs on PostgreSQL when
// it also listens for them: a job inserted anywhere (in a transaction of
// this process, another replica, the CLI) notifies at its commit, and a
// worker that finishes fetches the next at once, so the poll only finds
// snoozed jobs whose time has come (late by at most this) and any
// notification lost while the listener reconnected.
const listenPollInterval = time.Second

// pollInterval is how often River looks for jobs without a listener
// (SQLite; PostgreSQL without JobsOptions.ListenURL): every job inserted
// in a transaction waits for this poll.
const pollInterval = 100 * time.Millisecond

// MigrateJobs applies River's own migrations.
func MigrateJobs(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(driverFor(db), &rivermigrate.Config{Logger: quietLogger()})
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError + 4}))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// JobsOptions tunes the worker side of the queue.
type JobsOptions struct {
	Work          bool // run workers; false = insert only (CLI)
	MaxWorkers    int
	FetchCooldown time.Duration
	PollInterval  time.Duration
	Logger        *slog.Logger
	// Timeout bounds one delivery attempt (default 30 s). A job left
	// running by a process that died (a crash, SIGKILL, a lost node) is
	// retried once it has been running for twice this long, rather than
	// after River's default of an hour; the retry looks for the message the
	// dead attempt may already have posted before posting it.
	Timeout time.Duration
	// ListenURL, on PostgreSQL, is the database's URL (the same database
	// and schema as the store's): River then LISTENs on one connection of
	// its own for new jobs and polls every listenPollInterval instead of
	// every pollInterval — an idle process's largest cost (measured in
	// bench teams-fanout). Empty: River polls only.
	ListenURL string
}

// DefaultJobTimeout is JobsOptions.Timeout's default.
const DefaultJobTimeout = 30 * time.Second

// NewJobs creates the queue client for b. With opts.Work it also runs the
// delivery workers once Start is called.
func NewJobs(b *Bot, opts JobsOptions) (*Jobs, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultJobTimeout
	}
	cfg := &river.Config{
		Logger:               opts.Logger,
		JobTimeout:           timeout,
		RescueStuckJobsAfter: 2 * timeout,
	}
	if cfg.Logger == nil {
		// River's warnings and errors (a job that failed, a snooze storm)
		// reach the operator's log; its info chatter does not.
		cfg.Logger = slog.New(minLevel{h: b.Log.Handler(), min: slog.LevelWarn})
	}
	if opts.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &sendWorker{b: b})
		river.AddWorker(workers, &promptWorker{b: b})
		river.AddWorker(workers, &editWorker{b: b})
		river.AddWorker(workers, &profileWorker{b: b})
		n := opts.MaxWorkers
		if n == 0 {
			n = 50
			if b.DB.Backend == store.SQLite {
				n = 4
			}
		}
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		// Over database/sql River polls instead of listening; its defaults
		// (100 ms cooldown, 1 s poll) cap throughput near 500 jobs/s.
		cfg.FetchCooldown = opts.FetchCooldown
		if cfg.FetchCooldown == 0 {
			cfg.FetchCooldown = 5 * time.Millisecond
		}
		cfg.FetchPollInterval = opts.PollInterval
		if cfg.FetchPollInterval == 0 {
			cfg.FetchPollInterval = pollInterval
		}
	}
	driver := driverFor(b.DB)
	var listen *pgxpool.Pool
	if opts.Work && opts.ListenURL != "" && b.DB.Backend == store.Postgres {
		pc, err := pgxpool.ParseConfig(opts.ListenURL)
		if err != nil {
			return nil, fmt.Errorf("job queue listener: %s: %w", store.MaskURL(opts.ListenURL), err)
		}
		// River takes the one connection it listens on out of the pool
		// for good.
		pc.MinConns, pc.MaxConns = 0, 1
		if listen, err = pgxpool.NewWithConfig(context.Background(), pc); err != nil {
			return nil, fmt.Errorf("job queue listener: %w", err)
		}
		driver = riverdatabasesql.NewWithPgxListener(b.DB.DB.DB, listen)
		if opts.PollInterval == 0 {
			cfg.FetchPollInterval = listenPollInterval
		}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		if listen != nil {
			listen.Close()
		}
		return nil, fmt.Errorf("job queue: %w", err)
	}
	j := &Jobs{client: client, db: b.DB, bot: b, work: opts.Work, listen: listen}
	b.Jobs = j
	return j, nil
}

// Start runs the workers, and the applier of queued answers, until Stop.
func (j *Jobs) Start(ctx context.Context) error {
	if err := j.client.Start(ctx); err != nil {
		return err
	}
	if j.work {
		for _, r := range j.bot.runners() {
			r.Start(ctx)
		}
	}
	return nil
}

// Stop waits for running jobs to finish (or ctx to end).
func (j *Jobs) Stop(ctx context.Context) error {
	for _, r := range j.bot.runners() {
		r.Stop()
	}
	done := make(chan struct{})
	go func() { j.bot.background.Wait(); close(done) }()
	select {
	case <-done: // click confirmations posted
	case <-ctx.Done():
	}
	err := j.client.Stop(ctx)
	if j.listen != nil {
		j.listen.Close()
	}
	return err
}

// EnqueueTx queues the send of each (message, revision) in tx.
func (j *Jobs) EnqueueTx(ctx context.Context, tx *store.Tx, sends ...SendArgs) error {
	if len(sends) == 0 {
		return nil
	}
	if _, err := j.client.InsertManyTx(ctx, tx.Tx.Tx, sendParams(sends)); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// sendParams are River's insert parameters for sends.
func sendParams(sends []SendArgs) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(sends))
	for i, s := range sends {
		params[i] = river.InsertManyParams{Args: s}
	}
	return params
}

// EnqueuePromptsTx queues the first send of each new delivery in tx.
func (j *Jobs) EnqueuePromptsTx(ctx context.Context, tx *store.Tx, deliveryIDs []int64) error {
	if len(deliveryIDs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(deliveryIDs))
	for i, id := range deliveryIDs {
		params[i] = river.InsertManyParams{Args: PromptArgs{DeliveryID: id}}
	}
	// Prompt jobs carry no unique options (the delivery is the unique
	// record), so River's fast path applies: no rows returned to decode.
	if _, err := j.client.InsertManyFastTx(ctx, tx.Tx.Tx, params); err != nil {
		return fmt.Errorf("enqueue prompts: %w", err)
	}
	return nil
}

// WaitIdle blocks until no delivery job is waiting or running, or timeout.
func (j *Jobs) WaitIdle(ctx context.Context, timeout time.Duration) error {
	return WaitZero(ctx, timeout, "jobs still queued", j.db.JobQueueDepth)
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	b *Bot
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	if d, ok := w.b.heldTurn(job.Args); ok {
		return river.JobSnooze(d)
	}
	return snoozeOnRateLimit(w.b.deliverMessage(ctx, job.Args, job.Attempt))
}

// heldTurn asks the adapters that keep turns whether the delivery of s is
// to snooze again (its turn is still far off), before anything is read.
func (b *Bot) heldTurn(s SendArgs) (time.Duration, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, a := range b.adapters {
		if tk, ok := a.(TurnKeeper); ok {
			if d, ok := tk.Turn(s.MessageID, s.Revision); ok {
				return d, true
			}
		}
	}
	return 0, false
}

// snoozeOnRateLimit turns a platform's rate limit into a snooze for its
// Retry-After (which does not use up an attempt); other errors are retried
// with River's backoff.
func snoozeOnRateLimit(err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return river.JobSnooze(rl.RetryAfter)
	}
	return err
}

type promptWorker struct {
	river.WorkerDefaults[PromptArgs]
	b *Bot
}

func (w *promptWorker) Work(ctx context.Context, job *river.Job[PromptArgs]) error {
	return snoozeOnRateLimit(w.b.deliverPrompt(ctx, job.Args.DeliveryID, job.Attempt))
}

// deliverPrompt creates the message of a prompt (once: a retry finds the
// message of the attempt before) and sends it. A prompt cancelled or expired
// before its message was created is not sent late.
func (b *Bot) deliverPrompt(ctx context.Context, deliveryID int64, attempt int) error {
	var msg *store.Message
	var card *Card
	var rcpt store.Recipient
	created := false
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		// Locked: another attempt (a rescued job) cannot create it twice.
		d, r, err := b.DB.DeliveryForSend(ctx, tx, deliveryID)
		if err != nil {
			return err
		}
		rcpt = r
		msg, created = &store.Message{ID: d.MessageID}, false
		if d.MessageID != 0 || d.Status != store.DeliveryPending {
			return nil
		}
		card, err = b.promptCard(ctx, tx, d)
		if err != nil {
			return err
		}
		msg = &store.Message{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID, Channel: "dm", Card: card.Marshal(), Revision: 1}
		msg.ID, err = b.DB.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID,
			Channel: "dm", DeliveryID: d.ID, Card: msg.Card})
		created = err == nil
		return err
	})
	switch {
	case err != nil || msg.ID == 0:
		return err
	case !created:
		return b.deliverMessage(ctx, SendArgs{MessageID: msg.ID, Revision: 1}, attempt)
	}
	// Just created: send it from memory rather than reading it back.
	return b.send(ctx, msg, card, attempt, &rcpt)
}

// deliverMessage hands the newest revision of a message to its platform's
// adapter and records where it landed. An older job for a message that has
// since been sent at a newer revision does nothing.
func (b *Bot) deliverMessage(ctx context.Context, args SendArgs, attempt int) error {
	msg, err := b.DB.MessageGet(ctx, b.DB, args.MessageID)
	if err != nil {
		return err
	}
	if msg.SentRevision >= args.Revision {
		return nil
	}
	if msg.SentRevision == 0 && msg.PlatformTS == "" && args.Revision > 1 && attempt < 5 {
		// The first post is still in flight in another job; posting here
		// could double it. Try again shortly (that job sends the newest card).
		return &RateLimitError{RetryAfter: time.Second}
	}
	if msg.SentRevision == 0 && msg.PlatformTS == "" && msg.Channel == "dm" && msg.MemberID != 0 {
		// An all-at-once burst is one job per item; the file's order must
		// be the order in which people receive them.
		wait, err := b.DB.BurstItemWaitingTurn(ctx, b.DB, msg.ID, b.DB.Now().Add(-burstTurnPatience))
		if err != nil {
			return err
		}
		if wait {
			return river.JobSnooze(burstTurnWait)
		}
	}
	card, err := ParseCard(msg.Card)
	if err != nil {
		return err
	}
	return b.send(ctx, msg, card, attempt, nil)
}

// A burst item waits burstTurnWait at a time for the item before it to
// reach the chat, but not for one recorded more than burstTurnPatience ago
// (stuck behind an outage: the rest of the burst goes out anyway).
const (
	burstTurnWait     = 200 * time.Millisecond
	burstTurnPatience = 10 * time.Minute
)

// send posts (or edits) msg with card through its platform's adapter and
// records where it landed. rcpt is the DM's recipient when the caller has
// read it already.
func (b *Bot) send(ctx context.Context, msg *store.Message, card *Card, attempt int, rcpt *store.Recipient) error {
	posted, platform, err := b.hand(ctx, msg, card, attempt, rcpt)
	if err != nil || posted == nil {
		return err
	}
	if err := b.DB.MessagePosted(ctx, *posted); err != nil {
		return err
	}
	if posted.First {
		metricDeliveries.WithLabelValues(platform, "sent").Inc()
	}
	return nil
}

// hand gives msg to its platform's adapter and returns what to record
// about where it landed (nil when there is nothing to record: a member who
// turned out unreachable, handled here) and the platform's name.
func (b *Bot) hand(ctx context.Context, msg *store.Message, card *Card, attempt int, rcpt *store.Recipient) (*store.Posted, string, error) {
	ws, err := b.WorkspaceByID(ctx, msg.WorkspaceID)
	if err != nil {
		return nil, "", err
	}
	a := b.Adapter(ws.Platform)
	if a == nil {
		return nil, "", fmt.Errorf("no %s adapter configured for message %d", ws.Platform, msg.ID)
	}
	out := &Outbound{
		MessageID: msg.ID, Revision: msg.Revision, Attempt: attempt, Workspace: ws.ExternalID,
		Channel: msg.Channel, Card: card, PostedChannel: msg.PlatformChannel, PostedID: msg.PlatformTS,
		Ref: Refs{Workspace: ws.Ref},
	}
	if msg.Channel != "dm" {
		if out.Ref.Channel, err = b.DB.ChannelRef(ctx, ws.ID, msg.Channel); err != nil {
			return nil, "", err
		}
	}
	if msg.Channel == "dm" && (msg.PlatformTS == "" || msg.PlatformChannel == "") {
		// A first post needs the recipient (reachable? which user?); an edit
		// of a posted DM has its channel and ts already.
		if rcpt == nil {
			r, err := b.DB.MemberRecipient(ctx, msg.MemberID)
			if err != nil {
				return nil, "", err
			}
			rcpt = &r
		}
		r := rcpt
		if !r.Reachable && msg.PlatformTS == "" {
			return nil, "", b.DB.DeliveryMarkFailed(ctx, b.DB, msg.ID)
		}
		out.UserID, out.DMChannel, out.Ref.Member = r.UserID, r.DMChannel, r.Ref
	}
	if msg.ThreadOf != 0 {
		parent, err := b.DB.MessageGet(ctx, b.DB, msg.ThreadOf)
		if err != nil {
			return nil, "", err
		}
		if parent.PlatformTS == "" && attempt < 10 {
			return nil, "", &RateLimitError{RetryAfter: time.Second}
		}
		out.ThreadID = parent.PlatformTS
	}
	sent, err := a.Deliver(ctx, out)
	if errors.Is(err, ErrUnreachable) {
		metricDeliveries.WithLabelValues(ws.Platform, "unreachable").Inc()
		return nil, "", b.markUnreachable(ctx, msg)
	}
	if err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			metricDeliveries.WithLabelValues(ws.Platform, "rate_limited").Inc()
		} else {
			metricDeliveries.WithLabelValues(ws.Platform, "failed").Inc()
		}
		return nil, "", err
	}
	posted := &store.Posted{MessageID: msg.ID, Revision: msg.Revision, PlatformChannel: sent.Channel, PlatformTS: sent.ID,
		First: msg.SentRevision == 0, At: b.Now()}
	if sent.DMChannel != "" && sent.DMChannel != out.DMChannel && msg.MemberID != 0 {
		posted.MemberID, posted.DMChannel = msg.MemberID, sent.DMChannel
	}
	if r := sent.Ref.Member; r != "" && r != out.Ref.Member && msg.MemberID != 0 && msg.Channel == "dm" {
		// Recorded with the post (one statement on PostgreSQL), not apart.
		posted.MemberID, posted.MemberRef = msg.MemberID, r
		sent.Ref.Member = ""
	}
	if sent.Ref != (Refs{}) {
		b.keepSentRefs(ctx, ws, msg, out, sent.Ref)
	}
	return posted, ws.Platform, nil
}

// markUnreachable stops retrying a member whose DMs are closed, and tells
// them once, in the channel where they joined.
func (b *Bot) markUnreachable(ctx context.Context, msg *store.Message) error {
	m, err := b.DB.MemberGet(ctx, b.DB, msg.MemberID)
	if err != nil {
		return err
	}
	return b.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := b.DB.DeliveryMarkFailed(ctx, tx, msg.ID); err != nil {
			return err
		}
		if !m.Reachable {
			return nil
		}
		f := false
		if err := b.DB.MemberUpdate(ctx, tx, m.ID, store.MemberSettings{Reachable: &f}); err != nil {
			return err
		}
		if m.HomeChannel == "" {
			return nil
		}
		_, err := b.Post(ctx, tx, Post{WorkspaceID: msg.WorkspaceID, Channel: m.HomeChannel, Card: &Card{
			Body: b.Localizer(m).T("core.dms_closed", i18n.Data{"Mention": Mention(m.UserID)}),
		}})
		return err
	})
}

// Post is a message to create.
type Post struct {
	WorkspaceID int64
	MemberID    int64  // DM recipient
	Channel     string // "dm" (with MemberID) or a channel
	ThreadOf    int64
	DeliveryID  int64 // the prompt this message carries
	Card        *Card
}

// Post records a message and queues its delivery in tx; it returns the
// message's id.
func (b *Bot) Post(ctx context.Context, tx *store.Tx, p Post) (int64, error) {
	ids, err := b.PostMany(ctx, tx, []Post{p})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// PostMany records messages and queues their delivery in tx; it returns
// their ids in order.
func (b *Bot) PostMany(ctx context.Context, tx *store.Tx, ps []Post) ([]int64, error) {
	news := make([]store.MessageNew, len(ps))
	for i, p := range ps {
		ch := p.Channel
		if ch == "" {
			ch = "dm"
		}
		news[i] = store.MessageNew{WorkspaceID: p.WorkspaceID, MemberID: p.MemberID, Channel: ch, ThreadOf: p.ThreadOf,
			DeliveryID: p.DeliveryID, Card: p.Card.Marshal()}
	}
	ids, err := b.DB.MessageCreateMany(ctx, tx, news)
	if err != nil {
		return nil, err
	}
	sends := make([]SendArgs, len(ids))
	for i, id := range ids {
		sends[i] = SendArgs{MessageID: id, Revision: 1}
	}
	if b.Jobs == nil {
		return nil, errors.New("job queue not configured")
	}
	return ids, b.Jobs.EnqueueTx(ctx, tx, sends...)
}

// Update replaces a message's card and queues the edit in tx. Inside a
// click's handler, the clicked message's new card is shown through the
// click's reply hook when it has one (see updateClicked).
func (b *Bot) Update(ctx context.Context, tx *store.Tx, messageID int64, c *Card) error {
	if done, err := b.updateClicked(ctx, tx, messageID, c); done || err != nil {
		return err
	}
	rev, err := b.DB.MessageUpdate(ctx, tx, messageID, c.Marshal())
	if err != nil {
		return err
	}
	return b.Jobs.EnqueueTx(ctx, tx, SendArgs{MessageID: messageID, Revision: rev})
}

// minLevel drops records below min before they reach h.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler            { return minLevel{m.h.WithAttrs(a), m.min} }
func (m minLevel) WithGroup(n string) slog.Handler                 { return minLevel{m.h.WithGroup(n), m.min} }

// CancelSends cancels the queued first-send jobs of the given messages in
// tx. A job already running may still deliver its message.
func (j *Jobs) CancelSends(ctx context.Context, tx *store.Tx, messageIDs []int64) error {
	if len(messageIDs) == 0 {
		return nil
	}
	want := make(map[int64]bool, len(messageIDs))
	for _, id := range messageIDs {
		want[id] = true
	}
	params := river.NewJobListParams().Kinds(SendArgs{}.Kind()).First(1000).States(rivertype.JobStateAvailable,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateRunning)
	for {
		list, err := j.client.JobListTx(ctx, tx.Tx.Tx, params)
		if err != nil {
			return fmt.Errorf("list delivery jobs: %w", err)
		}
		for _, job := range list.Jobs {
			var a SendArgs
			if json.Unmarshal(job.EncodedArgs, &a) != nil || !want[a.MessageID] {
				continue
			}
			if _, err := j.client.JobCancelTx(ctx, tx.Tx.Tx, job.ID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
				return fmt.Errorf("cancel delivery job %d: %w", job.ID, err)
			}
		}
		if len(list.Jobs) < 1000 {
			return nil
		}
		params = params.After(list.LastCursor)
	}
}
