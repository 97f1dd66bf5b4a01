package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// BurstSend is a burst sent to one workspace. Sending the same burst again
// reuses it: there is one send per workspace and burst.
type BurstSend struct {
	ID          int64
	WorkspaceID int64
	BurstID     string
	Pace        lessons.Pace
	Immediate   bool // first sent with "now"
	StartAt     time.Time
	Status      string // BurstActive or BurstCancelled
	CreatedBy   int64  // member id of the trainer; 0 = the CLI
	CreatedAt   time.Time
	CancelledAt time.Time
}

// Burst send statuses.
const (
	BurstActive    = "active"
	BurstCancelled = "cancelled"
)

// Burst item statuses.
const (
	BurstItemPending   = "pending"
	BurstItemDelivered = "delivered"
	BurstItemCancelled = "cancelled"
)

type burstSendRow struct {
	ID          int64         `db:"id"`
	WorkspaceID int64         `db:"workspace_id"`
	BurstID     string        `db:"burst_id"`
	Pace        string        `db:"pace"`
	Immediate   bool          `db:"immediate"`
	StartAt     int64         `db:"start_at"`
	Status      string        `db:"status"`
	CreatedBy   sql.NullInt64 `db:"created_by"`
	CreatedAt   int64         `db:"created_at"`
	CancelledAt sql.NullInt64 `db:"cancelled_at"`
}

const burstSendColumns = `id, workspace_id, burst_id, pace, immediate, start_at, status, created_by, created_at, cancelled_at`

func (r *burstSendRow) toSend() *BurstSend {
	return &BurstSend{ID: r.ID, WorkspaceID: r.WorkspaceID, BurstID: r.BurstID, Pace: lessons.Pace(r.Pace),
		Immediate: r.Immediate, StartAt: time.UnixMilli(r.StartAt).UTC(), Status: r.Status, CreatedBy: r.CreatedBy.Int64,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), CancelledAt: fromMS(r.CancelledAt)}
}

// BurstSendNew describes a send to record.
type BurstSendNew struct {
	WorkspaceID int64
	BurstID     string
	Pace        lessons.Pace
	Immediate   bool
	StartAt     time.Time
	CreatedBy   int64 // 0 = the CLI
}

