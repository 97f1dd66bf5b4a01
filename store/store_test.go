package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(string(b), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, b)
			for i := 0; i < 2; i++ {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				applied, err := db.Migrate(ctx)
				if err != nil {
					t.Fatalf("migrate run %d: %v", i+1, err)
				}
				if i == 0 && len(applied) == 0 {
					t.Fatal("first migrate applied nothing")
				}
				if i == 1 && len(applied) != 0 {
					t.Fatalf("second migrate applied %v", applied)
				}
				ok, err := db.MigrationsCurrent(ctx)
				if err != nil || !ok {
					t.Fatalf("MigrationsCurrent = %v, %v", ok, err)
				}
				db.Close()
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"mysql://x", "sqlite:", "huddlebot.db"} {
		if _, err := store.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func seedContent(t *testing.T, db *store.DB, ls ...*lessons.Lesson) {
	t.Helper()
	if _, err := db.ContentImport(context.Background(), &lessons.Content{Lessons: ls, Roles: member.DefaultRoles}); err != nil {
		t.Fatal(err)
	}
}

// sandbox returns the sandbox workspace (UTC), creating it.
func sandbox(t *testing.T, db *store.DB) *store.Workspace {
	t.Helper()
	ws, err := db.WorkspaceEnsure(context.Background(), "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// seedNurse seeds content ls and returns the sandbox workspace and its
// member U1, a nurse.
func seedNurse(t *testing.T, db *store.DB, ls ...*lessons.Lesson) (*store.Workspace, int64) {
	t.Helper()
	seedContent(t, db, ls...)
	ws := sandbox(t, db)
	id, err := db.MemberUpsert(context.Background(), db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "U1", Role: "nurse"})
	if err != nil {
		t.Fatal(err)
	}
	return ws, id
}

func quiz(id string) *lessons.Lesson {
	return &lessons.Lesson{ID: id, Kind: lessons.KindQuiz, Title: "T " + id, Roles: []string{"nurse"},
		Question: "Q?", Choices: []string{"a", "b"}, Answer: 1, Explanation: "because"}
}

func TestMemberUpsertAndUpdate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "America/Chicago")
		if err != nil {
			t.Fatal(err)
		}
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "U1", Name: "Ana", Role: "nurse",
			Department: "4west", Permissions: []member.Permission{member.PermSuperUser}})
		if err != nil {
			t.Fatal(err)
		}
		id2, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: "U1", Name: "Ana B", Role: "nurse", Department: "5east"})
		if err != nil || id2 != id {
			t.Fatalf("re-upsert: id %d vs %d, %v", id2, id, err)
		}
		m, err := db.MemberGet(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != "Ana B" || m.Department != "5east" || !m.Has(member.PermSuperUser) || !m.Joined {
			t.Fatalf("member after re-import: %+v", m)
		}
		if m.Schedule.Location.String() != "America/Chicago" || m.Schedule.DeliveryTime != member.DefaultDeliveryTime ||
			m.Schedule.WorkDays != member.MonFri {
			t.Fatalf("defaults: %+v", m.Schedule)
		}
		tz, dt := "Asia/Kolkata", member.Clock(22*60)
		if err := db.MemberUpdate(ctx, db, id, store.MemberSettings{TimeZone: &tz, DeliveryTime: &dt}); err != nil {
			t.Fatal(err)
		}
		m, _ = db.MemberGet(ctx, db, id)
		if m.Schedule.Location.String() != tz || m.Schedule.DeliveryTime != dt {
			t.Fatalf("update: %+v", m.Schedule)
		}
		if err := db.MemberUpdate(ctx, db, 9999, store.MemberSettings{TimeZone: &tz}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing member: %v", err)
		}
		if _, err := db.MemberByUser(ctx, db, ws.ID, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing member: %v", err)
		}
		list, err := db.MemberList(ctx, db, store.MemberFilter{WorkspaceID: ws.ID, Permission: member.PermSuperUser})
		if err != nil || len(list) != 1 {
			t.Fatalf("list super users: %d, %v", len(list), err)
		}
	})
}

func TestContentImportVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		a, b := quiz("a"), quiz("b")
		res, err := db.ContentImport(ctx, &lessons.Content{Lessons: []*lessons.Lesson{a, b}, Roles: member.DefaultRoles})
		if err != nil || len(res.Added) != 2 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		a2 := quiz("a")
		a2.Explanation = "better explanation"
		res, err = db.ContentImport(ctx, &lessons.Content{Lessons: []*lessons.Lesson{a2}, Roles: append(member.DefaultRoles, "pharmacist")})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changed) != 1 || res.Changed[0] != "a" || len(res.Retired) != 1 || res.Retired[0] != "b" {
			t.Fatalf("second import: %+v", res)
		}
		old, err := db.LessonVersionGet(ctx, "a", 1)
		if err != nil || old.Explanation != "because" {
			t.Fatalf("version 1 kept: %+v %v", old, err)
		}
		c, err := db.ContentLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Lessons) != 1 || c.Lessons[0].Version != 2 || c.Lessons[0].Explanation != "better explanation" {
			t.Fatalf("loaded: %+v", c.Lessons)
		}
		found := false
		for _, r := range c.Roles {
			found = found || r == "pharmacist"
		}
		if !found {
			t.Fatalf("roles.yaml roles not kept: %v", c.Roles)
		}
		// Unchanged re-import changes nothing.
		res, err = db.ContentImport(ctx, &lessons.Content{Lessons: []*lessons.Lesson{quiz("a")}, Roles: member.DefaultRoles})
		if err != nil || len(res.Changed) != 1 {
			// quiz("a") differs from a2 again: a third version.
			t.Fatalf("third import: %+v %v", res, err)
		}
		if n, _ := db.LessonVersions(ctx, "a"); n != 3 {
			t.Fatalf("versions = %d", n)
		}
	})
}

func TestDeliveryDedupeAndFirstAnswerCounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, mid := seedNurse(t, db, quiz("q1"), quiz("q2"))
		var ids []int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			ids, err = db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Reason: "role", ShiftDate: "2026-11-24", Scheduled: true},
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Reason: "role", ShiftDate: "2026-11-24", Scheduled: true},
				// a second scheduled prompt for the same day is refused too
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q2", LessonVersion: 1, Reason: "role", ShiftDate: "2026-11-24", Scheduled: true},
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q2", LessonVersion: 1, Reason: "on-demand", ShiftDate: "2026-11-24", DedupeKey: "od:1"},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] == 0 || ids[1] != 0 || ids[2] != 0 || ids[3] == 0 {
			t.Fatalf("ids = %v", ids)
		}
		// 20 concurrent answers to one delivery: exactly one is recorded.
		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(choice int) {
				defer wg.Done()
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if _, err := db.DeliveryLockForAnswer(ctx, tx, ids[0]); err != nil {
						return err
					}
					ok, err := db.AnswerRecord(ctx, tx, &store.Answer{DeliveryID: ids[0], WorkspaceID: ws.ID, MemberID: mid,
						LessonID: "q1", LessonVersion: 1, Choice: choice%2 + 1, Correct: choice%2 == 0, AnsweredAt: time.Now()})
					if ok {
						mu.Lock()
						recorded++
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if recorded != 1 {
			t.Fatalf("recorded %d answers, want 1", recorded)
		}
		d, err := db.DeliveryGet(ctx, db, ids[0])
		if err != nil || d.Status != store.DeliveryAnswered {
			t.Fatalf("delivery: %+v %v", d, err)
		}
		pd, err := db.PlanDataLoad(ctx, db, map[int64]string{mid: "2026-11-24"})
		if err != nil {
			t.Fatal(err)
		}
		if !pd[mid].Seen["q1"] || pd[mid].Seen["q2"] || !pd[mid].HasScheduled || !pd[mid].RecentlySent["q2"] {
			t.Fatalf("plan data: %+v", pd[mid])
		}
		// The open on-demand prompt expires; the answered one does not.
		var n int64
		err = db.Tx(ctx, func(tx *store.Tx) error {
			n, err = db.DeliveryExpireOpen(ctx, tx, []int64{mid}, nil, time.Now())
			return err
		})
		if err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		// A later answer to the same lesson is attempt 2.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := db.AnswerRecord(ctx, tx, &store.Answer{DeliveryID: ids[3], WorkspaceID: ws.ID, MemberID: mid,
				LessonID: "q1", LessonVersion: 1, Choice: 1, Correct: true, AnsweredAt: time.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range map[int]int{0: 1, 3: 2} {
			if a, err := db.AnswerGet(ctx, db, ids[i]); err != nil || a.Attempt != want {
				t.Fatalf("answer to delivery %d: %+v %v, want attempt %d", i, a, err, want)
			}
		}
	})
}

