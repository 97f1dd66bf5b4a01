// Package adaptertest is the conformance suite every chat platform adapter
// must pass: the contract of bot.Adapter and of the optional interfaces
// (bot.ClickReplier, bot.ModalOpener, bot.UserInfoer), checked against the
// platform's fake the way a person would see the result.
//
// A platform's tests implement Harness (the adapter under test, wired to a
// fresh fake, and ways to read back what the fake shows a person) and call
// Run:
//
//	func TestConformance(t *testing.T) {
//		adaptertest.Run(t, func(t *testing.T) adaptertest.Harness { return newConfHarness(t) })
//	}
//
// Something a platform cannot do (threads, rate limits, clicks into the
// adapter) is declared in Caps; its subtest is then skipped with a message
// naming the platform and what it lacks, never silently.
package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

// Harness connects the suite to one platform. Run calls its constructor
// once per subtest, so every subtest starts from an empty fake.
type Harness interface {
	// Adapter is the adapter under test, talking to the platform's fake.
	Adapter() bot.Adapter
	// Caps says what the platform supports.
	Caps() Caps
	// Workspace is the platform workspace (team, guild) the bot is in, as
	// Outbound.Workspace names it.
	Workspace() string
	// User returns a platform user the bot can send direct messages to;
	// different n give different users.
	User(n int) string
	// Channel is a channel the bot may post in, as the core names it in
	// Outbound.Channel. Only called with Caps.Channels.
	Channel() string
	// Messages returns what a person sees in the conversation channel (a
	// Sent.Channel), oldest first: one entry per message, however often
	// it was posted or edited.
	Messages(t *testing.T, channel string) []Message
}

// Caps lists what a platform supports. A false field skips the subtests
// that need it, with a message saying so.
type Caps struct {
	// DMChannels: a direct message lives in a DM channel the adapter opens
	// and returns in Sent.DMChannel for the core to cache, and a cached one
	// (Outbound.DMChannel) is used as is.
	DMChannels bool
	// Channels: the bot posts in channels (Outbound.Channel other than "dm").
	Channels bool
	// Threads: a message with Outbound.ThreadID is a reply to that message.
	Threads bool
	// Clicks: the adapter turns a person's button press or menu choice into
	// the core's Click. The harness implements Clicker.
	Clicks bool
	// Commands: the adapter turns a slash command into the core's Command
	// and shows its reply to the person who typed it. The harness
	// implements Commander.
	Commands bool
	// RateLimits: the platform can ask the bot to slow down. The harness
	// implements RateLimiter.
	RateLimits bool
	// Unreachable: a recipient can be impossible to message (DMs closed,
	// left the workspace). The harness implements Unreacher.
	Unreachable bool
	// Redelivery: a retried delivery (Attempt > 1) of a message whose
	// earlier attempt reached the platform returns that message instead of
	// posting it again.
	Redelivery bool
}

// Message is one message as a person sees it.
type Message struct {
	Channel  string
	ID       string // the platform's id, as Sent.ID
	ThreadID string // the parent's ID when the message replies in a thread
	// Text is everything a person can read on the message, joined: title,
	// body, question, answer and button labels, fields, menu options,
	// context. Markup may surround words (emphasis is the platform's).
	Text string
	// Actions are what a person can press: each button's action id, and
	// for a menu option "menuID=value" (or the option's action id when the
	// menu stands in for answer buttons), as Clicker.Click takes them.
	Actions []string
	// Refused lists what the platform would refuse or cut short about the
	// message as sent (a limit exceeded, a duplicate id); it must be empty.
	Refused []string
}

// Outbox is implemented by a harness whose platform shows what the core
// stored rather than what the adapter sent (the sandbox: its chat is the
// core's message table). Deliver does what the core does around a delivery
// — stores the card as a message before, records where it landed after —
// and calls a.Deliver once in between. Other harnesses leave it out and
// the suite calls the adapter's Deliver itself.
type Outbox interface {
	Deliver(ctx context.Context, a bot.Adapter, out *bot.Outbound) (bot.Sent, error)
}

// Router is a harness whose adapter handles inbound events.
type Router interface {
	// Bot is the bot the adapter routes inbound events to; the suite
	// registers its own handlers on it.
	Bot() *bot.Bot
}

// Clicker is implemented by a harness whose adapter handles clicks
// (Caps.Clicks).
type Clicker interface {
	Router
	// Click presses action (one of m.Actions) on m as user, sending the
	// adapter what the platform sends for that press.
	Click(t *testing.T, user string, m Message, action string)
}