// BurstSendEnsure returns the workspace's send of p.BurstID, creating it
// from p when there is none yet; created reports whether it did. A second
// send of the same burst (by mistake, or concurrently from another process)
// gets the first one's row: its pace, start and author stay. The burst must
// have been imported (burst table).
func (s *DB) BurstSendEnsure(ctx context.Context, tx *Tx, p BurstSendNew) (send *BurstSend, created bool, err error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO burst_send (workspace_id, burst_id, pace, immediate, start_at,
		status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, burst_id) DO NOTHING`),
		p.WorkspaceID, p.BurstID, string(p.Pace), p.Immediate, p.StartAt.UnixMilli(), BurstActive, nullID(p.CreatedBy), s.Now().UnixMilli())
	if err != nil {
		return nil, false, fmt.Errorf("start burst %s: %w", p.BurstID, s.mapErr(err))
	}
	n, _ := res.RowsAffected()
	send, err = s.BurstSendGet(ctx, tx, p.WorkspaceID, p.BurstID)
	if err != nil {
		return nil, false, err
	}
	return send, n == 1, nil
}

// BurstSendGet returns the workspace's send of a burst, or ErrNotFound when
// it was never sent there.
func (s *DB) BurstSendGet(ctx context.Context, q Queryer, workspaceID int64, burstID string) (*BurstSend, error) {
	return getConv(ctx, s, q, (*burstSendRow).toSend, fmt.Sprintf("get burst send %s", burstID),
		`SELECT `+burstSendColumns+` FROM burst_send WHERE workspace_id = ? AND burst_id = ?`, workspaceID, burstID)
}

// BurstSendList returns every send of a workspace, oldest first.
func (s *DB) BurstSendList(ctx context.Context, q Queryer, workspaceID int64) ([]*BurstSend, error) {
	return selectConv(ctx, s, q, (*burstSendRow).toSend, "list burst sends",
		`SELECT `+burstSendColumns+` FROM burst_send WHERE workspace_id = ? ORDER BY id`, workspaceID)
}

// BurstItem is one lesson of a burst for one member.
type BurstItem struct {
	ID            int64  `db:"id"`
	SendID        int64  `db:"send_id"`
	MemberID      int64  `db:"member_id"`
	LessonID      string `db:"lesson_id"`
	Seq           int    `db:"seq"`
	AvailableDate string `db:"available_date"` // shift date from which it may go out; "" = at once
	Status        string `db:"status"`
	DeliveryID    int64  `db:"delivery_id"`
}

const burstItemColumns = `i.id, i.send_id, i.member_id, i.lesson_id, i.seq, i.available_date, i.status,
	COALESCE(i.delivery_id, 0) AS delivery_id`

// BurstItemNew is an item to add to a send.
type BurstItemNew struct {
	MemberID      int64
	LessonID      string
	Seq           int
	AvailableDate string
}

// burstItemBatch bounds the rows per INSERT: 6 parameters each stays far
// below PostgreSQL's 65535 and SQLite's 32766 bind parameters.
const burstItemBatch = 500

// BurstItemAddMany adds items to a send, skipping every member x lesson the
// send already has (UNIQUE send_id, member_id, lesson_id), so sending twice
// — even concurrently — never doubles an item. It returns how many it added.
func (s *DB) BurstItemAddMany(ctx context.Context, tx *Tx, send *BurstSend, items []BurstItemNew) (int, error) {
	return s.insertMany(ctx, tx, "add burst items",
		`INSERT INTO burst_item (workspace_id, send_id, member_id, lesson_id, seq, available_date) VALUES `,
		` ON CONFLICT (send_id, member_id, lesson_id) DO NOTHING`, len(items), 6, burstItemBatch, func(args []any, i int) []any {
			it := &items[i]
			return append(args, send.WorkspaceID, send.ID, it.MemberID, it.LessonID, it.Seq, it.AvailableDate)
		})
}

// BurstItemListPending returns the pending items of a send for the given
// members, by member and then by position in the burst.
func (s *DB) BurstItemListPending(ctx context.Context, q Queryer, sendID int64, memberIDs []int64) ([]BurstItem, error) {
	var out []BurstItem
	for start := 0; start < len(memberIDs); start += burstItemBatch {
		end := min(start+burstItemBatch, len(memberIDs))
		args := []any{sendID}
		for _, id := range memberIDs[start:end] {
			args = append(args, id)
		}
		var rows []BurstItem
		if err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT `+burstItemColumns+` FROM burst_item i
			WHERE i.send_id = ? AND i.status = 'pending' AND i.member_id IN (`+placeholders(end-start)+`)
			ORDER BY i.member_id, i.seq`), args...); err != nil {
			return nil, fmt.Errorf("list pending burst items: %w", s.mapErr(err))
		}
		out = append(out, rows...)
	}
	return out, nil
}

// BurstItemWaitingTurn reports whether the prompt carried by message
// messageID is a burst item that must wait for an earlier item of the same
// send to the same member: one recorded (delivered to the queue) after
// since whose prompt has not reached the chat yet. Each prompt is its own
// delivery job and workers run them concurrently, so without this the
// order of a burst's file would be the order in which jobs happen to
// finish. A predecessor older than since is not waited for (it may be
// stuck behind a long outage; the rest of the burst should still go out).
func (s *DB) BurstItemWaitingTurn(ctx context.Context, q Queryer, messageID int64, since time.Time) (bool, error) {
	// burst_item_member (member_id, status) keeps both burst_item lookups
	// to the member's own items.
	var n int
	query := `SELECT COUNT(*) FROM message msg
		JOIN delivery d ON d.id = msg.delivery_id
		JOIN burst_item me ON me.member_id = d.member_id AND me.status = 'delivered' AND me.delivery_id = d.id
		JOIN burst_item p ON p.member_id = me.member_id AND p.status = 'delivered' AND p.send_id = me.send_id AND p.seq < me.seq
		JOIN delivery pd ON pd.id = p.delivery_id
		WHERE msg.id = ? AND d.burst_id IS NOT NULL AND pd.status = 'pending' AND pd.sent_at IS NULL AND pd.created_at > ?`
	var err error
	if q == Queryer(s) {
		// Asked once per burst message sent: a stored plan.
		var stmt *sqlx.Stmt
		if stmt, err = s.prepared(ctx, query); err == nil {
			err = stmt.GetContext(ctx, &n, messageID, since.UnixMilli())
		}
	} else {
		err = q.GetContext(ctx, &n, s.Rebind(query), messageID, since.UnixMilli())
	}
	if err != nil {
		return false, fmt.Errorf("burst turn of message %d: %w", messageID, s.mapErr(err))
	}
	return n > 0, nil
}

