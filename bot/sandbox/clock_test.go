package sandbox_test

import (
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
)

// TestClockNextSaysWhereInPersonsLanguage: "Next delivery" moves the clock
// to the person's next prompt and says where it went (the page shows it in
// its status line) in that person's language: Lucía's in Spanish, Nina's in
// the workspace's English. (The day word depends on the weekday the clock
// started on, so only the time's wording is checked.)
func TestClockNextSaysWhereInPersonsLanguage(t *testing.T) {
	t.Parallel()
	e := bottest.NewSandbox(t, store.SQLite, bot.Config{})
	for _, tc := range []struct{ user, want, not string }{
		{"lucia", " a las 08:30", " at "},
		{"nina", " at 08:30", " a las "},
	} {
		var out struct {
			MovedTo string `json:"moved_to"`
		}
		e.Call("POST", "/sandbox/api/clock", map[string]string{"to": "next", "user": tc.user}, &out)
		if !strings.Contains(out.MovedTo, tc.want) || strings.Contains(out.MovedTo, tc.not) {
			t.Errorf("%s: moved_to %q, want it to say %q", tc.user, out.MovedTo, tc.want)
		}
	}
}
