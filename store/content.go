package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// ImportResult says what a content import changed.
type ImportResult struct {
	Added     []string // new lesson ids
	Changed   []string // lessons that got a new version
	Unchanged int
	Retired   []string // lessons no longer in the content (history kept)
	Tracks    int
	Bursts    int
}

// ContentImport stores a validated content set in one transaction. A changed
// lesson gets a new version (answers stay attached to the version that was
// asked); a lesson missing from c is marked retired, never deleted.
func (s *DB) ContentImport(ctx context.Context, c *lessons.Content) (*ImportResult, error) {
	return s.ContentImportFrom(ctx, c, ContentSource{})
}

// ContentSource says where an import came from: Name is the content
// directory's absolute path (or "(bundled sample content)"), Hash a digest
// of its files, By what imported it ("serve" or "cli").
type ContentSource struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	By   string `json:"by"`
	At   int64  `json:"at"` // unix ms, set by the import
}

// ContentImportFrom is ContentImport recording src (when it has a Name) as
// the last import and as the import of that source with that hash. Every
// import bumps the content version (ContentVersion), in the same
// transaction, so running bots reload the content on their next check.
func (s *DB) ContentImportFrom(ctx context.Context, c *lessons.Content, src ContentSource) (*ImportResult, error) {
	var res *ImportResult
	err := s.Tx(ctx, func(tx *Tx) error {
		res = &ImportResult{}
		now := s.Now().UnixMilli()
		type cur struct {
			ID      string `db:"id"`
			Version int    `db:"current_version"`
			Hash    string `db:"hash"`
			Retired bool   `db:"retired"`
		}
		var existing []cur
		if err := tx.SelectContext(ctx, &existing, `SELECT l.id, l.current_version, v.hash, l.retired FROM lesson l
			JOIN lesson_version v ON v.lesson_id = l.id AND v.version = l.current_version`); err != nil {
			return err
		}
		byID := make(map[string]cur, len(existing))
		for _, e := range existing {
			byID[e.ID] = e
		}
		seen := make(map[string]bool, len(c.Lessons))
		var newLessons, newVersions [][]any
		for _, l := range c.Lessons {
			seen[l.ID] = true
			l.Version = 0
			hash := l.Hash()
			body, err := json.Marshal(l)
			if err != nil {
				return err
			}
			tags := strings.Join(l.Tags, ",")
			e, ok := byID[l.ID]
			switch {
			case !ok:
				newLessons = append(newLessons, []any{l.ID, string(l.Kind), l.Title, tags, now})
				newVersions = append(newVersions, []any{l.ID, hash, l.Path, string(body), now})
				res.Added = append(res.Added, l.ID)
				l.Version = 1
			case e.Hash != hash:
				v := e.Version + 1
				if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO lesson_version (lesson_id, version, hash, path, body, created_at)
					VALUES (?, ?, ?, ?, ?, ?)`), l.ID, v, hash, l.Path, string(body), now); err != nil {
					return fmt.Errorf("lesson %s: %w", l.ID, err)
				}
				if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE lesson SET current_version = ?, kind = ?, title = ?, tags = ?,
					retired = FALSE, updated_at = ? WHERE id = ?`), v, l.Kind, l.Title, tags, now, l.ID); err != nil {
					return fmt.Errorf("lesson %s: %w", l.ID, err)
				}
				res.Changed = append(res.Changed, l.ID)
				l.Version = v
			default:
				if e.Retired {
					if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE lesson SET retired = FALSE WHERE id = ?`), l.ID); err != nil {
						return err
					}
				}
				res.Unchanged++
				l.Version = e.Version
			}
		}
		if err := insertRows(ctx, tx, `INSERT INTO lesson (id, current_version, kind, title, tags, updated_at) VALUES `,
			"(?, 1, ?, ?, ?, ?)", newLessons); err != nil {
			return fmt.Errorf("add lessons: %w", err)
		}
		if err := insertRows(ctx, tx, `INSERT INTO lesson_version (lesson_id, version, hash, path, body, created_at) VALUES `,
			"(?, 1, ?, ?, ?, ?)", newVersions); err != nil {
			return fmt.Errorf("add lessons: %w", err)
		}
		for _, e := range existing {
			if !seen[e.ID] && !e.Retired {
				if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE lesson SET retired = TRUE, updated_at = ? WHERE id = ?`), now, e.ID); err != nil {
					return err
				}
				res.Retired = append(res.Retired, e.ID)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM track`); err != nil {
			return err
		}
		for _, t := range c.Tracks {
			body, _ := json.Marshal(t)
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO track (id, body, updated_at) VALUES (?, ?, ?)`), t.ID, string(body), now); err != nil {
				return fmt.Errorf("track %s: %w", t.ID, err)
			}
			res.Tracks++
		}
		for _, b := range c.Bursts {
			body, _ := json.Marshal(b)
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO burst (id, body, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`), b.ID, string(body), now); err != nil {
				return fmt.Errorf("burst %s: %w", b.ID, err)
			}
			res.Bursts++
		}
		roles, _ := json.Marshal(c.Roles)
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO setting (key, value) VALUES ('roles', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`), string(roles)); err != nil {
			return err
		}
		{
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO audit_log (action, subject, detail, created_at) VALUES (?, ?, ?, ?)`),
				"content.import", src.Name, fmt.Sprintf("added=%d changed=%d retired=%d", len(res.Added), len(res.Changed), len(res.Retired)), now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ('content.version', '1')
			ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(setting.value AS INTEGER) + 1 AS TEXT)`); err != nil {
			return fmt.Errorf("bump content version: %w", err)
		}
		if src.Name != "" {
			src.At = now
			last, _ := json.Marshal(src)
			if err := setSetting(ctx, tx, "content.last_import", string(last)); err != nil {
				return err
			}
			if err := setSetting(ctx, tx, "content.hash:"+src.Name, src.Hash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import content: %w", err)
	}
	return res, nil
}

