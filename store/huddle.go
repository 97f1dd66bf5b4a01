package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/member"
)

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL; SQLite transactions are serialised by their write lock. NO KEY
// UPDATE serialises the lockers without blocking the key-share locks that
// inserts referencing the row take (an attendee row while the huddle is
// locked), which would otherwise deadlock a vote against the huddle's end.
func (s *DB) forUpdate() string {
	if s.Backend == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// ---- Series -------------------------------------------------------------

type seriesRow struct {
	ID            int64  `db:"id"`
	WorkspaceID   int64  `db:"workspace_id"`
	Channel       string `db:"channel"`
	HostID        int64  `db:"host_member_id"`
	HostName      string `db:"host_name"`
	Title         string `db:"title"`
	Agenda        string `db:"agenda"`
	Weekdays      int    `db:"weekdays"`
	AtTime        int    `db:"at_time"`
	TimeZone      string `db:"timezone"`
	RemindMinutes int    `db:"remind_minutes"`
	Active        bool   `db:"active"`
	LastReminded  string `db:"last_reminded"`
	CreatedAt     int64  `db:"created_at"`
}

const seriesSelect = `SELECT s.id, s.workspace_id, s.channel, s.host_member_id, m.name AS host_name, s.title, s.agenda,
	s.weekdays, s.at_time, s.timezone, s.remind_minutes, s.active, s.last_reminded, s.created_at
	FROM huddle_series s JOIN member m ON m.id = s.host_member_id `

func (r *seriesRow) toSeries() *huddles.Series {
	return &huddles.Series{ID: r.ID, WorkspaceID: r.WorkspaceID, Channel: r.Channel, HostID: r.HostID, HostName: r.HostName,
		Title: r.Title, Agenda: r.Agenda, Days: member.Weekdays(r.Weekdays), At: member.Clock(r.AtTime),
		Location: locCache.get(r.TimeZone), RemindMinutes: r.RemindMinutes, Active: r.Active, LastReminded: r.LastReminded,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC()}
}

// HuddleSeriesNew is a recurring huddle to schedule.
type HuddleSeriesNew struct {
	WorkspaceID   int64
	Channel       string
	HostID        int64
	Title         string
	Agenda        string
	Days          member.Weekdays
	At            member.Clock
	TimeZone      string // IANA name
	RemindMinutes int
}

// HuddleSeriesCreate schedules a recurring huddle and returns its id.
func (s *DB) HuddleSeriesCreate(ctx context.Context, q Queryer, p HuddleSeriesNew) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, s.Rebind(`INSERT INTO huddle_series (workspace_id, channel, host_member_id, title, agenda,
		weekdays, at_time, timezone, remind_minutes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.WorkspaceID, p.Channel, p.HostID, p.Title, p.Agenda, int(p.Days), int(p.At), p.TimeZone, p.RemindMinutes, s.Now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("create huddle series: %w", s.mapErr(err))
	}
	return id, nil
}

// HuddleSeriesGet returns a series by id, active or not, or ErrNotFound.
func (s *DB) HuddleSeriesGet(ctx context.Context, q Queryer, id int64) (*huddles.Series, error) {
	return getConv(ctx, s, q, (*seriesRow).toSeries, fmt.Sprintf("get huddle series %d", id), seriesSelect+`WHERE s.id = ?`, id)
}

// HuddleSeriesList returns the active series of a workspace's channel (all
// channels when channel is ""), oldest first.
func (s *DB) HuddleSeriesList(ctx context.Context, q Queryer, workspaceID int64, channel string) ([]*huddles.Series, error) {
	where, args := []string{"s.active", "s.workspace_id = ?"}, []any{workspaceID}
	if channel != "" {
		where, args = append(where, "s.channel = ?"), append(args, channel)
	}
	return s.seriesSelect(ctx, q, where, args)
}

// HuddleSeriesListActive returns every active series of every workspace,
// for the scheduler's reminders.
func (s *DB) HuddleSeriesListActive(ctx context.Context, q Queryer) ([]*huddles.Series, error) {
	return s.seriesSelect(ctx, q, []string{"s.active"}, nil)
}

func (s *DB) seriesSelect(ctx context.Context, q Queryer, where []string, args []any) ([]*huddles.Series, error) {
	return selectConv(ctx, s, q, (*seriesRow).toSeries, "list huddle series",
		seriesSelect+`WHERE `+strings.Join(where, " AND ")+` ORDER BY s.id`, args...)
}

// HuddleSeriesCancel stops a series; it reports false when it was not
// active. Its past huddles are kept.
func (s *DB) HuddleSeriesCancel(ctx context.Context, q Queryer, id int64) (bool, error) {
	return s.execChanged(ctx, q, fmt.Sprintf("cancel huddle series %d", id),
		`UPDATE huddle_series SET active = FALSE WHERE id = ? AND active`, id)
}

// HuddleSeriesMarkReminded records that the reminder for the occurrence
// named key went out. It reports false when it already had (another tick or
// replica got there first), so a reminder is posted once.
func (s *DB) HuddleSeriesMarkReminded(ctx context.Context, q Queryer, id int64, key string) (bool, error) {
	return s.execChanged(ctx, q, fmt.Sprintf("mark huddle series %d reminded", id),
		`UPDATE huddle_series SET last_reminded = ? WHERE id = ? AND last_reminded <> ?`, key, id, key)
}

// ---- Huddles ------------------------------------------------------------

type huddleRow struct {
	ID          int64         `db:"id"`
	WorkspaceID int64         `db:"workspace_id"`
	SeriesID    sql.NullInt64 `db:"series_id"`
	Channel     string        `db:"channel"`
	HostID      int64         `db:"host_member_id"`
	HostName    string        `db:"host_name"`
	Title       string        `db:"title"`
	Agenda      string        `db:"agenda"`
	StartedAt   int64         `db:"started_at"`
	EndedAt     sql.NullInt64 `db:"ended_at"`
	MessageID   sql.NullInt64 `db:"message_id"`
	SummaryID   sql.NullInt64 `db:"summary_id"`
}

const huddleCols = `h.id, h.workspace_id, h.series_id, h.channel, h.host_member_id, m.name AS host_name, h.title, h.agenda,
	h.started_at, h.ended_at, h.message_id, h.summary_id`

const huddleFrom = ` FROM huddle h JOIN member m ON m.id = h.host_member_id `

func (r *huddleRow) toHuddle() *huddles.Huddle {
	return &huddles.Huddle{ID: r.ID, WorkspaceID: r.WorkspaceID, SeriesID: r.SeriesID.Int64, Channel: r.Channel, HostID: r.HostID,
		HostName: r.HostName, Title: r.Title, Agenda: r.Agenda, StartedAt: time.UnixMilli(r.StartedAt).UTC(),
		EndedAt: fromMS(r.EndedAt), MessageID: r.MessageID.Int64, SummaryID: r.SummaryID.Int64}
}

// HuddleNew is a huddle to start.
type HuddleNew struct {
	WorkspaceID int64
	SeriesID    int64 // 0 = one-off
	Channel     string
	HostID      int64
	Title       string
	Agenda      string
	StartedAt   time.Time
}

// HuddleCreate starts a huddle and returns its id. It returns ErrConflict
// when a huddle is already open in the channel.
func (s *DB) HuddleCreate(ctx context.Context, q Queryer, p HuddleNew) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, s.Rebind(`INSERT INTO huddle (workspace_id, series_id, channel, host_member_id, title, agenda, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.WorkspaceID, nullID(p.SeriesID), p.Channel, p.HostID, p.Title, p.Agenda, p.StartedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("start huddle in %s: %w", p.Channel, s.mapErr(err))
	}
	return id, nil
}

// HuddleGet returns a huddle by id, or ErrNotFound.
func (s *DB) HuddleGet(ctx context.Context, q Queryer, id int64) (*huddles.Huddle, error) {
	return getConv(ctx, s, q, (*huddleRow).toHuddle, fmt.Sprintf("get huddle %d", id),
		`SELECT `+huddleCols+huddleFrom+`WHERE h.id = ?`, id)
}

// HuddleLock returns a huddle and locks it until tx ends, so ending it and
// adding to it do not interleave.
func (s *DB) HuddleLock(ctx context.Context, tx *Tx, id int64) (*huddles.Huddle, error) {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`SELECT id FROM huddle WHERE id = ?`+s.forUpdate()), id); err != nil {
		return nil, fmt.Errorf("lock huddle %d: %w", id, s.mapErr(err))
	}
	return s.HuddleGet(ctx, tx, id)
}

