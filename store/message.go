package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Message is something the bot posts: a DM to a member (Channel "dm") or a
// post in a channel. Card is the neutral card as JSON; adapters render it.
// Revision counts edits; SentRevision is the last revision the platform has.
type Message struct {
	ID              int64  `db:"id"`
	WorkspaceID     int64  `db:"workspace_id"`
	MemberID        int64  `db:"member_id"`
	Channel         string `db:"channel"`
	ThreadOf        int64  `db:"thread_of"`
	Card            string `db:"card"`
	Revision        int    `db:"revision"`
	SentRevision    int    `db:"sent_revision"`
	PlatformChannel string `db:"platform_channel"`
	PlatformTS      string `db:"platform_ts"`
	CreatedAt       int64  `db:"created_at"`
	UpdatedAt       int64  `db:"updated_at"`
}

const messageColumns = `id, workspace_id, COALESCE(member_id, 0) AS member_id, channel, COALESCE(thread_of, 0) AS thread_of,
	card, revision, sent_revision, platform_channel, platform_ts, created_at, updated_at`

// MessageNew is a message to post.
type MessageNew struct {
	WorkspaceID int64
	MemberID    int64 // recipient of a DM; 0 for a channel post
	Channel     string
	ThreadOf    int64
	DeliveryID  int64 // the prompt the message carries, if any
	Card        string
}

// MessageCreateMany inserts messages and returns their ids in input order.
func (s *DB) MessageCreateMany(ctx context.Context, tx *Tx, ms []MessageNew) ([]int64, error) {
	ids := make([]int64, len(ms))
	now := s.Now().UnixMilli()
	for start := 0; start < len(ms); start += 500 {
		end := min(start+500, len(ms))
		q := `INSERT INTO message (workspace_id, member_id, channel, thread_of, delivery_id, card, created_at, updated_at) VALUES `
		args := make([]any, 0, 8*(end-start))
		for i := start; i < end; i++ {
			m := &ms[i]
			if i > start {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, m.WorkspaceID, nullID(m.MemberID), m.Channel, nullID(m.ThreadOf), nullID(m.DeliveryID), m.Card, now, now)
		}
		q += " RETURNING id"
		var got []int64
		if err := tx.SelectContext(ctx, &got, tx.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("create messages: %w", s.mapErr(err))
		}
		if len(got) != end-start {
			return nil, fmt.Errorf("create messages: got %d ids for %d rows", len(got), end-start)
		}
		// Both backends return RETURNING rows in insertion order for a
		// single multi-row INSERT, and ids ascend with it.
		copy(ids[start:end], got)
	}
	return ids, nil
}

// MessageCreate inserts one message and returns its id.
func (s *DB) MessageCreate(ctx context.Context, tx *Tx, m MessageNew) (int64, error) {
	ids, err := s.MessageCreateMany(ctx, tx, []MessageNew{m})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// MessageUpdate replaces a message's card and bumps its revision; it returns
// the new revision.
func (s *DB) MessageUpdate(ctx context.Context, tx *Tx, id int64, card string) (int, error) {
	var rev int
	err := tx.GetContext(ctx, &rev, tx.Rebind(`UPDATE message SET card = ?, revision = revision + 1, updated_at = ?
		WHERE id = ? RETURNING revision`), card, s.Now().UnixMilli(), id)
	if err != nil {
		return 0, fmt.Errorf("update message %d: %w", id, s.mapErr(err))
	}
	return rev, nil
}

// MessageGet returns a message by id.
func (s *DB) MessageGet(ctx context.Context, q Queryer, id int64) (*Message, error) {
	var m Message
	query := `SELECT ` + messageColumns + ` FROM message WHERE id = ?`
	var err error
	if q == Queryer(s) {
		var stmt *sqlx.Stmt
		if stmt, err = s.prepared(ctx, query); err == nil {
			err = stmt.GetContext(ctx, &m, id)
		}
	} else {
		err = q.GetContext(ctx, &m, s.Rebind(query), id)
	}
	if err != nil {
		return nil, fmt.Errorf("get message %d: %w", id, s.mapErr(err))
	}
	return &m, nil
}

// MessageMarkSent records the platform's reference for a message and the
// revision it now shows. It never moves SentRevision backwards.
func (s *DB) MessageMarkSent(ctx context.Context, id int64, revision int, platformChannel, platformTS string) error {
	_, err := s.execPrepared(ctx, `UPDATE message SET sent_revision = CASE WHEN sent_revision < ? THEN ? ELSE sent_revision END,
		platform_channel = CASE WHEN ? <> '' THEN ? ELSE platform_channel END,
		platform_ts = CASE WHEN ? <> '' THEN ? ELSE platform_ts END WHERE id = ?`,
		revision, revision, platformChannel, platformChannel, platformTS, platformTS, id)
	return err
}

// MessageListVisible returns sent messages of a workspace that a member can
// see: their DMs (channel "dm") or the posts in one channel; oldest first.
func (s *DB) MessageListVisible(ctx context.Context, workspaceID, memberID int64, channel string, afterID int64) ([]*Message, error) {
	var rows []*Message
	var err error
	switch channel {
	case "":
		err = s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+messageColumns+` FROM message WHERE workspace_id = ? AND sent_revision > 0
			AND ((channel = 'dm' AND member_id = ?) OR channel <> 'dm') AND id > ? ORDER BY id`), workspaceID, memberID, afterID)
	case "dm":
		err = s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+messageColumns+` FROM message WHERE workspace_id = ? AND sent_revision > 0
			AND channel = 'dm' AND member_id = ? AND id > ? ORDER BY id`), workspaceID, memberID, afterID)
	default:
		err = s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+messageColumns+` FROM message WHERE workspace_id = ? AND sent_revision > 0
			AND channel = ? AND id > ? ORDER BY id`), workspaceID, channel, afterID)
	}
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", s.mapErr(err))
	}
	return rows, nil
}

