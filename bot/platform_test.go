package bot_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestUserWorkspaces: where a platform names no workspace (a Discord DM),
// the adapter asks the core where the person is a member; only the
// workspaces that know them are listed, in the order first seen, with
// whether they joined there.
func TestUserWorkspaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := bot.New(db, bot.Config{}, nil)
		ids := map[string]int64{}
		for _, g := range []string{"g1", "g2", "g3"} {
			ws, err := b.Workspace(ctx, "discord", g)
			if err != nil {
				t.Fatal(err)
			}
			ids[g] = ws.ID
		}
		if _, err := b.Workspace(ctx, "slack", "T1"); err != nil {
			t.Fatal(err)
		}
		// g1 knows u1 (not joined), g3 has them joined; g2 does not know them.
		if _, err := db.MemberEnsure(ctx, ids["g1"], "u1", "U One"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AddMembers(ctx, []bot.NewMember{{MemberUpsert: store.MemberUpsert{WorkspaceID: ids["g3"], UserID: "u1",
			Name: "U One", Role: "nurse"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.UserWorkspaces(ctx, "discord", "u1")
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.UserWorkspace{{Workspace: "g1", Joined: false}, {Workspace: "g3", Joined: true}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("UserWorkspaces = %+v, want %+v", got, want)
		}
		if got, err := b.UserWorkspaces(ctx, "discord", "stranger"); err != nil || len(got) != 0 {
			t.Fatalf("a stranger: %+v, %v; want none", got, err)
		}
	})
}

// TestSeenEventAndClaimSignature: the first sight of an event id or a
// request signature is new; the second is a redelivery or replay.
func TestSeenEventAndClaimSignature(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := bot.New(db, bot.Config{}, nil)
		for i, want := range []bool{false, true} {
			seen, err := b.SeenEvent(ctx, "slack", "Ev1")
			if err != nil || seen != want {
				t.Fatalf("SeenEvent #%d = %v, %v; want %v", i+1, seen, err, want)
			}
		}
		if seen, err := b.SeenEvent(ctx, "discord", "Ev1"); err != nil || seen {
			t.Fatalf("the same id on another platform: seen %v, %v; want new", seen, err)
		}
		exp := time.Now().Add(5 * time.Minute)
		for i, want := range []bool{true, false} {
			fresh, err := b.ClaimSignature(ctx, "abc123", exp)
			if err != nil || fresh != want {
				t.Fatalf("ClaimSignature #%d = %v, %v; want %v", i+1, fresh, err, want)
			}
		}
	})
}

// TestClaimSignatureConcurrent: claims made at the same moment are written
// together (a group commit), and batching weakens no replay protection:
// of many concurrent claims of one signature — some in the same batch,
// some in the next — exactly one is new, and every distinct signature
// claimed alongside them is new exactly once.
func TestClaimSignatureConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := bot.New(db, bot.Config{}, nil)
		exp := time.Now().Add(5 * time.Minute)
		const n = 64
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		fresh := map[string]int{}
		for i := range 2 * n {
			sig := "replayed"
			if i%2 == 1 {
				sig = fmt.Sprintf("sig-%d", i)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := b.ClaimSignature(ctx, sig, exp)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					fresh[sig]++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if fresh["replayed"] != 1 {
			t.Errorf("%d of %d concurrent claims of one signature were new, want exactly 1", fresh["replayed"], n)
		}
		for i := 1; i < 2*n; i += 2 {
			if sig := fmt.Sprintf("sig-%d", i); fresh[sig] != 1 {
				t.Errorf("%s: new %d times, want 1", sig, fresh[sig])
			}
		}
		if ok, err := b.ClaimSignature(ctx, "sig-1", exp); err != nil || ok {
			t.Errorf("a later replay of sig-1: new=%v, %v", ok, err)
		}
	})
}

// TestResolveConcurrent: look-ups of members made at the same moment are
// read together, and each request still gets its own member: the known
// ones as stored, a newcomer created once however many of their requests
// race, and the same person asked for twice in one batch twice, as two
// separate values.
func TestResolveConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := bot.New(db, bot.Config{}, nil)
		ws, err := b.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		for i := range n {
			if _, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: fmt.Sprintf("U%03d", i),
				Name: fmt.Sprintf("Person %d", i), Role: "nurse"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		got := make([]*member.Member, 2*n+4)
		for i := range got {
			user := fmt.Sprintf("U%03d", i%n)
			if i >= 2*n {
				user = "UNEW"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, m, err := b.Resolve(ctx, bot.Actor{Platform: "slack", Workspace: "T1", UserID: user, UserName: "new"})
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = m
			}()
		}
		close(start)
		wg.Wait()
		for i, m := range got {
			switch {
			case m == nil:
				t.Fatalf("request %d got no member", i)
			case i < 2*n && (m.UserID != fmt.Sprintf("U%03d", i%n) || m.Name != fmt.Sprintf("Person %d", i%n) || m.WorkspaceID != ws.ID):
				t.Errorf("request %d for U%03d got %+v", i, i%n, m)
			case i >= 2*n && (m.UserID != "UNEW" || m.ID != got[2*n].ID):
				t.Errorf("newcomer request %d got %+v (first got id %d)", i, m, got[2*n].ID)
			}
		}
		if got[0] == got[n] {
			t.Error("two requests for the same person share one member value")
		}
		var c int
		if err := db.GetContext(ctx, &c, db.Rebind(`SELECT COUNT(*) FROM member WHERE workspace_id = ?`), ws.ID); err != nil || c != n+1 {
			t.Errorf("%d members (%v), want %d: the newcomer was created more than once", c, err, n+1)
		}
	})
}
