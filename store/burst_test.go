package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// burstFixture is a workspace with n nurses and a two-lesson burst (a tip
// and a quiz) imported.
type burstFixture struct {
	ws      *store.Workspace
	members []int64
	burst   *lessons.Burst
}

func newBurstFixture(t *testing.T, db *store.DB, n int) *burstFixture {
	t.Helper()
	ctx := context.Background()
	tip := &lessons.Lesson{ID: "chat-tip", Kind: lessons.KindTip, Title: "Secure chat", Body: "Use it."}
	q := &lessons.Lesson{ID: "chat-quiz", Kind: lessons.KindQuiz, Title: "Orders in chat?", Question: "May you order in chat?",
		Choices: []string{"No", "Yes"}, Answer: 1, Explanation: "Orders go in the order entry."}
	b := &lessons.Burst{ID: "chat-launch", Title: "Secure chat", Roles: []string{"nurse"}, Lessons: []string{"chat-tip", "chat-quiz"},
		Pace: lessons.PaceAllAtOnce}
	if _, err := db.ContentImport(ctx, &lessons.Content{Lessons: []*lessons.Lesson{tip, q}, Bursts: []*lessons.Burst{b},
		Roles: member.DefaultRoles}); err != nil {
		t.Fatal(err)
	}
	ws := sandbox(t, db)
	f := &burstFixture{ws: ws, burst: b}
	err := db.Tx(ctx, func(tx *store.Tx) error {
		f.members = f.members[:0]
		for i := 0; i < n; i++ {
			id, err := db.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: ws.ID, UserID: fmt.Sprintf("N%03d", i), Role: "nurse"})
			if err != nil {
				return err
			}
			f.members = append(f.members, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// items is one item per member x lesson of the fixture's burst.
func (f *burstFixture) items() []store.BurstItemNew {
	var out []store.BurstItemNew
	for _, m := range f.members {
		for i, l := range f.burst.Lessons {
			out = append(out, store.BurstItemNew{MemberID: m, LessonID: l, Seq: i + 1, AvailableDate: "2026-06-15"})
		}
	}
	return out
}

// send records the fixture's burst as one transaction, as `burst send`
// does, and returns whether it created the send and how many items it added.
func (f *burstFixture) send(ctx context.Context, db *store.DB) (bool, int, error) {
	var created bool
	var added int
	err := db.Tx(ctx, func(tx *store.Tx) error {
		send, c, err := db.BurstSendEnsure(ctx, tx, store.BurstSendNew{WorkspaceID: f.ws.ID, BurstID: f.burst.ID,
			Pace: f.burst.Pace, StartAt: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		n, err := db.BurstItemAddMany(ctx, tx, send, f.items())
		created, added = c, n
		return err
	})
	return created, added, err
}

func countRows(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, db.Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBurstSendTwiceAddsNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newBurstFixture(t, db, 300) // 600 items: more than one insert batch
		created, added, err := f.send(ctx, db)
		if err != nil || !created || added != 600 {
			t.Fatalf("first send: created=%v added=%d err=%v, want a new send with 600 items", created, added, err)
		}
		created, added, err = f.send(ctx, db)
		if err != nil || created || added != 0 {
			t.Fatalf("second send: created=%v added=%d err=%v, want the same send and nothing added", created, added, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM burst_item`); n != 600 {
			t.Fatalf("%d burst items after sending twice, want 600", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM burst_send`); n != 1 {
			t.Fatalf("%d burst sends, want 1", n)
		}
		send, err := db.BurstSendGet(ctx, db, f.ws.ID, f.burst.ID)
		if err != nil || send.Status != store.BurstActive || send.Pace != lessons.PaceAllAtOnce || send.StartAt.Hour() != 10 {
			t.Fatalf("BurstSendGet = %+v, %v", send, err)
		}
		if _, err := db.BurstSendGet(ctx, db, f.ws.ID, "never-sent"); !store.IsNotFound(err) {
			t.Fatalf("BurstSendGet(never sent) = %v, want not found", err)
		}
		list, err := db.BurstSendList(ctx, db, f.ws.ID)
		if err != nil || len(list) != 1 || list[0].ID != send.ID {
			t.Fatalf("BurstSendList = %+v, %v", list, err)
		}
	})
}

// TestBurstSendConcurrently sends the same burst from several transactions
// at once (two trainers, or a double-clicked command): one send, one item
// per member x lesson. On PostgreSQL the transactions really overlap.
func TestBurstSendConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newBurstFixture(t, db, 300)
		const senders = 6
		var wg sync.WaitGroup
		results := make(chan [2]int, senders)
		errs := make(chan error, senders)
		start := make(chan struct{})
		for i := 0; i < senders; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				created, added, err := f.send(ctx, db)
				if err != nil {
					errs <- err
					return
				}
				c := 0
				if created {
					c = 1
				}
				results <- [2]int{c, added}
			}()
		}
		close(start)
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent send: %v", err)
		}
		creators, added := 0, 0
		for r := range results {
			creators += r[0]
			added += r[1]
		}
		if creators != 1 || added != 600 {
			t.Fatalf("%d senders created the send and %d items were added in all; want 1 and 600", creators, added)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM burst_item`); n != 600 {
			t.Fatalf("%d burst items, want 600", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM (SELECT member_id, lesson_id FROM burst_item GROUP BY member_id, lesson_id HAVING COUNT(*) > 1) x`); n != 0 {
			t.Fatalf("%d member x lesson pairs doubled", n)
		}
	})
}