// HuddleOpenIn returns the open huddle of a channel, or ErrNotFound.
func (s *DB) HuddleOpenIn(ctx context.Context, q Queryer, workspaceID int64, channel string) (*huddles.Huddle, error) {
	return getConv(ctx, s, q, (*huddleRow).toHuddle, fmt.Sprintf("open huddle in %s", channel),
		`SELECT `+huddleCols+huddleFrom+`WHERE h.workspace_id = ? AND h.channel = ? AND h.ended_at IS NULL`, workspaceID, channel)
}

// HuddleSetMessage records the huddle's start card.
func (s *DB) HuddleSetMessage(ctx context.Context, q Queryer, id, messageID int64) error {
	_, err := q.ExecContext(ctx, s.Rebind(`UPDATE huddle SET message_id = ? WHERE id = ?`), nullID(messageID), id)
	return s.mapErr(err)
}

// HuddleSetSummary records the huddle's summary message.
func (s *DB) HuddleSetSummary(ctx context.Context, q Queryer, id, messageID int64) error {
	_, err := q.ExecContext(ctx, s.Rebind(`UPDATE huddle SET summary_id = ? WHERE id = ?`), nullID(messageID), id)
	return s.mapErr(err)
}

// HuddleSetAgenda replaces the agenda of an open huddle; it reports false
// when the huddle has ended.
func (s *DB) HuddleSetAgenda(ctx context.Context, q Queryer, id int64, agenda string) (bool, error) {
	return s.execChanged(ctx, q, fmt.Sprintf("set agenda of huddle %d", id),
		`UPDATE huddle SET agenda = ? WHERE id = ? AND ended_at IS NULL`, agenda, id)
}

