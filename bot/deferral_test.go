package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// deferHarness drives bot.Defer with a timer the test fires and records
// what the adapter's hooks were asked to do.
type deferHarness struct {
	fire      chan time.Time
	asked     []time.Duration // durations the timer was started with
	started   int             // background follow-ups started
	refuse    bool            // Go reports it could not start
	followUps chan bot.Reply
}

func newDeferHarness() *deferHarness {
	return &deferHarness{fire: make(chan time.Time, 1), followUps: make(chan bot.Reply, 4)}
}

func (h *deferHarness) deferral(after time.Duration) bot.Deferral {
	return bot.Deferral{
		After: after,
		Timer: func(d time.Duration) <-chan time.Time { h.asked = append(h.asked, d); return h.fire },
		Go: func(fn func()) bool {
			if h.refuse {
				return false
			}
			h.started++
			go fn()
			return true
		},
		FollowUp: func(_ context.Context, rep bot.Reply) { h.followUps <- rep },
	}
}

// followUp waits for the follow-up the core must deliver.
func (h *deferHarness) followUp(t *testing.T) bot.Reply {
	t.Helper()
	select {
	case rep := <-h.followUps:
		return rep
	case <-time.After(10 * time.Second):
		t.Fatal("no follow-up delivered")
		return bot.Reply{}
	}
}

func testBot(t *testing.T) *bot.Bot {
	t.Helper()
	return bot.New(storetest.Open(t, store.SQLite), bot.Config{}, nil)
}

// TestDeferFastReply: work done before the deadline is the one reply; no
// interim answer, and no follow-up is started.
func TestDeferFastReply(t *testing.T) {
	h := newDeferHarness()
	b := testBot(t)
	rep, deferred := b.Defer(context.Background(), h.deferral(2*time.Second), func(context.Context) bot.Reply {
		return bot.Reply{Text: "your stats"}
	})
	if deferred || rep.Text != "your stats" {
		t.Fatalf("Defer = %q, deferred %v; want the reply itself", rep.Text, deferred)
	}
	if len(h.asked) != 1 || h.asked[0] != 2*time.Second {
		t.Fatalf("timer started with %v, want [2s]", h.asked)
	}
	if h.started != 0 {
		t.Fatalf("%d follow-ups started for a reply given in time", h.started)
	}
}

// TestDeferSlowReply: work still running at the deadline gets the interim
// reply at once and the real reply as the follow-up; the work is not cut
// short when the request ends.
func TestDeferSlowReply(t *testing.T) {
	h := newDeferHarness()
	b := testBot(t)
	ctx, endRequest := context.WithCancel(context.Background())
	release := make(chan struct{})
	h.fire <- time.Now()
	rep, deferred := b.Defer(ctx, h.deferral(2*time.Second), func(ctx context.Context) bot.Reply {
		<-release
		if ctx.Err() != nil {
			return bot.Reply{Text: "cut short: " + ctx.Err().Error()}
		}
		return bot.Reply{Text: "burst sent to 412 members"}
	})
	if !deferred || rep.Text != workingOnIt {
		t.Fatalf("Defer = %q, deferred %v; want the interim reply", rep.Text, deferred)
	}
	if h.started != 1 {
		t.Fatalf("follow-ups started: %d, want 1", h.started)
	}
	endRequest() // the platform got its acknowledgement; the work goes on
	close(release)
	if got := h.followUp(t); got.Text != "burst sent to 412 members" {
		t.Fatalf("follow-up = %q", got.Text)
	}
}

// TestDeferAtOnce: After zero defers without waiting (adapters' tests use
// this); the timer is not even started.
func TestDeferAtOnce(t *testing.T) {
	h := newDeferHarness()
	b := testBot(t)
	release := make(chan struct{})
	rep, deferred := b.Defer(context.Background(), h.deferral(0), func(context.Context) bot.Reply {
		<-release
		return bot.Reply{Text: "done"}
	})
	close(release)
	if !deferred || rep.Text != workingOnIt || len(h.asked) != 0 {
		t.Fatalf("Defer = %q, deferred %v, timer %v; want deferred at once", rep.Text, deferred, h.asked)
	}
	if got := h.followUp(t); got.Text != "done" {
		t.Fatalf("follow-up = %q", got.Text)
	}
}

// TestDeferNoBackground: when the adapter cannot start the follow-up
// (closing, too busy), the reply comes late rather than never: Defer waits
// for it and returns it as the acknowledgement.
func TestDeferNoBackground(t *testing.T) {
	h := newDeferHarness()
	h.refuse = true
	b := testBot(t)
	h.fire <- time.Now()
	release := make(chan struct{})
	go func() { close(release) }()
	rep, deferred := b.Defer(context.Background(), h.deferral(time.Second), func(context.Context) bot.Reply {
		<-release
		return bot.Reply{Text: "late"}
	})
	if deferred || rep.Text != "late" {
		t.Fatalf("Defer = %q, deferred %v; want the late reply itself", rep.Text, deferred)
	}
}

// TestDeferFailureAfterDeferral: a command that fails after its interim
// reply went out still tells the person — the same apology (or their own
// mistake) a direct reply would carry — and a panic does the same instead
// of ending the process.
func TestDeferFailureAfterDeferral(t *testing.T) {
	b := testBot(t)
	release := make(chan struct{})
	b.HandleCommandFunc("slow", func(_ context.Context, _ *bot.Req, text string) (bot.Reply, error) {
		<-release
		switch text {
		case "fail":
			return bot.Reply{}, errors.New("database went away")
		case "mistake":
			return bot.Reply{}, bot.UserErr("No burst named %q.", "flu")
		default:
			panic("nil map")
		}
	})
	for _, tc := range []struct{ text, want string }{
		{"fail", "Sorry — something went wrong on my side and nothing was saved."},
		{"mistake", `No burst named "flu".`},
		{"panic", "Sorry — something went wrong on my side and nothing was saved."},
	} {
		t.Run(tc.text, func(t *testing.T) {
			h := newDeferHarness()
			h.fire <- time.Now()
			release = make(chan struct{})
			cmd := bot.Command{Actor: bot.Actor{Platform: "slack", Workspace: "T1", UserID: "U1"}, Channel: "dm",
				Name: "slow", Text: tc.text}
			rep, deferred := b.Defer(context.Background(), h.deferral(time.Second), func(ctx context.Context) bot.Reply {
				return b.HandleCommand(ctx, cmd)
			})
			if !deferred || rep.Text != workingOnIt {
				t.Fatalf("Defer = %q, deferred %v; want the interim reply", rep.Text, deferred)
			}
			close(release)
			if got := h.followUp(t); !strings.HasPrefix(got.Text, tc.want) {
				t.Fatalf("follow-up = %q, want %q…", got.Text, tc.want)
			}
		})
	}
}

// workingOnIt is the interim reply in the default language.
var workingOnIt = i18n.For(i18n.Default).T("core.working_on_it", nil)
