package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
	"github.com/huddlebot/huddlebot/internal/loadgen"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// The Teams scenarios (issue 15): the same stack with the Teams adapter
// added, as `serve` adds it, behind POST /teams/messages; the fake Bot
// Framework identity (OpenID metadata and signing keys) in this process,
// the fake connector with Teams' limits enforced in a child (fakeTeams).
// The adapter paces under Teams' limits as in production
// (teams.DefaultLimits).

// teamsStack is what the Teams scenarios add to a stack.
type teamsStack struct {
	fake    fakeTeams
	id      *teamsfake.Identity
	adapter *teams.Adapter
	auth    string // the bearer token every invoke carries (keys cached: verified each time)
	runs    int
}

// startTeams adds the Teams adapter, its fakes and its route to st.
func (st *stack) startTeams(ctx context.Context, o Options) error {
	ts := &teamsStack{}
	var err error
	limits := teams.DefaultLimits
	if o.Unlimited {
		limits = teams.Unlimited
	}
	if o.InprocFake {
		f := newInprocTeams()
		f.c.SetLimits(!o.Unlimited)
		ts.fake = f
	} else if ts.fake, err = startChildTeams(ctx, o.Unlimited); err != nil {
		return err
	}
	if ts.id, err = teamsfake.StartIdentity(); err != nil {
		ts.fake.Close()
		return err
	}
	st.teamsSt = ts // closed with the stack from here on
	ts.adapter, err = teams.New(st.bot, teams.Options{AppID: benchTeamsApp, Password: benchTeamsPassword, TenantID: benchTeamsTenant,
		OpenIDURL: ts.id.OpenIDURL(), TokenURL: ts.fake.TokenURL(), ServiceURL: ts.fake.ServiceURL(), Limits: &limits, Log: st.log})
	if err != nil {
		return err
	}
	st.bot.AddAdapter(ts.adapter)
	st.mux.Handle("POST /teams/messages", ts.adapter.Handler())
	// Bot Framework sends the same token with every activity for its hour:
	// the adapter verifies it (RS256, claims, endorsement) every time, with
	// the signing keys cached.
	tok, err := teamsfake.SignToken(teamsfake.DefaultKID, teamsfake.Claims(benchTeamsApp, ts.fake.ServiceURL(), time.Now()))
	if err != nil {
		return err
	}
	ts.auth = "Bearer " + tok
	return nil
}

func (ts *teamsStack) close(ctx context.Context) {
	if ts.adapter != nil {
		_ = ts.adapter.Close(ctx)
	}
	ts.id.Close()
	ts.fake.Close()
}

// teamsMember is a bench member on Teams: their user id and 1:1 chat.
type teamsMember struct {
	id   int64
	user string
	conv string // "" until the bot opens it
}

// teamsMembers adds n nurses to the bench's tenant, in a department of
// their own (a burst to it reaches them and no one else), who never wrote
// to the bot. With convs, each has their 1:1 chat already (it was opened by
// an earlier message), so a send to them is one connector call.
func (st *stack) teamsMembers(ctx context.Context, n int, convs bool) (*store.Workspace, string, []teamsMember, error) {
	ts := st.teamsSt
	ts.runs++
	ws, err := st.db.WorkspaceEnsure(ctx, teams.Platform, benchTeamsTenant, "UTC")
	if err != nil {
		return nil, "", nil, err
	}
	dept := fmt.Sprintf("teams-%d", ts.runs)
	ms := make([]store.MemberUpsert, n)
	out := make([]teamsMember, n)
	for i := range ms {
		out[i].user = fmt.Sprintf("29:1bench-%d-%06d", ts.runs, i)
		ms[i] = store.MemberUpsert{WorkspaceID: ws.ID, UserID: out[i].user, Name: fmt.Sprintf("Nurse %d", i),
			Role: "nurse", Department: dept, TimeZone: "UTC"}
	}
	if _, err := st.db.MemberInsertMany(ctx, st.db, ms); err != nil {
		return nil, "", nil, err
	}
	for i := range out {
		m, err := st.db.MemberByUser(ctx, st.db, ws.ID, out[i].user)
		if err != nil {
			return nil, "", nil, err
		}
		out[i].id = m.ID
		if convs {
			out[i].conv = "a:1bench-dm-" + strings.TrimPrefix(out[i].user, "29:")
			if err := st.db.MemberSetDMChannel(ctx, m.ID, out[i].conv); err != nil {
				return nil, "", nil, err
			}
		}
	}
	return ws, dept, out, nil
}

