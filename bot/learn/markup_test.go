package learn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/cardtest"
	"github.com/huddlebot/huddlebot/bot/learn"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestLearnTextIsNeutral: /learn's replies and the lesson cards of the
// bundled, trainer-written content are the card model's Markdown, never a
// platform's markup.
func TestLearnTextIsNeutral(t *testing.T) {
	t.Parallel()
	e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, tuesday10)
	ctx := context.Background()
	cmd := func(text string) string {
		t.Helper()
		rep := e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "nina"},
			Channel: "dm", Name: "learn", Text: text})
		cardtest.CheckText(t, "/learn "+text, rep.Text)
		cardtest.Check(t, "/learn "+text+" card", rep.Card)
		return rep.Text
	}
	if rep := cmd("help"); !strings.Contains(rep, "**huddlebot** sends you") {
		t.Errorf("help: %q", rep)
	}
	cmd("join nurse")
	cmd("")
	cmd("stats")
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Lessons {
		cardtest.Check(t, "lesson "+l.ID, learn.PromptCardIn(i18n.For("en"), 1, l, lessons.Pick{LessonID: l.ID, Reason: lessons.ReasonTrack}))
		cardtest.Check(t, "lesson "+l.ID+" answered", &bot.Card{Body: l.Body, Explanation: l.Explanation})
	}
}
