package ask_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// askEnv is the sandbox environment of bottest with the ask tests' own
// look-ups.
type askEnv struct{ *bottest.Sandbox }

func newAskEnv(t *testing.T, backend store.Backend, cfg bot.Config) *askEnv {
	t.Helper()
	return &askEnv{bottest.NewSandbox(t, backend, cfg)}
}

func (e *askEnv) question(id int64) *store.SupportQuestion {
	e.T.Helper()
	q, err := e.DB.SupportQuestionGet(context.Background(), e.DB, id)
	if err != nil {
		e.T.Fatal(err)
	}
	return q
}

func (e *askEnv) lastQuestionID() int64 {
	e.T.Helper()
	var id int64
	if err := e.DB.GetContext(context.Background(), &id, `SELECT MAX(id) FROM support_question`); err != nil {
		e.T.Fatal(err)
	}
	return id
}

// TestAskClaimConverseResolve is the first "done when", on both
// backends: a nurse on 4west asks with a phone number in the text; it is
// stored redacted; both on-duty super-users get it; they claim at the same
// moment and exactly one wins, the other's copy shows who; they talk; the
// nurse resolves and rates; the claimer tags it.
func TestAskClaimConverseResolve(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			e := newAskEnv(t, backend, bot.Config{HelpdeskChannel: "#helpdesk"})
			rep := e.Command("nina", "#4west", "/ask How do I reprint a wristband? The family asked me to call 555-123-4567")
			bottest.Contains(t, "ask reply", rep, "Sent to Sam Reyes and Sue Park, on duty on 4west.", "phone number")
			if strings.Contains(rep, "555") {
				t.Errorf("ask reply repeats the phone number: %q", rep)
			}
			if strings.Contains(rep, "(4west)") {
				t.Errorf("ask reply names the asker's own department twice: %q", rep)
			}
			qid := e.lastQuestionID()
			q := e.question(qid)
			if strings.Contains(q.Text, "555") || !strings.Contains(q.Text, "[redacted]") || !q.Redacted || q.Department != "4west" ||
				q.Level != 0 || !q.EscalateAt.Equal(q.CreatedAt.Add(10*time.Minute)) {
				t.Fatalf("stored question: %+v", q)
			}
			mine := e.Must("nina", "dm", "Your question")
			bottest.Contains(t, "asker card", mine.Text, "[redacted]", "Sam Reyes (4west) and Sue Park (4west)")
			if strings.Contains(mine.Text, "555") || strings.Contains(mine.Text, "4567") {
				t.Errorf("asker card shows the phone number: %q", mine.Text)
			}

			cards := map[string]bottest.Msg{}
			for _, su := range []string{"sam", "sue"} {
				c := e.Must(su, "dm", "Question from Nina Patel (nurse, 4west)")
				if c.Action("claim:") == "" || strings.Contains(c.Text, "555") {
					t.Fatalf("%s's card: %+v", su, c)
				}
				cards[su] = c
			}
			if _, ok := e.Find("ed", "dm", "Question from Nina"); ok {
				t.Fatal("ed (5east, off duty) got the question")
			}

			// Both click "I'll take it" at the same moment.
			replies := map[string]string{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for su, c := range cards {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := e.Click(su, c.ID, c.Action("claim:"))
					mu.Lock()
					replies[su] = r.Reply
					mu.Unlock()
				}()
			}
			wg.Wait()
			winner, loser := "sam", "sue"
			if strings.HasPrefix(replies["sue"], "✋") {
				winner, loser = "sue", "sam"
			}
			names := map[string]string{"sam": "Sam Reyes", "sue": "Sue Park"}
			bottest.Contains(t, winner+"'s claim", replies[winner], "It's yours")
			bottest.Contains(t, loser+"'s claim", replies[loser], "Already claimed by "+names[winner])
			q = e.question(qid)
			if q.Status != store.SupportClaimed || q.ClaimedAt.IsZero() {
				t.Fatalf("after claim: %+v", q)
			}
			lc := e.Must(loser, "dm", "Question from Nina")
			bottest.Contains(t, loser+"'s copy", lc.Text, "Claimed by "+names[winner])
			if len(lc.Actions) != 0 {
				t.Errorf("%s's copy still has buttons: %+v", loser, lc.Actions)
			}
			wc := e.Must(winner, "dm", "Question from Nina")
			if wc.Action("sreply:") == "" || wc.Action("resolve:") == "" || wc.Action("stag:") == "" {
				t.Fatalf("claimer's card lacks reply/resolve/tags: %+v", wc.Actions)
			}
			e.Must("nina", "dm", names[winner]+" (nurse, 4west) is on your question")
			// A late click on the stale button changes nothing.
			if r := e.Click(loser, lc.ID, "claim:1"); !strings.Contains(r.Reply, "Already claimed") {
				t.Errorf("stale claim: %q", r.Reply)
			}

			// They talk through the bot.
			r := e.Click(winner, wc.ID, wc.Action("sreply:"))
			if r.Form == nil || r.Form.ID == "" {
				t.Fatalf("reply opened no form: %+v", r)
			}
			rep = e.Submit(winner, r.Form.ID, "Patient Station > Print > Wristband. Page me at 555-987-6543 if it jams.")
			bottest.Contains(t, "claimer's reply", rep, "Sent to Nina Patel", "phone number")
			got := e.Must("nina", "dm", "Patient Station > Print > Wristband")
			if strings.Contains(got.Text, "555") || got.Action("sreply:") == "" {
				t.Fatalf("relayed message: %+v", got)
			}
			r = e.Click("nina", got.ID, got.Action("sreply:"))
			rep = e.Submit("nina", r.Form.ID, "Found it, thanks!")
			bottest.Contains(t, "asker's reply", rep, "Sent to "+names[winner])
			e.Must(winner, "dm", "Found it, thanks!")
			msgs, err := e.DB.SupportMessageList(context.Background(), e.DB, qid)
			if err != nil || len(msgs) != 2 || strings.Contains(msgs[0].Text, "555") || !msgs[0].Redacted {
				t.Fatalf("stored messages: %+v, %v", msgs, err)
			}

			// Nina resolves and rates; the claimer tags.
			mine = e.Must("nina", "dm", "Your question")
			rep = e.Click("nina", mine.ID, mine.Action("resolve:")).Reply
			bottest.Contains(t, "resolve", rep, "Resolved")
			mine = e.Must("nina", "dm", "Your question")
			if mine.Action("srate:") == "" {
				t.Fatalf("asker card has no rating after resolve: %+v", mine)
			}
			e.Must(winner, "dm", "Nina Patel marked")
			rep = e.Click("nina", mine.ID, "srate:"+itoa(qid)+":5").Reply
			bottest.Contains(t, "rate", rep, "5/5")
			mine = e.Must("nina", "dm", "Your question")
			bottest.Contains(t, "rated card", mine.Text, "you rated the help 5/5")
			if r := e.Bot.HandleClick(context.Background(), bot.Click{Actor: actor("nina"), ActionID: "srate:" + itoa(qid) + ":1"}); !strings.Contains(r.Text, "already rated") {
				t.Errorf("second rating: %q", r.Text)
			}
			wc = e.Must(winner, "dm", "Question from Nina")
			rep = e.Click(winner, wc.ID, "stag:"+itoa(qid)+"=bcma").Reply
			bottest.Contains(t, "tag", rep, "Tagged: bcma")
			e.Must(winner, "dm", "Tags: bcma")

			q = e.question(qid)
			if q.Status != store.SupportResolved || q.Rating != 5 || q.ResolvedAt.IsZero() || q.ResolvedBy == 0 ||
				len(q.Tags) != 1 || q.Tags[0] != "bcma" || !q.EscalatedAt.IsZero() {
				t.Fatalf("final question: %+v", q)
			}
			var fb struct {
				Rating int   `db:"rating"`
				Sup    int64 `db:"support_id"`
			}
			if err := e.DB.GetContext(context.Background(), &fb, `SELECT rating, support_id FROM feedback WHERE kind = 'support'`); err != nil || fb.Rating != 5 || fb.Sup != qid {
				t.Fatalf("support feedback = %+v, %v", fb, err)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func actor(user string) bot.Actor {
	return bot.Actor{Platform: sandbox.Platform, Workspace: sandbox.Workspace, UserID: user}
}

// TestAskEscalatesToHelpdesk is the second "done when": with no
// super-user on duty on 4west the question goes to 5east at once; when the
// simulated clock passes the escalation time it goes to the helpdesk
// channel, and the nurse is told each step. Someone in the helpdesk channel
// then takes it.
func TestAskEscalatesToHelpdesk(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newAskEnv(t, backend, bot.Config{HelpdeskChannel: "#helpdesk"})
			bottest.Contains(t, "sam off", e.Command("sam", "dm", "/learn duty off"), "off duty")
			e.Command("sue", "dm", "/learn duty off")
			bottest.Contains(t, "ed on", e.Command("ed", "dm", "/learn duty on"), "on duty")

			rep := e.Command("nina", "dm", "/ask Where do I document a refused dose?")
			bottest.Contains(t, "ask reply", rep, "No one on 4west is on duty right now — sent to Ed Novak (5east) instead.")
			qid := e.lastQuestionID()
			q := e.question(qid)
			if q.Level != 1 || q.EscalatedAt.IsZero() {
				t.Fatalf("question after asking: %+v", q)
			}
			ec := e.Must("ed", "dm", "Question from Nina Patel")
			bottest.Contains(t, "ed's card", ec.Text, "Nobody on 4west could take it")

			if err := e.SB.Advance(ctx, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
			if ms := e.Messages("nina", "#helpdesk"); len(ms) != 0 {
				t.Fatalf("helpdesk got it before the escalation time: %+v", ms)
			}
			if err := e.SB.Advance(ctx, 10*time.Minute); err != nil {
				t.Fatal(err)
			}
			hd := e.Must("bill", "#helpdesk", "Where do I document a refused dose?")
			if hd.Action("claim:") == "" {
				t.Fatalf("helpdesk post has no claim button: %+v", hd)
			}
			e.Must("nina", "dm", "sent to the helpdesk channel (#helpdesk)")
			mine := e.Must("nina", "dm", "Your question")
			bottest.Contains(t, "asker card", mine.Text, "the helpdesk channel")
			if q := e.question(qid); q.Level != 2 || !q.EscalateAt.IsZero() {
				t.Fatalf("question after escalation: %+v", q)
			}
			// Advancing further does nothing more.
			e.SB.TickStep = 30 * time.Minute
			if err := e.SB.Advance(ctx, 30*time.Minute); err != nil {
				t.Fatal(err)
			}
			if n := len(e.Messages("nina", "#helpdesk")); n != 1 {
				t.Fatalf("%d helpdesk posts", n)
			}

			// Bill (billing, no super-user permission) takes it from the helpdesk.
			rep = e.Click("bill", hd.ID, hd.Action("claim:")).Reply
			bottest.Contains(t, "bill's claim", rep, "It's yours")
			e.Must("bill", "dm", "You took it")
			bottest.Contains(t, "helpdesk post", e.Must("bill", "#helpdesk", "refused dose").Text, "Claimed by Bill Romero")
			bottest.Contains(t, "ed's copy", e.Must("ed", "dm", "Question from Nina").Text, "Claimed by Bill Romero")
			e.Must("nina", "dm", "Bill Romero (billing, revenue) is on your question")
		})
	}
}

