package ask_test

import (
	"context"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/cardtest"
	"github.com/huddlebot/huddlebot/store"
)

// TestAskTextIsNeutral runs a question to the end — asked, claimed,
// answered through the reply form both ways, resolved, rated and tagged —
// and checks every reply, form and card it made: the card model's Markdown,
// never a platform's markup. The reply form's title names the other side in
// full; fitting it to a platform (Slack's 24 characters) is the adapter's
// job.
func TestAskTextIsNeutral(t *testing.T) {
	t.Parallel()
	e := newAskEnv(t, store.SQLite, bot.Config{HelpdeskChannel: "#helpdesk"})
	replies := map[string]string{"ask": e.Command("nina", "#4west", "/ask How do I reprint a wristband?")}
	qid := itoa(e.lastQuestionID())
	c := e.Must("sam", "dm", "Question from Nina Patel")
	replies["claim"] = e.Click("sam", c.ID, "claim:"+qid).Reply
	r := e.Click("sam", c.ID, "sreply:"+qid)
	if r.Form == nil || r.Form.Title != "Reply to Nina Patel" {
		t.Fatalf("reply form = %+v, want the title %q", r.Form, "Reply to Nina Patel")
	}
	for what, s := range map[string]string{"title": r.Form.Title, "label": r.Form.Label, "placeholder": r.Form.Placeholder, "submit": r.Form.Submit} {
		if m := cardtest.PlainMarkup(s); len(m) > 0 {
			t.Errorf("reply form %s holds markup %q: %q", what, m, s)
		}
	}
	replies["sam's reply"] = e.Submit("sam", r.Form.ID, "Patient Station > Print > Wristband.")
	got := e.Must("nina", "dm", "Patient Station")
	r = e.Click("nina", got.ID, "sreply:"+qid)
	replies["nina's reply"] = e.Submit("nina", r.Form.ID, "Found it, thanks!")
	mine := e.Must("nina", "dm", "Your question")
	replies["resolve"] = e.Click("nina", mine.ID, "resolve:"+qid).Reply
	replies["rate"] = e.Click("nina", mine.ID, "srate:"+qid+":5").Reply
	replies["tag"] = e.Click("sam", c.ID, "stag:"+qid+"=bcma").Reply
	for what, s := range replies {
		if s == "" {
			t.Errorf("%s: no reply", what)
		}
		cardtest.CheckText(t, what+" reply", s)
	}

	var stored []string
	if err := e.DB.SelectContext(context.Background(), &stored, `SELECT card FROM message ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(stored) < 4 {
		t.Fatalf("%d cards", len(stored))
	}
	for _, s := range stored {
		c, err := bot.ParseCard(s)
		if err != nil {
			t.Fatal(err)
		}
		cardtest.Check(t, "card "+c.Title, c)
	}
}
