package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/bot/feature"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("bench", "measure fan-out, answer ingestion and the planner against a loopback fake Slack: bench [fanout|answers|votes|planner|tick|limits]", runBench)
}

const benchDesc = `Measures huddlebot against a loopback fake Slack Web API (a child process,
so the CPU reported is huddlebot's own) and a real database, next to the raw
limits measured in the same run, and prints a table (or --json):

  limits   the fake's own request rate (hammered directly) and the database's
           single-row INSERT rate (1 connection, and 16) into a scratch table
  fanout   a one-quiz burst to --members new members (default 2000):
           members/s enqueued, messages/s delivered (conversations.open +
           chat.postMessage each), delay from send to DM (p50/p99), CPU/message
  answers  --count members (default 5000) answer their quiz with signed
           block_actions over HTTP to /slack/events at each --rate (default
           "1000,max"; max = 64 clients flat out): answers/s, ack latency
           p50/p99 from each request's scheduled start, none lost or doubled
  votes    one poll in a huddle, --voters roster members (default 1000)
           tapping the same option with signed block_actions at each --rate,
           attributed and anonymous: votes/s, ack p50/p99, votes kept, and
           how long after the last vote the card showed the exact final tally
           (not in the default run)
  planner  the daily planner over --members members in memory (default 100000)
  tick     one scheduler tick recording the day's prompt for --members members
           in the database (default 100000; not in the default run); on
           PostgreSQL right after a CHECKPOINT, the slow case

The report ends with the project's speed targets and whether this run met
them; answer ingestion is judged against the 1-connection INSERT rate
(pgbench's default), and its ratio to 16 connections is printed too.

With no scenario it runs limits, fanout, answers and planner. The database is
HUDDLEBOT_DATABASE_URL: on PostgreSQL a scratch schema, dropped afterwards; on
SQLite a fresh file (a temporary one unless a path that does not exist yet is
given), removed afterwards. Slack pacing is off: the figures are huddlebot's
and the database's, not Slack's rate limits.

huddlebot bench fake-slack runs the fake Slack Web API on its own: it prints
{"api":URL,"control":URL} and serves until its stdin closes (point serve's
SLACK_API_URL at the api URL to try huddlebot without a Slack workspace).`

// benchScenarios is every scenario, in the order they run.
var benchScenarios = []string{"limits", "fanout", "answers", "votes", "planner", "tick"}

type benchOptions struct {
	members    int
	count      int
	voters     int
	rates      []int // answers/s; 0 = as fast as 64 clients go
	workers    int
	hammer     time.Duration
	inprocFake bool
	stderr     io.Writer
}

func runBench(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 && args[0] == "fake-slack" {
		return runFakeSlack(ctx, e)
	}
	fs, cfg := flags(e, "bench", "[limits] [fanout] [answers] [votes] [planner] [tick] [flags]", benchDesc)
	members := fs.Int("members", 0, "fanout: members (default 2000); planner and tick: members (default 100000)")
	count := fs.Int("count", 5000, "answers: members who answer, one answer each")
	voters := fs.Int("voters", 1000, "votes: roster members who vote on the one poll")
	rates := fs.String("rate", "1000,max", "answers: rates to run, answers per second, comma-separated; max = 64 clients flat out")
	hammer := fs.Duration("limits-time", 2*time.Second, "limits: how long each raw measurement runs")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (go tool pprof) to this file")
	fake := fs.String("fake", "process", "where the fake Slack runs: process (a child; CPU figures are huddlebot's alone) or inproc")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "huddlebot bench: %s\n", fmt.Sprintf(format, a...))
		return exitUsage
	}
	if len(pos) == 0 {
		pos = []string{"limits", "fanout", "answers", "planner"}
	}
	want := map[string]bool{}
	for _, p := range pos {
		if !slices.Contains(benchScenarios, p) {
			return usageErr("unknown scenario %q (limits, fanout, answers, votes, planner, tick)", p)
		}
		want[p] = true
	}
	o := benchOptions{members: *members, count: *count, voters: *voters, workers: cfg.workers(), hammer: *hammer, inprocFake: *fake == "inproc", stderr: e.stderr}
	if *fake != "process" && *fake != "inproc" {
		return usageErr("--fake must be process or inproc (got %q)", *fake)
	}
	for _, r := range strings.Split(*rates, ",") {
		r = strings.TrimSpace(r)
		if r == "max" {
			o.rates = append(o.rates, 0)
			continue
		}
		n, err := strconv.Atoi(r)
		if err != nil || n < 0 {
			return usageErr("--rate: %q is not a rate (a number of answers per second, or max)", r)
		}
		o.rates = append(o.rates, n)
	}
	if o.count < 1 || o.members < 0 || o.hammer <= 0 {
		return usageErr("--count, --members and --limits-time must be positive")
	}
	explicitDB := e.getenv("HUDDLEBOT_DATABASE_URL") != ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "database-url" {
			explicitDB = true
		}
	})

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot bench: --cpuprofile: %v\n", err)
			return exitFail
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(e.stderr, "huddlebot bench: --cpuprofile: %v\n", err)
			return exitFail
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := runBenchScenarios(ctx, cfg.DatabaseURL, explicitDB, want, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot bench: %v\n", err)
		return exitFail
	}
	rep.Command = "huddlebot bench " + strings.Join(args, " ")
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(e.stderr, "huddlebot bench: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	rep.print(e.stdout)
	return exitOK
}

