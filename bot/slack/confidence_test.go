package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var confRe = regexp.MustCompile(`conf:\d+:3`)

// TestConfidenceTap: on Slack the answered card asks "How sure were you?"
// with three buttons; a tap is stored with the answer and answered at once
// through its response_url: an ephemeral "Noted" and the card, replaced with
// the choice marked (issue 16: per-person clicks are confirmed outside the
// Tier 3 pacing of chat.update).
func TestConfidenceTap(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e := newEnv(t, db, envOptions{})
		quiz := e.ninaQuiz(t)
		if status, body := e.send(formType, e.clickBody("U100", quiz.ActionIDs()[1], "click-1"), time.Now()); status != http.StatusOK {
			t.Fatalf("answer click: %d %s", status, body)
		}
		bottest.WaitFor(t, 10*time.Second, "the answered card", func() bool { return len(e.fake.Responses()) == 1 })
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
		// Two posts to the tap's response_url: the ephemeral "Noted" and the
		// card with the mark, replacing the original — no paced chat.update.
		bottest.WaitFor(t, 10*time.Second, "the replies to the tap", func() bool { return len(e.fake.Responses()) == 3 })
		var noted, marked bool
		for _, r := range e.fake.Responses()[1:] {
			noted = noted || r.Body["response_type"] == "ephemeral" && strings.Contains(fmt.Sprint(r.Body["text"]), "Noted: Certain")
			marked = marked || r.Body["replace_original"] == true && strings.Contains(fmt.Sprint(r.Body["blocks"]), "✓ Certain")
		}
		if !noted || !marked {
			t.Errorf("replies to the tap: %v", e.fake.Responses()[1:])
		}
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM answer WHERE confidence = 3`); err != nil || n != 1 {
			t.Errorf("answers stored as certain = %d (%v), want 1", n, err)
		}
		bottest.WaitFor(t, 10*time.Second, "the marked card recorded as showing", func() bool {
			m, err := db.MessageGet(context.Background(), db, e.dmFor("U100")[0].MessageID)
			return err == nil && m.SentRevision == m.Revision && strings.Contains(m.Card, "✓ Certain")
		})
		if n := e.fake.Count("chat.update"); n != 0 {
			t.Errorf("chat.update calls = %d, want 0 (the response_url showed the mark)", n)
		}
	})
}