// TestAskNobodyOnDuty: nobody anywhere on duty sends the question to the
// helpdesk at once; without a helpdesk channel the asker is told it stays
// open, and the first super-user who comes on duty gets it at the next check.
func TestAskNobodyOnDuty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAskEnv(t, store.SQLite, bot.Config{HelpdeskChannel: "#helpdesk"})
	e.Command("sam", "dm", "/learn duty off")
	e.Command("sue", "dm", "/learn duty off")
	rep := e.Command("nina", "dm", "/ask How do I find the downtime report?")
	bottest.Contains(t, "ask reply", rep, "No super-user is on duty right now — sent to the helpdesk channel (#helpdesk).")
	e.Must("tara", "#helpdesk", "downtime report")

	e2 := newAskEnv(t, store.SQLite, bot.Config{})
	e2.Command("sam", "dm", "/learn duty off")
	e2.Command("sue", "dm", "/learn duty off")
	rep = e2.Command("nina", "dm", "/ask How do I find the downtime report?")
	bottest.Contains(t, "ask reply", rep, "no helpdesk channel is set up", "next super-user who comes on duty")
	qid := e2.lastQuestionID()
	if q := e2.question(qid); q.Level != 1 || !q.Waiting || q.EscalateAt.IsZero() {
		t.Fatalf("waiting question: %+v", q)
	}
	if err := e2.SB.Advance(ctx, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok := e2.Find("ed", "dm", "Question from Nina"); ok {
		t.Fatal("ed got it while off duty")
	}
	e2.Command("ed", "dm", "/learn duty on")
	if err := e2.SB.Advance(ctx, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	e2.Must("ed", "dm", "Question from Nina")
	e2.Must("nina", "dm", "Ed Novak (5east) just came on duty and got your question.")
	if n := len(e2.Messages("nina", "#helpdesk")); n != 0 {
		t.Fatalf("%d helpdesk posts without a helpdesk channel", n)
	}
}

// TestAskRulesAtTheEdges covers duty hours, the asker's work hours and who
// may do what, through the bot's handlers.
func TestAskRulesAtTheEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAskEnv(t, store.SQLite, bot.Config{HelpdeskChannel: "#helpdesk"})
	h := func(user, text string) string {
		return e.Bot.HandleCommand(ctx, bot.Command{Actor: actor(user), Channel: "dm", Name: "learn", Text: text}).Text
	}
	click := func(user, action string) string {
		r := e.Bot.HandleClick(ctx, bot.Click{Actor: actor(user), ActionID: action}).Text
		if err := e.Bot.Jobs.WaitIdle(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Duty hours: Sam works nights now, so at 09:00 only Sue is asked.
	bottest.Contains(t, "duty hours", h("sam", "duty hours 19:00-07:00"), "19:00–07:00")
	bottest.Contains(t, "bad duty hours", h("sam", "duty hours 7pm"), "Usage")
	bottest.Contains(t, "not a super-user", h("nina", "duty hours 08:00-12:00"), "Only super-users")
	bottest.Contains(t, "/ask usage", e.Command("nina", "dm", "/ask"), "On duty on 4west now: Sue Park.")
	rep := e.Command("nina", "dm", "/ask Can I co-sign a verbal order from the MAR?")
	bottest.Contains(t, "ask", rep, "Sent to Sue Park, on duty on 4west.")
	if _, ok := e.Find("sam", "dm", "verbal order"); ok {
		t.Fatal("sam got a question outside his duty hours")
	}
	bottest.Contains(t, "duty hours off", h("sam", "duty hours off"), "work hours (08:00–17:00")
	qid := itoa(e.lastQuestionID())

	// Who may do what.
	bottest.Contains(t, "asker claims", click("nina", "claim:"+qid), "your own question")
	bottest.Contains(t, "stranger claims", click("pete", "claim:"+qid), "sent to someone else")
	bottest.Contains(t, "reply before claim", click("nina", "sreply:"+qid), "Nobody has taken")
	bottest.Contains(t, "stranger resolves", click("pete", "resolve:"+qid), "Only the person who asked")
	bottest.Contains(t, "unknown question", click("sue", "claim:999999"), "no longer know")
	bottest.Contains(t, "claim", click("sue", "claim:"+qid), "It's yours")
	bottest.Contains(t, "claim again", click("sue", "claim:"+qid), "already took")
	bottest.Contains(t, "stranger tags", click("nina", "stag:"+qid+"=bcma"), "Only the super-user")
	bottest.Contains(t, "unknown tag", click("sue", "stag:"+qid+"=nope"), "not one of the content tags")
	bottest.Contains(t, "tag", click("sue", "stag:"+qid+"=mar"), "Tagged: mar")
	bottest.Contains(t, "untag", click("sue", "stag:"+qid+"=mar"), "no tags")
	bottest.Contains(t, "rate before resolve", click("nina", "srate:"+qid+":4"), "resolved first")
	bottest.Contains(t, "stranger replies", click("pete", "sreply:"+qid), "Only the person who asked")
	bottest.Contains(t, "claimer resolves", click("sue", "resolve:"+qid), "can rate the help")
	e.Must("nina", "dm", "Sue Park marked your question")
	bottest.Contains(t, "resolve again", click("nina", "resolve:"+qid), "already resolved")
	bottest.Contains(t, "reply after resolve", click("nina", "sreply:"+qid), "resolved")
	bottest.Contains(t, "claimer rates", click("sue", "srate:"+qid+":5"), "Only the person who asked")
	bottest.Contains(t, "rate", click("nina", "srate:"+qid+":4"), "4/5")
	e.Must("sue", "dm", "rated your help")

	// The asker's work hours end at 09:05: escalation waits for the next
	// work day instead of firing tonight.
	h("nina", "hours 08:00-09:05")
	e.Command("nina", "dm", "/ask Where is the sepsis alert setting?")
	q := e.question(e.lastQuestionID())
	if d := q.EscalateAt.Sub(q.CreatedAt); d < 20*time.Hour {
		t.Fatalf("escalation %s after asking; want the next work day", d)
	}
	e.SB.TickStep = time.Hour
	if err := e.SB.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if q := e.question(q.ID); q.Level != 0 {
		t.Fatalf("escalated outside the asker's work hours: %+v", q)
	}
}
