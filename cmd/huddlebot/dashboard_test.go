package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/internal/browsertest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

func httpGet(t *testing.T, url, user, pass string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// seededURL returns a database of the backend filled by `demo seed`.
func seededURL(t *testing.T, b store.Backend, members, days int) string {
	t.Helper()
	url := storetest.URL(t, b)
	code, _, errs := runCLI(t, map[string]string{"HUDDLEBOT_DATABASE_URL": url}, "demo", "seed",
		"--members", fmt.Sprint(members), "--days", fmt.Sprint(days), "--seed", "3")
	if code != 0 {
		t.Fatalf("demo seed: %s", errs)
	}
	return url
}

// TestDashboardPassword: with HUDDLEBOT_DASHBOARD_PASSWORD set the dashboard
// refuses without it (also in sandbox mode, also from loopback) and shows
// SVG charts with trainer:PASSWORD.
func TestDashboardPassword(t *testing.T) {
	storetest.ParallelEachBackend(t, func(t *testing.T, b store.Backend) {
		url := seededURL(t, b, 150, 21)
		_, base, logs := startTestMain(t, b, map[string]string{"HUDDLEBOT_DATABASE_URL": url, "HUDDLEBOT_DASHBOARD_PASSWORD": "s3cret passphrase"})
		for _, c := range []struct{ user, pass string }{{"", ""}, {"trainer", "wrong"}, {"admin", "s3cret passphrase"}, {"trainer", "s3cret passphras"}} {
			code, h, _ := httpGet(t, base+"/dashboard", c.user, c.pass, nil)
			if code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s:%s → %d %q, want 401 with WWW-Authenticate", c.user, c.pass, code, h.Get("WWW-Authenticate"))
			}
		}
		if code, _, _ := httpGet(t, base+"/dashboard?format=csv&table=accuracy", "", "", nil); code != 401 {
			t.Errorf("CSV without the password = %d", code)
		}
		code, h, body := httpGet(t, base+"/dashboard", "trainer", "s3cret passphrase", nil)
		if code != 200 || !strings.Contains(body, "<svg") || strings.Count(body, "<rect") < 10 {
			t.Fatalf("with the password: %d, %d rects\n%s", code, strings.Count(body, "<rect"), logs)
		}
		if !strings.Contains(h.Get("Content-Type"), "text/html") {
			t.Errorf("content type %q", h.Get("Content-Type"))
		}
		code, h, body = httpGet(t, base+"/dashboard/?format=csv&table=accuracy", "trainer", "s3cret passphrase", nil)
		rows := parseCSV(t, body)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || len(rows) < 5 || rows[0][0] != "topic" {
			t.Errorf("CSV with the password: %d %q", code, body)
		}
		if strings.Contains(logs.String(), "s3cret") {
			t.Error("the dashboard password reached the log")
		}
	})
}

// TestDashboardWithoutPassword: without a password the sandbox serves the
// dashboard to loopback clients only.
func TestDashboardWithoutPassword(t *testing.T) {
	t.Parallel()
	_, base, _ := startTestMain(t, store.SQLite, nil)
	if code, _, body := httpGet(t, base+"/dashboard", "", "", nil); code != 200 || !strings.Contains(body, "<svg") {
		t.Errorf("loopback sandbox without a password: %d", code)
	}
	if code, _, body := httpGet(t, base+"/dashboard", "", "", map[string]string{"X-Forwarded-For": "203.0.113.9"}); code != 403 || !strings.Contains(body, "HUDDLEBOT_DASHBOARD_PASSWORD") {
		t.Errorf("through a proxy without a password: %d %q", code, body)
	}
}

