package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/huddlebot/huddlebot/member"
)

// Workspace is one Slack workspace, Discord guild or the sandbox.
type Workspace struct {
	ID         int64  `db:"id"`
	Platform   string `db:"platform"`
	ExternalID string `db:"external_id"`
	Name       string `db:"name"`
	TimeZone   string `db:"timezone"`
	// Ref is the adapter's own reference to the workspace (Teams: tenant,
	// service URL), stored and handed back, never read; "" if none.
	Ref string `db:"ref"`
}

// WorkspaceEnsure returns the workspace for (platform, externalID), creating
// it with the given default time zone if it does not exist.
func (s *DB) WorkspaceEnsure(ctx context.Context, platform, externalID, timezone string) (*Workspace, error) {
	if timezone == "" {
		timezone = "UTC"
	}
	_, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO workspace (platform, external_id, timezone, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (platform, external_id) DO NOTHING`),
		platform, externalID, timezone, s.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("ensure workspace %s/%s: %w", platform, externalID, s.mapErr(err))
	}
	var w Workspace
	err = s.GetContext(ctx, &w, s.Rebind(`SELECT id, platform, external_id, name, timezone, ref FROM workspace
		WHERE platform = ? AND external_id = ?`), platform, externalID)
	if err != nil {
		return nil, fmt.Errorf("get workspace %s/%s: %w", platform, externalID, s.mapErr(err))
	}
	return &w, nil
}

// WorkspaceGet returns a workspace by id.
func (s *DB) WorkspaceGet(ctx context.Context, id int64) (*Workspace, error) {
	var w Workspace
	err := s.GetContext(ctx, &w, s.Rebind(`SELECT id, platform, external_id, name, timezone, ref FROM workspace WHERE id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("get workspace %d: %w", id, s.mapErr(err))
	}
	return &w, nil
}

// WorkspaceSetRef stores an adapter's reference to a workspace.
func (s *DB) WorkspaceSetRef(ctx context.Context, id int64, ref string) error {
	return s.exec(ctx, s, fmt.Sprintf("workspace %d ref", id),
		`UPDATE workspace SET ref = ? WHERE id = ?`, ref, id)
}

// WorkspaceSetTimeZone changes a workspace's default time zone.
func (s *DB) WorkspaceSetTimeZone(ctx context.Context, id int64, tz string) error {
	_, err := s.ExecContext(ctx, s.Rebind(`UPDATE workspace SET timezone = ? WHERE id = ?`), tz, id)
	return s.mapErr(err)
}

// memberRow is the member table as stored.
type memberRow struct {
	ID           int64         `db:"id"`
	WorkspaceID  int64         `db:"workspace_id"`
	UserID       string        `db:"user_id"`
	Name         string        `db:"name"`
	Email        string        `db:"email"`
	Role         string        `db:"role"`
	Department   string        `db:"department"`
	TimeZone     string        `db:"timezone"`
	DeliveryTime int           `db:"delivery_time"`
	WorkStart    int           `db:"work_start"`
	WorkEnd      int           `db:"work_end"`
	WorkDays     int           `db:"work_days"`
	PausedUntil  sql.NullInt64 `db:"paused_until"`
	Permissions  string        `db:"permissions"`
	OnDuty       bool          `db:"on_duty"`
	StartDate    string        `db:"start_date"`
	Reachable    bool          `db:"reachable"`
	Joined       bool          `db:"joined"`
	Nudges       bool          `db:"nudges"`
	HomeChannel  string        `db:"home_channel"`
	DMChannel    string        `db:"dm_channel"`
	Language     string        `db:"language"`
	LangSource   string        `db:"language_source"`
	WorkspaceTZ  string        `db:"workspace_tz"`
}

const memberColumns = `m.id, m.workspace_id, m.user_id, m.name, m.email, m.role, m.department, m.timezone,
	m.delivery_time, m.work_start, m.work_end, m.work_days, m.paused_until, m.permissions, m.on_duty,
	m.start_date, m.reachable, m.joined, m.nudges, m.home_channel, m.dm_channel, m.language, m.language_source, w.timezone AS workspace_tz`

