package discord

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// BenchmarkAnswerAck measures answer ingestion over the interactions
// endpoint: each op is one signed HTTP MESSAGE_COMPONENT click on a quiz DM
// (signature check, replay check, the answer and the DM edit committed,
// then the ephemeral reply). Setup (members joining, quiz DMs delivered
// through the fake Discord) is outside the timer. Reported: answers/s and
// p50/p99 time to acknowledge. Use -benchtime=Nx (N quiz DMs are set up).
func BenchmarkAnswerAck(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			e := newEnv(b, storetest.Open(b, backend), nil)
			users := make([]string, b.N)
			for i := range users {
				users[i] = fmt.Sprintf("7%017d", i)
				e.join(users[i], testChannel)
				if status, _ := e.post(e.command(users[i], testChannel, "learn", subcommand("next"))); status != http.StatusOK {
					b.Fatalf("/learn: %d", status)
				}
			}
			e.wait()
			ids := make([]string, b.N)
			for i, u := range users {
				posts := e.fake.WaitCalls("POST", "/channels/9"+u+"/messages", 1, nil)
				ids[i] = decodeSent(b, posts[0]).customIDs()[0]
			}
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			start := time.Now()
			for i, u := range users {
				click := e.click(u, "9"+u, ids[i])
				t0 := time.Now()
				status, r := e.post(click)
				lat[i] = time.Since(t0)
				if status != http.StatusOK || r.Type != 4 {
					b.Fatalf("click: %d %+v", status, r)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "answers/s")
			b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(b.N-1, b.N*99/100)].Microseconds())/1000, "p99-ms")
			e.wait()
		})
	}
}

// BenchmarkPing is the endpoint's floor: a signed PING answered with PONG
// (Ed25519 verification and JSON, no database).
func BenchmarkPing(b *testing.B) {
	e := newEnv(b, storetest.Open(b, store.SQLite), nil)
	m := fixture(b, "ping")
	b.ResetTimer()
	for range b.N {
		if status, _ := e.post(m); status != http.StatusOK {
			b.Fatal(status)
		}
	}
}