// Commander is implemented by a harness whose adapter takes slash commands
// (Caps.Commands).
type Commander interface {
	Router
	// Command sends the slash command /name with text, typed by user in
	// channel ("dm" or Harness.Channel()), the way the platform sends it,
	// and returns the reply as the person who typed it reads it. The suite
	// uses /feedback, which every platform defines with free text.
	Command(t *testing.T, user, channel, name, text string) string
}

// RateLimiter is implemented by a harness whose platform can ask the bot to
// slow down (Caps.RateLimits).
type RateLimiter interface {
	// RateLimitNext makes the platform answer the next attempt to message
	// user with "too many requests, retry after retryAfter".
	RateLimitNext(t *testing.T, user string, retryAfter time.Duration)
}

// Unreacher is implemented by a harness whose platform can refuse a
// recipient (Caps.Unreachable).
type Unreacher interface {
	// MakeUnreachable makes user impossible to message from now on.
	MakeUnreachable(t *testing.T, user string)
}

// ReplyLoser is implemented by a harness whose fake can lose the answer to
// a post it made (Caps.Redelivery then also covers that case).
type ReplyLoser interface {
	// LoseNextReply makes the platform post the next message to user and
	// then fail to answer, as when its answer is lost on the way back.
	LoseNextReply(t *testing.T, user string)
}

// ClickHooks is implemented by the harness of an adapter that is a
// bot.ClickReplier.
type ClickHooks interface {
	// ClickHook returns the reply hook a click by user on m carries
	// (Click.ResponseURL).
	ClickHook(t *testing.T, user string, m Message) string
	// ExpiredClickHook returns such a hook that the platform no longer
	// accepts.
	ExpiredClickHook(t *testing.T, user string, m Message) string
}

// Forms is implemented by the harness of an adapter that is a
// bot.ModalOpener.
type Forms interface {
	// TriggerID returns a fresh token of a click by user that may open a
	// form.
	TriggerID(t *testing.T, user string) string
	// OpenedForms returns the forms the platform showed, oldest first, as
	// Messages (Text: title, label, placeholder, submit button; Refused:
	// what the platform would refuse).
	OpenedForms(t *testing.T) []Message
}

// Profiles is implemented by the harness of an adapter that is a
// bot.UserInfoer.
type Profiles interface {
	// SetProfile gives user a name and IANA time zone on the platform.
	SetProfile(t *testing.T, user, name, timezone string)
}

// kind is the action kind the suite's clicks are routed to.
const kind = "conform"

// Run runs the suite. Every subtest that runs gets a fresh harness from
// newHarness (the first one built also tells which subtests apply).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	probe := newHarness(t)
	var probeUsed sync.Once
	fresh := func(t *testing.T) Harness {
		var h Harness
		probeUsed.Do(func() { h = probe })
		if h == nil {
			h = newHarness(t)
		}
		return h
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			if st.skip != nil {
				if why := st.skip(probe); why != "" {
					t.Skip(why)
				}
			}
			st.fn(t, fresh(t))
		})
	}
}

// subtests are the contract, in the order a reader should meet it.
var subtests = []struct {
	name string
	skip func(h Harness) string // why the platform is exempt, or ""
	fn   func(t *testing.T, h Harness)
}{
	{"DirectMessage", nil, testDirectMessage},
	{"DMChannelCached", lacks("DM channels to cache", func(c Caps) bool { return c.DMChannels }), testDMChannelCached},
	{"ChannelPost", lacks("channel posts", func(c Caps) bool { return c.Channels }), testChannelPost},
	{"UpdateInPlace", nil, testUpdateInPlace},
	{"ThreadReply", lacks("threads in channels", func(c Caps) bool { return c.Channels && c.Threads }), testThreadReply},
	{"EveryCardFieldReachesTheUser", nil, testEveryField},
	{"ActionsAtTheCoreLimits", nil, testManyActions},
	{"ClicksAreRouted", lacks("clicks handled by the adapter", func(c Caps) bool { return c.Clicks }), testClicks},
	{"CommandsAreRouted", lacks("slash commands handled by the adapter", func(c Caps) bool { return c.Commands }), testCommands},
	{"LongTextIsCut", nil, testLongText},
	{"RateLimited", lacks("rate limits", func(c Caps) bool { return c.RateLimits }), testRateLimited},
	{"Unreachable", lacks("unreachable recipients", func(c Caps) bool { return c.Unreachable }), testUnreachable},
	{"Redelivery", lacks("redelivery without duplicates", func(c Caps) bool { return c.Redelivery }), testRedelivery},
	{"RedeliveryAfterLostReply", func(h Harness) string {
		if why := lacks("redelivery without duplicates", func(c Caps) bool { return c.Redelivery })(h); why != "" {
			return why
		}
		if _, ok := h.(ReplyLoser); !ok {
			return fmt.Sprintf("the harness of platform %s cannot lose a reply (adaptertest.ReplyLoser)", h.Adapter().Platform())
		}
		return ""
	}, testLostReply},
	{"ClickReplier", implements[bot.ClickReplier]("bot.ClickReplier"), testClickReplier},
	{"ModalOpener", implements[bot.ModalOpener]("bot.ModalOpener"), testModalOpener},
	{"UserInfoer", implements[bot.UserInfoer]("bot.UserInfoer"), testUserInfoer},
}