const memberFrom = ` FROM member m JOIN workspace w ON w.id = m.workspace_id `

// locCache avoids re-reading tzdata for every member of a large roster.
var locCache = newLocationCache()

func (r *memberRow) toMember() *member.Member {
	tz := r.TimeZone
	if tz == "" {
		tz = r.WorkspaceTZ
	}
	loc := locCache.get(tz)
	perms, _ := member.ParsePermissions(r.Permissions)
	m := &member.Member{
		ID: r.ID, WorkspaceID: r.WorkspaceID, UserID: r.UserID, Name: r.Name, Email: r.Email,
		Role: r.Role, Department: r.Department, TimeZone: r.TimeZone,
		Schedule: member.Schedule{
			Location:     loc,
			DeliveryTime: member.Clock(r.DeliveryTime),
			WorkStart:    member.Clock(r.WorkStart),
			WorkEnd:      member.Clock(r.WorkEnd),
			WorkDays:     member.Weekdays(r.WorkDays),
			PausedUntil:  fromMS(r.PausedUntil),
		},
		Permissions: perms,
		OnDuty:      r.OnDuty,
		Reachable:   r.Reachable,
		Joined:      r.Joined,
		Nudges:      r.Nudges,
		HomeChannel: r.HomeChannel,
		Language:    r.Language,
		// The source is what the column holds; an unknown one reads as
		// unset, the weakest.
		LanguageSource: member.LanguageSource(r.LangSource),
	}
	if r.StartDate != "" {
		if d, err := time.ParseInLocation("2006-01-02", r.StartDate, loc); err == nil {
			m.StartDate = d
		}
	}
	return m
}

// MemberGet returns a member by id, or ErrNotFound.
func (s *DB) MemberGet(ctx context.Context, q Queryer, id int64) (*member.Member, error) {
	return getConv(ctx, s, q, (*memberRow).toMember, fmt.Sprintf("get member %d", id),
		`SELECT `+memberColumns+memberFrom+`WHERE m.id = ?`, id)
}

// MemberByUser returns the member with a platform user id in a workspace, or
// ErrNotFound.
//
// On the pool (q is s) it runs as a prepared statement: every click and
// command looks its member up, and parsing and planning the join each time
// cost PostgreSQL more than running it.
func (s *DB) MemberByUser(ctx context.Context, q Queryer, workspaceID int64, userID string) (*member.Member, error) {
	const query = `SELECT ` + memberColumns + memberFrom + `WHERE m.workspace_id = ? AND m.user_id = ?`
	if db, ok := q.(*DB); ok && db == s {
		var r memberRow
		stmt, err := s.prepared(ctx, query)
		if err == nil {
			err = stmt.GetContext(ctx, &r, workspaceID, userID)
		}
		if err != nil {
			return nil, fmt.Errorf("get member %s: %w", userID, s.mapErr(err))
		}
		return r.toMember(), nil
	}
	return getConv(ctx, s, q, (*memberRow).toMember, fmt.Sprintf("get member %s", userID), query, workspaceID, userID)
}

