package bottest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// BotOptions tunes NewBot.
type BotOptions struct {
	Config bot.Config
	// Log receives the bot's log (default: discarded, since timers may
	// outlive the test by a moment and must not log into it).
	Log *slog.Logger
	// Content is imported before the bot loads it; nil imports the bundled
	// lessons, unless NoContent is set.
	Content   *lessons.Content
	NoContent bool
	// Jobs configures the queue; Work runs delivery workers once Start is
	// called.
	Jobs bot.JobsOptions
}

// Bot is a bot over a store with every capability registered and its job
// queue.
type Bot struct {
	*bot.Bot
	Features *feature.Set
	Jobs     *bot.Jobs
}

// NewBot migrates the job queue of db (already migrated by storetest),
// imports the content and returns a bot with every capability registered
// and its job queue created. Add adapters, then call Start.
func NewBot(t testing.TB, db *store.DB, o BotOptions) *Bot {
	t.Helper()
	ctx := context.Background()
	if err := bot.MigrateJobs(ctx, db); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	if !o.NoContent {
		c := o.Content
		if c == nil {
			var err error
			if c, err = lessons.Load(content.FS); err != nil {
				t.Fatalf("load bundled content: %v", err)
			}
		}
		if _, err := db.ContentImport(ctx, c); err != nil {
			t.Fatalf("import content: %v", err)
		}
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := bot.New(db, o.Config, log)
	f := feature.Register(b)
	if err := b.LoadContent(ctx); err != nil {
		t.Fatalf("load content: %v", err)
	}
	jobs, err := bot.NewJobs(b, o.Jobs)
	if err != nil {
		t.Fatalf("jobs: %v", err)
	}
	return &Bot{Bot: b, Features: f, Jobs: jobs}
}

// Start starts the job workers (and the answer applier) until the test
// ends; cleanups registered after Start run before the workers stop.
func (b *Bot) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Jobs.Start(ctx); err != nil {
		cancel()
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() {
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = b.Jobs.Stop(sctx)
		cancel()
	})
}
