package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/discord/discordfake"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// sentMessage is the JSON body discordgo posts for a new message.
type sentMessage struct {
	Content      string `json:"content"`
	Nonce        string `json:"nonce"`
	EnforceNonce bool   `json:"enforce_nonce"`
	Embeds       []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"embeds"`
	Components []struct {
		Components []struct {
			Type     int    `json:"type"`
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
		} `json:"components"`
	} `json:"components"`
}

func decodeSent(t testing.TB, c discordfake.Call) sentMessage {
	t.Helper()
	var m sentMessage
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("%s %s: %v", c.Method, c.Path, err)
	}
	return m
}

func (m sentMessage) customIDs() []string {
	var out []string
	for _, r := range m.Components {
		for _, c := range r.Components {
			out = append(out, c.CustomID)
		}
	}
	return out
}

// requireEphemeral checks a type 4 response only the actor sees.
func requireEphemeral(t testing.TB, status int, r response, want string) {
	t.Helper()
	if status != http.StatusOK || r.Type != 4 || r.Data.Flags&64 == 0 || !strings.Contains(r.Data.Content, want) {
		t.Fatalf("want 200, type 4, ephemeral, content containing %q; got %d type %d flags %d %q", want, status, r.Type, r.Data.Flags, r.Data.Content)
	}
}

var ansRe = regexp.MustCompile(`^ans:(\d+):(\d+)$`)

// TestQuizLoop drives the whole learning loop through signed HTTP
// interactions against a fake Discord: join, ask for a lesson, receive the
// quiz DM with buttons, answer it once (the DM is edited with the
// explanation), answer again (nothing changes), replay (409), and leave
// feedback through the modal.
func TestQuizLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		ctx := context.Background()

		status, r := e.post(e.fresh(fixture(t, "command_learn_join")))
		requireEphemeral(t, status, r, "Welcome, nurse on 4west")
		if m := e.member(ninaID); m.HomeChannel != testChannel || m.Name != "Nina (4W)" {
			t.Errorf("member home channel %q name %q; want %q and the server nickname", m.HomeChannel, m.Name, testChannel)
		}

		status, r = e.post(e.command(ninaID, testChannel, "learn", subcommand("next")))
		requireEphemeral(t, status, r, "Sent to your direct messages")

		open := e.fake.WaitCalls("POST", "/users/@me/channels", 1, nil)
		if !strings.Contains(string(open[0].Body), ninaID) {
			t.Fatalf("DM opened for the wrong user: %s", open[0].Body)
		}
		dm := "9" + ninaID
		posts := e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)
		quiz := decodeSent(t, posts[0])
		if len(quiz.Embeds) != 1 || !strings.Contains(quiz.Embeds[0].Title, "Reconciling home medications") ||
			!strings.Contains(quiz.Embeds[0].Description, "When must home medications be reconciled?") {
			t.Fatalf("quiz embed: %+v", quiz.Embeds)
		}
		if !quiz.EnforceNonce || quiz.Nonce == "" {
			t.Errorf("new message without an enforced nonce: %+v", quiz)
		}
		ids := quiz.customIDs()
		if len(ids) != 3 {
			t.Fatalf("want 3 answer buttons, got %v", ids)
		}
		sm := ansRe.FindStringSubmatch(ids[0])
		if sm == nil || sm[2] != "1" {
			t.Fatalf("first button custom_id %q; want ans:DELIVERY:1", ids[0])
		}
		delivery, _ := strconv.ParseInt(sm[1], 10, 64)
		e.wait()
		if m := e.member(ninaID); m.ID == 0 {
			t.Fatal("member missing")
		}

		// The click arrives in the DM: no guild, only user.
		status, r = e.post(e.click(ninaID, dm, ids[0]))
		requireEphemeral(t, status, r, "Correct")
		a, err := db.AnswerGet(ctx, db, delivery)
		if err != nil || a.Choice != 1 || !a.Correct {
			t.Fatalf("answer recorded: %+v, %v", a, err)
		}
		edits := e.fake.WaitCalls("PATCH", "/channels/"+dm+"/messages/", 1, nil)
		edited := decodeSent(t, edits[0])
		if len(edited.Embeds) != 1 || !strings.Contains(edited.Embeds[0].Description, "catches omissions and duplicates") ||
			!strings.Contains(edited.Embeds[0].Description, "✅ Correct") {
			t.Fatalf("edited DM lacks the result and explanation: %+v", edited.Embeds)
		}
		if got := edited.customIDs(); len(got) == 0 || slicesContainsPrefix(got, "ans:") {
			t.Errorf("edited DM should offer feedback buttons instead of answers, got %v", got)
		}
		if !strings.HasSuffix(edits[0].Path, "/"+sentID(t, posts[0])) {
			t.Errorf("edited %s, want the quiz message", edits[0].Path)
		}

		// The same button again: a clear message, nothing recorded or edited.
		status, r = e.post(e.click(ninaID, dm, ids[1]))
		requireEphemeral(t, status, r, "already answered")
		e.wait()
		st, err := db.MemberStatsGet(ctx, db, e.member(ninaID).ID)
		if err != nil || st.Answered != 1 {
			t.Fatalf("answers after a second click: %+v, %v", st, err)
		}
		if n := len(e.fake.Calls("PATCH", "/channels/"+dm+"/messages/")); n != 1 {
			t.Errorf("the DM was edited %d times, want once", n)
		}
		if n := len(e.fake.Calls("POST", "/channels/"+dm+"/messages")); n != 1 {
			t.Errorf("%d DMs posted, want 1", n)
		}

		// A replayed request (same interaction id, validly signed) is refused.
		replay := e.click(ninaID, dm, ids[0])
		if status, _ := e.post(replay); status != http.StatusOK {
			t.Fatalf("first delivery of an interaction: %d", status)
		}
		if status, _ := e.post(replay); status != http.StatusConflict {
			t.Errorf("replayed interaction: status %d, want 409", status)
		}

		// "Tell us more" opens a modal; its submission is stored, redacted.
		more := fmt.Sprintf("more:%d", delivery)
		if !slicesContains(edited.customIDs(), more) {
			t.Fatalf("no %q button on the answered card: %v", more, edited.customIDs())
		}
		status, r = e.post(e.click(ninaID, dm, more))
		if status != 200 || r.Type != 9 || r.Data.CustomID != more || r.Data.Title == "" || len(r.Data.Components) != 1 {
			t.Fatalf("want a modal for %s; got %d %+v", more, status, r)
		}
		sub := e.fresh(fixture(t, "modal_submit_dm"))
		sub["data"].(map[string]any)["custom_id"] = more
		status, r = e.post(sub)
		requireEphemeral(t, status, r, "Thanks")
		if !strings.Contains(strings.ToLower(r.Data.Content), "phone") {
			t.Errorf("the reply should say a phone number was removed: %q", r.Data.Content)
		}
		if strings.Contains(r.Data.Content, "867-5309") {
			t.Errorf("the reply repeats the phone number: %q", r.Data.Content)
		}
		if n := bottest.Count(t, db, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%screenshot did not match%'`); n != 1 {
			t.Errorf("%d feedback rows stored, want 1", n)
		}
		if n := bottest.Count(t, db, `SELECT COUNT(*) FROM feedback WHERE text LIKE '%867-5309%'`); n != 0 {
			t.Errorf("the phone number was stored with the feedback")
		}
	})
}

