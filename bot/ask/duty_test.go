package ask_test

import (
	"context"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// advanceTo moves the sandbox clock to the next instant with the given UTC
// weekday and time of day.
func advanceTo(t *testing.T, e *askEnv, wd time.Weekday, h, m int) {
	t.Helper()
	now := e.SB.Clock.Now()
	target := time.Date(now.Year(), now.Month(), now.Day(), h, m, 0, 0, time.UTC)
	for target.Weekday() != wd || !target.After(now) {
		target = target.AddDate(0, 0, 1)
	}
	e.SB.TickStep = time.Hour
	if err := e.SB.Advance(context.Background(), target.Sub(now)); err != nil {
		t.Fatal(err)
	}
	e.SB.TickStep = 15 * time.Minute
}

// TestDutyOnAtTheWeekend: on a Saturday two super-users turn duty on and a
// colleague's /ask reaches them; the reply said until when (issue 17
// item 2). Without a helpdesk channel, the question asked before they came
// on duty is handed to them on the next tick.
func TestDutyOnAtTheWeekend(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			e := newAskEnv(t, backend, bot.Config{})
			advanceTo(t, e, time.Saturday, 10, 0)
			rep := e.Command("nina", "dm", "/ask Where is the downtime MAR?")
			bottest.Contains(t, "ask before anyone is on duty", rep, "no helpdesk channel")
			for _, su := range []string{"sam", "sue"} {
				e.Command(su, "dm", "/learn duty off")
				rep := e.Command(su, "dm", "/learn duty on")
				bottest.Contains(t, su+" on", rep, "You're on duty now", "until today at 17:00", "/learn days")
			}
			// The waiting question goes to them on the next tick.
			if err := e.SB.Advance(context.Background(), time.Minute); err != nil {
				t.Fatal(err)
			}
			e.Must("sam", "dm", "Where is the downtime MAR?")
			rep = e.Command("nina", "dm", "/ask How do I print the MAR?")
			bottest.Contains(t, "weekend ask", rep, "Sent to Sam Reyes and Sue Park, on duty on 4west.")
			// After 17:00 their duty hours apply again: Monday.
			advanceTo(t, e, time.Saturday, 17, 30)
			rep = e.Command("nina", "dm", "/ask A third question?")
			bottest.Contains(t, "ask after the override", rep, "No super-user is on duty right now")
		})
	}
}
