package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// The answer applier records many queued answers per transaction; these are
// the set-at-a-time forms of the statements one direct answer runs (a few
// statements per batch instead of a dozen per answer).

// DeliveryLockMany reads deliveries by id inside tx and, on PostgreSQL,
// locks their rows (a direct click on one of them waits).
func (s *DB) DeliveryLockMany(ctx context.Context, tx *Tx, ids []int64) (map[int64]*Delivery, error) {
	out := make(map[int64]*Delivery, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := s.inIDs(ids)
	q := `SELECT ` + deliveryColumns + ` FROM delivery WHERE id ` + in + ` ORDER BY id`
	if s.Backend == Postgres {
		q += ` FOR UPDATE`
	}
	var rows []deliveryRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("lock deliveries: %w", s.mapErr(err))
	}
	for i := range rows {
		out[rows[i].ID] = rows[i].toDelivery()
	}
	return out, nil
}

// MemberGetMany returns members by id (missing ids are left out).
func (s *DB) MemberGetMany(ctx context.Context, q Queryer, ids []int64) (map[int64]*member.Member, error) {
	out := make(map[int64]*member.Member, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := s.inIDs(ids)
	var rows []memberRow
	if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT `+memberColumns+memberFrom+`WHERE m.id `+in), args...); err != nil {
		return nil, fmt.Errorf("get members: %w", s.mapErr(err))
	}
	for i := range rows {
		m := rows[i].toMember()
		out[m.ID] = m
	}
	return out, nil
}

// MemberLesson names one member's spacing state for one lesson.
type MemberLesson struct {
	MemberID int64
	LessonID string
}

// pairValues renders (member, lesson) pairs as a VALUES list both backends
// accept in "(member_id, lesson_id) IN (…)".
func pairValues(pairs []MemberLesson) (string, []any) {
	args := make([]any, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.MemberID, p.LessonID)
	}
	return `VALUES ` + strings.TrimSuffix(strings.Repeat(`(CAST(? AS BIGINT), CAST(? AS TEXT)), `, len(pairs)), ", "), args
}

// AnswerRecordMany stores the first answer to each delivery (each answer's
// attempt number counted from the member's earlier answers to the lesson)
// and marks those deliveries answered. It returns the delivery ids it
// recorded; a delivery that already had an answer is left as it was.
// The answers must be to distinct deliveries.
func (s *DB) AnswerRecordMany(ctx context.Context, tx *Tx, as []*Answer) (map[int64]bool, error) {
	recorded := make(map[int64]bool, len(as))
	if len(as) == 0 {
		return recorded, nil
	}
	pairs := make([]MemberLesson, 0, len(as))
	seen := map[MemberLesson]bool{}
	for _, a := range as {
		k := MemberLesson{a.MemberID, a.LessonID}
		if !seen[k] {
			seen[k] = true
			pairs = append(pairs, k)
		}
	}
	vals, args := pairValues(pairs)
	var counts []struct {
		MemberID int64  `db:"member_id"`
		LessonID string `db:"lesson_id"`
		N        int    `db:"n"`
	}
	if err := tx.SelectContext(ctx, &counts, tx.Rebind(`SELECT member_id, lesson_id, COUNT(*) AS n FROM answer
		WHERE (member_id, lesson_id) IN (`+vals+`) GROUP BY member_id, lesson_id`), args...); err != nil {
		return nil, fmt.Errorf("record answers: %w", s.mapErr(err))
	}
	prior := make(map[MemberLesson]int, len(counts))
	for _, c := range counts {
		prior[MemberLesson{c.MemberID, c.LessonID}] = c.N
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO answer (workspace_id, member_id, delivery_id, lesson_id, lesson_version, choice, correct,
		attempt, answered_at, language) VALUES `)
	args = args[:0]
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		k := MemberLesson{a.MemberID, a.LessonID}
		prior[k]++
		a.Attempt = prior[k]
		args = append(args, a.WorkspaceID, a.MemberID, a.DeliveryID, a.LessonID, a.LessonVersion, a.Choice, a.Correct,
			a.Attempt, a.AnsweredAt.UnixMilli(), a.Language)
	}
	b.WriteString(` ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`)
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, tx.Rebind(b.String()), args...); err != nil {
		return nil, fmt.Errorf("record answers: %w", s.mapErr(err))
	}
	for _, id := range ids {
		recorded[id] = true
	}
	var marks [][2]sql.NullInt64
	for _, a := range as {
		if recorded[a.DeliveryID] {
			marks = append(marks, [2]sql.NullInt64{validInt64(a.DeliveryID), validInt64(a.AnsweredAt.UnixMilli())})
		}
	}
	if err := s.updateFromPairs(ctx, tx, `UPDATE delivery SET status = 'answered', answered_at = v.column2,
		seen_at = COALESCE(seen_at, v.column2)`, `delivery.id = v.column1`, marks); err != nil {
		return nil, fmt.Errorf("record answers: %w", err)
	}
	return recorded, nil
}

