package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/internal/loadgen"
	"github.com/huddlebot/huddlebot/store"
)

// seen fills r's seen latencies: for each click, from when it was sent to
// when the fake first showed its message changed (the answered card through
// response_url, or chat.update). from is the fake's message count before
// the quizzes were sent.
func (st *stack) seen(r *Result, clicks []*preparedClick, from int) error {
	msgs, err := st.fake.MessagesFrom(from)
	if err != nil {
		return err
	}
	changed := make(map[string]int64, len(msgs)) // ts → when (the fake's ts are unique)
	for _, m := range msgs {
		changed[m.TS] = m.ChangedNS
	}
	var lat []time.Duration
	for _, c := range clicks {
		ch := changed[c.msgTS]
		if ch == 0 || c.sentAt.IsZero() {
			r.Unseen++
			continue
		}
		lat = append(lat, max(0, time.Unix(0, ch).Sub(c.sentAt)))
	}
	slices.Sort(lat)
	r.SeenP50MS, r.SeenP99MS = percentile(lat, 0.5), percentile(lat, 0.99)
	return nil
}

// joinClients is how many /learn join requests are in flight at once: a
// unit's worth of people joining after a trainer's announcement.
const joinClients = 32

// joins has n new people run /learn join (signed slash commands over HTTP,
// 32 at a time, each from its own user in a new workspace) and measures the
// replies: ack p50/p99, how many said "Working on it" instead of welcoming
// at once, and how many profiles (time zone from users.info, Tier 4) were
// read by the time the last reply came; the rest are read afterwards by the
// profile job at the tier's pace.
func (st *stack) joins(ctx context.Context, n int) (Result, error) {
	r := Result{Scenario: fmt.Sprintf("joins (%d at a time)", joinClients), Backend: string(st.db.Backend), N: n, Unit: "joins/s"}
	st.teams++
	team := fmt.Sprintf("TJOIN%d", st.teams)
	now := time.Now()
	bodies := make([][]byte, n)
	for i := range bodies {
		v := url.Values{
			"token": {"unused"}, "team_id": {team}, "team_domain": {"bench"}, "channel_id": {"C4WEST"}, "channel_name": {"4west"},
			"user_id": {fmt.Sprintf("UJ%d%07d", st.teams, i)}, "user_name": {fmt.Sprintf("nurse%d", i)}, "command": {"/learn"},
			"text": {"join nurse 4west"}, "api_app_id": {"ABENCH"}, "trigger_id": {"1.2.3"},
			"response_url": {st.fake.ResponseURL(fmt.Sprintf("join-%d-%d", st.teams, i))},
		}
		bodies[i] = []byte(v.Encode())
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	welcomed := make([]bool, n)
	working := make([]bool, n)
	m := startMeter(st.fake)
	start := time.Now()
	lat, _, failed := loadgen.OpenLoop(n, 0, joinClients, func(i int) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, st.url+"/slack/events", strings.NewReader(string(bodies[i])))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(slackbot.HeaderTimestamp, ts)
		req.Header.Set(slackbot.HeaderSignature, slackfake.Sign(benchSecret, now.Unix(), bodies[i]))
		res, err := st.client.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var rep struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(body, &rep)
		welcomed[i] = strings.Contains(rep.Text, "Welcome, nurse on 4west")
		working[i] = strings.Contains(rep.Text, "Working on it")
		return res.StatusCode == http.StatusOK
	})
	elapsed := time.Since(start)
	m.finish(&r, n)
	slices.Sort(lat)
	r.Rate = float64(n) / elapsed.Seconds()
	r.P50MS, r.P99MS, r.MaxMS = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.Failed = failed
	var slow, notWelcomed int
	for i := range n {
		if working[i] {
			slow++
		} else if !welcomed[i] {
			notWelcomed++
		}
	}
	var joined, profiled int
	ws, err := st.db.WorkspaceEnsure(ctx, slackbot.Platform, team, "UTC")
	if err != nil {
		return r, err
	}
	if err := st.db.GetContext(ctx, &joined, st.db.Rebind(`SELECT COUNT(*) FROM member WHERE workspace_id = ? AND joined`), ws.ID); err != nil {
		return r, fmt.Errorf("count joins: %w", err)
	}
	if err := st.db.GetContext(ctx, &profiled, st.db.Rebind(`SELECT COUNT(*) FROM member WHERE workspace_id = ? AND timezone <> ''`), ws.ID); err != nil {
		return r, fmt.Errorf("count profiles: %w", err)
	}
	r.Lost = max(0, n-failed-joined)
	r.Note = fmt.Sprintf("%d \"Working on it\"; %d welcomed; %d profiles (users.info) read by the last reply, the rest afterwards by the profile job",
		slow, n-slow-notWelcomed, profiled)
	if notWelcomed > 0 {
		r.Note += fmt.Sprintf("; %d answered neither", notWelcomed)
	}
	r.Refused = slow // judged: a join must be answered at once
	return r, nil
}

// joinTarget judges the joins scenario: every join answered within 500 ms
// (p99) and none with "Working on it".
func joinTarget(results []Result, met func(bool) *bool) Target {
	t := Target{Target: "2,000 /learn join, 32 at a time: p99 < 500 ms, no \"Working on it\""}
	for _, r := range results {
		if !strings.HasPrefix(r.Scenario, "joins") {
			continue
		}
		t.Result = fmt.Sprintf("%d joins, p99 %.0f ms, %d \"Working on it\", %d not acknowledged, %d lost", r.N, r.P99MS, r.Refused, r.Failed, r.Lost)
		if r.Backend != string(store.Postgres) {
			t.Result += " (judged on PostgreSQL)"
			return t
		}
		t.Met = met(r.N >= 2000 && r.P99MS < 500 && r.Refused == 0 && r.Failed == 0 && r.Lost == 0)
		return t
	}
	t.Result = "not run (joins)"
	return t
}
