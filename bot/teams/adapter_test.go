package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

const nina = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw"

// workspace is the test tenant's workspace.
func (e *env) workspace(t *testing.T) *store.Workspace {
	t.Helper()
	ws, err := e.bot.Workspace(context.Background(), teams.Platform, testTenant)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// invokeResponse is the body of a bot's answer to an adaptiveCard/action
// invoke: its own status, and a message or an Adaptive Card.
type invokeResponse struct {
	StatusCode int             `json:"statusCode"`
	Type       string          `json:"type"`
	Value      json.RawMessage `json:"value"`
}

// invokeAnswer decodes the answer (code, body) to the invoke what; an HTTP
// or invoke status but 200 fails the test.
func invokeAnswer(t *testing.T, what string, code int, body []byte) invokeResponse {
	t.Helper()
	var resp invokeResponse
	if code != http.StatusOK || json.Unmarshal(body, &resp) != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", what, code, body)
	}
	return resp
}

// addMembers adds ms to db; an error fails the test.
func addMembers(t *testing.T, db *store.DB, ms []store.MemberUpsert) {
	t.Helper()
	for _, m := range ms {
		if _, err := db.MemberUpsert(context.Background(), db, m); err != nil {
			t.Fatal(err)
		}
	}
}

// newE2E is the adapter over a bot with every capability, the bundled
// content and delivery workers.
func newE2E(t *testing.T, db *store.DB) (*env, *bottest.Bot) {
	t.Helper()
	tb := bottest.NewBot(t, db, bottest.BotOptions{Jobs: bot.JobsOptions{Work: true},
		Config: bot.Config{PollRenderEvery: 100 * time.Millisecond, VoteKey: []byte("teams test vote key")}})
	e := newEnvWith(t, tb.Bot)
	tb.Start(t)
	return e, tb
}

// install posts the installationUpdate Teams sends when user adds the app
// in their 1:1 chat conv (testdata/installation_update_add.json), from the
// Entra object id aad ("" keeps fromUser's); anything but 200 fails the test.
func (e *env) install(t *testing.T, user, conv, aad string) {
	t.Helper()
	inst := activity(t, "installation_update_add.json")
	e.fromUser(inst, user, conv)
	if aad != "" {
		inst["from"].(map[string]any)["aadObjectId"] = aad
	}
	if code, body := e.post(t, inst); code != http.StatusOK {
		t.Fatalf("installationUpdate: %d %s", code, body)
	}
}

// say sends text as a message from user in their 1:1 chat and returns the
// answer they read there.
func (e *env) say(t *testing.T, user, text string) string {
	t.Helper()
	return e.Command(t, user, "dm", text, "")
}

func (e *env) member(t *testing.T, user string) int64 {
	t.Helper()
	return bottest.Member(t, e.bot.DB, teams.Platform, testTenant, user).ID
}