// teamsBurst sends the one-quiz burst to dept and waits until n messages
// more than base have been posted, and returns when each arrived after t0
// (the fake records the time it took each, in order). It asks the fake for
// its count every teamsPoll: the bench's own polling is part of the
// process's CPU the fan-out is measured by.
func (st *stack) teamsBurst(ctx context.Context, ws *store.Workspace, dept string, n, base int, t0 time.Time) ([]time.Duration, error) {
	res, err := st.feat.Burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: ws.ID, BurstID: benchBurst, Now: true,
		Audience: lessons.Audience{Departments: []string{dept}}})
	if err != nil {
		return nil, err
	}
	if res.SentNow != n {
		return nil, fmt.Errorf("the burst queued %d prompts for %d members", res.SentNow, n)
	}
	deadline := time.Now().Add(15 * time.Minute)
	for {
		posted, err := st.teamsSt.fake.Posted()
		if err != nil {
			return nil, err
		}
		got := posted - base
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d Teams messages posted after 15 minutes", got, n)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(teamsPoll):
		}
	}
	posted, err := st.teamsSt.fake.PostedFrom(base)
	if err != nil {
		return nil, err
	}
	arrivals := make([]time.Duration, 0, n)
	for _, p := range posted[:min(n, len(posted))] {
		arrivals = append(arrivals, p.At.Sub(t0))
	}
	slices.Sort(arrivals)
	return arrivals, nil
}

// teamsPoll is how often the bench asks the fake connector how many
// messages it took, while a burst goes out.
const teamsPoll = 250 * time.Millisecond

