package slack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestJoinProfileLater: when users.info is rate limited, /learn join does
// not wait for it. The reply comes at once and says the workspace's time
// zone is used for now; the profile is read afterwards, the member's zone
// filled in, and a DM tells her the zone her prompts now follow and when the
// next one comes.
func TestJoinProfileLater(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(nina)
		e.fake.RateLimit("users.info", 1, 1)

		rep := e.command("U100", "join nurse 4west")
		txt, _ := rep["text"].(string)
		if !strings.Contains(txt, "Welcome, nurse on 4west") || !strings.Contains(txt, "UTC (the workspace's time zone, until we have read yours") {
			t.Fatalf("join reply = %q; want the welcome naming the workspace zone used for now", txt)
		}
		if m := e.member("U100"); m.TimeZone != "" || !m.Joined {
			t.Fatalf("member after join: tz %q joined %v; want joined, zone not yet known", m.TimeZone, m.Joined)
		}

		e.fake.RateLimit("users.info", 0, 0)
		bottest.WaitFor(t, 20*time.Second, "the profile filled in", func() bool {
			m := e.member("U100")
			return m.TimeZone == "America/Chicago" && m.Name == "Nina Patel"
		})
		bottest.WaitFor(t, 10*time.Second, "the DM naming the new zone", func() bool {
			for _, m := range e.dmFor("U100") {
				if strings.Contains(m.Text+string(m.Blocks), "America/Chicago") && strings.Contains(m.Text+string(m.Blocks), "Next:") {
					return true
				}
			}
			return false
		})
	})
}

// TestJoinProfileAtOnce: when users.info answers at once, the join uses the
// profile's zone in its reply and sends no extra DM.
func TestJoinProfileAtOnce(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(nina)
		rep := e.command("U100", "join nurse 4west")
		if txt, _ := rep["text"].(string); !strings.Contains(txt, "08:30 America/Chicago.") || strings.Contains(txt, "workspace's time zone") {
			t.Fatalf("join reply = %q", txt)
		}
		if err := e.bot.Jobs.WaitIdle(t.Context(), 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if n := len(e.dmFor("U100")); n != 0 {
			t.Errorf("%d DMs after a join whose profile was read at once, want 0", n)
		}
	})
}

// TestUserInfoWaitBudget: a caller with a wait budget of 0 (the profile job)
// is told at once that users.info's turn has not come, without using up a
// call; a caller without one waits for its turn (up to MaxWait).
func TestUserInfoWaitBudget(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	// A turn every 2 s: the second call must find the first's turn still
	// running however slow the machine (at 100 ms a loaded CI machine had
	// reached the next turn already).
	lim := slackbot.Limits{UserInfo: slackbot.Rate{PerMinute: 30, Burst: 1}, MaxWait: 5 * time.Second}
	e := newEnv(t, db, envOptions{limits: &lim})
	e.fake.SetUser(nina)
	ctx := context.Background()
	if _, _, err := e.adapter.UserInfo(ctx, team, nina.ID); err != nil {
		t.Fatal(err)
	}
	var rl *bot.RateLimitError
	if _, _, err := e.adapter.UserInfo(bot.WithWaitBudget(ctx, 0), team, nina.ID); !errors.As(err, &rl) || rl.RetryAfter <= 0 {
		t.Fatalf("users.info with no budget before its turn: err %v, want a RateLimitError", err)
	}
	if _, tz, err := e.adapter.UserInfo(ctx, team, nina.ID); err != nil || tz != nina.TZ {
		t.Errorf("users.info without a budget: tz %q err %v; want it to wait its turn (2 s) and answer", tz, err)
	}
	if n := e.fake.Count("users.info"); n != 2 {
		t.Errorf("users.info calls = %d, want 2 (the refused one is not made)", n)
	}
}