// ChannelEnsure records a channel of a workspace (the sandbox creates them on
// first use; platforms report them as they are seen).
func (s *DB) ChannelEnsure(ctx context.Context, workspaceID int64, name, platformID string) error {
	_, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO channel (workspace_id, name, platform_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, name) DO NOTHING`), workspaceID, name, platformID, s.Now().UnixMilli())
	return s.mapErr(err)
}

// ChannelSetRef stores an adapter's reference to a channel of a workspace,
// recording the channel if it is new; it writes only when the reference
// changed.
func (s *DB) ChannelSetRef(ctx context.Context, workspaceID int64, name, ref string) error {
	return s.exec(ctx, s, fmt.Sprintf("channel %s ref", name),
		`INSERT INTO channel (workspace_id, name, ref, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, name) DO UPDATE SET ref = excluded.ref WHERE channel.ref <> excluded.ref`,
		workspaceID, name, ref, s.Now().UnixMilli())
}

// ChannelRef returns the adapter's reference to a channel of a workspace,
// "" when it has none or the channel was never recorded.
func (s *DB) ChannelRef(ctx context.Context, workspaceID int64, name string) (string, error) {
	var refs []string
	stmt, err := s.prepared(ctx, `SELECT ref FROM channel WHERE workspace_id = ? AND name = ?`)
	if err == nil {
		err = stmt.SelectContext(ctx, &refs, workspaceID, name)
	}
	if err != nil {
		return "", fmt.Errorf("channel %s ref: %w", name, s.mapErr(err))
	}
	if len(refs) == 0 {
		return "", nil
	}
	return refs[0], nil
}

// ChannelList returns a workspace's channel names, sorted.
func (s *DB) ChannelList(ctx context.Context, workspaceID int64) ([]string, error) {
	var out []string
	err := s.SelectContext(ctx, &out, s.Rebind(`SELECT name FROM channel WHERE workspace_id = ? ORDER BY name`), workspaceID)
	return out, s.mapErr(err)
}

// Feedback is free text or a rating someone gave.
type Feedback struct {
	WorkspaceID int64
	MemberID    int64 // 0 = anonymous
	Kind        string
	LessonID    string
	DeliveryID  int64
	HuddleID    int64
	SupportID   int64
	Rating      *int
	Text        string
	Redacted    bool
}

// Feedback kinds.
const (
	FeedbackLesson  = "lesson"
	FeedbackGeneral = "general"
	FeedbackHuddle  = "huddle"
	FeedbackSupport = "support"
)

// FeedbackAdd stores feedback. A second rating by the same member of the
// same delivery replaces the first (people change their mind), so a lesson
// rating is counted once.
func (s *DB) FeedbackAdd(ctx context.Context, q Queryer, f Feedback) error {
	var rating sql.NullInt64
	if f.Rating != nil {
		rating = sql.NullInt64{Int64: int64(*f.Rating), Valid: true}
	}
	now := s.Now().UnixMilli()
	if f.Kind == FeedbackLesson && f.Rating != nil && f.DeliveryID != 0 {
		res, err := q.ExecContext(ctx, s.Rebind(`UPDATE feedback SET rating = ?, created_at = ? WHERE kind = 'lesson'
			AND delivery_id = ? AND member_id = ? AND rating IS NOT NULL`), rating, now, f.DeliveryID, nullID(f.MemberID))
		if err != nil {
			return s.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
	}
	return s.exec(ctx, q, "add feedback",
		`INSERT INTO feedback (workspace_id, member_id, kind, lesson_id, delivery_id, huddle_id,
		support_id, rating, text, redacted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.WorkspaceID, nullID(f.MemberID), f.Kind, nullStr(f.LessonID), nullID(f.DeliveryID), nullID(f.HuddleID),
		nullID(f.SupportID), rating, f.Text, f.Redacted, now)
}

