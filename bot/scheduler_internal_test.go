package bot

import (
	"testing"
	"time"
)

func TestTickLag(t *testing.T) {
	t.Parallel()
	origin := time.Date(2026, 3, 16, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		after, want time.Duration
	}{
		{0, 0},
		{30 * time.Second, 0},
		{30*time.Second + 250*time.Millisecond, 250 * time.Millisecond},
		{95 * time.Second, 5 * time.Second}, // a slot was skipped while a tick ran: late since the last slot
		{-time.Second, 0},
	} {
		if got := tickLag(origin, origin.Add(tt.after), 30*time.Second); got != tt.want {
			t.Errorf("tickLag(+%s) = %s, want %s", tt.after, got, tt.want)
		}
	}
}