// TestDashboardGuard checks the access rules one by one.
func TestDashboardGuard(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "dashboard") })
	sandbox := &Config{Listen: "127.0.0.1:8080"}
	slack := &Config{Listen: "127.0.0.1:8080", SlackBotToken: "xoxb-1", SlackSigningSecret: "x"}
	wide := &Config{Listen: "0.0.0.0:8080"}
	withPW := &Config{Listen: "0.0.0.0:8080", DashboardPassword: "pw"}
	local := func(r *http.Request) *http.Request {
		return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
	}
	tests := []struct {
		name   string
		cfg    *Config
		remote string
		user   string
		pass   string
		want   int
		says   string
	}{
		{"sandbox, loopback", sandbox, "127.0.0.1:5000", "", "", 200, "dashboard"},
		{"sandbox, IPv6 loopback", sandbox, "[::1]:5000", "", "", 200, "dashboard"},
		{"sandbox, another machine", sandbox, "10.0.0.5:5000", "", "", 403, "only shown to this computer"},
		{"platform, no password", slack, "127.0.0.1:5000", "", "", 404, "disabled"},
		{"sandbox on all interfaces, no password", wide, "127.0.0.1:5000", "", "", 404, "loopback address"},
		{"password, none given", withPW, "127.0.0.1:5000", "", "", 401, "needs a password"},
		{"password, right", withPW, "10.0.0.5:5000", "trainer", "pw", 200, "dashboard"},
		{"password, wrong user", withPW, "10.0.0.5:5000", "Trainer", "pw", 401, "needs a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := local(httptest.NewRequest(http.MethodGet, "/dashboard", nil))
			r.Host = "127.0.0.1:8080" // addressed to this computer
			r.RemoteAddr = tt.remote
			if tt.user != "" {
				r.SetBasicAuth(tt.user, tt.pass)
			}
			rec := httptest.NewRecorder()
			dashboardGuard(tt.cfg, ok).ServeHTTP(rec, r)
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.says) {
				t.Errorf("got %d %q, want %d containing %q", rec.Code, rec.Body.String(), tt.want, tt.says)
			}
		})
	}
	for listen, want := range map[string]bool{"127.0.0.1:1": true, "localhost:1": true, "[::1]:1": true, "0.0.0.0:1": false, ":8080": false, "192.168.1.2:1": false, "bad": false} {
		if got := loopbackHost(listen); got != want {
			t.Errorf("loopbackHost(%q) = %v", listen, got)
		}
	}
}

