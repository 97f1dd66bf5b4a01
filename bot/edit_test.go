package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// editAdapter records every edit it is handed, answers 429 to the messages
// in limited and fails those in failing, once each.
type editAdapter struct {
	mu      sync.Mutex
	limited map[int64]bool
	failing map[int64]bool
	edits   map[int64][]int // message → revisions handed over
}

func (a *editAdapter) Platform() string { return "sandbox" }

func (a *editAdapter) Deliver(_ context.Context, out *Outbound) (Sent, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.limited[out.MessageID] {
		delete(a.limited, out.MessageID)
		return Sent{}, &RateLimitError{RetryAfter: 3 * time.Second}
	}
	if a.failing[out.MessageID] {
		delete(a.failing, out.MessageID)
		return Sent{}, errors.New("internal_error")
	}
	a.edits[out.MessageID] = append(a.edits[out.MessageID], out.Revision)
	return Sent{Channel: out.PostedChannel, ID: out.PostedID}, nil
}

// TestEditMessagesBatch: one edit job brings every posted card of a batch to
// its newest revision and records them; a card whose edit was rate limited
// is left for the retry (the job snoozes for the platform's wait), which
// edits only it; a card not posted yet goes to its own send job; a card
// already showing its newest revision is not touched; a pass that landed
// some edits retries the failed ones in a second, one that landed none takes
// River's backoff.
func TestEditMessagesBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := MigrateJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		a := &editAdapter{limited: map[int64]bool{}, failing: map[int64]bool{}, edits: map[int64][]int{}}
		b := New(db, Config{DefaultTimeZone: "UTC"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		b.AddAdapter(a)
		if _, err := NewJobs(b, JobsOptions{}); err != nil {
			t.Fatal(err)
		}
		card := (&Card{Title: "Scan first", Body: "answered"}).Marshal()
		// posted = the platform has it; edited = a newer revision waits.
		mk := func(posted, edited bool) int64 {
			t.Helper()
			var id int64
			err := db.Tx(ctx, func(tx *store.Tx) error {
				var err error
				if id, err = db.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: ws.ID, Channel: "#4west", Card: card}); err != nil {
					return err
				}
				if edited {
					_, err = db.MessageUpdate(ctx, tx, id, card)
				}
				return err
			})
			if err == nil && posted {
				err = db.MessageMarkSent(ctx, id, 1, "C4WEST", "1700000000.0001")
			}
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		edit1, edit2, limited, unposted, current := mk(true, true), mk(true, true), mk(true, true), mk(false, true), mk(true, false)
		a.limited[limited] = true
		ids := []int64{edit1, edit2, limited, unposted, current}

		err = b.editMessages(ctx, ids, 1)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
			t.Fatalf("first pass: err = %v, want the platform's 3s rate limit", err)
		}
		sent := func(id int64) int {
			t.Helper()
			m, err := db.MessageGet(ctx, db, id)
			if err != nil {
				t.Fatal(err)
			}
			return m.SentRevision
		}
		for id, want := range map[int64]int{edit1: 2, edit2: 2, limited: 1, unposted: 0, current: 1} {
			if got := sent(id); got != want {
				t.Errorf("after the first pass message %d shows revision %d, want %d", id, got, want)
			}
		}
		var sends int
		if err := db.GetContext(ctx, &sends, db.Rebind(`SELECT COUNT(*) FROM river_job WHERE kind = ?`), SendArgs{}.Kind()); err != nil {
			t.Fatal(err)
		}
		if sends != 1 {
			t.Errorf("%d send jobs queued, want 1 (the card not posted yet)", sends)
		}

		if err := b.editMessages(ctx, ids, 2); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if got := sent(limited); got != 2 {
			t.Errorf("after the retry the rate-limited card shows revision %d, want 2", got)
		}
		want := map[int64]int{edit1: 1, edit2: 1, limited: 1}
		for id, revs := range a.edits {
			if len(revs) != want[id] {
				t.Errorf("message %d edited %d times (%v), want %d", id, len(revs), revs, want[id])
			}
		}

		// A failed edit next to one that landed comes back in a second; a
		// pass where nothing landed returns the error (River's backoff).
		bump := func(ids ...int64) {
			t.Helper()
			for _, id := range ids {
				if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := db.MessageUpdate(ctx, tx, id, card); return err }); err != nil {
					t.Fatal(err)
				}
			}
		}
		bump(edit1, edit2)
		a.failing[edit2] = true
		err = b.editMessages(ctx, []int64{edit1, edit2}, 3)
		if !errors.As(err, &rl) || rl.RetryAfter != editRetrySoon {
			t.Errorf("one edit landed, one failed: err = %v, want a retry in %s", err, editRetrySoon)
		}
		a.failing[edit2] = true
		if err = b.editMessages(ctx, []int64{edit1, edit2}, 4); err == nil || errors.As(err, &rl) {
			t.Errorf("no edit landed: err = %v, want the platform's error", err)
		}
		if err = b.editMessages(ctx, []int64{edit1, edit2}, 5); err != nil {
			t.Errorf("last pass: %v", err)
		}
		if got := sent(edit2); got != 3 {
			t.Errorf("after the retries the failed card shows revision %d, want 3", got)
		}
	})
}
