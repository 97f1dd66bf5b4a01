package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestConformance runs the adapter conformance suite against the sandbox,
// read back through its JSON API (what the chat page shows) and clicked
// through it.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, newConfSandbox)
}

// confSandbox is a sandbox whose chat is the core's message table: the
// harness stores each message as the core's outbox does (adaptertest.Outbox).
type confSandbox struct {
	db  *store.DB
	bot *bot.Bot
	ws  *store.Workspace
	url string

	mu  sync.Mutex
	ids map[int64]int64 // the suite's message id → the stored message
}

func newConfSandbox(t *testing.T) adaptertest.Harness {
	db := storetest.Open(t, store.SQLite)
	// No job queue: the harness delivers (Deliver below), and the API then
	// has nothing to wait for.
	b := bot.New(db, bot.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := sandbox.New(b)
	ctx := context.Background()
	if err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceEnsure(ctx, sandbox.Platform, sandbox.Workspace, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &confSandbox{db: db, bot: b, ws: ws, url: srv.URL, ids: map[int64]int64{}}
}

func (h *confSandbox) Adapter() bot.Adapter { return sandbox.Adapter{} }
func (h *confSandbox) Workspace() string    { return sandbox.Workspace }
func (h *confSandbox) User(n int) string    { return []string{"nina", "pete", "maya"}[n] }
func (h *confSandbox) Channel() string      { return "#4west" }
func (h *confSandbox) Bot() *bot.Bot        { return h.bot }

func (h *confSandbox) Caps() adaptertest.Caps {
	// No DM channel to open (a DM is the member's), and nothing between the
	// bot and the page to slow it down or refuse a recipient.
	return adaptertest.Caps{Channels: true, Threads: true, Clicks: true, Commands: true, Redelivery: true}
}

// Deliver stores out as the core does before a delivery job runs — a new
// message row, or a new revision of the one posted — hands it to the
// adapter, and records where it landed. A retry of the same message uses
// its row, as the core's job does.
func (h *confSandbox) Deliver(ctx context.Context, a bot.Adapter, out *bot.Outbound) (bot.Sent, error) {
	cp := *out
	first := false
	err := h.db.Tx(ctx, func(tx *store.Tx) error {
		if out.PostedID != "" {
			id, err := strconv.ParseInt(out.PostedID, 10, 64)
			if err != nil {
				return err
			}
			cp.MessageID = id
			cp.Revision, err = h.db.MessageUpdate(ctx, tx, id, out.Card.Marshal())
			return err
		}
		h.mu.Lock()
		id, ok := h.ids[out.MessageID]
		h.mu.Unlock()
		if ok {
			cp.MessageID, cp.Revision = id, 1
			return nil
		}
		m := store.MessageNew{WorkspaceID: h.ws.ID, Channel: out.Channel, Card: out.Card.Marshal()}
		if out.Channel == "dm" {
			mem, err := h.db.MemberByUser(ctx, tx, h.ws.ID, out.UserID)
			if err != nil {
				return err
			}
			m.MemberID = mem.ID
		}
		if out.ThreadID != "" {
			parent, err := strconv.ParseInt(out.ThreadID, 10, 64)
			if err != nil {
				return err
			}
			m.ThreadOf = parent
		}
		id, err := h.db.MessageCreate(ctx, tx, m)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.ids[out.MessageID] = id
		h.mu.Unlock()
		cp.MessageID, cp.Revision, first = id, 1, true
		return nil
	})
	if err != nil {
		return bot.Sent{}, fmt.Errorf("store message %d: %w", out.MessageID, err)
	}
	sent, err := a.Deliver(ctx, &cp)
	if err != nil {
		return sent, err
	}
	return sent, h.db.MessagePosted(ctx, store.Posted{MessageID: cp.MessageID, Revision: cp.Revision,
		PlatformChannel: sent.Channel, PlatformTS: sent.ID, First: first, At: h.bot.Now()})
}

func (h *confSandbox) call(t *testing.T, method, path string, body, out any) {
	t.Helper()
	bottest.CallJSON(t, method, h.url+path, body, out)
}

// Messages lists a conversation through GET /sandbox/api/messages: a DM
// ("dm:USER") as its member sees it, a channel as the first person does.
func (h *confSandbox) Messages(t *testing.T, channel string) []adaptertest.Message {
	user, ch := h.User(0), channel
	if u, ok := strings.CutPrefix(channel, "dm:"); ok {
		user, ch = u, "dm"
	}
	var views []sandbox.MessageView
	h.call(t, "GET", "/sandbox/api/messages?"+url.Values{"user": {user}, "channel": {ch}}.Encode(), nil, &views)
	var out []adaptertest.Message
	for _, v := range views {
		m := adaptertest.Message{Channel: channel, ID: strconv.FormatInt(v.ID, 10)}
		if v.Thread != 0 {
			m.ThreadID = strconv.FormatInt(v.Thread, 10)
		}
		text := []string{v.Text}
		for _, a := range v.Actions {
			text = append(text, a.Label)
			m.Actions = append(m.Actions, a.ID)
		}
		m.Text = strings.Join(text, "\n")
		out = append(out, m)
	}
	return out
}

// Click presses action through POST /sandbox/api/click, as the page does.
func (h *confSandbox) Click(t *testing.T, user string, m adaptertest.Message, action string) {
	t.Helper()
	h.call(t, "POST", "/sandbox/api/click", map[string]any{"user": user, "message": m.ID, "action": action}, nil)
}

// Command types /name text through POST /sandbox/api/command, as the page
// does, and returns the reply shown.
func (h *confSandbox) Command(t *testing.T, user, channel, name, text string) string {
	t.Helper()
	var out struct {
		Reply string `json:"reply"`
	}
	h.call(t, "POST", "/sandbox/api/command", map[string]string{"user": user, "channel": channel, "text": "/" + name + " " + text}, &out)
	return out.Reply
}
