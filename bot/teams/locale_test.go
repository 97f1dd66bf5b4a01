package teams_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestActivityLocale: the activity's locale (her Teams client's language)
// is a member's language until she chooses one: the join is answered in
// Spanish, and the stored language says it came from the platform.
func TestActivityLocale(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		e, _ := newE2E(t, db)
		personal := e.conn.PersonalConversation(nina)
		before := len(e.conn.Activities(personal))
		p := activity(t, "message_personal.json")
		e.fromUser(p, nina, personal)
		p["text"] = "learn join nurse"
		p["locale"] = "es-MX"
		if code, body := e.post(t, p); code != http.StatusOK {
			t.Fatalf("message: status %d: %s", code, body)
		}
		acts := e.waitActivities(t, personal, before+1)
		if txt := view(t, acts[len(acts)-1].Activity).Text; !strings.Contains(txt, "¡Le damos la bienvenida, nurse!") {
			t.Fatalf("join answered %q; want Spanish", txt)
		}
		if m := bottest.Member(t, db, teams.Platform, testTenant, nina); m.Language != "es-MX" || m.LanguageSource != member.LanguagePlatform {
			t.Errorf("member language %q from %q; want es-MX from the platform", m.Language, m.LanguageSource)
		}
	})
}
