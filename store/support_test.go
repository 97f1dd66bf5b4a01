package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
	"github.com/huddlebot/huddlebot/support"
)

// supportFixture is a workspace with an asker on 4west and super-users.
type supportFixture struct {
	ws                 *store.Workspace
	nina, sam, sue, ed int64
}

func newSupportFixture(t *testing.T, db *store.DB) supportFixture {
	t.Helper()
	ctx := context.Background()
	ws := sandbox(t, db)
	su := []member.Permission{member.PermSuperUser}
	add := func(uid, name, dept string, perms []member.Permission, onDuty bool) int64 {
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: ws.ID, UserID: uid, Name: name, Role: "nurse",
			Department: dept, Permissions: perms})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MemberUpdate(ctx, db, id, store.MemberSettings{OnDuty: &onDuty}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	f := supportFixture{ws: ws}
	f.nina = add("nina", "Nina Patel", "4west", nil, true) // on duty but no permission: never a helper
	f.sam = add("sam", "Sam Reyes", "4west", su, true)
	f.sue = add("sue", "Sue Park", "4west", su, true)
	f.ed = add("ed", "Ed Novak", "5east", su, false)
	add("tara", "Tara Jones", "education", []member.Permission{member.PermTrainer}, true)
	return f
}

func (f supportFixture) ask(t *testing.T, db *store.DB, at time.Time, level support.Level, escalateAt time.Time) int64 {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = db.SupportQuestionCreate(context.Background(), tx, store.SupportQuestionNew{WorkspaceID: f.ws.ID,
			AskerMemberID: f.nina, Department: "4west", Text: "How do I reprint a wristband? call [redacted]", Redacted: true,
			Level: level, EscalateAt: escalateAt, At: at})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var supT0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestSupportQuestionLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newSupportFixture(t, db)

		helpers, err := db.SupportHelperList(ctx, db, f.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, h := range helpers {
			names = append(names, h.Name)
		}
		// Ed is off duty, Nina holds no permission; trainers count as super-users.
		if !slices.Equal(names, []string{"Sam Reyes", "Sue Park", "Tara Jones"}) {
			t.Fatalf("helpers = %v", names)
		}
		if helpers[0].Duty != nil || helpers[0].Schedule.WorkStart != member.DefaultWorkStart {
			t.Fatalf("sam's duty = %+v, schedule %+v", helpers[0].Duty, helpers[0].Schedule)
		}
		if err := db.MemberSetDutyHours(ctx, db, f.sam, &support.Hours{Start: 19 * 60, End: 7 * 60}); err != nil {
			t.Fatal(err)
		}
		if h, err := db.MemberDutyHours(ctx, db, f.sam); err != nil || h == nil || *h != (support.Hours{Start: 19 * 60, End: 7 * 60}) {
			t.Fatalf("duty hours = %+v, %v", h, err)
		}
		helpers, _ = db.SupportHelperList(ctx, db, f.ws.ID)
		if helpers[0].Duty == nil || helpers[0].Duty.End != 7*60 {
			t.Fatalf("helper duty = %+v", helpers[0].Duty)
		}
		if err := db.MemberSetDutyHours(ctx, db, f.sam, nil); err != nil {
			t.Fatal(err)
		}
		if h, _ := db.MemberDutyHours(ctx, db, f.sam); h != nil {
			t.Fatalf("cleared duty hours = %+v", h)
		}

		id := f.ask(t, db, supT0, support.LevelDepartment, supT0.Add(10*time.Minute))
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for _, m := range []int64{f.sam, f.sue} {
				ok, err := db.SupportRouteAdd(ctx, tx, store.SupportRoute{QuestionID: id, MemberID: m, Level: 0, MessageID: 0}, supT0)
				if err != nil || !ok {
					return fmt.Errorf("route to %d: %v %w", m, ok, err)
				}
			}
			if ok, err := db.SupportRouteAdd(ctx, tx, store.SupportRoute{QuestionID: id, MemberID: f.sam, Level: 1}, supT0); err != nil || ok {
				return fmt.Errorf("second route to sam: %v %w", ok, err)
			}
			return db.SupportQuestionSetMessages(ctx, tx, id, 0, 0)
		})
		if err != nil {
			t.Fatal(err)
		}
		routes, err := db.SupportRouteList(ctx, db, id)
		if err != nil || len(routes) != 2 || routes[0].MemberID != f.sam || routes[1].MemberID != f.sue {
			t.Fatalf("routes = %+v, %v", routes, err)
		}

		// Not due before its deadline; due after.
		due, err := db.SupportQuestionListDue(ctx, db, supT0.Add(9*time.Minute), 0)
		if err != nil || len(due) != 0 {
			t.Fatalf("due early = %v, %v", due, err)
		}
		due, _ = db.SupportQuestionListDue(ctx, db, supT0.Add(10*time.Minute), 0)
		if len(due) != 1 || due[0].ID != id || due[0].Level != support.LevelDepartment {
			t.Fatalf("due = %+v", due)
		}

		// Escalating applies once, however many schedulers try.
		esc := store.SupportEscalation{ID: id, FromLevel: 0, FromDue: due[0].EscalateAt, Level: support.LevelOthers,
			EscalateAt: supT0.Add(20 * time.Minute), At: supT0.Add(10 * time.Minute)}
		for i, want := range []bool{true, false} {
			var ok bool
			err := db.Tx(ctx, func(tx *store.Tx) (err error) { ok, err = db.SupportQuestionEscalate(ctx, tx, esc); return })
			if err != nil || ok != want {
				t.Fatalf("escalate #%d = %v, %v", i+1, ok, err)
			}
		}
		q, err := db.SupportQuestionGet(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if q.Level != support.LevelOthers || !q.EscalatedAt.Equal(supT0.Add(10*time.Minute)) || !q.EscalateAt.Equal(supT0.Add(20*time.Minute)) ||
			q.Status != store.SupportOpen || !q.Redacted || q.Department != "4west" {
			t.Fatalf("after escalation: %+v", q)
		}

		// Claim, resolve, rate, tag.
		var claimed bool
		err = db.Tx(ctx, func(tx *store.Tx) (err error) {
			claimed, err = db.SupportQuestionClaim(ctx, tx, id, f.sue, supT0.Add(12*time.Minute))
			return
		})
		if err != nil || !claimed {
			t.Fatalf("claim = %v, %v", claimed, err)
		}
		if due, _ := db.SupportQuestionListDue(ctx, db, supT0.Add(time.Hour), 0); len(due) != 0 {
			t.Fatalf("a claimed question is still due: %+v", due)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if ok, err := db.SupportQuestionRate(ctx, tx, id, 4); err != nil || ok {
				return fmt.Errorf("rating an unresolved question: %v %v", ok, err)
			}
			if ok, err := db.SupportQuestionResolve(ctx, tx, id, f.nina, supT0.Add(30*time.Minute)); err != nil || !ok {
				return fmt.Errorf("resolve: %v %v", ok, err)
			}
			if ok, err := db.SupportQuestionResolve(ctx, tx, id, f.sue, supT0.Add(31*time.Minute)); err != nil || ok {
				return fmt.Errorf("second resolve: %v %v", ok, err)
			}
			if ok, err := db.SupportQuestionRate(ctx, tx, id, 4); err != nil || !ok {
				return fmt.Errorf("rate: %v %v", ok, err)
			}
			if ok, err := db.SupportQuestionRate(ctx, tx, id, 1); err != nil || ok {
				return fmt.Errorf("second rating: %v %v", ok, err)
			}
			if _, err := db.SupportQuestionRate(ctx, tx, id, 6); err == nil {
				return fmt.Errorf("rating 6 accepted")
			}
			if _, err := db.SupportMessageAdd(ctx, tx, store.SupportMessage{QuestionID: id, FromMemberID: f.sue,
				Text: "Use Print > Wristband", CreatedAt: supT0.Add(13 * time.Minute)}); err != nil {
				return err
			}
			return db.SupportQuestionSetTags(ctx, tx, id, []string{"bcma", "registration"})
		})
		if err != nil {
			t.Fatal(err)
		}
		q, _ = db.SupportQuestionGet(ctx, db, id)
		if q.Status != store.SupportResolved || q.ClaimerMemberID != f.sue || q.ResolvedBy != f.nina || q.Rating != 4 ||
			!q.ClaimedAt.Equal(supT0.Add(12*time.Minute)) || !q.ResolvedAt.Equal(supT0.Add(30*time.Minute)) ||
			!slices.Equal(q.Tags, []string{"bcma", "registration"}) {
			t.Fatalf("resolved question: %+v", q)
		}
		msgs, err := db.SupportMessageList(ctx, db, id)
		if err != nil || len(msgs) != 1 || msgs[0].Text != "Use Print > Wristband" || !msgs[0].CreatedAt.Equal(supT0.Add(13*time.Minute)) {
			t.Fatalf("messages = %+v, %v", msgs, err)
		}

		// The report sees it with names and times; filters narrow it.
		rows, err := db.SupportReportList(ctx, store.SupportReportFilter{})
		if err != nil || len(rows) != 1 || rows[0].ClaimerName != "Sue Park" || rows[0].AskerRole != "nurse" || rows[0].Platform != "sandbox" {
			t.Fatalf("report = %+v, %v", rows, err)
		}
		for _, f := range []store.SupportReportFilter{{Since: supT0.Add(time.Minute)}, {Department: "5east"}, {Role: "billing"}, {Workspace: "T123"}} {
			if rows, err := db.SupportReportList(ctx, f); err != nil || len(rows) != 0 {
				t.Errorf("report %+v = %d rows, %v", f, len(rows), err)
			}
		}
		if rows, _ := db.SupportReportList(ctx, store.SupportReportFilter{Since: supT0, Department: "4west", Role: "nurse", Workspace: "local"}); len(rows) != 1 {
			t.Errorf("report with matching filters = %d rows", len(rows))
		}
	})
}

