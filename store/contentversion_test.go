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

// TestContentImportTranslations: a lesson's translations are stored with
// its version and read back with it; changing only a translation makes a
// new version, and the version asked before keeps the text that was shown.
func TestContentImportTranslations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		t.Parallel()
		orig := "---\nid: scan\nkind: quiz\ntitle: Scan first\nquestion: When?\nchoices: [Always, Never]\nanswer: 1\n---\n"
		es := func(title string) string {
			return "---\nid: scan\nlang: es\nkind: quiz\ntitle: " + title + "\nquestion: ¿Cuándo?\nchoices: [Siempre, Nunca]\nanswer: 1\n---\n"
		}
		load := func(esTitle string) *lessons.Content {
			t.Helper()
			c, err := lessons.Load(fstest.MapFS{"scan.md": {Data: []byte(orig)}, "scan.es.md": {Data: []byte(es(esTitle))}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		res, err := db.ContentImport(ctx, load("Escanee primero"))
		if err != nil || len(res.Added) != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		res, err = db.ContentImport(ctx, load("Primero, escanee"))
		if err != nil || len(res.Changed) != 1 {
			t.Fatalf("re-import with a changed translation: %+v %v, want the lesson changed", res, err)
		}
		c, err := db.ContentLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if l := c.Lesson("scan"); l == nil || l.Version != 2 || l.Translations["es"] == nil || l.Translations["es"].Title != "Primero, escanee" {
			t.Fatalf("loaded lesson = %+v", l)
		}
		v1, err := db.LessonVersionGet(ctx, "scan", 1)
		if err != nil {
			t.Fatal(err)
		}
		if shown, lang, ok := v1.In("es", ""); !ok || lang != "es" || shown.Title != "Escanee primero" || shown.Choices[0] != "Siempre" {
			t.Errorf("version 1 in es = %+v %q %v, want the translation as it was", shown, lang, ok)
		}
	})
}
