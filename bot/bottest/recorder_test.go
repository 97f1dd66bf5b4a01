package bottest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/bottest"
)

// recorderHarness runs the conformance suite against the Recorder, so core
// tests that use it rely on what every real adapter does.
type recorderHarness struct{ r *bottest.Recorder }

func (h recorderHarness) Adapter() bot.Adapter { return h.r }
func (h recorderHarness) Workspace() string    { return "W1" }
func (h recorderHarness) User(n int) string    { return fmt.Sprintf("U%d", n+1) }
func (h recorderHarness) Channel() string      { return "C1" }

func (h recorderHarness) Caps() adaptertest.Caps {
	return adaptertest.Caps{DMChannels: true, Channels: true, Threads: true, RateLimits: true, Unreachable: true, Redelivery: true}
}

func (h recorderHarness) Messages(t *testing.T, channel string) []adaptertest.Message {
	var out []adaptertest.Message
	for _, m := range h.r.Messages(channel) {
		v := adaptertest.Message{Channel: m.Channel, ID: m.ID, ThreadID: m.ThreadID}
		text := []string{m.Card.Text()}
		for _, a := range m.Card.AllActions() {
			text = append(text, a.Label)
			v.Actions = append(v.Actions, a.ID)
			// The card contract: an id fits Discord's custom_id.
			if len(a.ID) > 100 {
				v.Refused = append(v.Refused, "action id over 100 characters: "+a.ID)
			}
		}
		v.Text = strings.Join(text, "\n")
		out = append(out, v)
	}
	return out
}

func (h recorderHarness) RateLimitNext(t *testing.T, user string, d time.Duration) {
	h.r.RateLimitNext(d)
}
func (h recorderHarness) MakeUnreachable(t *testing.T, user string) { h.r.Unreachable(user) }
func (h recorderHarness) LoseNextReply(t *testing.T, user string)   { h.r.LoseNextReply() }

func TestRecorderConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, func(t *testing.T) adaptertest.Harness { return recorderHarness{bottest.NewRecorder("")} })
}

// TestRecorderRecords: every delivery is recorded, failed ones too, and
// Await wakes on a delivery rather than polling.
func TestRecorderRecords(t *testing.T) {
	t.Parallel()
	r := bottest.NewRecorder("slack")
	if r.Platform() != "slack" {
		t.Fatalf("Platform = %q", r.Platform())
	}
	r.FailNext(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Await(t, "two messages", func(r *bottest.Recorder) bool { return len(r.Messages("")) == 2 })
	}()
	out := &bot.Outbound{MessageID: 5, Revision: 1, Attempt: 1, Channel: "dm", UserID: "U9", Card: &bot.Card{Body: "hi"}}
	if _, err := r.Deliver(t.Context(), out); err == nil {
		t.Fatal("FailNext: want an error")
	}
	out.Attempt = 2
	if _, err := r.Deliver(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Deliver(t.Context(), &bot.Outbound{MessageID: 6, Attempt: 1, Channel: "C1", Card: &bot.Card{Body: "all"}}); err != nil {
		t.Fatal(err)
	}
	<-done
	if n := len(r.Outbounds()); n != 3 {
		t.Errorf("Outbounds = %d, want 3", n)
	}
	if ms := r.Messages(bottest.DMChannel("U9")); len(ms) != 1 || ms[0].UserID != "U9" || ms[0].Card.Body != "hi" {
		t.Errorf("DMs = %+v", ms)
	}
	// An update of a message the platform does not have fails.
	if _, err := r.Deliver(t.Context(), &bot.Outbound{MessageID: 7, Revision: 2, PostedChannel: "C1", PostedID: "404",
		Card: &bot.Card{Body: "x"}}); err == nil {
		t.Error("update of an unknown message: want an error")
	}
}
