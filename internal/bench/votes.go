package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// voteChannel is the channel the votes scenario's huddle runs in.
const voteChannel = "CBENCHVOTE"

// voteWarmup is how many votes the unreported warm-up round has.
const voteWarmup = 300

// votes runs one poll in a huddle and has n roster members tap the same
// option, each through a signed block_actions request over HTTP, at rate
// per second (issue 16: a town hall). It reports ack latency, how many votes
// were kept, and how long after the last vote's acknowledgement the poll's
// card showed the exact final tally on Slack (the card's message at the
// revision that carries it).
func (st *stack) votes(ctx context.Context, n, rate int, anonymous bool) (Result, error) {
	kind := "attributed"
	if anonymous {
		kind = "anonymous"
	}
	name := fmt.Sprintf("votes (%s) @ %s", kind, rateName(rate))
	r := Result{Scenario: name, Backend: string(st.db.Backend), N: n, Unit: "votes/s"}
	// Coalesced renders run on timers against the bot's clock: it must move.
	t0 := time.Now()
	day := tuesday()
	st.bot.SetClock(func() time.Time { return day.Add(time.Since(t0)) })
	defer st.bot.SetClock(func() time.Time { return day })

	ws, err := st.members(ctx, n)
	if err != nil {
		return r, err
	}
	hostID := fmt.Sprintf("UHOST%d", st.teams)
	if _, err := st.db.MemberUpsert(ctx, st.db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: hostID, Name: "Host", Role: "nurse",
		TimeZone: "UTC", Permissions: []member.Permission{member.PermSuperUser}}); err != nil {
		return r, err
	}
	host := bot.Actor{Platform: slackbot.Platform, Workspace: ws.ExternalID, UserID: hostID, UserName: "host"}
	if rep := st.bot.HandleCommand(ctx, bot.Command{Actor: host, Channel: voteChannel, Name: "huddle", Text: "start Town hall"}); !strings.Contains(rep.Text, "started") {
		return r, fmt.Errorf("huddle start: %s", rep.Text)
	}
	flags := ""
	if anonymous {
		flags = " --anonymous"
	}
	if rep := st.bot.HandleCommand(ctx, bot.Command{Actor: host, Channel: voteChannel, Name: "huddle",
		Text: `poll "Ready for go-live?" Yes No "Not sure"` + flags}); !strings.Contains(rep.Text, "Poll posted") {
		return r, fmt.Errorf("poll: %s", rep.Text)
	}
	var poll struct {
		ID        int64 `db:"id"`
		MessageID int64 `db:"message_id"`
	}
	if err := st.db.GetContext(ctx, &poll, st.db.Rebind(`SELECT id, message_id FROM poll WHERE workspace_id = ? ORDER BY id DESC LIMIT 1`), ws.ID); err != nil {
		return r, err
	}
	var card *store.Message
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if card, err = st.db.MessageGet(ctx, st.db, poll.MessageID); err != nil {
			return r, err
		}
		if card.PlatformTS != "" {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("the poll's card was never posted")
		}
	}
	clicks, err := st.voteClicks(ws.ExternalID, n, poll.ID, card)
	if err != nil {
		return r, err
	}

	m := startMeter(st.fake)
	start := time.Now()
	lat, _, failed := st.fire(ctx, clicks, rate)
	lastAck := time.Now()
	// The card shows the exact final tally once its message on Slack is at
	// a revision whose card says so.
	want := fmt.Sprintf("%d votes from %d people", n, n)
	var shown time.Duration = -1
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		msg, err := st.db.MessageGet(ctx, st.db, poll.MessageID)
		if err != nil {
			return r, err
		}
		if msg.SentRevision == msg.Revision && strings.Contains(msg.Card, want) {
			shown = time.Since(lastAck)
			break
		}
	}
	m.finish(&r, n)
	p, err := st.db.PollGet(ctx, st.db, poll.ID)
	if err != nil {
		return r, err
	}
	tally, err := st.db.PollTally(ctx, st.db, p)
	if err != nil {
		return r, err
	}
	slices.Sort(lat)
	// Throughput is of the votes themselves: acknowledged per second of
	// sending, not counting the wait for the card afterwards.
	r.Rate = float64(n) / lastAck.Sub(start).Seconds()
	r.P50MS, r.P99MS, r.MaxMS = percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	r.Failed = failed
	r.Lost = max(0, n-failed-tally.Voters)
	r.Doubled = max(0, tally.Votes-tally.Voters)
	r.Note = fmt.Sprintf("%d of %d votes kept (%d votes from %d people); ", tally.Voters, n, tally.Votes, tally.Voters)
	if shown >= 0 {
		r.Note += fmt.Sprintf("card showed the exact final tally %.2fs after the last vote's ack", shown.Seconds())
	} else {
		r.Note += "card NEVER showed the exact final tally within 2 min"
	}
	return r, nil
}

// voteClicks builds one signed click per roster member of the workspace on
// option 1 of the poll.
func (st *stack) voteClicks(team string, n int, pollID int64, card *store.Message) ([]*preparedClick, error) {
	now := time.Now()
	action := fmt.Sprintf("vote:%d:1", pollID)
	out := make([]*preparedClick, 0, n)
	for i := range n {
		c, err := st.signedClick(now, team, fmt.Sprintf("U%d%07d", st.teams, i), card.PlatformChannel, "townhall", card.PlatformTS,
			fmt.Sprintf("vote-%d-%d", pollID, i), "choices", action, "Yes")
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
