package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/support"
)

// Support question statuses.
const (
	SupportOpen     = "open"
	SupportClaimed  = "claimed"
	SupportResolved = "resolved"
)

// SupportQuestion is one "ask a super-user" question. Text is already
// redacted. Zero times mean "not yet"; zero ids mean "none".
type SupportQuestion struct {
	ID                int64
	WorkspaceID       int64
	AskerMemberID     int64
	Department        string
	Text              string
	Redacted          bool
	Status            string // SupportOpen, SupportClaimed or SupportResolved
	Level             support.Level
	Tags              []string
	ClaimerMemberID   int64
	CreatedAt         time.Time
	EscalateAt        time.Time // next escalation check while open; zero = none
	EscalatedAt       time.Time // first time it left the asker's department
	ClaimedAt         time.Time
	ResolvedAt        time.Time
	ResolvedBy        int64
	Rating            int // 1–5; 0 = not rated
	AskerMessageID    int64
	HelpdeskMessageID int64
	Waiting           bool
}

type supportRow struct {
	ID                int64         `db:"id"`
	WorkspaceID       int64         `db:"workspace_id"`
	AskerMemberID     int64         `db:"asker_member_id"`
	Department        string        `db:"department"`
	Text              string        `db:"text"`
	Redacted          bool          `db:"redacted"`
	Status            string        `db:"status"`
	Level             int           `db:"level"`
	Tags              string        `db:"tags"`
	ClaimerMemberID   sql.NullInt64 `db:"claimer_member_id"`
	CreatedAt         int64         `db:"created_at"`
	EscalateAt        sql.NullInt64 `db:"escalate_at"`
	EscalatedAt       sql.NullInt64 `db:"escalated_at"`
	ClaimedAt         sql.NullInt64 `db:"claimed_at"`
	ResolvedAt        sql.NullInt64 `db:"resolved_at"`
	ResolvedBy        sql.NullInt64 `db:"resolved_by"`
	Rating            sql.NullInt64 `db:"rating"`
	AskerMessageID    sql.NullInt64 `db:"asker_message_id"`
	HelpdeskMessageID sql.NullInt64 `db:"helpdesk_message_id"`
	Waiting           bool          `db:"waiting"`
}

const supportColumns = `q.id, q.workspace_id, q.asker_member_id, q.department, q.text, q.redacted, q.status, q.level, q.tags,
	q.claimer_member_id, q.created_at, q.escalate_at, q.escalated_at, q.claimed_at, q.resolved_at, q.resolved_by, q.rating,
	q.asker_message_id, q.helpdesk_message_id, q.waiting`

