package huddle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/cardtest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestHuddleTextIsNeutral runs a huddle — help, start, agenda, a poll, a
// rating, a vote, a question escalated to the trainers, the end and its
// summary — and checks every reply and every card it posted: the card
// model's Markdown (**Agenda**, **Polls**), never Slack's *bold* or a
// hand-written <@U…>, which Discord would show in italics and the sandbox
// as asterisks.
func TestHuddleTextIsNeutral(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	e := newHudEnv(t, db, 10*time.Millisecond, false)
	replies := map[string]string{
		"help":   e.Command("sam", "#4west", "/huddle help"),
		"start":  e.Command("sam", "#4west", "/huddle start Sepsis alert go-live"),
		"agenda": e.Command("sam", "#4west", "/huddle agenda 1) the new alert\n2) questions"),
		"poll":   e.Command("sam", "#4west", `/huddle poll "Is the alert clear?" "Yes" "No" --anonymous`),
		"rate":   e.Command("sam", "#4west", `/huddle rate "How confident are you?"`),
		"ask":    e.Command("sue", "#4west", "/huddle ask Who owns the order set?"),
	}
	poll := e.Must("sam", "#4west", "Is the alert clear?")
	replies["vote"] = e.Click("nina", poll.ID, poll.ActionWith("vote:", ":1")).Reply
	q := e.Must("sam", "#4west", "Who owns the order set?")
	replies["escalate"] = e.Click("sam", q.ID, q.ActionWith("hq:", ":escalate")).Reply
	replies["end"] = e.Command("sam", "#4west", "/huddle end")
	bottest.Contains(t, "end", replies["end"], "Huddle ended")
	for what, s := range replies {
		cardtest.CheckText(t, what+" reply", s)
	}
	bottest.Contains(t, "help", replies["help"], "**Tech huddles**")

	var stored []string
	if err := db.SelectContext(context.Background(), &stored, `SELECT card FROM message ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var agenda, summary bool
	for _, s := range stored {
		c, err := bot.ParseCard(s)
		if err != nil {
			t.Fatal(err)
		}
		cardtest.Check(t, "card "+c.Title, c)
		agenda = agenda || strings.Contains(c.Body, "**Agenda**\n1) the new alert")
		summary = summary || strings.Contains(c.Body, "📊 **Polls**\n**Is the alert clear?** (anonymous)")
	}
	if len(stored) < 5 || !agenda || !summary {
		t.Errorf("%d cards; the agenda in bold: %v, the summary's polls in bold: %v", len(stored), agenda, summary)
	}
}
