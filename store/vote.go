package store

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/lib/pq"
	"modernc.org/sqlite"
)

// Votes (migration 0012). An attributed vote is one poll_ballot row per
// (poll, member) with the chosen options as a bit set. An anonymous vote is
// a poll_anon_voter row (huddles.VoterTag) and one poll_anon_choice row per
// option chosen (huddles.ChoiceTag): no member, no time, no serial id, and
// nothing that ties a voter's choices to them or to one another without the
// vote key. A vote never writes the poll's row; it shares its lock (FOR
// SHARE) so that closing the poll — which takes it exclusively — waits for
// the votes in flight and refuses the ones after.

func init() {
	// The SQLite migration derives the anonymous tags from the keyed voter
	// hashes stored before 0012; SQLite has no SHA-256 of its own.
	sqlite.MustRegisterDeterministicScalarFunction("huddlebot_sha256_hex", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var in []byte
			switch v := args[0].(type) {
			case string:
				in = []byte(v)
			case []byte:
				in = v
			default:
				return nil, fmt.Errorf("huddlebot_sha256_hex: want text, got %T", v)
			}
			sum := sha256.Sum256(in)
			return hex.EncodeToString(sum[:]), nil
		})
}

// Voter is who casts a vote: a member on an attributed poll, or, on an
// anonymous poll, only huddles.VoterHash of the poll and member (which is
// never stored; the tags derived from it are). Exactly one field is set.
type Voter struct {
	MemberID int64
	Hash     string
}

// ErrVoterMismatch refuses a member voter on an anonymous poll (or a hash
// on an attributed one): an anonymous vote must never store a member.
var ErrVoterMismatch = errors.New("voter does not match the poll's anonymity")

// ErrNoVoteKey refuses a vote on an anonymous poll when no vote key is set:
// without it there is no hash to store in place of the member.
var ErrNoVoteKey = errors.New("anonymous poll but no vote key")

func checkVoter(p *huddles.Poll, v Voter) error {
	if (v.MemberID != 0) == (v.Hash != "") || p.Anonymous != (v.Hash != "") {
		return fmt.Errorf("poll %d: %w", p.ID, ErrVoterMismatch)
	}
	return nil
}

// pollLockClass namespaces the advisory lock that orders votes against
// changes to a poll ("HDPL"): every vote holds it shared, PollLock holds it
// exclusively.
const pollLockClass = 0x4844504c

// pollShare takes the poll's advisory lock shared until tx ends, on
// PostgreSQL: any number of votes hold it at once, a close (PollLock) waits
// for the votes in flight, and a vote that waited for a close reads the
// closed poll in its next statement. It lives in the lock manager's memory:
// unlike FOR SHARE on the poll's row it writes nothing, so a thousand
// holders do not build ever-longer multixacts. SQLite serialises writers.
func (s *DB) pollShare(ctx context.Context, tx *Tx, pollID int64) error {
	return s.pollAdvisoryLock(ctx, tx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, "vote on", pollID)
}

// pollExclusive takes the poll's advisory lock exclusively until tx ends
// (see pollShare).
func (s *DB) pollExclusive(ctx context.Context, tx *Tx, pollID int64) error {
	return s.pollAdvisoryLock(ctx, tx, `SELECT pg_advisory_xact_lock($1, $2)`, "lock", pollID)
}

// pollAdvisoryLock runs lock, a pg_advisory_xact_lock function taking
// (class, key), for the poll on PostgreSQL; the error says what it did
// ("vote on poll 7").
func (s *DB) pollAdvisoryLock(ctx context.Context, tx *Tx, lock, what string, pollID int64) error {
	if s.Backend != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, lock, pollLockClass, int32(pollID)); err != nil {
		return fmt.Errorf("%s poll %d: %w", what, pollID, s.mapErr(err))
	}
	return nil
}

// PollVotesGet returns the options (1-based, sorted) a voter has chosen.
func (s *DB) PollVotesGet(ctx context.Context, q Queryer, p *huddles.Poll, v Voter) ([]int, error) {
	if err := checkVoter(p, v); err != nil {
		return nil, err
	}
	if v.Hash != "" {
		return s.anonChoices(ctx, q, p, v.Hash)
	}
	c, err := s.ballotChoices(ctx, q, p.ID, v.MemberID)
	return huddles.ChoiceOptions(c), err
}