// HuddleEnd ends an open huddle at at; it reports false when it had already
// ended. Nothing is deleted.
func (s *DB) HuddleEnd(ctx context.Context, q Queryer, id int64, at time.Time) (bool, error) {
	return s.execChanged(ctx, q, fmt.Sprintf("end huddle %d", id),
		`UPDATE huddle SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, at.UnixMilli(), id)
}

// HuddleFilter selects huddles for a report.
type HuddleFilter struct {
	WorkspaceID int64     // 0 = all
	Channel     string    // "" = all
	Since       time.Time // zero = all time; started at or after
	Department  string    // "" = all; else only huddles whose host is in it
	Limit       int       // 0 = no limit
}

// HuddleList returns huddles, newest first.
func (s *DB) HuddleList(ctx context.Context, q Queryer, f HuddleFilter) ([]*huddles.Huddle, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.WorkspaceID != 0 {
		where, args = append(where, "h.workspace_id = ?"), append(args, f.WorkspaceID)
	}
	if f.Channel != "" {
		where, args = append(where, "h.channel = ?"), append(args, f.Channel)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "h.started_at >= ?"), append(args, f.Since.UnixMilli())
	}
	if f.Department != "" {
		where, args = append(where, "m.department = ?"), append(args, f.Department)
	}
	query := `SELECT ` + huddleCols + huddleFrom + `WHERE ` + strings.Join(where, " AND ") + ` ORDER BY h.started_at DESC, h.id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return selectConv(ctx, s, q, (*huddleRow).toHuddle, "list huddles", query, args...)
}

// HuddleAttendeeAdd records that a member took part in a huddle under their
// own name (an attributed vote, an open question, a +1). Only their first
// action's time is kept. Never call it for an anonymous vote or question.
func (s *DB) HuddleAttendeeAdd(ctx context.Context, q Queryer, huddleID, memberID int64, at time.Time) error {
	return s.exec(ctx, q, fmt.Sprintf("add attendee to huddle %d", huddleID),
		`INSERT INTO huddle_attendee (huddle_id, member_id, joined_at) VALUES (?, ?, ?)
		ON CONFLICT (huddle_id, member_id) DO NOTHING`, huddleID, memberID, at.UnixMilli())
}

// HuddleAttendeeCount returns how many attendees joined a huddle before
// at: a poll's audience when at is its opening time.
func (s *DB) HuddleAttendeeCount(ctx context.Context, q Queryer, huddleID int64, before time.Time) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM huddle_attendee WHERE huddle_id = ? AND joined_at < ?`),
		huddleID, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("count attendees of huddle %d: %w", huddleID, s.mapErr(err))
	}
	return n, nil
}

// HuddleAttendeeList returns a huddle's attendees, by name.
func (s *DB) HuddleAttendeeList(ctx context.Context, q Queryer, huddleID int64) ([]huddles.Attendee, error) {
	var rows []struct {
		MemberID int64  `db:"member_id"`
		Name     string `db:"name"`
		UserID   string `db:"user_id"`
		JoinedAt int64  `db:"joined_at"`
	}
	err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT a.member_id, m.name, m.user_id, a.joined_at FROM huddle_attendee a
		JOIN member m ON m.id = a.member_id WHERE a.huddle_id = ? ORDER BY m.name, a.member_id`), huddleID)
	if err != nil {
		return nil, fmt.Errorf("list attendees of huddle %d: %w", huddleID, s.mapErr(err))
	}
	out := make([]huddles.Attendee, len(rows))
	for i, r := range rows {
		name := r.Name
		if name == "" {
			name = r.UserID
		}
		out[i] = huddles.Attendee{MemberID: r.MemberID, Name: name, JoinedAt: time.UnixMilli(r.JoinedAt).UTC()}
	}
	return out, nil
}

