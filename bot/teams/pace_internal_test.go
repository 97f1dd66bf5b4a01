package teams

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
)

func TestPacerWindows(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	p := newPacer(Limits{PerConversation: []Window{{N: 7, Per: time.Second}, {N: 60, Per: 30 * time.Second}},
		PerTenant: []Window{{N: 50, Per: time.Second}}, MaxWait: time.Minute}, func() time.Time { return now })
	var at []time.Duration
	for range 61 {
		w, err := p.reserve("a")
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, w)
	}
	for i, w := range at[:7] {
		if w != 0 {
			t.Errorf("call %d waits %s; the first 7 go at once", i+1, w)
		}
	}
	if at[7] != time.Second || at[13] != time.Second || at[14] != 2*time.Second {
		t.Errorf("calls 8, 14, 15 wait %s, %s, %s; want 1s, 1s, 2s (7 a second)", at[7], at[13], at[14])
	}
	if at[60] != 30*time.Second {
		t.Errorf("call 61 waits %s; want 30s (60 in 30 s)", at[60])
	}
	// Another conversation is held only by the tenant's 50 a second: 61
	// calls have been handed out, the last ones 30 s ahead, so it waits for
	// the last slot.
	if w, err := p.reserve("b"); err != nil || w != 30*time.Second {
		t.Errorf("another conversation waits %s, %v; want 30s behind the tenant's queue", w, err)
	}
}

func TestPacerTenantAndMaxWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	p := newPacer(Limits{PerConversation: []Window{{N: 7, Per: time.Second}}, PerTenant: []Window{{N: 50, Per: time.Second}},
		MaxWait: 2 * time.Second}, func() time.Time { return now })
	for i := range 150 {
		w, err := p.reserve(string(rune('A' + i%100)))
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if want := time.Duration(i/50) * time.Second; w != want {
			t.Fatalf("call %d waits %s; want %s (50 a second across conversations)", i+1, w, want)
		}
	}
	_, err := p.reserve("Z")
	var rle *bot.RateLimitError
	if !errors.As(err, &rle) || rle.RetryAfter != 3*time.Second {
		t.Errorf("a call that would wait 3s: %v; want a *bot.RateLimitError of 3s (MaxWait 2s)", err)
	}
	// The refused call reserved nothing.
	now = now.Add(3 * time.Second)
	if w, err := p.reserve("Z"); err != nil || w != 0 {
		t.Errorf("3 s later: wait %s, %v; want 0", w, err)
	}
}

// TestSizeBound: the bound that spares encoding a card twice is never
// below the card's real size, for the cards the tests render and for text
// that JSON escapes.
func TestSizeBound(t *testing.T) {
	t.Parallel()
	cards := []*bot.Card{
		{Title: "Daily quiz", Question: "Which <b>is</b> \"right\"?\x01\u2028", Body: strings.Repeat("*prose* & more\n", 40),
			Choices: []bot.Action{{ID: "ans:1:1", Label: "A & B"}, {ID: "ans:1:2", Label: "<C>"}, {ID: "ans:1:3", Label: "D\\E", Style: "primary"}},
			Fields:  []bot.Field{{Label: "Streak", Value: "3 days"}}, Result: "✅ Correct", Context: "huddlebot"},
		{Body: strings.Repeat("é\x00<>&", 3000)},
	}
	for i, c := range cards {
		out := renderNoted(c, "✅ Correct!")
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := sizeBound(out, 1<<30); got < len(b) {
			t.Errorf("card %d: bound %d below its %d bytes", i, got, len(b))
		}
	}
}

// TestClientInfoTimeZone: a message without localTimezone gives its
// sender the time zone of its clientInfo entity (the fixture follows
// Microsoft's example), which learn join uses for a member without one;
// localTimezone, when set, wins.
func TestClientInfoTimeZone(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/message_personal_clientinfo.json")
	if err != nil {
		t.Fatal(err)
	}
	var act Activity
	if err := json.Unmarshal(data, &act); err != nil {
		t.Fatal(err)
	}
	a, err := act.actor()
	if err != nil {
		t.Fatal(err)
	}
	if a.TimeZone != "America/Los_Angeles" {
		t.Errorf("actor's time zone %q; want America/Los_Angeles from clientInfo", a.TimeZone)
	}
	act.LocalTimezone = "America/Chicago"
	if a, _ := act.actor(); a.TimeZone != "America/Chicago" {
		t.Errorf("with localTimezone set: %q; want America/Chicago", a.TimeZone)
	}
}
