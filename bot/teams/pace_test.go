package teams_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
)

// TestPacedFanoutKeepsTurns (Limits.KeepTurns) delivers a burst far beyond the tenant's pace
// the way River runs delivery jobs — a job refused with a
// *bot.RateLimitError snoozes for its RetryAfter, and one snoozed for longer
// than River's scheduler interval (5 s) comes back up to 5 s late — on a
// fixed clock, and counts how many times each message's job runs. A job
// whose turn is far off must keep it across its snooze and come back to
// it: a bounded number of runs each, whatever the burst's size (before,
// every refused job queued afresh each time and 100 messages at 10 a
// second ran up to ten times each). The pace itself still holds: at most
// 10 calls in any second, and each message arrives exactly once.
func TestPacedFanoutKeepsTurns(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	fake.SetLimits(false) // the adapter paces on the test's clock; the fake's limits are real time
	clk := bottest.NewClock(time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC))
	limits := teams.Limits{PerConversation: []teams.Window{{N: 7, Per: time.Second}},
		PerTenant: []teams.Window{{N: 10, Per: time.Second}}, MaxWait: 0, KeepTurns: true}
	a, err := teams.New(nil, teams.Options{AppID: authAppID, Password: testPassword, TenantID: testTenant,
		TokenURL: fake.TokenURL(), ServiceURL: fake.ServiceURL(), Limits: &limits, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		out     *bot.Outbound
		due     time.Time
		runs    int
		deliver int // runs that got past the core's bot.TurnKeeper check
		done    bool
	}
	const n = 100
	jobs := make([]*job, n)
	for i := range jobs {
		user := fmt.Sprintf("29:fanout-%03d", i)
		out := &bot.Outbound{MessageID: int64(i + 1), Revision: 1, Attempt: 1, Workspace: testTenant, UserID: user,
			Channel: "dm", Card: &bot.Card{Title: "Daily quiz", Body: fmt.Sprint("Question ", i)}}
		if i >= 4 {
			// The first four never wrote to the bot: their 1:1 chat is
			// opened first (two calls, two turns held together).
			out.DMChannel = fake.PersonalConversation(user)
		}
		jobs[i] = &job{out: out, due: clk.Now()}
	}
	var calls []time.Time // when (on the clock) each connector call went
	for left := n; left > 0; {
		now := clk.Now()
		next := time.Time{}
		for _, j := range jobs {
			if j.done {
				continue
			}
			if j.due.After(now) {
				if next.IsZero() || j.due.Before(next) {
					next = j.due
				}
				continue
			}
			j.runs++
			// As the core's send worker: ask first, before reading or
			// rendering anything.
			if d, ok := a.Turn(j.out.MessageID, j.out.Revision); ok {
				j.due = now.Add(d)
				if d > 5*time.Second {
					j.due = j.due.Add(5 * time.Second)
				}
				if next.IsZero() || j.due.Before(next) {
					next = j.due
				}
				continue
			}
			j.deliver++
			sent, err := a.Deliver(ctx, j.out)
			var rle *bot.RateLimitError
			switch {
			case errors.As(err, &rle):
				snooze := rle.RetryAfter
				if snooze > 5*time.Second {
					snooze += 5 * time.Second // River's scheduler, at its latest
				}
				j.due = now.Add(snooze)
				if next.IsZero() || j.due.Before(next) {
					next = j.due
				}
			case err != nil:
				t.Fatalf("message %d: %v", j.out.MessageID, err)
			default:
				j.done, left = true, left-1
				calls = append(calls, now)
				if j.out.DMChannel == "" {
					calls = append(calls, now) // the 1:1 chat opened, then the send
				}
				if sent.ID == "" || sent.DMChannel == "" {
					t.Errorf("message %d: sent %+v", j.out.MessageID, sent)
				}
			}
		}
		if left > 0 {
			if next.IsZero() {
				t.Fatal("jobs left, none due")
			}
			clk.Advance(next.Sub(now))
		}
	}
	most, total, mostDeliver := 0, 0, 0
	for _, j := range jobs {
		most, total, mostDeliver = max(most, j.runs), total+j.runs, max(mostDeliver, j.deliver)
	}
	if mostDeliver > 2 {
		t.Errorf("a message was read and handed to Deliver %d times; want at most 2 (its turns held, then sent)", mostDeliver)
	}
	t.Logf("%d messages: %d job runs (%.2f each, at most %d); the last went at +%s", n, total, float64(total)/n, most,
		calls[len(calls)-1].Sub(calls[0]))
	if most > 3 {
		t.Errorf("a message's job ran %d times; want at most 3 (refused once, maybe again briefly after River's lag, then sent)", most)
	}
	for i := range calls {
		if j := i + 10; j < len(calls) && calls[j].Sub(calls[i]) < time.Second {
			t.Fatalf("calls %d and %d went %s apart: more than 10 in a second", i+1, j+1, calls[j].Sub(calls[i]))
		}
	}
	if last := calls[len(calls)-1].Sub(calls[0]); last > 11*time.Second {
		t.Errorf("104 calls at 10 a second took %s; want about 10 s (turns kept, none wasted)", last)
	}
	posted := fake.Posted(0)
	per := map[string]int{}
	for _, p := range posted {
		per[p.Conversation]++
	}
	if len(posted) != n || len(per) != n {
		t.Errorf("%d posts in %d conversations; want each of %d messages once in its own", len(posted), len(per), n)
	}
}