// sentID is the message id the fake returned for a call.
func sentID(t *testing.T, c discordfake.Call) string {
	t.Helper()
	var m struct{ ID string }
	if err := json.Unmarshal(c.Resp, &m); err != nil || m.ID == "" {
		t.Fatalf("%s %s returned no id: %s", c.Method, c.Path, c.Resp)
	}
	return m.ID
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func slicesContainsPrefix(s []string, p string) bool {
	for _, x := range s {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

// join makes user a nurse on 4west from channel.
func (e *env) join(user, channel string) {
	e.t.Helper()
	status, r := e.post(e.command(user, channel, "learn", subcommand("join", "role", "nurse", "department", "4west")))
	requireEphemeral(e.t, status, r, "Welcome")
}

// learnNext joins user as a nurse in the test channel and asks for a
// lesson now, which is sent to their DMs.
func (e *env) learnNext(user string) {
	e.t.Helper()
	e.join(user, testChannel)
	status, r := e.post(e.command(user, testChannel, "learn", subcommand("next")))
	requireEphemeral(e.t, status, r, "Sent to your direct messages")
}

// TestClosedDMs: Discord refuses the DM with 50007; the member is marked
// unreachable, told once in the channel where they joined, and not retried.
func TestClosedDMs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		const user = "80351110224678912"
		dm := "9" + user
		e.fake.FailNext("POST", "/channels/"+dm+"/messages", http.StatusForbidden,
			`{"message": "Cannot send messages to this user", "code": 50007}`, 100)
		e.learnNext(user)

		mention := "<@" + user + ">"
		isNotice := func(c discordfake.Call) bool { return strings.Contains(decodeSent(t, c).Content, mention) }
		e.fake.WaitCalls("POST", "/channels/"+testChannel+"/messages", 1, isNotice)
		e.wait()
		if m := e.member(user); m.Reachable {
			t.Fatal("member still reachable after 50007")
		}
		// Asking again neither retries the DM nor repeats the notice.
		status, _ := e.post(e.command(user, testChannel, "learn", subcommand("next")))
		if status != http.StatusOK {
			t.Fatalf("second /learn: %d", status)
		}
		// Nothing left to deliver, and no delivery waiting to be retried:
		// a second attempt would have been made.
		bottest.Settle(t, e.bot)
		if n := len(e.fake.Calls("POST", "/channels/"+dm+"/messages")); n != 1 {
			t.Errorf("%d DM attempts; want exactly 1 (no retries after 50007)\n%s", n, e.fake.Dump())
		}
		var notices int
		for _, c := range e.fake.Calls("POST", "/channels/"+testChannel+"/messages") {
			if isNotice(c) {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d notices in the home channel, want 1", notices)
		}
	})
}

// TestRateLimited: a 429 with retry_after snoozes the delivery job, which
// then delivers the DM exactly once.
func TestRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		const user = "80351110224678913"
		dm := "9" + user
		e.fake.FailNext("POST", "/channels/"+dm+"/messages", http.StatusTooManyRequests,
			`{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}`, 1)
		e.learnNext(user)
		e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)
		e.wait()
		all := e.fake.Calls("POST", "/channels/"+dm+"/messages")
		if len(all) != 2 || all[0].Status != 429 || all[1].Status != 200 {
			t.Fatalf("want one 429 then one delivery; got\n%s", e.fake.Dump())
		}
		if gap := all[1].At.Sub(all[0].At); gap < 250*time.Millisecond {
			t.Errorf("retried after %s, before retry_after (300ms)", gap)
		}
		if !e.member(user).Reachable {
			t.Error("a rate limit must not mark the member unreachable")
		}
		// The job saw the 429 and snoozed (discordgo did not sleep through it).
		if n := deliveries(t, "rate_limited"); n < 1 {
			t.Errorf("rate-limited deliveries counted: %v, want the job to have seen the 429", n)
		}
	})
}