// BurstItemLink links a burst item to the delivery that carried it.
type BurstItemLink struct {
	MemberID   int64
	LessonID   string
	DeliveryID int64
}

// BurstItemMarkDeliveredMany marks pending items of a send delivered, in
// one statement per 500 items. Items no longer pending are left alone.
func (s *DB) BurstItemMarkDeliveredMany(ctx context.Context, tx *Tx, sendID int64, links []BurstItemLink) error {
	for start := 0; start < len(links); start += burstItemBatch {
		end := min(start+burstItemBatch, len(links))
		var b strings.Builder
		args := make([]any, 0, 3*(end-start)+1)
		// UPDATE … FROM lets both engines find each item through the
		// UNIQUE (send_id, member_id, lesson_id) index.
		b.WriteString(`UPDATE burst_item SET status = 'delivered', delivery_id = v.column3 FROM (VALUES `)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT))")
			args = append(args, links[i].MemberID, links[i].LessonID, links[i].DeliveryID)
		}
		b.WriteString(`) AS v WHERE burst_item.send_id = ? AND burst_item.member_id = v.column1
			AND burst_item.lesson_id = v.column2 AND burst_item.status = 'pending'`)
		args = append(args, sendID)
		if _, err := tx.ExecContext(ctx, tx.Rebind(b.String()), args...); err != nil {
			return fmt.Errorf("mark burst items delivered: %w", s.mapErr(err))
		}
	}
	return nil
}

// BurstCompanion is a pending item of an all-at-once burst whose member has
// already been sent another item of the same send: it is due in the same
// delivery window.
type BurstCompanion struct {
	Item    BurstItem
	BurstID string
	Member  *member.Member
}

// BurstSendListActive returns the active sends of a pace in every
// workspace, oldest first.
func (s *DB) BurstSendListActive(ctx context.Context, q Queryer, pace lessons.Pace) ([]*BurstSend, error) {
	return selectConv(ctx, s, q, (*burstSendRow).toSend, "list active burst sends",
		`SELECT `+burstSendColumns+` FROM burst_send WHERE status = 'active' AND pace = ? ORDER BY id`, string(pace))
}

// BurstItemListCompanions returns, by item id after afterID, at most limit
// pending items of a send whose member already has a delivered item of the
// same send, each with its member. For an all-at-once burst these are due
// in the window in which the first item went out.
func (s *DB) BurstItemListCompanions(ctx context.Context, q Queryer, send *BurstSend, afterID int64, limit int) ([]BurstCompanion, error) {
	var rows []struct {
		ItemID        int64  `db:"item_id"`
		SendID        int64  `db:"item_send_id"`
		LessonID      string `db:"item_lesson_id"`
		Seq           int    `db:"item_seq"`
		AvailableDate string `db:"item_available_date"`
		memberRow
	}
	// burst_item and member share column names (id, workspace_id), so the
	// item's columns are renamed.
	// The partial index burst_item_pending keeps this proportional to the
	// send's pending items, whatever was sent before.
	err := q.SelectContext(ctx, &rows, s.Rebind(`SELECT i.id AS item_id, i.send_id AS item_send_id, i.lesson_id AS item_lesson_id,
		i.seq AS item_seq, i.available_date AS item_available_date, `+memberColumns+`
		FROM burst_item i JOIN member m ON m.id = i.member_id JOIN workspace w ON w.id = m.workspace_id
		WHERE i.send_id = ? AND i.status = 'pending' AND i.id > ?
		AND EXISTS (SELECT 1 FROM burst_item j WHERE j.send_id = i.send_id AND j.member_id = i.member_id AND j.status = 'delivered')
		ORDER BY i.id LIMIT ?`), send.ID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list burst companions: %w", s.mapErr(err))
	}
	out := make([]BurstCompanion, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = BurstCompanion{BurstID: send.BurstID, Member: r.memberRow.toMember(), Item: BurstItem{ID: r.ItemID, SendID: r.SendID,
			MemberID: r.memberRow.ID, LessonID: r.LessonID, Seq: r.Seq, AvailableDate: r.AvailableDate, Status: BurstItemPending}}
	}
	return out, nil
}

