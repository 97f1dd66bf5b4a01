package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("serve", "run the bot: HTTP endpoints, scheduler and delivery workers (sandbox chat when no platform token is set)", runServe)
}

func runServe(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "serve", "", "Runs huddlebot until SIGINT/SIGTERM. With no SLACK_* or DISCORD_* token it starts the local sandbox chat.")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "huddlebot serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	m := &Main{Config: cfg, LogOutput: e.stderr}
	if err := m.Run(ctx); err != nil {
		return e.fail("serve", err)
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.Close(sctx); err != nil {
		fmt.Fprintf(e.stderr, "huddlebot serve: shutdown: %v\n", err)
		return exitFail
	}
	return exitOK
}

// Main is a running huddlebot: the program `serve` runs, reusable by
// end-to-end tests (Run, then Close).
type Main struct {
	Config    *Config
	LogOutput io.Writer
	// SchedulerInterval overrides the tick interval (tests); default
	// HUDDLEBOT_TICK.
	SchedulerInterval time.Duration
	// ReplicaID names this process in the database's check-ins.
	ReplicaID string

	Log       *slog.Logger
	DB        *store.DB
	Bot       *bot.Bot
	Features  *feature.Set // the capabilities on Bot
	Jobs      *bot.Jobs
	Sandbox   *sandbox.Server
	Scheduler *bot.Scheduler
	Registry  *prometheus.Registry
	Mux       *http.ServeMux
	// Addr is the address the HTTP server listens on (useful with port 0).
	Addr string

	server  *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func(context.Context) error
}

// platformSetup wires one platform when it is configured: it adds its
// adapter to m.Bot and its routes to m.Mux, and may start background work
// (Socket Mode, the gateway) that must stop when ctx ends.
type platformSetup func(ctx context.Context, m *Main) error

var platformSetups []platformSetup

// httpSetups add routes that are not platforms (the dashboard).
var httpSetups []func(m *Main) error

// Go runs fn in the background until Close.
func (m *Main) Go(fn func()) {
	m.wg.Add(1)
	go func() { defer m.wg.Done(); fn() }()
}

// OnClose registers cleanup run by Close, last registered first.
func (m *Main) OnClose(fn func(context.Context) error) { m.closers = append(m.closers, fn) }

