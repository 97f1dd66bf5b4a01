package teams

import (
	"errors"
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