func (s *DB) ballotChoices(ctx context.Context, q Queryer, pollID, memberID int64) (int64, error) {
	var c []int64
	if err := q.SelectContext(ctx, &c, s.Rebind(`SELECT choices FROM poll_ballot WHERE poll_id = ? AND member_id = ?`), pollID, memberID); err != nil {
		return 0, fmt.Errorf("get ballot on poll %d: %w", pollID, s.mapErr(err))
	}
	if len(c) == 0 {
		return 0, nil
	}
	return c[0], nil
}

// anonChoices finds which of the poll's options carry this voter's choice
// tag: one probe per option, since nothing else links the rows to them.
func (s *DB) anonChoices(ctx context.Context, q Queryer, p *huddles.Poll, voterHash string) ([]int, error) {
	var conds []string
	args := []any{p.ID}
	for o := 1; o <= len(p.Options); o++ {
		conds = append(conds, "(option = ? AND tag = ?)")
		args = append(args, o, huddles.ChoiceTag(voterHash, o))
	}
	var opts []int
	if err := q.SelectContext(ctx, &opts, s.Rebind(`SELECT option FROM poll_anon_choice WHERE poll_id = ? AND (`+
		strings.Join(conds, " OR ")+`) ORDER BY option`), args...); err != nil {
		return nil, fmt.Errorf("get votes on poll %d: %w", p.ID, s.mapErr(err))
	}
	return opts, nil
}

// PollVotesSet replaces a voter's choices on a poll with options (none =
// withdraw). Call it under PollLock and mark the poll Dirty as usual; votes
// cast by people go through PollVoteCast, which needs no exclusive lock.
func (s *DB) PollVotesSet(ctx context.Context, tx *Tx, p *huddles.Poll, v Voter, options []int) error {
	if err := checkVoter(p, v); err != nil {
		return err
	}
	if v.Hash != "" {
		before, err := s.anonChoices(ctx, tx, p, v.Hash)
		if err != nil {
			return err
		}
		return s.anonApply(ctx, tx, p.ID, v.Hash, before, options)
	}
	return s.exec(ctx, tx, fmt.Sprintf("set votes on poll %d", p.ID),
		`INSERT INTO poll_ballot (poll_id, member_id, choices) VALUES (?, ?, ?)
		ON CONFLICT (poll_id, member_id) DO UPDATE SET choices = excluded.choices`, p.ID, v.MemberID, huddles.Choices(options))
}

// anonApply turns an anonymous voter's choices from before into after:
// choice tags out and in, and the voter tag while they have any choice.
func (s *DB) anonApply(ctx context.Context, tx *Tx, pollID int64, voterHash string, before, after []int) error {
	for _, o := range before {
		if !slices.Contains(after, o) {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM poll_anon_choice WHERE poll_id = ? AND option = ? AND tag = ?`),
				pollID, o, huddles.ChoiceTag(voterHash, o)); err != nil {
				return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
			}
		}
	}
	for _, o := range after {
		if !slices.Contains(before, o) {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO poll_anon_choice (poll_id, option, tag) VALUES (?, ?, ?)`),
				pollID, o, huddles.ChoiceTag(voterHash, o)); err != nil {
				return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
			}
		}
	}
	var err error
	switch tag := huddles.VoterTag(voterHash); {
	case len(before) == 0 && len(after) > 0:
		_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO poll_anon_voter (poll_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`), pollID, tag)
	case len(before) > 0 && len(after) == 0:
		_, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM poll_anon_voter WHERE poll_id = ? AND tag = ?`), pollID, tag)
	}
	if err != nil {
		return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
	}
	return nil
}

// markStale notes that the poll's card is behind its votes. When the mark
// is already there (the common case under load) this writes nothing and
// waits for nobody.
func (s *DB) markStale(ctx context.Context, tx *Tx, pollID int64) error {
	return s.exec(ctx, tx, fmt.Sprintf("mark poll %d stale", pollID),
		`INSERT INTO poll_stale (poll_id) VALUES (?) ON CONFLICT DO NOTHING`, pollID)
}