// MembersByUser returns the members of a workspace with these platform
// user ids, in no particular order; ids that name nobody are left out. On
// PostgreSQL it is one prepared statement whatever the number of ids.
func (s *DB) MembersByUser(ctx context.Context, workspaceID int64, userIDs []string) ([]*member.Member, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var rows []memberRow
	var err error
	if s.Backend == Postgres {
		var stmt *sqlx.Stmt
		stmt, err = s.prepared(ctx, `SELECT `+memberColumns+memberFrom+`WHERE m.workspace_id = ? AND m.user_id = ANY(?)`)
		if err == nil {
			err = stmt.SelectContext(ctx, &rows, workspaceID, pq.Array(userIDs))
		}
	} else {
		args := []any{workspaceID}
		for _, u := range userIDs {
			args = append(args, u)
		}
		err = s.SelectContext(ctx, &rows, s.Rebind(`SELECT `+memberColumns+memberFrom+`WHERE m.workspace_id = ? AND m.user_id IN (`+
			placeholders(len(userIDs))+`)`), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("get %d members: %w", len(userIDs), s.mapErr(err))
	}
	out := make([]*member.Member, len(rows))
	for i := range rows {
		out[i] = rows[i].toMember()
	}
	return out, nil
}

// Recipient is what sending a DM needs to know about a member.
type Recipient struct {
	UserID    string `db:"user_id"`
	Reachable bool   `db:"reachable"`
	DMChannel string `db:"dm_channel"`
	Ref       string `db:"ref"` // the adapter's reference to the member
}

// MemberRecipient returns a member's platform user id, whether their DMs
// are open and their cached DM channel, in one prepared statement.
func (s *DB) MemberRecipient(ctx context.Context, id int64) (Recipient, error) {
	var r Recipient
	stmt, err := s.prepared(ctx, `SELECT user_id, reachable, dm_channel, ref FROM member WHERE id = ?`)
	if err == nil {
		err = stmt.GetContext(ctx, &r, id)
	}
	if err != nil {
		return r, fmt.Errorf("get member %d: %w", id, s.mapErr(err))
	}
	return r, nil
}

// MemberSetRef stores an adapter's reference to a member; it writes only
// when the reference changed.
func (s *DB) MemberSetRef(ctx context.Context, id int64, ref string) error {
	return s.exec(ctx, s, fmt.Sprintf("member %d ref", id),
		`UPDATE member SET ref = ? WHERE id = ? AND ref <> ?`, ref, id, ref)
}

// MemberRekey gives the platform's user id userID to the member of the
// workspace a roster named by one of aliases instead (Teams: the person's
// directory object id or e-mail, before their Teams id was known), when no
// member has userID yet. Aliases match the roster's user id or e-mail, case
// aside. It reports whether a member was re-keyed; with several matches,
// the oldest is.
func (s *DB) MemberRekey(ctx context.Context, workspaceID int64, userID string, aliases []string) (bool, error) {
	var keys []any
	var marks []string
	for _, a := range aliases {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" && a != strings.ToLower(userID) {
			keys = append(keys, a)
			marks = append(marks, "?")
		}
	}
	if len(keys) == 0 || userID == "" {
		return false, nil
	}
	in := strings.Join(marks, ", ")
	args := []any{userID, s.Now().UnixMilli(), workspaceID}
	args = append(append(append(args, keys...), keys...), workspaceID, userID)
	return s.execChanged(ctx, s, "rekey member "+userID, `UPDATE member SET user_id = ?, updated_at = ?
		WHERE id = (SELECT MIN(id) FROM member WHERE workspace_id = ? AND (LOWER(user_id) IN (`+in+`) OR LOWER(email) IN (`+in+`)))
		AND NOT EXISTS (SELECT 1 FROM member WHERE workspace_id = ? AND user_id = ?)`, args...)
}