// ---- Polls --------------------------------------------------------------

type pollRow struct {
	ID          int64         `db:"id"`
	WorkspaceID int64         `db:"workspace_id"`
	HuddleID    sql.NullInt64 `db:"huddle_id"`
	Channel     string        `db:"channel"`
	CreatorID   int64         `db:"creator_member_id"`
	Question    string        `db:"question"`
	Options     string        `db:"options"`
	Kind        string        `db:"kind"`
	MaxChoices  int           `db:"max_choices"`
	Anonymous   bool          `db:"anonymous"`
	Hidden      bool          `db:"hidden"`
	ClosesAt    sql.NullInt64 `db:"closes_at"`
	ClosedAt    sql.NullInt64 `db:"closed_at"`
	MessageID   sql.NullInt64 `db:"message_id"`
	RenderedAt  sql.NullInt64 `db:"rendered_at"`
	Dirty       bool          `db:"dirty"`
	CreatedAt   int64         `db:"created_at"`
}

// pollCols reads Dirty as the poll's own flag (host actions) or a stale
// mark left by a vote (votes do not write the poll's row).
const pollCols = `id, workspace_id, huddle_id, channel, creator_member_id, question, options, kind, max_choices, anonymous,
	hidden, closes_at, closed_at, message_id, rendered_at,
	(dirty OR EXISTS (SELECT 1 FROM poll_stale st WHERE st.poll_id = poll.id)) AS dirty, created_at`

