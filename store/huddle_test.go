package store_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/huddlebot/huddlebot/i18n"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// huddleFixture is a workspace with a host and n other members.
type huddleFixture struct {
	ws      int64
	host    int64
	members []int64
}

func newHuddleFixture(t *testing.T, db *store.DB, n int) huddleFixture {
	t.Helper()
	ctx := context.Background()
	// The workspace by hand: TestPollVotesMigrate uses the fixture on a
	// schema migrated part way, before workspace had all its columns.
	var wsID int64
	_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO workspace (platform, external_id, timezone, created_at)
		VALUES ('sandbox', 'local', 'UTC', 0) ON CONFLICT (platform, external_id) DO NOTHING`))
	if err == nil {
		err = db.GetContext(ctx, &wsID, `SELECT id FROM workspace WHERE platform = 'sandbox' AND external_id = 'local'`)
	}
	if err != nil {
		t.Fatal(err)
	}
	f := huddleFixture{ws: wsID}
	f.host, err = db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: wsID, UserID: "sam", Name: "Sam Reyes", Role: "nurse",
		Permissions: []member.Permission{member.PermSuperUser}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		id, err := db.MemberUpsert(ctx, db, store.MemberUpsert{WorkspaceID: wsID, UserID: fmt.Sprintf("u%03d", i), Name: fmt.Sprintf("Person %03d", i), Role: "nurse"})
		if err != nil {
			t.Fatal(err)
		}
		f.members = append(f.members, id)
	}
	return f
}

// newRaceFixture is newHuddleFixture with n voters and an open huddle, for
// tests that vote concurrently. On PostgreSQL it caps db's pool at conns:
// enough to race, as the test server's connections are shared with other
// tests.
func newRaceFixture(t *testing.T, db *store.DB, n, conns int) (huddleFixture, int64) {
	t.Helper()
	f := newHuddleFixture(t, db, n)
	if db.Backend == store.Postgres {
		db.SetMaxOpenConns(conns)
	}
	return f, f.huddle(t, db)
}

// huddleT0 is when the fixture's huddles start and its polls are created.
var huddleT0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// huddle opens huddle "H" in #4west at huddleT0 and returns its id.
func (f huddleFixture) huddle(t *testing.T, db *store.DB) int64 {
	t.Helper()
	id, err := db.HuddleCreate(context.Background(), db, store.HuddleNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host, Title: "H", StartedAt: huddleT0})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// poll creates poll "Q?" (options a, b, c, up to max chosen) in huddle hid at
// huddleT0, closing at closes (zero: when closed), and returns its id.
func (f huddleFixture) poll(t *testing.T, db *store.DB, hid int64, anon bool, max int, closes time.Time) int64 {
	t.Helper()
	id, err := db.PollCreate(context.Background(), db, store.PollNew{WorkspaceID: f.ws, HuddleID: hid, Channel: "#4west", CreatorID: f.host,
		Question: "Q?", Options: []string{"a", "b", "c"}, Kind: huddles.KindChoice, MaxChoices: max, Anonymous: anon,
		ClosesAt: closes, CreatedAt: huddleT0})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// pollTally returns poll id's tally as stored.
func pollTally(t *testing.T, db *store.DB, id int64) huddles.Tally {
	t.Helper()
	ctx := context.Background()
	p, err := db.PollGet(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	tally, err := db.PollTally(ctx, db, p)
	if err != nil {
		t.Fatal(err)
	}
	return tally
}

func TestHuddleSeries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newHuddleFixture(t, db, 0)
		tueThu := member.Weekdays(1<<time.Tuesday | 1<<time.Thursday)
		id, err := db.HuddleSeriesCreate(ctx, db, store.HuddleSeriesNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host,
			Title: "Shift change", Days: tueThu, At: 7*60 + 45, TimeZone: "America/Chicago", RemindMinutes: 15})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.HuddleSeriesCreate(ctx, db, store.HuddleSeriesNew{WorkspaceID: f.ws, Channel: "#5east", HostID: f.host,
			Title: "Other", Days: tueThu, At: 8 * 60, TimeZone: "UTC", RemindMinutes: 0}); err != nil {
			t.Fatal(err)
		}
		s, err := db.HuddleSeriesGet(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Days != tueThu || s.At != 7*60+45 || s.Location.String() != "America/Chicago" || s.HostName != "Sam Reyes" || !s.Active || s.RemindMinutes != 15 {
			t.Errorf("series = %+v", s)
		}
		list, err := db.HuddleSeriesList(ctx, db, f.ws, "#4west")
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("list #4west = %v, %v", list, err)
		}
		all, err := db.HuddleSeriesListActive(ctx, db)
		if err != nil || len(all) != 2 {
			t.Fatalf("active = %d, %v", len(all), err)
		}
		for i, want := range []bool{true, false} {
			ok, err := db.HuddleSeriesMarkReminded(ctx, db, id, "2026-03-10")
			if err != nil || ok != want {
				t.Errorf("mark reminded #%d = %v, %v; want %v", i+1, ok, err, want)
			}
		}
		if ok, _ := db.HuddleSeriesMarkReminded(ctx, db, id, "2026-03-12"); !ok {
			t.Error("next occurrence not remindable")
		}
		if ok, err := db.HuddleSeriesCancel(ctx, db, id); !ok || err != nil {
			t.Errorf("cancel = %v, %v", ok, err)
		}
		if ok, _ := db.HuddleSeriesCancel(ctx, db, id); ok {
			t.Error("cancelled twice")
		}
		if list, _ := db.HuddleSeriesList(ctx, db, f.ws, "#4west"); len(list) != 0 {
			t.Errorf("cancelled series still listed: %v", list)
		}
		if _, err := db.HuddleSeriesGet(ctx, db, 9999); !store.IsNotFound(err) {
			t.Errorf("missing series: %v", err)
		}
	})
}

func TestHuddleLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newHuddleFixture(t, db, 2)
		t0 := huddleT0
		id, err := db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host, Title: "Go-live", StartedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host, Title: "Second", StartedAt: t0})
		if !store.IsConflict(err) {
			t.Fatalf("second open huddle in the channel: %v, want conflict", err)
		}
		other, err := db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, Channel: "#5east", HostID: f.host, Title: "Elsewhere", StartedAt: t0})
		if err != nil {
			t.Fatalf("huddle in another channel: %v", err)
		}
		h, err := db.HuddleOpenIn(ctx, db, f.ws, "#4west")
		if err != nil || h.ID != id || h.HostName != "Sam Reyes" || !h.Open() || !h.StartedAt.Equal(t0) {
			t.Fatalf("open huddle = %+v, %v", h, err)
		}
		if ok, err := db.HuddleSetAgenda(ctx, db, id, "1. alert\n2. questions"); !ok || err != nil {
			t.Fatalf("agenda: %v %v", ok, err)
		}
		if err := db.HuddleSetMessage(ctx, db, id, 0); err != nil {
			t.Fatal(err)
		}
		// Attendees: the first action's time is kept.
		for _, at := range []time.Time{t0.Add(time.Minute), t0.Add(2 * time.Minute)} {
			if err := db.HuddleAttendeeAdd(ctx, db, id, f.members[0], at); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.HuddleAttendeeAdd(ctx, db, id, f.members[1], t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		as, err := db.HuddleAttendeeList(ctx, db, id)
		if err != nil || len(as) != 2 || as[0].Name != "Person 000" || !as[0].JoinedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("attendees = %+v, %v", as, err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			h, err := db.HuddleLock(ctx, tx, id)
			if err != nil || h.Agenda != "1. alert\n2. questions" {
				return fmt.Errorf("lock: %+v %v", h, err)
			}
			ok, err := db.HuddleEnd(ctx, tx, id, t0.Add(20*time.Minute))
			if !ok || err != nil {
				return fmt.Errorf("end: %v %v", ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.HuddleEnd(ctx, db, id, t0.Add(time.Hour)); ok {
			t.Error("ended twice")
		}
		if ok, _ := db.HuddleSetAgenda(ctx, db, id, "late"); ok {
			t.Error("agenda changed after the end")
		}
		if _, err := db.HuddleOpenIn(ctx, db, f.ws, "#4west"); !store.IsNotFound(err) {
			t.Errorf("open huddle after end: %v", err)
		}
		if _, err := db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host, Title: "Next", StartedAt: t0.Add(time.Hour)}); err != nil {
			t.Errorf("new huddle after the end: %v", err)
		}
		h, _ = db.HuddleGet(ctx, db, id)
		if h.Open() || !h.EndedAt.Equal(t0.Add(20*time.Minute)) {
			t.Errorf("ended huddle = %+v", h)
		}
		list, err := db.HuddleList(ctx, db, store.HuddleFilter{Since: t0.Add(time.Minute)})
		if err != nil || len(list) != 1 || list[0].Title != "Next" {
			t.Errorf("since filter = %v, %v", list, err)
		}
		list, _ = db.HuddleList(ctx, db, store.HuddleFilter{WorkspaceID: f.ws, Channel: "#5east"})
		if len(list) != 1 || list[0].ID != other {
			t.Errorf("channel filter = %v", list)
		}
	})
}

func TestPollVotes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newHuddleFixture(t, db, 3)
		t0 := huddleT0
		hid := f.huddle(t, db)
		newPoll := func(anon bool, max int) *huddles.Poll {
			p, err := db.PollGet(ctx, db, f.poll(t, db, hid, anon, max, t0.Add(10*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		multi := newPoll(false, 2)
		if !reflect.DeepEqual(multi.Options, []string{"a", "b", "c"}) || multi.MaxChoices != 2 || multi.Anonymous ||
			!multi.ClosesAt.Equal(t0.Add(10*time.Minute)) || !multi.RenderedAt.Equal(t0) || multi.HuddleID != hid {
			t.Fatalf("poll = %+v", multi)
		}
		set := func(p *huddles.Poll, v store.Voter, opts ...int) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := db.PollLock(ctx, tx, p.ID); err != nil {
					return err
				}
				return db.PollVotesSet(ctx, tx, p, v, opts)
			}); err != nil {
				t.Fatal(err)
			}
		}
		set(multi, store.Voter{MemberID: f.members[0]}, 1, 2)
		set(multi, store.Voter{MemberID: f.members[1]}, 2)
		set(multi, store.Voter{MemberID: f.members[2]}, 3)
		set(multi, store.Voter{MemberID: f.members[2]}, 1) // changed their mind
		got, err := db.PollVotesGet(ctx, db, multi, store.Voter{MemberID: f.members[0]})
		if err != nil || !reflect.DeepEqual(got, []int{1, 2}) {
			t.Errorf("votes of member 0 = %v, %v", got, err)
		}
		tally, err := db.PollTally(ctx, db, multi)
		if err != nil {
			t.Fatal(err)
		}
		if want := (huddles.Tally{Counts: []int{2, 2, 0}, Votes: 4, Voters: 3}); !reflect.DeepEqual(tally, want) {
			t.Errorf("tally = %+v, want %+v", tally, want)
		}
		names, err := db.PollVoterNames(ctx, db, multi.ID)
		if err != nil || !reflect.DeepEqual(names[2], []string{"Person 000", "Person 001"}) {
			t.Errorf("voter names = %v, %v", names, err)
		}
		n, err := db.PollVotersAmong(ctx, db, multi.ID, []store.Voter{{MemberID: f.members[0]}, {MemberID: f.host}})
		if err != nil || n != 1 {
			t.Errorf("voters among = %d, %v", n, err)
		}

		key := []byte("k")
		anon := newPoll(true, 1)
		hash := func(m int64) store.Voter { return store.Voter{Hash: huddles.VoterHash(key, anon.ID, m)} }
		set(anon, hash(f.members[0]), 1)
		set(anon, hash(f.members[1]), 1)
		set(anon, hash(f.members[1]), 3) // replaced
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return db.PollVotesSet(ctx, tx, anon, store.Voter{MemberID: f.members[2]}, []int{1})
		}); !errors.Is(err, store.ErrVoterMismatch) {
			t.Errorf("member vote on an anonymous poll: %v, want ErrVoterMismatch", err)
		}
		if _, err := db.PollVotesGet(ctx, db, multi, hash(f.members[0])); !errors.Is(err, store.ErrVoterMismatch) {
			t.Errorf("hash voter on an attributed poll: %v", err)
		}
		tally, _ = db.PollTally(ctx, db, anon)
		if want := (huddles.Tally{Counts: []int{1, 0, 1}, Votes: 2, Voters: 2}); !reflect.DeepEqual(tally, want) {
			t.Errorf("anonymous tally = %+v, want %+v", tally, want)
		}
		var nullMembers int
		if err := db.GetContext(ctx, &nullMembers, db.Rebind(`SELECT COUNT(*) FROM poll_anon_choice WHERE poll_id = ?`), anon.ID); err != nil || nullMembers != 2 {
			t.Errorf("anonymous vote rows with no member = %d, %v", nullMembers, err)
		}
		if names, _ := db.PollVoterNames(ctx, db, anon.ID); len(names) != 0 {
			t.Errorf("anonymous poll has voter names: %v", names)
		}
		if n, _ := db.PollVotersAmong(ctx, db, anon.ID, []store.Voter{hash(f.members[1]), hash(f.members[2])}); n != 1 {
			t.Errorf("anonymous voters among = %d", n)
		}
		if n, _ := db.PollVoteCount(ctx, db, anon.ID); n != 2 {
			t.Errorf("vote count = %d", n)
		}

		// Saving state and the scheduler's work list.
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			p, err := db.PollLock(ctx, tx, multi.ID)
			if err != nil {
				return err
			}
			p.Dirty = true
			p.RenderedAt = t0.Add(time.Second)
			return db.PollSave(ctx, tx, p)
		}); err != nil {
			t.Fatal(err)
		}
		ids, err := db.PollListNeedingWork(ctx, db, t0.Add(2*time.Second), 2*time.Second)
		if err != nil || len(ids) != 0 {
			t.Errorf("needing work within the interval = %v, %v", ids, err)
		}
		ids, _ = db.PollListNeedingWork(ctx, db, t0.Add(3*time.Second), 2*time.Second)
		if !reflect.DeepEqual(ids, []int64{multi.ID}) {
			t.Errorf("needing work after the interval = %v", ids)
		}
		ids, _ = db.PollListNeedingWork(ctx, db, t0.Add(10*time.Minute), 2*time.Second)
		if !reflect.DeepEqual(ids, []int64{multi.ID, anon.ID}) {
			t.Errorf("needing work at closing time = %v", ids)
		}
		polls, err := db.PollListByHuddle(ctx, db, hid)
		if err != nil || len(polls) != 2 || polls[0].ID != multi.ID || !polls[0].Dirty {
			t.Errorf("polls of huddle = %v, %v", polls, err)
		}
	})
}

// TestPollVotesConcurrent: 100 people voting at the same moment on one poll
// are all counted, exactly, on both backends and for both kinds of poll.
func TestPollVotesConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f, hid := newRaceFixture(t, db, 100, 10)
		t0 := huddleT0
		for _, anon := range []bool{false, true} {
			pid := f.poll(t, db, hid, anon, 1, time.Time{})
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, 2*len(f.members))
			// Everyone votes once; the first half also taps another option at
			// the same moment (a double tap), which must replace, not add.
			type tap struct {
				m      int64
				option int
			}
			var taps []tap
			for i, m := range f.members {
				taps = append(taps, tap{m, i%3 + 1})
			}
			for i, m := range f.members[:50] {
				taps = append(taps, tap{m, (i+1)%3 + 1})
			}
			for _, tp := range taps {
				m := tp.m
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					v := store.Voter{MemberID: m}
					if anon {
						v = store.Voter{Hash: huddles.VoterHash([]byte("key"), pid, m)}
					}
					errs <- db.Tx(ctx, func(tx *store.Tx) error {
						p, err := db.PollLock(ctx, tx, pid)
						if err != nil {
							return err
						}
						cur, err := db.PollVotesGet(ctx, tx, p, v)
						if err != nil {
							return err
						}
						next, err := p.Choose(cur, tp.option, t0)
						if err != nil {
							return err
						}
						if err := db.PollVotesSet(ctx, tx, p, v, next); err != nil {
							return err
						}
						p.Dirty = true
						return db.PollSave(ctx, tx, p)
					})
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("anonymous=%v: vote failed: %v", anon, err)
				}
			}
			tally := pollTally(t, db, pid)
			if tally.Votes != 100 || tally.Voters != 100 || tally.Counts[0]+tally.Counts[1]+tally.Counts[2] != 100 {
				t.Errorf("anonymous=%v: tally = %+v, want 100 votes from 100 people", anon, tally)
			}
			// The second half voted once each: their options are exact.
			var half []store.Voter
			for _, m := range f.members[50:] {
				if anon {
					half = append(half, store.Voter{Hash: huddles.VoterHash([]byte("key"), pid, m)})
				} else {
					half = append(half, store.Voter{MemberID: m})
				}
			}
			if n, err := db.PollVotersAmong(ctx, db, pid, half); n != 50 || err != nil {
				t.Errorf("anonymous=%v: %d of the second half counted, %v", anon, n, err)
			}
		}
	})
}

func TestHuddleQuestions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newHuddleFixture(t, db, 2)
		t0 := huddleT0
		sid, err := db.HuddleSeriesCreate(ctx, db, store.HuddleSeriesNew{WorkspaceID: f.ws, Channel: "#4west", HostID: f.host,
			Title: "S", Days: member.MonFri, At: 7 * 60, TimeZone: "UTC", RemindMinutes: 15})
		if err != nil {
			t.Fatal(err)
		}
		h1, _ := db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, SeriesID: sid, Channel: "#4west", HostID: f.host, Title: "S", StartedAt: t0})
		ask := func(h int64, member int64, text string) int64 {
			t.Helper()
			id, err := db.HuddleQuestionCreate(ctx, db, store.HuddleQuestionNew{WorkspaceID: f.ws, HuddleID: h, SeriesID: sid, MemberID: member, Text: text, CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		q1 := ask(h1, f.members[0], "open one")
		q2 := ask(h1, 0, "anonymous deferred")
		q3 := ask(h1, f.members[1], "answered")
		for i, want := range []bool{true, false} {
			if ok, err := db.HuddleQuestionPlusOne(ctx, db, q1, f.members[1], t0); ok != want || err != nil {
				t.Errorf("+1 #%d = %v, %v", i+1, ok, err)
			}
		}
		if ok, err := db.HuddleQuestionSetStatus(ctx, db, q2, huddles.QuestionOpen, huddles.QuestionDeferred, t0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, _ := db.HuddleQuestionSetStatus(ctx, db, q3, huddles.QuestionOpen, huddles.QuestionAnswered, t0); !ok {
			t.Fatal("answer")
		}
		if ok, _ := db.HuddleQuestionSetStatus(ctx, db, q3, huddles.QuestionOpen, huddles.QuestionDeferred, t0); ok {
			t.Error("status changed from a stale status")
		}
		q, err := db.HuddleQuestionGet(ctx, db, q1)
		if err != nil || q.PlusOnes != 1 || q.AskerName != "Person 000" || q.Status != huddles.QuestionOpen || q.OriginHuddleID != h1 {
			t.Fatalf("question = %+v, %v", q, err)
		}
		q, _ = db.HuddleQuestionGet(ctx, db, q2)
		if q.MemberID != 0 || q.Asker(i18n.For(i18n.Default)) != "anonymously" || q.Status != huddles.QuestionDeferred {
			t.Errorf("anonymous question = %+v", q)
		}
		if _, err := db.HuddleEnd(ctx, db, h1, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		h2, _ := db.HuddleCreate(ctx, db, store.HuddleNew{WorkspaceID: f.ws, SeriesID: sid, Channel: "#4west", HostID: f.host, Title: "S", StartedAt: t0.Add(24 * time.Hour)})
		var moved []int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			moved, err = db.HuddleQuestionCarryOver(ctx, tx, sid, h2)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(moved) != 2 {
			t.Fatalf("carried over %v, want the open and the deferred one", moved)
		}
		now, err := db.HuddleQuestionList(ctx, db, h2)
		if err != nil || len(now) != 2 || now[0].ID != q1 || now[0].OriginHuddleID != h1 || now[0].HuddleID != h2 || now[0].PlusOnes != 1 {
			t.Fatalf("questions of the next huddle = %+v, %v", now, err)
		}
		if old, _ := db.HuddleQuestionList(ctx, db, h1); len(old) != 1 || old[0].ID != q3 {
			t.Errorf("answered question left behind = %+v", old)
		}
	})
}

func TestHuddleRating(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		f := newHuddleFixture(t, db, 2)
		hid := f.huddle(t, db)
		for _, r := range []struct {
			m      int64
			rating int
		}{{f.members[0], 2}, {f.members[0], 5}, {f.members[1], 4}} {
			if err := db.HuddleRatingSet(ctx, db, f.ws, hid, r.m, r.rating); err != nil {
				t.Fatal(err)
			}
		}
		avg, n, err := db.HuddleRatingGet(ctx, db, hid)
		if err != nil || n != 2 || avg != 4.5 {
			t.Errorf("rating = %v over %d, %v; want 4.5 over 2 (a second rating replaces the first)", avg, n, err)
		}
	})
}
