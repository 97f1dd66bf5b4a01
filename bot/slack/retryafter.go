package slack

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// retryAfterTransport honours Slack's Retry-After for every caller, not
// only for the delivery job whose call was refused: after a 429, further
// calls within Retry-After are answered here, in process, with a 429
// carrying the time still left, and never reach Slack. Slack counts its
// tiers per method and workspace, so a 429 holds the whole method — except
// chat.postMessage, whose limit is about one message per second per
// channel: there the hold is for that channel only, and posts to other
// channels go on. The hold is per process: another replica learns it from
// its own first 429.
type retryAfterTransport struct {
	next http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	until map[string]time.Time // URL path (…/api/chat.update), or path#channel for posts → end of hold
}

func newRetryAfterTransport(next http.RoundTripper) *retryAfterTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &retryAfterTransport{next: next, now: time.Now, until: map[string]time.Time{}}
}

// RoundTrip implements http.RoundTripper.
func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.URL.Path
	if strings.HasSuffix(key, "/chat.postMessage") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("channel") != "" {
			key += "#" + v.Get("channel")
		}
	}
	t.mu.Lock()
	until, held := t.until[key]
	now := t.now()
	if held && !now.Before(until) {
		delete(t.until, key)
		held = false
	}
	t.mu.Unlock()
	if held {
		if req.Body != nil {
			req.Body.Close()
		}
		// Whole seconds, rounded up: Slack's (and slack-go's) unit.
		secs := int64((until.Sub(now) + time.Second - 1) / time.Second)
		return &http.Response{
			Status:     "429 Too Many Requests (held in process)",
			StatusCode: http.StatusTooManyRequests,
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
			Body:    io.NopCloser(strings.NewReader("")),
			Request: req,
		}, nil
	}
	res, err := t.next.RoundTrip(req)
	if err != nil || res.StatusCode != http.StatusTooManyRequests {
		return res, err
	}
	wait := time.Second
	if s, err := strconv.ParseInt(strings.TrimSpace(res.Header.Get("Retry-After")), 10, 64); err == nil && s > 0 {
		wait = time.Duration(min(s, 3600)) * time.Second
	}
	t.mu.Lock()
	now = t.now()
	if end := now.Add(wait); end.After(t.until[key]) {
		t.until[key] = end
	}
	if len(t.until) > 1000 {
		for k, end := range t.until {
			if now.After(end) {
				delete(t.until, k)
			}
		}
	}
	t.mu.Unlock()
	return res, nil
}