// TestDashboardInBrowser loads the dashboard after `demo seed` in headless
// Chromium, checks that the SVG charts rendered (bars with a real size on
// screen), uses the filter form, and saves a screenshot (to
// HUDDLEBOT_DASHBOARD_SCREENSHOT if set, else the test's temp dir).
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	opts := browsertest.Options(t, 1280, 900) // skips early without a browser
	url := seededURL(t, store.SQLite, 300, 35)
	_, base, _ := startTestMain(t, store.SQLite, map[string]string{"HUDDLEBOT_DATABASE_URL": url})

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	// The browser must be gone before t.TempDir (its profile) is removed.
	t.Cleanup(func() { cancelTab(); cancelAlloc() })

	type chartInfo struct {
		SVGs    int      `json:"svgs"`
		Bars    int      `json:"bars"`
		Sized   int      `json:"sized"`
		Widest  float64  `json:"widest"`
		Titles  []string `json:"titles"`
		Signals int      `json:"signals"`
		First   string   `json:"first"`
	}
	const probe = `(() => {
		const rects = [...document.querySelectorAll('figure.chart svg rect')];
		const sized = rects.filter(r => { const b = r.getBoundingClientRect(); return b.width > 0.5 && b.height > 0.5; });
		return {
			svgs: document.querySelectorAll('figure.chart svg').length,
			bars: rects.length,
			sized: sized.length,
			widest: Math.max(0, ...sized.map(r => r.getBoundingClientRect().width)),
			titles: [...document.querySelectorAll('figure.chart figcaption')].map(e => e.textContent),
			signals: document.querySelectorAll('.card.signal').length,
			first: document.querySelector('main section:nth-of-type(2) h2').textContent,
		};
	})()`
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`figure.chart svg`)),
	); err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}
	info, err := chromedp.Run(bctx, chromedp.Evaluate[chartInfo](probe))
	if err != nil {
		t.Fatalf("probe the charts: %v", err)
	}
	if info.SVGs != 4 || info.Sized < 10 || info.Widest < 50 {
		t.Errorf("charts did not render: %+v", info)
	}
	if info.Signals < 5 || info.First != "Refresh signals" {
		t.Errorf("the refresh signals are not first or not all there: %+v", info)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := os.Getenv("HUDDLEBOT_DASHBOARD_SCREENSHOT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "dashboard.jpg")
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))

	// The filter form: choose nurses, apply, and the page follows.
	if err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS(`select[name=role]`), "nurse"),
		chromedp.Click(chromedp.CSS(`form.filters button`)),
	); err != nil {
		t.Fatalf("filter by role: %v", err)
	}
	var loc string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(loc, "role=nurse") && time.Now().Before(deadline); {
		loc, _ = chromedp.Run(bctx, chromedp.Location()) // fails while the page is being replaced
		time.Sleep(50 * time.Millisecond)
	}
	if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS(`figure.chart svg`))); err != nil {
		t.Fatalf("the filtered page did not load (%s): %v", loc, err)
	}
	nurseInfo, err := chromedp.Run(bctx, chromedp.Evaluate[chartInfo](probe))
	if err != nil {
		t.Fatal(err)
	}
	selected, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('select[name=role]').value`))
	if err != nil || selected != "nurse" || nurseInfo.Sized < 5 || !strings.Contains(loc, "role=nurse") {
		t.Errorf("after filtering: %s role %q %+v %v", loc, selected, nurseInfo, err)
	}
}

// TestDashboardBruteForce: failed sign-ins are limited per client address
// (10 per 15 minutes) and in total (100), then refused with 429 and
// Retry-After even with the right password, until the window passes; other
// addresses are not affected by one address's lock; every failure is
// logged without what was typed.
func TestDashboardBruteForce(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery"
	cfg := &Config{Listen: "0.0.0.0:8080", DashboardPassword: pw}
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	var logs bottest.Buffer
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "dashboard") })
	guard := newDashboardGuard(cfg, ok, slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return now })
	try := func(remote, pass string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
		r.RemoteAddr = remote
		r.SetBasicAuth("trainer", pass)
		rec := httptest.NewRecorder()
		guard.ServeHTTP(rec, r)
		return rec
	}
	for i := 0; i < 10; i++ {
		if rec := try("203.0.113.7:4000", fmt.Sprintf("guess-%d", i)); rec.Code != 401 {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	rec := try("203.0.113.7:4001", pw)
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Too many failed sign-ins") {
		t.Errorf("11th attempt from the same address: %d %q, want 429 with Retry-After", rec.Code, rec.Body.String())
	}
	if rec := try("198.51.100.1:4000", pw); rec.Code != 200 {
		t.Errorf("another address with the right password: %d", rec.Code)
	}
	now = now.Add(15 * time.Minute)
	if rec := try("203.0.113.7:4002", pw); rec.Code != 200 {
		t.Errorf("after the window: %d", rec.Code)
	}

	// Guesses spread over many addresses hit the total limit.
	for i := 0; i < 100; i++ {
		try(fmt.Sprintf("192.0.2.%d:4000", i%250), fmt.Sprintf("spray-%d", i))
	}
	if rec := try("198.51.100.200:4000", pw); rec.Code != 429 {
		t.Errorf("after 100 failures from many addresses: %d, want 429", rec.Code)
	}
	out := logs.String()
	if n := strings.Count(out, "dashboard: failed sign-in"); n < 100 {
		t.Errorf("%d failed sign-ins logged, want every one", n)
	}
	if !strings.Contains(out, "too many failed sign-ins") || !strings.Contains(out, "client=203.0.113.7") {
		t.Errorf("the lock-out is not logged with the client address:\n%s", out[:min(len(out), 2000)])
	}
	if strings.Contains(out, "guess-") || strings.Contains(out, "spray-") || strings.Contains(out, pw) {
		t.Error("an attempted password reached the log")
	}
}

// TestDashboardPasswordMinimumLength: serve refuses a dashboard password
// shorter than 12 characters at start-up, naming the variable.
func TestDashboardPasswordMinimumLength(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]bool{"pw": false, "elevenchars": false, "twelve chars": true, "ünïcödé pässwörd": true} {
		cfg := LoadConfig(func(k string) string {
			if k == "HUDDLEBOT_DASHBOARD_PASSWORD" {
				return pw
			}
			return ""
		}, flag.NewFlagSet("t", flag.ContinueOnError))
		err := cfg.Validate()
		if got := err == nil || !strings.Contains(err.Error(), "HUDDLEBOT_DASHBOARD_PASSWORD"); got != want {
			t.Errorf("password %q: Validate() = %v", pw, err)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