func (r *supportRow) toQuestion() *SupportQuestion {
	return &SupportQuestion{
		ID: r.ID, WorkspaceID: r.WorkspaceID, AskerMemberID: r.AskerMemberID, Department: r.Department, Text: r.Text,
		Redacted: r.Redacted, Status: r.Status, Level: support.Level(r.Level), Tags: splitTags(r.Tags),
		ClaimerMemberID: r.ClaimerMemberID.Int64, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(),
		EscalateAt: fromMS(r.EscalateAt), EscalatedAt: fromMS(r.EscalatedAt), ClaimedAt: fromMS(r.ClaimedAt),
		ResolvedAt: fromMS(r.ResolvedAt), ResolvedBy: r.ResolvedBy.Int64, Rating: int(r.Rating.Int64),
		AskerMessageID: r.AskerMessageID.Int64, HelpdeskMessageID: r.HelpdeskMessageID.Int64, Waiting: r.Waiting,
	}
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// SupportQuestionNew is a question to record, with where routing put it.
type SupportQuestionNew struct {
	WorkspaceID   int64
	AskerMemberID int64
	Department    string
	Text          string // already redacted
	Redacted      bool
	Level         support.Level
	EscalateAt    time.Time // zero = no further escalation
	Waiting       bool
	At            time.Time // when it was asked
}

// SupportQuestionCreate records a new open question and returns its id. A
// question that starts above LevelDepartment counts as escalated at once.
func (s *DB) SupportQuestionCreate(ctx context.Context, tx *Tx, n SupportQuestionNew) (int64, error) {
	var escalated sql.NullInt64
	if n.Level > support.LevelDepartment {
		escalated = ms(n.At)
	}
	var id int64
	err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO support_question (workspace_id, asker_member_id, department, text,
		redacted, status, level, created_at, escalate_at, escalated_at, waiting) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) RETURNING id`),
		n.WorkspaceID, n.AskerMemberID, n.Department, n.Text, n.Redacted, int(n.Level), n.At.UnixMilli(), ms(n.EscalateAt),
		escalated, n.Waiting)
	if err != nil {
		return 0, fmt.Errorf("create support question: %w", s.mapErr(err))
	}
	return id, nil
}

// SupportQuestionGet returns a question by id, or ErrNotFound.
func (s *DB) SupportQuestionGet(ctx context.Context, q Queryer, id int64) (*SupportQuestion, error) {
	return getConv(ctx, s, q, (*supportRow).toQuestion, fmt.Sprintf("get support question %d", id),
		`SELECT `+supportColumns+` FROM support_question q WHERE q.id = ?`, id)
}

// SupportQuestionClaim makes memberID the claimer of an open, unclaimed
// question in one conditional UPDATE, so of two people clicking at the same
// moment exactly one wins. It reports whether this call claimed it; false
// means someone else already had, or it was resolved.
func (s *DB) SupportQuestionClaim(ctx context.Context, tx *Tx, id, memberID int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE support_question SET claimer_member_id = ?, claimed_at = ?, status = 'claimed'
		WHERE id = ? AND claimer_member_id IS NULL AND status = 'open'`), memberID, at.UnixMilli(), id)
	if err != nil {
		return false, fmt.Errorf("claim support question %d: %w", id, s.mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, s.mapErr(err)
}

// SupportEscalation moves an open question from one level to the next.
type SupportEscalation struct {
	ID         int64
	FromLevel  support.Level
	FromDue    time.Time // the escalate_at the caller saw; guards against a second scheduler
	Level      support.Level
	EscalateAt time.Time // zero = no further escalation
	Waiting    bool
	At         time.Time
}

// SupportQuestionEscalate applies an escalation if the question is still
// open and unclaimed at FromLevel with the escalate_at the caller saw, and
// reports whether it did: running it twice (two schedulers, a retried tick)
// escalates once. The first move above LevelDepartment sets escalated_at.
func (s *DB) SupportQuestionEscalate(ctx context.Context, tx *Tx, e SupportEscalation) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE support_question SET level = ?, escalate_at = ?, waiting = ?,
			escalated_at = CASE WHEN escalated_at IS NULL AND ? > 0 THEN ? ELSE escalated_at END
		WHERE id = ? AND status = 'open' AND claimer_member_id IS NULL AND level = ? AND escalate_at = ?`),
		int(e.Level), ms(e.EscalateAt), e.Waiting, int(e.Level), e.At.UnixMilli(), e.ID, int(e.FromLevel), e.FromDue.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("escalate support question %d: %w", e.ID, s.mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, s.mapErr(err)
}

// SupportQuestionResolve marks a question resolved by a member and reports
// whether this call did (false: it already was).
func (s *DB) SupportQuestionResolve(ctx context.Context, tx *Tx, id, by int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE support_question SET status = 'resolved', resolved_at = ?, resolved_by = ?
		WHERE id = ? AND status <> 'resolved'`), at.UnixMilli(), by, id)
	if err != nil {
		return false, fmt.Errorf("resolve support question %d: %w", id, s.mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, s.mapErr(err)
}

// SupportQuestionRate stores the asker's 1–5 rating of a resolved question
// and reports whether this call did: only the first rating counts.
func (s *DB) SupportQuestionRate(ctx context.Context, tx *Tx, id int64, rating int) (bool, error) {
	if rating < 1 || rating > 5 {
		return false, fmt.Errorf("rate support question %d: rating %d is not 1–5", id, rating)
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE support_question SET rating = ?
		WHERE id = ? AND status = 'resolved' AND rating IS NULL`), rating, id)
	if err != nil {
		return false, fmt.Errorf("rate support question %d: %w", id, s.mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, s.mapErr(err)
}

// SupportQuestionSetTags replaces a question's tags.
func (s *DB) SupportQuestionSetTags(ctx context.Context, q Queryer, id int64, tags []string) error {
	return s.exec(ctx, q, fmt.Sprintf("tag support question %d", id),
		`UPDATE support_question SET tags = ? WHERE id = ?`, strings.Join(tags, ","), id)
}

// SupportQuestionSetMessages records where the asker's card and the
// helpdesk post live; a zero id leaves that one unchanged.
func (s *DB) SupportQuestionSetMessages(ctx context.Context, q Queryer, id, askerMessageID, helpdeskMessageID int64) error {
	return s.exec(ctx, q, fmt.Sprintf("set support question %d messages", id),
		`UPDATE support_question SET
		asker_message_id = CASE WHEN ? > 0 THEN ? ELSE asker_message_id END,
		helpdesk_message_id = CASE WHEN ? > 0 THEN ? ELSE helpdesk_message_id END WHERE id = ?`,
		askerMessageID, askerMessageID, helpdeskMessageID, helpdeskMessageID, id)
}

// SupportQuestionListDue returns open questions whose escalation check is
// due at now, oldest deadline first.
func (s *DB) SupportQuestionListDue(ctx context.Context, q Queryer, now time.Time, limit int) ([]*SupportQuestion, error) {
	if limit <= 0 {
		limit = 100
	}
	return selectConv(ctx, s, q, (*supportRow).toQuestion, "list due support questions", `SELECT `+supportColumns+` FROM support_question q
		WHERE q.status = 'open' AND q.escalate_at IS NOT NULL AND q.escalate_at <= ? ORDER BY q.escalate_at, q.id LIMIT ?`,
		now.UnixMilli(), limit)
}

// SupportRoute is one member a question was sent to, and the DM card they
// got.
type SupportRoute struct {
	QuestionID int64         `db:"question_id"`
	MemberID   int64         `db:"member_id"`
	Level      support.Level `db:"level"`
	MessageID  int64         `db:"message_id"`
	CreatedAt  int64         `db:"created_at"`
}

// SupportRouteAdd records that a question went to a member and reports
// whether it is new (false: that member already had it).
func (s *DB) SupportRouteAdd(ctx context.Context, tx *Tx, r SupportRoute, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO support_route (question_id, member_id, level, message_id, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id, member_id) DO NOTHING`),
		r.QuestionID, r.MemberID, int(r.Level), nullID(r.MessageID), at.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("add support route %d→%d: %w", r.QuestionID, r.MemberID, s.mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, s.mapErr(err)
}

// SupportRouteList returns everyone a question was sent to, in the order it
// reached them.
func (s *DB) SupportRouteList(ctx context.Context, q Queryer, questionID int64) ([]SupportRoute, error) {
	var out []SupportRoute
	err := q.SelectContext(ctx, &out, s.Rebind(`SELECT question_id, member_id, level, COALESCE(message_id, 0) AS message_id, created_at
		FROM support_route WHERE question_id = ? ORDER BY created_at, level, member_id`), questionID)
	if err != nil {
		return nil, fmt.Errorf("list support routes %d: %w", questionID, s.mapErr(err))
	}
	return out, nil
}

// SupportMessage is one relayed message between the asker and the claimer.
type SupportMessage struct {
	ID           int64     `db:"id"`
	QuestionID   int64     `db:"question_id"`
	FromMemberID int64     `db:"from_member_id"`
	Text         string    `db:"text"` // already redacted
	Redacted     bool      `db:"redacted"`
	CreatedAt    time.Time `db:"-"`
}

// SupportMessageAdd stores a relayed message and returns its id.
func (s *DB) SupportMessageAdd(ctx context.Context, tx *Tx, m SupportMessage) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO support_message (question_id, from_member_id, text, redacted, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), m.QuestionID, m.FromMemberID, m.Text, m.Redacted, m.CreatedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("add support message to %d: %w", m.QuestionID, s.mapErr(err))
	}
	return id, nil
}

