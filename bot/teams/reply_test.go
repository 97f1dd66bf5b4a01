package teams_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestClickCardAndText: a click whose handler changes the clicked card and
// also answers with text — as a quiz answer does ("✅ Correct!") — is
// answered with the changed card in the invoke response, and the person
// sees the text too: on the card itself in their 1:1 chat (only they see
// it), in their 1:1 chat as a message when the card is a channel's, which
// everyone sees.
func TestClickCardAndText(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, tb := newE2E(t, db)
		ws := e.workspace(t)
		// Nina is known, with her 1:1 chat, before anything is posted.
		e.say(t, nina, "learn help")
		m := e.member(t, nina)
		e.bot.HandleActionFunc("flag", func(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
			id, _ := bot.ParseID(args, 0)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				return e.bot.Update(ctx, tx, id, &bot.Card{Body: "🚩 Flagged for the trainers."})
			})
			return bot.Reply{Text: "Thanks — the trainers will look at it."}, err
		})
		var inChannel, inDM int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if inChannel, err = e.bot.Post(ctx, tx, bot.Post{WorkspaceID: ws.ID, Channel: confChannel, Card: &bot.Card{Body: "Shared tip"}}); err != nil {
				return err
			}
			inDM, err = e.bot.Post(ctx, tx, bot.Post{WorkspaceID: ws.ID, MemberID: m, Channel: "dm", Card: &bot.Card{Body: "Your tip"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The buttons name the messages, whose ids exist only now.
		for _, id := range []int64{inChannel, inDM} {
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				return e.bot.Update(ctx, tx, id, &bot.Card{Body: "Tip", Actions: []bot.Action{{ID: fmt.Sprintf("flag:%d", id), Label: "Flag"}}})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tb.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		personal := e.conn.PersonalConversation(nina)
		dmCard := e.waitCard(t, personal, "Tip")
		chCard := e.waitCard(t, confChannel, "Tip")

		card := func(body []byte) string {
			t.Helper()
			var resp struct {
				StatusCode int             `json:"statusCode"`
				Type       string          `json:"type"`
				Value      json.RawMessage `json:"value"`
			}
			if json.Unmarshal(body, &resp) != nil || resp.StatusCode != 200 || resp.Type != "application/vnd.microsoft.card.adaptive" {
				t.Fatalf("the invoke was not answered with a card: %s", body)
			}
			return string(resp.Value)
		}

		// In her 1:1 chat: the card, with the reply on it.
		code, body := e.invoke(t, nina, dmCard, dmCard.Actions[0])
		if c := card(body); code != http.StatusOK || !strings.Contains(c, "Flagged for the trainers") || !strings.Contains(c, "the trainers will look at it") {
			t.Errorf("the 1:1 click's card lacks the change or the reply: %d %s", code, c)
		}

		// In the channel: the card without the reply; the reply in her chat.
		before := len(e.conn.Activities(personal))
		p := activity(t, "message_channel_mention.json")
		e.fromUser(p, nina, confChannel+";messageid="+chCard.ID)
		for _, k := range []string{"text", "textFormat", "attachments", "entities"} {
			delete(p, k)
		}
		p["type"], p["name"], p["replyToId"] = "invoke", "adaptiveCard/action", chCard.ID
		p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": chCard.Actions[0], "data": map[string]any{"hb": chCard.Actions[0]}}}
		code, body = e.post(t, p)
		if c := card(body); code != http.StatusOK || !strings.Contains(c, "Flagged for the trainers") || strings.Contains(c, "the trainers will look at it") {
			t.Errorf("the channel click's card: %d %s; want the change, and the private reply not on everyone's card", code, c)
		}
		e.waitCard(t, personal, "the trainers will look at it")
		if n := len(e.conn.Activities(personal)); n != before+1 {
			t.Errorf("%d messages in her 1:1 chat after the channel click; want 1 more (the reply)", n-before)
		}
	})
}