// MemberUserByEmail returns the user id of the workspace's member whose
// e-mail is email, case aside (the oldest, if several), or "" when none.
func (s *DB) MemberUserByEmail(ctx context.Context, q Queryer, workspaceID int64, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", nil
	}
	var ids []string
	if err := q.SelectContext(ctx, &ids, s.Rebind(`SELECT user_id FROM member WHERE workspace_id = ? AND LOWER(email) = ? ORDER BY id LIMIT 1`),
		workspaceID, email); err != nil {
		return "", fmt.Errorf("member by e-mail: %w", s.mapErr(err))
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// MemberSetDMChannel caches a member's platform DM channel.
func (s *DB) MemberSetDMChannel(ctx context.Context, id int64, channel string) error {
	_, err := s.ExecContext(ctx, s.Rebind(`UPDATE member SET dm_channel = ? WHERE id = ?`), channel, id)
	return s.mapErr(err)
}

// MemberEnsure returns the member for a platform user, creating an empty
// (not yet joined) member when the user is new. name is updated if given.
func (s *DB) MemberEnsure(ctx context.Context, workspaceID int64, userID, name string) (*member.Member, error) {
	now := s.Now().UnixMilli()
	_, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO member (workspace_id, user_id, name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) DO NOTHING`), workspaceID, userID, name, now, now)
	if err != nil {
		return nil, fmt.Errorf("ensure member %s: %w", userID, s.mapErr(err))
	}
	if name != "" {
		if _, err := s.ExecContext(ctx, s.Rebind(`UPDATE member SET name = ? WHERE workspace_id = ? AND user_id = ? AND name = ''`),
			name, workspaceID, userID); err != nil {
			return nil, s.mapErr(err)
		}
	}
	return s.MemberByUser(ctx, s, workspaceID, userID)
}

// MemberUpsert is what a roster import or the sandbox's "add person" writes.
type MemberUpsert struct {
	WorkspaceID int64
	UserID      string
	Name        string
	Email       string
	Role        string
	Department  string
	TimeZone    string
	Permissions []member.Permission // nil = leave unchanged on update
	StartDate   string              // YYYY-MM-DD or ""
}

// MemberUpsert creates or updates a member by (workspace, user id) and marks
// them joined when they have a role. It returns the member id.
func (s *DB) MemberUpsert(ctx context.Context, q Queryer, p MemberUpsert) (int64, error) {
	now := s.Now().UnixMilli()
	perms := member.FormatPermissions(p.Permissions)
	keepPerms := p.Permissions == nil
	var id int64
	err := q.GetContext(ctx, &id, s.Rebind(`INSERT INTO member (workspace_id, user_id, name, email, role, department, timezone,
			permissions, start_date, joined, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, user_id) DO UPDATE SET
			name = excluded.name, email = excluded.email, role = excluded.role, department = excluded.department,
			timezone = CASE WHEN excluded.timezone = '' THEN member.timezone ELSE excluded.timezone END,
			permissions = CASE WHEN ? THEN member.permissions ELSE excluded.permissions END,
			start_date = CASE WHEN excluded.start_date = '' THEN member.start_date ELSE excluded.start_date END,
			joined = member.joined OR excluded.joined,
			updated_at = excluded.updated_at
		RETURNING id`),
		p.WorkspaceID, p.UserID, p.Name, p.Email, p.Role, p.Department, p.TimeZone, perms, p.StartDate, p.Role != "", now, now, keepPerms)
	if err != nil {
		return 0, fmt.Errorf("upsert member %s: %w", p.UserID, s.mapErr(err))
	}
	return id, nil
}

// MemberSettings is a partial update of a member's own settings; nil fields
// are left unchanged.
type MemberSettings struct {
	Role         *string
	Department   *string
	TimeZone     *string
	DeliveryTime *member.Clock
	WorkStart    *member.Clock
	WorkEnd      *member.Clock
	WorkDays     *member.Weekdays
	PausedUntil  *time.Time // zero time = resume
	OnDuty       *bool
	DutyUntil    *time.Time // zero time = none (duty hours decide)
	Joined       *bool
	Nudges       *bool
	Reachable    *bool
	HomeChannel  *string
	Permissions  *[]member.Permission
	StartDate    *string
	Name         *string
}

// MemberUpdate applies a settings change.
func (s *DB) MemberUpdate(ctx context.Context, q Queryer, id int64, u MemberSettings) error {
	var sets []string
	var args []any
	add := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
	if u.Role != nil {
		add("role", *u.Role)
	}
	if u.Department != nil {
		add("department", *u.Department)
	}
	if u.TimeZone != nil {
		add("timezone", *u.TimeZone)
	}
	if u.DeliveryTime != nil {
		add("delivery_time", int(*u.DeliveryTime))
	}
	if u.WorkStart != nil {
		add("work_start", int(*u.WorkStart))
	}
	if u.WorkEnd != nil {
		add("work_end", int(*u.WorkEnd))
	}
	if u.WorkDays != nil {
		add("work_days", int(*u.WorkDays))
	}
	if u.PausedUntil != nil {
		add("paused_until", ms(*u.PausedUntil))
	}
	if u.OnDuty != nil {
		add("on_duty", *u.OnDuty)
	}
	if u.DutyUntil != nil {
		add("duty_until", ms(*u.DutyUntil))
	}
	if u.Joined != nil {
		add("joined", *u.Joined)
	}
	if u.Nudges != nil {
		add("nudges", *u.Nudges)
	}
	if u.Reachable != nil {
		add("reachable", *u.Reachable)
	}
	if u.HomeChannel != nil {
		add("home_channel", *u.HomeChannel)
	}
	if u.Permissions != nil {
		add("permissions", member.FormatPermissions(*u.Permissions))
	}
	if u.StartDate != nil {
		add("start_date", *u.StartDate)
	}
	if u.Name != nil {
		add("name", *u.Name)
	}
	if len(sets) == 0 {
		return nil
	}
	add("updated_at", s.Now().UnixMilli())
	args = append(args, id)
	res, err := q.ExecContext(ctx, s.Rebind(`UPDATE member SET `+strings.Join(sets, ", ")+` WHERE id = ?`), args...)
	if err != nil {
		return fmt.Errorf("update member %d: %w", id, s.mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update member %d: %w", id, ErrNotFound)
	}
	return nil
}

// MemberSetLanguage sets a member's language (a BCP 47 tag; "" = the
// workspace default) and where it came from, unless the language they have
// came from a stronger source (see member.LanguageSource): a platform
// locale never replaces a roster's or the person's own choice, a roster
// never replaces the person's own choice. It reports whether anything
// changed; an unchanged language and source are not written again.
func (s *DB) MemberSetLanguage(ctx context.Context, q Queryer, id int64, lang string, src member.LanguageSource) (bool, error) {
	var weaker []any
	for _, w := range []member.LanguageSource{member.LanguageUnset, member.LanguagePlatform, member.LanguageRoster, member.LanguageChosen} {
		if src.Overrides(w) {
			weaker = append(weaker, string(w))
		}
	}
	args := append([]any{lang, string(src), s.Now().UnixMilli(), id}, weaker...)
	args = append(args, lang, string(src))
	return s.execChanged(ctx, q, fmt.Sprintf("member %d language", id), `UPDATE member SET language = ?, language_source = ?, updated_at = ?
		WHERE id = ? AND language_source IN (`+placeholders(len(weaker))+`) AND (language <> ? OR language_source <> ?)`, args...)
}

// MemberFilter narrows MemberList.
type MemberFilter struct {
	WorkspaceID int64
	Roles       []string
	Departments []string
	JoinedOnly  bool
	Permission  member.Permission // "" = any
	OnDutyOnly  bool
	AfterID     int64 // keyset pagination
	Limit       int   // 0 = no limit
}

// MemberList returns members matching the filter, ordered by id.
func (s *DB) MemberList(ctx context.Context, q Queryer, f MemberFilter) ([]*member.Member, error) {
	where := []string{"1=1"}
	var args []any
	if f.WorkspaceID != 0 {
		where = append(where, "m.workspace_id = ?")
		args = append(args, f.WorkspaceID)
	}
	if len(f.Roles) > 0 {
		where = append(where, "m.role IN (?"+strings.Repeat(", ?", len(f.Roles)-1)+")")
		for _, r := range f.Roles {
			args = append(args, r)
		}
	}
	if len(f.Departments) > 0 {
		where = append(where, "m.department IN (?"+strings.Repeat(", ?", len(f.Departments)-1)+")")
		for _, d := range f.Departments {
			args = append(args, d)
		}
	}
	if f.JoinedOnly {
		where = append(where, "m.joined")
	}
	if f.OnDutyOnly {
		where = append(where, "m.on_duty")
	}
	if f.Permission != "" {
		// Permissions are a short comma list; match whole items.
		where = append(where, "(',' || m.permissions || ',' LIKE ? OR ',' || m.permissions || ',' LIKE '%,admin,%')")
		args = append(args, "%,"+string(f.Permission)+",%")
	}
	if f.AfterID > 0 {
		where = append(where, "m.id > ?")
		args = append(args, f.AfterID)
	}
	query := `SELECT ` + memberColumns + memberFrom + `WHERE ` + strings.Join(where, " AND ") + ` ORDER BY m.id`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return selectConv(ctx, s, q, (*memberRow).toMember, "list members", query, args...)
}

// Departments returns the distinct departments of a workspace's members.
func (s *DB) Departments(ctx context.Context, workspaceID int64) ([]string, error) {
	var out []string
	err := s.SelectContext(ctx, &out, s.Rebind(`SELECT DISTINCT department FROM member WHERE workspace_id = ? AND department <> '' ORDER BY department`), workspaceID)
	return out, s.mapErr(err)
}

// WorkspaceList returns the workspaces of a platform ("" = all), by id.
func (s *DB) WorkspaceList(ctx context.Context, platform string) ([]*Workspace, error) {
	var out []*Workspace
	err := s.SelectContext(ctx, &out, s.Rebind(`SELECT id, platform, external_id, name, timezone, ref FROM workspace
		WHERE ? = '' OR platform = ? ORDER BY id`), platform, platform)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", s.mapErr(err))
	}
	return out, nil
}

// MemberInsertMany creates members in multi-row statements (bulk loads:
// benchmarks, demo data). Existing (workspace, user id) pairs are left as
// they are. It returns how many were created.
func (s *DB) MemberInsertMany(ctx context.Context, q Queryer, ms []MemberUpsert) (int, error) {
	now := s.Now().UnixMilli()
	return s.insertMany(ctx, q, "insert members", `INSERT INTO member (workspace_id, user_id, name, email, role, department,
		timezone, permissions, start_date, joined, created_at, updated_at) VALUES `, ` ON CONFLICT (workspace_id, user_id) DO NOTHING`,
		len(ms), 12, 400, func(args []any, i int) []any {
			p := &ms[i]
			return append(args, p.WorkspaceID, p.UserID, p.Name, p.Email, p.Role, p.Department, p.TimeZone,
				member.FormatPermissions(p.Permissions), p.StartDate, p.Role != "", now, now)
		})
}

// MemberSetAllDue marks every joined member of a workspace as due at t (the
// scheduler re-evaluates them on its next tick).
func (s *DB) MemberSetAllDue(ctx context.Context, workspaceID int64, t time.Time) error {
	_, err := s.ExecContext(ctx, s.Rebind(`INSERT INTO member_due (member_id, next_due_at)
		SELECT id, ? FROM member WHERE workspace_id = ? AND joined
		ON CONFLICT (member_id) DO UPDATE SET next_due_at = excluded.next_due_at`), t.UnixMilli(), workspaceID)
	return s.mapErr(err)
}

// MemberFillProfile fills a member's time zone and name from their platform
// profile where they are still unset: a zone the member chose meanwhile
// (/learn tz, the roster) is never overwritten. It reports whether the time
// zone was set.
func (s *DB) MemberFillProfile(ctx context.Context, q Queryer, id int64, name, timezone string) (bool, error) {
	set := false
	if timezone != "" {
		res, err := q.ExecContext(ctx, s.Rebind(`UPDATE member SET timezone = ? WHERE id = ? AND timezone = ''`), timezone, id)
		if err != nil {
			return false, fmt.Errorf("member fill profile: %w", s.mapErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("member fill profile: %w", s.mapErr(err))
		}
		set = n == 1
	}
	if name != "" {
		if _, err := q.ExecContext(ctx, s.Rebind(`UPDATE member SET name = ? WHERE id = ? AND name = ''`), name, id); err != nil {
			return false, fmt.Errorf("member fill profile: %w", s.mapErr(err))
		}
	}
	return set, nil
}