// lacks exempts a platform whose Caps do not have what.
func lacks(what string, has func(Caps) bool) func(Harness) string {
	return func(h Harness) string {
		if has(h.Caps()) {
			return ""
		}
		return fmt.Sprintf("platform %s does not support %s", h.Adapter().Platform(), what)
	}
}

// implements exempts an adapter that is not a T.
func implements[T any](name string) func(Harness) string {
	return func(h Harness) string {
		if _, ok := h.Adapter().(T); ok {
			return ""
		}
		return fmt.Sprintf("platform %s does not implement %s", h.Adapter().Platform(), name)
	}
}

// deliver hands out to the adapter as the core would.
func deliver(t *testing.T, h Harness, out *bot.Outbound) (bot.Sent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp := *out
	if ob, ok := h.(Outbox); ok {
		return ob.Deliver(ctx, h.Adapter(), &cp)
	}
	return h.Adapter().Deliver(ctx, &cp)
}

// mustDeliver delivers out and fails the test on an error or a Sent that
// does not say where the message lives.
func mustDeliver(t *testing.T, h Harness, out *bot.Outbound) bot.Sent {
	t.Helper()
	sent, err := deliver(t, h, out)
	if err != nil {
		t.Fatalf("Deliver(message %d, attempt %d): %v", out.MessageID, out.Attempt, err)
	}
	if sent.Channel == "" || sent.ID == "" {
		t.Fatalf("Deliver(message %d) returned %+v: Sent must name the channel and the message id", out.MessageID, sent)
	}
	return sent
}

func dm(h Harness, id int64, user int, c *bot.Card) *bot.Outbound {
	return &bot.Outbound{MessageID: id, Revision: 1, Attempt: 1, Workspace: h.Workspace(), Channel: "dm", UserID: h.User(user), Card: c}
}

// find returns the message with id in channel, failing the test (with what
// there is) when it is not there or is there more than once.
func find(t *testing.T, h Harness, channel, id string) Message {
	t.Helper()
	var found []Message
	ms := h.Messages(t, channel)
	for _, m := range ms {
		if m.ID == id {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("message %s appears %d times in %s; want once. The conversation:\n%s", id, len(found), channel, dump(ms))
	}
	for _, r := range found[0].Refused {
		t.Errorf("the platform would refuse message %s: %s", id, r)
	}
	return found[0]
}

func dump(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  [%s thread=%q] %.200q actions=%v\n", m.ID, m.ThreadID, m.Text, m.Actions)
	}
	if b.Len() == 0 {
		return "  (no messages)\n"
	}
	return b.String()
}

// brief shortens each line of s for a failure message.
func brief(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if r := []rune(l); len(r) > 100 {
			lines[i] = string(r[:100]) + fmt.Sprintf("… (%d characters)", len(r))
		}
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" })
	if len(lines) > 12 {
		lines = append(lines[:12], fmt.Sprintf("… (%d more lines)", len(lines)-12))
	}
	return "  " + strings.Join(lines, "\n  ")
}

// wantText fails the test unless every part is in m's text.
func wantText(t *testing.T, what string, m Message, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(m.Text, p) {
			t.Errorf("%s: %q is not visible; the message reads:\n%s", what, p, brief(m.Text))
		}
	}
}

func testDirectMessage(t *testing.T, h Harness) {
	sent := mustDeliver(t, h, dm(h, 1, 0, &bot.Card{Title: "Welcome aboard", Body: "Your first tip arrives tomorrow."}))
	m := find(t, h, sent.Channel, sent.ID)
	wantText(t, "a new DM", m, "Welcome aboard", "Your first tip arrives tomorrow.")
	if h.Caps().DMChannels && sent.DMChannel == "" {
		t.Errorf("a new DM returned %+v: Sent.DMChannel must name the DM channel for the core to cache", sent)
	}

	// Another person's DM lands in their own conversation.
	other := mustDeliver(t, h, dm(h, 2, 1, &bot.Card{Body: "Hello, second person."}))
	if other.Channel == sent.Channel {
		t.Errorf("DMs to two people both landed in %s", sent.Channel)
	}
	find(t, h, other.Channel, other.ID)
	for _, m := range h.Messages(t, sent.Channel) {
		if strings.Contains(m.Text, "second person") {
			t.Errorf("the first person sees the second person's DM: %q", m.Text)
		}
	}
}

