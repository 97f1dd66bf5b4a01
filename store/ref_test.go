package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestPlatformRefs: an adapter's references to a workspace, a member and a
// channel are stored as given and read back where a delivery needs them;
// a channel first named by its reference is recorded.
func TestPlatformRefs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, err := db.WorkspaceEnsure(ctx, "teams", "tenant-1", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		if ws.Ref != "" {
			t.Fatalf("new workspace ref = %q, want none", ws.Ref)
		}
		const wsRef = `{"serviceUrl":"https://smba.example/amer/","tenantId":"tenant-1"}`
		if err := db.WorkspaceSetRef(ctx, ws.ID, wsRef); err != nil {
			t.Fatal(err)
		}
		got, err := db.WorkspaceGet(ctx, ws.ID)
		if err != nil || got.Ref != wsRef {
			t.Fatalf("WorkspaceGet ref = %q, %v; want %q", got.Ref, err, wsRef)
		}
		if got, err := db.WorkspaceEnsure(ctx, "teams", "tenant-1", "UTC"); err != nil || got.Ref != wsRef {
			t.Fatalf("WorkspaceEnsure ref = %q, %v", got.Ref, err)
		}
		if l, err := db.WorkspaceList(ctx, "teams"); err != nil || len(l) != 1 || l[0].Ref != wsRef {
			t.Fatalf("WorkspaceList = %+v, %v", l, err)
		}

		m, err := db.MemberEnsure(ctx, ws.ID, "29:user", "Nina")
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{`{"conversation":"a:1"}`, `{"conversation":"a:2"}`, `{"conversation":"a:2"}`} {
			if err := db.MemberSetRef(ctx, m.ID, ref); err != nil {
				t.Fatal(err)
			}
			if r, err := db.MemberRecipient(ctx, m.ID); err != nil || r.Ref != ref || r.UserID != "29:user" {
				t.Fatalf("MemberRecipient = %+v, %v; want ref %q", r, err, ref)
			}
		}

		if ref, err := db.ChannelRef(ctx, ws.ID, "19:chan"); err != nil || ref != "" {
			t.Fatalf("ref of an unknown channel = %q, %v; want none", ref, err)
		}
		for _, ref := range []string{`{"conversation":"19:chan"}`, `{"conversation":"19:chan;moved"}`} {
			if err := db.ChannelSetRef(ctx, ws.ID, "19:chan", ref); err != nil {
				t.Fatal(err)
			}
			if got, err := db.ChannelRef(ctx, ws.ID, "19:chan"); err != nil || got != ref {
				t.Fatalf("ChannelRef = %q, %v; want %q", got, err, ref)
			}
		}
		if chs, err := db.ChannelList(ctx, ws.ID); err != nil || !slices.Equal(chs, []string{"19:chan"}) {
			t.Fatalf("ChannelList = %v, %v", chs, err)
		}
	})
}

// TestMemberRekey: a roster member known by a directory object id or an
// e-mail takes the platform's user id on first contact, keeping what the
// roster set; nothing changes when the user id is taken or nothing matches.
func TestMemberRekey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, err := db.WorkspaceEnsure(ctx, "teams", "tenant-1", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		aad := "6B9A3D9E-7BD0-4F4A-9F3E-0D0C4F4E2B11"
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: aad, Name: "Nina", Role: "nurse", Department: "4west"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "pete-roster", Name: "Pete",
			Email: "Pete.Okafor@Example.org", Role: "nurse"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.MemberRekey(ctx, ws.ID, "29:nina", []string{strings.ToLower(aad)}); err != nil || !ok {
			t.Fatalf("rekey by directory id: %v, %v", ok, err)
		}
		m, err := db.MemberByUser(ctx, db, ws.ID, "29:nina")
		if err != nil || m.ID != id || m.Role != "nurse" || m.Department != "4west" {
			t.Fatalf("after rekey: %+v, %v", m, err)
		}
		if ok, err := db.MemberRekey(ctx, ws.ID, "29:pete", []string{"nobody", "pete.okafor@example.org"}); err != nil || !ok {
			t.Fatalf("rekey by e-mail: %v, %v", ok, err)
		}
		// A re-imported roster row finds the re-keyed member by e-mail.
		if uid, err := db.MemberUserByEmail(ctx, db, ws.ID, " PETE.okafor@example.org"); err != nil || uid != "29:pete" {
			t.Errorf("MemberUserByEmail = %q, %v; want 29:pete", uid, err)
		}
		if uid, err := db.MemberUserByEmail(ctx, db, ws.ID, "nobody@example.org"); err != nil || uid != "" {
			t.Errorf("MemberUserByEmail of nobody = %q, %v", uid, err)
		}
		if ok, _ := db.MemberRekey(ctx, ws.ID, "29:nina", []string{"29:pete"}); ok {
			t.Error("a taken user id was given to another member")
		}
		if ok, _ := db.MemberRekey(ctx, ws.ID, "29:ed", []string{"unknown"}); ok {
			t.Error("a rekey without a match changed something")
		}
	})
}
