package bottest

import (
	"context"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Settle waits until b has nothing left to do now or on a retry: no answer
// waiting in the answer inbox, no job ready or running, and no message job
// (send, prompt, edit) waiting to be retried after a failure. A test that
// asserts something did not happen calls it first, instead of sleeping and
// hoping that what might happen would have happened by then. After 30 s it
// fails the test saying what is left.
func Settle(t testing.TB, b *bot.Bot) {
	t.Helper()
	SettleDB(t, b.DB)
}

// SettleDB is Settle for the bots (in this process or others) working on
// db.
func SettleDB(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		waiting, _, err := db.AnswerInboxDepth(ctx)
		if err != nil {
			t.Fatalf("answer inbox: %v", err)
		}
		busy := Count(t, db, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running')
			OR (state = 'retryable' AND kind IN (?, ?, ?))`, bot.SendArgs{}.Kind(), bot.PromptArgs{}.Kind(), bot.EditArgs{}.Kind())
		if waiting == 0 && busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			jobs, _ := db.JobCounts(ctx)
			t.Fatalf("not settled after 30 s: %d answers waiting in the inbox, jobs by state %v", waiting, jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitFor polls cond until it holds; after within it fails the test
// naming what it waited for.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Member returns the stored member of user in the workspace of a platform
// (created if new, in UTC); an error, or no such member, fails the test.
func Member(t testing.TB, db *store.DB, platform, workspace, user string) *member.Member {
	t.Helper()
	ctx := context.Background()
	ws, err := db.WorkspaceEnsure(ctx, platform, workspace, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.MemberByUser(ctx, db, ws.ID, user)
	if err != nil {
		t.Fatalf("member %s of %s %s: %v", user, platform, workspace, err)
	}
	return m
}