func testDMChannelCached(t *testing.T, h Harness) {
	first := mustDeliver(t, h, dm(h, 1, 0, &bot.Card{Body: "First."}))
	out := dm(h, 2, 0, &bot.Card{Body: "Second, through the cached channel."})
	out.DMChannel = first.DMChannel
	second := mustDeliver(t, h, out)
	if second.Channel != first.Channel {
		t.Errorf("with the DM channel cached, the DM went to %s, not %s", second.Channel, first.Channel)
	}
	if second.ID == first.ID {
		t.Errorf("two DMs share the id %s", first.ID)
	}
	if n := len(h.Messages(t, first.Channel)); n != 2 {
		t.Errorf("the DM conversation has %d messages, want 2:\n%s", n, dump(h.Messages(t, first.Channel)))
	}
}

func channelPost(h Harness, id int64, c *bot.Card) *bot.Outbound {
	return &bot.Outbound{MessageID: id, Revision: 1, Attempt: 1, Workspace: h.Workspace(), Channel: h.Channel(), Card: c}
}

func testChannelPost(t *testing.T, h Harness) {
	sent := mustDeliver(t, h, channelPost(h, 1, &bot.Card{Title: "Huddle at 10:00", Body: "Agenda: discharge meds."}))
	m := find(t, h, sent.Channel, sent.ID)
	wantText(t, "a channel post", m, "Huddle at 10:00", "Agenda: discharge meds.")
	if m.ThreadID != "" {
		t.Errorf("a channel post is in thread %s", m.ThreadID)
	}
}

func testUpdateInPlace(t *testing.T, h Harness) {
	card := &bot.Card{Title: "Quiz", Question: "What do you scan first?",
		Choices: []bot.Action{{ID: kind + ":a:1", Label: "The wristband"}, {ID: kind + ":a:2", Label: "The medication"}}}
	sent := mustDeliver(t, h, dm(h, 1, 0, card))
	upd := dm(h, 1, 0, &bot.Card{Title: "Quiz", Question: "What do you scan first?", Result: "Correct: the wristband",
		Explanation: "Patient first, then the medication."})
	upd.Revision, upd.DMChannel, upd.PostedChannel, upd.PostedID = 2, sent.DMChannel, sent.Channel, sent.ID
	got := mustDeliver(t, h, upd)
	if got.Channel != sent.Channel || got.ID != sent.ID {
		t.Errorf("an update returned %+v; want the message where it was, %+v", got, sent)
	}
	ms := h.Messages(t, sent.Channel)
	if len(ms) != 1 {
		t.Fatalf("after an update the conversation has %d messages; want the one, edited:\n%s", len(ms), dump(ms))
	}
	m := find(t, h, sent.Channel, sent.ID)
	wantText(t, "the updated message", m, "Correct: the wristband", "Patient first, then the medication.")
	if strings.Contains(m.Text, "The medication") || len(m.Actions) != 0 {
		t.Errorf("the updated message still shows the old answer buttons: %q %v", m.Text, m.Actions)
	}

	// A third revision edits the same message again.
	upd3 := *upd
	upd3.Revision, upd3.Card = 3, &bot.Card{Body: "Archived."}
	if got := mustDeliver(t, h, &upd3); got.ID != sent.ID {
		t.Errorf("a second update returned %+v, want message %s", got, sent.ID)
	}
	wantText(t, "the message edited twice", find(t, h, sent.Channel, sent.ID), "Archived.")
}

func testThreadReply(t *testing.T, h Harness) {
	parent := mustDeliver(t, h, channelPost(h, 1, &bot.Card{Title: "Question from the floor", Body: "Where is the override form?"}))
	out := channelPost(h, 2, &bot.Card{Body: "In the MAR toolbar, under Actions."})
	out.ThreadID = parent.ID
	reply := mustDeliver(t, h, out)
	if reply.ID == parent.ID {
		t.Fatalf("the reply replaced its parent (%s)", parent.ID)
	}
	m := find(t, h, reply.Channel, reply.ID)
	if m.ThreadID != parent.ID {
		t.Errorf("the reply is in thread %q; want the parent's, %q", m.ThreadID, parent.ID)
	}
	wantText(t, "the reply", m, "In the MAR toolbar, under Actions.")
	if p := find(t, h, parent.Channel, parent.ID); !strings.Contains(p.Text, "Where is the override form?") {
		t.Errorf("the parent changed: %q", p.Text)
	}

	// A second reply goes into the same thread.
	out2 := channelPost(h, 3, &bot.Card{Body: "Thanks!"})
	out2.ThreadID = parent.ID
	r2 := mustDeliver(t, h, out2)
	if m := find(t, h, r2.Channel, r2.ID); m.ThreadID != parent.ID {
		t.Errorf("the second reply is in thread %q, want %q", m.ThreadID, parent.ID)
	}
}

