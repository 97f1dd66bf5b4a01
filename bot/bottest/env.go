// Package bottest holds what tests of the bot, its capabilities and its
// adapters share, so that no test package builds its own: a bot over a
// migrated store of either backend with every capability registered
// (NewBot), the same with the sandbox adapter, a settable Clock and members
// (Env), the sandbox driven through its HTTP API (Sandbox), an in-memory
// adapter (Recorder), and the waits and checks their tests make: Settle
// (nothing left to apply, deliver or retry, instead of a sleep), WaitFor,
// Count, Member, Contains, Lacks and NoEnglish.
package bottest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Env is a bot over a database with the bundled content, the sandbox
// adapter, a job queue (that inserts only, unless EnvOptions.Work: tests
// then run jobs by hand or wait for them), a settable clock and one sandbox
// workspace.
type Env struct {
	DB       *store.DB
	Bot      *bot.Bot
	Features *feature.Set
	Jobs     *bot.Jobs
	Clock    *Clock
	WS       *store.Workspace
}

// EnvOptions tunes OpenEnv.
type EnvOptions struct {
	// Work runs delivery workers until the test ends.
	Work bool
	// NoContent imports no lessons: the database already has them (a
	// second replica over one database).
	NoContent bool
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
	}
	return OpenEnv(t, db, now, EnvOptions{NoContent: !migrate})
}

// OpenEnv returns an Env over db (migrated by storetest; the job queue's
// migrations and the bundled content are added here) whose clock stands at
// now.
func OpenEnv(t testing.TB, db *store.DB, now time.Time, o EnvOptions) *Env {
	t.Helper()
	clock := NewClock(now)
	bb := NewBot(t, db, BotOptions{NoContent: o.NoContent, Jobs: bot.JobsOptions{Work: o.Work, PollInterval: 20 * time.Millisecond}})
	bb.SetClock(clock.Now)
	bb.AddAdapter(sandbox.Adapter{})
	if o.Work {
		bb.Start(t)
	}
	ws, err := db.WorkspaceEnsure(context.Background(), "sandbox", "local", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return &Env{DB: db, Bot: bb.Bot, Features: bb.Features, Jobs: bb.Jobs, Clock: clock, WS: ws}
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
	return Count(t, e.DB, query, args...)
}

// Count runs a COUNT query (written with ? placeholders) on db and returns
// it; an error fails the test.
func Count(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, db.Rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Quiz returns the first quiz of the loaded content for role ("" for any),
// or fails the test.
func (e *Env) Quiz(t testing.TB, role string) *lessons.Lesson {
	t.Helper()
	for _, l := range e.Bot.Content().Lessons {
		if l.IsQuiz() && (role == "" || l.For(role, "")) {
			return l
		}
	}
	t.Fatalf("no quiz for role %q in the content", role)
	return nil
}