// BurstCancelResult says what a cancel stopped.
type BurstCancelResult struct {
	Items      int64   // pending items that will no longer go out
	Deliveries int64   // recorded prompts not yet sent, now cancelled
	MessageIDs []int64 // their messages, whose delivery jobs the caller cancels
}

// BurstSendCancel cancels a workspace's send of a burst: the send stops,
// its pending items are cancelled, and its prompts not yet sent are marked
// cancelled (their message ids are returned so the caller can cancel the
// delivery jobs in the same transaction). What was already sent stays. It
// returns ErrNotFound when the burst was never sent there; cancelling twice
// changes nothing the second time.
func (s *DB) BurstSendCancel(ctx context.Context, tx *Tx, workspaceID int64, burstID string, at time.Time) (*BurstCancelResult, error) {
	send, err := s.BurstSendGet(ctx, tx, workspaceID, burstID)
	if err != nil {
		return nil, err
	}
	res := &BurstCancelResult{}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE burst_send SET status = 'cancelled', cancelled_at = ?
		WHERE id = ? AND status = 'active'`), at.UnixMilli(), send.ID); err != nil {
		return nil, fmt.Errorf("cancel burst %s: %w", burstID, s.mapErr(err))
	}
	r, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE burst_item SET status = 'cancelled' WHERE send_id = ? AND status = 'pending'`), send.ID)
	if err != nil {
		return nil, fmt.Errorf("cancel burst %s: %w", burstID, s.mapErr(err))
	}
	res.Items, _ = r.RowsAffected()
	if err := tx.SelectContext(ctx, &res.MessageIDs, tx.Rebind(`SELECT m.id FROM delivery d JOIN message m ON m.delivery_id = d.id
		WHERE d.workspace_id = ? AND d.burst_id = ? AND d.status = 'pending' AND d.sent_at IS NULL ORDER BY m.id`), workspaceID, burstID); err != nil {
		return nil, fmt.Errorf("cancel burst %s: %w", burstID, s.mapErr(err))
	}
	r, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE delivery SET status = 'cancelled' WHERE workspace_id = ? AND burst_id = ?
		AND status = 'pending' AND sent_at IS NULL`), workspaceID, burstID)
	if err != nil {
		return nil, fmt.Errorf("cancel burst %s: %w", burstID, s.mapErr(err))
	}
	res.Deliveries, _ = r.RowsAffected()
	return res, nil
}

// BurstLessonStats are the counts of one lesson of a burst (or, as a
// total, of all of them): member x lesson items targeted, still pending,
// cancelled; prompts sent (reached the platform), seen, acknowledged ("Got
// it" on a tip), answered and answered correctly (first answer, quizzes).
type BurstLessonStats struct {
	LessonID  string `db:"lesson_id"`
	Seq       int    `db:"seq"`
	Targeted  int    `db:"targeted"`
	Pending   int    `db:"pending"`
	Cancelled int    `db:"cancelled"`
	Sent      int    `db:"sent"`
	Seen      int    `db:"seen"`
	Acked     int    `db:"acked"`
	Answered  int    `db:"answered"`
	Correct   int    `db:"correct"`
}

// BurstStats is where a burst send stands.
type BurstStats struct {
	Send    *BurstSend
	Members int // members targeted
	Reached int // members sent at least one item
	// Unreachable counts the targeted members the bot cannot message (they
	// blocked or uninstalled it, closed their DMs, left): marked so after a
	// delivery to them failed for good, and not retried.
	Unreachable int
	Lessons     []BurstLessonStats
	Total       BurstLessonStats
	// PendingMembers lists the members with items still pending and the earliest
	// shift date from which one of them may go out.
	PendingMembers []BurstWaiting `json:"-"`
}

// BurstWaiting is a member with pending items of a send.
type BurstWaiting struct {
	MemberID int64  `db:"member_id"`
	Date     string `db:"date"`
}

// BurstStatsGet counts a workspace's send of a burst per lesson, in burst
// order, and in total. It returns ErrNotFound when it was never sent there.
func (s *DB) BurstStatsGet(ctx context.Context, q Queryer, workspaceID int64, burstID string) (*BurstStats, error) {
	send, err := s.BurstSendGet(ctx, q, workspaceID, burstID)
	if err != nil {
		return nil, err
	}
	st := &BurstStats{Send: send}
	if err := q.SelectContext(ctx, &st.Lessons, s.Rebind(`SELECT i.lesson_id, MIN(i.seq) AS seq, COUNT(*) AS targeted,
		COALESCE(SUM(CASE WHEN i.status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
		COALESCE(SUM(CASE WHEN i.status = 'cancelled' OR d.status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled,
		COALESCE(SUM(CASE WHEN d.sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
		COALESCE(SUM(CASE WHEN d.seen_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS seen,
		COALESCE(SUM(CASE WHEN d.acked_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS acked,
		COALESCE(SUM(CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered,
		COALESCE(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END), 0) AS correct
		FROM burst_item i LEFT JOIN delivery d ON d.id = i.delivery_id LEFT JOIN answer a ON a.delivery_id = d.id
		WHERE i.send_id = ? GROUP BY i.lesson_id ORDER BY MIN(i.seq), i.lesson_id`), send.ID); err != nil {
		return nil, fmt.Errorf("burst %s stats: %w", burstID, s.mapErr(err))
	}
	var members struct {
		Members     int `db:"members"`
		Reached     int `db:"reached"`
		Unreachable int `db:"unreachable"`
	}
	if err := q.GetContext(ctx, &members, s.Rebind(`SELECT COUNT(DISTINCT i.member_id) AS members,
		COUNT(DISTINCT CASE WHEN d.sent_at IS NOT NULL THEN i.member_id END) AS reached,
		COUNT(DISTINCT CASE WHEN NOT m.reachable OR d.status = 'failed' THEN i.member_id END) AS unreachable
		FROM burst_item i JOIN member m ON m.id = i.member_id LEFT JOIN delivery d ON d.id = i.delivery_id
		WHERE i.send_id = ?`), send.ID); err != nil {
		return nil, fmt.Errorf("burst %s stats: %w", burstID, s.mapErr(err))
	}
	st.Members, st.Reached, st.Unreachable = members.Members, members.Reached, members.Unreachable
	if err := q.SelectContext(ctx, &st.PendingMembers, s.Rebind(`SELECT member_id, MIN(available_date) AS date
		FROM burst_item WHERE send_id = ? AND status = 'pending' GROUP BY member_id ORDER BY member_id`), send.ID); err != nil {
		return nil, fmt.Errorf("burst %s stats: %w", burstID, s.mapErr(err))
	}
	st.Total.LessonID = "total"
	for _, l := range st.Lessons {
		st.Total.Targeted += l.Targeted
		st.Total.Pending += l.Pending
		st.Total.Cancelled += l.Cancelled
		st.Total.Sent += l.Sent
		st.Total.Seen += l.Seen
		st.Total.Acked += l.Acked
		st.Total.Answered += l.Answered
		st.Total.Correct += l.Correct
	}
	return st, nil
}
