package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// channelSay sends text @mentioning the bot in the channel, as user.
func (e *env) channelSay(t *testing.T, user, text string) {
	t.Helper()
	p := activity(t, "message_channel_mention.json")
	e.fromUser(p, user, confChannel+";messageid=1764602440194")
	p["text"] = "<at>huddlebot</at> " + text
	if code, body := e.post(t, p); code != http.StatusOK {
		t.Fatalf("%q: status %d: %s", text, code, body)
	}
}

// channelPress presses action on the channel post postID, as user, and
// returns the invoke response's message.
func (e *env) channelPress(t *testing.T, user, postID, action string) string {
	t.Helper()
	p := activity(t, "message_channel_mention.json")
	e.fromUser(p, user, confChannel+";messageid="+postID)
	for _, k := range []string{"text", "textFormat", "attachments", "entities"} {
		delete(p, k)
	}
	p["type"], p["name"], p["replyToId"] = "invoke", "adaptiveCard/action", postID
	p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": action, "data": map[string]any{"hb": action}}}
	code, body := e.post(t, p)
	var s string
	_ = json.Unmarshal(invokeAnswer(t, "press "+action, code, body).Value, &s) // a card answers no text
	return s
}

// channelPost waits for a post in the channel whose text has want.
func (e *env) channelPost(t *testing.T, want string) (id, text string, actions []string) {
	t.Helper()
	m := e.waitCard(t, confChannel, want)
	return m.ID, m.Text, m.Actions
}

// TestHuddleInChannel: a super-user hosts a huddle in a team channel by
// @mentioning the bot; the anonymous poll is a card in the channel whose
// votes arrive as invokes and whose tally is edited for everyone; a
// parking-lot question is posted there too; the answers to each person go to
// their 1:1 chat or their invoke, never to the channel.
func TestHuddleInChannel(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		ws := e.workspace(t)
		const sam, pete = "29:1sam-super-user-Zaqt7CZ", "29:1pete-nurse-Zaqt7CZ"
		addMembers(t, db, []store.MemberUpsert{
			{WorkspaceID: ws.ID, UserID: sam, Name: "Sam Reyes", Role: "nurse", Department: "4west", Permissions: []member.Permission{member.PermSuperUser}},
			{WorkspaceID: ws.ID, UserID: nina, Name: "Nina Patel", Role: "nurse", Department: "4west"},
			{WorkspaceID: ws.ID, UserID: pete, Name: "Pete Okafor", Role: "nurse", Department: "4west"},
		})
		samChat := e.conn.PersonalConversation(sam)

		e.channelSay(t, sam, "huddle start Sepsis alert go-live")
		if acts := e.waitActivities(t, samChat, 1); !strings.Contains(view(t, acts[0].Activity).Text, "started") {
			t.Errorf("Sam's answer reads %q", view(t, acts[0].Activity).Text)
		}
		e.channelPost(t, "Sepsis alert go-live")

		e.channelSay(t, sam, `huddle poll "Is the new sepsis alert clear?" "Yes" "No" --anonymous`)
		pollID, pollText, actions := e.channelPost(t, "Is the new sepsis alert clear?")
		if !strings.Contains(pollText, "Anonymous") || len(actions) < 2 || !strings.HasPrefix(actions[0], "vote:") {
			t.Fatalf("the poll card reads %q with buttons %v", pollText, actions)
		}
		if r := e.channelPress(t, nina, pollID, actions[0]); !strings.Contains(r, "Your vote: “Yes”") || !strings.Contains(r, "anonymously") {
			t.Errorf("Nina's vote answered %q", r)
		}
		if r := e.channelPress(t, pete, pollID, actions[1]); !strings.Contains(r, "Your vote: “No”") {
			t.Errorf("Pete's vote answered %q", r)
		}
		// The tally is edited in the channel, for everyone.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var text string
			for _, p := range e.conn.Activities(confChannel) {
				if p.ID == pollID {
					text = view(t, p.Activity).Text
				}
			}
			if strings.Contains(text, "2 votes") {
				for _, name := range []string{"Nina", "Pete"} {
					if strings.Contains(text, name) {
						t.Errorf("the anonymous poll names %s: %q", name, text)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the poll card in the channel does not show 2 votes: %q", text)
			}
			time.Sleep(20 * time.Millisecond)
		}

		e.channelSay(t, nina, "huddle ask How do I silence the alert once the bundle is done?")
		_, q, _ := e.channelPost(t, "How do I silence the alert")
		if !strings.Contains(q, "Nina Patel") {
			t.Errorf("the parking-lot question reads %q", q)
		}
		for _, p := range e.conn.Activities(confChannel) {
			if m := view(t, p.Activity); strings.Contains(m.Text, "Your vote") || strings.Contains(m.Text, "Added to the parking lot") {
				t.Errorf("a private answer was posted in the channel: %q", m.Text)
			}
		}
	})
}
