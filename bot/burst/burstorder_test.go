package burst_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// slowFirst is the sandbox adapter with a platform's latency: posting a
// burst's first lesson takes a while (a cold DM channel to open, a slow
// API call), and it records the order in which DMs reach each person.
type slowFirst struct {
	sandbox.Adapter
	slowTitle string
	mu        sync.Mutex
	got       map[string][]string // user id → card titles, in posting order
}

func (a *slowFirst) Deliver(ctx context.Context, out *bot.Outbound) (bot.Sent, error) {
	if out.PostedID == "" && out.Channel == "dm" && strings.Contains(out.Card.Title, a.slowTitle) {
		time.Sleep(300 * time.Millisecond)
	}
	sent, err := a.Adapter.Deliver(ctx, out)
	if err == nil && out.PostedID == "" && out.Channel == "dm" {
		a.mu.Lock()
		a.got[out.UserID] = append(a.got[out.UserID], out.Card.Title)
		a.mu.Unlock()
	}
	return sent, err
}

// TestBurstArrivesInFileOrder: an all-at-once burst reaches each person in
// the order of its file, sent now (every item queued at once) and in a
// night nurse's window (the daily prompt carries the first item and the
// companion ticker the rest), even when posting the first item is slow and
// the later ones are picked up by other workers meanwhile.
func TestBurstArrivesInFileOrder(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newBurstEnv(t, db, burstTuesday10, true)
		c := e.Bot.Content()
		var want []string
		for _, id := range secureChatForNurses {
			want = append(want, c.Lesson(id).Title)
		}
		ad := &slowFirst{slowTitle: want[0], got: map[string][]string{}}
		e.Bot.AddAdapter(ad)
		e.add(t, person{id: "day", role: "nurse", dept: "4west"}, person{id: "night", role: "nurse", dept: "5east", night: true})
		e.tick(t, burstTuesday10) // today's daily prompt for the day nurse first
		ad.mu.Lock()
		clear(ad.got)
		ad.mu.Unlock()

		_, err := e.burst.BurstSend(context.Background(), burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch",
			Now: true, Audience: lessons.Audience{Roles: []string{"nurse"}}})
		if err != nil {
			t.Fatal(err)
		}
		e.idle(t)
		e.tick(t, burstTuesday10.Add(9*time.Hour+30*time.Minute)) // the night shift starts
		ad.mu.Lock()
		defer ad.mu.Unlock()
		for _, u := range []string{"day", "night"} {
			var titles []string
			for _, title := range ad.got[u] {
				for _, w := range want {
					if strings.Contains(title, w) {
						titles = append(titles, w)
					}
				}
			}
			if strings.Join(titles, " | ") != strings.Join(want, " | ") {
				t.Errorf("%s received\n  %s\nwant the file's order\n  %s", u, strings.Join(titles, " | "), strings.Join(want, " | "))
			}
		}
	})
}
