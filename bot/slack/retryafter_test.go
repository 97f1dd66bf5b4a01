package slack

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// stubTransport answers every call with the next status and counts calls.
type stubTransport struct {
	statuses []int
	calls    []string // method#channel of each call that got through
}

func (s *stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	v, _ := url.ParseQuery(string(body))
	s.calls = append(s.calls, req.URL.Path+"#"+v.Get("channel"))
	status := http.StatusOK
	if len(s.statuses) > 0 {
		status, s.statuses = s.statuses[0], s.statuses[1:]
	}
	h := http.Header{}
	if status == http.StatusTooManyRequests {
		h.Set("Retry-After", "2")
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: req}, nil
}

func TestRetryAfterTransport(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	stub := &stubTransport{statuses: []int{http.StatusTooManyRequests}}
	tr := newRetryAfterTransport(stub)
	tr.now = func() time.Time { return now }
	call := func(method, channel string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://slack.test/api/"+method,
			strings.NewReader(url.Values{"channel": {channel}, "text": {"hi"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// A 429 on chat.update holds the method for Retry-After, in process.
	if res := call("chat.update", "C1"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("first call: %d", res.StatusCode)
	}
	now = now.Add(500 * time.Millisecond)
	res := call("chat.update", "C2")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "2" {
		t.Errorf("held call: %d Retry-After %q, want 429 and 2 (1.5 s left, rounded up)", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if len(stub.calls) != 1 {
		t.Errorf("a held call reached Slack: %v", stub.calls)
	}
	now = now.Add(1500 * time.Millisecond)
	if res := call("chat.update", "C1"); res.StatusCode != http.StatusOK {
		t.Errorf("after Retry-After: %d", res.StatusCode)
	}

	// chat.postMessage is held per channel only, and the body still
	// reaches Slack intact.
	stub.statuses = []int{http.StatusTooManyRequests}
	if res := call("chat.postMessage", "D1"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("post: %d", res.StatusCode)
	}
	if res := call("chat.postMessage", "D2"); res.StatusCode != http.StatusOK {
		t.Errorf("post to another channel: %d, want 200", res.StatusCode)
	}
	if res := call("chat.postMessage", "D1"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("post to the held channel: %d, want 429", res.StatusCode)
	}
	if res := call("users.info", ""); res.StatusCode != http.StatusOK {
		t.Errorf("another method: %d", res.StatusCode)
	}
	want := []string{"/api/chat.update#C1", "/api/chat.update#C1", "/api/chat.postMessage#D1", "/api/chat.postMessage#D2", "/api/users.info#"}
	if strings.Join(stub.calls, " ") != strings.Join(want, " ") {
		t.Errorf("calls that reached Slack:\n got %v\nwant %v", stub.calls, want)
	}
}