// ReviewGetMany returns the spacing state of (member, lesson) pairs; a pair
// never answered has the zero state.
func (s *DB) ReviewGetMany(ctx context.Context, q Queryer, pairs []MemberLesson) (map[MemberLesson]lessons.Review, error) {
	out := make(map[MemberLesson]lessons.Review, len(pairs))
	for _, p := range pairs {
		out[p] = lessons.Review{LessonID: p.LessonID}
	}
	if len(pairs) == 0 {
		return out, nil
	}
	vals, args := pairValues(pairs)
	var rows []struct {
		MemberID       int64   `db:"member_id"`
		LessonID       string  `db:"lesson_id"`
		Streak         int     `db:"streak"`
		Attempts       int     `db:"attempts"`
		DueDate        string  `db:"due_date"`
		Retired        bool    `db:"retired"`
		Stability      float64 `db:"stability"`
		Difficulty     float64 `db:"difficulty"`
		LastReviewDate string  `db:"last_review_date"`
	}
	if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT member_id, lesson_id, streak, attempts, due_date, retired,
		stability, difficulty, last_review_date
		FROM review WHERE (member_id, lesson_id) IN (`+vals+`)`), args...); err != nil {
		return nil, fmt.Errorf("get reviews: %w", s.mapErr(err))
	}
	for _, r := range rows {
		out[MemberLesson{r.MemberID, r.LessonID}] = lessons.Review{LessonID: r.LessonID, Streak: r.Streak,
			Attempts: r.Attempts, DueDate: r.DueDate, Retired: r.Retired,
			Memory:         lessons.MemoryState{Stability: r.Stability, Difficulty: r.Difficulty},
			LastReviewDate: r.LastReviewDate}
	}
	return out, nil
}

// PastAnswer is one recorded answer as the spacing rules see it.
type PastAnswer struct {
	DeliveryID int64
	ShiftDate  string // the shift date of the delivery answered
	Correct    bool
	Confidence lessons.Confidence
}

// ReviewHistoryMany returns the recorded answers to each (member, lesson)
// pair, oldest first, so that FSRS state can be derived for reviews answered
// before it was stored. Pairs without answers are absent.
func (s *DB) ReviewHistoryMany(ctx context.Context, q Queryer, pairs []MemberLesson) (map[MemberLesson][]PastAnswer, error) {
	out := make(map[MemberLesson][]PastAnswer, len(pairs))
	if len(pairs) == 0 {
		return out, nil
	}
	vals, args := pairValues(pairs)
	var rows []struct {
		MemberID   int64  `db:"member_id"`
		LessonID   string `db:"lesson_id"`
		DeliveryID int64  `db:"delivery_id"`
		ShiftDate  string `db:"shift_date"`
		Correct    bool   `db:"correct"`
		Confidence int    `db:"confidence"`
	}
	if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT a.member_id, a.lesson_id, a.delivery_id, d.shift_date, a.correct, a.confidence
		FROM answer a JOIN delivery d ON d.id = a.delivery_id
		WHERE (a.member_id, a.lesson_id) IN (`+vals+`) ORDER BY a.answered_at, a.id`), args...); err != nil {
		return nil, fmt.Errorf("get review history: %w", s.mapErr(err))
	}
	for _, r := range rows {
		k := MemberLesson{r.MemberID, r.LessonID}
		out[k] = append(out[k], PastAnswer{DeliveryID: r.DeliveryID, ShiftDate: r.ShiftDate, Correct: r.Correct,
			Confidence: lessons.Confidence(r.Confidence)})
	}
	return out, nil
}

// ReviewWrite is one review state to store.
type ReviewWrite struct {
	WorkspaceID int64
	MemberID    int64
	Review      lessons.Review
}