// ContentLoad reads the current content (every lesson that is not retired,
// at its current version, plus tracks and bursts) back from the database.
// Roles is the union of the default roles and the roles lessons use.
func (s *DB) ContentLoad(ctx context.Context) (*lessons.Content, error) {
	var rows []struct {
		Version int    `db:"version"`
		Body    string `db:"body"`
		Path    string `db:"path"`
	}
	if err := s.SelectContext(ctx, &rows, `SELECT v.version, v.body, v.path FROM lesson l
		JOIN lesson_version v ON v.lesson_id = l.id AND v.version = l.current_version
		WHERE NOT l.retired ORDER BY v.path, l.id`); err != nil {
		return nil, fmt.Errorf("load lessons: %w", s.mapErr(err))
	}
	c := &lessons.Content{}
	roles := map[string]bool{}
	for _, r := range member.DefaultRoles {
		roles[r] = true
	}
	c.Roles = append(c.Roles, member.DefaultRoles...)
	addRoles := func(rs []string) {
		for _, r := range rs {
			if !roles[r] {
				roles[r] = true
				c.Roles = append(c.Roles, r)
			}
		}
	}
	for _, r := range rows {
		var l lessons.Lesson
		if err := json.Unmarshal([]byte(r.Body), &l); err != nil {
			return nil, fmt.Errorf("load lessons: %w", err)
		}
		l.Version, l.Path = r.Version, r.Path
		addRoles(l.Roles)
		c.Lessons = append(c.Lessons, &l)
	}
	var rolesJSON []string
	if err := s.SelectContext(ctx, &rolesJSON, `SELECT value FROM setting WHERE key = 'roles'`); err != nil {
		return nil, fmt.Errorf("load roles: %w", s.mapErr(err))
	}
	for _, v := range rolesJSON {
		var rs []string
		if json.Unmarshal([]byte(v), &rs) == nil {
			addRoles(rs)
		}
	}
	var err error
	if c.Tracks, err = loadBodies[lessons.Track](ctx, s, "track"); err != nil {
		return nil, err
	}
	for _, t := range c.Tracks {
		addRoles(t.Roles)
	}
	if c.Bursts, err = loadBodies[lessons.Burst](ctx, s, "burst"); err != nil {
		return nil, err
	}
	for _, bu := range c.Bursts {
		addRoles(bu.Roles)
	}
	return c, nil
}