// benchResult is one measured row.
type benchResult struct {
	Scenario   string  `json:"scenario"`
	Backend    string  `json:"backend,omitempty"`
	N          int     `json:"n"`
	Rate       float64 `json:"rate"` // per second, of Unit
	Unit       string  `json:"unit"`
	Enqueue    float64 `json:"enqueue_per_s,omitempty"` // fanout: members enqueued per second
	P50MS      float64 `json:"p50_ms,omitempty"`
	P99MS      float64 `json:"p99_ms,omitempty"`
	MaxMS      float64 `json:"max_ms,omitempty"`
	CPUSeconds float64 `json:"cpu_s"`
	CPUPerOpMS float64 `json:"cpu_per_op_ms"`
	WallSecs   float64 `json:"wall_s"`
	PeakHeapMB float64 `json:"peak_heap_mb"`
	Failed     int     `json:"failed,omitempty"`  // requests not acknowledged with 200
	Refused    int     `json:"refused,omitempty"` // acknowledged, but the reply said "nothing was saved, try again"
	Lost       int     `json:"lost"`              // acknowledged (and not refused) or queued, but not stored or delivered
	Doubled    int     `json:"doubled"`           // delivered or stored more than once
	FakeCPUMS  float64 `json:"fake_cpu_per_op_ms,omitempty"`
	// MachineCPUMS is the CPU every process on the machine used per op in
	// the same window (from /proc/stat): minus huddlebot's and the fake's,
	// it is roughly the database's, on an otherwise quiet machine.
	MachineCPUMS float64 `json:"machine_cpu_per_op_ms,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// benchRatio relates a huddlebot figure to a raw limit of the same run.
type benchRatio struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// benchTarget is one of the targets and whether this run met it.
type benchTarget struct {
	Target string `json:"target"`
	Result string `json:"result"`
	Met    *bool  `json:"met"` // nil: not measured in this run
}

// benchReport is everything one run printed.
type benchReport struct {
	Command  string        `json:"command"`
	Machine  string        `json:"machine"`
	Backend  string        `json:"backend"`
	Fake     string        `json:"fake"`
	Limits   []benchResult `json:"limits"`
	Results  []benchResult `json:"results"`
	Ratios   []benchRatio  `json:"ratios"`
	Targets  []benchTarget `json:"targets"`
	MaxRSSMB float64       `json:"max_rss_mb"`
}

func runBenchScenarios(ctx context.Context, dbURL string, explicitDB bool, want map[string]bool, o benchOptions) (*benchReport, error) {
	url, cleanup, err := benchDatabase(ctx, dbURL, explicitDB)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	rep := &benchReport{Machine: machineName()}
	var fake fakeSlack
	if o.inprocFake {
		fake = inprocFake{slackfake.New()}
		rep.Fake = "in process (its CPU counts as huddlebot's)"
	} else {
		f, err := startChildFake(ctx)
		if err != nil {
			return nil, err
		}
		fake = f
		rep.Fake = "child process"
	}
	defer fake.Close()
	st, err := newBenchStack(ctx, url, fake, o)
	if err != nil {
		return nil, err
	}
	defer st.close()
	rep.Backend = string(st.db.Backend)
	progress := func(format string, a ...any) { fmt.Fprintf(o.stderr, "bench: "+format+"\n", a...) }

	if want["limits"] {
		progress("raw limits: hammering the fake Slack for %s", o.hammer)
		r, err := benchFakeRate(ctx, fake, o.hammer)
		if err != nil {
			return nil, err
		}
		rep.Limits = append(rep.Limits, r)
		for _, conns := range []int{1, 16} {
			if st.db.Backend == store.SQLite && conns > 1 {
				continue // one connection, always
			}
			progress("raw limits: single-row INSERTs over %d connection(s) for %s", conns, o.hammer)
			r, err := benchInsertRate(ctx, st.db, conns, o.hammer)
			if err != nil {
				return nil, err
			}
			rep.Limits = append(rep.Limits, r)
		}
	}
	if want["fanout"] {
		n := o.members
		if n == 0 {
			n = 2000
		}
		progress("fanout: a burst to %d members", n)
		r, err := st.fanout(ctx, n)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, r)
	}
	if want["answers"] {
		for _, rate := range o.rates {
			progress("answers: %d signed answers at %s", o.count, rateName(rate))
			r, err := st.answers(ctx, o.count, rate)
			if err != nil {
				return nil, err
			}
			rep.Results = append(rep.Results, r)
		}
	}
	if want["votes"] {
		for _, rate := range o.rates {
			for _, anon := range []bool{false, true} {
				progress("votes: %d voters on one poll at %s (anonymous %v)", o.voters, rateName(rate), anon)
				r, err := st.votes(ctx, o.voters, rate, anon)
				if err != nil {
					return nil, err
				}
				rep.Results = append(rep.Results, r)
			}
		}
	}
	if want["planner"] {
		n := o.members
		if n == 0 {
			n = 100_000
		}
		progress("planner: %d members", n)
		r, err := benchPlanner(n)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, r)
	}
	if want["tick"] {
		n := o.members
		if n == 0 {
			n = 100_000
		}
		progress("tick: the day's prompts for %d members", n)
		r, err := st.tick(ctx, n)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, r)
	}
	rep.MaxRSSMB = float64(maxRSS()) / (1 << 20)
	rep.relate()
	return rep, nil
}

func rateName(rate int) string {
	if rate == 0 {
		return "max rate (64 clients)"
	}
	return fmt.Sprintf("%d/s", rate)
}

// machineName describes the CPU the run had.
func machineName() string {
	model := runtime.GOARCH
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores, %s, %s", runtime.NumCPU(), model, runtime.Version())
}

// benchDatabase returns a scratch database for the run and its cleanup: a
// fresh schema on PostgreSQL, a fresh SQLite file.
func benchDatabase(ctx context.Context, raw string, explicit bool) (string, func(), error) {
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		admin, err := store.Open(ctx, raw)
		if err != nil {
			return "", nil, err
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "huddlebot_bench_" + hex.EncodeToString(b[:])
		// The name is ours (hex), not input: no injection.
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			admin.Close()
			return "", nil, fmt.Errorf("create scratch schema: %w", err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			admin.Close()
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() {
			_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			admin.Close()
		}, nil
	}
	if !explicit {
		dir, err := os.MkdirTemp("", "huddlebot-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	}
	path := strings.TrimPrefix(raw, "sqlite:")
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file::memory:") {
		return raw, func() {}, nil
	}
	if _, err := os.Stat(path); err == nil {
		return "", nil, fmt.Errorf("HUDDLEBOT_DATABASE_URL: %s exists; the bench writes thousands of rows, so give it a file that does not exist yet (it is removed afterwards)", path)
	}
	return raw, func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(path + suffix)
		}
	}, nil
}

// memPeak samples the Go heap until stopped and returns its peak.
type memPeak struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func startMemPeak() *memPeak {
	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			m.peak = max(m.peak, ms.HeapAlloc)
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// MB stops sampling and returns the peak heap in MiB.
func (m *memPeak) MB() float64 {
	close(m.stop)
	<-m.done
	return float64(m.peak) / (1 << 20)
}

// meter measures one scenario: wall time, this process's CPU, the fake's
// CPU (when it is a child), and the peak heap.
type meter struct {
	start      time.Time
	cpu        time.Duration
	machineCPU time.Duration
	fakeCPU    float64
	mem        *memPeak
	fake       fakeSlack
}

func startMeter(fake fakeSlack) *meter {
	m := &meter{fake: fake}
	if fake != nil {
		if st, err := fake.Stats(); err == nil {
			m.fakeCPU = st.CPU
		}
	}
	m.mem = startMemPeak()
	m.cpu = cpuTime()
	m.machineCPU = machineCPUTime()
	m.start = time.Now()
	return m
}

// finish fills the measured columns of r for n operations.
func (m *meter) finish(r *benchResult, n int) {
	r.WallSecs = time.Since(m.start).Seconds()
	cpu := cpuTime() - m.cpu
	if mc := machineCPUTime(); mc > 0 && n > 0 {
		r.MachineCPUMS = (mc - m.machineCPU).Seconds() * 1000 / float64(n)
	}
	r.PeakHeapMB = m.mem.MB()
	r.CPUSeconds = cpu.Seconds()
	if n > 0 {
		r.CPUPerOpMS = cpu.Seconds() * 1000 / float64(n)
	}
	if m.fake != nil && !m.fake.InProcess() && n > 0 {
		if st, err := m.fake.Stats(); err == nil {
			r.FakeCPUMS = (st.CPU - m.fakeCPU) * 1000 / float64(n)
		}
	}
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Nanoseconds()) / 1e6
}

// benchFakeRate hammers the fake's chat.postMessage directly with 32
// clients: the most the fake can take, the ceiling of every figure here.
func benchFakeRate(ctx context.Context, fake fakeSlack, d time.Duration) (benchResult, error) {
	r := benchResult{Scenario: "raw: fake Slack chat.postMessage", Unit: "calls/s", Note: "32 clients, loopback"}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	body := url.Values{"channel": {"CHAMMER"}, "text": {"raw rate"}}.Encode()
	m := startMeter(fake)
	deadline := time.Now().Add(d)
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fake.APIURL()+"chat.postMessage", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Bearer xoxb-bench")
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					ok.Add(1)
					mine = append(mine, time.Since(t0))
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(m.start)
	n := int(ok.Load())
	m.finish(&r, n)
	r.N, r.Failed = n, int(failed.Load())
	r.Rate = float64(n) / elapsed.Seconds()
	slices.Sort(lat)
	r.P50MS, r.P99MS = percentile(lat, 0.5), percentile(lat, 0.99)
	r.CPUPerOpMS, r.CPUSeconds = 0, 0 // the client's CPU, not the fake's: see fake CPU/op
	if r.Failed > 0 {
		return r, fmt.Errorf("raw fake rate: %d calls failed", r.Failed)
	}
	return r, nil
}

// Raw single-row INSERTs into a scratch table, the database's own ceiling
// for answer ingestion (one row per answer). The statements are constants;
// this is a measuring instrument, not product SQL, so it lives here and not
// in store.
const (
	benchInsertTable = `CREATE TABLE bench_insert (id BIGINT PRIMARY KEY, member_id BIGINT NOT NULL,
		choice INTEGER NOT NULL, answered_at BIGINT NOT NULL)`
	benchInsertRow  = `INSERT INTO bench_insert (id, member_id, choice, answered_at) VALUES (?, ?, ?, ?)`
	benchInsertDrop = `DROP TABLE IF EXISTS bench_insert`
)

func benchInsertRate(ctx context.Context, db *store.DB, conns int, d time.Duration) (benchResult, error) {
	r := benchResult{Scenario: fmt.Sprintf("raw: single-row INSERT, %d conn", conns), Backend: string(db.Backend),
		Unit: "rows/s", Note: "autocommit, one row per statement"}
	if _, err := db.ExecContext(ctx, benchInsertDrop); err != nil {
		return r, err
	}
	if _, err := db.ExecContext(ctx, benchInsertTable); err != nil {
		return r, fmt.Errorf("scratch table: %w", err)
	}
	defer db.ExecContext(context.Background(), benchInsertDrop)
	insert := db.Rebind(benchInsertRow)
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	m := startMeter(nil)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				id := next.Add(1)
				t0 := time.Now()
				if _, err := db.ExecContext(ctx, insert, id, id%1000, 1, t0.UnixMilli()); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(m.start)
	if firstErr != nil {
		return r, fmt.Errorf("raw inserts: %w", firstErr)
	}
	m.finish(&r, len(lat))
	r.N = len(lat)
	r.Rate = float64(len(lat)) / elapsed.Seconds()
	slices.Sort(lat)
	r.P50MS, r.P99MS = percentile(lat, 0.5), percentile(lat, 0.99)
	return r, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// benchStack is huddlebot as `serve` wires it for Slack — the bot, the
// River delivery workers, the Slack adapter behind a real HTTP listener —
// with the clock pinned to a Tuesday 10:00 UTC (inside everyone's default
// work hours) and Slack pacing off.
type benchStack struct {
	db      *store.DB
	bot     *bot.Bot
	feat    *feature.Set
	jobs    *bot.Jobs
	adapter *slackbot.Adapter
	fake    fakeSlack
	srv     *http.Server
	url     string
	cancel  context.CancelFunc
	client  *http.Client
	teams   int
}

const (
	benchSecret = "bench-signing-secret"
	benchBurst  = "bench-burst"
	benchQuiz   = "bench-quiz"
)

// benchContent is one quiz for nurses and a burst that sends it.
func benchContent() *lessons.Content {
	return &lessons.Content{
		Roles: member.DefaultRoles,
		Lessons: []*lessons.Lesson{{ID: benchQuiz, Kind: lessons.KindQuiz, Title: "Scanning before giving",
			Roles: []string{"nurse"}, Question: "What do you scan first at the bedside?",
			Choices: []string{"The patient's wristband", "The medication"}, Answer: 1,
			Explanation: "Patient first, then the medication."}},
		Bursts: []*lessons.Burst{{ID: benchBurst, Title: "Scanning refresher", Roles: []string{"nurse"},
			Lessons: []string{benchQuiz}, Pace: lessons.PaceAllAtOnce}},
	}
}

// benchDay is the latest Tuesday 10:00 UTC.
func benchDay() time.Time {
	t := time.Now().UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 10, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday || d.After(t) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

func newBenchStack(ctx context.Context, dbURL string, fake fakeSlack, o benchOptions) (*benchStack, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	st := &benchStack{db: db, fake: fake}
	fail := func(err error) (*benchStack, error) { st.close(); return nil, err }
	if _, err := db.Migrate(ctx); err != nil {
		return fail(err)
	}
	if err := bot.MigrateJobs(ctx, db); err != nil {
		return fail(err)
	}
	if _, err := db.ContentImport(ctx, benchContent()); err != nil {
		return fail(err)
	}
	log := slog.New(slog.NewTextHandler(o.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	st.bot = bot.New(db, bot.Config{VoteKey: []byte("bench vote key")}, log)
	st.feat = feature.Register(st.bot)
	if err := st.bot.LoadContent(ctx); err != nil {
		return fail(err)
	}
	day := benchDay()
	st.bot.SetClock(func() time.Time { return day })
	if st.jobs, err = bot.NewJobs(st.bot, bot.JobsOptions{Work: true, MaxWorkers: o.workers}); err != nil {
		return fail(err)
	}
	limits := slackbot.Unlimited
	st.adapter = slackbot.New(st.bot, slackbot.Options{Token: "xoxb-bench", SigningSecret: benchSecret,
		APIURL: fake.APIURL(), Limits: &limits, Log: log})
	st.bot.AddAdapter(st.adapter)
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	st.cancel = cancel
	if err := st.jobs.Start(jctx); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", st.adapter)
	st.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = st.srv.Serve(ln) }()
	st.url = "http://" + ln.Addr().String()
	st.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	return st, nil
}

func (st *benchStack) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if st.srv != nil {
		_ = st.srv.Shutdown(ctx)
	}
	if st.adapter != nil {
		_ = st.adapter.Close(ctx)
	}
	if st.jobs != nil {
		_ = st.jobs.Stop(ctx)
	}
	if st.cancel != nil {
		st.cancel()
	}
	st.db.Close()
}

// members adds n nurses in a new workspace and returns it.
func (st *benchStack) members(ctx context.Context, n int) (*store.Workspace, error) {
	st.teams++
	ws, err := st.db.WorkspaceEnsure(ctx, slackbot.Platform, fmt.Sprintf("TBENCH%d", st.teams), "UTC")
	if err != nil {
		return nil, err
	}
	ms := make([]store.MemberUpsert, n)
	for i := range ms {
		ms[i] = store.MemberUpsert{WorkspaceID: ws.ID, UserID: fmt.Sprintf("U%d%07d", st.teams, i), Name: fmt.Sprintf("Nurse %d", i),
			Role: "nurse", Department: "4west", TimeZone: "UTC"}
	}
	if _, err := st.db.MemberInsertMany(ctx, st.db, ms); err != nil {
		return nil, err
	}
	return ws, nil
}

// waitFake polls the fake until it holds want more distinct huddlebot
// messages than base, recording when each arrived (20 ms resolution).
func (st *benchStack) waitFake(ctx context.Context, base, want int, t0 time.Time, within time.Duration) ([]time.Duration, fakeStats, error) {
	arrivals := make([]time.Duration, 0, want)
	deadline := time.Now().Add(within)
	for {
		s, err := st.fake.Stats()
		if err != nil {
			return nil, s, err
		}
		got := s.Distinct - base
		for len(arrivals) < min(got, want) {
			arrivals = append(arrivals, time.Since(t0))
		}
		if got >= want {
			return arrivals, s, nil
		}
		if time.Now().After(deadline) {
			return arrivals, s, fmt.Errorf("%d of %d messages delivered after %s", got, want, within)
		}
		select {
		case <-ctx.Done():
			return arrivals, s, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fanout sends the one-quiz burst to n new members and measures the
// enqueue (BurstSend: items, deliveries, messages and jobs in one
// transaction) and the delivery through the fake (conversations.open and
// chat.postMessage per member).
func (st *benchStack) fanout(ctx context.Context, n int) (benchResult, error) {
	r := benchResult{Scenario: "fanout (burst, new DMs)", Backend: string(st.db.Backend), N: n, Unit: "messages/s"}
	ws, err := st.members(ctx, n)
	if err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	before, err := st.fake.Stats()
	if err != nil {
		return r, err
	}
	m := startMeter(st.fake)
	res, err := st.feat.Burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: ws.ID, BurstID: benchBurst, Now: true})
	if err != nil {
		return r, err
	}
	enqueued := time.Since(m.start)
	if res.SentNow != n {
		return r, fmt.Errorf("the burst queued %d prompts for %d members", res.SentNow, n)
	}
	arrivals, after, err := st.waitFake(ctx, before.Distinct, n, m.start, 10*time.Minute)
	if err != nil {
		return r, err
	}
	delivered := time.Since(m.start)
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	m.finish(&r, n)
	r.Enqueue = float64(n) / enqueued.Seconds()
	r.Rate = float64(n) / delivered.Seconds()
	r.P50MS, r.P99MS = percentile(arrivals, 0.5), percentile(arrivals, 0.99)
	r.MaxMS = percentile(arrivals, 1)
	r.Doubled = after.Doubled - before.Doubled
	r.Lost = n - (after.Distinct - before.Distinct)
	r.Note = fmt.Sprintf("enqueue %.1fs; latency = send → DM; %d Slack calls/message", enqueued.Seconds(),
		callsPerMessage(before, after, n))
	return r, nil
}

func callsPerMessage(before, after fakeStats, n int) int {
	calls := 0
	for m, c := range after.Calls {
		calls += c - before.Calls[m]
	}
	return (calls + n/2) / max(n, 1)
}

// preparedClick is a signed block_actions request, ready to send.
type preparedClick struct {
	delivery int64
	body     []byte
	ts, sig  string
}

// answers delivers the quiz to n new members (not measured), then sends
// each member's answer as a signed block_actions request at rate per
// second (0: 64 clients flat out) and measures the acknowledgements. The
// window measured runs until the answers' follow-up work (the edit of each
// quiz message) is done, so CPU/answer is the whole cost of an answer.
func (st *benchStack) answers(ctx context.Context, n, rate int) (benchResult, error) {
	name := "answers @ " + strconv.Itoa(rate) + "/s"
	if rate == 0 {
		name = "answers @ max (64 clients)"
	}
	r := benchResult{Scenario: name, Backend: string(st.db.Backend), N: n, Unit: "answers/s"}
	ws, err := st.members(ctx, n)
	if err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	before, err := st.fake.Stats()
	if err != nil {
		return r, err
	}
	if _, err := st.feat.Burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: ws.ID, BurstID: benchBurst, Now: true}); err != nil {
		return r, err
	}
	if _, _, err := st.waitFake(ctx, before.Distinct, n, time.Now(), 10*time.Minute); err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	msgs, err := st.fake.MessagesFrom(before.Messages)
	if err != nil {
		return r, err
	}
	clicks, err := st.signedClicks(ws.ExternalID, msgs)
	if err != nil {
		return r, err
	}
	if len(clicks) != n {
		return r, fmt.Errorf("%d quiz messages for %d members", len(clicks), n)
	}

	replies, err := st.fake.Stats()
	if err != nil {
		return r, err
	}
	m := startMeter(st.fake)
	start := time.Now()
	lat, _, failed := st.fire(ctx, clicks, rate)
	// An acknowledged answer waits in the answer inbox until the applier
	// has recorded it: the window runs until the inbox is empty and the card
	// edits it queued are done.
	if err := st.feat.Learn.WaitAnswersApplied(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	elapsed := time.Since(start)
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	m.finish(&r, n)
	// A refused click gets "nothing was saved" through response_url, sent
	// in the background; a queued answer gets no reply (its card changes).
	// Wait until the replies stop, to tell refusals from losses.
	after := replies
	last, since := -1, time.Now()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if after, err = st.fake.Stats(); err != nil {
			return r, err
		}
		if after.Replies != last {
			last, since = after.Replies, time.Now()
		} else if time.Since(since) > 2*time.Second {
			break
		}
	}
	r.Refused = after.Refusals - replies.Refusals
	slices.Sort(lat)
	r.Rate = float64(n) / elapsed.Seconds()
	r.P50MS, r.P99MS, r.MaxMS = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.Failed = failed
	stored := 0
	for _, c := range clicks {
		if _, err := st.db.AnswerGet(ctx, st.db, c.delivery); err == nil {
			stored++
		} else if !store.IsNotFound(err) {
			return r, err
		}
	}
	r.Lost = max(0, n-failed-r.Refused-stored)
	r.Note = fmt.Sprintf("sent and applied over %.1fs; latency from each request's scheduled start; %d stored (one per delivery: a double is a unique-key conflict)",
		elapsed.Seconds(), stored)
	if r.Refused > 0 {
		r.Note += fmt.Sprintf("; %d acknowledged but answered \"nothing was saved, try again\" (overload: the request outlived its 10 s budget)", r.Refused)
	}
	return r, nil
}

// signedClicks builds one signed click on the first answer of every quiz.
func (st *benchStack) signedClicks(team string, msgs []fakeMessage) ([]*preparedClick, error) {
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	var out []*preparedClick
	for i, m := range msgs {
		if m.MessageID == 0 || !strings.HasPrefix(m.Channel, "D") {
			continue
		}
		var action string
		for _, a := range m.Actions {
			if strings.HasPrefix(a, "ans:") && strings.HasSuffix(a, ":1") {
				action = a
				break
			}
		}
		parts := strings.Split(action, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("quiz message %s has no answer button", m.TS)
		}
		did, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("answer button %q: %v", action, err)
		}
		user := strings.TrimPrefix(m.Channel, "D")
		p := map[string]any{
			"type": "block_actions", "api_app_id": "ABENCH", "trigger_id": "1.2.3",
			"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": team},
			"team":         map[string]any{"id": team, "domain": "bench"},
			"container":    map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel},
			"channel":      map[string]any{"id": m.Channel, "name": "directmessage"},
			"message":      map[string]any{"type": "message", "ts": m.TS},
			"response_url": st.fake.ResponseURL(fmt.Sprintf("bench-%d", i)),
			"actions": []any{map[string]any{"action_id": action, "block_id": "answers", "type": "button", "value": action,
				"text": map[string]any{"type": "plain_text", "text": "answer"}, "action_ts": ts}},
		}
		raw, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		body := []byte(url.Values{"payload": {string(raw)}}.Encode())
		out = append(out, &preparedClick{delivery: did, body: body, ts: ts, sig: slackfake.Sign(benchSecret, now.Unix(), body)})
	}
	return out, nil
}

// fire sends the clicks at rate per second, each at its scheduled time
// whatever the server's pace (open loop, so a slow server shows as
// latency, not as a slower schedule), or with rate 0 from 64 clients back
// to back. It returns each acknowledgement's latency, the time the sending
// took, and how many requests did not get 200.
func (st *benchStack) fire(ctx context.Context, clicks []*preparedClick, rate int) ([]time.Duration, time.Duration, int) {
	lat := make([]time.Duration, len(clicks))
	var failed atomic.Int64
	one := func(i int, from time.Time) {
		c := clicks[i]
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, st.url+"/slack/events", strings.NewReader(string(c.body)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(slackbot.HeaderTimestamp, c.ts)
		req.Header.Set(slackbot.HeaderSignature, c.sig)
		res, err := st.client.Do(req)
		lat[i] = time.Since(from)
		if err != nil {
			failed.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			failed.Add(1)
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	if rate > 0 {
		for i := range clicks {
			at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			time.Sleep(time.Until(at))
			wg.Add(1)
			go func() { defer wg.Done(); one(i, at) }()
		}
	} else {
		var next atomic.Int64
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(clicks) {
						return
					}
					one(i, time.Now())
				}
			}()
		}
	}
	wg.Wait()
	return lat, time.Since(start), int(failed.Load())
}

// benchZones spread the planner's members over the world.
var benchZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
	"America/New_York", "America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Berlin",
	"Africa/Cairo", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
	"Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
}

// benchPlanner plans the next lesson for n members of the bundled content,
// in memory: every role, 20 time zones, new hires, members part-way through
// their tracks, reviews due and burst items pending. One op is one member.
func benchPlanner(n int) (benchResult, error) {
	r := benchResult{Scenario: "planner (in memory)", N: n, Unit: "members/s", Note: "bundled content; every member planned"}
	c, err := lessons.Load(content.FS)
	if err != nil {
		return r, err
	}
	locs := make([]*time.Location, len(benchZones))
	for i, z := range benchZones {
		if locs[i], err = time.LoadLocation(z); err != nil {
			return r, err
		}
	}
	now := benchDay().Add(3 * time.Hour)
	var seen []map[string]bool
	for k := 0; k <= len(c.Lessons); k += max(1, len(c.Lessons)/8) {
		s := map[string]bool{}
		for _, l := range c.Lessons[:k] {
			s[l.ID] = true
		}
		seen = append(seen, s)
	}
	var quiz string
	for _, l := range c.Lessons {
		if l.IsQuiz() {
			quiz = l.ID
			break
		}
	}
	var burst []lessons.BurstItem
	if len(c.Bursts) > 0 && len(c.Bursts[0].Lessons) > 0 {
		burst = []lessons.BurstItem{{BurstID: c.Bursts[0].ID, LessonID: c.Bursts[0].Lessons[0], Seq: 1}}
	}
	states := make([]lessons.PlanState, n)
	for i := range states {
		m := &member.Member{ID: int64(i + 1), Role: c.Roles[i%len(c.Roles)], Joined: true,
			Schedule: member.Schedule{Location: locs[(i/7)%len(locs)], DeliveryTime: member.DefaultDeliveryTime,
				WorkStart: member.DefaultWorkStart, WorkEnd: member.DefaultWorkEnd, WorkDays: member.DefaultWorkDays}}
		if i%10 == 0 {
			m.StartDate = now.AddDate(0, 0, -(i % 45))
		}
		st := lessons.PlanState{Member: m, Now: now, Seen: seen[i%len(seen)]}
		if i%3 == 0 && quiz != "" {
			st.Reviews = []lessons.Review{{LessonID: quiz, Attempts: 1, DueDate: now.AddDate(0, 0, -1).Format("2006-01-02")}}
		}
		if i%8 == 0 {
			st.BurstItems = burst
		}
		states[i] = st
	}
	runtime.GC()
	m := startMeter(nil)
	p := lessons.NewPlanner(c)
	lat := make([]time.Duration, n)
	picked := 0
	for i := range states {
		t0 := time.Now()
		if _, ok := p.Plan(states[i]); ok {
			picked++
		}
		lat[i] = time.Since(t0)
	}
	elapsed := time.Since(m.start)
	m.finish(&r, n)
	r.Rate = float64(n) / elapsed.Seconds()
	slices.Sort(lat)
	r.P50MS, r.P99MS, r.MaxMS = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.Note = fmt.Sprintf("bundled content (%d lessons); %d of %d got a lesson", len(c.Lessons), picked, n)
	return r, nil
}

// tick puts n members due now into a new workspace and times one
// scheduler tick recording their prompts (delivery, message and River job
// each, in batched transactions). The prompts are not delivered.
func (st *benchStack) tick(ctx context.Context, n int) (benchResult, error) {
	r := benchResult{Scenario: "tick (daily prompts to the database)", Backend: string(st.db.Backend), N: n, Unit: "prompts/s"}
	// A bot of its own with insert-only jobs: the queued prompts stay queued.
	b := bot.New(st.db, bot.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	feature.Register(b)
	if err := b.LoadContent(ctx); err != nil {
		return r, err
	}
	if _, err := bot.NewJobs(b, bot.JobsOptions{}); err != nil {
		return r, err
	}
	day := benchDay()
	b.SetClock(func() time.Time { return day })
	if err := st.jobs.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return r, err
	}
	st.jobs = nil // delivering 100k prompts is not this scenario
	ws, err := st.members(ctx, n)
	if err != nil {
		return r, err
	}
	if err := st.db.MemberSetAllDue(ctx, ws.ID, day.Add(-time.Hour)); err != nil {
		return r, err
	}
	if st.db.Backend == store.Postgres {
		// The worst case, every run: right after a checkpoint the first
		// change to each page writes a full-page image to the WAL. (Needs
		// superuser or pg_checkpoint; without, whatever the last one left.)
		_, _ = st.db.ExecContext(ctx, `CHECKPOINT`)
	}
	m := startMeter(nil)
	if err := b.Tick(ctx, day); err != nil {
		return r, err
	}
	elapsed := time.Since(m.start)
	m.finish(&r, n)
	r.Rate = float64(n) / elapsed.Seconds()
	r.Note = "one tick; all members due at once; prompts queued, not delivered"
	if st.db.Backend == store.Postgres {
		r.Note = "one tick right after a CHECKPOINT; all members due at once; prompts queued, not delivered"
	}
	return r, nil
}

// relate computes the ratios to the raw limits and checks the targets.
func (rep *benchReport) relate() {
	var fakeRate, insert1, insertN float64
	for _, l := range rep.Limits {
		switch {
		case strings.HasPrefix(l.Scenario, "raw: fake"):
			fakeRate = l.Rate
		case strings.HasSuffix(l.Scenario, ", 1 conn"):
			insert1 = l.Rate
		case strings.HasPrefix(l.Scenario, "raw: single-row"):
			insertN = l.Rate
		}
	}
	var fanout, atRate, atMax, tick, planner *benchResult
	for i := range rep.Results {
		r := &rep.Results[i]
		switch {
		case strings.HasPrefix(r.Scenario, "tick"):
			tick = r
		case strings.HasPrefix(r.Scenario, "planner"):
			planner = r
		case strings.HasPrefix(r.Scenario, "fanout"):
			fanout = r
		case r.Scenario == "answers @ 1000/s":
			atRate = r
		case strings.HasPrefix(r.Scenario, "answers @ max"):
			atMax = r
		}
	}
	if fanout != nil && fakeRate > 0 {
		rep.Ratios = append(rep.Ratios, benchRatio{"fan-out messages/s ÷ fake's raw calls/s", fanout.Rate / fakeRate})
	}
	if atMax != nil {
		if insert1 > 0 {
			rep.Ratios = append(rep.Ratios, benchRatio{"answers/s (max) ÷ raw INSERTs/s, 1 connection", atMax.Rate / insert1})
		}
		if insertN > 0 {
			rep.Ratios = append(rep.Ratios, benchRatio{"answers/s (max) ÷ raw INSERTs/s, 16 connections", atMax.Rate / insertN})
		}
	}

	yes, no := true, false
	met := func(ok bool) *bool {
		if ok {
			return &yes
		}
		return &no
	}
	t := benchTarget{Target: "ack p99 < 100 ms at 1,000 answers/s on PostgreSQL"}
	switch {
	case atRate == nil:
		t.Result = "not run (answers --rate 1000)"
	case atRate.Backend != string(store.Postgres):
		t.Result = fmt.Sprintf("p99 %.1f ms on %s (run on PostgreSQL to check)", atRate.P99MS, atRate.Backend)
	default:
		t.Result = fmt.Sprintf("%.0f answers/s reached, p99 %.1f ms, %d not acknowledged, %d refused, %d lost",
			atRate.Rate, atRate.P99MS, atRate.Failed, atRate.Refused, atRate.Lost)
		t.Met = met(atRate.P99MS < 100 && atRate.Failed == 0 && atRate.Refused == 0 && atRate.Lost == 0)
	}
	rep.Targets = append(rep.Targets, t)

	t = benchTarget{Target: "fan-out < 1 ms CPU per message in huddlebot"}
	switch {
	case fanout == nil:
		t.Result = "not run (fanout)"
	case rep.Fake != "child process":
		t.Result = fmt.Sprintf("%.3f ms/message including the in-process fake (use --fake process)", fanout.CPUPerOpMS)
	default:
		where := "database in process (SQLite): its CPU counts"
		if fanout.Backend == string(store.Postgres) {
			where = "PostgreSQL's own CPU not counted"
		}
		t.Result = fmt.Sprintf("%.3f ms/message (%s)", fanout.CPUPerOpMS, where)
		t.Met = met(fanout.CPUPerOpMS < 1 && fanout.Lost == 0 && fanout.Doubled == 0)
	}
	rep.Targets = append(rep.Targets, t)

	// The basis is the rate pgbench measures by default: one client, each
	// INSERT its own transaction. The sixteen-connection ratio is printed
	// above, not judged: on two cores no path that also checks a signed
	// HTTP request, records the answer, its spacing and streak, and edits
	// the card with a second HTTP call can reach half of it
	// (docs/reliability.md has the arithmetic).
	t = benchTarget{Target: "answer ingestion ≥ ½ the raw single-row INSERT rate (1 connection, pgbench's default)"}
	switch {
	case atMax == nil || insert1 == 0:
		t.Result = "not run (limits and answers --rate max)"
	case atMax.Backend != string(store.Postgres):
		t.Result = fmt.Sprintf("%.0f answers/s vs %.0f rows/s on %s: %.2f (judged on PostgreSQL)", atMax.Rate, insert1, atMax.Backend, atMax.Rate/insert1)
	default:
		t.Result = fmt.Sprintf("%.0f answers/s vs %.0f rows/s: %.2f", atMax.Rate, insert1, atMax.Rate/insert1)
		t.Met = met(atMax.Rate >= insert1/2 && atMax.Lost == 0)
	}
	rep.Targets = append(rep.Targets, t)

	t = benchTarget{Target: "planner < 100 ms per tick of 100,000 members (issue 3)"}
	switch {
	case planner == nil || planner.Rate == 0:
		t.Result = "not run (planner)"
	case planner.N < 100_000:
		t.Result = fmt.Sprintf("%d members planned (judged with --members 100000 or more)", planner.N)
	default:
		perTick := 100_000 / planner.Rate * 1000
		t.Result = fmt.Sprintf("%.1f ms per 100,000 members (%d planned)", perTick, planner.N)
		t.Met = met(perTick < 100)
	}
	rep.Targets = append(rep.Targets, t)

	t = benchTarget{Target: "enqueue the day's prompts ≥ 20,000 jobs/s on PostgreSQL (issue 3)"}
	switch {
	case tick == nil:
		t.Result = "not run (tick)"
	case tick.Backend != string(store.Postgres):
		t.Result = fmt.Sprintf("%.0f prompts/s on %s (run on PostgreSQL to check)", tick.Rate, tick.Backend)
	default:
		t.Result = fmt.Sprintf("%.0f prompts/s for %d members due at once", tick.Rate, tick.N)
		t.Met = met(tick.Rate >= 20000)
	}
	rep.Targets = append(rep.Targets, t)
}

// fmtMS prints a latency in ms with the precision it needs.
func fmtMS(ms float64) string {
	switch {
	case ms == 0:
		return "-"
	case ms < 1:
		return fmt.Sprintf("%.4f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

func (rep *benchReport) print(w io.Writer) {
	fmt.Fprintf(w, "machine: %s\ndatabase: %s; fake Slack: %s\n\n", rep.Machine, rep.Backend, rep.Fake)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tbackend\tn\tthroughput\tp50 ms\tp99 ms\tCPU s\tCPU/op ms\twall s\tpeak heap MB\tlost\tdoubled\tnote")
	row := func(r benchResult) {
		backend := r.Backend
		if backend == "" {
			backend = "-"
		}
		cpu, perOp := fmt.Sprintf("%.2f", r.CPUSeconds), fmt.Sprintf("%.3f", r.CPUPerOpMS)
		note := r.Note
		if r.FakeCPUMS > 0 {
			note = strings.TrimPrefix(note+fmt.Sprintf("; fake CPU %.3f ms/op", r.FakeCPUMS), "; ")
		}
		if r.MachineCPUMS > 0 && !strings.HasPrefix(r.Scenario, "raw: fake") {
			note = strings.TrimPrefix(note+fmt.Sprintf("; whole machine %.3f ms/op", r.MachineCPUMS), "; ")
		}
		if strings.HasPrefix(r.Scenario, "raw: fake") {
			cpu, perOp = "-", "-"
		}
		thr := fmt.Sprintf("%.0f %s", r.Rate, r.Unit)
		if r.Enqueue > 0 {
			thr += fmt.Sprintf(" (enqueue %.0f members/s)", r.Enqueue)
		}
		if r.Failed > 0 {
			note = strings.TrimPrefix(note+fmt.Sprintf("; %d not acknowledged", r.Failed), "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.0f\t%d\t%d\t%s\n", r.Scenario, backend, r.N, thr,
			fmtMS(r.P50MS), fmtMS(r.P99MS), cpu, perOp, r.WallSecs, r.PeakHeapMB, r.Lost, r.Doubled, note)
	}
	for _, r := range rep.Limits {
		row(r)
	}
	for _, r := range rep.Results {
		row(r)
	}
	tw.Flush()
	if len(rep.Ratios) > 0 {
		fmt.Fprintln(w, "\nratios to the raw limits of this run:")
		for _, r := range rep.Ratios {
			fmt.Fprintf(w, "  %-55s %.2f\n", r.Name, r.Value)
		}
	}
	fmt.Fprintln(w, "\ntargets:")
	width := 0
	for _, t := range rep.Targets {
		width = max(width, utf8.RuneCountInString(t.Target))
	}
	for _, t := range rep.Targets {
		verdict := "not measured"
		if t.Met != nil {
			verdict = map[bool]string{true: "MET", false: "NOT MET"}[*t.Met]
		}
		fmt.Fprintf(w, "  %s%s %-12s %s\n", t.Target, strings.Repeat(" ", width-utf8.RuneCountInString(t.Target)), verdict, t.Result)
	}
	fmt.Fprintf(w, "\npeak RSS of the bench process: %.0f MB\n", rep.MaxRSSMB)
}