// TestSupportQuestionClaimRace: several people claim the same question at
// the same moment, each in their own transaction; exactly one wins and the
// others see who did.
func TestSupportQuestionClaimRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newSupportFixture(t, db)
		claimers := []int64{f.sam, f.sue, f.ed}
		for round := 0; round < 5; round++ {
			id := f.ask(t, db, supT0, 0, supT0.Add(10*time.Minute))
			var wg sync.WaitGroup
			start := make(chan struct{})
			won := make([]bool, len(claimers))
			seen := make([]int64, len(claimers))
			errs := make([]error, len(claimers))
			for i, m := range claimers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
						ok, err := db.SupportQuestionClaim(ctx, tx, id, m, supT0.Add(time.Minute))
						if err != nil {
							return err
						}
						won[i] = ok
						q, err := db.SupportQuestionGet(ctx, tx, id)
						if err != nil {
							return err
						}
						seen[i] = q.ClaimerMemberID
						return nil
					})
				}()
			}
			close(start)
			wg.Wait()
			winners := 0
			var winner int64
			for i := range claimers {
				if errs[i] != nil {
					t.Fatalf("round %d claimer %d: %v", round, i, errs[i])
				}
				if won[i] {
					winners++
					winner = claimers[i]
				}
			}
			if winners != 1 {
				t.Fatalf("round %d: %d winners", round, winners)
			}
			for i := range claimers {
				if seen[i] != winner {
					t.Errorf("round %d: claimer %d saw claimer %d, winner %d", round, i, seen[i], winner)
				}
			}
		}
	})
}
