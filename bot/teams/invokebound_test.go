package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestInvokeBound sends four times as many invokes at once as the adapter
// lets do database work together — max(4, 2×cores) — to a click handler
// that holds each click until told to go. At most that many clicks are
// ever being handled at once (the rest wait in memory, not for a database
// connection), they are all handled once released, each exactly once, and
// every invoke is answered 200 with the handler's reply.
func TestInvokeBound(t *testing.T) {
	t.Parallel()
	bt := bot.New(storetest.Open(t, store.SQLite), bot.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := newEnvWith(t, bt)
	slots := max(4, 2*runtime.GOMAXPROCS(0))
	var inside, most, handled atomic.Int64
	release := make(chan struct{})
	bt.HandleActionFunc("hold", func(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		inside.Add(-1)
		handled.Add(1)
		return bot.Reply{Text: "Held and recorded."}, nil
	})
	auth := e.id.Token(t, authAppID, e.conn.ServiceURL())
	tmpl := activity(t, "invoke_adaptivecard_action.json")
	tmpl["serviceUrl"] = e.conn.ServiceURL()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * slots}, Timeout: 30 * time.Second}
	total := 4 * slots
	var wg sync.WaitGroup
	bodies := make([]string, total)
	for i := range total {
		p := map[string]any{}
		for k, v := range tmpl {
			p[k] = v
		}
		user := fmt.Sprintf("29:1bound-user-%d", i)
		p["id"] = fmt.Sprintf("f:bound-%d", i)
		p["from"] = map[string]any{"id": user, "name": "Bound " + user}
		p["conversation"] = map[string]any{"conversationType": "personal", "tenantId": testTenant, "id": "a:1bound-" + user}
		p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "hold:1", "data": map[string]any{"hb": "hold:1"}}}
		body, _ := json.Marshal(p)
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			res, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("invoke %d: status %d", i, res.StatusCode)
			}
			bodies[i] = string(b)
		})
	}
	// Wait until the bound is reached, then give the others every chance
	// to get past it before letting the clicks go.
	deadline := time.Now().Add(10 * time.Second)
	for inside.Load() < int64(slots) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if got := inside.Load(); got != int64(slots) {
		t.Errorf("%d clicks being handled at once with %d invokes waiting; want the bound, %d", got, total, slots)
	}
	close(release)
	wg.Wait()
	if m := most.Load(); m > int64(slots) {
		t.Errorf("at most %d clicks were handled at once; want at most %d", m, slots)
	}
	if n := handled.Load(); n != int64(total) {
		t.Errorf("%d clicks handled for %d invokes; want each once", n, total)
	}
	for i, b := range bodies {
		if !bytes.Contains([]byte(b), []byte("Held and recorded.")) {
			t.Errorf("invoke %d answered %q; want the handler's reply", i, b)
		}
	}
}
