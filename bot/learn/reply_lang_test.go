package learn_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestReplyCarriesTheLanguage: the core marks what it answers with the
// person's language, and a form with it, so an adapter says its own words
// about them (a modal's fallback, Teams' "type something") in it.
func TestReplyCarriesTheLanguage(t *testing.T) {
	t.Parallel()
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	ctx := context.Background()
	for _, tc := range []struct{ user, lang string }{{"rosa", "es"}, {"ted", "en"}} {
		actor := bot.Actor{Platform: "sandbox", Workspace: "local", UserID: tc.user}
		cmd := func(text string) bot.Reply {
			return e.Bot.HandleCommand(ctx, bot.Command{Actor: actor, Channel: "dm", Name: "learn", Text: text})
		}
		cmd("join front_desk")
		if rep := cmd("language " + tc.lang); rep.Lang != tc.lang {
			t.Errorf("%s: /learn language %s answered in %q", tc.user, tc.lang, rep.Lang)
		}
		cmd("")
		var id int64
		if err := e.DB.GetContext(ctx, &id, `SELECT d.id FROM delivery d JOIN member m ON m.id = d.member_id
			WHERE m.user_id = ? ORDER BY d.id LIMIT 1`, tc.user); err != nil {
			t.Fatal(err)
		}
		rep := e.Bot.HandleClick(ctx, bot.Click{Actor: actor, Channel: "dm", ActionID: fmt.Sprintf("more:%d", id)})
		if rep.Form == nil || rep.Form.Lang != tc.lang || rep.Lang != tc.lang {
			t.Errorf("%s: Tell us more = %+v (form %+v), want both in %s", tc.user, rep, rep.Form, tc.lang)
		}
		if rep := cmd("nope"); rep.Lang != tc.lang {
			t.Errorf("%s: a usage reply in %q", tc.user, rep.Lang)
		}
	}
}
