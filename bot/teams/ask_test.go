package teams_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// waitCard waits for a message in conv whose text has want.
func (e *env) waitCard(t *testing.T, conv, want string) adaptertest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, p := range e.conn.Activities(conv) {
			if m := view(t, p.Activity); strings.Contains(m.Text, want) {
				m.Channel, m.ID = conv, p.ID
				return m
			}
		}
		if time.Now().After(deadline) {
			var all []string
			for _, p := range e.conn.Activities(conv) {
				all = append(all, view(t, p.Activity).Text)
			}
			t.Fatalf("no message in %s reads %q; there are:\n%s", conv, want, strings.Join(all, "\n---\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAskRoutedAndClaimed: a nurse types "ask …" in her 1:1 chat; the
// on-duty super-user of her unit, who never wrote to the bot, gets the
// question in a 1:1 chat the bot opens; pressing "I'll take it" claims it
// (the invoke answers with the claimed card) and the nurse hears who has it.
func TestAskRoutedAndClaimed(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		ws := e.workspace(t)
		const sam = "29:1sam-super-user-Zaqt7CZ"
		addMembers(t, db, []store.MemberUpsert{
			{WorkspaceID: ws.ID, UserID: sam, Name: "Sam Reyes", Role: "nurse", Department: "4west", Permissions: []member.Permission{member.PermSuperUser}},
			{WorkspaceID: ws.ID, UserID: nina, Name: "Nina Patel", Role: "nurse", Department: "4west"},
		})
		if rep := e.say(t, sam, "learn duty on"); !strings.Contains(rep, "on duty") {
			t.Fatalf("learn duty on answered %q", rep)
		}
		if rep := e.say(t, nina, "ask How do I reprint a wristband?"); !strings.Contains(rep, "Sent to Sam Reyes") {
			t.Fatalf("ask answered %q", rep)
		}
		samChat := e.conn.PersonalConversation(sam)
		card := e.waitCard(t, samChat, "Question from Nina Patel")
		claim := ""
		for _, a := range card.Actions {
			if strings.HasPrefix(a, "claim:") {
				claim = a
			}
		}
		if claim == "" || !strings.Contains(card.Text, "reprint a wristband") {
			t.Fatalf("Sam's card reads %q with buttons %v", card.Text, card.Actions)
		}
		code, body := e.invoke(t, sam, card, claim)
		resp := invokeAnswer(t, "claim", code, body)
		if resp.Type != "application/vnd.microsoft.card.adaptive" || strings.Contains(string(resp.Value), `"verb":"claim:`) {
			t.Errorf("the claim should be answered with the claimed card, without the claim button: %s %s", resp.Type, resp.Value)
		}
		var status string
		if err := db.GetContext(ctx, &status, `SELECT status FROM support_question`); err != nil || status != string(store.SupportClaimed) {
			t.Errorf("the question is %q, %v; want claimed", status, err)
		}
		e.waitCard(t, e.conn.PersonalConversation(nina), "Sam Reyes (nurse, 4west) is on your question")
	})
}