// EventSeen records an inbound platform event id and reports whether it was
// already recorded (a redelivery to ignore).
func (s *DB) EventSeen(ctx context.Context, platform, eventID string) (bool, error) {
	res, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO processed_event (platform, event_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, event_id) DO NOTHING`), platform, eventID, s.Now().UnixMilli())
	if err != nil {
		return false, s.mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 0, nil
}

// EventPrune forgets processed events older than the cutoff.
func (s *DB) EventPrune(ctx context.Context, before time.Time) error {
	_, err := s.ExecContext(ctx, s.Rebind(`DELETE FROM processed_event WHERE created_at < ?`), before.UnixMilli())
	return s.mapErr(err)
}

// SignatureClaim records an accepted platform request signature until
// expires (the end of its signature window) and reports whether it was new.
// False means the same signed request was accepted before — by another
// replica, or by this one before a restart — so this one is a replay.
func (s *DB) SignatureClaim(ctx context.Context, signature string, expires time.Time) (bool, error) {
	res, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO request_signature (signature, expires_at) VALUES (?, ?)
		ON CONFLICT (signature) DO NOTHING`), signature, expires.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("claim request signature: %w", s.mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim request signature: %w", s.mapErr(err))
	}
	return n == 1, nil
}

// SignatureNew is a request signature to claim (SignatureClaimMany).
type SignatureNew struct {
	Signature string
	Expires   time.Time // the end of its signature window
}

// SignatureClaimMany is SignatureClaim for many signatures in one statement
// (one commit): fresh[i] reports whether sigs[i] was new. A signature listed
// twice is new only the first time.
func (s *DB) SignatureClaimMany(ctx context.Context, sigs []SignatureNew) ([]bool, error) {
	fresh := make([]bool, len(sigs))
	first := make(map[string]int, len(sigs))
	var rows []string
	var args []any
	for i, g := range sigs {
		if _, dup := first[g.Signature]; dup {
			continue
		}
		first[g.Signature] = i
		rows = append(rows, "(?, ?)")
		args = append(args, g.Signature, g.Expires.UnixMilli())
	}
	if len(rows) == 0 {
		return fresh, nil
	}
	var claimed []string
	if err := s.SelectContext(ctx, &claimed, s.Rebind(`INSERT INTO request_signature (signature, expires_at) VALUES `+
		strings.Join(rows, ", ")+` ON CONFLICT (signature) DO NOTHING RETURNING signature`), args...); err != nil {
		return nil, fmt.Errorf("claim request signatures: %w", s.mapErr(err))
	}
	for _, sig := range claimed {
		if i, ok := first[sig]; ok {
			fresh[i] = true
		}
	}
	return fresh, nil
}

// SignaturePrune forgets request signatures whose window ended before now:
// a request that old is refused as stale anyway.
func (s *DB) SignaturePrune(ctx context.Context, now time.Time) error {
	return s.exec(ctx, s, "prune request signatures",
		`DELETE FROM request_signature WHERE expires_at < ?`, now.UnixMilli())
}