// VoteCast is one tap on a poll's option.
type VoteCast struct {
	PollID   int64
	MemberID int64
	Key      []byte // the vote key; an anonymous poll stores only what it derives
	Option   int    // 1-based
	Now      time.Time
	// AttendHuddle, if set, records the member as an attendee of that huddle
	// together with an attributed vote (never with an anonymous one).
	AttendHuddle int64
}

// VoteCastResult is what a tap did.
type VoteCastResult struct {
	Poll          *huddles.Poll // as it was when the vote was applied
	Before, After []int         // the voter's options, sorted
	// Err is why this tap was refused, changing nothing (PollVoteCastMany):
	// huddles.ErrPollClosed, huddles.ErrNoSuchOption, a
	// *huddles.TooManyError or ErrNoVoteKey.
	Err error
}

// errBallotMoved is a batch's compare-and-set losing to a close, a change
// of anonymity or the same voter's tap through another transaction (another
// replica): read and decide again.
var errBallotMoved = errors.New("ballot moved")

// PollVoteCast applies one voter's tap as Poll.Choose decides it (single
// choice: replace; multiple choice: toggle within MaxChoices); it is
// PollVoteCastMany with one tap. It returns huddles.ErrPollClosed,
// huddles.ErrNoSuchOption, a *huddles.TooManyError or ErrNoVoteKey, changing
// nothing, when the tap is refused; Before equals After when it changed
// nothing.
func (s *DB) PollVoteCast(ctx context.Context, c VoteCast) (VoteCastResult, error) {
	res, err := s.PollVoteCastMany(ctx, []VoteCast{c})
	if err != nil {
		return VoteCastResult{}, err
	}
	return res[0], res[0].Err
}

// PollVoteCastMany applies taps on one poll, in order, in one transaction,
// without any poll-wide exclusive lock: a group commit of the taps that
// arrived together. Each tap is decided by Poll.Choose on the voter's
// choices as the taps before it in the batch left them, so one voter's taps
// keep their order. The transaction
//
//   - on an anonymous poll, first serialises these voters' taps against
//     other transactions (PostgreSQL advisory locks on their hashes, held by
//     nothing stored);
//   - shares the poll's advisory lock (so a close waits for it, and it reads
//     a close that committed before it), then reads the poll and the voters'
//     current choices;
//   - writes each voter's net change in one statement per table: attributed
//     ballots by an upsert that is also a compare-and-set on the ballots it
//     read (a miss — another replica's tap on the same ballot — rolls back,
//     reads and decides again), attendees, anonymous tags; and marks the
//     poll's card stale for the coalesced render.
//
// A refused tap has Err set (see VoteCastResult) and changes nothing. The
// error is a failure of the whole batch (nothing was applied), or a tap of
// another poll. All taps are committed when it returns nil.
func (s *DB) PollVoteCastMany(ctx context.Context, casts []VoteCast) ([]VoteCastResult, error) {
	if len(casts) == 0 {
		return nil, nil
	}
	pollID := casts[0].PollID
	for _, c := range casts {
		if c.PollID != pollID {
			return nil, fmt.Errorf("vote on polls %d and %d in one batch", pollID, c.PollID)
		}
	}
	for attempt := 0; ; attempt++ {
		var res []VoteCastResult
		err := s.Tx(ctx, func(tx *Tx) error {
			var err error
			res, err = s.castBatch(ctx, tx, pollID, casts)
			return err
		})
		if !errors.Is(err, errBallotMoved) {
			return res, err
		}
		if attempt == 20 {
			return nil, fmt.Errorf("vote on poll %d: gave up after %d conflicting attempts", pollID, attempt+1)
		}
	}
}

// batchVoter is one voter's choices as a batch goes: as read, and as the
// batch's taps so far leave them.
type batchVoter struct {
	member     int64
	hash       string // anonymous polls
	attend     int64  // the huddle to record them as attending, if any
	attendAt   time.Time
	read, cur  []int
	readBallot int64 // attributed: the ballot as read (the compare-and-set)
}

