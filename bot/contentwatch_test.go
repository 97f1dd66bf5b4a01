package bot_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var watchV1 = fstest.MapFS{
	"nurse/old.md": {Data: []byte("---\nid: old-tip\nkind: tip\ntitle: The old workflow\nroles: [nurse]\n---\nAs before.\n")},
}

var watchV2 = fstest.MapFS{
	"nurse/old.md": {Data: []byte("---\nid: old-tip\nkind: tip\ntitle: The old workflow\nroles: [nurse]\n---\nAs before.\n")},
	"nurse/new.md": {Data: []byte("---\nid: new-tip\nkind: tip\ntitle: The new allergy banner\nroles: [nurse]\n---\nRed means severe.\n")},
	"bursts/b.yaml": {Data: []byte("id: banner-burst\ntitle: Allergy banner\nroles: [nurse]\ndepartments: []\n" +
		"lessons:\n  - new-tip\npace: all-at-once\n")},
}

func loadFS(t *testing.T, fs fstest.MapFS) *lessons.Content {
	t.Helper()
	c, err := lessons.Load(fs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoReplicasSeeAnImport: two bot processes (separate connection pools)
// on one PostgreSQL database, one of them the scheduler. Content imported
// and a burst sent by a third (the CLI) reach both within one check
// interval, the scheduler plans the burst with it, and the database shows
// both replicas at the new content version.
func TestTwoReplicasSeeAnImport(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	tuesday := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return tuesday }
	open := func() *store.DB {
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	cliDB := open()
	if _, err := cliDB.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bot.MigrateJobs(ctx, cliDB); err != nil {
		t.Fatal(err)
	}
	if _, err := cliDB.ContentImport(ctx, loadFS(t, watchV1)); err != nil {
		t.Fatal(err)
	}
	ws, err := cliDB.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	nurse, err := cliDB.MemberUpsert(ctx, cliDB, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "n1", Name: "n1", Role: "nurse", Department: "4west"})
	if err != nil {
		t.Fatal(err)
	}

	wctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	var replicas []*bot.Bot
	for _, id := range []string{"r1", "r2"} {
		rb := bottest.NewBot(t, open(), bottest.BotOptions{NoContent: true, Jobs: bot.JobsOptions{Work: true, PollInterval: 20 * time.Millisecond}})
		rb.SetClock(clock)
		rb.AddAdapter(sandbox.Adapter{})
		rb.Start(t)
		go rb.WatchContent(wctx, id, 50*time.Millisecond)
		replicas = append(replicas, rb.Bot)
	}

	// The trainer, from the CLI: import, then send the burst for the
	// members' next delivery window (Wednesday 08:30).
	if _, err := cliDB.ContentImport(ctx, loadFS(t, watchV2)); err != nil {
		t.Fatal(err)
	}
	cb := bottest.NewBot(t, cliDB, bottest.BotOptions{NoContent: true})
	cb.SetClock(clock)
	cli := cb.Features.Burst
	if _, err := cli.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: ws.ID, BurstID: "banner-burst"}); err != nil {
		t.Fatal(err)
	}
	want, err := cliDB.ContentVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(5 * time.Second)
	for i, b := range replicas {
		for b.Content().Lesson("new-tip") == nil || b.Content().Burst("banner-burst") == nil {
			if time.Now().After(deadline) {
				t.Fatalf("replica %d never loaded the import (content version %d, database %d)", i+1, b.ContentVersion(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for {
		reps, err := cliDB.ReplicaList(ctx, time.Now().Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) == 2 && reps[0].ContentVersion == want && reps[1].ContentVersion == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("check-ins %+v, want r1 and r2 at version %d", reps, want)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Wednesday 08:31: the scheduling replica sends the burst's tip as the
	// day's prompt.
	if err := cliDB.MemberSetNextDue(ctx, cliDB, map[int64]time.Time{nurse: tuesday}); err != nil {
		t.Fatal(err)
	}
	wednesday := time.Date(2026, 11, 25, 8, 31, 0, 0, time.UTC)
	replicas[0].SetClock(func() time.Time { return wednesday })
	if err := replicas[0].Tick(ctx, wednesday); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		LessonID string `db:"lesson_id"`
		Reason   string `db:"reason"`
	}
	if err := cliDB.SelectContext(ctx, &got, cliDB.Rebind(`SELECT lesson_id, reason FROM delivery WHERE member_id = ? AND shift_date = ?`),
		nurse, "2026-11-25"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].LessonID != "new-tip" || got[0].Reason != "burst" {
		t.Errorf("Wednesday's prompt = %+v, want the burst's new-tip", got)
	}
}