// TestLearnQuizEndToEnd: installed in a person's 1:1 chat, the bot keeps
// the conversation reference; "learn join" and "learn" are commands typed as
// messages; the quiz arrives as an Adaptive Card; pressing an answer is an
// adaptiveCard/action invoke answered with 200 and the answered card in the
// invoke response, committed before it and stored once; the same invoke
// replayed, and a second press, change nothing.
func TestLearnQuizEndToEnd(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		conv := e.conn.PersonalConversation(nina)

		e.install(t, nina, conv, "")
		r, err := db.MemberRecipient(context.Background(), e.member(t, nina))
		if err != nil || !strings.Contains(r.Ref, `"conversationId":"`+conv+`"`) {
			t.Fatalf("after installation the member's reference is %q, %v; want the 1:1 conversation %s", r.Ref, err, conv)
		}
		ws, err := e.bot.Workspace(context.Background(), teams.Platform, testTenant)
		if err != nil || !strings.Contains(ws.Ref, e.conn.ServiceURL()) {
			t.Fatalf("the workspace's reference is %q, %v; want the service URL", ws.Ref, err)
		}

		if rep := e.say(t, nina, "learn join nurse 4west"); !strings.Contains(rep, "Welcome") || !strings.Contains(rep, "America/Chicago") {
			t.Fatalf("learn join answered %q; want a welcome at 08:30 in her Teams client's zone", rep)
		}
		// The message's localTimezone is her zone: no profile look-up needed.
		if m := bottest.Member(t, db, teams.Platform, testTenant, nina); m.TimeZone != "America/Chicago" {
			t.Errorf("member's time zone after join = %q, want the activity's localTimezone America/Chicago", m.TimeZone)
		}
		before := len(e.conn.Activities(conv))
		e.say(t, nina, "learn")
		acts := e.waitActivities(t, conv, before+2) // the command's answer and the quiz
		var quiz *adaptertest.Message
		for _, p := range acts[before:] {
			if m := view(t, p.Activity); len(m.Actions) > 0 {
				m.Channel, m.ID = conv, p.ID
				quiz = &m
			}
		}
		if quiz == nil || !strings.HasPrefix(quiz.Actions[0], "ans:") {
			t.Fatalf("no quiz with answer buttons among %d activities", len(acts)-before)
		}

		verb := quiz.Actions[0]
		press := func(id string) (int, map[string]any) {
			t.Helper()
			p := activity(t, "invoke_adaptivecard_action.json")
			e.fromUser(p, nina, conv)
			if id != "" {
				p["id"] = id
			}
			p["replyToId"] = quiz.ID
			a := verb
			p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": a, "data": map[string]any{"hb": a}}}
			code, body := e.post(t, p)
			var resp map[string]any
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatalf("invoke response %s: %v", body, err)
			}
			return code, resp
		}
		code, resp := press("f:answer-1")
		if code != http.StatusOK || resp["statusCode"] != float64(200) || resp["type"] != "application/vnd.microsoft.card.adaptive" {
			t.Fatalf("invoke answered %d %v; want 200 with an Adaptive Card", code, resp)
		}
		card, _ := json.Marshal(resp["value"])
		if strings.Contains(string(card), `"verb":"ans:`) || !strings.Contains(string(card), `"TextBlock"`) {
			t.Errorf("the invoke response should be the answered card without answer buttons: %s", card)
		}
		// The click's reply ("✅ Correct!" or "❌ Not quite …") is on the card.
		if !strings.Contains(string(card), "Correct!") && !strings.Contains(string(card), "Not quite") {
			t.Errorf("the answered card does not carry the answer's reply: %s", card)
		}
		stats := func() int {
			st, err := db.MemberStatsGet(context.Background(), db, e.member(t, nina))
			if err != nil {
				t.Fatal(err)
			}
			return st.Answered
		}
		if n := stats(); n != 1 {
			t.Fatalf("answers recorded when the invoke was answered: %d; want 1 (committed first)", n)
		}
		// Bot Framework retries the same invoke: nothing changes.
		if code, resp := press("f:answer-1"); code != http.StatusOK || resp["type"] != "application/vnd.microsoft.activity.message" {
			t.Errorf("the replayed invoke answered %d %v", code, resp)
		}
		// Pressing again (a new invoke) records nothing more.
		press("f:answer-2")
		if n := stats(); n != 1 {
			t.Errorf("answers after a replay and a second press: %d; want 1", n)
		}
		// The invoke response showed the card: no edit call was needed.
		for _, c := range e.conn.Calls() {
			if c.Method == http.MethodPut {
				t.Errorf("the answered card was also edited in: %s", c.Path)
			}
		}

		// "How sure were you?": Certain, pressed on the answered card, is
		// stored and comes back as the card with the mark.
		certain := regexp.MustCompile(`conf:\d+:3`).FindString(string(card))
		if certain == "" {
			t.Fatalf("no confidence buttons on the answered card: %s", card)
		}
		verb = certain
		code, resp = press("f:certain")
		marked, _ := json.Marshal(resp["value"])
		if code != http.StatusOK || !strings.Contains(string(marked), "✓ Certain") {
			t.Errorf("the confidence press answered %d %s; want the card with ✓ Certain", code, marked)
		}
		var n int
		if err := db.GetContext(ctx, &n, `SELECT COUNT(*) FROM answer WHERE confidence = 3`); err != nil || n != 1 {
			t.Errorf("answers stored as certain: %d (%v), want 1", n, err)
		}
	})
}