// TestBurstLifecycle walks one send through delivery, companions, answers,
// stats and cancel.
func TestBurstLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newBurstFixture(t, db, 3)
		if _, _, err := f.send(ctx, db); err != nil {
			t.Fatal(err)
		}
		send, err := db.BurstSendGet(ctx, db, f.ws.ID, f.burst.ID)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := db.BurstItemListPending(ctx, db, send.ID, f.members[:2])
		if err != nil || len(pending) != 4 || pending[0].MemberID != f.members[0] || pending[0].LessonID != "chat-tip" || pending[1].Seq != 2 {
			t.Fatalf("BurstItemListPending = %+v, %v", pending, err)
		}
		// The planner-style first item of member 0 and 1 goes out: the tip.
		now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
		deliver := func(member int64, lesson string) int64 {
			t.Helper()
			var did int64
			err := db.Tx(ctx, func(tx *store.Tx) error {
				ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: f.ws.ID, MemberID: member, LessonID: lesson,
					LessonVersion: 1, Reason: "burst", BurstID: f.burst.ID, ShiftDate: "2026-06-15",
					DedupeKey: fmt.Sprintf("%d:burst:%s:%s", member, f.burst.ID, lesson)}})
				if err != nil {
					return err
				}
				did = ids[0]
				msg, err := db.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: f.ws.ID, MemberID: member, Channel: "dm", Card: "{}"})
				if err != nil {
					return err
				}
				if err := db.DeliverySetMessage(ctx, tx, did, msg); err != nil {
					return err
				}
				if err := db.BurstItemMarkDeliveredMany(ctx, tx, send.ID, []store.BurstItemLink{{MemberID: member, LessonID: lesson, DeliveryID: did}}); err != nil {
					return err
				}
				if lesson == "chat-tip" || member == f.members[0] {
					return db.DeliveryMarkSent(ctx, tx, msg, now)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return did
		}
		tip0 := deliver(f.members[0], "chat-tip")
		deliver(f.members[1], "chat-tip")

		active, err := db.BurstSendListActive(ctx, db, lessons.PaceAllAtOnce)
		if err != nil || len(active) != 1 || active[0].ID != send.ID {
			t.Fatalf("BurstSendListActive = %+v, %v", active, err)
		}
		if daily, _ := db.BurstSendListActive(ctx, db, lessons.PaceDaily); len(daily) != 0 {
			t.Fatalf("active daily sends: %+v", daily)
		}
		comps, err := db.BurstItemListCompanions(ctx, db, send, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(comps) != 2 {
			t.Fatalf("companions = %+v, want the quizzes of the two members who got the tip", comps)
		}
		for _, c := range comps {
			if c.Item.LessonID != "chat-quiz" || c.BurstID != f.burst.ID || c.Member == nil || c.Member.ID != c.Item.MemberID ||
				c.Member.Role != "nurse" || c.Item.SendID != send.ID {
				t.Fatalf("companion %+v (member %+v)", c, c.Member)
			}
		}
		if more, _ := db.BurstItemListCompanions(ctx, db, send, comps[1].Item.ID, 100); len(more) != 0 {
			t.Fatalf("companions after the last id: %+v", more)
		}

		quiz0 := deliver(f.members[0], "chat-quiz")
		quiz1 := deliver(f.members[1], "chat-quiz") // recorded, not yet sent
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := db.DeliveryAck(ctx, tx, tip0, now); err != nil {
				return err
			}
			_, err := db.AnswerRecord(ctx, tx, &store.Answer{DeliveryID: quiz0, WorkspaceID: f.ws.ID, MemberID: f.members[0],
				LessonID: "chat-quiz", LessonVersion: 1, Choice: 1, Correct: true, AnsweredAt: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		st, err := db.BurstStatsGet(ctx, db, f.ws.ID, f.burst.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.BurstLessonStats{
			{LessonID: "chat-tip", Seq: 1, Targeted: 3, Pending: 1, Sent: 2, Seen: 2, Acked: 1},
			{LessonID: "chat-quiz", Seq: 2, Targeted: 3, Pending: 1, Sent: 1, Seen: 1, Answered: 1, Correct: 1},
		}
		if len(st.Lessons) != 2 || st.Lessons[0] != want[0] || st.Lessons[1] != want[1] {
			t.Fatalf("stats per lesson:\n got %+v\nwant %+v", st.Lessons, want)
		}
		if st.Members != 3 || st.Reached != 2 || st.Total.Targeted != 6 || st.Total.Sent != 3 || st.Total.Pending != 2 || st.Total.Correct != 1 {
			t.Fatalf("stats: members=%d reached=%d total=%+v", st.Members, st.Reached, st.Total)
		}

		// Cancel stops the two pending items and the prompt not yet sent.
		var res *store.BurstCancelResult
		err = db.Tx(ctx, func(tx *store.Tx) error {
			res, err = db.BurstSendCancel(ctx, tx, f.ws.ID, f.burst.ID, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		d1, _ := db.DeliveryGet(ctx, db, quiz1)
		if res.Items != 2 || res.Deliveries != 1 || len(res.MessageIDs) != 1 || res.MessageIDs[0] != d1.MessageID {
			t.Fatalf("cancel = %+v, want 2 items, 1 delivery (message %d)", res, d1.MessageID)
		}
		if d1.Status != store.DeliveryCancelled {
			t.Fatalf("unsent burst prompt is %s after cancel", d1.Status)
		}
		if d, _ := db.DeliveryGet(ctx, db, tip0); d.Status != store.DeliverySent {
			t.Fatalf("a sent burst prompt changed to %s on cancel", d.Status)
		}
		if comps, _ := db.BurstItemListCompanions(ctx, db, send, 0, 100); len(comps) != 0 {
			t.Fatalf("companions of a cancelled send: %+v", comps)
		}
		if active, _ := db.BurstSendListActive(ctx, db, lessons.PaceAllAtOnce); len(active) != 0 {
			t.Fatalf("a cancelled send is still active: %+v", active)
		}
		st, _ = db.BurstStatsGet(ctx, db, f.ws.ID, f.burst.ID)
		if st.Send.Status != store.BurstCancelled || st.Send.CancelledAt.IsZero() || st.Total.Pending != 0 || st.Total.Cancelled != 3 || st.Total.Sent != 3 {
			t.Fatalf("after cancel: send %+v total %+v", st.Send, st.Total)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			res, err = db.BurstSendCancel(ctx, tx, f.ws.ID, f.burst.ID, now)
			return err
		})
		if err != nil || res.Items != 0 || res.Deliveries != 0 {
			t.Fatalf("second cancel = %+v, %v; want nothing changed", res, err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := db.BurstSendCancel(ctx, tx, f.ws.ID, "never-sent", now)
			return err
		})
		if !store.IsNotFound(err) {
			t.Fatalf("cancel of a burst never sent = %v, want not found", err)
		}
		if _, err := db.BurstStatsGet(ctx, db, f.ws.ID, "never-sent"); !store.IsNotFound(err) {
			t.Fatalf("stats of a burst never sent = %v, want not found", err)
		}
	})
}
