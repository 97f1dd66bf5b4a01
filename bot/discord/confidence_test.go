package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestConfidenceTap: on Discord the answered card offers "How sure were
// you?" as three buttons; a tap is answered in the interaction response,
// stored with the answer, and the DM is edited to mark the choice.
func TestConfidenceTap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newEnv(t, db, nil)
		e.post(e.fresh(fixture(t, "command_learn_join")))
		e.post(e.command(ninaID, testChannel, "learn", subcommand("next")))
		dm := "9" + ninaID
		quiz := decodeSent(t, e.fake.WaitCalls("POST", "/channels/"+dm+"/messages", 1, nil)[0])
		sm := ansRe.FindStringSubmatch(quiz.customIDs()[0])
		if sm == nil {
			t.Fatalf("quiz buttons %v", quiz.customIDs())
		}
		status, r := e.post(e.click(ninaID, dm, quiz.customIDs()[0]))
		requireEphemeral(t, status, r, "Correct")
		answered := decodeSent(t, e.fake.WaitCalls("PATCH", "/channels/"+dm+"/messages/", 1, nil)[0])
		certain := fmt.Sprintf("conf:%s:3", sm[1])
		if ids := answered.customIDs(); !slicesContains(ids, certain) || !slicesContains(ids, fmt.Sprintf("conf:%s:1", sm[1])) {
			t.Fatalf("answered card buttons %v; want the confidence buttons", ids)
		}

		status, r = e.post(e.click(ninaID, dm, certain))
		requireEphemeral(t, status, r, "Noted: Certain")
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM answer WHERE confidence = 3`); err != nil || n != 1 {
			t.Errorf("answers stored as certain = %d (%v), want 1", n, err)
		}
		marked := decodeSent(t, e.fake.WaitCalls("PATCH", "/channels/"+dm+"/messages/", 2, nil)[1])
		var labels []string
		for _, row := range marked.Components {
			for _, c := range row.Components {
				labels = append(labels, c.Label)
			}
		}
		if got := strings.Join(labels, "|"); !strings.Contains(got, "✓ Certain") || strings.Count(got, "✓") != 1 {
			t.Errorf("edited card labels %q; want ✓ on Certain only", got)
		}
	})
}
