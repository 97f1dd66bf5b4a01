package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// refAdapter records what it is handed and reports the references it is
// told to, as a platform that opens conversations (Teams) would.
type refAdapter struct {
	mu    sync.Mutex
	outs  map[int64]Outbound // message id → what Deliver got
	learn map[string]Refs    // channel → references to report on Sent
}

func (a *refAdapter) Platform() string { return "teams" }

func (a *refAdapter) Deliver(_ context.Context, out *Outbound) (Sent, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outs[out.MessageID] = *out
	ch := out.Channel
	if ch == "dm" {
		ch = "a:" + out.UserID
	}
	return Sent{Channel: ch, ID: fmt.Sprint("msg-", out.MessageID), Ref: a.learn[out.Channel]}, nil
}

func (a *refAdapter) got(t *testing.T, id int64) Refs {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	out, ok := a.outs[id]
	if !ok {
		t.Fatalf("message %d was not delivered", id)
	}
	return out.Ref
}

// TestRefsHandedBack: the references an adapter set on an inbound event
// (Actor.Refs) are stored and handed back, unread, on the next Deliver to
// that member (a DM) and that channel, with the workspace's on both; those
// it reports while sending (Sent.Ref) replace them; and they outlive the
// process (a new bot over the same database hands them back too).
func TestRefsHandedBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := MigrateJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		const (
			wsRef   = `{"serviceUrl":"https://smba.example/amer/","tenantId":"t-1"}`
			userRef = `{"aadObjectId":"00000000-aaaa","conversation":"a:1on1"}`
			chRef   = `{"conversation":"19:huddle@thread.tacv2"}`
		)
		newBot := func() (*Bot, *refAdapter, *[]int64) {
			b := New(db, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			a := &refAdapter{outs: map[int64]Outbound{}, learn: map[string]Refs{}}
			b.AddAdapter(a)
			if _, err := NewJobs(b, JobsOptions{}); err != nil {
				t.Fatal(err)
			}
			posted := &[]int64{}
			// "hi" posts a DM to the person and a message to the channel.
			b.HandleCommandFunc("hi", func(ctx context.Context, r *Req, _ string) (Reply, error) {
				return Reply{}, b.DB.Tx(ctx, func(tx *store.Tx) error {
					ids, err := b.PostMany(ctx, tx, []Post{
						{WorkspaceID: r.Workspace.ID, MemberID: r.Member.ID, Channel: "dm", Card: &Card{Body: "to you"}},
						{WorkspaceID: r.Workspace.ID, Channel: r.Channel, Card: &Card{Body: "to the channel"}},
					})
					*posted = ids
					return err
				})
			})
			return b, a, posted
		}
		hi := func(b *Bot, refs Refs) {
			t.Helper()
			rep := b.HandleCommand(ctx, Command{Actor: Actor{Platform: "teams", Workspace: "t-1", UserID: "29:nina",
				UserName: "Nina", Refs: refs}, Channel: "19:huddle", Name: "hi"})
			if rep.Text != "" {
				t.Fatalf("/hi: %s", rep.Text)
			}
		}
		deliver := func(b *Bot, ids []int64) {
			t.Helper()
			for _, id := range ids {
				if err := b.deliverMessage(ctx, SendArgs{MessageID: id, Revision: 1}, 1); err != nil {
					t.Fatalf("deliver %d: %v", id, err)
				}
			}
		}

		b, a, posted := newBot()
		hi(b, Refs{Workspace: wsRef, Member: userRef, Channel: chRef})
		deliver(b, *posted)
		dm, ch := (*posted)[0], (*posted)[1]
		if got, want := a.got(t, dm), (Refs{Workspace: wsRef, Member: userRef}); got != want {
			t.Fatalf("DM handed %+v, want %+v", got, want)
		}
		if got, want := a.got(t, ch), (Refs{Workspace: wsRef, Channel: chRef}); got != want {
			t.Fatalf("channel post handed %+v, want %+v", got, want)
		}

		// Sending, the platform moved the person's conversation and the
		// channel's; the next deliveries (an event carrying no references,
		// as Slack's and Discord's never do) get the new ones.
		const userRef2, chRef2 = `{"conversation":"a:1on1-new"}`, `{"conversation":"19:huddle-new"}`
		a.learn["dm"], a.learn["19:huddle"] = Refs{Member: userRef2}, Refs{Channel: chRef2}
		hi(b, Refs{})
		deliver(b, *posted)
		a.learn = map[string]Refs{}
		hi(b, Refs{})
		deliver(b, *posted)
		if got, want := a.got(t, (*posted)[0]), (Refs{Workspace: wsRef, Member: userRef2}); got != want {
			t.Fatalf("DM after Sent.Ref handed %+v, want %+v", got, want)
		}
		if got, want := a.got(t, (*posted)[1]), (Refs{Workspace: wsRef, Channel: chRef2}); got != want {
			t.Fatalf("channel post after Sent.Ref handed %+v, want %+v", got, want)
		}

		// Another process over the same database.
		b2, a2, posted2 := newBot()
		hi(b2, Refs{})
		deliver(b2, *posted2)
		if got, want := a2.got(t, (*posted2)[0]), (Refs{Workspace: wsRef, Member: userRef2}); got != want {
			t.Fatalf("DM from a new process handed %+v, want %+v", got, want)
		}
		if got, want := a2.got(t, (*posted2)[1]), (Refs{Workspace: wsRef, Channel: chRef2}); got != want {
			t.Fatalf("channel post from a new process handed %+v, want %+v", got, want)
		}
	})
}
