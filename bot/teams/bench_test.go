package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// BenchmarkInvokeAck measures how long the messaging endpoint takes to
// answer an adaptiveCard/action invoke, signed as Bot Framework signs it:
// bearer-token verification (keys cached), the activity's replay record,
// the core resolving the member and routing the click to a handler that
// records it, and the invoke response. 16 clients send at once, closed
// loop. It reports invokes/s and the p50/p99 acknowledgement in ms, and
// checks that every click reached the core exactly once.
func BenchmarkInvokeAck(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			db := storetest.Open(b, backend)
			bt := bot.New(db, bot.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			e := newEnvWith(b, bt)
			var handled atomic.Int64
			bt.HandleActionFunc("bench", func(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
				handled.Add(1)
				return bot.Reply{Text: "Recorded."}, nil
			})
			auth := e.id.Token(b, authAppID, e.conn.ServiceURL())
			tmpl := activity(b, "invoke_adaptivecard_action.json")
			tmpl["serviceUrl"] = e.conn.ServiceURL()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			users := 200
			var seq atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			jobs := make(chan int)
			for range 16 {
				wg.Go(func() {
					var mine []time.Duration
					for range jobs {
						n := seq.Add(1)
						p := map[string]any{}
						for k, v := range tmpl {
							p[k] = v
						}
						p["id"] = fmt.Sprintf("f:bench-%d", n)
						user := fmt.Sprintf("29:1bench-user-%d", n%int64(users))
						p["from"] = map[string]any{"id": user, "name": "Bench " + user}
						p["conversation"] = map[string]any{"conversationType": "personal", "tenantId": testTenant, "id": "a:1bench-" + user}
						p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "bench:1", "data": map[string]any{"hb": "bench:1"}}}
						body, _ := json.Marshal(p)
						req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", auth)
						t0 := time.Now()
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							continue
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						mine = append(mine, time.Since(t0))
						if res.StatusCode != http.StatusOK {
							b.Errorf("invoke: status %d", res.StatusCode)
						}
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
			}
			for i := range b.N {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if got := handled.Load(); got != int64(b.N) {
				b.Errorf("%d clicks reached the core for %d invokes", got, b.N)
			}
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "invokes/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