// fullCard uses every field of a card. Its select's options come back as
// "conform:menu=…".
func fullCard() *bot.Card {
	return &bot.Card{
		Title:    "Scanning before giving",
		Body:     "Always scan the **patient wristband** before the medication.",
		Question: "What do you scan first?",
		Choices: []bot.Action{{ID: kind + ":choice:1", Label: "The wristband"},
			{ID: kind + ":choice:2", Label: "The medication", Style: "primary"}},
		Result:      "Answered: the wristband",
		Explanation: "Patient first, then the medication, every time.",
		Fields:      []bot.Field{{Label: "Streak", Value: "4 days"}, {Label: "Unit", Value: "4 West"}},
		Actions: []bot.Action{{ID: kind + ":rate:up", Label: "Helpful"}, {ID: kind + ":rate:down", Label: "Not helpful", Style: "danger"},
			{ID: kind + ":more", Label: "Tell us more"}},
		Select: &bot.Select{ID: kind + ":menu", Placeholder: "Snooze for…",
			Options: []bot.Option{{Label: "One hour", Value: "1h"}, {Label: "Until tomorrow", Value: "1d"}}},
		Context: "Daily lesson · med safety",
	}
}

// cardActions is what a person must be able to press on c, as Message
// lists them.
func cardActions(c *bot.Card) []string {
	var out []string
	for _, a := range c.AllActions() {
		out = append(out, a.ID)
	}
	return out
}

func testEveryField(t *testing.T, h Harness) {
	c := fullCard()
	sent := mustDeliver(t, h, dm(h, 1, 0, c))
	m := find(t, h, sent.Channel, sent.ID)
	// Emphasis is the platform's to render: the emphasised words must be
	// there, whatever surrounds them.
	wantText(t, "every field", m, c.Title, "Always scan the", "patient wristband", "before the medication.", c.Question,
		"The wristband", "The medication", c.Result, c.Explanation, "Streak", "4 days", "Unit", "4 West",
		"Helpful", "Not helpful", "Tell us more", "One hour", "Until tomorrow", "Daily lesson · med safety")
	for _, id := range cardActions(c) {
		if !slices.Contains(m.Actions, id) {
			t.Errorf("action %s cannot be pressed; the message offers %v", id, m.Actions)
		}
	}
}

// manyCard has as many answers and menu options as the core ever sends
// (huddles: 10 poll buttons, 25 menu options) and a row of other buttons.
func manyCard() *bot.Card {
	c := &bot.Card{Title: "Poll", Question: "Which shift suits the refresher?"}
	for i := 1; i <= 10; i++ {
		c.Choices = append(c.Choices, bot.Action{ID: fmt.Sprintf("%s:vote:%d", kind, i), Label: fmt.Sprintf("Option %d", i)})
	}
	for _, a := range []string{"close", "results", "remind", "edit"} {
		c.Actions = append(c.Actions, bot.Action{ID: kind + ":" + a, Label: "Do " + a})
	}
	c.Select = &bot.Select{ID: kind + ":pick", Placeholder: "More…"}
	for i := 1; i <= 25; i++ {
		c.Select.Options = append(c.Select.Options, bot.Option{Label: fmt.Sprintf("Choice %d", i), Value: fmt.Sprintf("v%d", i)})
	}
	return c
}

func testManyActions(t *testing.T, h Harness) {
	c := manyCard()
	sent := mustDeliver(t, h, dm(h, 1, 0, c))
	m := find(t, h, sent.Channel, sent.ID)
	for _, id := range cardActions(c) {
		if !slices.Contains(m.Actions, id) {
			t.Errorf("action %s cannot be pressed; the message offers %v", id, m.Actions)
		}
	}
	wantText(t, "a poll", m, "Option 1", "Option 10", "Choice 1", "Choice 25", "Do close", "Do edit")
}

// clicks records the clicks routed to the suite's action kind.
type clicks struct {
	mu   sync.Mutex
	got  []string // "kind:args…" plus "=value" for a menu choice
	seen chan struct{}
}

func routeClicks(b *bot.Bot) *clicks {
	c := &clicks{seen: make(chan struct{}, 100)}
	b.HandleActionFunc(kind, func(_ context.Context, r *bot.Req, args []string, value string) (bot.Reply, error) {
		id := strings.Join(append([]string{kind}, args...), ":")
		if value != "" {
			id += "=" + value
		}
		c.mu.Lock()
		c.got = append(c.got, r.Actor.UserID+" "+id)
		c.mu.Unlock()
		c.seen <- struct{}{}
		return bot.Reply{}, nil
	})
	return c
}