func (r *pollRow) toPoll() (*huddles.Poll, error) {
	p := &huddles.Poll{ID: r.ID, WorkspaceID: r.WorkspaceID, HuddleID: r.HuddleID.Int64, Channel: r.Channel, CreatorID: r.CreatorID,
		Question: r.Question, Kind: huddles.PollKind(r.Kind), MaxChoices: r.MaxChoices, Anonymous: r.Anonymous, Hidden: r.Hidden,
		ClosesAt: fromMS(r.ClosesAt), ClosedAt: fromMS(r.ClosedAt), MessageID: r.MessageID.Int64, RenderedAt: fromMS(r.RenderedAt),
		Dirty: r.Dirty, CreatedAt: time.UnixMilli(r.CreatedAt).UTC()}
	if err := json.Unmarshal([]byte(r.Options), &p.Options); err != nil {
		return nil, fmt.Errorf("poll %d options: %w", r.ID, err)
	}
	return p, nil
}

// PollNew is a poll to create.
type PollNew struct {
	WorkspaceID int64
	HuddleID    int64
	Channel     string
	CreatorID   int64
	Question    string
	Options     []string
	Kind        huddles.PollKind
	MaxChoices  int
	Anonymous   bool
	Hidden      bool
	ClosesAt    time.Time // zero = no closing time
	CreatedAt   time.Time // also its first render
}