// TestLostResponse: Discord creates the DM but the response is lost (502);
// the send is retried with the same enforced nonce, so the member gets the
// message once.
func TestLostResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		const user = "80351110224678915"
		dm := "9" + user
		e.fake.LoseReplyNext("/channels/"+dm+"/messages", 2)
		e.learnNext(user)
		e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)
		e.wait()
		if n := len(e.fake.Calls("POST", "/channels/"+dm+"/messages")); n != 3 {
			t.Errorf("%d sends, want 3 (two lost replies, then success)", n)
		}
		if n := e.fake.Created(dm); n != 1 {
			t.Errorf("%d messages created in the DM, want 1", n)
		}
	})
}

// TestDeferredFollowUp: when the work takes longer than DeferAfter the
// answer is a deferred ephemeral response, and the result arrives as an
// edit of the original response through the interaction webhook.
func TestDeferredFollowUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, func(o *Options) { o.DeferAfter = -1 })
		m := e.command(ninaDeferred, testChannel, "learn", subcommand("stats"))
		status, r := e.post(m)
		if status != 200 || r.Type != 5 || r.Data.Flags&64 == 0 {
			t.Fatalf("want a deferred ephemeral response, got %d %+v", status, r)
		}
		path := fmt.Sprintf("/webhooks/%s/%s/messages/@original", testAppID, m["token"])
		edits := e.fake.WaitCalls("PATCH", path, 1, nil)
		if !strings.Contains(string(edits[0].Body), "Your huddlebot stats") {
			t.Errorf("follow-up lacks the stats card: %s", edits[0].Body)
		}
	})
}

