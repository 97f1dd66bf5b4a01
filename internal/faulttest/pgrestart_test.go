package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the private server's readiness check

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// privatePG is a PostgreSQL server of the test's own, in a temporary
// directory on a free port, so the test can restart it without disturbing
// the shared server other packages' tests use. The postmaster runs in the
// foreground as the test's child (as the postgres user when the test runs
// as root), so it dies with the test binary whatever happens.
type privatePG struct {
	t        *testing.T
	bin      string // directory of initdb and postgres
	data     string
	dir      string
	port     int
	asUser   bool
	uid, gid uint32
	URL      string

	cmd  *exec.Cmd
	done chan error
}

// startPrivatePG initdb's and starts a private PostgreSQL. It skips the
// test when the server binaries are missing, or fails it when
// HUDDLEBOT_TEST_REQUIRE_POSTGRES is set.
func startPrivatePG(t *testing.T) *privatePG {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if storetest.Required() {
			t.Fatalf("PostgreSQL required but %s", why)
		}
		t.Skipf("needs the PostgreSQL server binaries (apt-get install postgresql): %s", why)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	var bin string
	if len(bins) > 0 {
		slices.SortFunc(bins, func(a, b string) int { return pgVersion(b) - pgVersion(a) })
		bin = filepath.Dir(bins[0])
	} else if p, err := exec.LookPath("initdb"); err == nil {
		bin = filepath.Dir(p)
	} else {
		missing("no initdb in /usr/lib/postgresql/*/bin or on PATH")
	}
	pg := &privatePG{t: t, bin: bin, dir: t.TempDir(), port: freePort(t)}
	pg.data = filepath.Join(pg.dir, "data")
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root: run them as postgres,
		// in a directory it owns, under parents it can pass through.
		u, err := user.Lookup("postgres")
		if err != nil {
			missing("running as root and there is no postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.asUser, pg.uid, pg.gid = true, uint32(uid), uint32(gid)
		if err := os.Chown(pg.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		for d := filepath.Dir(pg.dir); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", pg.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = childAttr(pg.asUser, pg.uid, pg.gid)
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pg.cmd != nil {
			_ = pg.cmd.Process.Signal(syscall.SIGQUIT) // immediate shutdown
			<-pg.done
		}
	})
	return pg
}

func pgVersion(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (pg *privatePG) logFile() string { return filepath.Join(pg.dir, "server.log") }

// start runs the postmaster and waits until it accepts connections.
func (pg *privatePG) start() error {
	logf, err := os.OpenFile(pg.logFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(pg.bin, "postgres"), "-D", pg.data, "-p", strconv.Itoa(pg.port), "-k", pg.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr(pg.asUser, pg.uid, pg.gid)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("postgres: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	pg.cmd, pg.done = cmd, done
	db, err := sql.Open("postgres", pg.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-done:
			pg.cmd = nil
			log, _ := os.ReadFile(pg.logFile())
			return fmt.Errorf("postgres exited at start (%v):\n%s", err, log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(pg.logFile())
			return fmt.Errorf("postgres not ready after 60s (%v):\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// restart stops the server the way pg_ctl restart -m fast does (SIGINT:
// sessions are cut off, committed work is kept) and starts it again.
func (pg *privatePG) restart() error {
	if err := pg.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return err
	}
	select {
	case <-pg.done:
	case <-time.After(60 * time.Second):
		return fmt.Errorf("postgres did not stop within 60s")
	}
	return pg.start()
}

// answerResult is what happened to one signed answer click.
type answerResult struct {
	user   string
	status int
	err    error
	reply  string // the ephemeral reply that came back through response_url
}

// recorded reports whether the reply says the answer was stored.
func (r answerResult) recorded() bool {
	// A queued answer (the answer inbox) is acknowledged with no reply and
	// then confirmed through the click's response_url with the answered card
	// (replace_original), whose result line starts with ✅ or ❌. A refused
	// one gets "nothing was saved".
	return r.status == http.StatusOK && (r.reply == "" || strings.HasPrefix(r.reply, "✅") || strings.HasPrefix(r.reply, "❌") ||
		strings.Contains(r.reply, "\n✅ ") || strings.Contains(r.reply, "\n❌ "))
}

// TestPostgresRestartDuringAnswers: 300 members answer their burst quiz at
// 100 answers a second over signed HTTP while the PostgreSQL server is
// restarted (a fast shutdown, as pg_ctl restart -m fast) a second into
// the load. Every answer
// huddlebot confirmed is in the database exactly once; answers it could not
// store were answered "nothing was saved, try again" (never a silent
// loss); huddlebot reconnects by itself, so those members' second try, once
// the database is back, is stored — without restarting huddlebot.
func TestPostgresRestartDuringAnswers(t *testing.T) {
	t.Parallel()
	const members, rate = 300, 100
	pg := startPrivatePG(t)
	sd := seed(t)
	w := newWorld(t, pg.URL, members, sd)
	srv := newServer(t, w.vars)
	srv.start()
	w.sendBurst()
	w.waitDelivered(members, 2*time.Minute, srv.alive)

	msgs := w.fake.Messages()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	send := func(i int, round string) answerResult {
		m := msgs[i]
		user := strings.TrimPrefix(m.Channel, "D")
		id := fmt.Sprintf("%s-%d", round, i)
		body := clickBody(t, user, m, w.proxy.srv.URL+"/response/"+id)
		res := answerResult{user: user}
		resp, err := client.Do(slackfake.SignedRequest(srv.URL()+"/slack/events", signSecret, time.Now(), formType, body))
		if err != nil {
			res.err = err
			return res
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		res.status = resp.StatusCode
		return res
	}
	// replies collects the response_url replies of a round. A queued answer
	// gets none, so it waits until no new reply has come for two seconds.
	replies := func(round string, results []answerResult, idx []int) {
		t.Helper()
		last, lastChange := -1, time.Now()
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			n := len(w.fake.Responses())
			if n != last {
				last, lastChange = n, time.Now()
			} else if time.Since(lastChange) > 2*time.Second {
				break
			}
		}
		got := map[string]string{}
		for _, r := range w.fake.Responses() {
			if text, ok := r.Body["text"].(string); ok {
				got[strings.TrimPrefix(r.Path, "/response/")] = text
			}
		}
		for _, i := range idx {
			results[i].reply = got[fmt.Sprintf("%s-%d", round, i)]
		}
	}

	// Round 1: answers at a steady rate, the database restarted 1 s in.
	results := make([]answerResult, members)
	all := make([]int, members)
	for i := range all {
		all[i] = i
	}
	var wg sync.WaitGroup
	type restartResult struct {
		took time.Duration
		err  error
	}
	restarted := make(chan restartResult, 1)
	go func() {
		time.Sleep(time.Second)
		start := time.Now()
		err := pg.restart()
		restarted <- restartResult{time.Since(start), err}
	}()
	start := time.Now()
	for i := range members {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = send(i, "a") }()
	}
	wg.Wait()
	rr := <-restarted
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	outage := rr.took
	replies("a", results, all)
	var confirmed, refused, other []int
	for i, r := range results {
		switch {
		case r.recorded():
			confirmed = append(confirmed, i)
		case r.status == http.StatusOK && strings.Contains(r.reply, "nothing was saved"),
			r.status == http.StatusServiceUnavailable:
			refused = append(refused, i)
		default:
			other = append(other, i)
		}
	}
	t.Logf("round 1: %d answers confirmed, %d refused (\"nothing was saved\" or 503) during a %s restart",
		len(confirmed), len(refused), outage.Round(time.Millisecond))
	for _, i := range other {
		t.Errorf("%s: status %d, err %v, reply %q: neither confirmed nor refused", results[i].user, results[i].status, results[i].err, results[i].reply)
	}
	if len(refused) == 0 {
		t.Errorf("no answer fell into the restart: the test did not exercise the outage")
	}
	if !srv.alive() {
		t.Fatal("huddlebot died with its database")
	}

	// The database is back; huddlebot reconnects by itself. Everyone whose
	// answer was refused tries again, and is stored.
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(srv.URL() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready 30 s after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, i := range refused {
		results[i] = send(i, "b")
	}
	replies("b", results, refused)
	ambiguous := 0
	for _, i := range refused {
		r := results[i]
		switch {
		case r.recorded():
		case r.status == http.StatusOK && strings.Contains(r.reply, "already answered"):
			ambiguous++ // the commit went through as the connection died
		default:
			t.Errorf("%s tried again after the restart: status %d, err %v, reply %q", r.user, r.status, r.err, r.reply)
		}
	}
	t.Logf("round 2: the %d refused members tried again; %d of them had in fact been stored", len(refused), ambiguous)

	// Exactly one answer per member; each confirmed one as confirmed. The
	// answer applier empties the inbox first.
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var waiting int
		if err := w.db.GetContext(ctx, &waiting, `SELECT COUNT(*) FROM answer_inbox`); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d answers still in the inbox a minute after the load", waiting)
		}
	}
	var rows []struct {
		User   string `db:"user_id"`
		Choice int    `db:"choice"`
		N      int    `db:"n"`
	}
	if err := w.db.SelectContext(ctx, &rows, `SELECT m.user_id, MIN(a.choice) AS choice, COUNT(*) AS n
		FROM answer a JOIN member m ON m.id = a.member_id GROUP BY m.user_id`); err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, r := range rows {
		stored[r.User] = r.N
		if r.N != 1 {
			t.Errorf("%s has %d answers stored", r.User, r.N)
		}
	}
	for _, i := range confirmed {
		if stored[results[i].user] != 1 {
			t.Errorf("%s's answer was confirmed but is not stored", results[i].user)
		}
	}
	if len(stored) != members {
		t.Errorf("%d members have an answer stored, want %d", len(stored), members)
	}
}
