package store_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestContentVersionAndSources: every import bumps the content version in
// its transaction; an import with a source records it as the last import
// and its hash per source; replicas check in and out.
func TestContentVersionAndSources(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		t.Parallel()
		if v, err := db.ContentVersion(ctx); err != nil || v != 0 {
			t.Fatalf("version before any import = %d, %v", v, err)
		}
		if _, ok, err := db.ContentLastImport(ctx); ok || err != nil {
			t.Fatalf("last import before any: %v %v", ok, err)
		}
		c, err := lessons.Load(fstest.MapFS{"a.md": {Data: []byte("---\nid: a\nkind: tip\ntitle: A\n---\nbody\n")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImport(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImportFrom(ctx, c, store.ContentSource{Name: "/srv/content", Hash: "h1", By: "cli"}); err != nil {
			t.Fatal(err)
		}
		if v, err := db.ContentVersion(ctx); err != nil || v != 2 {
			t.Errorf("version after two imports = %d, %v", v, err)
		}
		last, ok, err := db.ContentLastImport(ctx)
		if err != nil || !ok || last.Name != "/srv/content" || last.By != "cli" || last.At == 0 {
			t.Errorf("last import = %+v %v %v", last, ok, err)
		}
		if h, err := db.ContentImportedHash(ctx, "/srv/content"); err != nil || h != "h1" {
			t.Errorf("hash = %q %v", h, err)
		}
		if h, _ := db.ContentImportedHash(ctx, "/elsewhere"); h != "" {
			t.Errorf("hash of a source never imported = %q", h)
		}

		now := time.Now()
		if err := db.ReplicaCheckIn(ctx, "old", 1, now.Add(-25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.ReplicaCheckIn(ctx, "a", 1, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.ReplicaCheckIn(ctx, "b", 2, now); err != nil {
			t.Fatal(err)
		}
		all, _ := db.ReplicaList(ctx, time.Time{})
		recent, _ := db.ReplicaList(ctx, now.Add(-time.Minute))
		if len(all) != 2 || len(recent) != 1 || recent[0].ID != "b" || recent[0].ContentVersion != 2 {
			t.Errorf("replicas: all %+v, recent %+v (a day-old one is forgotten)", all, recent)
		}
		if err := db.ReplicaCheckOut(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if recent, _ := db.ReplicaList(ctx, now.Add(-time.Minute)); len(recent) != 0 {
			t.Errorf("checked-out replica still listed: %+v", recent)
		}
	})
}
