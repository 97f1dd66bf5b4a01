package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestPollVoteCastRacesClose: votes cast while the poll closes are each
// either counted or refused as closed, and the tally the closing
// transaction sees (what the final card shows) is the final tally: no vote
// lands after the close. Both kinds of poll, both backends.
func TestPollVoteCastRacesClose(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		const voters = 120
		f, hid := newRaceFixture(t, db, voters, 16)
		key := []byte("k")
		for round := 0; round < 4; round++ {
			anon := round%2 == 1
			pid := f.poll(t, db, hid, anon, 1, time.Time{})
			var (
				wg        sync.WaitGroup
				mu        sync.Mutex
				counted   = make([]int, 3)
				refused   int
				closeSaw  huddles.Tally
				start     = make(chan struct{})
				voteCount = make(chan struct{}, voters)
			)
			for i, m := range f.members {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res, err := db.PollVoteCast(ctx, store.VoteCast{PollID: pid, MemberID: m, Key: key, Option: i%3 + 1, Now: huddleT0,
						AttendHuddle: map[bool]int64{false: hid}[anon]})
					voteCount <- struct{}{}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, huddles.ErrPollClosed):
						refused++
					case err != nil:
						t.Errorf("vote: %v", err)
					case !reflect.DeepEqual(res.After, []int{i%3 + 1}) || len(res.Before) != 0:
						t.Errorf("vote %d: %v → %v", i, res.Before, res.After)
					default:
						counted[i%3]++
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range voters / 3 { // close once a third of the votes are back
					<-voteCount
				}
				if err := db.Tx(ctx, func(tx *store.Tx) error {
					p, err := db.PollLock(ctx, tx, pid)
					if err != nil {
						return err
					}
					p.ClosedAt = huddleT0
					if closeSaw, err = db.PollTally(ctx, tx, p); err != nil {
						return err
					}
					return db.PollSave(ctx, tx, p)
				}); err != nil {
					t.Error(err)
				}
			}()
			close(start)
			wg.Wait()
			final := pollTally(t, db, pid)
			t.Logf("anonymous=%v: %d counted, %d refused as closed", anon, final.Voters, refused)
			if !reflect.DeepEqual(final, closeSaw) {
				t.Errorf("anonymous=%v: final tally %+v, but the close saw %+v: a vote landed after the close", anon, final, closeSaw)
			}
			if !reflect.DeepEqual(final.Counts, counted) || final.Voters+refused != voters {
				t.Errorf("anonymous=%v: tally %+v, votes told counted %v, %d refused", anon, final, counted, refused)
			}
		}
	})
}

// TestPollVoteCastRacesChanges: each voter taps several options at the same
// moment. Single choice: exactly one vote each. Multiple choice (up to 2 of
// 3): exactly two each, the third tap refused — never three, never a lost
// toggle. Both kinds of poll, both backends.
func TestPollVoteCastRacesChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		const voters = 60
		f, hid := newRaceFixture(t, db, voters, 16)
		key := []byte("k")
		for _, tc := range []struct {
			anon bool
			max  int
		}{{false, 1}, {true, 1}, {false, 2}, {true, 2}} {
			pid := f.poll(t, db, hid, tc.anon, tc.max, time.Time{})
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			tooMany := 0
			for _, m := range f.members {
				for o := 1; o <= 3; o++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, err := db.PollVoteCast(ctx, store.VoteCast{PollID: pid, MemberID: m, Key: key, Option: o, Now: huddleT0})
						var tm *huddles.TooManyError
						switch {
						case errors.As(err, &tm):
							mu.Lock()
							tooMany++
							mu.Unlock()
						case err != nil:
							t.Errorf("vote: %v", err)
						}
					}()
				}
			}
			close(start)
			wg.Wait()
			p, err := db.PollGet(ctx, db, pid)
			if err != nil {
				t.Fatal(err)
			}
			tally := pollTally(t, db, pid)
			name := fmt.Sprintf("anonymous=%v max=%d", tc.anon, tc.max)
			if tally.Voters != voters || tally.Votes != voters*tc.max {
				t.Errorf("%s: tally %+v, want %d votes from %d people", name, tally, voters*tc.max, voters)
			}
			if tc.max == 2 && tooMany != voters {
				t.Errorf("%s: %d taps refused as too many, want one per voter (%d)", name, tooMany, voters)
			}
			for _, m := range f.members {
				v := store.Voter{MemberID: m}
				if tc.anon {
					v = store.Voter{Hash: huddles.VoterHash(key, pid, m)}
				}
				got, err := db.PollVotesGet(ctx, db, p, v)
				if err != nil || len(got) != tc.max {
					t.Errorf("%s: member %d holds %v, %v", name, m, got, err)
					break
				}
			}
		}
	})
}

