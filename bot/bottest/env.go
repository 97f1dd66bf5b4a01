// Package bottest holds what tests of the bot and its capabilities share: a
// bot over a migrated store of either backend with every capability
// registered, members, and a query counter.
package bottest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Env is a bot over a database with the bundled content, the sandbox
// adapter, a job queue that inserts only (tests run jobs by hand or wait for
// them) and one sandbox workspace.
type Env struct {
	DB       *store.DB
	Bot      *bot.Bot
	Features *feature.Set
	WS       *store.Workspace
}

// NewEnv opens url (storetest.URL gives one per test) and returns an Env
// whose clock stands at now. With migrate it also applies the store's and
// the job queue's migrations and imports the bundled content; without, it
// expects a database another Env migrated.
func NewEnv(t testing.TB, url string, migrate bool, now time.Time) *Env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := bot.MigrateJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		c, err := lessons.Load(content.FS)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContentImport(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	b := bot.New(db, bot.Config{}, nil)
	f := feature.Register(b)
	b.SetClock(func() time.Time { return now })
	if err := b.LoadContent(ctx); err != nil {
		t.Fatal(err)
	}
	b.AddAdapter(sandbox.Adapter{})
	if _, err := bot.NewJobs(b, bot.JobsOptions{}); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return &Env{DB: db, Bot: b, Features: f, WS: ws}
}

// AddMembers adds n members (users u0000…) to the workspace, due at now,
// and returns their ids.
func (e *Env) AddMembers(t testing.TB, n int, now time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := e.DB.Tx(ctx, func(tx *store.Tx) error {
		next := map[int64]time.Time{}
		for i := 0; i < n; i++ {
			id, err := e.DB.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: fmt.Sprintf("u%04d", i),
				Role: member.DefaultRoles[i%5], Department: "4west"})
			if err != nil {
				return err
			}
			ids = append(ids, id)
			next[id] = now
		}
		return e.DB.MemberSetNextDue(ctx, tx, next)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Count runs a COUNT query (written with ? placeholders) and returns it.
func (e *Env) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.GetContext(context.Background(), &n, e.DB.Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}