// loadBodies decodes the JSON body column of every row of table, by id.
func loadBodies[T any](ctx context.Context, s *DB, table string) ([]*T, error) {
	var bodies []string
	if err := s.SelectContext(ctx, &bodies, `SELECT body FROM `+table+` ORDER BY id`); err != nil {
		return nil, fmt.Errorf("load %ss: %w", table, s.mapErr(err))
	}
	var out []*T
	for _, b := range bodies {
		v := new(T)
		if err := json.Unmarshal([]byte(b), v); err != nil {
			return nil, fmt.Errorf("load %ss: %w", table, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// LessonVersionGet returns one stored version of a lesson.
func (s *DB) LessonVersionGet(ctx context.Context, id string, version int) (*lessons.Lesson, error) {
	return s.LessonVersionIn(ctx, s, id, version)
}

// LessonVersionIn is LessonVersionGet through q (a transaction).
func (s *DB) LessonVersionIn(ctx context.Context, q Queryer, id string, version int) (*lessons.Lesson, error) {
	var body string
	err := q.GetContext(ctx, &body, s.Rebind(`SELECT body FROM lesson_version WHERE lesson_id = ? AND version = ?`), id, version)
	if err != nil {
		return nil, fmt.Errorf("get lesson %s v%d: %w", id, version, s.mapErr(err))
	}
	var l lessons.Lesson
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		return nil, fmt.Errorf("get lesson %s v%d: %w", id, version, err)
	}
	l.Version = version
	return &l, nil
}

// LessonVersions returns how many versions a lesson has.
func (s *DB) LessonVersions(ctx context.Context, id string) (int, error) {
	var n int
	err := s.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM lesson_version WHERE lesson_id = ?`), id)
	return n, s.mapErr(err)
}

// insertRows runs a multi-row INSERT (prefix + one tuple per row) in
// batches that stay under both backends' parameter limits.
func insertRows(ctx context.Context, tx *Tx, prefix, tuple string, rows [][]any) error {
	for start := 0; start < len(rows); start += 200 {
		end := min(start+200, len(rows))
		var b strings.Builder
		b.WriteString(prefix)
		var args []any
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, rows[i]...)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

func setSetting(ctx context.Context, q Queryer, key, value string) error {
	_, err := q.ExecContext(ctx, q.Rebind(`INSERT INTO setting (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

// ContentVersion returns the content version: 0 before any import, then
// one more for every import. A bot compares it with the version it loaded
// to see an import made by another process.
func (s *DB) ContentVersion(ctx context.Context) (int64, error) {
	var v []string
	if err := s.SelectContext(ctx, &v, `SELECT value FROM setting WHERE key = 'content.version'`); err != nil {
		return 0, fmt.Errorf("content version: %w", s.mapErr(err))
	}
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("content version %q: %w", v[0], err)
	}
	return n, nil
}

// ContentLastImport returns the source of the last import that recorded
// one (ok false when none did: a database from before sources were
// recorded, or a new one).
func (s *DB) ContentLastImport(ctx context.Context) (src ContentSource, ok bool, err error) {
	var v []string
	if err := s.SelectContext(ctx, &v, `SELECT value FROM setting WHERE key = 'content.last_import'`); err != nil {
		return src, false, fmt.Errorf("last content import: %w", s.mapErr(err))
	}
	if len(v) == 0 {
		return src, false, nil
	}
	if err := json.Unmarshal([]byte(v[0]), &src); err != nil {
		return src, false, fmt.Errorf("last content import: %w", err)
	}
	return src, true, nil
}

// ContentImportedHash returns the hash recorded the last time the source
// named name was imported, "" if never.
func (s *DB) ContentImportedHash(ctx context.Context, name string) (string, error) {
	var v []string
	if err := s.SelectContext(ctx, &v, s.Rebind(`SELECT value FROM setting WHERE key = ?`), "content.hash:"+name); err != nil {
		return "", fmt.Errorf("content hash of %s: %w", name, s.mapErr(err))
	}
	if len(v) == 0 {
		return "", nil
	}
	return v[0], nil
}

// Replica is a running bot process as it last checked in.
type Replica struct {
	ID             string
	ContentVersion int64
	SeenAt         time.Time
}

// ReplicaCheckIn records that the bot process id runs with content version
// v at time at, and forgets processes not seen for a day (restarts leave
// their ids behind).
func (s *DB) ReplicaCheckIn(ctx context.Context, id string, v int64, at time.Time) error {
	if err := setSetting(ctx, s, "replica:"+id, fmt.Sprintf("%d %d", v, at.UnixMilli())); err != nil {
		return err
	}
	reps, err := s.ReplicaList(ctx, time.Time{})
	if err != nil {
		return err
	}
	for _, r := range reps {
		if at.Sub(r.SeenAt) > 24*time.Hour {
			if _, err := s.ExecContext(ctx, s.Rebind(`DELETE FROM setting WHERE key = ?`), "replica:"+r.ID); err != nil {
				return fmt.Errorf("forget replica %s: %w", r.ID, s.mapErr(err))
			}
		}
	}
	return nil
}

// ReplicaCheckOut forgets the bot process id (it is shutting down), so
// the CLI does not count it as running.
func (s *DB) ReplicaCheckOut(ctx context.Context, id string) error {
	return s.exec(ctx, s, fmt.Sprintf("replica %s check-out", id),
		`DELETE FROM setting WHERE key = ?`, "replica:"+id)
}

// ReplicaList returns the bot processes that checked in at or after since,
// by id.
func (s *DB) ReplicaList(ctx context.Context, since time.Time) ([]Replica, error) {
	var rows []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}
	if err := s.SelectContext(ctx, &rows, `SELECT key, value FROM setting WHERE key LIKE 'replica:%' ORDER BY key`); err != nil {
		return nil, fmt.Errorf("list replicas: %w", s.mapErr(err))
	}
	var out []Replica
	for _, r := range rows {
		var v, ms int64
		if _, err := fmt.Sscanf(r.Value, "%d %d", &v, &ms); err != nil {
			continue
		}
		rep := Replica{ID: strings.TrimPrefix(r.Key, "replica:"), ContentVersion: v, SeenAt: time.UnixMilli(ms)}
		if !rep.SeenAt.Before(since) {
			out = append(out, rep)
		}
	}
	return out, nil
}
