package store_test

import (
	"context"
	"testing"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// A weaker source of a member's language never overrides a stronger one:
// platform < roster < the person's own choice.
func TestMemberSetLanguageSources(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, err := db.WorkspaceEnsure(ctx, "slack", "T1", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "U1", Name: "Ana", Role: "nurse"})
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			lang       string
			src        member.LanguageSource
			changed    bool
			want       string
			wantSource member.LanguageSource
		}{
			{"es", member.LanguagePlatform, true, "es", member.LanguagePlatform},
			{"es", member.LanguagePlatform, false, "es", member.LanguagePlatform}, // unchanged: not written
			{"en", member.LanguagePlatform, true, "en", member.LanguagePlatform},  // a new locale replaces the old one
			{"pt-BR", member.LanguageRoster, true, "pt-BR", member.LanguageRoster},
			{"es", member.LanguagePlatform, false, "pt-BR", member.LanguageRoster}, // platform never over the roster
			{"es", member.LanguageChosen, true, "es", member.LanguageChosen},
			{"en", member.LanguageRoster, false, "es", member.LanguageChosen},   // the roster never over a choice
			{"en", member.LanguagePlatform, false, "es", member.LanguageChosen}, // nor the platform
			{"en", member.LanguageChosen, true, "en", member.LanguageChosen},    // the person changes their mind
		}
		for i, s := range steps {
			changed, err := db.MemberSetLanguage(ctx, db, id, s.lang, s.src)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			m, err := db.MemberGet(ctx, db, id)
			if err != nil {
				t.Fatal(err)
			}
			if changed != s.changed || m.Language != s.want || m.LanguageSource != s.wantSource {
				t.Errorf("step %d: set %s from %q: changed %v, member %s from %q; want %v, %s from %q",
					i, s.lang, s.src, changed, m.Language, m.LanguageSource, s.changed, s.want, s.wantSource)
			}
		}
		if _, err := db.MemberSetLanguage(ctx, db, 9999, "es", member.LanguageChosen); err != nil {
			t.Fatalf("missing member: %v", err)
		}
	})
}
