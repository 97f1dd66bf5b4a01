package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

const (
	team       = "T0FAULT"
	botToken   = "xoxb-fault-test"
	signSecret = "fault-signing-secret"
	burstID    = "fault-burst"
	contentDir = "testdata/content"
)

// defaultSeed drives every random choice of the fault tests; set
// HUDDLEBOT_FAULT_SEED to explore others. Each test logs the seed it used.
const defaultSeed = 20260124

func seed(t *testing.T) uint64 {
	t.Helper()
	s := uint64(defaultSeed)
	if v := os.Getenv("HUDDLEBOT_FAULT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("HUDDLEBOT_FAULT_SEED: %v", err)
		}
		s = n
	}
	t.Logf("random seed %d (rerun with HUDDLEBOT_FAULT_SEED=%d)", s, s)
	return s
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds cmd/huddlebot once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "huddlebot-faulttest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "huddlebot")
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			goCmd = "go"
		}
		cmd := exec.Command(goCmd, "build", "-o", binPath, "github.com/huddlebot/huddlebot/cmd/huddlebot")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// baseEnv is the process environment without any huddlebot or platform
// setting, plus vars.
func baseEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HUDDLEBOT_") || strings.HasPrefix(k, "SLACK_") || strings.HasPrefix(k, "DISCORD_") {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// cli runs a huddlebot subcommand to completion and returns its output.
func cli(t *testing.T, vars map[string]string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = baseEnv(vars)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("huddlebot %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is `huddlebot serve` as a child process that a test can SIGKILL
// and start again on the same address and database.
type server struct {
	t    *testing.T
	vars map[string]string
	addr string
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	runs int
	done chan struct{}
}

func newServer(t *testing.T, vars map[string]string) *server {
	t.Helper()
	s := &server{t: t, vars: map[string]string{}, dir: t.TempDir()}
	for k, v := range vars {
		s.vars[k] = v
	}
	s.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s.vars["HUDDLEBOT_LISTEN"] = s.addr
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			s.dumpLogs()
		}
	})
	return s
}

// URL is the server's base URL.
func (s *server) URL() string { return "http://" + s.addr }

func (s *server) logPath(run int) string {
	return filepath.Join(s.dir, fmt.Sprintf("serve-%d.log", run))
}

