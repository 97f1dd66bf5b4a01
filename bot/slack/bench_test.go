package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/internal/loadgen"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// Benchmarks run on PostgreSQL when HUDDLEBOT_TEST_DATABASE_URL is set,
// otherwise on SQLite. Each iteration is a fixed scenario; run them with
// -benchtime=1x (an iteration takes seconds, so the default does one too):
//
//	HUDDLEBOT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test -run '^$' -bench . -benchtime=1x ./bot/slack/

func benchDB(b *testing.B) *store.DB {
	b.Helper()
	if os.Getenv("HUDDLEBOT_TEST_DATABASE_URL") != "" {
		return storetest.Open(b, store.Postgres)
	}
	return storetest.Open(b, store.SQLite)
}

// lastTuesday10 is a moment inside the default work hours (Mon–Fri
// 08:00–17:00 UTC, delivery 08:30), so the scheduler delivers to everyone.
func lastTuesday10() time.Time {
	t := time.Now().UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 10, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday || d.After(t) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// seedPrompts adds n joined nurses and runs the scheduler once, which
// queues one quiz DM per member; it returns the member user ids.
func (e *env) seedPrompts(ctx context.Context, prefix string, n int) []string {
	e.t.Helper()
	ws, err := e.db.WorkspaceEnsure(ctx, "slack", team, "UTC")
	if err != nil {
		e.t.Fatal(err)
	}
	users := make([]string, n)
	now := e.bot.Now()
	err = e.db.Tx(ctx, func(tx *store.Tx) error {
		next := make(map[int64]time.Time, n)
		for i := range users {
			users[i] = fmt.Sprintf("U%s%05d", prefix, i)
			id, err := e.db.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: ws.ID, UserID: users[i], Role: "nurse"})
			if err != nil {
				return err
			}
			next[id] = now.Add(-time.Minute)
		}
		return e.db.MemberSetNextDue(ctx, tx, next)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return users
}

// waitMessages waits until the fake holds at least n messages.
func (e *env) waitMessages(n int, within time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for e.fake.MessageCount() < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("only %d of %d messages delivered after %s", e.fake.MessageCount(), n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkBlockActions measures answer ingestion: signed block_actions
// (a click on a quiz answer) over real HTTP to the adapter, each committed
// before it is acknowledged. The open-loop runs send at a fixed rate and
// measure latency from each request's scheduled start (no coordinated
// omission); "max" runs 64 clients back to back, "serial" one. "core" is
// the baseline without the adapter: bot.HandleClick called directly, one
// at a time, so serial minus core is what HTTP, the signature check and
// the Slack payload cost.
func BenchmarkBlockActions(b *testing.B) {
	e := newEnv(b, benchDB(b), envOptions{})
	day := lastTuesday10()
	e.bot.SetClock(func() time.Time { return day })
	ctx := context.Background()
	run := 0
	for _, sc := range []struct {
		name    string
		rate    int // per second; 0 = as fast as the clients go
		clients int
		count   int
	}{
		{"core", 0, 1, 300},
		{"serial", 0, 1, 300},
		{"rate=200", 200, 0, 1000},
		{"rate=1000", 1000, 0, 5000},
		{"rate=max", 0, 64, 5000},
	} {
		b.Run(sc.name, func(b *testing.B) {
			var lat []time.Duration
			var elapsed, applied time.Duration
			var failed, lost, doubled, apologized, recorded int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				run++
				before := e.fake.MessageCount()
				users := e.seedPrompts(ctx, fmt.Sprintf("%s%d", strings.TrimPrefix(sc.name, "rate="), run), sc.count)
				if err := e.bot.Tick(ctx, day); err != nil {
					b.Fatal(err)
				}
				e.waitMessages(before+sc.count, 3*time.Minute)
				e.analyze(ctx)
				reqs := e.signedClicks(b, before)
				updatesBefore := e.fake.Count("chat.update")
				repliesBefore := len(e.fake.Responses())
				b.StartTimer()
				var l []time.Duration
				var el time.Duration
				var f int
				fired := time.Now()
				if sc.name == "core" {
					l, el = e.clickDirect(ctx, reqs)
				} else {
					l, el, f = e.fire(reqs, sc.rate, sc.clients)
				}
				b.StopTimer()
				lat, elapsed, failed = append(lat, l...), elapsed+el, failed+f
				// Acknowledged answers wait in the answer inbox until the
				// applier has recorded them; count once it is empty.
				if err := e.learn.WaitAnswersApplied(ctx, time.Minute); err != nil {
					b.Fatal(err)
				}
				applied += time.Since(fired)
				got := 0
				for _, u := range users {
					got += e.answered(u)
				}
				// A click the core could not commit in time (the machine is
				// saturated) is acknowledged with an apology on response_url
				// ("nothing was saved"): refused, not lost. Lost is a click
				// acknowledged as fine but not recorded. A queued answer gets
				// no reply (its card changes), so wait for the replies to stop.
				if sc.name != "core" {
					e.waitQuiet(2 * time.Second)
				}
				if sc.name == "core" {
					repliesBefore = len(e.fake.Responses()) // no response_url without the adapter
				}
				sorry := 0
				for _, r := range e.fake.Responses()[repliesBefore:] {
					if strings.Contains(fmt.Sprint(r.Body["text"]), "Sorry") {
						sorry++
					}
				}
				apologized += sorry
				recorded += got
				lost += max(0, sc.count-f-sorry-got)
				doubled += max(0, got-(sc.count-f-sorry))
				// Let the confirmations drain before the next scenario: an
				// answer is confirmed through its click's response_url
				// (replace_original), or by a chat.update when that failed.
				deadline := time.Now().Add(3 * time.Minute)
				for e.confirmed(repliesBefore)+e.fake.Count("chat.update")-updatesBefore < got && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(recorded)/elapsed.Seconds(), "answers/s")
			// Acknowledged answers per second counting until the last one
			// was applied (the inbox empty), not only until it was acked.
			b.ReportMetric(float64(recorded)/applied.Seconds(), "applied/s")
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			b.ReportMetric(float64(failed), "non-200")
			b.ReportMetric(float64(apologized), "refused")
			b.ReportMetric(float64(lost), "lost")
			b.ReportMetric(float64(doubled), "doubled")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(len(lat)), "ns/op")
		})
	}
}

// confirmed counts the response_url posts after the first skip that
// replaced the clicked message.
func (e *env) confirmed(skip int) int {
	n := 0
	for _, r := range e.fake.Responses()[skip:] {
		if r.Body["replace_original"] == true {
			n++
		}
	}
	return n
}

// waitQuiet waits until no response_url reply has arrived for quiet.
func (e *env) waitQuiet(quiet time.Duration) {
	last, since := len(e.fake.Responses()), time.Now()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n := len(e.fake.Responses()); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > quiet {
			return
		}
	}
}

