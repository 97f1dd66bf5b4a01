package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/dashboard"
)

// The trainers' dashboard at /dashboard. Who may see it:
//   - HUDDLEBOT_DASHBOARD_PASSWORD set: anyone with HTTP Basic credentials
//     trainer:PASSWORD — always, in sandbox mode too;
//   - not set: only the sandbox, only on a loopback listen address, and only
//     to loopback clients that did not come through a proxy.
func init() {
	httpSetups = append(httpSetups, setupDashboard)
}

// dashboardUser is the HTTP Basic user name of the dashboard.
const dashboardUser = "trainer"

func setupDashboard(m *Main) error {
	h := &dashboard.Handler{DB: m.DB, Log: m.Log}
	if m.Bot != nil {
		h.Now = m.Bot.Now
	}
	guarded := newDashboardGuard(m.Config, h, m.Log, time.Now)
	m.Mux.Handle("/dashboard", guarded)
	m.Mux.Handle("/dashboard/", guarded)
	if m.Config.DashboardPassword == "" && !m.Config.Sandbox() {
		m.Log.Warn("dashboard disabled: set HUDDLEBOT_DASHBOARD_PASSWORD to serve /dashboard")
	}
	return nil
}

// dashboardGuard wraps the dashboard with the access rules above (tests:
// no log, the real clock).
func dashboardGuard(cfg *Config, next http.Handler) http.Handler {
	return newDashboardGuard(cfg, next, slog.New(slog.DiscardHandler), time.Now)
}

// newDashboardGuard wraps the dashboard with the access rules above. With a
// password, failed sign-ins are limited per client address and in total
// (authLimiter) and logged without what was typed.
func newDashboardGuard(cfg *Config, next http.Handler, log *slog.Logger, now func() time.Time) http.Handler {
	if cfg.DashboardPassword != "" {
		want := sha256.Sum256([]byte(dashboardUser + ":" + cfg.DashboardPassword))
		lim := newAuthLimiter(now)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client := clientAddr(r)
			if wait, scope := lim.blocked(client); wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
				http.Error(w, fmt.Sprintf("Too many failed sign-ins to the trainers' dashboard %s. Try again in %d minute(s).",
					scope, (wait+time.Minute-1)/time.Minute), http.StatusTooManyRequests)
				return
			}
			user, pass, ok := r.BasicAuth()
			// Compare digests of equal length in constant time, user and
			// password together, so timing says nothing about either.
			got := sha256.Sum256([]byte(user + ":" + pass))
			if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				if ok { // a browser's first request carries no credentials: not a guess
					n, total, locked := lim.fail(client)
					// Never the attempted password, nor the user name (people
					// type passwords into the wrong box).
					log.Warn("dashboard: failed sign-in", "client", client, "failures_from_client", n,
						"failures_total", total, "window", authWindow.String())
					if locked != "" {
						log.Warn("dashboard: too many failed sign-ins; refusing further attempts", "scope", locked,
							"client", client, "for", authWindow.String())
					}
				}
				w.Header().Set("WWW-Authenticate", `Basic realm="huddlebot dashboard", charset="UTF-8"`)
				http.Error(w, "The trainers' dashboard needs a password: sign in as user \"trainer\" with HUDDLEBOT_DASHBOARD_PASSWORD.", http.StatusUnauthorized)
				return
			}
			lim.succeed(client)
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cfg.Sandbox() || !loopbackHost(cfg.Listen) {
			http.Error(w, "The dashboard is disabled: set HUDDLEBOT_DASHBOARD_PASSWORD to serve it. "+
				"Without a password it is only served by the local sandbox on a loopback address (127.0.0.1).", http.StatusNotFound)
			return
		}
		if !sandbox.LoopbackRequest(r) {
			http.Error(w, "Without HUDDLEBOT_DASHBOARD_PASSWORD the dashboard is only shown to this computer (a loopback client, not through a proxy). "+
				"Set a password to open it from elsewhere.", http.StatusForbidden)
			return
		}
		// A page whose DNS name was rebound to 127.0.0.1 sends its own name
		// as Host: without a password, answer only requests addressed to
		// this computer.
		if !sandbox.LoopbackHost(r) {
			http.Error(w, "Without HUDDLEBOT_DASHBOARD_PASSWORD the dashboard answers only requests addressed to this computer "+
				"(Host 127.0.0.1, localhost or [::1] with its own port).", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// Failed dashboard sign-ins allowed per window: from one client address,
// and in total (guesses spread over many addresses). Behind a reverse proxy
// every client has the proxy's address, and the per-client limit acts as a
// second total one. A locked-out window also refuses the right password:
// otherwise guessing could go on and only the successes be told apart.
const (
	authWindow    = 15 * time.Minute
	authPerClient = 10
	authTotal     = 100
	authMaxTrack  = 10000 // client addresses remembered at most
)

// authLimiter counts failed sign-ins in fixed windows per client address
// and in total. It is in memory: each replica limits on its own, so N
// replicas allow N times the totals (still a few hundred guesses an hour
// against a password of at least 12 characters).
type authLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*authCount
	total   authCount
}

type authCount struct {
	start time.Time
	n     int
}

func newAuthLimiter(now func() time.Time) *authLimiter {
	return &authLimiter{now: now, clients: map[string]*authCount{}}
}

// current returns c's count in the window that holds now, starting a new
// window when the old one has passed.
func (c *authCount) current(now time.Time) int {
	if now.Sub(c.start) >= authWindow {
		c.start, c.n = now, 0
	}
	return c.n
}

// blocked returns how long client must wait and why, or 0.
func (l *authLimiter) blocked(client string) (time.Duration, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.total.current(now) >= authTotal {
		return l.total.start.Add(authWindow).Sub(now), "from all addresses"
	}
	if c := l.clients[client]; c != nil && c.current(now) >= authPerClient {
		return c.start.Add(authWindow).Sub(now), "from your address"
	}
	return 0, ""
}

// fail records a failed sign-in and returns the client's and the total
// count in their windows, and which limit this failure reached ("" if none).
func (l *authLimiter) fail(client string) (n, total int, locked string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c := l.clients[client]
	if c == nil {
		if len(l.clients) >= authMaxTrack {
			for k, v := range l.clients {
				if now.Sub(v.start) >= authWindow {
					delete(l.clients, k)
				}
			}
		}
		c = &authCount{start: now}
		l.clients[client] = c
	}
	c.current(now)
	c.n++
	l.total.current(now)
	l.total.n++
	switch {
	case l.total.n == authTotal:
		locked = "all addresses"
	case c.n == authPerClient:
		locked = "client"
	}
	return c.n, l.total.n, locked
}

// succeed forgets a client's failures once it signs in.
func (l *authLimiter) succeed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
}

// clientAddr is the request's peer address without the port. Proxy headers
// are not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// loopbackHost reports whether a listen address (host:port) only accepts
// connections from this machine.
func loopbackHost(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
