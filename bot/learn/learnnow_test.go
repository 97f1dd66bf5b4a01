package learn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestLearnNowIsTheDaysPrompt: /learn while the day's scheduled prompt is
// due (a member joining at 13:40) sends that prompt, so the scheduler's next
// tick does not send a second one; /learn before the delivery time is an
// extra lesson, and the scheduled prompt still comes at 08:30.
func TestLearnNowIsTheDaysPrompt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		at      string // UTC, Tuesday 2026-11-24
		prompts int    // after /learn and a tick at 13:41
	}{{"after the delivery time", "13:40", 1}, {"before the delivery time", "07:00", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at, _ := time.Parse("2006-01-02 15:04", "2026-11-24 "+tc.at)
			e := bottest.NewEnv(t, storetest.URL(t, store.SQLite), true, at)
			ctx := context.Background()
			cmd := func(text string) string {
				return e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: "nina"},
					Channel: "dm", Name: "learn", Text: text}).Text
			}
			if rep := cmd("join nurse"); !strings.Contains(rep, "Welcome") {
				t.Fatalf("join: %q", rep)
			}
			if rep := cmd(""); !strings.Contains(rep, "Sent to your direct messages") {
				t.Fatalf("/learn: %q", rep)
			}
			tick := time.Date(2026, 11, 24, 13, 41, 0, 0, time.UTC)
			e.Clock.Set(tick)
			if err := e.Bot.Tick(ctx, tick); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := e.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM delivery`); err != nil {
				t.Fatal(err)
			}
			if n != tc.prompts {
				t.Errorf("prompts after /learn at %s and a tick at 13:41 = %d, want %d", tc.at, n, tc.prompts)
			}
		})
	}
}
