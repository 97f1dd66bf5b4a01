package demo

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// TestDemoDeterministic: the same seed and time give the same history.
func TestDemoDeterministic(t *testing.T) {
	t.Parallel()
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)
	p := Params{Members: 120, Days: 21, Seed: 5, Now: now, WorkspaceID: 1}
	a, planA, err := Generate(c, p)
	if err != nil {
		t.Fatal(err)
	}
	b, planB, _ := Generate(c, p)
	if planA != planB || !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different data")
	}
	p.Seed = 6
	c2, _, _ := Generate(c, p)
	if reflect.DeepEqual(c2.Deliveries[:50], a.Deliveries[:50]) {
		t.Error("another seed gave the same data")
	}
	for _, d := range a.Deliveries {
		if d.SentAt.After(now) || (d.Answer != nil && d.Answer.At.After(now)) {
			t.Fatalf("history in the future: %+v", d)
		}
	}
	roles, zones := map[string]bool{}, map[string]bool{}
	for _, m := range a.Members {
		roles[m.Role], zones[m.TimeZone] = true, true
	}
	if len(roles) < 5 || len(zones) < 3 {
		t.Errorf("members not spread: roles %v zones %v", roles, zones)
	}
}

// BenchmarkDemoSeed loads 2,000 members × 60 days into a new SQLite
// database (the figure quoted in docs/reports.md).
func BenchmarkDemoSeed(b *testing.B) {
	ctx := context.Background()
	c, err := lessons.Load(content.FS)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "demo.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := Seed(ctx, db, c, Params{Members: 2000, Days: 60, Seed: 1, Now: time.Now()}, "UTC"); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