func (s *DB) castBatch(ctx context.Context, tx *Tx, pollID int64, casts []VoteCast) ([]VoteCastResult, error) {
	var r pollRow
	if err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT `+pollCols+` FROM poll WHERE id = ?`), pollID); err != nil {
		return nil, fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
	}
	anon := r.Anonymous
	res := make([]VoteCastResult, len(casts))
	voters := map[int64]*batchVoter{}
	var order []*batchVoter // first tap first: statements list voters in one order
	for i, c := range casts {
		if anon && len(c.Key) == 0 {
			res[i].Err = fmt.Errorf("poll %d: %w", pollID, ErrNoVoteKey)
			continue
		}
		if voters[c.MemberID] == nil {
			v := &batchVoter{member: c.MemberID}
			if anon {
				v.hash = huddles.VoterHash(c.Key, pollID, c.MemberID)
			}
			voters[c.MemberID] = v
			order = append(order, v)
		}
	}
	if anon && s.Backend == Postgres && len(order) > 0 {
		// Always in the same (sorted) order, so that two batches sharing
		// voters cannot each hold a lock the other waits for.
		keys := make([]int64, 0, len(order))
		for _, v := range order {
			sum := sha256.Sum256([]byte("lock:" + v.hash))
			keys = append(keys, int64(int32(binary.BigEndian.Uint32(sum[:4]))))
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, k::integer) FROM unnest($2::bigint[]) AS k`,
			voteLockClass, pq.Array(keys)); err != nil {
			return nil, fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
		}
	}
	if err := s.pollShare(ctx, tx, pollID); err != nil {
		return nil, err
	}
	if err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT `+pollCols+` FROM poll WHERE id = ?`), pollID); err != nil {
		return nil, fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
	}
	p, err := r.toPoll()
	if err != nil {
		return nil, err
	}
	if p.Anonymous != anon {
		return nil, errBallotMoved // anonymity changed before the lock
	}
	if err := s.readVoters(ctx, tx, p, order); err != nil {
		return nil, err
	}
	for i, c := range casts {
		res[i].Poll = p
		if res[i].Err != nil {
			continue
		}
		v := voters[c.MemberID]
		res[i].Before = slices.Clone(v.cur)
		after, err := p.Choose(v.cur, c.Option, c.Now)
		if err != nil {
			res[i].Err = err
			res[i].After = nil
			continue
		}
		res[i].After = after
		if !slices.Equal(v.cur, after) && c.AttendHuddle != 0 && !anon && v.attend == 0 {
			v.attend, v.attendAt = c.AttendHuddle, c.Now
		}
		v.cur = after
	}
	var changed []*batchVoter
	for _, v := range order {
		if !slices.Equal(v.read, v.cur) {
			changed = append(changed, v)
		}
	}
	if len(changed) == 0 {
		return res, nil
	}
	if anon {
		err = s.anonApplyMany(ctx, tx, pollID, changed)
	} else {
		err = s.ballotsApply(ctx, tx, pollID, changed)
	}
	if err != nil {
		return nil, err
	}
	return res, s.markStale(ctx, tx, pollID)
}

// readVoters reads the batch's voters' current choices in one statement.
func (s *DB) readVoters(ctx context.Context, tx *Tx, p *huddles.Poll, vs []*batchVoter) error {
	if len(vs) == 0 {
		return nil
	}
	if p.Anonymous {
		// One exact probe per voter and option: nothing else links the rows
		// to them.
		byTag := map[string]*batchVoter{}
		var probes anonProbes
		for _, v := range vs {
			for o := 1; o <= len(p.Options); o++ {
				tag := huddles.ChoiceTag(v.hash, o)
				byTag[tag] = v
				probes.add(o, tag)
			}
		}
		var rows []struct {
			Option int    `db:"option"`
			Tag    string `db:"tag"`
		}
		query, args := s.anonRows("SELECT c.option, c.tag FROM", p.ID, probes)
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(query+` ORDER BY c.option`), args...); err != nil {
			return fmt.Errorf("get votes on poll %d: %w", p.ID, s.mapErr(err))
		}
		for _, r := range rows {
			if v := byTag[r.Tag]; v != nil {
				v.read = append(v.read, r.Option)
			}
		}
	} else {
		ids := make([]int64, len(vs))
		byID := map[int64]*batchVoter{}
		for i, v := range vs {
			ids[i] = v.member
			byID[v.member] = v
		}
		in, args := s.inIDs(ids)
		var rows []struct {
			Member  int64 `db:"member_id"`
			Choices int64 `db:"choices"`
		}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT member_id, choices FROM poll_ballot WHERE poll_id = ? AND member_id `+in),
			append([]any{p.ID}, args...)...); err != nil {
			return fmt.Errorf("get ballots on poll %d: %w", p.ID, s.mapErr(err))
		}
		for _, r := range rows {
			if v := byID[r.Member]; v != nil {
				v.readBallot = r.Choices
				v.read = huddles.ChoiceOptions(r.Choices)
			}
		}
	}
	for _, v := range vs {
		v.cur = slices.Clone(v.read)
	}
	return nil
}

