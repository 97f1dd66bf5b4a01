package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestContentPickupNote: what `burst send` and `burst status` tell a
// trainer about the running bots — none running, one still on the content
// from before the last import, all current.
func TestContentPickupNote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := loadContent(&Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImport(ctx, c); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		tick := 30 * time.Second
		if note := contentPickupNote(ctx, db, tick, now); !strings.Contains(note, "No running huddlebot has checked in during the last 1m30s") {
			t.Errorf("no replica: %q", note)
		}
		if err := db.ReplicaCheckIn(ctx, "a", 1, now.Add(-10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if note := contentPickupNote(ctx, db, tick, now); note != "" {
			t.Errorf("replica current: %q", note)
		}
		if _, err := db.ContentImport(ctx, c); err != nil { // a trainer imports again
			t.Fatal(err)
		}
		if note := contentPickupNote(ctx, db, tick, now); !strings.Contains(note, "1 of 1 running huddlebot processes have not picked up the latest content import yet") ||
			!strings.Contains(note, "within 30s") {
			t.Errorf("replica behind: %q", note)
		}
		if err := db.ReplicaCheckIn(ctx, "a", 2, now); err != nil {
			t.Fatal(err)
		}
		if note := contentPickupNote(ctx, db, tick, now); note != "" {
			t.Errorf("replica caught up: %q", note)
		}
		if note := contentPickupNote(ctx, db, tick, now.Add(2*time.Minute)); !strings.Contains(note, "No running huddlebot") {
			t.Errorf("replica silent for 2 minutes still counted as running: %q", note)
		}
	})
}

// TestStartupImport: what `serve` imports at start, so that a restart
// never undoes a trainer's import.
func TestStartupImport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bundled := &Config{}
		dir := &Config{ContentDir: "../../internal/faulttest/testdata/content"}

		// A legacy database (imports not recorded) holding a trainer's
		// lessons: the bundled samples must not replace them.
		own, err := loadContent(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImport(ctx, own); err != nil {
			t.Fatal(err)
		}
		if c, _, why, err := startupImport(ctx, db, bundled); err != nil || c != nil || !strings.Contains(why, "not bundled samples") {
			t.Fatalf("legacy database with a trainer's lessons: import %v, %q, %v", c != nil, why, err)
		}
		// serve with HUDDLEBOT_CONTENT_DIR: imported once, then not again
		// while the directory is unchanged.
		c, src, _, err := startupImport(ctx, db, dir)
		if err != nil || c == nil {
			t.Fatalf("first start with a directory: %v %v", c, err)
		}
		if _, err := db.ContentImportFrom(ctx, c, src); err != nil {
			t.Fatal(err)
		}
		if c, _, why, _ := startupImport(ctx, db, dir); c != nil || !strings.Contains(why, "unchanged") {
			t.Errorf("restart with the same directory re-imports: %q", why)
		}
		// Then without it: the trainer's import stays.
		if c, _, why, _ := startupImport(ctx, db, bundled); c != nil || !strings.Contains(why, "keeping the content a trainer imported") {
			t.Errorf("restart without a directory imports the samples over the trainer's import: %q", why)
		}
	})
	t.Run("new database", func(t *testing.T) {
		t.Parallel()
		db := storetest.Open(t, store.SQLite)
		ctx := context.Background()
		c, src, _, err := startupImport(ctx, db, &Config{})
		if err != nil || c == nil || src.Name != bundledSource {
			t.Fatalf("new database: %v %+v %v", c != nil, src, err)
		}
		if _, err := db.ContentImportFrom(ctx, c, src); err != nil {
			t.Fatal(err)
		}
		if c, _, why, _ := startupImport(ctx, db, &Config{}); c != nil || !strings.Contains(why, "unchanged") {
			t.Errorf("second start re-imports unchanged samples: %q", why)
		}
	})
}