// SupportMessageList returns a question's relayed messages, oldest first.
func (s *DB) SupportMessageList(ctx context.Context, q Queryer, questionID int64) ([]SupportMessage, error) {
	var rows []struct {
		SupportMessage
		At int64 `db:"created_at"`
	}
	err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT id, question_id, from_member_id, text, redacted, created_at
		FROM support_message WHERE question_id = ? ORDER BY id`), questionID)
	if err != nil {
		return nil, fmt.Errorf("list support messages %d: %w", questionID, s.mapErr(err))
	}
	out := make([]SupportMessage, len(rows))
	for i, r := range rows {
		out[i] = r.SupportMessage
		out[i].CreatedAt = time.UnixMilli(r.At).UTC()
	}
	return out, nil
}

type helperRow struct {
	memberRow
	DutyStart sql.NullInt64 `db:"duty_start"`
	DutyEnd   sql.NullInt64 `db:"duty_end"`
	DutyUntil sql.NullInt64 `db:"duty_until"`
}

func (r *helperRow) duty() *support.Hours {
	if !r.DutyStart.Valid || !r.DutyEnd.Valid {
		return nil
	}
	return &support.Hours{Start: member.Clock(r.DutyStart.Int64), End: member.Clock(r.DutyEnd.Int64)}
}

// SupportHelperList returns the members of a workspace who may be asked:
// the duty switch is on and they hold the super-user permission (which
// trainers and admins include), with their schedule and on-duty hours.
// Whether they are inside those hours is support.Helper.Available's call.
func (s *DB) SupportHelperList(ctx context.Context, q Queryer, workspaceID int64) ([]support.Helper, error) {
	var rows []helperRow
	err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT `+memberColumns+`, m.duty_start, m.duty_end, m.duty_until`+memberFrom+
		`WHERE m.workspace_id = ? AND m.on_duty AND m.permissions <> '' ORDER BY m.id`), workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list support helpers: %w", s.mapErr(err))
	}
	var out []support.Helper
	for i := range rows {
		m := rows[i].toMember()
		if !m.Has(member.PermSuperUser) {
			continue
		}
		name := m.Name
		if name == "" {
			name = m.UserID
		}
		out = append(out, support.Helper{MemberID: m.ID, Name: name, Department: m.Department, OnDuty: m.OnDuty,
			Schedule: m.Schedule, Duty: rows[i].duty(), DutyUntil: fromMS(rows[i].DutyUntil)})
	}
	return out, nil
}