// anonProbes are (option, choice tag) pairs to find among a poll's
// anonymous choices.
type anonProbes struct {
	options []int64
	tags    []string
}

func (a *anonProbes) add(option int, tag string) {
	a.options = append(a.options, int64(option))
	a.tags = append(a.tags, tag)
}

// anonRows returns a statement on the rows of poll pollID's anonymous
// choices that match probes — verb is "SELECT c.option, c.tag FROM" or
// "DELETE FROM" — and its arguments. On PostgreSQL it joins two array
// parameters (one statement shape, planned cheaply however many probes); on
// SQLite it lists the pairs.
func (s *DB) anonRows(verb string, pollID int64, probes anonProbes) (string, []any) {
	if s.Backend == Postgres {
		join, on := "JOIN", "ON"
		if strings.HasPrefix(verb, "DELETE") {
			join, on = "USING", "WHERE"
		}
		return verb + ` poll_anon_choice c ` + join + ` unnest(CAST(? AS bigint[]), CAST(? AS text[])) AS t(option, tag)
			` + on + ` c.option = t.option AND c.tag = t.tag AND c.poll_id = ?`, []any{pq.Array(probes.options), pq.Array(probes.tags), pollID}
	}
	var conds []string
	args := []any{pollID}
	for i := range probes.tags {
		conds = append(conds, "(c.option = ? AND c.tag = ?)")
		args = append(args, probes.options[i], probes.tags[i])
	}
	return verb + ` poll_anon_choice AS c WHERE c.poll_id = ? AND (` + strings.Join(conds, " OR ") + `)`, args
}