// analyze refreshes the planner statistics after seeding, as autovacuum
// does in a running deployment. Without it PostgreSQL plans the delivery
// read's "first message of this delivery" subquery as a walk over the
// message primary key (statistics still say the tables are empty), which
// makes every click cost a scan of all messages.
func (e *env) analyze(ctx context.Context) {
	e.t.Helper()
	if _, err := e.db.ExecContext(ctx, `ANALYZE`); err != nil {
		e.t.Fatal(err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// signedClicks builds one signed click on the first answer of every quiz
// posted after the first `from` messages.
func (e *env) signedClicks(b *testing.B, from int) []*preparedReq {
	b.Helper()
	var tmpl map[string]any
	if err := json.Unmarshal(fixture(b, "block_actions.json"), &tmpl); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	msgs := e.fake.Messages()[from:]
	out := make([]*preparedReq, 0, len(msgs))
	for _, m := range msgs {
		answer := m.Action("ans:")
		if answer == "" {
			b.Fatalf("message without an answer button: %s", m.Blocks)
		}
		user := strings.TrimPrefix(m.Channel, "D")
		tmpl["user"].(map[string]any)["id"] = user
		tmpl["channel"].(map[string]any)["id"] = m.Channel
		tmpl["container"].(map[string]any)["channel_id"] = m.Channel
		tmpl["container"].(map[string]any)["message_ts"] = m.TS
		act := tmpl["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = answer, answer
		tmpl["response_url"] = e.fake.ResponseURL(user)
		raw, _ := json.Marshal(tmpl)
		body := []byte(url.Values{"payload": {string(raw)}}.Encode())
		out = append(out, &preparedReq{body: body, ts: fmt.Sprint(now.Unix()), sig: slackfake.Sign(secret, now.Unix(), body),
			click: bot.Click{Actor: bot.Actor{Platform: "slack", Workspace: team, UserID: user}, Channel: "dm", ActionID: answer}})
	}
	return out
}

type preparedReq struct {
	body    []byte
	ts, sig string
	click   bot.Click // the same click, for calling the core directly
}

// clickDirect hands the clicks to the core one at a time, without the
// adapter.
func (e *env) clickDirect(ctx context.Context, reqs []*preparedReq) ([]time.Duration, time.Duration) {
	lat := make([]time.Duration, len(reqs))
	start := time.Now()
	for i, r := range reqs {
		t0 := time.Now()
		e.bot.HandleClick(ctx, r.click)
		lat[i] = time.Since(t0)
	}
	return lat, time.Since(start)
}

func (e *env) post(p *preparedReq) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/slack/events", strings.NewReader(string(p.body)))
	req.Header.Set("Content-Type", formType)
	req.Header.Set("X-Slack-Request-Timestamp", p.ts)
	req.Header.Set("X-Slack-Signature", p.sig)
	res, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// fire sends the requests at rate per second (0: the clients back to
// back, loadgen.OpenLoop) and returns each acknowledgement's latency, the
// elapsed time and how many did not get 200.
func (e *env) fire(reqs []*preparedReq, rate, clients int) ([]time.Duration, time.Duration, int) {
	return loadgen.OpenLoop(len(reqs), rate, clients, func(i int) bool {
		status, err := e.post(reqs[i])
		return err == nil && status == http.StatusOK
	})
}

// BenchmarkFanout10k measures delivery: one scheduler tick queues a quiz DM
// for each of 10,000 members, and the delivery jobs post them through the
// real slack-go client to the fake Web API, which answers 10% of
// chat.postMessage calls with 429 and Retry-After: 1. Every message must
// arrive exactly once.
func BenchmarkFanout10k(b *testing.B) {
	const n = 10_000
	e := newEnv(b, benchDB(b), envOptions{})
	e.fake.RateLimit("chat.postMessage", 0.1, 1)
	day := lastTuesday10()
	e.bot.SetClock(func() time.Time { return day })
	ctx := context.Background()
	var enqueue, deliver time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		before := e.fake.MessageCount()
		e.seedPrompts(ctx, fmt.Sprintf("F%d", i), n)
		b.StartTimer()
		start := time.Now()
		if err := e.bot.Tick(ctx, day); err != nil {
			b.Fatal(err)
		}
		enqueue += time.Since(start)
		e.waitMessages(before+n, 3*time.Minute)
		deliver += time.Since(start)
		b.StopTimer()
	}
	limited := 0
	for _, c := range e.fake.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	time.Sleep(500 * time.Millisecond)
	doubled := 0
	for _, count := range e.fake.ByMessageID() {
		doubled += count - 1
	}
	if got := len(e.fake.ByMessageID()); got != n*b.N {
		b.Errorf("%d distinct messages delivered, want %d", got, n*b.N)
	}
	if doubled > 0 {
		b.Errorf("%d messages posted more than once", doubled)
	}
	total := float64(n * b.N)
	b.ReportMetric(total/enqueue.Seconds(), "members-enqueued/s")
	b.ReportMetric(total/deliver.Seconds(), "messages/s")
	b.ReportMetric(float64(limited), "429s")
	b.ReportMetric(float64(doubled), "doubled")
	b.ReportMetric(float64(deliver.Nanoseconds())/total, "ns/op")
}
