package sandbox

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGuardLoopbackOnly: a client on another computer, or one that came
// through a proxy, is refused unless the operator opted in (Public).
func TestGuardLoopbackOnly(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	wide := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 8080}
	for _, c := range []struct {
		name   string
		public bool
		remote string
		laddr  net.Addr
		host   string
		header string
		want   int
	}{
		{"loopback", false, "127.0.0.1:5000", local, "127.0.0.1:8080", "", 200},
		{"IPv6 loopback", false, "[::1]:5000", &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "[::1]:8080", "", 200},
		{"another computer", false, "10.0.0.5:5000", wide, "10.0.0.2:8080", "", 403},
		{"through a local proxy", false, "127.0.0.1:5000", local, "127.0.0.1:8080", "203.0.113.9", 403},
		{"another computer, opted in", true, "10.0.0.5:5000", wide, "huddlebot.ward.example:8080", "", 200},
	} {
		s := &Server{Public: c.public}
		r := httptest.NewRequest(http.MethodGet, "/sandbox/api/people", nil)
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, c.laddr))
		r.RemoteAddr, r.Host = c.remote, c.host
		if c.header != "" {
			r.Header.Set("X-Forwarded-For", c.header)
		}
		rec := httptest.NewRecorder()
		s.guard(ok).ServeHTTP(rec, r)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, rec.Code, c.want, rec.Body)
		}
		if rec.Code == 403 && !strings.Contains(rec.Body.String(), "HUDDLEBOT_SANDBOX_PUBLIC") {
			t.Errorf("%s: the refusal does not say how to opt in: %s", c.name, rec.Body)
		}
	}
}