// TestPollVotesMigrate: votes stored before migration 0012 (one row per
// option, attributed by member or anonymous by keyed voter hash) survive it
// on both backends: the same voters hold the same options, the keyed hash
// still finds an anonymous voter's options (so one vote per person still
// holds), and the old table is gone.
func TestPollVotesMigrate(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.URL(t, backend))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.MigrateUpTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			f := newHuddleFixture(t, db, 3)
			hid := f.huddle(t, db)
			attr, anon := f.poll(t, db, hid, false, 3, time.Time{}), f.poll(t, db, hid, true, 3, time.Time{})
			key := []byte("k")
			old := func(poll int64, member int64, hash string, option int) {
				t.Helper()
				var m, h any
				if hash != "" {
					h = hash
				} else {
					m = member
				}
				if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO vote (poll_id, member_id, voter_hash, option) VALUES (?, ?, ?, ?)`),
					poll, m, h, option); err != nil {
					t.Fatal(err)
				}
			}
			old(attr, f.members[0], "", 1)
			old(attr, f.members[0], "", 3)
			old(attr, f.members[1], "", 2)
			old(anon, 0, huddles.VoterHash(key, anon, f.members[0]), 2)
			old(anon, 0, huddles.VoterHash(key, anon, f.members[1]), 1)
			old(anon, 0, huddles.VoterHash(key, anon, f.members[1]), 3)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				poll int64
				v    store.Voter
				want []int
			}{
				{attr, store.Voter{MemberID: f.members[0]}, []int{1, 3}},
				{attr, store.Voter{MemberID: f.members[1]}, []int{2}},
				{attr, store.Voter{MemberID: f.members[2]}, nil},
				{anon, store.Voter{Hash: huddles.VoterHash(key, anon, f.members[0])}, []int{2}},
				{anon, store.Voter{Hash: huddles.VoterHash(key, anon, f.members[1])}, []int{1, 3}},
				{anon, store.Voter{Hash: huddles.VoterHash(key, anon, f.members[2])}, nil},
			} {
				p, err := db.PollGet(ctx, db, c.poll)
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.PollVotesGet(ctx, db, p, c.v)
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Errorf("poll %d voter %+v: %v, %v; want %v", c.poll, c.v, got, err, c.want)
				}
			}
			for _, c := range []struct {
				poll int64
				want huddles.Tally
			}{
				{attr, huddles.Tally{Counts: []int{1, 1, 1}, Votes: 3, Voters: 2}},
				{anon, huddles.Tally{Counts: []int{1, 1, 1}, Votes: 3, Voters: 2}},
			} {
				p, _ := db.PollGet(ctx, db, c.poll)
				if got, err := db.PollTally(ctx, db, p); err != nil || !reflect.DeepEqual(got, c.want) {
					t.Errorf("poll %d tally %+v, %v; want %+v", c.poll, got, err, c.want)
				}
			}
			// A migrated anonymous voter is still one voter: a new tap toggles
			// their migrated choice instead of adding a second ballot.
			res, err := db.PollVoteCast(ctx, store.VoteCast{PollID: anon, MemberID: f.members[0], Key: key, Option: 2, Now: huddleT0})
			if err != nil || !reflect.DeepEqual(res.Before, []int{2}) || len(res.After) != 0 {
				t.Errorf("tap on a migrated anonymous vote: %+v, %v", res, err)
			}
			var n int
			if err := db.GetContext(ctx, &n, `SELECT COUNT(*) FROM vote`); err == nil {
				t.Error("the old vote table is still there")
			}
		})
	}
}

// TestPollVoteCastMany: one batch (one transaction) of taps from many
// voters, in which one voter changes their vote twice, another withdraws
// and re-picks on a multiple-choice poll up to its limit, and a tap comes
// for an option the poll does not have: each tap is decided on what the
// taps before it in the batch left, the replies (Before/After/Err) are what
// each voter would have been told one tap at a time, and the stored tally
// is exact. A batch on a closed poll changes nothing and refuses every tap.
// Both kinds of poll, both backends.
func TestPollVoteCastMany(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f, hid := newRaceFixture(t, db, 40, 8)
		key := []byte("k")
		for _, anon := range []bool{false, true} {
			attend := hid
			if anon {
				attend = 0
			}
			tap := func(pid int64, m int64, o int) store.VoteCast {
				return store.VoteCast{PollID: pid, MemberID: m, Key: key, Option: o, Now: huddleT0, AttendHuddle: attend}
			}
			// Single choice: 40 voters; voter 0 votes a, changes to b, then c.
			single := f.poll(t, db, hid, anon, 1, time.Time{})
			var casts []store.VoteCast
			for i, m := range f.members {
				casts = append(casts, tap(single, m, i%3+1))
				if i == 10 {
					casts = append(casts, tap(single, f.members[0], 2), tap(single, f.members[0], 2), tap(single, f.members[0], 3))
				}
			}
			casts = append(casts, tap(single, f.members[1], 4)) // no such option
			res, err := db.PollVoteCastMany(ctx, casts)
			if err != nil {
				t.Fatal(err)
			}
			type reply struct {
				Before, After []int
				Err           error
			}
			norm := func(o []int) []int {
				if len(o) == 0 {
					return nil
				}
				return o
			}
			got := func(r store.VoteCastResult) reply { return reply{norm(r.Before), norm(r.After), r.Err} }
			want := map[int]reply{
				0:  {nil, []int{1}, nil},
				11: {[]int{1}, []int{2}, nil},
				12: {[]int{2}, []int{2}, nil}, // "You already voted"
				13: {[]int{2}, []int{3}, nil},
				14: {nil, []int{3}, nil}, // voter 11, unaffected
			}
			for i, w := range want {
				if g := got(res[i]); !reflect.DeepEqual(g, w) {
					t.Errorf("anonymous=%v: tap %d: %+v, want %+v", anon, i, g, w)
				}
			}
			if last := res[len(res)-1]; !errors.Is(last.Err, huddles.ErrNoSuchOption) {
				t.Errorf("anonymous=%v: tap on option 4 of 3: %+v, want ErrNoSuchOption", anon, last)
			}
			for i, r := range res {
				if r.Poll == nil || r.Poll.ID != single {
					t.Fatalf("anonymous=%v: tap %d has no poll", anon, i)
				}
			}
			tally := pollTally(t, db, single)
			// Voters 1..39 vote i%3+1; voter 0 ends on c.
			wantCounts := []int{13, 13, 14}
			if tally.Voters != 40 || tally.Votes != 40 || !reflect.DeepEqual(tally.Counts, wantCounts) {
				t.Errorf("anonymous=%v: tally %+v, want counts %v from 40 people", anon, tally, wantCounts)
			}
			p, err := db.PollGet(ctx, db, single)
			if err != nil {
				t.Fatal(err)
			}
			v := store.Voter{MemberID: f.members[0]}
			if anon {
				v = store.Voter{Hash: huddles.VoterHash(key, single, f.members[0])}
			}
			if opts, err := db.PollVotesGet(ctx, db, p, v); err != nil || !reflect.DeepEqual(opts, []int{3}) {
				t.Errorf("anonymous=%v: voter 0 holds %v, %v; want [3]", anon, opts, err)
			}
			if !p.Dirty {
				t.Errorf("anonymous=%v: the batch did not mark the card stale", anon)
			}

			// Multiple choice, up to 2: a, b, a third pick refused, b off,
			// c on — and another voter's taps interleaved.
			multi := f.poll(t, db, hid, anon, 2, time.Time{})
			a, b := f.members[0], f.members[1]
			res, err = db.PollVoteCastMany(ctx, []store.VoteCast{
				tap(multi, a, 1), tap(multi, b, 3), tap(multi, a, 2), tap(multi, a, 3), tap(multi, a, 2), tap(multi, a, 3), tap(multi, b, 3),
			})
			if err != nil {
				t.Fatal(err)
			}
			var tm *huddles.TooManyError
			if !errors.As(res[3].Err, &tm) || tm.Max != 2 || res[3].After != nil {
				t.Errorf("anonymous=%v: third pick: %+v, want TooManyError{2}", anon, got(res[3]))
			}
			for i, w := range []reply{{nil, []int{1}, nil}, {nil, []int{3}, nil}, {[]int{1}, []int{1, 2}, nil}, {}, {[]int{1, 2}, []int{1}, nil},
				{[]int{1}, []int{1, 3}, nil}, {[]int{3}, nil, nil}} {
				if i == 3 {
					continue
				}
				if g := got(res[i]); !reflect.DeepEqual(g, w) {
					t.Errorf("anonymous=%v: multi tap %d: %+v, want %+v", anon, i, g, w)
				}
			}
			if tally := pollTally(t, db, multi); tally.Voters != 1 || tally.Votes != 2 || !reflect.DeepEqual(tally.Counts, []int{1, 0, 1}) {
				t.Errorf("anonymous=%v: multi tally %+v, want a and c from one voter (the other withdrew)", anon, tally)
			}

			// A closed poll: every tap refused, nothing stored.
			closed := f.poll(t, db, hid, anon, 1, time.Time{})
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				p, err := db.PollLock(ctx, tx, closed)
				if err != nil {
					return err
				}
				p.ClosedAt = huddleT0
				return db.PollSave(ctx, tx, p)
			}); err != nil {
				t.Fatal(err)
			}
			res, err = db.PollVoteCastMany(ctx, []store.VoteCast{tap(closed, a, 1), tap(closed, b, 2)})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if !errors.Is(r.Err, huddles.ErrPollClosed) {
					t.Errorf("anonymous=%v: tap %d on a closed poll: %+v", anon, i, got(r))
				}
			}
			if tally := pollTally(t, db, closed); tally.Voters != 0 {
				t.Errorf("anonymous=%v: a closed poll took votes: %+v", anon, tally)
			}
		}
		// Attributed voters became attendees once; anonymous ones never.
		if n := countRows(t, db, `SELECT COUNT(*) FROM huddle_attendee WHERE huddle_id = ?`, hid); n != 40 {
			t.Errorf("%d attendees, want the 40 attributed voters", n)
		}
		if _, err := db.PollVoteCastMany(ctx, []store.VoteCast{{PollID: 1, MemberID: f.members[0], Option: 1}, {PollID: 2, MemberID: f.members[0], Option: 1}}); err == nil {
			t.Error("a batch over two polls was taken")
		}
	})
}