// TestProactiveToRosterMember: a person imported from the roster who never
// wrote to the bot gets their DM in a 1:1 chat the adapter opens with
// POST /v3/conversations, at the service URL the workspace's reference
// names, and the conversation is reported back to keep.
func TestProactiveToRosterMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	wsRef := `{"serviceUrl":"` + e.conn.ServiceURL() + `","tenantId":"` + testTenant + `"}`
	sent, err := e.a.Deliver(ctx, &bot.Outbound{MessageID: 1, Revision: 1, Attempt: 1, Workspace: testTenant, Channel: "dm",
		UserID: "29:roster-only", Card: &bot.Card{Title: "Welcome", Body: "Your first tip arrives tomorrow."},
		Ref: bot.Refs{Workspace: wsRef}})
	if err != nil {
		t.Fatal(err)
	}
	conv := e.conn.PersonalConversation("29:roster-only")
	if sent.Channel != conv || sent.DMChannel != conv || !strings.Contains(sent.Ref.Member, conv) {
		t.Errorf("Sent = %+v; want the opened conversation %s as channel, DM channel and member reference", sent, conv)
	}
	// With the reference kept, the next DM opens nothing.
	creates := func() int {
		n := 0
		for _, c := range e.conn.Calls() {
			if c.Path == "v3/conversations" {
				n++
			}
		}
		return n
	}
	if _, err := e.a.Deliver(ctx, &bot.Outbound{MessageID: 2, Revision: 1, Attempt: 1, Workspace: testTenant, Channel: "dm",
		UserID: "29:roster-only", Card: &bot.Card{Body: "Tip"}, Ref: bot.Refs{Workspace: wsRef, Member: sent.Ref.Member}}); err != nil {
		t.Fatal(err)
	}
	if n := creates(); n != 1 {
		t.Errorf("%d conversations opened for two DMs; want 1 (the kept reference is used)", n)
	}
	if n := len(e.conn.Activities(conv)); n != 2 {
		t.Errorf("%d messages in the 1:1 chat; want 2", n)
	}
}

// TestChannelMentionCommand: in a channel the bot reads only what
// @mentions it; the mention is stripped, the command runs in that channel,
// and the answer goes to the person's 1:1 chat (a channel has no message
// only one person sees).
func TestChannelMentionCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := make(chan bot.Command, 1)
	e.bot.HandleCommandFunc("huddle", func(_ context.Context, r *bot.Req, text string) (bot.Reply, error) {
		got <- bot.Command{Channel: r.Channel, Text: text}
		return bot.Reply{Text: "Poll posted."}, nil
	})
	personal := e.conn.PersonalConversation(nina)
	p := activity(t, "message_channel_mention.json")
	p["from"].(map[string]any)["id"] = nina
	if code, body := e.post(t, p); code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	select {
	case c := <-got:
		if want := `poll "Which shift suits the refresher?" "Days" "Nights"`; c.Text != want || c.Channel != confChannel {
			t.Errorf("the command reached the core as %+v; want text %q in %s", c, want, confChannel)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not reach the core")
	}
	acts := e.waitActivities(t, personal, 1)
	if m := view(t, acts[0].Activity); !strings.Contains(m.Text, "Poll posted.") {
		t.Errorf("the answer in the 1:1 chat reads %q", m.Text)
	}
	if n := len(e.conn.Activities(confChannel)); n != 0 {
		t.Errorf("the private answer was posted in the channel (%d messages)", n)
	}
}