// deliveries reads huddlebot_deliveries_total{platform="discord",result}.
func deliveries(t *testing.T, result string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(bot.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "huddlebot_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["platform"] == Platform && labels["result"] == result {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

const ninaDeferred = "80351110224678914"

// TestSlowCoreDefers holds SQLite's only connection so the core cannot
// answer, and checks the endpoint still answers within Discord's 3 s with a
// deferral, then delivers the reply as a follow-up once the core is free.
func TestSlowCoreDefers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	// No join first: under -race on a loaded machine even a join can take
	// longer than this short DeferAfter; /learn help needs no member state.
	e := newEnv(t, db, func(o *Options) { o.DeferAfter = 200 * time.Millisecond })

	hold, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.Tx(context.Background(), func(tx *store.Tx) error {
			close(hold)
			<-release
			return nil
		})
	}()
	<-hold
	m := e.command(ninaID, testChannel, "learn", subcommand("help"))
	status, r := e.post(m)
	close(release)
	if status != 200 || r.Type != 5 {
		t.Fatalf("want a deferral while the database is busy, got %d %+v", status, r)
	}
	edits := e.fake.WaitCalls("PATCH", fmt.Sprintf("/webhooks/%s/%s/messages/@original", testAppID, m["token"]), 1, nil)
	if !strings.Contains(string(edits[0].Body), "/learn") {
		t.Errorf("follow-up lacks the help text: %s", edits[0].Body)
	}
}

// TestGatewayInteraction feeds discordgo's own event type to the handler
// the gateway uses; the answer goes to the interaction callback endpoint.
func TestGatewayInteraction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		raw, _ := json.Marshal(e.fresh(fixture(t, "command_learn_join")))
		var i discordgo.Interaction
		if err := json.Unmarshal(raw, &i); err != nil {
			t.Fatal(err)
		}
		e.ad.InteractionCreate(e.ad.Session(), &discordgo.InteractionCreate{Interaction: &i})
		cb := e.fake.WaitCalls("POST", "/interactions/"+i.ID+"/"+i.Token+"/callback", 1, nil)
		var got response
		if err := json.Unmarshal(cb[0].Body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Type != 4 || got.Data.Flags&64 == 0 || !strings.Contains(got.Data.Content, "Welcome, nurse") {
			t.Fatalf("gateway answer: %s", cb[0].Body)
		}
		// Redelivered over the gateway: no second answer.
		e.ad.InteractionCreate(e.ad.Session(), &discordgo.InteractionCreate{Interaction: &i})
		if n := len(e.fake.Calls("POST", "/interactions/")); n != 1 {
			t.Errorf("%d callbacks for one interaction", n)
		}
	})
}

// TestUnparsableCommandGetsUsage: a properly signed command the bot cannot
// map onto its grammar (no subcommand; an option from a stale command
// definition) is answered with an ephemeral usage reply, not HTTP 400
// (which Discord shows as "This interaction failed"), and runs nothing.
func TestUnparsableCommandGetsUsage(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db, nil)

	status, r := e.post(fixture(t, "command_learn_no_subcommand"))
	requireEphemeral(t, status, r, "/learn needs one of: next, join,")

	status, r = e.post(fixture(t, "command_learn_join_stale_option"))
	requireEphemeral(t, status, r, "/learn join has no option unit; it takes: role, department.")
	if !strings.Contains(r.Data.Content, "older version of this command") {
		t.Errorf("usage reply does not explain a stale command list: %q", r.Data.Content)
	}
	ctx := context.Background()
	ws, err := e.db.WorkspaceEnsure(ctx, Platform, testGuild, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := e.db.MemberByUser(ctx, e.db, ws.ID, ninaID); err == nil {
		t.Errorf("a stale /learn join was run anyway: member %+v", m)
	}

	// Replaying the same interaction id is still a replay.
	status, _ = e.post(fixture(t, "command_learn_no_subcommand"))
	if status != http.StatusConflict {
		t.Errorf("replayed unparsable interaction: %d, want 409", status)
	}
	// Options on a command without subcommands are checked too.
	m := e.command(ninaID, testChannel, "feedback", nil)
	m["data"].(map[string]any)["options"] = []any{map[string]any{"name": "txt", "type": 3, "value": "hi"}}
	status, r = e.post(m)
	requireEphemeral(t, status, r, "/feedback has no option txt; it takes: text.")
}
