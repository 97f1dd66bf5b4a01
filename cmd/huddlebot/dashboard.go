package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

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
	guarded := dashboardGuard(m.Config, h)
	m.Mux.Handle("/dashboard", guarded)
	m.Mux.Handle("/dashboard/", guarded)
	if m.Config.DashboardPassword == "" && !m.Config.Sandbox() {
		m.Log.Warn("dashboard disabled: set HUDDLEBOT_DASHBOARD_PASSWORD to serve /dashboard")
	}
	return nil
}

// dashboardGuard wraps the dashboard with the access rules above.
func dashboardGuard(cfg *Config, next http.Handler) http.Handler {
	if cfg.DashboardPassword != "" {
		want := sha256.Sum256([]byte(dashboardUser + ":" + cfg.DashboardPassword))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			// Compare digests of equal length in constant time, user and
			// password together, so timing says nothing about either.
			got := sha256.Sum256([]byte(user + ":" + pass))
			if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="huddlebot dashboard", charset="UTF-8"`)
				http.Error(w, "The trainers' dashboard needs a password: sign in as user \"trainer\" with HUDDLEBOT_DASHBOARD_PASSWORD.", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cfg.Sandbox() || !loopbackHost(cfg.Listen) {
			http.Error(w, "The dashboard is disabled: set HUDDLEBOT_DASHBOARD_PASSWORD to serve it. "+
				"Without a password it is only served by the local sandbox on a loopback address (127.0.0.1).", http.StatusNotFound)
			return
		}
		if !loopbackClient(r) {
			http.Error(w, "Without HUDDLEBOT_DASHBOARD_PASSWORD the dashboard is only shown to this computer (a loopback client, not through a proxy). "+
				"Set a password to open it from elsewhere.", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
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

// loopbackClient reports whether the request came straight from this
// machine: a loopback peer on a loopback local address, and no proxy
// headers (a local reverse proxy would make every client look local).
func loopbackClient(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return false
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if h, _, err := net.SplitHostPort(la.String()); err == nil {
			if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
				return false
			}
		}
	}
	return true
}
