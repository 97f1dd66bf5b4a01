package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestSocketMode: the adapter keeps reconnecting after slack-go's
// RunContext gives up, handles slash commands, clicks and events arriving
// over the socket, and acknowledges each envelope with the HTTP answer.
func TestSocketMode(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db, envOptions{})
	// invalid_auth ends RunContext; the adapter must start it again.
	e.fake.FailSocketOpens(2, "invalid_auth")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.adapter.RunSocketMode(ctx, "xapp-test", slackbot.SocketOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunSocketMode: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("RunSocketMode did not stop")
		}
	}()

	wait, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	slash := func(user, text string) map[string]any {
		t.Helper()
		p, _ := json.Marshal(map[string]string{"token": "x", "team_id": team, "channel_id": "D" + user, "user_id": user,
			"user_name": "u", "command": "/learn", "text": text, "trigger_id": "1.2.3", "response_url": e.fake.ResponseURL("s")})
		id := e.fake.SocketSend("slash_commands", p)
		ack, err := e.fake.WaitAck(wait, id)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(ack, &out); err != nil {
			t.Fatalf("ack payload %s: %v", ack, err)
		}
		return out
	}
	if rep := slash("U300", "join nurse"); rep["response_type"] != "ephemeral" || !strings.Contains(rep["text"].(string), "Welcome") {
		t.Fatalf("join over the socket = %v", rep)
	}
	if opens := e.fake.SocketOpens(); opens != 1 {
		t.Errorf("socket connections = %d, want 1 after two refused opens", opens)
	}
	if m := e.member("U300"); m.HomeChannel != "" {
		t.Errorf("a command from the DM must not set the home channel: %q", m.HomeChannel)
	}
	slash("U300", "")
	bottest.WaitFor(t, 10*time.Second, "the quiz DM", func() bool { return len(e.dmFor("U300")) == 1 })

	// Slack drops the connection; slack-go reconnects by itself.
	e.fake.DropSockets()
	ids := e.dmFor("U300")[0].ActionIDs()
	var payload map[string]any
	_ = json.Unmarshal(fixture(t, "block_actions.json"), &payload)
	payload["user"].(map[string]any)["id"] = "U300"
	payload["response_url"] = e.fake.ResponseURL("sock-click")
	e.fake.BindResponse("sock-click", e.dmFor("U300")[0].Channel, e.dmFor("U300")[0].TS)
	act := payload["actions"].([]any)[0].(map[string]any)
	act["action_id"], act["value"] = ids[0], ids[0]
	raw, _ := json.Marshal(payload)
	id := e.fake.SocketSend("interactive", raw)
	if _, err := e.fake.WaitAck(wait, id); err != nil {
		t.Fatal(err)
	}
	if n := e.kept("U300"); n != 1 {
		t.Errorf("answers kept after the click over the socket = %d, want 1", n)
	}
	bottest.WaitFor(t, 10*time.Second, "the queued answer applied", func() bool { return e.answered("U300") == 1 })
	bottest.WaitFor(t, 10*time.Second, "the answered card through the response_url", func() bool { return e.dmFor("U300")[0].Replaced == 1 })

	ev := fixture(t, "event_app_home_opened.json")
	id = e.fake.SocketSend("events_api", ev)
	if _, err := e.fake.WaitAck(wait, id); err != nil {
		t.Fatal(err)
	}
	bottest.WaitFor(t, 5*time.Second, "views.publish", func() bool { return e.fake.Count("views.publish") == 1 })
	if e.fake.SocketOpens() < 2 {
		t.Errorf("socket connections = %d, want a reconnect after the drop", e.fake.SocketOpens())
	}
}
