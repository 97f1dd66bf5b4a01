package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Delivery is one prompt sent (or about to be sent) to a member.
type Delivery struct {
	ID            int64
	WorkspaceID   int64
	MemberID      int64
	LessonID      string
	LessonVersion int
	Reason        string
	BurstID       string
	ShiftDate     string
	Status        string
	Scheduled     bool
	// Language is the language the lesson was shown in ("" for a prompt
	// recorded before languages were); RequestedLanguage the member's, when
	// the lesson had no translation into it ("" otherwise).
	Language          string
	RequestedLanguage string
	MessageID         int64
	CreatedAt         time.Time
	SentAt            time.Time
	SeenAt            time.Time
	AckedAt           time.Time
	AnsweredAt        time.Time
	NudgedAt          time.Time
	ExpiredAt         time.Time
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySent      = "sent"
	DeliveryAnswered  = "answered"
	DeliveryExpired   = "expired"
	DeliveryFailed    = "failed"
	DeliveryCancelled = "cancelled"
)

type deliveryRow struct {
	ID            int64          `db:"id"`
	WorkspaceID   int64          `db:"workspace_id"`
	MemberID      int64          `db:"member_id"`
	LessonID      string         `db:"lesson_id"`
	LessonVersion int            `db:"lesson_version"`
	Reason        string         `db:"reason"`
	BurstID       sql.NullString `db:"burst_id"`
	ShiftDate     string         `db:"shift_date"`
	Status        string         `db:"status"`
	Scheduled     bool           `db:"scheduled"`
	Language      string         `db:"language"`
	Requested     string         `db:"requested_language"`
	MessageID     sql.NullInt64  `db:"message_id"`
	CreatedAt     int64          `db:"created_at"`
	SentAt        sql.NullInt64  `db:"sent_at"`
	SeenAt        sql.NullInt64  `db:"seen_at"`
	AckedAt       sql.NullInt64  `db:"acked_at"`
	AnsweredAt    sql.NullInt64  `db:"answered_at"`
	NudgedAt      sql.NullInt64  `db:"nudged_at"`
	ExpiredAt     sql.NullInt64  `db:"expired_at"`
}

const deliveryColumns = `id, workspace_id, member_id, lesson_id, lesson_version, reason, burst_id, shift_date, status,
	scheduled, language, requested_language, COALESCE((SELECT msg.id FROM message msg WHERE msg.delivery_id = delivery.id ORDER BY msg.id LIMIT 1), 0) AS message_id,
	created_at, sent_at, seen_at, acked_at, answered_at, nudged_at, expired_at`

func (r *deliveryRow) toDelivery() *Delivery {
	return &Delivery{
		ID: r.ID, WorkspaceID: r.WorkspaceID, MemberID: r.MemberID, LessonID: r.LessonID, LessonVersion: r.LessonVersion,
		Reason: r.Reason, BurstID: r.BurstID.String, ShiftDate: r.ShiftDate, Status: r.Status, Scheduled: r.Scheduled,
		Language: r.Language, RequestedLanguage: r.Requested, MessageID: r.MessageID.Int64, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), SentAt: fromMS(r.SentAt),
		SeenAt: fromMS(r.SeenAt), AckedAt: fromMS(r.AckedAt), AnsweredAt: fromMS(r.AnsweredAt),
		NudgedAt: fromMS(r.NudgedAt), ExpiredAt: fromMS(r.ExpiredAt),
	}
}

// DeliveryNew is a prompt to record before it is sent.
type DeliveryNew struct {
	WorkspaceID   int64
	MemberID      int64
	LessonID      string
	LessonVersion int
	Reason        string
	BurstID       string
	ShiftDate     string
	Scheduled     bool // the day's scheduled prompt (at most one per shift date)
	// Language is the language the lesson is shown in, RequestedLanguage the
	// member's when that is another (see Delivery).
	Language          string
	RequestedLanguage string
	// DedupeKey makes the delivery unique; "" derives member:lesson:date.
	DedupeKey string
}

func (d *DeliveryNew) key() string {
	if d.DedupeKey != "" {
		return d.DedupeKey
	}
	return fmt.Sprintf("%d:%s:%s", d.MemberID, d.LessonID, d.ShiftDate)
}

