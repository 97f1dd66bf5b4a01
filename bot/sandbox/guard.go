package sandbox

import (
	"mime"
	"net"
	"net/http"
	"strings"
)

// guard wraps the sandbox's routes with the checks that keep it local: the
// sandbox has no sign-in (anyone it serves can act as any person, trainers
// included), so by default it serves only this computer.
//
//   - A client that is not on loopback, or came through a proxy, is refused
//     (403) unless the operator opted in (Public).
//   - The Host header must name a loopback address and the port the request
//     came in on: a web page whose DNS name was rebound to 127.0.0.1 sends
//     its own name, and is refused (DNS rebinding). Not checked when Public
//     (the operator's host names are not known).
//   - A request that changes something (any method but GET and HEAD) must
//     be JSON (Content-Type application/json: a cross-site form or a
//     no-cors fetch cannot send that without a preflight the sandbox never
//     answers), and its Origin, when the browser sends one, must be this
//     page's own (http://HOST) and not a cross-site fetch (Sec-Fetch-Site).
//   - Every answer forbids framing (X-Frame-Options, CSP frame-ancestors),
//     so another page cannot overlay the chat and trick clicks.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if !s.Public {
			if !LoopbackRequest(r) {
				writeError(w, http.StatusForbidden, "The sandbox only serves this computer (a loopback client, not through a proxy): "+
					"anyone it serves can act as any person, trainers included. To serve others on purpose, set HUDDLEBOT_SANDBOX_PUBLIC=1.")
				return
			}
			if !LoopbackHost(r) {
				writeError(w, http.StatusForbidden, "The sandbox answers only requests addressed to this computer "+
					"(Host 127.0.0.1, localhost or [::1] with its own port), not "+quoteHost(r.Host)+".")
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "The sandbox API takes JSON: send Content-Type: application/json.")
				return
			}
			if !sameOrigin(r) {
				writeError(w, http.StatusForbidden, "The sandbox API answers only its own page: this request came from another site.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether a browser request came from the sandbox's own
// page. Requests without Origin or Sec-Fetch-Site are not from a browser
// page (curl, scripts, tests) and pass: the content-type rule covers forms.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return strings.EqualFold(origin, "http://"+r.Host) || strings.EqualFold(origin, "https://"+r.Host)
}

// LoopbackRequest reports whether the request came straight from this
// machine: a loopback peer on a loopback local address, and no proxy
// headers (a local reverse proxy would make every client look local).
func LoopbackRequest(r *http.Request) bool {
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

// LoopbackHost reports whether the request's Host header names this
// machine — localhost or a loopback IP — and the port the connection came in
// on, so a rebound DNS name ("rebind.evil.example") is refused.
func LoopbackHost(r *http.Request) bool {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, "80"
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(strings.Trim(host, "[]")); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
		return false
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, lport, err := net.SplitHostPort(la.String()); err == nil && lport != port {
			return false
		}
	}
	return true
}

func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100]
	}
	return "\"" + strings.ToValidUTF8(h, "?") + "\""
}
