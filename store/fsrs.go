package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
)

// FSRSFit is one stored fit of the FSRS weights.
type FSRSFit struct {
	ID         int64
	Params     lessons.FSRSParams
	Reviews    int
	LossBefore float64
	LossAfter  float64
	FittedAt   time.Time
}

// FSRSParamsAdd stores a fit; the newest fit is the one in use. It returns
// the fit's id.
func (s *DB) FSRSParamsAdd(ctx context.Context, f FSRSFit) (int64, error) {
	js, err := json.Marshal(f.Params[:])
	if err != nil {
		return 0, fmt.Errorf("store FSRS weights: %w", err)
	}
	if f.FittedAt.IsZero() {
		f.FittedAt = s.Now()
	}
	var id int64
	err = s.Tx(ctx, func(tx *Tx) error {
		return tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO fsrs_params (params, reviews, loss_before, loss_after, fitted_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), string(js), f.Reviews, f.LossBefore, f.LossAfter, f.FittedAt.UnixMilli())
	})
	if err != nil {
		return 0, fmt.Errorf("store FSRS weights: %w", s.mapErr(err))
	}
	return id, nil
}

// FSRSParamsLatest returns the newest stored fit, or ErrNotFound when the
// deployment has never been fitted (the default weights apply).
func (s *DB) FSRSParamsLatest(ctx context.Context, q Queryer) (*FSRSFit, error) {
	var row struct {
		ID         int64   `db:"id"`
		Params     string  `db:"params"`
		Reviews    int     `db:"reviews"`
		LossBefore float64 `db:"loss_before"`
		LossAfter  float64 `db:"loss_after"`
		FittedAt   int64   `db:"fitted_at"`
	}
	if err := q.GetContext(ctx, &row, `SELECT id, params, reviews, loss_before, loss_after, fitted_at
		FROM fsrs_params ORDER BY id DESC LIMIT 1`); err != nil {
		return nil, fmt.Errorf("FSRS weights: %w", s.mapErr(err))
	}
	var w []float64
	if err := json.Unmarshal([]byte(row.Params), &w); err != nil || len(w) != len(lessons.FSRSParams{}) {
		return nil, fmt.Errorf("FSRS weights %d: stored weights are not 21 numbers (%v)", row.ID, err)
	}
	f := &FSRSFit{ID: row.ID, Reviews: row.Reviews, LossBefore: row.LossBefore, LossAfter: row.LossAfter,
		FittedAt: time.UnixMilli(row.FittedAt)}
	copy(f.Params[:], w)
	return f, nil
}

// AnswerHistories returns every recorded answer as histories: one per
// (member, lesson), oldest first, with the shift date of the delivery
// answered. It reads the whole answer table; it is for "spacing fit".
func (s *DB) AnswerHistories(ctx context.Context, q Queryer) ([][]lessons.PastAnswer, error) {
	var rows []struct {
		MemberID  int64  `db:"member_id"`
		LessonID  string `db:"lesson_id"`
		ShiftDate string `db:"shift_date"`
		Correct   bool   `db:"correct"`
		Conf      int    `db:"confidence"`
	}
	if err := q.SelectContext(ctx, &rows, `SELECT a.member_id, a.lesson_id, d.shift_date, a.correct, a.confidence
		FROM answer a JOIN delivery d ON d.id = a.delivery_id
		ORDER BY a.member_id, a.lesson_id, a.answered_at, a.id`); err != nil {
		return nil, fmt.Errorf("answer histories: %w", s.mapErr(err))
	}
	var out [][]lessons.PastAnswer
	for i, r := range rows {
		if i == 0 || r.MemberID != rows[i-1].MemberID || r.LessonID != rows[i-1].LessonID {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], lessons.PastAnswer{ShiftDate: r.ShiftDate, Correct: r.Correct,
			Confidence: lessons.Confidence(r.Conf)})
	}
	return out, nil
}

// AnswerSetConfidence records how sure the member said they were of their
// answer to a delivery (a later tap may change it). It reports false when
// the member has no answer to that delivery.
func (s *DB) AnswerSetConfidence(ctx context.Context, tx *Tx, deliveryID, memberID int64, c lessons.Confidence) (bool, error) {
	if c < lessons.ConfidenceGuessed || c > lessons.ConfidenceCertain {
		return false, fmt.Errorf("confidence %d: want 1 (guessed) to 3 (certain)", c)
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE answer SET confidence = ? WHERE delivery_id = ? AND member_id = ?`),
		int(c), deliveryID, memberID)
	if err != nil {
		return false, fmt.Errorf("answer confidence: %w", s.mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("answer confidence: %w", err)
	}
	return n > 0, nil
}
