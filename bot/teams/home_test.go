package teams_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// homeButtons returns the verbs of a card's buttons and whether every one
// is marked as a button of the home card.
func homeButtons(t *testing.T, cardJSON []byte) (verbs []string, marked bool) {
	t.Helper()
	marked = true
	executeActions(t, cardJSON, func(x map[string]any) {
		verbs = append(verbs, x["verb"].(string))
		if d, _ := x["data"].(map[string]any); d["hbhome"] != true {
			marked = false
		}
	})
	return verbs, marked && len(verbs) > 0
}

// TestHomeInPersonalChat: Teams has no App Home, so the same view lives in
// the 1:1 chat. Installing the bot there sends the welcome (the home card
// of someone who has not joined: a role menu) before anything else;
// choosing a role from it is answered with the home card as it now stands
// (streak, accuracy, next delivery, settings) with the join's reply on it;
// typing "home" (or "learn home") sends the home card; a settings button
// on it (Pause a week) answers with the refreshed home card, paused.
func TestHomeInPersonalChat(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		conv := e.conn.PersonalConversation(nina)
		e.install(t, nina, conv, "")
		acts := e.conn.Activities(conv)
		if len(acts) != 1 {
			t.Fatalf("%d messages in the 1:1 chat when the installation was answered; want the welcome", len(acts))
		}
		welcome := view(t, acts[0].Activity)
		if !strings.Contains(welcome.Text, "Welcome to huddlebot") {
			t.Fatalf("the welcome reads %q", welcome.Text)
		}
		var content struct {
			Attachments []struct{ Content json.RawMessage } `json:"attachments"`
		}
		json.Unmarshal(acts[0].Activity, &content)
		if verbs, marked := homeButtons(t, content.Attachments[0].Content); !marked || !strings.Contains(strings.Join(verbs, " "), "learn:join") {
			t.Fatalf("the welcome's buttons %v (all marked as the home card's: %v); want the role menu", verbs, marked)
		}

		press := func(postID, verb string, data map[string]any) string {
			t.Helper()
			p := activity(t, "invoke_adaptivecard_action.json")
			e.fromUser(p, nina, conv)
			p["replyToId"] = postID
			data["hb"], data["hbhome"] = verb, true
			p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": verb, "data": data}}
			code, body := e.post(t, p)
			resp := invokeAnswer(t, "press "+verb, code, body)
			if resp.Type != "application/vnd.microsoft.card.adaptive" {
				t.Fatalf("press %s: %d %s; want the home card", verb, code, body)
			}
			if _, marked := homeButtons(t, resp.Value); !marked {
				t.Errorf("press %s: the answered home card's buttons are not marked: %s", verb, resp.Value)
			}
			return string(resp.Value)
		}
		joined := press(acts[0].ID, "learn:join", map[string]any{"learn:join": "nurse"})
		for _, want := range []string{"Your daily EHR huddle", "Streak", "Next delivery", "Welcome"} {
			if !strings.Contains(joined, want) {
				t.Errorf("after choosing a role the home card lacks %q: %s", want, joined)
			}
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, nina); !m.Joined || m.Role != "nurse" {
			t.Errorf("after choosing nurse on the welcome the member is joined=%v role=%q", m.Joined, m.Role)
		}

		for _, typed := range []string{"home", "learn home"} {
			before := len(e.conn.Activities(conv))
			e.say(t, nina, typed)
			acts = e.waitActivities(t, conv, before+1)
			home := view(t, acts[before].Activity)
			if !strings.Contains(home.Text, "Your daily EHR huddle") || !strings.Contains(home.Text, "Streak") {
				t.Errorf("%q answered %q; want the home card", typed, home.Text)
			}
		}
		last := acts[len(acts)-1]
		paused := press(last.ID, "learn:pause", map[string]any{})
		if !strings.Contains(paused, "Paused until") || !strings.Contains(paused, "Resume") {
			t.Errorf("Pause a week answered %s; want the home card, paused, with a Resume button", paused)
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, nina); m.Schedule.PausedUntil.IsZero() {
			t.Error("Pause a week on the home card did not pause her")
		}
	})
}