// wait returns the next routed click, or fails the test.
func (c *clicks) wait(t *testing.T, what string) string {
	t.Helper()
	select {
	case <-c.seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no click reached the core within 10s", what)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[len(c.got)-1]
}

func testClicks(t *testing.T, h Harness) {
	cl, ok := h.(Clicker)
	if !ok {
		t.Fatal("Caps.Clicks is set but the harness does not implement adaptertest.Clicker")
	}
	routed := routeClicks(cl.Bot())
	user := h.User(0)
	for i, c := range []*bot.Card{fullCard(), manyCard()} {
		sent := mustDeliver(t, h, dm(h, int64(i+1), 0, c))
		m := find(t, h, sent.Channel, sent.ID)
		for _, id := range cardActions(c) {
			if !slices.Contains(m.Actions, id) {
				t.Errorf("action %s is not on the message", id)
				continue
			}
			cl.Click(t, user, m, id)
			if got, want := routed.wait(t, "click "+id), user+" "+id; got != want {
				t.Errorf("pressing %s reached the core as %q; want %q", id, got, want)
			}
		}
	}
}

func testCommands(t *testing.T, h Harness) {
	cm, ok := h.(Commander)
	if !ok {
		t.Fatal("Caps.Commands is set but the harness does not implement adaptertest.Commander")
	}
	type command struct{ user, channel, text string }
	seen := make(chan command, 10)
	cm.Bot().HandleCommandFunc("feedback", func(_ context.Context, r *bot.Req, text string) (bot.Reply, error) {
		seen <- command{r.Actor.UserID, r.Channel, text}
		return bot.Reply{Text: "Noted: " + text}, nil
	})
	type tc struct{ channel, text string }
	cases := []tc{{"dm", "K < 3.5 & rising, see <the chart>"}}
	if h.Caps().Channels {
		cases = append(cases, tc{h.Channel(), "the override form is missing"})
	}
	user := h.User(0)
	for _, c := range cases {
		reply := cm.Command(t, user, c.channel, "feedback", c.text)
		var got command
		select {
		case got = <-seen:
		case <-time.After(10 * time.Second):
			t.Fatalf("/feedback in %s: the command did not reach the core within 10s", c.channel)
		}
		if want := (command{user, c.channel, c.text}); got != want {
			t.Errorf("/feedback reached the core as %+v; want %+v (the text as typed, where it was typed)", got, want)
		}
		if want := "Noted: " + c.text; !strings.Contains(reply, want) {
			t.Errorf("/feedback in %s: the person reads %q; want %q", c.channel, reply, want)
		}
	}
}

// long returns n characters of words, starting with start.
func long(start string, n int) string {
	var b strings.Builder
	b.WriteString(start)
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	for i := 0; b.Len() < n; i++ {
		if i%40 == 39 {
			b.WriteString("\n\n")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(words[i%len(words)])
	}
	return b.String()[:n]
}

func testLongText(t *testing.T, h Harness) {
	c := &bot.Card{
		Title:    long("Title-start", 600),
		Body:     long("Body-start", 20000),
		Question: long("Question-start", 3500),
		Choices: []bot.Action{{ID: kind + ":choice:1", Label: long("Choice-one", 300)},
			{ID: kind + ":choice:2", Label: long("Choice-two", 300)}},
		Result:      long("Result-start", 3500),
		Explanation: long("Explanation-start", 6000),
		Fields:      []bot.Field{{Label: long("Label-start", 400), Value: long("Value-start", 3000)}},
		Actions:     []bot.Action{{ID: kind + ":more", Label: long("Action-start", 200)}},
		Select: &bot.Select{ID: kind + ":menu", Placeholder: long("Placeholder", 300),
			Options: []bot.Option{{Label: long("Option-start", 300), Value: "x"}}},
		Context: long("Context-start", 5000),
	}
	sent := mustDeliver(t, h, dm(h, 1, 0, c))
	m := find(t, h, sent.Channel, sent.ID) // fails on what the platform would refuse
	wantText(t, "a card of long texts", m, "Title-start", "Body-start", "Question-start", "Choice-one", "Choice-two",
		"Action-start", "Option-start")
	for _, id := range cardActions(c) {
		if !slices.Contains(m.Actions, id) {
			t.Errorf("with long texts, action %s can no longer be pressed; the message offers %v", id, m.Actions)
		}
	}

	// Prose far longer than any message holds gives way to the question,
	// the buttons and the context.
	huge := &bot.Card{Title: "Weekly digest", Body: long("Huge-body", 200000), Question: "Still there?",
		Choices:     []bot.Action{{ID: kind + ":choice:1", Label: "Yes"}, {ID: kind + ":choice:2", Label: "No"}},
		Explanation: long("Huge-explanation", 30000), Actions: []bot.Action{{ID: kind + ":more", Label: "Tell us more"}},
		Context: "Context line"}
	hs := mustDeliver(t, h, dm(h, 3, 0, huge))
	hm := find(t, h, hs.Channel, hs.ID)
	wantText(t, "a card of huge prose", hm, "Weekly digest", "Huge-body", "Still there?", "Huge-explanation", "Tell us more",
		"Context line")
	for _, id := range cardActions(huge) {
		if !slices.Contains(hm.Actions, id) {
			t.Errorf("with huge prose, action %s can no longer be pressed; the message offers %v", id, hm.Actions)
		}
	}

	// A text-only card (a notice) is cut too.
	notice := mustDeliver(t, h, dm(h, 2, 0, &bot.Card{Body: long("Notice-start", 50000)}))
	wantText(t, "a long notice", find(t, h, notice.Channel, notice.ID), "Notice-start")

	// So is the edit of a message into a long one.
	upd := dm(h, 1, 0, &bot.Card{Title: long("Edited-title", 600), Body: long("Edited-body", 20000), Context: long("Edited-context", 5000)})
	upd.Revision, upd.DMChannel, upd.PostedChannel, upd.PostedID = 2, sent.DMChannel, sent.Channel, sent.ID
	mustDeliver(t, h, upd)
	wantText(t, "a long edit", find(t, h, sent.Channel, sent.ID), "Edited-title", "Edited-body")
}

func testRateLimited(t *testing.T, h Harness) {
	rl, ok := h.(RateLimiter)
	if !ok {
		t.Fatal("Caps.RateLimits is set but the harness does not implement adaptertest.RateLimiter")
	}
	const retry = 7 * time.Second
	rl.RateLimitNext(t, h.User(0), retry)
	_, err := deliver(t, h, dm(h, 1, 0, &bot.Card{Body: "Slow down."}))
	var rle *bot.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("Deliver when the platform asks to slow down: %v; want a *bot.RateLimitError", err)
	}
	if rle.RetryAfter < retry-time.Second || rle.RetryAfter > retry+time.Second {
		t.Errorf("RetryAfter = %s; the platform asked for %s", rle.RetryAfter, retry)
	}
	if errors.Is(err, bot.ErrUnreachable) {
		t.Error("a rate limit is not an unreachable recipient")
	}
}

func testUnreachable(t *testing.T, h Harness) {
	u, ok := h.(Unreacher)
	if !ok {
		t.Fatal("Caps.Unreachable is set but the harness does not implement adaptertest.Unreacher")
	}
	u.MakeUnreachable(t, h.User(1))
	_, err := deliver(t, h, dm(h, 1, 1, &bot.Card{Body: "Can you read this?"}))
	if !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("Deliver to an unreachable recipient: %v; want bot.ErrUnreachable", err)
	}
	var rle *bot.RateLimitError
	if errors.As(err, &rle) {
		t.Error("an unreachable recipient is not a rate limit")
	}
	// Others are still reached.
	sent := mustDeliver(t, h, dm(h, 2, 0, &bot.Card{Body: "Still here."}))
	find(t, h, sent.Channel, sent.ID)
}