// DeliveryCreateMany records prompts in one statement, skipping any that
// already exist (same dedupe key, or a second scheduled prompt for the same
// member and shift date). It returns the new ids in input order, 0 for each
// skipped one.
func (s *DB) DeliveryCreateMany(ctx context.Context, tx *Tx, ds []DeliveryNew) ([]int64, error) {
	ids := make([]int64, len(ds))
	if len(ds) == 0 {
		return ids, nil
	}
	now := s.Now().UnixMilli()
	if s.Backend == Postgres {
		return s.deliveryCreateArrays(ctx, tx, ds, ids, now)
	}
	const cols = 13
	for start := 0; start < len(ds); start += 500 {
		end := min(start+500, len(ds))
		var b strings.Builder
		args := make([]any, 0, (end-start)*cols)
		b.WriteString(`INSERT INTO delivery (workspace_id, member_id, lesson_id, lesson_version, reason, burst_id,
			shift_date, dedupe_key, scheduled, status, created_at, language, requested_language) VALUES `)
		keyIdx := make(map[string]int, end-start)
		for i := start; i < end; i++ {
			d := &ds[i]
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			var burst sql.NullString
			if d.BurstID != "" {
				burst = sql.NullString{String: d.BurstID, Valid: true}
			}
			k := d.key()
			if _, dup := keyIdx[k]; !dup {
				keyIdx[k] = i
			}
			args = append(args, d.WorkspaceID, d.MemberID, d.LessonID, d.LessonVersion, d.Reason, burst,
				d.ShiftDate, k, d.Scheduled, DeliveryPending, now, d.Language, d.RequestedLanguage)
		}
		b.WriteString(` ON CONFLICT DO NOTHING RETURNING id, dedupe_key`)
		rows, err := tx.QueryxContext(ctx, tx.Rebind(b.String()), args...)
		if err != nil {
			return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
		}
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return nil, err
			}
			ids[keyIdx[k]] = id
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
		}
	}
	return ids, nil
}

// deliveryCreateArrays is DeliveryCreateMany on PostgreSQL: one INSERT …
// SELECT FROM unnest with an array per column.
func (s *DB) deliveryCreateArrays(ctx context.Context, tx *Tx, ds []DeliveryNew, ids []int64, now int64) ([]int64, error) {
	n := len(ds)
	var (
		ws, members, created = make([]int64, n), make([]int64, n), make([]int64, n)
		versions             = make([]int64, n)
		lessonIDs, reasons   = make([]string, n), make([]string, n)
		bursts, dates, keys  = make([]string, n), make([]string, n), make([]string, n)
		langs, requested     = make([]string, n), make([]string, n)
		scheduled            = make([]bool, n)
	)
	// A scheduled prompt without an explicit key stores NULL (its uniqueness
	// is delivery_one_scheduled's); RETURNING names it "s:MEMBER:DATE".
	keyIdx := make(map[string]int, n)
	for i := range ds {
		d := &ds[i]
		k, stored := d.key(), d.key()
		if d.Scheduled && d.DedupeKey == "" {
			k, stored = fmt.Sprintf("s:%d:%s", d.MemberID, d.ShiftDate), ""
		}
		if _, dup := keyIdx[k]; !dup {
			keyIdx[k] = i
		}
		ws[i], members[i], created[i], versions[i] = d.WorkspaceID, d.MemberID, now, int64(d.LessonVersion)
		lessonIDs[i], reasons[i], bursts[i], dates[i], keys[i] = d.LessonID, d.Reason, d.BurstID, d.ShiftDate, stored
		scheduled[i], langs[i], requested[i] = d.Scheduled, d.Language, d.RequestedLanguage
	}
	args := []any{pq.Array(ws), pq.Array(members), pq.Array(lessonIDs), pq.Array(versions), pq.Array(reasons),
		pq.Array(bursts), pq.Array(dates), pq.Array(keys), pq.Array(scheduled), pq.Array(created), pq.Array(langs),
		pq.Array(requested)}
	const insert = `INSERT INTO delivery (workspace_id, member_id, lesson_id, lesson_version, reason,
			burst_id, shift_date, dedupe_key, scheduled, status, created_at, language, requested_language)
		SELECT w, m, l, v, r, NULLIF(b, ''), d, NULLIF(k, ''), sc, 'pending', c, lg, rq
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::bool[], $10::bigint[], $11::text[], $12::text[]) AS u(w, m, l, v, r, b, d, k, sc, c, lg, rq)`
	// The callers check for existing prompts before they create, so a plain
	// INSERT nearly always succeeds, and costs a third less than ON CONFLICT's
	// speculative insertion. When it does hit a duplicate (a retry, another
	// process), it is rolled back to the savepoint and redone skipping them.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT delivery_create`); err != nil {
		return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
	}
	const returning = ` RETURNING id, COALESCE(dedupe_key, 's:' || member_id || ':' || shift_date)`
	rows, err := tx.QueryxContext(ctx, insert+returning, args...)
	if err == nil {
		err = s.scanDeliveryIDs(rows, keyIdx, ids)
	}
	if err != nil && IsConflict(s.mapErr(err)) {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT delivery_create`); err != nil {
			return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
		}
		clear(ids)
		rows, err = tx.QueryxContext(ctx, insert+` ON CONFLICT DO NOTHING`+returning, args...)
		if err == nil {
			err = s.scanDeliveryIDs(rows, keyIdx, ids)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT delivery_create`); err != nil {
		return nil, fmt.Errorf("create deliveries: %w", s.mapErr(err))
	}
	return ids, nil
}