// PollCreate stores a poll and returns its id.
func (s *DB) PollCreate(ctx context.Context, q Queryer, p PollNew) (int64, error) {
	opts, err := json.Marshal(p.Options)
	if err != nil {
		return 0, fmt.Errorf("create poll: %w", err)
	}
	if p.MaxChoices < 1 {
		p.MaxChoices = 1
	}
	var id int64
	err = q.GetContext(ctx, &id, s.Rebind(`INSERT INTO poll (workspace_id, huddle_id, channel, creator_member_id, question, options,
		kind, max_choices, anonymous, hidden, closes_at, rendered_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.WorkspaceID, nullID(p.HuddleID), p.Channel, p.CreatorID, p.Question, string(opts), string(p.Kind), p.MaxChoices,
		p.Anonymous, p.Hidden, ms(p.ClosesAt), p.CreatedAt.UnixMilli(), p.CreatedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("create poll: %w", s.mapErr(err))
	}
	return id, nil
}

// PollGet returns a poll by id, or ErrNotFound.
func (s *DB) PollGet(ctx context.Context, q Queryer, id int64) (*huddles.Poll, error) {
	var r pollRow
	if err := q.GetContext(ctx, &r, s.Rebind(`SELECT `+pollCols+` FROM poll WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("get poll %d: %w", id, s.mapErr(err))
	}
	return r.toPoll()
}

// PollLock returns a poll and locks it until tx ends. Every close, reopen,
// change of anonymity and render of a poll takes this lock (the row's, and
// the poll's advisory lock exclusively). A vote only shares the advisory
// lock (see PollVoteCast), so votes do not wait for one another but do wait
// for, and are refused after, a close; renders are spaced as decided.
func (s *DB) PollLock(ctx context.Context, tx *Tx, id int64) (*huddles.Poll, error) {
	if err := s.pollExclusive(ctx, tx, id); err != nil {
		return nil, err
	}
	var r pollRow
	if err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT `+pollCols+` FROM poll WHERE id = ?`+s.forUpdate()), id); err != nil {
		return nil, fmt.Errorf("lock poll %d: %w", id, s.mapErr(err))
	}
	return r.toPoll()
}

// PollSetMessage records the poll's card.
func (s *DB) PollSetMessage(ctx context.Context, q Queryer, id, messageID int64) error {
	_, err := q.ExecContext(ctx, s.Rebind(`UPDATE poll SET message_id = ? WHERE id = ?`), nullID(messageID), id)
	return s.mapErr(err)
}

// PollSave writes a poll's mutable state — closing time, closed time,
// anonymity, render bookkeeping — from p. Call it under PollLock: no vote is
// in flight then, so clearing Dirty also clears the votes' stale mark
// without losing one.
func (s *DB) PollSave(ctx context.Context, tx *Tx, p *huddles.Poll) error {
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE poll SET closes_at = ?, closed_at = ?, anonymous = ?, rendered_at = ?, dirty = ?
		WHERE id = ?`), ms(p.ClosesAt), ms(p.ClosedAt), p.Anonymous, ms(p.RenderedAt), p.Dirty, p.ID)
	if err == nil && !p.Dirty {
		_, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM poll_stale WHERE poll_id = ?`), p.ID)
	}
	if err != nil {
		return fmt.Errorf("save poll %d: %w", p.ID, s.mapErr(err))
	}
	return nil
}

// PollListByHuddle returns a huddle's polls in the order they were asked.
func (s *DB) PollListByHuddle(ctx context.Context, q Queryer, huddleID int64) ([]*huddles.Poll, error) {
	return s.pollSelect(ctx, q, `huddle_id = ? ORDER BY id`, huddleID)
}

// PollListNeedingWork returns the ids of polls the scheduler must look at
// now: open polls whose closing time has come, and polls with votes not yet
// on their card whose last render is at least every ago.
func (s *DB) PollListNeedingWork(ctx context.Context, q Queryer, now time.Time, every time.Duration) ([]int64, error) {
	var ids []int64
	err := q.SelectContext(ctx, &ids, s.Rebind(`SELECT id FROM poll WHERE closed_at IS NULL AND closes_at <= ?
		UNION SELECT id FROM poll WHERE dirty AND (rendered_at IS NULL OR rendered_at <= ?)
		UNION SELECT p.id FROM poll_stale st JOIN poll p ON p.id = st.poll_id WHERE p.rendered_at IS NULL OR p.rendered_at <= ?
		ORDER BY id`),
		now.UnixMilli(), now.Add(-every).UnixMilli(), now.Add(-every).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list polls needing work: %w", s.mapErr(err))
	}
	return ids, nil
}

func (s *DB) pollSelect(ctx context.Context, q Queryer, where string, args ...any) ([]*huddles.Poll, error) {
	var rows []pollRow
	if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT `+pollCols+` FROM poll WHERE `+where), args...); err != nil {
		return nil, fmt.Errorf("list polls: %w", s.mapErr(err))
	}
	out := make([]*huddles.Poll, len(rows))
	for i := range rows {
		p, err := rows[i].toPoll()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// ---- Parking lot --------------------------------------------------------

type questionRow struct {
	ID             int64         `db:"id"`
	WorkspaceID    int64         `db:"workspace_id"`
	HuddleID       int64         `db:"huddle_id"`
	OriginHuddleID sql.NullInt64 `db:"origin_huddle_id"`
	SeriesID       sql.NullInt64 `db:"series_id"`
	MemberID       sql.NullInt64 `db:"member_id"`
	AskerName      string        `db:"asker_name"`
	Text           string        `db:"text"`
	Redacted       bool          `db:"redacted"`
	Status         string        `db:"status"`
	MessageID      sql.NullInt64 `db:"message_id"`
	PlusOnes       int           `db:"plus_ones"`
	CreatedAt      int64         `db:"created_at"`
	ClosedAt       sql.NullInt64 `db:"closed_at"`
}

const questionSelect = `SELECT q.id, q.workspace_id, q.huddle_id, q.origin_huddle_id, q.series_id, q.member_id,
	COALESCE(m.name, '') AS asker_name, q.text, q.redacted, q.status, q.message_id,
	(SELECT COUNT(*) FROM huddle_question_vote v WHERE v.question_id = q.id) AS plus_ones, q.created_at, q.closed_at
	FROM huddle_question q LEFT JOIN member m ON m.id = q.member_id `

func (r *questionRow) toQuestion() *huddles.Question {
	origin := r.OriginHuddleID.Int64
	if origin == 0 {
		origin = r.HuddleID
	}
	return &huddles.Question{ID: r.ID, WorkspaceID: r.WorkspaceID, HuddleID: r.HuddleID, OriginHuddleID: origin,
		SeriesID: r.SeriesID.Int64, MemberID: r.MemberID.Int64, AskerName: r.AskerName, Text: r.Text, Redacted: r.Redacted,
		Status: huddles.QuestionStatus(r.Status), MessageID: r.MessageID.Int64, PlusOnes: r.PlusOnes,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), ClosedAt: fromMS(r.ClosedAt)}
}

