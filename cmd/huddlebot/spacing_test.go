package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestSpacingFit: with too few reviews "spacing fit" says so plainly and
// stores nothing; with enough it prints the log loss before and after and
// stores the weights, which serve then uses; --dry-run stores nothing.
func TestSpacingFit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.URL(t, store.SQLite)
	vars := map[string]string{"HUDDLEBOT_DATABASE_URL": url}
	fit := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, vars, append([]string{"spacing"}, args...)...)
	}
	code, out, errs := fit("fit")
	if code != exitFail || !strings.Contains(out, "Not fitted: too few reviews to fit FSRS: 0 answers") {
		t.Fatalf("empty database: exit %d, %q %q", code, out, errs)
	}
	if code, _, _ := fit("tune"); code != exitUsage {
		t.Fatalf("spacing tune: exit %d, want usage", code)
	}

	// 300 member-question pairs, each answered 6 times at growing gaps, by
	// people who forget much faster than the default weights expect.
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &lessons.Content{Roles: member.DefaultRoles}
	for i := range 10 {
		c.Lessons = append(c.Lessons, &lessons.Lesson{ID: fmt.Sprintf("q%d", i), Kind: lessons.KindQuiz, Title: "T", Roles: []string{"nurse"},
			Question: "Q?", Choices: []string{"a", "b"}, Answer: 1, Explanation: "e"})
	}
	if _, err := db.ContentImport(ctx, c); err != nil {
		t.Fatal(err)
	}
	ws, _ := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	r := rand.New(rand.NewPCG(1, 2))
	err = db.Tx(ctx, func(tx *store.Tx) error {
		for m := range 30 {
			mid, err := db.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: ws.ID, UserID: fmt.Sprint("u", m), Role: "nurse"})
			if err != nil {
				return err
			}
			for q := range 10 {
				day := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
				for k, gap := range []int{0, 2, 5, 12, 25, 50} {
					day = day.AddDate(0, 0, gap)
					ids, err := db.DeliveryCreateMany(ctx, tx, []store.DeliveryNew{{WorkspaceID: ws.ID, MemberID: mid,
						LessonID: fmt.Sprintf("q%d", q), LessonVersion: 1, Reason: "review", ShiftDate: day.Format("2006-01-02"),
						DedupeKey: fmt.Sprint(m, q, k)}})
					if err != nil {
						return err
					}
					right := r.Float64() < 0.45
					if _, err := db.AnswerRecordMany(ctx, tx, []*store.Answer{{DeliveryID: ids[0], WorkspaceID: ws.ID, MemberID: mid,
						LessonID: fmt.Sprintf("q%d", q), LessonVersion: 1, Choice: 1, Correct: right, AnsweredAt: day}}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = fit("fit", "--steps", "15", "--dry-run")
	if code != exitOK || !strings.Contains(out, "1500 reviews") || !strings.Contains(out, "Dry run: nothing stored") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	if _, err := db.FSRSParamsLatest(ctx, db); !store.IsNotFound(err) {
		t.Fatalf("dry run stored weights: %v", err)
	}
	code, out, errs = fit("fit", "--steps", "15")
	if code != exitOK || !strings.Contains(out, "with the default weights") || !strings.Contains(out, "Stored as fit 1") {
		t.Fatalf("fit: exit %d\n%s%s", code, out, errs)
	}
	stored, err := db.FSRSParamsLatest(ctx, db)
	if err != nil || stored.Reviews != 1500 || !(stored.LossAfter < stored.LossBefore) || stored.Params == lessons.DefaultFSRSParams {
		t.Fatalf("stored fit %+v, %v", stored, err)
	}
	t.Log(out)

	// serve picks the stored weights up.
	_, _, logs := startTestMain(t, store.SQLite, map[string]string{"HUDDLEBOT_DATABASE_URL": url, "HUDDLEBOT_SPACING": "fsrs"})
	if !strings.Contains(logs.String(), "fsrs_weights=\"fit 1 (1500 reviews") {
		t.Fatalf("serve did not load the fit:\n%s", logs)
	}
}
