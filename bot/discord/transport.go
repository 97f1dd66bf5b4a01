package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Discord allows a bot 50 requests per second across all routes (the
// global limit) on top of each route's own bucket, which discordgo tracks
// from the X-RateLimit headers. The transport below stays under the global
// one proactively, so a burst fan-out slows down instead of collecting 429s.
const (
	defaultGlobalRate  = 45 // requests per second, sustained
	defaultGlobalBurst = 4  // rate + burst stays under 50 in any one-second window
)

// bucket is a token bucket that hands out reservations: take returns how
// long the caller must wait before its request may go out. Callers that
// arrive while the bucket is empty queue behind one another (the deficit
// grows), so waits are fair and the long-run rate never exceeds rate.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// take reserves one token at now and returns the wait before using it.
func (b *bucket) take(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		if d := now.Sub(b.last).Seconds(); d > 0 {
			b.tokens = min(b.burst, b.tokens+d*b.rate)
		}
	}
	if now.After(b.last) {
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// apiPrefix matches the REST base discordgo builds its endpoints on.
var apiPrefix = regexp.MustCompile(`^https://discord\.com/api/`)

// transport rewrites discordgo's https://discord.com/api/… URLs to an
// override (DISCORD_API_URL, for tests and proxies) and applies the
// proactive global rate limit. Interaction callbacks and webhook follow-ups
// are exempt from the global limit (Discord does not count them), so acks
// are never queued behind a fan-out.
type transport struct {
	base  http.RoundTripper
	api   *url.URL // nil: no rewrite
	limit *bucket  // nil: no limit
	now   func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.limit != nil && !exempt(req.URL.Path) {
		if wait := t.limit.take(t.now()); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-req.Context().Done():
				timer.Stop()
				if req.Body != nil {
					req.Body.Close()
				}
				return nil, req.Context().Err()
			case <-timer.C:
			}
		}
	}
	if t.api != nil {
		if u := req.URL.String(); apiPrefix.MatchString(u) {
			nu, err := url.Parse(t.api.String() + apiPrefix.ReplaceAllString(u, ""))
			if err != nil {
				return nil, fmt.Errorf("rewrite %s: %w", u, err)
			}
			req = req.Clone(req.Context())
			req.URL = nu
			req.Host = nu.Host
		}
	}
	return t.base.RoundTrip(req)
}

// exempt reports whether a REST path is outside the global rate limit.
func exempt(path string) bool {
	return strings.Contains(path, "/interactions/") || strings.Contains(path, "/webhooks/")
}

// parseAPIURL checks DISCORD_API_URL: an absolute http(s) URL that stands
// for https://discord.com/api/ (a trailing slash is added).
func parseAPIURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("DISCORD_API_URL: %q must be an absolute http(s) URL like http://127.0.0.1:9999/api/", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}