// TestSubmitFallbackAndForms: a client without Universal Actions sends the
// Action.Submit fallback as a message with the action id in its value; a
// form's card comes back as a submission with the typed text.
func TestSubmitFallbackAndForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clicks := make(chan string, 1)
	e.bot.HandleActionFunc("more", func(_ context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
		clicks <- r.Actor.UserID
		return bot.Reply{Form: &bot.Form{ID: "tellmore:42", Title: "Tell us more", Label: "What was unclear?", Submit: "Send"}}, nil
	})
	subs := make(chan string, 1)
	e.bot.HandleFormFunc("tellmore", func(_ context.Context, r *bot.Req, args []string, text string) (bot.Reply, error) {
		subs <- args[0] + " " + text
		return bot.Reply{Text: "Thanks!"}, nil
	})
	conv := e.conn.PersonalConversation(nina)
	p := activity(t, "message_personal.json")
	e.fromUser(p, nina, conv)
	p["text"] = ""
	p["replyToId"] = "1764600000001"
	p["value"] = map[string]any{"hb": "more"}
	if code, body := e.post(t, p); code != http.StatusOK {
		t.Fatalf("Action.Submit: status %d: %s", code, body)
	}
	if u := <-clicks; u != nina {
		t.Errorf("the click came from %q", u)
	}
	acts := e.waitActivities(t, conv, 1)
	form := view(t, acts[0].Activity)
	if !strings.Contains(form.Text, "Tell us more") || !strings.Contains(form.Text, "What was unclear?") ||
		len(form.Actions) != 1 || form.Actions[0] != "hbform:tellmore:42" {
		t.Fatalf("the form card reads %q with buttons %v", form.Text, form.Actions)
	}
	// Submitting the form: an invoke whose data carries the text input.
	inv := activity(t, "invoke_adaptivecard_action.json")
	e.fromUser(inv, nina, conv)
	inv["replyToId"] = acts[0].ID
	inv["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "hbform:tellmore:42",
		"data": map[string]any{"hb": "hbform:tellmore:42", "text": "The dose field is hidden."}}}
	code, body := e.post(t, inv)
	if code != http.StatusOK || !strings.Contains(string(body), "Thanks!") {
		t.Errorf("form submit answered %d %s", code, body)
	}
	if s := <-subs; s != "42 The dose field is hidden." {
		t.Errorf("the submission reached the core as %q", s)
	}
}

// TestActivitiesWithoutSender: an activity without a sender is refused as
// malformed when it asks for something, and ignored otherwise.
func TestActivitiesWithoutSender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := activity(t, "message_personal.json")
	delete(p, "from")
	if code, _ := e.post(t, p); code != http.StatusBadRequest {
		t.Errorf("a message without a sender: status %d; want 400", code)
	}
	p = map[string]any{"type": "typing", "channelId": "msteams", "conversation": map[string]any{"id": "a:1"}}
	if code, _ := e.post(t, p); code != http.StatusOK {
		t.Errorf("typing: status %d; want 200", code)
	}
}

// TestRosterMemberMatchedByDirectoryID: a member imported from a roster
// under their directory object id (all an admin has) is the person who
// writes to the bot with that aadObjectId: no second member is made, and
// what the roster set (role, unit) holds.
func TestRosterMemberMatchedByDirectoryID(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		ws := e.workspace(t)
		const aad = "6B9A3D9E-7BD0-4F4A-9F3E-0D0C4F4E2B11" // as an export of the directory spells it
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: aad, Name: "Nina Patel", Role: "nurse", Department: "4west"})
		if err != nil {
			t.Fatal(err)
		}
		conv := e.conn.PersonalConversation(nina)
		e.install(t, nina, conv, strings.ToLower(aad)) // Nina's aadObjectId, lower-case
		m := bottest.Member(t, db, teams.Platform, testTenant, nina)
		if m.ID != id || m.Role != "nurse" || m.Department != "4west" {
			t.Fatalf("after first contact the member is %+v; want the roster's member %d, nurse on 4west", m, id)
		}
		var n int
		if err := db.GetContext(ctx, &n, db.Rebind(`SELECT COUNT(*) FROM member WHERE workspace_id = ?`), ws.ID); err != nil || n != 1 {
			t.Errorf("%d members in the workspace, %v; want 1", n, err)
		}
	})
}