// scanDeliveryIDs reads "RETURNING id, key" into ids by key.
func (s *DB) scanDeliveryIDs(rows *sqlx.Rows, keyIdx map[string]int, ids []int64) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return err
		}
		ids[keyIdx[k]] = id
	}
	return rows.Err()
}

// DeliveryGet returns a delivery by id, or ErrNotFound.
func (s *DB) DeliveryGet(ctx context.Context, q Queryer, id int64) (*Delivery, error) {
	return getConv(ctx, s, q, (*deliveryRow).toDelivery, fmt.Sprintf("get delivery %d", id),
		`SELECT `+deliveryColumns+` FROM delivery WHERE id = ?`, id)
}

// DeliveryLockForAnswer reads a delivery inside tx and, on PostgreSQL, locks
// its row so two concurrent clicks serialize.
func (s *DB) DeliveryLockForAnswer(ctx context.Context, tx *Tx, id int64) (*Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM delivery WHERE id = ?`
	if s.Backend == Postgres {
		q += ` FOR UPDATE`
	}
	return getConv(ctx, s, tx, (*deliveryRow).toDelivery, fmt.Sprintf("get delivery %d", id), q, id)
}

// DeliveryForSend is DeliveryLockForAnswer for a prompt's send job: it also
// returns the recipient (one read instead of two).
func (s *DB) DeliveryForSend(ctx context.Context, tx *Tx, id int64) (*Delivery, Recipient, error) {
	lock := ""
	if s.Backend == Postgres {
		lock = ` FOR UPDATE`
	}
	q := `SELECT d.*, m.user_id AS r_user_id, m.reachable AS r_reachable, m.dm_channel AS r_dm_channel, m.ref AS r_ref
		FROM (SELECT ` + deliveryColumns + ` FROM delivery WHERE id = ?` + lock + `) d JOIN member m ON m.id = d.member_id`
	var r struct {
		deliveryRow
		UserID    string `db:"r_user_id"`
		Reachable bool   `db:"r_reachable"`
		DMChannel string `db:"r_dm_channel"`
		Ref       string `db:"r_ref"`
	}
	if err := tx.GetContext(ctx, &r, tx.Rebind(q), id); err != nil {
		return nil, Recipient{}, fmt.Errorf("get delivery %d: %w", id, s.mapErr(err))
	}
	return r.toDelivery(), Recipient{UserID: r.UserID, Reachable: r.Reachable, DMChannel: r.DMChannel, Ref: r.Ref}, nil
}

// DeliveryMarkSent records that the prompt reached the platform. Tips count
// as seen once sent; quizzes only once answered.
func (s *DB) DeliveryMarkSent(ctx context.Context, q Queryer, messageID int64, at time.Time) error {
	const query = `UPDATE delivery SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END,
		sent_at = COALESCE(sent_at, ?),
		seen_at = CASE WHEN seen_at IS NULL AND (SELECT kind FROM lesson WHERE lesson.id = delivery.lesson_id) = 'tip' THEN ? ELSE seen_at END
		WHERE id = (SELECT delivery_id FROM message WHERE id = ?)`
	if q == Queryer(s) {
		_, err := s.execPrepared(ctx, query, at.UnixMilli(), at.UnixMilli(), messageID)
		return err
	}
	_, err := q.ExecContext(ctx, s.Rebind(query), at.UnixMilli(), at.UnixMilli(), messageID)
	return s.mapErr(err)
}

// DeliveryMarkFailed records that a prompt could not be delivered.
func (s *DB) DeliveryMarkFailed(ctx context.Context, q Queryer, messageID int64) error {
	_, err := q.ExecContext(ctx, s.Rebind(`UPDATE delivery SET status = 'failed'
		WHERE id = (SELECT delivery_id FROM message WHERE id = ?) AND status = 'pending'`), messageID)
	return s.mapErr(err)
}

// DeliveryAck records a "Got it" on a tip; it reports false if it was
// already acknowledged.
func (s *DB) DeliveryAck(ctx context.Context, tx *Tx, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE delivery SET acked_at = ?, seen_at = COALESCE(seen_at, ?)
		WHERE id = ? AND acked_at IS NULL`), at.UnixMilli(), at.UnixMilli(), id)
	if err != nil {
		return false, s.mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeliveryExpireOpen expires every unanswered, unseen prompt of the given
// members except the ids in keep: an unanswered question counts as not seen
// and comes back through the planner. It returns how many expired.
func (s *DB) DeliveryExpireOpen(ctx context.Context, tx *Tx, memberIDs []int64, keep []int64, at time.Time) (int64, error) {
	if len(memberIDs) == 0 {
		return 0, nil
	}
	args := []any{at.UnixMilli()}
	q := `UPDATE delivery SET status = 'expired', expired_at = ? WHERE status IN ('pending', 'sent')
		AND answered_at IS NULL AND seen_at IS NULL AND member_id IN (` + placeholders(len(memberIDs)) + `)`
	for _, id := range memberIDs {
		args = append(args, id)
	}
	if len(keep) > 0 {
		q += ` AND id NOT IN (` + placeholders(len(keep)) + `)`
		for _, id := range keep {
			args = append(args, id)
		}
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("expire deliveries: %w", s.mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeliveryListNudgeCandidates returns sent, unanswered, un-nudged quiz
// prompts sent after `after` and at or before `before`, for members who
// want nudges. The lower bound keeps prompts too old to be nudged (their
// shift is over, lessons.NudgeWindow) from filling every page.
func (s *DB) DeliveryListNudgeCandidates(ctx context.Context, after, before time.Time, limit int) ([]*Delivery, error) {
	return selectConv(ctx, s, s, (*deliveryRow).toDelivery, "list nudge candidates", `SELECT `+deliveryColumns+` FROM delivery
		WHERE status = 'sent' AND answered_at IS NULL AND seen_at IS NULL AND nudged_at IS NULL AND sent_at <= ? AND sent_at > ?
		AND member_id IN (SELECT id FROM member WHERE nudges) ORDER BY id LIMIT ?`, before.UnixMilli(), after.UnixMilli(), limit)
}

// DeliveryMarkNudged records the one nudge; false if it was already nudged.
func (s *DB) DeliveryMarkNudged(ctx context.Context, tx *Tx, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE delivery SET nudged_at = ? WHERE id = ? AND nudged_at IS NULL`), at.UnixMilli(), id)
	if err != nil {
		return false, s.mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeliveryMarkNudgedForMember marks every other sent, unanswered prompt of
// a member as nudged (one reminder covers them all) and returns how many.
func (s *DB) DeliveryMarkNudgedForMember(ctx context.Context, tx *Tx, memberID int64, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE delivery SET nudged_at = ? WHERE member_id = ? AND status = 'sent'
		AND answered_at IS NULL AND seen_at IS NULL AND nudged_at IS NULL`), at.UnixMilli(), memberID)
	if err != nil {
		return 0, s.mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeliveryOpenForMember returns the member's newest prompt that is still
// waiting for an answer, or ErrNotFound.
func (s *DB) DeliveryOpenForMember(ctx context.Context, memberID int64) (*Delivery, error) {
	var r deliveryRow
	err := s.GetContext(ctx, &r, s.Rebind(`SELECT `+deliveryColumns+` FROM delivery WHERE member_id = ?
		AND status IN ('pending', 'sent') AND answered_at IS NULL AND seen_at IS NULL ORDER BY id DESC LIMIT 1`), memberID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	return r.toDelivery(), nil
}

// Answer is a recorded quiz answer.
type Answer struct {
	DeliveryID    int64
	WorkspaceID   int64
	MemberID      int64
	LessonID      string
	LessonVersion int
	Choice        int
	Correct       bool
	Attempt       int
	AnsweredAt    time.Time
	// Language is the language the question was shown in (the delivery's).
	Language string
}

// AnswerRecord stores the first answer to a delivery and marks the delivery
// answered. It reports false, and changes nothing, if the delivery already
// has an answer: the first answer counts.
func (s *DB) AnswerRecord(ctx context.Context, tx *Tx, a *Answer) (bool, error) {
	recorded, err := s.AnswerRecordMany(ctx, tx, []*Answer{a})
	return recorded[a.DeliveryID], err
}

// AnswerGet returns the answer recorded for a delivery, or ErrNotFound.
func (s *DB) AnswerGet(ctx context.Context, q Queryer, deliveryID int64) (*Answer, error) {
	var r struct {
		WorkspaceID   int64  `db:"workspace_id"`
		MemberID      int64  `db:"member_id"`
		LessonID      string `db:"lesson_id"`
		LessonVersion int    `db:"lesson_version"`
		Choice        int    `db:"choice"`
		Correct       bool   `db:"correct"`
		Attempt       int    `db:"attempt"`
		AnsweredAt    int64  `db:"answered_at"`
		Language      string `db:"language"`
	}
	err := q.GetContext(ctx, &r, s.Rebind(`SELECT workspace_id, member_id, lesson_id, lesson_version, choice, correct,
		attempt, answered_at, language FROM answer WHERE delivery_id = ?`), deliveryID)
	if err != nil {
		return nil, s.mapErr(err)
	}
	return &Answer{DeliveryID: deliveryID, WorkspaceID: r.WorkspaceID, MemberID: r.MemberID, LessonID: r.LessonID,
		LessonVersion: r.LessonVersion, Choice: r.Choice, Correct: r.Correct, Attempt: r.Attempt,
		AnsweredAt: time.UnixMilli(r.AnsweredAt).UTC(), Language: r.Language}, nil
}

// ReviewShift moves every open review of a member forward by days (a pause
// shifts the schedule instead of piling prompts up).
func (s *DB) ReviewShift(ctx context.Context, tx *Tx, memberID int64, days int) error {
	var rows []struct {
		LessonID string `db:"lesson_id"`
		DueDate  string `db:"due_date"`
	}
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT lesson_id, due_date FROM review WHERE member_id = ? AND NOT retired`), memberID); err != nil {
		return s.mapErr(err)
	}
	for _, r := range rows {
		d, err := time.Parse("2006-01-02", r.DueDate)
		if err != nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE review SET due_date = ? WHERE member_id = ? AND lesson_id = ?`),
			d.AddDate(0, 0, days).Format("2006-01-02"), memberID, r.LessonID); err != nil {
			return s.mapErr(err)
		}
	}
	return nil
}

// PlanData is what the planner needs to know about one member.
type PlanData struct {
	Seen         map[string]bool
	Unanswered   map[string]string // lesson → latest earlier shift date it went unanswered (lessons.PlanState)
	Reviews      []lessons.Review
	BurstItems   []lessons.BurstItem
	RecentlySent map[string]bool // lessons delivered on the shift date being planned
	HasScheduled bool            // a scheduled prompt exists for that shift date
	HasOpen      bool            // an earlier prompt still waits for an answer
}

// PlanDataLoad loads planning state for many members at once (a handful of
// queries, whatever the number of members). shiftDates gives, per member,
// the shift date being planned.
func (s *DB) PlanDataLoad(ctx context.Context, q Queryer, shiftDates map[int64]string) (map[int64]*PlanData, error) {
	out := make(map[int64]*PlanData, len(shiftDates))
	if len(shiftDates) == 0 {
		return out, nil
	}
	memberIDs := make([]int64, 0, len(shiftDates))
	for id := range shiftDates {
		memberIDs = append(memberIDs, id)
		out[id] = &PlanData{Seen: map[string]bool{}, RecentlySent: map[string]bool{}, Unanswered: map[string]string{}}
	}
	in, ids := s.inIDs(memberIDs)
	var seen []struct {
		MemberID  int64  `db:"member_id"`
		LessonID  string `db:"lesson_id"`
		ShiftDate string `db:"shift_date"`
		Seen      bool   `db:"seen"`
		Scheduled bool   `db:"scheduled"`
		Status    string `db:"status"`
	}
	if err := q.SelectContext(ctx, &seen, s.Rebind(`SELECT member_id, lesson_id, shift_date,
		(seen_at IS NOT NULL) AS seen, scheduled, status FROM delivery WHERE member_id `+in+`
		AND (seen_at IS NOT NULL OR status IN ('pending', 'sent', 'answered', 'expired'))`), ids...); err != nil {
		return nil, fmt.Errorf("load plan data: %w", s.mapErr(err))
	}
	for _, r := range seen {
		p := out[r.MemberID]
		if r.Seen {
			p.Seen[r.LessonID] = true
		} else if r.Status == DeliveryPending || r.Status == DeliverySent {
			p.HasOpen = true
		}
		// An expired prompt, or one still open from an earlier shift (it
		// expires when today's goes out), went unanswered: the planner
		// passes over it for a while instead of sending it again.
		if !r.Seen && r.Status != DeliveryAnswered && r.ShiftDate < shiftDates[r.MemberID] && r.ShiftDate > p.Unanswered[r.LessonID] {
			p.Unanswered[r.LessonID] = r.ShiftDate
		}
		if r.ShiftDate == shiftDates[r.MemberID] {
			p.RecentlySent[r.LessonID] = true
			if r.Scheduled {
				p.HasScheduled = true
			}
		}
	}
	var reviews []struct {
		MemberID int64  `db:"member_id"`
		LessonID string `db:"lesson_id"`
		Streak   int    `db:"streak"`
		Attempts int    `db:"attempts"`
		DueDate  string `db:"due_date"`
	}
	if err := q.SelectContext(ctx, &reviews, s.Rebind(`SELECT member_id, lesson_id, streak, attempts, due_date FROM review
		WHERE NOT retired AND member_id `+in+``), ids...); err != nil {
		return nil, fmt.Errorf("load plan data: %w", s.mapErr(err))
	}
	for _, r := range reviews {
		p := out[r.MemberID]
		p.Reviews = append(p.Reviews, lessons.Review{LessonID: r.LessonID, Streak: r.Streak, Attempts: r.Attempts, DueDate: r.DueDate})
	}
	var items []struct {
		MemberID      int64  `db:"member_id"`
		BurstID       string `db:"burst_id"`
		LessonID      string `db:"lesson_id"`
		Seq           int    `db:"seq"`
		AvailableDate string `db:"available_date"`
	}
	if err := q.SelectContext(ctx, &items, s.Rebind(`SELECT i.member_id, b.burst_id, i.lesson_id, i.seq, i.available_date
		FROM burst_item i JOIN burst_send b ON b.id = i.send_id
		WHERE i.status = 'pending' AND b.status = 'active' AND i.member_id `+in+` ORDER BY i.seq, i.id`), ids...); err != nil {
		return nil, fmt.Errorf("load plan data: %w", s.mapErr(err))
	}
	for _, r := range items {
		p := out[r.MemberID]
		p.BurstItems = append(p.BurstItems, lessons.BurstItem{BurstID: r.BurstID, LessonID: r.LessonID, Seq: r.Seq, AvailableDate: r.AvailableDate})
	}
	return out, nil
}

// BurstItemMarkDelivered links pending burst items to the deliveries that
// carried them.
func (s *DB) BurstItemMarkDelivered(ctx context.Context, tx *Tx, memberID int64, burstID, lessonID string, deliveryID int64) error {
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE burst_item SET status = 'delivered', delivery_id = ?
		WHERE member_id = ? AND lesson_id = ? AND status = 'pending'
		AND send_id IN (SELECT id FROM burst_send WHERE burst_id = ?)`), deliveryID, memberID, lessonID, burstID)
	return s.mapErr(err)
}

// DueCursor is where a walk over the due members stands: the (next_due_at,
// id) of the last member returned. The zero cursor is the start (due times
// and ids are never negative).
type DueCursor struct {
	Due int64
	ID  int64
}

// MemberListDueAfter returns up to limit joined members due at now that come
// after cur in (next_due_at, id) order, and the cursor for the next page. A
// member whose next due time moves past now meanwhile is not returned again.
func (s *DB) MemberListDueAfter(ctx context.Context, now time.Time, cur DueCursor, limit int) ([]*member.Member, DueCursor, error) {
	var rows []struct {
		memberRow
		CursorDue int64 `db:"cursor_due"`
	}
	err := s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+memberColumns+`, d.next_due_at AS cursor_due`+memberFrom+`
		JOIN member_due d ON d.member_id = m.id
		WHERE m.joined AND d.next_due_at <= ? AND (d.next_due_at, d.member_id) > (?, ?)
		ORDER BY d.next_due_at, d.member_id LIMIT ?`), now.UnixMilli(), cur.Due, cur.ID, limit)
	if err != nil {
		return nil, cur, fmt.Errorf("list due members: %w", s.mapErr(err))
	}
	out := make([]*member.Member, len(rows))
	for i := range rows {
		out[i] = rows[i].toMember()
	}
	if len(rows) > 0 {
		last := rows[len(rows)-1]
		cur = DueCursor{Due: last.CursorDue, ID: last.ID}
	}
	return out, cur, nil
}

// MemberSetNextDue stores the next delivery instant of many members in one
// statement (zero time = nothing scheduled).
func (s *DB) MemberSetNextDue(ctx context.Context, q Queryer, next map[int64]time.Time) error {
	if len(next) == 0 {
		return nil
	}
	ids, dues := make([]int64, 0, len(next)), make(nullInt64Array, 0, len(next))
	for id, t := range next {
		ids, dues = append(ids, id), append(dues, ms(t))
	}
	var err error
	if s.Backend == Postgres {
		_, err = q.ExecContext(ctx, `INSERT INTO member_due (member_id, next_due_at)
			SELECT * FROM unnest($1::bigint[], $2::bigint[])
			ON CONFLICT (member_id) DO UPDATE SET next_due_at = EXCLUDED.next_due_at`, pq.Array(ids), dues)
	} else {
		args := make([]any, 0, 2*len(ids))
		for i := range ids {
			args = append(args, ids[i], dues[i])
		}
		_, err = q.ExecContext(ctx, `INSERT INTO member_due (member_id, next_due_at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?), ", len(ids)), ", ")+`
			ON CONFLICT (member_id) DO UPDATE SET next_due_at = excluded.next_due_at`, args...)
	}
	if err != nil {
		return fmt.Errorf("set next due: %w", s.mapErr(err))
	}
	return nil
}

// MemberMoveDue is MemberSetNextDue for members known to have a due time
// (the scheduler's own batches, listed from it): a plain UPDATE.
func (s *DB) MemberMoveDue(ctx context.Context, q Queryer, next map[int64]time.Time) error {
	pairs := mapPairs(next, ms)
	if err := s.updateFromPairs(ctx, q, `UPDATE member_due SET next_due_at = v.column2`, `member_due.member_id = v.column1`, pairs); err != nil {
		return fmt.Errorf("set next due: %w", err)
	}
	return nil
}

// mapPairs returns m's entries as (key, value(v)) pairs for updateFromPairs.
func mapPairs[V any](m map[int64]V, value func(V) sql.NullInt64) [][2]sql.NullInt64 {
	pairs := make([][2]sql.NullInt64, 0, len(m))
	for k, v := range m {
		pairs = append(pairs, [2]sql.NullInt64{validInt64(k), value(v)})
	}
	return pairs
}

// updateFromPairs runs "UPDATE … FROM (VALUES (a, b), …) AS v WHERE …" for
// many (BIGINT, BIGINT) pairs in one statement, on both backends (VALUES
// columns are named column1, column2 in PostgreSQL and SQLite alike).
func (s *DB) updateFromPairs(ctx context.Context, q Queryer, update, where string, pairs [][2]sql.NullInt64) error {
	if len(pairs) == 0 {
		return nil
	}
	if s.Backend == Postgres {
		col1, col2 := make(nullInt64Array, len(pairs)), make(nullInt64Array, len(pairs))
		for i, p := range pairs {
			col1[i], col2[i] = p[0], p[1]
		}
		_, err := q.ExecContext(ctx, s.Rebind(update+` FROM (SELECT unnest(CAST(? AS BIGINT[])) AS column1,
			unnest(CAST(? AS BIGINT[])) AS column2) AS v WHERE `+where), col1, col2)
		return s.mapErr(err)
	}
	var b strings.Builder
	args := make([]any, 0, 2*len(pairs))
	b.WriteString(update + ` FROM (VALUES `)
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT))")
		args = append(args, p[0], p[1])
	}
	b.WriteString(`) AS v WHERE ` + where)
	_, err := q.ExecContext(ctx, s.Rebind(b.String()), args...)
	return s.mapErr(err)
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// MemberStats is a learner's own numbers.
type MemberStats struct {
	Answered        int
	Correct         int
	FirstTryCorrect int
	FirstTries      int
	Mastered        int // retired questions
	Seen            int
	Streak          int // consecutive shift days with an answered prompt
}

// MemberStatsGet computes a member's stats.
func (s *DB) MemberStatsGet(ctx context.Context, q Queryer, memberID int64) (*MemberStats, error) {
	st := &MemberStats{}
	var agg struct {
		Answered   int `db:"answered"`
		Correct    int `db:"correct"`
		FirstTries int `db:"first_tries"`
		FirstOK    int `db:"first_ok"`
	}
	if err := q.GetContext(ctx, &agg, s.Rebind(`SELECT COUNT(*) AS answered,
		COALESCE(SUM(CASE WHEN correct THEN 1 ELSE 0 END), 0) AS correct,
		COALESCE(SUM(CASE WHEN attempt = 1 THEN 1 ELSE 0 END), 0) AS first_tries,
		COALESCE(SUM(CASE WHEN attempt = 1 AND correct THEN 1 ELSE 0 END), 0) AS first_ok
		FROM answer WHERE member_id = ?`), memberID); err != nil {
		return nil, s.mapErr(err)
	}
	st.Answered, st.Correct, st.FirstTries, st.FirstTryCorrect = agg.Answered, agg.Correct, agg.FirstTries, agg.FirstOK
	if err := q.GetContext(ctx, &st.Mastered, s.Rebind(`SELECT COUNT(*) FROM review WHERE member_id = ? AND retired`), memberID); err != nil {
		return nil, s.mapErr(err)
	}
	if err := q.GetContext(ctx, &st.Seen, s.Rebind(`SELECT COUNT(DISTINCT lesson_id) FROM delivery WHERE member_id = ? AND seen_at IS NOT NULL`), memberID); err != nil {
		return nil, s.mapErr(err)
	}
	streak, err := s.MemberStreak(ctx, q, memberID)
	if err != nil {
		return nil, err
	}
	st.Streak = streak
	return st, nil
}

// MemberStreak returns the number of consecutive shift days, ending today,
// on which the member answered (or acknowledged) a prompt; today's prompt
// that is still open does not break it.
func (s *DB) MemberStreak(ctx context.Context, q Queryer, memberID int64) (int, error) {
	streaks, err := s.MemberStreakMany(ctx, q, []int64{memberID}, s.Now())
	return streaks[memberID], err
}

// DeliverySetMessage links a delivery to a message that carries it (for
// messages created without DeliveryID).
func (s *DB) DeliverySetMessage(ctx context.Context, tx *Tx, deliveryID, messageID int64) error {
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE message SET delivery_id = ? WHERE id = ?`), deliveryID, messageID)
	return s.mapErr(err)
}

// DeliverySetMessages links many deliveries to their messages (delivery id →
// message id) in one statement.
func (s *DB) DeliverySetMessages(ctx context.Context, tx *Tx, links map[int64]int64) error {
	pairs := mapPairs(links, validInt64)
	if err := s.updateFromPairs(ctx, tx, `UPDATE message SET delivery_id = v.column1`, `message.id = v.column2`, pairs); err != nil {
		return fmt.Errorf("link deliveries: %w", err)
	}
	return nil
}

// DeliveryHasScheduled reports whether the member's scheduled prompt for
// shiftDate (YYYY-MM-DD) exists already, whatever its status.
func (s *DB) DeliveryHasScheduled(ctx context.Context, q Queryer, memberID int64, shiftDate string) (bool, error) {
	var n int
	if err := q.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM delivery WHERE member_id = ? AND shift_date = ? AND scheduled`),
		memberID, shiftDate); err != nil {
		return false, fmt.Errorf("scheduled prompt of member %d on %s: %w", memberID, shiftDate, s.mapErr(err))
	}
	return n > 0, nil
}