// Audit records who did what.
func (s *DB) Audit(ctx context.Context, q Queryer, workspaceID, actorID int64, action, subject, detail string) error {
	_, err := q.ExecContext(ctx, s.Rebind(`INSERT INTO audit_log (workspace_id, actor_member_id, action, subject, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`), nullID(workspaceID), nullID(actorID), action, subject, detail, s.Now().UnixMilli())
	return s.mapErr(err)
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullStr(v string) sql.NullString { return sql.NullString{String: v, Valid: v != ""} }

// Posted records a message that reached its platform: its revision and
// where it landed; for a first post also its delivery as sent (a tip as
// seen), and a DM channel the platform reported for the member.
type Posted struct {
	MessageID       int64
	Revision        int
	PlatformChannel string
	PlatformTS      string
	First           bool      // the first revision sent: mark the delivery
	At              time.Time // when it was sent
	MemberID        int64     // with DMChannel or MemberRef: the member to update
	DMChannel       string    // the member's DM channel to cache, or ""
	MemberRef       string    // the adapter's new reference to the member, or ""
}

// MessagePosted records p — on PostgreSQL in one statement (the three
// updates as data-modifying CTEs), elsewhere in up to four.
func (s *DB) MessagePosted(ctx context.Context, p Posted) error {
	if s.Backend != Postgres {
		if err := s.MessageMarkSent(ctx, p.MessageID, p.Revision, p.PlatformChannel, p.PlatformTS); err != nil {
			return err
		}
		if p.First {
			if err := s.DeliveryMarkSent(ctx, s, p.MessageID, p.At); err != nil {
				return err
			}
		}
		if p.DMChannel != "" && p.MemberID != 0 {
			if err := s.MemberSetDMChannel(ctx, p.MemberID, p.DMChannel); err != nil {
				return err
			}
		}
		if p.MemberRef != "" && p.MemberID != 0 {
			return s.MemberSetRef(ctx, p.MemberID, p.MemberRef)
		}
		return nil
	}
	stmt, err := s.prepared(ctx, `WITH m AS (
			UPDATE message SET sent_revision = CASE WHEN sent_revision < $1::int THEN $1::int ELSE sent_revision END,
				platform_channel = CASE WHEN $2::text <> '' THEN $2::text ELSE platform_channel END,
				platform_ts = CASE WHEN $3::text <> '' THEN $3::text ELSE platform_ts END
			WHERE id = $4 RETURNING delivery_id),
		d AS (
			UPDATE delivery SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END,
				sent_at = COALESCE(sent_at, $5::bigint),
				seen_at = CASE WHEN seen_at IS NULL AND (SELECT kind FROM lesson WHERE lesson.id = delivery.lesson_id) = 'tip'
					THEN $5::bigint ELSE seen_at END
			WHERE $6::boolean AND id = (SELECT delivery_id FROM m) RETURNING 1),
		u AS (
			UPDATE member SET dm_channel = CASE WHEN $7::text <> '' THEN $7::text ELSE dm_channel END,
				ref = CASE WHEN $9::text <> '' THEN $9::text ELSE ref END
			WHERE ($7::text <> '' OR ($9::text <> '' AND ref <> $9::text)) AND id = $8 RETURNING 1)
		SELECT 1`)
	if err == nil {
		_, err = stmt.ExecContext(ctx, p.Revision, p.PlatformChannel, p.PlatformTS, p.MessageID, p.At.UnixMilli(), p.First,
			p.DMChannel, p.MemberID, p.MemberRef)
	}
	if err != nil {
		return fmt.Errorf("message %d posted: %w", p.MessageID, s.mapErr(err))
	}
	return nil
}

// MessageGetMany returns the messages with the given ids that exist, in id
// order.
func (s *DB) MessageGetMany(ctx context.Context, q Queryer, ids []int64) ([]*Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := s.inIDs(ids)
	var out []*Message
	if err := q.SelectContext(ctx, &out, s.Rebind(`SELECT `+messageColumns+` FROM message WHERE id `+in+` ORDER BY id`), args...); err != nil {
		return nil, fmt.Errorf("get messages: %w", s.mapErr(err))
	}
	return out, nil
}

// MessagesEdited records edits of posted messages that reached their
// platform, message id → the revision now showing, in one statement. It
// never moves a message's sent revision backwards.
func (s *DB) MessagesEdited(ctx context.Context, revisions map[int64]int) error {
	if len(revisions) == 0 {
		return nil
	}
	pairs := mapPairs(revisions, func(rev int) sql.NullInt64 { return validInt64(int64(rev)) })
	if err := s.updateFromPairs(ctx, s, `UPDATE message SET sent_revision = v.column2`,
		`message.id = v.column1 AND message.sent_revision < v.column2`, pairs); err != nil {
		return fmt.Errorf("messages edited: %w", err)
	}
	return nil
}