// Run opens and migrates the database, imports the content, starts the
// delivery workers, the scheduler and the HTTP server, and returns.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if m.LogOutput == nil {
		m.LogOutput = io.Discard
	}
	m.Log = newLogger(m.LogOutput, cfg.LogLevel)
	ctx, m.cancel = context.WithCancel(ctx)

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	m.DB = db
	m.OnClose(func(context.Context) error { return db.Close() })
	m.Log.Info("database ready", "url", db.URL, "backend", db.Backend)

	c, src, why, err := startupImport(ctx, db, cfg)
	if err != nil {
		return err
	}
	if c == nil {
		m.Log.Info("content not re-imported", "reason", why)
	} else {
		res, err := db.ContentImportFrom(ctx, c, src)
		if err != nil {
			return err
		}
		m.Log.Info("content imported", "dir", contentName(cfg), "reason", why, "lessons", len(c.Lessons), "added", len(res.Added),
			"changed", len(res.Changed), "retired", len(res.Retired))
	}

	policy, fsrs := cfg.spacing()
	weights := "default"
	if fit, err := db.FSRSParamsLatest(ctx, db); err == nil {
		fsrs.Params, weights = &fit.Params, fmt.Sprintf("fit %d (%d reviews, log loss %.4f)", fit.ID, fit.Reviews, fit.LossAfter)
	} else if !store.IsNotFound(err) {
		return err
	}
	m.Bot = bot.New(db, bot.Config{
		SpacingPolicy:   policy,
		FSRS:            fsrs,
		DefaultTimeZone: cfg.TimeZone,
		DefaultLanguage: cfg.Language,
		TrainerChannel:  cfg.TrainerChannel,
		HelpdeskChannel: cfg.HelpdeskChannel,
		VoteKey:         cfg.voteKey(),
	}, m.Log)
	m.Features = feature.Register(m.Bot)
	m.Log.Info("spacing", "rule", policy, "fsrs_retention", fsrs.Retention, "fsrs_weights", weights)
	if err := m.Bot.LoadContent(ctx); err != nil {
		return err
	}
	m.Jobs, err = bot.NewJobs(m.Bot, bot.JobsOptions{Work: true, Timeout: cfg.jobTimeout(), MaxWorkers: cfg.workers(), ListenURL: cfg.DatabaseURL})
	if err != nil {
		return err
	}

	m.Mux = http.NewServeMux()
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Registry.MustRegister(bot.Collectors()...)
	m.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	m.Mux.HandleFunc("GET /readyz", m.ready)
	m.Mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))

	if cfg.Sandbox() {
		m.Sandbox = sandbox.New(m.Bot)
		m.Sandbox.Public, _ = cfg.sandboxPublic() // validated
		if err := m.Sandbox.Seed(ctx); err != nil {
			return err
		}
		m.Mux.Handle("/", m.Sandbox.Handler())
	}
	for _, setup := range platformSetups {
		if err := setup(ctx, m); err != nil {
			return err
		}
	}
	for _, setup := range httpSetups {
		if err := setup(m); err != nil {
			return err
		}
	}

	if err := m.Jobs.Start(ctx); err != nil {
		return err
	}
	m.OnClose(m.Jobs.Stop)
	tick := m.SchedulerInterval
	if tick == 0 {
		tick = cfg.tick()
	}
	m.Scheduler, err = m.Bot.StartScheduler(ctx, bot.SchedulerOptions{Interval: tick})
	if err != nil {
		return err
	}
	m.ReplicaID = replicaID()
	watched := make(chan struct{})
	m.Go(func() { defer close(watched); m.Bot.WatchContent(ctx, m.ReplicaID, tick) })
	m.OnClose(func(cctx context.Context) error {
		<-watched // ctx is cancelled by now: no check-in can follow this
		return db.ReplicaCheckOut(cctx, m.ReplicaID)
	})
	m.OnClose(func(context.Context) error { return m.Scheduler.Stop() })

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("HUDDLEBOT_LISTEN %s: %w", cfg.Listen, err)
	}
	m.Addr = ln.Addr().String()
	m.server = &http.Server{Handler: m.Mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 120 * time.Second} // the sandbox clock may replay a week
	m.Go(func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", "err", err)
		}
	})
	if cfg.Sandbox() {
		m.Log.Info("sandbox mode: no platform token set — open the sandbox chat", "url", "http://"+m.Addr+"/")
		switch {
		case m.Sandbox.Public:
			m.Log.Warn("sandbox served to other computers (HUDDLEBOT_SANDBOX_PUBLIC): it has no sign-in, so anyone who can reach " +
				m.Addr + " can act as any person, trainers included (send bursts, read DMs, end huddles). Use it only on a network you trust.")
		case !loopbackHost(cfg.Listen):
			m.Log.Warn("sandbox listens on " + m.Addr + " but serves only this computer (loopback clients); " +
				"set HUDDLEBOT_SANDBOX_PUBLIC=1 to serve others on purpose")
		}
	}
	m.Log.Info("huddlebot serving", "addr", m.Addr, "platform", cfg.Platform())
	return nil
}

func (m *Main) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	ok, err := m.DB.MigrationsCurrent(ctx)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case err != nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
	case !ok:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "migrations pending: run huddlebot migrate")
	default:
		fmt.Fprintln(w, "ready")
	}
}

// Close stops everything Run started, in reverse order.
func (m *Main) Close(ctx context.Context) error {
	var errs []error
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	}
	if m.cancel != nil {
		m.cancel()
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	m.wg.Wait()
	return errors.Join(errs...)
}

// openStore opens and migrates the database (huddlebot's and River's tables).
func openStore(ctx context.Context, cfg *Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("HUDDLEBOT_DATABASE_URL: %w", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := bot.MigrateJobs(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// loadContent validates the configured content directory, or the bundled
// sample content.
func loadContent(cfg *Config) (*lessons.Content, error) {
	if cfg.ContentDir == "" {
		c, err := lessons.Load(content.FS)
		if err != nil {
			return nil, fmt.Errorf("bundled content: %w", err)
		}
		return c, nil
	}
	c, err := lessons.LoadDir(cfg.ContentDir)
	if err != nil {
		return nil, fmt.Errorf("HUDDLEBOT_CONTENT_DIR %s:\n%w", cfg.ContentDir, err)
	}
	return c, nil
}

func contentName(cfg *Config) string {
	if cfg.ContentDir == "" {
		return "(bundled sample content)"
	}
	return cfg.ContentDir
}