// start launches serve and waits until /readyz answers 200.
func (s *server) start() {
	s.t.Helper()
	s.mu.Lock()
	s.runs++
	run := s.runs
	logf, err := os.Create(s.logPath(run))
	if err != nil {
		s.mu.Unlock()
		s.t.Fatal(err)
	}
	cmd := exec.Command(binary(s.t), "serve")
	cmd.Env = baseEnv(s.vars)
	cmd.SysProcAttr = childAttr(false, 0, 0)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-done:
			s.t.Fatalf("serve (run %d) exited at start:\n%s", run, tail(s.logPath(run), 40))
		default:
		}
		if res, err := http.Get(s.URL() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("serve (run %d) not ready after 60s:\n%s", run, tail(s.logPath(run), 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() { s.end(syscall.SIGKILL, 0) }

// alive reports whether the current run is still running.
func (s *server) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop ends the server with SIGTERM (SIGKILL after 20 s).
func (s *server) stop() { s.end(syscall.SIGTERM, 20*time.Second) }

// end sends sig to the current run, if any, and waits for it to exit;
// with a grace period, it sends SIGKILL when the run outlives it.
func (s *server) end(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	<-done
}

func (s *server) dumpLogs() {
	for run := 1; run <= s.runs; run++ {
		s.t.Logf("serve run %d log (tail):\n%s", run, tail(s.logPath(run), 30))
	}
}

// logs returns every run's log so far.
func (s *server) logs() string {
	var b strings.Builder
	for run := 1; run <= s.runs; run++ {
		data, _ := os.ReadFile(s.logPath(run))
		b.Write(data)
	}
	return b.String()
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// proxyCall is one Web API call that went through the fault proxy.
type proxyCall struct {
	Method     string
	Channel    string    // the form's channel (chat.postMessage, chat.update)
	At         time.Time // when the call arrived
	Status     int
	RetryAfter time.Duration // for a 429
	Lost       bool          // the fake did the work; the answer was replaced by a 500
}

// faultProxy sits between huddlebot and the fake Slack. It answers a share
// of the calls itself with 429 (and Retry-After) or 500 before the fake
// sees them, or lets the fake do the work and then loses its answer (500),
// and it can hold chat.postMessage answers for a while after the fake has
// posted, so a kill often lands between a post and huddlebot recording it.
type faultProxy struct {
	fake   *slackfake.Server
	srv    *httptest.Server
	client *http.Client

	mu         sync.Mutex
	rng        *rand.Rand
	rate       float64 // share of calls faulted
	retryAfter int     // seconds, for 429s
	hold       time.Duration
	calls      []proxyCall
	faults     int // faults dealt so far; their kinds cycle 429, 500, lost, 429
}

func newFaultProxy(t *testing.T, fake *slackfake.Server, seed uint64) *faultProxy {
	t.Helper()
	p := &faultProxy{fake: fake, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 30 * time.Second}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// APIURL is the Web API base URL huddlebot is given (SLACK_API_URL).
func (p *faultProxy) APIURL() string { return p.srv.URL + "/api/" }

// set changes the faults: rate of calls faulted, Retry-After seconds, and
// how long to hold each chat.postMessage answer.
func (p *faultProxy) set(rate float64, retryAfter int, hold time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate, p.retryAfter, p.hold = rate, retryAfter, hold
}

// Calls returns the calls to method ("" for all).
func (p *faultProxy) Calls(method string) []proxyCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []proxyCall
	for _, c := range p.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

type faultKind int

const (
	faultNone faultKind = iota
	fault429
	fault500
	faultLost
)

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(r.Body)
	call := proxyCall{Method: method, At: time.Now()}
	if form, err := url.ParseQuery(string(body)); err == nil {
		call.Channel = form.Get("channel")
	}
	p.mu.Lock()
	kind := faultNone
	// Which calls fail is random (seeded); what they suffer cycles, so a run
	// with a handful of faults has met every kind: half 429s, a quarter
	// 500s before the work, a quarter lost after it. A response_url post is
	// not a Web API method and is never rate limited here, but can fail or
	// be lost like any HTTP call.
	response := strings.HasPrefix(r.URL.Path, "/response/")
	if response {
		call.Method = "response_url"
	}
	if (strings.HasPrefix(r.URL.Path, "/api/") || response) && p.rate > 0 && p.rng.Float64() < p.rate {
		kind = [...]faultKind{fault429, fault500, faultLost, fault429}[p.faults%4]
		if response && kind == fault429 {
			kind = fault500
		}
		p.faults++
	}
	retryAfter, hold := p.retryAfter, p.hold
	p.mu.Unlock()
	record := func(status int) {
		call.Status = status
		p.mu.Lock()
		p.calls = append(p.calls, call)
		p.mu.Unlock()
	}

	switch kind {
	case fault429:
		call.RetryAfter = time.Duration(retryAfter) * time.Second
		record(http.StatusTooManyRequests)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case fault500:
		record(http.StatusInternalServerError)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, strings.TrimSuffix(p.fake.URL(), "/")+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	res, err := p.client.Do(req)
	if err != nil {
		record(http.StatusBadGateway)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if method == "chat.postMessage" && hold > 0 {
		time.Sleep(hold)
	}
	if kind == faultLost {
		call.Lost = true
		record(http.StatusInternalServerError)
		http.Error(w, "upstream timeout", http.StatusInternalServerError)
		return
	}
	record(res.StatusCode)
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(data)
}

// checkRetryAfter fails the test for every call to a method that arrived
// sooner than the Retry-After of an earlier 429 to that method allowed —
// for chat.postMessage, whose limit Slack keeps per channel, to that method
// and channel. A call already on its way when the 429 went out may arrive
// just after it: grace covers that.
func checkRetryAfter(t *testing.T, calls []proxyCall, grace time.Duration) (limited int) {
	t.Helper()
	byMethod := map[string][]proxyCall{}
	for _, c := range calls {
		key := c.Method
		if c.Method == "chat.postMessage" {
			key += " to " + c.Channel
		}
		byMethod[key] = append(byMethod[key], c)
	}
	violations := 0
	for method, cs := range byMethod {
		for i, c := range cs {
			if c.Status != http.StatusTooManyRequests {
				continue
			}
			limited++
			until := c.At.Add(c.RetryAfter)
			for _, d := range cs[i+1:] {
				if d.At.After(until) {
					break
				}
				if d.At.Sub(c.At) > grace && until.Sub(d.At) > 50*time.Millisecond {
					violations++
					if violations <= 10 {
						t.Errorf("%s called %s after a 429 with Retry-After %s (%s early)", method,
							d.At.Sub(c.At).Round(time.Millisecond), c.RetryAfter, until.Sub(d.At).Round(time.Millisecond))
					}
				}
			}
		}
	}
	if violations > 10 {
		t.Errorf("… %d calls in all ignored a Retry-After", violations)
	}
	return limited
}

// world is one fault test's setup: a fresh database with the test content
// and n nurses whose DM channels are already known, a fake Slack (behind a
// fault proxy), and huddlebot's settings to reach them.
type world struct {
	t     *testing.T
	dbURL string
	db    *store.DB
	fake  *slackfake.Server
	proxy *faultProxy
	users []string
	vars  map[string]string
}

// newWorld prepares the database with the huddlebot CLI (content import,
// roster import) and then gives every member an all-day, every-day
// schedule, a daily delivery time hours away (so the scheduler adds no
// prompt of its own during the test) and an open DM channel at the fake.
func newWorld(t *testing.T, dbURL string, n int, seed uint64) *world {
	t.Helper()
	start := time.Now()
	w := &world{t: t, dbURL: dbURL, fake: slackfake.New()}
	t.Cleanup(w.fake.Close)
	w.proxy = newFaultProxy(t, w.fake, seed)
	w.vars = map[string]string{
		"HUDDLEBOT_DATABASE_URL": dbURL,
		"HUDDLEBOT_CONTENT_DIR":  contentDir,
		"HUDDLEBOT_LOG_LEVEL":    "info",
		"HUDDLEBOT_JOB_TIMEOUT":  "2s",
		"SLACK_BOT_TOKEN":        botToken,
		"SLACK_SIGNING_SECRET":   signSecret,
		"SLACK_API_URL":          w.proxy.APIURL(),
	}
	cli(t, w.vars, "content", "import", contentDir)

	// A zone where it is just past midnight: the daily prompt (12:00 local)
	// stays hours away for the whole test.
	hour := time.Now().UTC().Hour()
	offset := (24 - hour) % 24
	if offset > 14 {
		offset -= 24
	}
	zone := "Etc/GMT"
	switch {
	case offset > 0:
		zone = fmt.Sprintf("Etc/GMT-%d", offset) // POSIX sign: GMT-11 is UTC+11
	case offset < 0:
		zone = fmt.Sprintf("Etc/GMT+%d", -offset)
	}
	var csv strings.Builder
	csv.WriteString("user_id,name,role,department,timezone,email\n")
	w.users = make([]string, n)
	for i := range w.users {
		w.users[i] = fmt.Sprintf("UF%05d", i)
		fmt.Fprintf(&csv, "%s,Nurse %d,nurse,4west,%s,\n", w.users[i], i, zone)
	}
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// Flags first: `roster` stops reading flags at its first argument.
	cli(t, w.vars, "roster", "--platform", "slack", "--workspace", team, "import", roster)

	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	ws, err := db.WorkspaceEnsure(ctx, "slack", team, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	members, err := w.members(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != n {
		t.Fatalf("roster import: %d members, want %d", len(members), n)
	}
	allDay, noon, week := member.Clock(0), member.Clock(12*60), member.AllWeek
	err = db.Tx(ctx, func(tx *store.Tx) error {
		for _, m := range members {
			if err := db.MemberUpdate(ctx, tx, m.ID, store.MemberSettings{WorkStart: &allDay, WorkEnd: &allDay,
				WorkDays: &week, DeliveryTime: &noon}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every member has had a DM from the bot before: huddlebot knows the
	// DM channel, and the fake learns it the way Slack does (it was opened).
	if _, err := db.ExecContext(ctx, `UPDATE member SET dm_channel = 'D' || user_id`); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range w.users {
		form := url.Values{"users": {u}}
		req, _ := http.NewRequest(http.MethodPost, w.fake.APIURL()+"conversations.open", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+botToken)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	t.Logf("setup: %d members imported and prepared in %s", n, time.Since(start).Round(time.Millisecond))
	return w
}

func (w *world) members(ctx context.Context, wsID int64) ([]*member.Member, error) {
	var out []*member.Member
	f := store.MemberFilter{WorkspaceID: wsID, Limit: 1000}
	for {
		ms, err := w.db.MemberList(ctx, w.db, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if len(ms) < f.Limit {
			return out, nil
		}
		f.AfterID = ms[len(ms)-1].ID
	}
}

// sendBurst runs `huddlebot burst send fault-burst --now` and checks that
// it queued one prompt per member.
func (w *world) sendBurst() {
	w.t.Helper()
	out := cli(w.t, w.vars, "burst", "send", burstID, "--now", "--platform", "slack", "--workspace", team)
	w.t.Logf("burst send: %s", strings.TrimSpace(lastLines(out, 3)))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// recordedSent returns the ids of the messages huddlebot has recorded as
// posted (sent_revision ≥ 1).
func (w *world) recordedSent(ctx context.Context) (map[int64]bool, error) {
	var ids []int64
	if err := w.db.SelectContext(ctx, &ids, `SELECT id FROM message WHERE sent_revision > 0`); err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// recordedAfterKill returns recordedSent once it has stopped changing: a
// COMMIT huddlebot sent just before its SIGKILL may still complete at
// PostgreSQL after the process is gone (the server finishes the statement
// before it notices the closed socket), and a post recorded that way is
// not in the crash window. Read until three reads 50 ms apart agree (at
// most 5 s).
func (w *world) recordedAfterKill(ctx context.Context) map[int64]bool {
	w.t.Helper()
	var last map[int64]bool
	same := 0
	for deadline := time.Now().Add(5 * time.Second); same < 2 && time.Now().Before(deadline); {
		got, err := w.recordedSent(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if last != nil && len(got) == len(last) {
			same++
		} else {
			same = 0
		}
		last = got
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// jobsPending returns how many delivery jobs are not finished yet.
func (w *world) jobsPending(ctx context.Context) (int, map[string]int, error) {
	counts, err := w.db.JobCounts(ctx)
	if err != nil {
		return 0, nil, err
	}
	n := 0
	for state, c := range counts {
		switch state {
		case "completed", "cancelled", "discarded":
		default:
			n += c
		}
	}
	return n, counts, nil
}

// waitDelivered waits until the fake holds want distinct huddlebot
// messages and no delivery job is left, or fails after within.
func (w *world) waitDelivered(want int, within time.Duration, alive func() bool) {
	w.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	next := time.Now().Add(10 * time.Second)
	for {
		got := len(w.fake.ByMessageID())
		pending, counts, err := w.jobsPending(ctx)
		if err == nil && got >= want && pending == 0 {
			return
		}
		if alive != nil && !alive() {
			w.t.Fatalf("serve died; %d of %d messages delivered", got, want)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("after %s: %d of %d messages delivered, jobs %v (err %v)", within, got, want, counts, err)
		}
		if time.Now().After(next) {
			w.t.Logf("waiting: %d of %d messages delivered, jobs %v", got, want, counts)
			next = time.Now().Add(10 * time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkExactlyOnce fails the test unless every user's DM channel holds
// exactly one message and every huddlebot message id was posted once.
func (w *world) checkExactlyOnce() {
	w.t.Helper()
	perChannel := map[string]int{}
	for _, m := range w.fake.Messages() {
		perChannel[m.Channel]++
	}
	missing, doubled := 0, 0
	for _, u := range w.users {
		switch n := perChannel["D"+u]; {
		case n == 0:
			missing++
			if missing <= 5 {
				w.t.Errorf("%s got no message", u)
			}
		case n > 1:
			doubled++
			if doubled <= 5 {
				w.t.Errorf("%s got %d messages", u, n)
			}
		}
		delete(perChannel, "D"+u)
	}
	for ch, n := range perChannel {
		w.t.Errorf("%d unexpected message(s) in %s", n, ch)
	}
	for id, n := range w.fake.ByMessageID() {
		if n != 1 {
			w.t.Errorf("message %d posted %d times", id, n)
		}
	}
	if missing+doubled > 0 {
		w.t.Errorf("%d of %d members got no message, %d got more than one", missing, len(w.users), doubled)
	}
}

func decodeJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}