// ReviewPutMany stores review states; each (member, lesson) at most once.
func (s *DB) ReviewPutMany(ctx context.Context, tx *Tx, rs []ReviewWrite) error {
	if len(rs) == 0 {
		return nil
	}
	now := s.Now().UnixMilli()
	args := make([]any, 0, 11*len(rs))
	for _, r := range rs {
		args = append(args, r.WorkspaceID, r.MemberID, r.Review.LessonID, r.Review.Streak, r.Review.Attempts,
			r.Review.DueDate, r.Review.Retired, now, r.Review.Memory.Stability, r.Review.Memory.Difficulty,
			r.Review.LastReviewDate)
	}
	_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO review (workspace_id, member_id, lesson_id, streak, attempts,
		due_date, retired, updated_at, stability, difficulty, last_review_date)
		VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(rs)), ", ")+`
		ON CONFLICT (member_id, lesson_id) DO UPDATE SET streak = excluded.streak, attempts = excluded.attempts,
		due_date = excluded.due_date, retired = excluded.retired, updated_at = excluded.updated_at,
		stability = excluded.stability, difficulty = excluded.difficulty, last_review_date = excluded.last_review_date`), args...)
	if err != nil {
		return fmt.Errorf("store reviews: %w", s.mapErr(err))
	}
	return nil
}

// MemberStreakMany returns each member's streak (lessons.Streak) at today,
// from their shift days with prompts in the last 2 × lessons.StreakDays
// calendar days.
func (s *DB) MemberStreakMany(ctx context.Context, q Queryer, memberIDs []int64, today time.Time) (map[int64]int, error) {
	out := make(map[int64]int, len(memberIDs))
	if len(memberIDs) == 0 {
		return out, nil
	}
	in, args := s.inIDs(memberIDs)
	// Shift dates are YYYY-MM-DD and compare as text.
	since := today.AddDate(0, 0, -2*lessons.StreakDays).Format("2006-01-02")
	args = append(args, since)
	var days []struct {
		MemberID int64  `db:"member_id"`
		Date     string `db:"shift_date"`
		Ans      int    `db:"ans"`
		Open     int    `db:"open"`
	}
	if err := q.SelectContext(ctx, &days, s.Rebind(`SELECT member_id, shift_date,
		MAX(CASE WHEN status = 'answered' OR acked_at IS NOT NULL THEN 1 ELSE 0 END) AS ans,
		MAX(CASE WHEN status IN ('pending', 'sent') AND acked_at IS NULL THEN 1 ELSE 0 END) AS open
		FROM delivery WHERE member_id `+in+` AND shift_date >= ?
		GROUP BY member_id, shift_date ORDER BY member_id, shift_date DESC`), args...); err != nil {
		return nil, fmt.Errorf("streaks: %w", s.mapErr(err))
	}
	per := map[int64][]lessons.StreakDay{}
	for _, d := range days {
		per[d.MemberID] = append(per[d.MemberID], lessons.StreakDay{Date: d.Date, Answered: d.Ans == 1, Open: d.Open == 1})
	}
	for id, ds := range per {
		out[id] = lessons.Streak(ds, today)
	}
	return out, nil
}

// MessageUpdateMany replaces the cards of many messages and bumps their
// revisions; it returns each message's new revision.
func (s *DB) MessageUpdateMany(ctx context.Context, tx *Tx, cards map[int64]string) (map[int64]int, error) {
	out := make(map[int64]int, len(cards))
	if len(cards) == 0 {
		return out, nil
	}
	args := make([]any, 0, 2*len(cards))
	for id, c := range cards {
		args = append(args, id, c)
	}
	var rows []struct {
		ID       int64 `db:"id"`
		Revision int   `db:"revision"`
	}
	err := tx.SelectContext(ctx, &rows, tx.Rebind(`UPDATE message SET card = v.column2, revision = revision + 1, updated_at = ?
		FROM (VALUES `+strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT), CAST(? AS TEXT)), ", len(cards)), ", ")+`) AS v
		WHERE message.id = v.column1 RETURNING message.id, message.revision`), append([]any{s.Now().UnixMilli()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("update messages: %w", s.mapErr(err))
	}
	for _, r := range rows {
		out[r.ID] = r.Revision
	}
	return out, nil
}
