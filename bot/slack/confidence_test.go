package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var confRe = regexp.MustCompile(`conf:\d+:3`)

// TestConfidenceTap: on Slack the answered card asks "How sure were you?"
// with three buttons; a tap is answered at once through its response_url,
// stored with the answer, and the card marks the choice.
func TestConfidenceTap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, envOptions{})
		e.fake.SetUser(slackfake.User{ID: "U100", Name: "nina", RealName: "Nina Patel", TZ: "America/Chicago"})
		e.command("U100", "join nurse 4west")
		e.command("U100", "")
		waitFor(t, 10*time.Second, "the quiz DM", func() bool { return len(e.dmFor("U100")) == 1 })
		if status, body := e.send(formType, e.clickBody("U100", e.dmFor("U100")[0].ActionIDs()[1], "click-1"), time.Now()); status != http.StatusOK {
			t.Fatalf("answer click: %d %s", status, body)
		}
		waitFor(t, 10*time.Second, "the answered card", func() bool { return len(e.fake.Responses()) == 1 })
		blocks := fmt.Sprint(e.fake.Responses()[0].Body["blocks"])
		for _, want := range []string{"How sure were you?", "Guessed", "Fairly sure", "Certain"} {
			if !strings.Contains(blocks, want) {
				t.Fatalf("answered card lacks %q: %s", want, blocks)
			}
		}
		certain := confRe.FindString(blocks)
		if certain == "" {
			t.Fatalf("no conf:…:3 button on the answered card: %s", blocks)
		}

		if status, body := e.send(formType, e.clickBody("U100", certain, "click-2"), time.Now()); status != http.StatusOK {
			t.Fatalf("confidence click: %d %s", status, body)
		}
		waitFor(t, 10*time.Second, "the reply to the tap", func() bool { return len(e.fake.Responses()) == 2 })
		if r := e.fake.Responses()[1].Body; r["response_type"] != "ephemeral" || !strings.Contains(fmt.Sprint(r["text"]), "Noted: Certain") {
			t.Errorf("reply to the tap = %v", r)
		}
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM answer WHERE confidence = 3`); err != nil || n != 1 {
			t.Errorf("answers stored as certain = %d (%v), want 1", n, err)
		}
		waitFor(t, 10*time.Second, "the card marking the tap", func() bool {
			return strings.Contains(string(e.dmFor("U100")[0].Blocks), "✓ Certain")
		})
		if got := string(e.dmFor("U100")[0].Blocks); strings.Contains(got, "✓ Guessed") || strings.Contains(got, `"ans:`) {
			t.Errorf("marked card: %s", got)
		}
	})
}