// MemberSetDutyHours sets a super-user's on-duty hours; nil clears them
// (their work hours apply again).
func (s *DB) MemberSetDutyHours(ctx context.Context, q Queryer, id int64, h *support.Hours) error {
	var start, end sql.NullInt64
	if h != nil {
		start = sql.NullInt64{Int64: int64(h.Start), Valid: true}
		end = sql.NullInt64{Int64: int64(h.End), Valid: true}
	}
	res, err := q.ExecContext(ctx, s.Rebind(`UPDATE member SET duty_start = ?, duty_end = ?, updated_at = ? WHERE id = ?`),
		start, end, s.Now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("set duty hours of member %d: %w", id, s.mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set duty hours of member %d: %w", id, ErrNotFound)
	}
	return nil
}

// MemberDutyHours returns a member's on-duty hours, nil when they follow
// their work hours.
func (s *DB) MemberDutyHours(ctx context.Context, q Queryer, id int64) (*support.Hours, error) {
	var r helperRow
	if err := q.GetContext(ctx, &r, s.Rebind(`SELECT duty_start, duty_end FROM member WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("get duty hours of member %d: %w", id, s.mapErr(err))
	}
	return r.duty(), nil
}

// SupportReportFilter narrows SupportReportList.
type SupportReportFilter struct {
	Since      time.Time // asked at or after; zero = all time
	Department string    // the asker's department at the time; "" = all
	Role       string    // the asker's role; "" = all
	Workspace  string    // platform workspace id; "" = all
}

// SupportReportRow is a question with the names a report shows.
type SupportReportRow struct {
	SupportQuestion
	Platform    string
	AskerRole   string
	ClaimerName string
}

// SupportReportList returns the questions matching f, oldest first.
func (s *DB) SupportReportList(ctx context.Context, f SupportReportFilter) ([]SupportReportRow, error) {
	where := []string{"1=1"}
	var args []any
	if !f.Since.IsZero() {
		where = append(where, "q.created_at >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if f.Department != "" {
		where = append(where, "q.department = ?")
		args = append(args, f.Department)
	}
	if f.Role != "" {
		where = append(where, "a.role = ?")
		args = append(args, f.Role)
	}
	if f.Workspace != "" {
		where = append(where, "w.external_id = ?")
		args = append(args, f.Workspace)
	}
	var rows []struct {
		supportRow
		Platform    string `db:"platform"`
		AskerRole   string `db:"asker_role"`
		ClaimerName string `db:"claimer_name"`
	}
	err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+supportColumns+`, w.platform, a.role AS asker_role,
			COALESCE(NULLIF(c.name, ''), c.user_id, '') AS claimer_name
		FROM support_question q JOIN workspace w ON w.id = q.workspace_id JOIN member a ON a.id = q.asker_member_id
		LEFT JOIN member c ON c.id = q.claimer_member_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY q.created_at, q.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("support report: %w", s.mapErr(err))
	}
	out := make([]SupportReportRow, len(rows))
	for i := range rows {
		out[i] = SupportReportRow{SupportQuestion: *rows[i].toQuestion(), Platform: rows[i].Platform,
			AskerRole: rows[i].AskerRole, ClaimerName: rows[i].ClaimerName}
	}
	return out, nil
}

// SupportHelperGet returns member id as a support helper (schedule, duty
// switch, duty hours, DutyUntil) whether or not they are on duty or hold
// the permission, or ErrNotFound.
func (s *DB) SupportHelperGet(ctx context.Context, q Queryer, id int64) (support.Helper, error) {
	var r helperRow
	if err := q.GetContext(ctx, &r, s.Rebind(`SELECT `+memberColumns+`, m.duty_start, m.duty_end, m.duty_until`+memberFrom+
		`WHERE m.id = ?`), id); err != nil {
		return support.Helper{}, fmt.Errorf("get helper %d: %w", id, s.mapErr(err))
	}
	m := r.toMember()
	name := m.Name
	if name == "" {
		name = m.UserID
	}
	return support.Helper{MemberID: m.ID, Name: name, Department: m.Department, OnDuty: m.OnDuty, Schedule: m.Schedule,
		Duty: r.duty(), DutyUntil: fromMS(r.DutyUntil)}, nil
}

// SupportQuestionWakeWaiting makes every open question of a workspace that
// waits for someone to come on duty due at now, so the next tick hands it
// to whoever just did. It returns how many.
func (s *DB) SupportQuestionWakeWaiting(ctx context.Context, q Queryer, workspaceID int64, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, s.Rebind(`UPDATE support_question SET escalate_at = ?
		WHERE workspace_id = ? AND status = 'open' AND waiting AND escalate_at > ?`), now.UnixMilli(), workspaceID, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("wake waiting questions: %w", s.mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