func testRedelivery(t *testing.T, h Harness) {
	out := dm(h, 1, 0, &bot.Card{Body: "Exactly once, please."})
	first := mustDeliver(t, h, out)
	// The core did not learn of the first success (the process died before
	// recording it): the job runs again, knowing no more than before.
	out.Attempt = 2
	again := mustDeliver(t, h, out)
	if again.ID != first.ID || again.Channel != first.Channel {
		t.Errorf("the retry returned %+v; want the first post, %+v", again, first)
	}
	if ms := h.Messages(t, first.Channel); len(ms) != 1 {
		t.Errorf("after a retry the person sees %d messages; want 1:\n%s", len(ms), dump(ms))
	}
	// A retry of a message no attempt posted does post it.
	fresh := dm(h, 2, 0, &bot.Card{Body: "Never posted before."})
	fresh.Attempt, fresh.DMChannel = 3, first.DMChannel
	sent := mustDeliver(t, h, fresh)
	wantText(t, "a retried first post", find(t, h, sent.Channel, sent.ID), "Never posted before.")
	if sent.ID == first.ID {
		t.Error("a different message was taken for the earlier post")
	}
}

func testLostReply(t *testing.T, h Harness) {
	lr := h.(ReplyLoser)
	lr.LoseNextReply(t, h.User(0))
	out := dm(h, 1, 0, &bot.Card{Body: "Posted, but the answer was lost."})
	sent, err := deliver(t, h, out)
	if err != nil {
		// The adapter did not retry by itself (it may): the job does.
		out.Attempt = 2
		sent = mustDeliver(t, h, out)
	}
	ms := h.Messages(t, sent.Channel)
	if len(ms) != 1 || ms[0].ID != sent.ID {
		t.Errorf("after a lost answer and a retry the person sees %d messages (want 1, %s):\n%s", len(ms), sent.ID, dump(ms))
	}
}