func TestNextDueAndListDue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws := sandbox(t, db)
		now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
		next := map[int64]time.Time{}
		for i := 0; i < 5; i++ {
			id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: string(rune('A' + i)), Role: "nurse"})
			if err != nil {
				t.Fatal(err)
			}
			next[id] = now.Add(time.Duration(i-2) * time.Hour)
		}
		if err := db.MemberSetNextDue(ctx, db, next); err != nil {
			t.Fatal(err)
		}
		due, _, err := db.MemberListDueAfter(ctx, now, store.DueCursor{}, 100)
		if err != nil || len(due) != 3 {
			t.Fatalf("due = %d, %v", len(due), err)
		}
		page, _, err := db.MemberListDueAfter(ctx, now, store.DueCursor{}, 2)
		if err != nil || len(page) != 2 || page[0].ID != due[0].ID {
			t.Fatalf("first page: %v %v", page, err)
		}
		if err := db.MemberSetNextDue(ctx, db, map[int64]time.Time{page[0].ID: now.Add(time.Hour), page[1].ID: time.Time{}}); err != nil {
			t.Fatal(err)
		}
		page, _, err = db.MemberListDueAfter(ctx, now, store.DueCursor{}, 2)
		if err != nil || len(page) != 1 || page[0].ID != due[2].ID {
			t.Fatalf("after scheduling the first two: %v %v", page, err)
		}
	})
}

func TestEventSeenOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		for i, want := range []bool{false, true, true} {
			seen, err := db.EventSeen(ctx, "slack", "Ev123")
			if err != nil || seen != want {
				t.Fatalf("call %d: seen=%v err=%v", i, seen, err)
			}
		}
	})
}

func TestConflictMapped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws := sandbox(t, db)
		_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO channel (workspace_id, name, created_at) VALUES (?, 'x', 0)`), ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO channel (workspace_id, name, created_at) VALUES (?, 'x', 0)`), ws.ID)
			return err
		})
		if !store.IsConflict(err) {
			t.Fatalf("duplicate insert: %v, want ErrConflict", err)
		}
	})
}

func TestEventPrune(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return old }
		if _, err := db.EventSeen(ctx, "slack", "Ev-old"); err != nil {
			t.Fatal(err)
		}
		db.Now = time.Now
		if _, err := db.EventSeen(ctx, "slack", "Ev-new"); err != nil {
			t.Fatal(err)
		}
		if err := db.EventPrune(ctx, time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if seen, _ := db.EventSeen(ctx, "slack", "Ev-new"); !seen {
			t.Error("recent event forgotten")
		}
		if seen, _ := db.EventSeen(ctx, "slack", "Ev-old"); seen {
			t.Error("old event kept")
		}
	})
}

// The replay record and a queued answer are written together: a replayed
// event queues nothing, and an event whose click does not qualify is
// still recorded.
func TestAnswerInboxAddSeen(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		ws, mid := seedNurse(t, db, quiz("q1"))
		var ids []int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			ids, err = db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{
				{WorkspaceID: ws.ID, MemberID: mid, LessonID: "q1", LessonVersion: 1, Reason: "role", ShiftDate: "2026-11-24", Scheduled: true},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for i, c := range []struct {
			event, user  string
			queued, dup  bool
			waitingAfter int
		}{
			{"ev1", "U1", true, false, 1},
			{"ev1", "U1", false, true, 1},       // the same event again: nothing
			{"ev2", "U-other", false, false, 1}, // someone else's question: not queued, but recorded
			{"ev2", "U1", false, true, 1},
		} {
			queued, dup, err := db.AnswerInboxAddSeen(ctx, "teams", c.event, ws.ID, c.user, ids[0], 1, now, "")
			if err != nil || queued != c.queued || dup != c.dup {
				t.Fatalf("%d: queued=%v replay=%v err=%v, want %v %v", i, queued, dup, err, c.queued, c.dup)
			}
			if waiting, _, _ := db.AnswerInboxDepth(ctx); waiting != c.waitingAfter {
				t.Fatalf("%d: %d answers waiting, want %d", i, waiting, c.waitingAfter)
			}
		}
		if seen, _ := db.EventSeen(ctx, "teams", "ev2"); !seen {
			t.Fatal("the event of a click that did not qualify was not recorded")
		}
		if w, err := db.AnswerInboxWaiting(ctx); err != nil || !w {
			t.Fatalf("AnswerInboxWaiting = %v, %v", w, err)
		}
	})
}