// HuddleQuestionNew is a parking-lot question to add.
type HuddleQuestionNew struct {
	WorkspaceID int64
	HuddleID    int64
	SeriesID    int64
	MemberID    int64 // 0 = asked anonymously: no member is stored
	Text        string
	Redacted    bool
	CreatedAt   time.Time
}

// HuddleQuestionCreate adds a question to a huddle's parking lot.
func (s *DB) HuddleQuestionCreate(ctx context.Context, q Queryer, p HuddleQuestionNew) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, s.Rebind(`INSERT INTO huddle_question (workspace_id, huddle_id, origin_huddle_id, series_id, member_id,
		text, redacted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.WorkspaceID, p.HuddleID, p.HuddleID, nullID(p.SeriesID), nullID(p.MemberID), p.Text, p.Redacted, p.CreatedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("add question to huddle %d: %w", p.HuddleID, s.mapErr(err))
	}
	return id, nil
}

// HuddleQuestionGet returns a question with its +1 count, or ErrNotFound.
func (s *DB) HuddleQuestionGet(ctx context.Context, q Queryer, id int64) (*huddles.Question, error) {
	return getConv(ctx, s, q, (*questionRow).toQuestion, fmt.Sprintf("get question %d", id), questionSelect+`WHERE q.id = ?`, id)
}

// HuddleQuestionList returns the questions a huddle holds, oldest first.
func (s *DB) HuddleQuestionList(ctx context.Context, q Queryer, huddleID int64) ([]*huddles.Question, error) {
	return selectConv(ctx, s, q, (*questionRow).toQuestion, fmt.Sprintf("list questions of huddle %d", huddleID),
		questionSelect+`WHERE q.huddle_id = ? ORDER BY q.id`, huddleID)
}

// HuddleQuestionSetStatus moves a question from status from to to; it
// reports false when the question no longer had status from (someone else
// changed it first).
func (s *DB) HuddleQuestionSetStatus(ctx context.Context, q Queryer, id int64, from, to huddles.QuestionStatus, at time.Time) (bool, error) {
	closed := ms(at)
	if to == huddles.QuestionOpen {
		closed = ms(time.Time{})
	}
	return s.execChanged(ctx, q, fmt.Sprintf("mark question %d %s", id, to),
		`UPDATE huddle_question SET status = ?, closed_at = ? WHERE id = ? AND status = ?`, string(to), closed, id, string(from))
}

// HuddleQuestionSetMessage records where a question's card lives.
func (s *DB) HuddleQuestionSetMessage(ctx context.Context, q Queryer, id, messageID int64) error {
	_, err := q.ExecContext(ctx, s.Rebind(`UPDATE huddle_question SET message_id = ? WHERE id = ?`), nullID(messageID), id)
	return s.mapErr(err)
}

// HuddleQuestionCarryOver moves the unanswered (open or deferred) questions
// of a series' earlier huddles into huddle toHuddleID, keeping where each
// was first asked, and returns their ids.
func (s *DB) HuddleQuestionCarryOver(ctx context.Context, tx *Tx, seriesID, toHuddleID int64) ([]int64, error) {
	var ids []int64
	err := tx.SelectContext(ctx, &ids, tx.Rebind(`UPDATE huddle_question SET huddle_id = ?,
		origin_huddle_id = COALESCE(origin_huddle_id, huddle_id)
		WHERE series_id = ? AND huddle_id <> ? AND status IN ('open', 'deferred') RETURNING id`), toHuddleID, seriesID, toHuddleID)
	if err != nil {
		return nil, fmt.Errorf("carry questions over to huddle %d: %w", toHuddleID, s.mapErr(err))
	}
	return ids, nil
}

// HuddleQuestionCarryOverChannel moves the deferred questions that belong
// to no series (asked in a one-off huddle) from earlier huddles in the same
// channel into huddle toHuddleID, keeping where each was first asked, and
// returns their ids: "deferred" means the next huddle in that channel takes
// it up, so it is never stranded in a huddle that has ended.
func (s *DB) HuddleQuestionCarryOverChannel(ctx context.Context, tx *Tx, workspaceID int64, channel string, toHuddleID int64) ([]int64, error) {
	var ids []int64
	err := tx.SelectContext(ctx, &ids, tx.Rebind(`UPDATE huddle_question SET huddle_id = ?,
		origin_huddle_id = COALESCE(origin_huddle_id, huddle_id)
		WHERE series_id IS NULL AND status = 'deferred' AND huddle_id <> ?
		AND huddle_id IN (SELECT id FROM huddle WHERE workspace_id = ? AND channel = ?) RETURNING id`),
		toHuddleID, toHuddleID, workspaceID, channel)
	if err != nil {
		return nil, fmt.Errorf("carry channel %s questions over to huddle %d: %w", channel, toHuddleID, s.mapErr(err))
	}
	return ids, nil
}

// HuddleQuestionPlusOne records a member's +1; it reports false when they
// had already +1'd the question.
func (s *DB) HuddleQuestionPlusOne(ctx context.Context, q Queryer, questionID, memberID int64, at time.Time) (bool, error) {
	return s.execChanged(ctx, q, fmt.Sprintf("+1 question %d", questionID),
		`INSERT INTO huddle_question_vote (question_id, member_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (question_id, member_id) DO NOTHING`, questionID, memberID, at.UnixMilli())
}

// ---- Ratings ------------------------------------------------------------

// HuddleRatingSet records a member's 1–5 rating of a huddle as feedback
// (kind huddle); rating again replaces it, so each person counts once.
func (s *DB) HuddleRatingSet(ctx context.Context, q Queryer, workspaceID, huddleID, memberID int64, rating int) error {
	update := func() (bool, error) {
		res, err := q.ExecContext(ctx, s.Rebind(`UPDATE feedback SET rating = ?, created_at = ? WHERE kind = 'huddle'
			AND huddle_id = ? AND member_id = ? AND rating IS NOT NULL`), rating, s.Now().UnixMilli(), huddleID, memberID)
		if err != nil {
			return false, fmt.Errorf("rate huddle %d: %w", huddleID, s.mapErr(err))
		}
		n, _ := res.RowsAffected()
		return n > 0, nil
	}
	if ok, err := update(); err != nil || ok {
		return err
	}
	err := s.FeedbackAdd(ctx, q, Feedback{WorkspaceID: workspaceID, MemberID: memberID, Kind: FeedbackHuddle, HuddleID: huddleID, Rating: &rating})
	if IsConflict(err) {
		if _, isTx := q.(*Tx); !isTx { // a concurrent first rating won; replace it
			_, err = update()
		}
	}
	return err
}

// HuddleRatingGet returns the average of a huddle's ratings and how many
// people rated it.
func (s *DB) HuddleRatingGet(ctx context.Context, q Queryer, huddleID int64) (avg float64, n int, err error) {
	var r struct {
		Avg sql.NullFloat64 `db:"avg"`
		N   int             `db:"n"`
	}
	err = q.GetContext(ctx, &r, s.Rebind(`SELECT AVG(CAST(rating AS REAL)) AS avg, COUNT(*) AS n FROM feedback
		WHERE kind = 'huddle' AND huddle_id = ? AND rating IS NOT NULL`), huddleID)
	if err != nil {
		return 0, 0, fmt.Errorf("ratings of huddle %d: %w", huddleID, s.mapErr(err))
	}
	return r.Avg.Float64, r.N, nil
}

// HuddleQuestionCountWaiting counts a series' unanswered questions: the ones
// that will carry over into its next huddle.
func (s *DB) HuddleQuestionCountWaiting(ctx context.Context, q Queryer, seriesID int64) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM huddle_question WHERE series_id = ? AND status IN ('open', 'deferred')`), seriesID)
	if err != nil {
		return 0, fmt.Errorf("count waiting questions of series %d: %w", seriesID, s.mapErr(err))
	}
	return n, nil
}