func testClickReplier(t *testing.T, h Harness) {
	cr := h.Adapter().(bot.ClickReplier)
	hooks, ok := h.(ClickHooks)
	if !ok {
		t.Fatal("the adapter is a bot.ClickReplier but the harness does not implement adaptertest.ClickHooks")
	}
	ctx := context.Background()
	user := h.User(0)
	sent := mustDeliver(t, h, dm(h, 1, 0, fullCard()))
	m := find(t, h, sent.Channel, sent.ID)
	hook := hooks.ClickHook(t, user, m)

	// Text only: shown to the clicker, the card stays.
	if err := cr.ReplyToClick(ctx, hook, nil, "Noted, thanks."); err != nil {
		t.Fatalf("ReplyToClick with text: %v", err)
	}
	if got := find(t, h, sent.Channel, sent.ID); got.Text != m.Text {
		t.Errorf("a text reply changed the clicked card:\n%s\nwas\n%s", got.Text, m.Text)
	}

	// A card replaces the clicked message in place.
	if err := cr.ReplyToClick(ctx, hook, &bot.Card{Title: "Scanning before giving", Result: "Recorded: the wristband"}, ""); err != nil {
		t.Fatalf("ReplyToClick with a card: %v", err)
	}
	ms := h.Messages(t, sent.Channel)
	if len(ms) != 1 {
		t.Fatalf("after replacing the clicked card the person sees %d messages; want 1:\n%s", len(ms), dump(ms))
	}
	got := find(t, h, sent.Channel, sent.ID)
	wantText(t, "the replaced card", got, "Recorded: the wristband")
	if len(got.Actions) != 0 {
		t.Errorf("the replaced card still offers %v", got.Actions)
	}

	// An expired hook is an error, so the core falls back to an edit.
	if err := cr.ReplyToClick(ctx, hooks.ExpiredClickHook(t, user, got), &bot.Card{Body: "Too late."}, ""); err == nil {
		t.Error("ReplyToClick through an expired hook returned no error")
	}
	if got := find(t, h, sent.Channel, sent.ID); strings.Contains(got.Text, "Too late.") {
		t.Error("an expired hook replaced the card")
	}
}

func testModalOpener(t *testing.T, h Harness) {
	mo := h.Adapter().(bot.ModalOpener)
	forms, ok := h.(Forms)
	if !ok {
		t.Fatal("the adapter is a bot.ModalOpener but the harness does not implement adaptertest.Forms")
	}
	f := &bot.Form{ID: kind + ":form:1", Title: "Tell us more about this lesson, please", Label: "What was unclear?",
		Placeholder: "Type here", Submit: "Send feedback"}
	if err := mo.OpenForm(context.Background(), h.Workspace(), forms.TriggerID(t, h.User(0)), f); err != nil {
		t.Fatalf("OpenForm: %v", err)
	}
	opened := forms.OpenedForms(t)
	if len(opened) != 1 {
		t.Fatalf("%d forms opened; want 1", len(opened))
	}
	wantText(t, "the form", opened[0], "Tell us", "What was unclear?")
	for _, r := range opened[0].Refused {
		t.Errorf("the platform would refuse the form: %s", r)
	}
}

func testUserInfoer(t *testing.T, h Harness) {
	ui := h.Adapter().(bot.UserInfoer)
	p, ok := h.(Profiles)
	if !ok {
		t.Fatal("the adapter is a bot.UserInfoer but the harness does not implement adaptertest.Profiles")
	}
	user := h.User(0)
	p.SetProfile(t, user, "Nina Patel", "America/Chicago")
	name, tz, err := ui.UserInfo(context.Background(), h.Workspace(), user)
	if err != nil || name != "Nina Patel" || tz != "America/Chicago" {
		t.Errorf("UserInfo = %q, %q, %v; want Nina Patel, America/Chicago", name, tz, err)
	}
	if _, _, err := ui.UserInfo(context.Background(), h.Workspace(), h.User(1)); err == nil {
		t.Error("UserInfo of a user the platform does not know returned no error")
	}
}
