package faulttest

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestSIGKILLDuringBurst sends a one-lesson burst to 2,000 members and
// SIGKILLs `huddlebot serve` five times at random points while it delivers,
// restarting it each time. The fake holds every chat.postMessage answer
// for 10 ms after posting, so most kills leave messages posted at Slack but
// not yet recorded by huddlebot; their jobs are rescued after twice
// HUDDLEBOT_JOB_TIMEOUT and must find the earlier post in
// conversations.history instead of posting again. At the end every member
// has exactly one message.
func TestSIGKILLDuringBurst(t *testing.T) {
	storetest.ParallelEachBackend(t, testSIGKILL)
}

func testSIGKILL(t *testing.T, backend store.Backend) {
	const members, kills = 2000, 5
	sd := seed(t)
	rng := rand.New(rand.NewPCG(sd, 1))
	w := newWorld(t, storetest.URL(t, backend), members, sd)
	w.proxy.set(0, 0, 10*time.Millisecond)
	if backend == store.Postgres {
		// Each kill strands the jobs in flight, and each of those must look
		// in conversations.history (50 a minute) before posting: with the
		// default 50 workers five kills cost minutes of look-ups.
		w.vars["HUDDLEBOT_WORKERS"] = "8"
	}
	srv := newServer(t, w.vars)
	srv.start()
	w.sendBurst()

	// Kill when the fake has seen a random number of posts: five sorted
	// thresholds spread over the burst, each plus a random few ms.
	thresholds := make([]int, kills)
	for i := range thresholds {
		thresholds[i] = 100 + rng.IntN(members-300)
	}
	slices.Sort(thresholds)
	ctx := context.Background()
	window := map[int64]bool{} // posted at Slack, not recorded by huddlebot when it died
	for i, at := range thresholds {
		deadline := time.Now().Add(90 * time.Second)
		for w.fake.MessageCount() < at {
			if time.Now().After(deadline) {
				t.Fatalf("kill %d: only %d of %d posts after 90s", i+1, w.fake.MessageCount(), at)
			}
			if !srv.alive() {
				t.Fatalf("kill %d: serve exited by itself", i+1)
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		srv.kill()
		posted := w.fake.ByMessageID()
		recorded := w.recordedAfterKill(ctx)
		hits := 0
		for id := range posted {
			if !recorded[id] && !window[id] {
				window[id] = true
				hits++
			}
		}
		t.Logf("kill %d at %d posts (threshold %d): %d more posted at Slack but not recorded by huddlebot", i+1, len(posted), at, hits)
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		srv.start()
	}
	drain := time.Now()
	w.waitDelivered(members, 3*time.Minute, srv.alive)
	t.Logf("after the last restart everything was delivered in %s", time.Since(drain).Round(time.Millisecond))
	// No job ready, running or waiting for a retry: a stray late post
	// would have been made.
	bottest.SettleDB(t, w.db)
	w.checkExactlyOnce()

	history := len(w.proxy.Calls("conversations.history"))
	t.Logf("%d members, %d kills, %d posts caught between Slack and the database, %d conversations.history look-ups",
		members, kills, len(window), history)
	if len(window) == 0 {
		t.Errorf("no kill landed between a post and its record: the test did not exercise the crash window")
	}
	if history < len(window) {
		t.Errorf("%d posts were cut off before being recorded but only %d history look-ups were made", len(window), history)
	}
}