// teamsFanout sends the one-quiz burst to n members who never wrote to the
// bot, so each message is two connector calls: POST /v3/conversations to
// open the 1:1 chat, then the send. The fake enforces Teams' limits and
// the adapter paces under them: at 50 requests a second for the app in the
// tenant, that is the pace.
func (st *stack) teamsFanout(ctx context.Context, n int) (Result, error) {
	r := Result{Scenario: "teams fanout (burst, new 1:1 chats)", Backend: string(st.db.Backend), N: n, Unit: "messages/s"}
	ts := st.teamsSt
	ws, dept, members, err := st.teamsMembers(ctx, n, false)
	if err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	before, err := ts.fake.Stats()
	if err != nil {
		return r, err
	}
	// At Teams' pace a burst takes minutes, and a process that is up uses
	// some CPU whatever it does (job polling, timers, the runtime): measure
	// that first, idle, to tell it from what the messages cost.
	idle := idleCPU(ctx, 3*time.Second)
	m := startMeter(nil)
	arrivals, err := st.teamsBurst(ctx, ws, dept, n, before.Posted, m.start)
	if err != nil {
		return r, err
	}
	delivered := time.Since(m.start)
	if len(arrivals) > 0 {
		delivered = arrivals[len(arrivals)-1] // the last arrival, not when the bench's poll saw it
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	m.finish(&r, n)
	after, err := ts.fake.Stats()
	if err != nil {
		return r, err
	}
	if !ts.fake.InProcess() {
		r.FakeCPUMS = (after.CPU - before.CPU) * 1000 / float64(n)
	}
	posted, err := ts.fake.PostedFrom(before.Posted)
	if err != nil {
		return r, err
	}
	// The fake opens one 1:1 chat per person: a message lost is a chat
	// missing, a message doubled a second post in one.
	per := map[string]int{}
	for _, p := range posted {
		per[p.Conversation]++
	}
	for _, c := range per {
		r.Doubled += c - 1
	}
	r.Lost = max(0, n-len(per))
	if len(members) != n {
		return r, fmt.Errorf("%d members for %d messages", len(members), n)
	}
	r.Rate = float64(n) / delivered.Seconds()
	r.P50MS, r.P99MS, r.MaxMS = percentile(arrivals, 0.5), percentile(arrivals, 0.99), percentile(arrivals, 1)
	creates := after.Calls["create 201"] - before.Calls["create 201"]
	sends := after.Calls["send 201"] - before.Calls["send 201"]
	marginal := (r.CPUSeconds - idle*r.WallSecs) * 1000 / float64(n)
	runs := st.jobRuns(ctx, dept)
	r.Note = fmt.Sprintf("%d 1:1 chats opened + %d sends; %d connector calls answered 429 (Teams' limits, enforced by the fake); %s; latency = send → posted; idle CPU %.1f ms/s, CPU/message above idle %.3f ms",
		creates, sends, after.Limited-before.Limited, runs, idle*1000, marginal)
	return r, nil
}

// jobRuns says how many times the delivery jobs of the messages to dept's
// members ran: once, plus each snooze (River counts them in the job's
// metadata) and each failed attempt.
func (st *stack) jobRuns(ctx context.Context, dept string) string {
	var runs []int
	err := st.db.SelectContext(ctx, &runs, st.db.Rebind(`SELECT j.attempt + COALESCE(CAST(j.metadata->>'snoozes' AS INTEGER), 0)
		FROM river_job j JOIN message m ON m.id = CAST(j.args->>'message_id' AS BIGINT) JOIN member mb ON mb.id = m.member_id
		WHERE j.kind = 'send_message' AND mb.department = ?`), dept)
	if err != nil || len(runs) == 0 {
		return fmt.Sprintf("delivery job runs not counted (%d jobs, %v)", len(runs), err)
	}
	slices.Sort(runs)
	total := 0
	for _, r := range runs {
		total += r
	}
	return fmt.Sprintf("delivery job runs per message: mean %.1f, p50 %d, max %d (%d jobs)",
		float64(total)/float64(len(runs)), runs[len(runs)/2], runs[len(runs)-1], len(runs))
}

// preparedInvoke is a signed adaptiveCard/action invoke, ready to send.
type preparedInvoke struct {
	delivery int64
	body     []byte
}

// teamsAnswers delivers the quiz to n members whose 1:1 chats are open
// (not measured; at Teams' pace, one send each), then sends each member's
// answer as a signed adaptiveCard/action invoke at rate per second (0: 64
// clients flat out) and measures the acknowledgement: the HTTP 200 whose
// body is the answered card, which is what Teams shows the person, so on
// Teams acknowledged is seen. Afterwards it counts the answers stored.
func (st *stack) teamsAnswers(ctx context.Context, n, rate int) (Result, error) {
	name := "teams answers @ " + strconv.Itoa(rate) + "/s"
	if rate == 0 {
		name = "teams answers @ max (64 clients)"
	}
	r := Result{Scenario: name, Backend: string(st.db.Backend), N: n, Unit: "answers/s"}
	ts := st.teamsSt
	ws, dept, members, err := st.teamsMembers(ctx, n, true)
	if err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	before, err := ts.fake.Stats()
	if err != nil {
		return r, err
	}
	if _, err := st.teamsBurst(ctx, ws, dept, n, before.Posted, time.Now()); err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	posted, err := ts.fake.PostedFrom(before.Posted)
	if err != nil {
		return r, err
	}
	invokes, err := ts.invokes(members, posted)
	if err != nil {
		return r, err
	}
	mid, err := ts.fake.Stats()
	if err != nil {
		return r, err
	}
	m := startMeter(nil)
	start := time.Now()
	cards := make([]bool, len(invokes))
	lat, _, failed := loadgen.OpenLoop(len(invokes), rate, 64, func(i int) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, st.url+"/teams/messages", bytes.NewReader(invokes[i].body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", ts.auth)
		res, err := st.client.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cards[i] = bytes.Contains(body, []byte(`"application/vnd.microsoft.card.adaptive"`)) &&
			bytes.Contains(body, []byte(`Correct`))
		return res.StatusCode == http.StatusOK
	})
	elapsed := time.Since(start)
	// Answers the inbox took are recorded by then (the invoke waited for
	// its card); wait all the same, and for any job they queued.
	if err := st.feat.Learn.WaitAnswersApplied(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	if err := st.jobs.WaitIdle(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	m.finish(&r, n)
	after, err := ts.fake.Stats()
	if err != nil {
		return r, err
	}
	slices.Sort(lat)
	r.Rate = float64(n) / elapsed.Seconds()
	r.P50MS, r.P99MS, r.MaxMS = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.SeenP50MS, r.SeenP99MS = r.P50MS, r.P99MS
	r.Failed = failed
	stored := 0
	for i, inv := range invokes {
		if _, err := st.db.AnswerGet(ctx, st.db, inv.delivery); err == nil {
			stored++
		} else if !store.IsNotFound(err) {
			return r, err
		}
		if !cards[i] {
			r.Unseen++
		}
	}
	var rows int
	if err := st.db.GetContext(ctx, &rows, st.db.Rebind(`SELECT COUNT(*) FROM answer a JOIN delivery d ON d.id = a.delivery_id
		JOIN member m ON m.id = d.member_id WHERE m.department = ?`), dept); err != nil {
		return r, err
	}
	r.Lost = max(0, n-failed-stored)
	r.Doubled = max(0, rows-stored)
	r.Note = fmt.Sprintf("sent over %.1fs; latency from each request's scheduled start; ack = the invoke's 200 carrying the answered card (seen); %d stored; %d connector calls during the window",
		elapsed.Seconds(), stored, after.Requests-mid.Requests)
	return r, nil
}

// invokes builds one signed invoke per member, pressing the first answer
// of the quiz posted in their 1:1 chat.
func (ts *teamsStack) invokes(members []teamsMember, posted []teamsPosted) ([]*preparedInvoke, error) {
	byConv := map[string]teamsPosted{}
	for _, p := range posted {
		byConv[p.Conversation] = p
	}
	out := make([]*preparedInvoke, 0, len(members))
	for i, mb := range members {
		p, ok := byConv[mb.conv]
		if !ok {
			return nil, fmt.Errorf("no quiz posted in %s's 1:1 chat", mb.user)
		}
		action, did, err := firstAnswer(p.Actions)
		if err != nil {
			return nil, fmt.Errorf("the quiz in %s (%q): %w", mb.conv, p.Actions, err)
		}
		act := map[string]any{
			"type": "invoke", "name": "adaptiveCard/action", "id": fmt.Sprintf("f:bench-%d-%d", ts.runs, i),
			"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "channelId": "msteams", "serviceUrl": ts.fake.ServiceURL(),
			"from":         map[string]any{"id": mb.user, "name": "Nurse " + strconv.Itoa(i)},
			"conversation": map[string]any{"conversationType": "personal", "tenantId": benchTeamsTenant, "id": mb.conv},
			"recipient":    map[string]any{"id": "28:" + benchTeamsApp, "name": "huddlebot"},
			"channelData":  map[string]any{"tenant": map[string]any{"id": benchTeamsTenant}, "source": map[string]any{"name": "message"}},
			"replyToId":    p.ID,
			"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "id": "choice-1", "verb": action,
				"data": map[string]any{"hb": action}}, "trigger": "manual"},
			"locale": "en-US", "localTimezone": "UTC",
		}
		body, err := json.Marshal(act)
		if err != nil {
			return nil, err
		}
		out = append(out, &preparedInvoke{delivery: did, body: body})
	}
	return out, nil
}

// teamsTargets are issue 15's targets: signed invoke answers at 1,000/s on
// PostgreSQL acknowledged (with the answered card) p99 < 100 ms, none lost
// or doubled; the proactive fan-out under < 1 ms huddlebot CPU a message.
func teamsTargets(rep *Report, met func(bool) *bool) []Target {
	var fanout, atRate *Result
	for i := range rep.Results {
		switch r := &rep.Results[i]; {
		case strings.HasPrefix(r.Scenario, "teams fanout"):
			fanout = r
		case r.Scenario == "teams answers @ 1000/s":
			atRate = r
		}
	}
	t := Target{Target: "Teams: answer ack (the answered card) p99 < 100 ms at 1,000 signed invokes/s on PostgreSQL"}
	switch {
	case atRate == nil:
		t.Result = "not run (teams-answers --rate 1000)"
	case atRate.Backend != string(store.Postgres):
		t.Result = fmt.Sprintf("p99 %.1f ms on %s (run on PostgreSQL to check)", atRate.P99MS, atRate.Backend)
	default:
		t.Result = fmt.Sprintf("%.0f answers/s reached, p99 %.1f ms, %d not acknowledged, %d without the card, %d lost, %d doubled",
			atRate.Rate, atRate.P99MS, atRate.Failed, atRate.Unseen, atRate.Lost, atRate.Doubled)
		t.Met = met(atRate.P99MS < 100 && atRate.Failed == 0 && atRate.Unseen == 0 && atRate.Lost == 0 && atRate.Doubled == 0)
	}
	out := []Target{t}
	t = Target{Target: "Teams: proactive fan-out < 1 ms CPU per message in huddlebot"}
	switch {
	case fanout == nil:
		t.Result = "not run (teams-fanout)"
	case rep.Fake != "child process":
		t.Result = fmt.Sprintf("%.3f ms/message including the in-process fake (use --fake process)", fanout.CPUPerOpMS)
	default:
		t.Result = fmt.Sprintf("%.3f ms/message, %d messages at %.1f/s", fanout.CPUPerOpMS, fanout.N, fanout.Rate)
		t.Met = met(fanout.CPUPerOpMS < 1 && fanout.Lost == 0 && fanout.Doubled == 0)
	}
	return append(out, t)
}

// idleCPU is the CPU this process uses per second, over d, doing nothing
// asked of it.
func idleCPU(ctx context.Context, d time.Duration) float64 {
	c0, t0 := cpuTime(), time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return (cpuTime() - c0).Seconds() / time.Since(t0).Seconds()
}
