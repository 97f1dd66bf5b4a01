package store

import (
	"context"
	"fmt"
	"time"
)

// InboxAnswer is a quiz answer received but not yet applied.
type InboxAnswer struct {
	ID          int64 `db:"id"`
	WorkspaceID int64 `db:"workspace_id"`
	MemberID    int64 `db:"member_id"`
	DeliveryID  int64 `db:"delivery_id"`
	Choice      int   `db:"choice"`
	ReceivedAt  int64 `db:"received_at"`
	Attempts    int   `db:"attempts"`
	// ResponseURL is the click's reply hook (Slack's response_url), "" if
	// none: the applier confirms the answer through it.
	ResponseURL string `db:"response_url"`
}

// AnswerInboxMaxAttempts is how often the applier tries an answer before it
// leaves it for an operator.
const AnswerInboxMaxAttempts = 5

// answerInboxInsert queues a click in the inbox when it qualifies; its
// arguments: choice, received at (ms), response URL, delivery id,
// workspace id, user id.
const answerInboxInsert = `INSERT INTO answer_inbox (workspace_id, member_id, delivery_id, choice, received_at, response_url)
		SELECT d.workspace_id, d.member_id, d.id, ?, ?, ? FROM delivery d JOIN member m ON m.id = d.member_id
		WHERE d.id = ? AND m.workspace_id = ? AND m.user_id = ? AND d.answered_at IS NULL`

// AnswerInboxAdd durably records a click on a quiz answer, in one statement:
// only when the delivery exists, was sent to the workspace member with that
// platform user id, and is not answered yet. It reports whether it recorded
// the click; false sends the caller down the checking path, which explains
// why to the person.
func (s *DB) AnswerInboxAdd(ctx context.Context, workspaceID int64, userID string, deliveryID int64, choice int, at time.Time,
	responseURL string) (bool, error) {
	res, err := s.execPrepared(ctx, answerInboxInsert, choice, at.UnixMilli(), responseURL, deliveryID, workspaceID, userID)
	if err != nil {
		return false, fmt.Errorf("queue answer: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AnswerInboxAddSeen is AnswerInboxAdd for a click carried by a platform
// event that must be recorded as seen (EventSeen) with it: it records the
// event id and, only if the event is new, the click — on PostgreSQL in one
// statement, elsewhere in one transaction. replay reports an event
// recorded before (nothing else is written); otherwise the event is
// recorded whether or not the click qualified (queued).
func (s *DB) AnswerInboxAddSeen(ctx context.Context, platform, eventID string, workspaceID int64, userID string, deliveryID int64,
	choice int, at time.Time, responseURL string) (queued, replay bool, err error) {
	if s.Backend != Postgres {
		err = s.Tx(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO processed_event (platform, event_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (platform, event_id) DO NOTHING`), platform, eventID, s.Now().UnixMilli())
			if err != nil {
				return s.mapErr(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				replay = true
				return nil
			}
			res, err = tx.ExecContext(ctx, tx.Rebind(answerInboxInsert), choice, at.UnixMilli(), responseURL, deliveryID, workspaceID, userID)
			if err != nil {
				return s.mapErr(err)
			}
			n, _ := res.RowsAffected()
			queued = n > 0
			return nil
		})
		if err != nil {
			return false, false, fmt.Errorf("queue answer: %w", err)
		}
		return queued, replay, nil
	}
	stmt, err := s.prepared(ctx, `WITH e AS (
			INSERT INTO processed_event (platform, event_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (platform, event_id) DO NOTHING RETURNING 1),
		i AS (`+answerInboxInsert+` AND EXISTS (SELECT 1 FROM e) RETURNING 1)
		SELECT (SELECT COUNT(*) FROM e), (SELECT COUNT(*) FROM i)`)
	if err != nil {
		return false, false, fmt.Errorf("queue answer: %w", err)
	}
	var recorded, inserted int
	if err := stmt.QueryRowxContext(ctx, platform, eventID, s.Now().UnixMilli(),
		choice, at.UnixMilli(), responseURL, deliveryID, workspaceID, userID).Scan(&recorded, &inserted); err != nil {
		return false, false, fmt.Errorf("queue answer: %w", s.mapErr(err))
	}
	return inserted > 0, recorded == 0, nil
}

// AnswerInboxClaim returns up to limit waiting answers after inbox id
// after, oldest first, locked in tx so that another process's applier skips
// them (PostgreSQL).
func (s *DB) AnswerInboxClaim(ctx context.Context, tx *Tx, after int64, limit int) ([]InboxAnswer, error) {
	q := `SELECT id, workspace_id, member_id, delivery_id, choice, received_at, attempts, response_url FROM answer_inbox
		WHERE attempts < ? AND id > ? ORDER BY id LIMIT ?`
	if s.Backend == Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	var out []InboxAnswer
	if err := tx.SelectContext(ctx, &out, tx.Rebind(q), AnswerInboxMaxAttempts, after, limit); err != nil {
		return nil, fmt.Errorf("claim answers: %w", s.mapErr(err))
	}
	return out, nil
}

// AnswerInboxWaiting reports whether any answer waits to be applied: one
// read outside a transaction, for an applier that has nothing to do (a
// claim is a transaction of three round trips).
func (s *DB) AnswerInboxWaiting(ctx context.Context) (bool, error) {
	stmt, err := s.prepared(ctx, `SELECT EXISTS (SELECT 1 FROM answer_inbox WHERE attempts < ?)`)
	if err != nil {
		return false, fmt.Errorf("answers waiting: %w", err)
	}
	var waiting bool
	if err := stmt.QueryRowxContext(ctx, AnswerInboxMaxAttempts).Scan(&waiting); err != nil {
		return false, fmt.Errorf("answers waiting: %w", s.mapErr(err))
	}
	return waiting, nil
}

// AnswerInboxDelete removes applied answers.
func (s *DB) AnswerInboxDelete(ctx context.Context, tx *Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := s.inIDs(ids)
	_, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM answer_inbox WHERE id `+in), args...)
	return s.mapErr(err)
}

// AnswerInboxFailed counts a failed attempt to apply an answer.
func (s *DB) AnswerInboxFailed(ctx context.Context, id int64) error {
	_, err := s.ExecContext(ctx, s.Rebind(`UPDATE answer_inbox SET attempts = attempts + 1 WHERE id = ?`), id)
	return s.mapErr(err)
}

// AnswerInboxDepth counts answers waiting to be applied (and those left
// after too many attempts).
func (s *DB) AnswerInboxDepth(ctx context.Context) (waiting, stuck int, err error) {
	err = s.QueryRowxContext(ctx, s.Rebind(`SELECT COUNT(*) FILTER (WHERE attempts < ?), COUNT(*) FILTER (WHERE attempts >= ?)
		FROM answer_inbox`), AnswerInboxMaxAttempts, AnswerInboxMaxAttempts).Scan(&waiting, &stuck)
	return waiting, stuck, s.mapErr(err)
}