// TestRosterMemberMatchedByEmail: a roster imported by e-mail or user
// principal name (what an admin exports from the directory) finds the
// person on their first activity, which carries neither: the adapter reads
// their account from the roster API (GET …/conversations/{id}/members/{id},
// testdata/member_get.json) once, and the core gives the roster's member
// their Teams id — by UPN as the row's user_id, or by the row's e-mail,
// case aside. A person not in the roster is a new member as before, and
// nobody is looked up twice.
func TestRosterMemberMatchedByEmail(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		ws := e.workspace(t)
		var sam teams.TeamsChannelAccount
		if err := json.Unmarshal(fixture(t, "member_get.json"), &sam); err != nil {
			t.Fatal(err)
		}
		rita := teams.TeamsChannelAccount{ID: "29:1rita-gomez-Zaqt7CZ", Name: "Rita Gomez", AADObjectID: "5d2e7a90-3c1b-4f6e-8a2d-9b0c1e2f3a4b",
			GivenName: "Rita", Surname: "Gomez", Email: "Rita.Gomez@contoso-health.org", UserPrincipalName: "rgomez@contoso-health.org",
			TenantID: testTenant, UserRole: "user"}
		const stranger = "29:1not-in-roster-Zaqt7CZ"
		e.conn.AddMember(fixture(t, "member_get.json"))
		ritaJSON, _ := json.Marshal(rita)
		e.conn.AddMember(ritaJSON)
		e.conn.AddMember(json.RawMessage(`{"id":"` + stranger + `","name":"Walk In","email":"walk.in@contoso-health.org"}`))

		// The roster: Sam by his UPN as user_id, Rita by an employee
		// number with her e-mail in another case.
		samID, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "SOrtiz@contoso-health.org", Name: "Sam Ortiz",
			Role: "physician", Department: "icu"})
		if err != nil {
			t.Fatal(err)
		}
		ritaID, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "EMP-20417", Name: "Rita Gomez",
			Email: "rita.gomez@contoso-health.org", Role: "nurse", Department: "4west"})
		if err != nil {
			t.Fatal(err)
		}

		// Sam installs the bot; Rita and the stranger type a command.
		samConv := e.conn.PersonalConversation(sam.ID)
		e.install(t, sam.ID, samConv, sam.AADObjectID)
		e.say(t, rita.ID, "learn stats")
		e.say(t, stranger, "learn stats")

		if m := bottest.Member(t, db, teams.Platform, testTenant, sam.ID); m.ID != samID || m.Role != "physician" || m.Department != "icu" {
			t.Errorf("Sam after first contact is %+v; want the roster's member %d, physician in icu (matched by UPN)", m, samID)
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, rita.ID); m.ID != ritaID || m.Role != "nurse" {
			t.Errorf("Rita after first contact is %+v; want the roster's member %d, a nurse (matched by e-mail)", m, ritaID)
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, stranger); m.ID == samID || m.ID == ritaID || m.Role != "" {
			t.Errorf("a person not in the roster became %+v", m)
		}
		var n int
		if err := db.GetContext(ctx, &n, db.Rebind(`SELECT COUNT(*) FROM member WHERE workspace_id = ?`), ws.ID); err != nil || n != 3 {
			t.Errorf("%d members in the workspace, %v; want 3 (two from the roster, one new)", n, err)
		}

		// Later activities look nobody up again.
		e.say(t, rita.ID, "learn stats")
		e.say(t, stranger, "learn stats")
		lookups := map[string]int{}
		for _, c := range e.conn.Calls() {
			if c.Method == http.MethodGet && strings.Contains(c.Path, "/members/") {
				lookups[c.Path[strings.LastIndex(c.Path, "/")+1:]]++
			}
		}
		for _, u := range []string{sam.ID, rita.ID, stranger} {
			if lookups[u] != 1 {
				t.Errorf("%s was looked up %d times; want once, on first contact (%v)", u, lookups[u], lookups)
			}
		}
	})
}