// ballotsApply writes attributed voters' new ballots in one upsert that
// only replaces a ballot still as read (the compare-and-set: a ballot
// another transaction wrote meanwhile fails the batch with errBallotMoved),
// and records the attendees their votes make.
func (s *DB) ballotsApply(ctx context.Context, tx *Tx, pollID int64, vs []*batchVoter) error {
	var rows, cases []string
	var args, caseArgs []any
	for _, v := range vs {
		rows = append(rows, "(?, ?, ?)")
		args = append(args, pollID, v.member, huddles.Choices(v.cur))
		cases = append(cases, "WHEN ? THEN CAST(? AS BIGINT)")
		caseArgs = append(caseArgs, v.member, v.readBallot)
	}
	r, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO poll_ballot (poll_id, member_id, choices) VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (poll_id, member_id) DO UPDATE SET choices = excluded.choices
		WHERE poll_ballot.choices = CASE poll_ballot.member_id `+strings.Join(cases, " ")+` END`), append(args, caseArgs...)...)
	if err != nil {
		return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
	} else if n != int64(len(vs)) {
		return errBallotMoved
	}
	var attendees []string
	var attendeeArgs []any
	for _, v := range vs {
		if v.attend != 0 {
			attendees = append(attendees, "(?, ?, ?)")
			attendeeArgs = append(attendeeArgs, v.attend, v.member, v.attendAt.UnixMilli())
		}
	}
	if len(attendees) == 0 {
		return nil
	}
	return s.exec(ctx, tx, fmt.Sprintf("add attendees of poll %d", pollID),
		`INSERT INTO huddle_attendee (huddle_id, member_id, joined_at) VALUES `+strings.Join(attendees, ", ")+`
		ON CONFLICT (huddle_id, member_id) DO NOTHING`, attendeeArgs...)
}

// anonApplyMany turns anonymous voters' choices from as read into as the
// batch left them (see anonApply), one statement per kind of change.
func (s *DB) anonApplyMany(ctx context.Context, tx *Tx, pollID int64, vs []*batchVoter) error {
	var gone anonProbes
	var ins, voterIns, voterDel []string
	insArgs, voterInsArgs, voterDelArgs := []any{}, []any{}, []any{pollID}
	for _, v := range vs {
		for _, o := range v.read {
			if !slices.Contains(v.cur, o) {
				gone.add(o, huddles.ChoiceTag(v.hash, o))
			}
		}
		for _, o := range v.cur {
			if !slices.Contains(v.read, o) {
				ins = append(ins, "(?, ?, ?)")
				insArgs = append(insArgs, pollID, o, huddles.ChoiceTag(v.hash, o))
			}
		}
		switch tag := huddles.VoterTag(v.hash); {
		case len(v.read) == 0 && len(v.cur) > 0:
			voterIns = append(voterIns, "(?, ?)")
			voterInsArgs = append(voterInsArgs, pollID, tag)
		case len(v.read) > 0 && len(v.cur) == 0:
			voterDel = append(voterDel, "?")
			voterDelArgs = append(voterDelArgs, tag)
		}
	}
	del, delArgs := s.anonRows("DELETE FROM", pollID, gone)
	for _, st := range []struct {
		n     int
		query string
		args  []any
	}{
		{len(gone.options), del, delArgs},
		{len(ins), `INSERT INTO poll_anon_choice (poll_id, option, tag) VALUES ` + strings.Join(ins, ", "), insArgs},
		{len(voterIns), `INSERT INTO poll_anon_voter (poll_id, tag) VALUES ` + strings.Join(voterIns, ", ") + ` ON CONFLICT DO NOTHING`, voterInsArgs},
		{len(voterDel), `DELETE FROM poll_anon_voter WHERE poll_id = ? AND tag IN (` + strings.Join(voterDel, ", ") + `)`, voterDelArgs},
	} {
		if st.n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(st.query), st.args...); err != nil {
			return fmt.Errorf("vote on poll %d: %w", pollID, s.mapErr(err))
		}
	}
	return nil
}

// voteLockClass namespaces the advisory locks that serialise one anonymous
// voter's taps ("HDVT"); River's own advisory locks use other keys.
const voteLockClass = 0x48445654

// PollAnonShuffle rewrites an anonymous poll's vote rows in tag order (a
// keyed, random order) in one transaction, so that on PostgreSQL neither
// their place in the table nor their transaction ids (xmin, which River's
// timestamped rows would date) keep the order the votes came in. Call it
// under PollLock; the bot does whenever it renders or closes the poll.
// SQLite keeps these rows in key order already and has no xmin.
func (s *DB) PollAnonShuffle(ctx context.Context, tx *Tx, pollID int64) error {
	if s.Backend != Postgres {
		return nil
	}
	for _, q := range []string{
		`WITH old AS (DELETE FROM poll_anon_choice WHERE poll_id = $1 RETURNING option, tag)
			INSERT INTO poll_anon_choice (poll_id, option, tag) SELECT $1, option, tag FROM old ORDER BY tag`,
		`WITH old AS (DELETE FROM poll_anon_voter WHERE poll_id = $1 RETURNING tag)
			INSERT INTO poll_anon_voter (poll_id, tag) SELECT $1, tag FROM old ORDER BY tag`,
	} {
		if _, err := tx.ExecContext(ctx, q, pollID); err != nil {
			return fmt.Errorf("shuffle votes of poll %d: %w", pollID, s.mapErr(err))
		}
	}
	return nil
}

// PollVoteCount returns how many options have been chosen on a poll, by
// anyone.
func (s *DB) PollVoteCount(ctx context.Context, q Queryer, pollID int64) (int, error) {
	var anon int
	if err := q.GetContext(ctx, &anon, s.Rebind(`SELECT COUNT(*) FROM poll_anon_choice WHERE poll_id = ?`), pollID); err != nil {
		return 0, fmt.Errorf("count votes on poll %d: %w", pollID, s.mapErr(err))
	}
	var ballots []int64
	if err := q.SelectContext(ctx, &ballots, s.Rebind(`SELECT choices FROM poll_ballot WHERE poll_id = ? AND choices <> 0`), pollID); err != nil {
		return 0, fmt.Errorf("count votes on poll %d: %w", pollID, s.mapErr(err))
	}
	n := anon
	for _, c := range ballots {
		n += bits.OnesCount64(uint64(c))
	}
	return n, nil
}

// PollVoterCount returns how many people have a vote on the poll.
func (s *DB) PollVoterCount(ctx context.Context, q Queryer, p *huddles.Poll) (int, error) {
	query := `SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ? AND choices <> 0`
	if p.Anonymous {
		query = `SELECT COUNT(*) FROM poll_anon_voter WHERE poll_id = ?`
	}
	var n int
	if err := q.GetContext(ctx, &n, s.Rebind(query), p.ID); err != nil {
		return 0, fmt.Errorf("count voters on poll %d: %w", p.ID, s.mapErr(err))
	}
	return n, nil
}

// PollTally counts a poll's votes per option, its votes and its voters,
// by aggregate.
func (s *DB) PollTally(ctx context.Context, q Queryer, p *huddles.Poll) (huddles.Tally, error) {
	t := huddles.Tally{Counts: make([]int, len(p.Options))}
	add := func(option, n int) {
		if option >= 1 && option <= len(t.Counts) {
			t.Counts[option-1] += n
		}
		t.Votes += n
	}
	if p.Anonymous {
		var rows []struct {
			Option int `db:"option"`
			N      int `db:"n"`
		}
		if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT option, COUNT(*) AS n FROM poll_anon_choice WHERE poll_id = ? GROUP BY option`), p.ID); err != nil {
			return t, fmt.Errorf("tally poll %d: %w", p.ID, s.mapErr(err))
		}
		for _, r := range rows {
			add(r.Option, r.N)
		}
	} else {
		var rows []struct {
			Choices int64 `db:"choices"`
			N       int   `db:"n"`
		}
		if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT choices, COUNT(*) AS n FROM poll_ballot WHERE poll_id = ? AND choices <> 0
			GROUP BY choices`), p.ID); err != nil {
			return t, fmt.Errorf("tally poll %d: %w", p.ID, s.mapErr(err))
		}
		for _, r := range rows {
			for _, o := range huddles.ChoiceOptions(r.Choices) {
				add(o, r.N)
			}
		}
	}
	var err error
	t.Voters, err = s.PollVoterCount(ctx, q, p)
	return t, err
}

// PollVotersAmong returns how many of voters have voted on the poll.
func (s *DB) PollVotersAmong(ctx context.Context, q Queryer, pollID int64, voters []Voter) (int, error) {
	var ids []any
	var tags []any
	for _, v := range voters {
		if v.Hash != "" {
			tags = append(tags, huddles.VoterTag(v.Hash))
		} else if v.MemberID != 0 {
			ids = append(ids, v.MemberID)
		}
	}
	total := 0
	for _, part := range []struct {
		query string
		args  []any
	}{
		{`SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ? AND choices <> 0 AND member_id IN `, ids},
		{`SELECT COUNT(*) FROM poll_anon_voter WHERE poll_id = ? AND tag IN `, tags},
	} {
		for start := 0; start < len(part.args); start += 500 {
			chunk := part.args[start:min(start+500, len(part.args))]
			var n int
			err := q.GetContext(ctx, &n, s.Rebind(part.query+`(`+placeholders(len(chunk))+`)`), append([]any{pollID}, chunk...)...)
			if err != nil {
				return 0, fmt.Errorf("count voters on poll %d: %w", pollID, s.mapErr(err))
			}
			total += n
		}
	}
	return total, nil
}

// PollVoterNames returns, for an attributed poll, the names of who chose
// each option (1-based). Anonymous votes carry no member, so an anonymous
// poll yields nothing.
func (s *DB) PollVoterNames(ctx context.Context, q Queryer, pollID int64) (map[int][]string, error) {
	var rows []struct {
		Choices int64  `db:"choices"`
		Name    string `db:"name"`
		UserID  string `db:"user_id"`
	}
	err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT b.choices, m.name, m.user_id FROM poll_ballot b JOIN member m ON m.id = b.member_id
		WHERE b.poll_id = ? AND b.choices <> 0 ORDER BY m.name, m.id`), pollID)
	if err != nil {
		return nil, fmt.Errorf("voters of poll %d: %w", pollID, s.mapErr(err))
	}
	out := map[int][]string{}
	for _, r := range rows {
		name := r.Name
		if name == "" {
			name = r.UserID
		}
		for _, o := range huddles.ChoiceOptions(r.Choices) {
			out[o] = append(out[o], name)
		}
	}
	return out, nil
}
