package huddle_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/huddle"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

var hudVoteKey = []byte("test vote key — never stored")

// hudEnv is the sandbox environment of bottest (sam and sue are
// super-users on 4west, nina, pete and maya are learners, tara is a
// trainer) with the huddle capability at hand. The tests look at channels
// as sam.
type hudEnv struct {
	*bottest.Sandbox
	hud *huddle.Huddle
}

// newHudEnv builds the environment. renderEvery is the live-tally
// coalescing interval (the production default is 2 s; most tests use a short
// one so that they need not wait for coalesced renders). withContent
// imports the bundled lessons, as a real install has them; huddles do not
// need them, and importing them is slow under the race detector.
func newHudEnv(t *testing.T, db *store.DB, renderEvery time.Duration, withContent bool) *hudEnv {
	t.Helper()
	if db.Backend == store.Postgres {
		// The test server's connections are shared by every test running.
		db.SetMaxOpenConns(10)
	}
	e := bottest.OpenSandbox(t, db, bottest.SandboxOptions{NoContent: !withContent, KeepClock: true,
		Config: bot.Config{VoteKey: hudVoteKey, TrainerChannel: "#trainers", PollRenderEvery: renderEvery}})
	return &hudEnv{Sandbox: e, hud: e.Features.Huddle}
}

// direct sends a click straight to the bot, bypassing the sandbox's check
// that the button is still on the card (to test the bot's own refusals).
func (e *hudEnv) direct(user, action string) string {
	e.T.Helper()
	return e.Bot.HandleClick(context.Background(), bot.Click{Actor: hudActor(user), Channel: "#4west", ActionID: action}).Text
}

func hudID(t *testing.T, action string, i int) int64 {
	t.Helper()
	parts := strings.Split(strings.SplitN(action, "=", 2)[0], ":")
	var id int64
	if len(parts) <= i {
		t.Fatalf("action %q has no part %d", action, i)
	}
	if _, err := fmt.Sscan(parts[i], &id); err != nil {
		t.Fatalf("action %q: %v", action, err)
	}
	return id
}

// TestHuddleSandboxDoneWhen is the "done when", end to end through
// the sandbox on both backends: a super-user starts a huddle in #4west and
// runs an anonymous poll; three people vote and one changes their vote;
// someone asks a question and another +1s it; a learner's attempts to start
// and to end the huddle are refused clearly; the host ends it and the
// summary shows exact counts, the question, attendance and no voter names.
// Then it checks that nothing in the database links the anonymous votes to
// the voters.
func TestHuddleSandboxDoneWhen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, true)
		ctx := context.Background()
		voterUpdated := map[string]int64{}
		for _, u := range []string{"nina", "pete", "maya"} {
			voterUpdated[u] = int64(e.Count(`SELECT updated_at FROM member WHERE user_id = ?`, u))
		}

		bottest.Contains(t, "learner start", e.Command("nina", "#4west", "/huddle start Nina's huddle"), "Only super-users can host huddles")
		if n := e.Count(`SELECT COUNT(*) FROM huddle`); n != 0 {
			t.Fatalf("a learner's start created %d huddle(s)", n)
		}
		bottest.Contains(t, "start", e.Command("sam", "#4west", "/huddle start Sepsis alert go-live"), "started in #4west")
		start := e.Must("sam", "#4west", "Tech huddle: Sepsis alert go-live")
		bottest.Contains(t, "second start", e.Command("sue", "#4west", "/huddle start Another"), "already running in #4west", "Sam Reyes")

		bottest.Contains(t, "poll", e.Command("sam", "#4west", `/huddle poll "Is the new sepsis alert clear?" "Yes" "No" "Not sure" --anonymous`),
			"Poll posted", "nobody, not even you")
		poll := e.Must("sam", "#4west", "Is the new sepsis alert clear?")
		bottest.Contains(t, "poll card", poll.Text, "Anonymous: nobody, not even the host, can see who voted", "no votes yet")
		yes := poll.ActionWith("vote:", ":1")
		pid := hudID(t, yes, 1)
		vote := func(user string, option int) string {
			return e.Click(user, poll.ID, fmt.Sprintf("vote:%d:%d", pid, option)).Reply
		}
		bottest.Contains(t, "nina votes", vote("nina", 1), "Your vote: “Yes”", "Recorded anonymously")
		bottest.Contains(t, "pete votes", vote("pete", 2), "Your vote: “No”")
		bottest.Contains(t, "maya votes", vote("maya", 3), "Your vote: “Not sure”")
		bottest.Contains(t, "pete changes", vote("pete", 1), "Changed your vote from “No” to “Yes”")
		bottest.Contains(t, "pete again", vote("pete", 1), "You already voted “Yes”")

		bottest.Contains(t, "ask", e.Command("sue", "#4west", "/huddle ask How do I silence the alert once the bundle is done?"), "Added to the parking lot")
		q := e.Must("sam", "#4west", "How do I silence the alert")
		bottest.Contains(t, "question card", q.Text, "Asked by Sue Park", "+1 ×0")
		plus := q.ActionWith("plus1:", "")
		bottest.Contains(t, "ed +1", e.Click("ed", q.ID, plus).Reply, "+1 noted — 1 colleague wants")
		bottest.Contains(t, "ed +1 again", e.Click("ed", q.ID, plus).Reply, "already +1'd")
		bottest.Contains(t, "sue +1 own", e.Click("sue", q.ID, plus).Reply, "You asked this one")
		e.Eventually("sam", "#4west", q.ID, "+1 ×1")

		bottest.Contains(t, "learner closes poll", e.Click("nina", poll.ID, fmt.Sprintf("poll:%d:close", pid)).Reply,
			"Only the huddle's host (Sam Reyes) or a trainer can close this poll")
		bottest.Contains(t, "learner marks question", e.Click("nina", q.ID, q.ActionWith("hq:", ":answered")).Reply, "Only the huddle's host (Sam Reyes)")
		bottest.Contains(t, "learner ends", e.Command("nina", "#4west", "/huddle end"), "Only the huddle's host (Sam Reyes) or a trainer can end this huddle")
		bottest.Contains(t, "other super-user ends", e.Command("sue", "#4west", "/huddle end"), "Only the huddle's host (Sam Reyes)")
		if n := e.Count(`SELECT COUNT(*) FROM huddle WHERE ended_at IS NULL`); n != 1 {
			t.Fatalf("refused end changed the huddle: %d open", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM poll WHERE closed_at IS NULL`); n != 1 {
			t.Fatalf("refused close changed the poll: %d open", n)
		}

		bottest.Contains(t, "end", e.Command("sam", "#4west", "/huddle end"), "Huddle ended")
		summary := e.Must("sam", "#4west", "Huddle summary: Sepsis alert go-live")
		if summary.Thread != start.ID {
			t.Errorf("summary is in thread %d, want the start message %d", summary.Thread, start.ID)
		}
		bottest.Contains(t, "summary", summary.Text,
			"👥 Attendance: 5 — Ed Novak, Sue Park, plus 3 people who took part only anonymously",
			"**Is the new sepsis alert clear?** (anonymous) — 3 votes from 3 people",
			"• Yes — ███████░░░ 2 (67%)",
			"• No — ░░░░░░░░░░ 0 (0%)",
			"• Not sure — ███░░░░░░░ 1 (33%)",
			"Open (1):\n• How do I silence the alert once the bundle is done? — +1 ×1",
			"How useful was this huddle?")
		for _, name := range []string{"Nina", "Patel", "Pete", "Okafor", "Maya", "Chen", "nina", "pete", "maya"} {
			if strings.Contains(summary.Text, name) {
				t.Errorf("summary names voter %q:\n%s", name, summary.Text)
			}
		}
		e.Eventually("sam", "#4west", poll.ID, "🔒 Closed — 3 votes from 3 people")
		e.Eventually("sam", "#4west", start.ID, "Tech huddle (ended)")
		bottest.Contains(t, "vote after end", e.direct("nina", fmt.Sprintf("vote:%d:2", pid)), "This poll is closed")

		hid := hudID(t, summary.ActionWith("hrate:", ":4"), 1)
		bottest.Contains(t, "rate", e.Click("sue", summary.ID, fmt.Sprintf("hrate:%d:4", hid)).Reply, "you rated “Sepsis alert go-live” 4/5")
		bottest.Contains(t, "rate again", e.Click("sue", summary.ID, fmt.Sprintf("hrate:%d:5", hid)).Reply, "5/5")
		if n := e.Count(`SELECT COUNT(*) FROM feedback WHERE kind = 'huddle' AND huddle_id = ? AND rating = 5`, hid); n != 1 {
			t.Errorf("huddle rating feedback rows = %d, want 1", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM huddle h JOIN poll p ON p.huddle_id = h.id`); n != 1 {
			t.Errorf("the end deleted something: %d polls", n)
		}

		hudNoTrace(t, e, pid, []string{"nina", "pete", "maya"}, voterUpdated)
		_ = ctx
	})
}

// hudNoTrace proves that no query on the database can link the anonymous
// votes on poll pid to the voters: it lists every table and column from the
// schema and checks that the voters' member ids appear in no member
// reference and their user ids and names in no text anywhere but their own
// member rows; that vote rows carry no member and no time; that the voters
// were not made attendees and nothing was audited about them; that their
// member rows were not touched; and that the stored hashes cannot be
// recomputed without the key.
func hudNoTrace(t *testing.T, e *hudEnv, pid int64, users []string, updatedBefore map[string]int64) {
	t.Helper()
	ctx := context.Background()
	db := e.DB
	type col struct {
		Table string `db:"table"`
		Name  string `db:"name"`
		Typ   string `db:"typ"`
	}
	var cols []col
	switch db.Backend {
	case store.Postgres:
		if err := db.SelectContext(ctx, &cols, `SELECT table_name AS "table", column_name AS name, data_type AS typ
			FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`); err != nil {
			t.Fatal(err)
		}
	case store.SQLite:
		var tables []string
		if err := db.SelectContext(ctx, &tables, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var info []struct {
				Cid     int     `db:"cid"`
				Name    string  `db:"name"`
				Type    string  `db:"type"`
				NotNull bool    `db:"notnull"`
				Default *string `db:"dflt_value"`
				PK      int     `db:"pk"`
			}
			if err := db.SelectContext(ctx, &info, `PRAGMA table_info(`+tb+`)`); err != nil {
				t.Fatal(err)
			}
			for _, c := range info {
				cols = append(cols, col{tb, c.Name, strings.ToLower(c.Type)})
			}
		}
	}
	tables := map[string]bool{}
	for _, c := range cols {
		tables[c.Table] = true
	}
	for _, want := range []string{"poll_anon_choice", "poll_anon_voter", "poll", "huddle_attendee", "audit_log", "message", "feedback", "member"} {
		if !tables[want] {
			t.Fatalf("schema scan found no table %q (found %v)", want, tables)
		}
	}
	var ids []any
	var names []string
	for _, u := range users {
		var m struct {
			ID   int64  `db:"id"`
			Name string `db:"name"`
		}
		if err := db.GetContext(ctx, &m, db.Rebind(`SELECT id, name FROM member WHERE user_id = ?`), u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
		names = append(names, m.Name)
		if got := e.Count(`SELECT updated_at FROM member WHERE user_id = ?`, u); int64(got) != updatedBefore[u] {
			t.Errorf("voting touched %s's member row (updated_at %d → %d)", u, updatedBefore[u], got)
		}
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	scanned := 0
	for _, c := range cols {
		// member_due is part of the member's own record (when the next
		// prompt is due); like member, it is keyed by the member.
		if c.Table == "member" || c.Table == "member_due" || c.Table == "schema_migration" {
			continue
		}
		q := func(where string, args ...any) int {
			return e.Count(`SELECT COUNT(*) FROM `+c.Table+` WHERE `+where, args...)
		}
		isInt := strings.Contains(c.Typ, "int")
		isText := strings.Contains(c.Typ, "text") || strings.Contains(c.Typ, "char") || strings.Contains(c.Typ, "json")
		switch {
		case isInt && (strings.Contains(c.Name, "member") || strings.HasSuffix(c.Name, "_by")):
			if n := q(c.Name+` IN (`+in+`)`, ids...); n > 0 {
				t.Errorf("%s.%s holds a voter's member id in %d row(s)", c.Table, c.Name, n)
			}
			scanned++
		case isText:
			for i, u := range users {
				for _, needle := range []string{names[i], "<@" + u + ">"} {
					if n := q(`CAST(`+c.Name+` AS TEXT) LIKE ?`, "%"+needle+"%"); n > 0 {
						t.Errorf("%s.%s mentions %q in %d row(s)", c.Table, c.Name, needle, n)
					}
				}
				if n := q(`CAST(`+c.Name+` AS TEXT) = ?`, u); n > 0 {
					t.Errorf("%s.%s holds the user id %q in %d row(s)", c.Table, c.Name, u, n)
				}
			}
			scanned++
		}
	}
	if scanned < 50 {
		t.Fatalf("scanned only %d columns; the schema listing is broken", scanned)
	}
	// Vote rows: no member, no time, only the poll, a tag and the option.
	for _, c := range cols {
		if strings.HasPrefix(c.Table, "poll_anon_") && (strings.HasSuffix(c.Name, "_at") || strings.Contains(c.Name, "time") || strings.Contains(c.Name, "date")) {
			t.Errorf("the vote table has a time column %q", c.Name)
		}
	}
	if n := e.Count(`SELECT COUNT(*) FROM poll_anon_choice WHERE poll_id = ?`, pid); n != 3 {
		t.Errorf("%d vote rows, want 3", n)
	}
	if n := e.Count(`SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ?`, pid); n != 0 {
		t.Errorf("%d anonymous vote row(s) carry a member", n)
	}
	// Neither order nor time: no serial id or rowid on the anonymous rows,
	// and on PostgreSQL, once the card shows the tally, one transaction id
	// for all of them (River's rows with created_at cannot date them one by
	// one) and a physical order that is the tags' order, not the votes'.
	for _, c := range cols {
		if strings.HasPrefix(c.Table, "poll_anon_") && c.Name == "id" {
			t.Errorf("%s has an id column", c.Table)
		}
	}
	for _, tb := range []string{"poll_anon_choice", "poll_anon_voter"} {
		switch db.Backend {
		case store.Postgres:
			if n := e.Count(`SELECT COUNT(DISTINCT xmin::text) FROM `+tb+` WHERE poll_id = ?`, pid); n != 1 {
				t.Errorf("%s: the poll's rows carry %d transaction ids, want 1", tb, n)
			}
			var tags []string
			if err := db.SelectContext(ctx, &tags, `SELECT tag FROM `+tb+` WHERE poll_id = $1 ORDER BY ctid`, pid); err != nil {
				t.Fatal(err)
			}
			if !slices.IsSorted(tags) {
				t.Errorf("%s: rows lie in the order %v, not in tag order", tb, tags)
			}
		case store.SQLite:
			var n int
			if err := db.GetContext(ctx, &n, `SELECT COUNT(rowid) FROM `+tb); err == nil {
				t.Errorf("%s has a rowid (it records the order of insertion)", tb)
			}
		}
	}
	if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE '%vote%' OR detail LIKE '%vote%'`); n != 0 {
		t.Errorf("%d audit entries about votes", n)
	}
	// The tags derive from the keyed hashes, and only the key reproduces
	// them; the keyed hash itself is not stored.
	var hashes []string
	if err := db.SelectContext(ctx, &hashes, db.Rebind(`SELECT tag FROM poll_anon_choice WHERE poll_id = ?
		UNION ALL SELECT tag FROM poll_anon_voter WHERE poll_id = ?`), pid, pid); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, h := range hashes {
		stored[h] = true
	}
	for _, id := range ids {
		m := id.(int64)
		vh := huddles.VoterHash(hudVoteKey, pid, m)
		if !stored[huddles.VoterTag(vh)] {
			t.Errorf("member %d's keyed hash is not among the votes", m)
		}
		if stored[vh] {
			t.Errorf("member %d's keyed hash is stored as is", m)
		}
		var buf [16]byte
		binary.BigEndian.PutUint64(buf[:8], uint64(pid))
		binary.BigEndian.PutUint64(buf[8:], uint64(m))
		plain := sha256.Sum256(buf[:])
		guesses := []string{hex.EncodeToString(plain[:]), huddles.VoterHash(nil, pid, m), huddles.VoterHash([]byte("huddlebot-sandbox"), pid, m),
			huddles.VoterHash([]byte("wrong key"), pid, m)}
		for _, g := range guesses {
			if stored[g] || stored[huddles.VoterTag(g)] || stored[huddles.ChoiceTag(g, 1)] || stored[huddles.ChoiceTag(g, 2)] {
				t.Errorf("member %d's vote hash can be recomputed without the key", m)
			}
		}
	}
}

// hudClock is a settable clock.
type hudClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *hudClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *hudClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// hudTicking puts e's bot on a clock of the test's own and returns it with
// advance, which moves it on in 5-minute steps, running the huddles ticker
// alone at each, and waits for what the ticks posted.
func hudTicking(t *testing.T, e *bottest.Sandbox) (*hudClock, func(time.Duration)) {
	ctx := context.Background()
	clock := &hudClock{t: e.SB.Clock.Now()}
	e.Bot.SetClock(clock.Now)
	return clock, func(d time.Duration) {
		t.Helper()
		end := clock.Now().Add(d)
		for clock.Now().Before(end) {
			clock.set(clock.Now().Add(min(5*time.Minute, end.Sub(clock.Now()))))
			if err := e.Features.Huddle.TickHuddles(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Bot.Jobs.WaitIdle(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

func hudActor(user string) bot.Actor {
	return bot.Actor{Platform: sandbox.Platform, Workspace: sandbox.Workspace, UserID: user, UserName: user}
}

// TestHuddlePollRendersCoalesced: 100 votes in two 2-second bursts update
// the poll's card at most once per 2 s (measured on the bot's clock): the
// message's revision counts every edit.
func TestHuddlePollRendersCoalesced(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 2*time.Second, false)
		if e.Bot.Config.PollRenderEvery != 2*time.Second {
			t.Fatal("not testing the default interval")
		}
		ctx := context.Background()
		clock := &hudClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
		base := clock.Now()
		e.Bot.SetClock(clock.Now)
		bottest.Contains(t, "start", e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: "start Burst"}).Text, "started")
		bottest.Contains(t, "poll", e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle",
			Text: `poll "Which screen?" MAR Orders Flowsheets Notes`}).Text, "Poll posted")
		var p struct {
			ID        int64 `db:"id"`
			MessageID int64 `db:"message_id"`
		}
		if err := db.GetContext(ctx, &p, `SELECT id, message_id FROM poll`); err != nil {
			t.Fatal(err)
		}
		revision := func() int { return e.Count(`SELECT revision FROM message WHERE id = ?`, p.MessageID) }
		voter := 0
		burst := func(from time.Time) {
			for i := 0; i < 50; i++ {
				clock.set(from.Add(time.Duration(i) * 39 * time.Millisecond))
				rep := e.Bot.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("v%03d", voter)), Channel: "#4west",
					ActionID: fmt.Sprintf("vote:%d:%d", p.ID, voter%4+1)})
				if !strings.Contains(rep.Text, "Your vote") {
					t.Fatalf("vote %d: %q", voter, rep.Text)
				}
				voter++
			}
		}
		burst(base) // 0 … 1.911 s after the poll's first render
		if r := revision(); r != 1 {
			t.Errorf("%d card edits within the first 2 s, want none (the card was rendered at 0 s)", r-1)
		}
		clock.set(base.Add(2 * time.Second))
		if err := e.hud.TickHuddles(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.hud.TickHuddles(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if r := revision(); r != 2 {
			t.Errorf("revision %d at 2 s, want 2 (one edit for 50 votes)", r)
		}
		burst(base.Add(2 * time.Second)) // 2 … 3.911 s
		if r := revision(); r != 2 {
			t.Errorf("revision %d during the second burst, want still 2", r)
		}
		clock.set(base.Add(4 * time.Second))
		if err := e.hud.TickHuddles(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if r := revision(); r != 3 {
			t.Errorf("revision %d after 100 votes in 4 s, want 3 (one edit per 2 s)", r)
		}
		if err := e.Bot.Jobs.WaitIdle(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		msg, err := db.MessageGet(ctx, db, p.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		bottest.Contains(t, "card", msg.Card, "100 votes from 100 people", "25 (25%)")
	})
}

// TestHuddleConcurrentVotes: 100 people tapping at the same moment on one
// anonymous poll are all counted, exactly, on both backends.
func TestHuddleConcurrentVotes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		ctx := context.Background()
		e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: "start Rush"})
		bottest.Contains(t, "poll", e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle",
			Text: `poll "Ready for go-live?" A B C D --anonymous`}).Text, "Poll posted")
		pid := int64(e.Count(`SELECT id FROM poll`))
		// Create the people first: the race under test is the votes.
		for i := 0; i < 100; i++ {
			if _, _, err := e.Bot.Resolve(ctx, hudActor(fmt.Sprintf("r%03d", i))); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		replies := make(chan string, 100)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies <- e.Bot.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("r%03d", i)), Channel: "#4west",
					ActionID: fmt.Sprintf("vote:%d:%d", pid, i%4+1)}).Text
			}()
		}
		close(start)
		wg.Wait()
		close(replies)
		for r := range replies {
			if !strings.Contains(r, "Your vote") {
				t.Errorf("reply %q", r)
			}
		}
		for opt := 1; opt <= 4; opt++ {
			if n := e.Count(`SELECT COUNT(*) FROM poll_anon_choice WHERE poll_id = ? AND option = ?`, pid, opt); n != 25 {
				t.Errorf("option %d: %d votes, want 25", opt, n)
			}
		}
		if n := e.Count(`SELECT COUNT(DISTINCT tag) FROM poll_anon_voter WHERE poll_id = ?`, pid); n != 100 {
			t.Errorf("%d distinct anonymous voters, want 100", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM huddle_attendee`); n != 0 {
			t.Errorf("anonymous voters became %d attendees", n)
		}

		// Attributed votes racing the end of the huddle: each is either
		// counted or refused as closed — never an error — and the summary
		// counts exactly what was stored.
		e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: `poll "Last call?" Yes No`})
		pid2 := int64(e.Count(`SELECT MAX(id) FROM poll`))
		start2 := make(chan struct{})
		results := make(chan string, 41)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start2
				results <- e.Bot.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("r%03d", i)), Channel: "#4west",
					ActionID: fmt.Sprintf("vote:%d:%d", pid2, i%2+1)}).Text
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start2
			time.Sleep(5 * time.Millisecond)
			results <- e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: "end"}).Text
		}()
		close(start2)
		wg.Wait()
		close(results)
		for r := range results {
			if !strings.Contains(r, "Your vote") && !strings.Contains(r, "This poll is closed") && !strings.Contains(r, "Huddle ended") {
				t.Errorf("reply while racing the end: %q", r)
			}
		}
		stored := e.Count(`SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ? AND choices <> 0`, pid2)
		t.Logf("%d of 40 votes landed before the end", stored)
		if err := e.Bot.Jobs.WaitIdle(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		var card string
		if err := db.GetContext(ctx, &card, `SELECT card FROM message WHERE id = (SELECT summary_id FROM huddle)`); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("**Last call?** (attributed) — %d votes from %d people", stored, stored)
		if stored == 1 {
			want = "**Last call?** (attributed) — 1 vote from 1 person"
		}
		if stored == 0 {
			want = "**Last call?** (attributed) — no votes yet"
		}
		bottest.Contains(t, "summary after the race", card, want)
		if n := e.Count(`SELECT COUNT(*) FROM huddle_attendee`); n != stored {
			t.Errorf("%d attendees for %d attributed voters", n, stored)
		}
	})
}

// TestHuddleVotesBatched: votes from many people at once are written in
// shared transactions (group commits); a voter who changes their vote in
// the middle of the rush is told exactly what changed, everyone else is
// told their own vote, a tap on an option the poll lacks is stale, and the
// tally is exact. Attributed and anonymous, both backends.
func TestHuddleVotesBatched(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		ctx := context.Background()
		const n = 60
		e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: "start Rush"})
		for i := 0; i < n; i++ {
			if _, _, err := e.Bot.Resolve(ctx, hudActor(fmt.Sprintf("r%03d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for _, anon := range []string{"", " --anonymous"} {
			e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: `poll "Ready?" Yes No` + anon})
			pid := int64(e.Count(`SELECT MAX(id) FROM poll`))
			vote := func(user string, option int) string {
				return e.direct(user, fmt.Sprintf("vote:%d:%d", pid, option))
			}
			bottest.Contains(t, "first vote", vote("r000", 1), "✅ Your vote: “Yes”.")
			var wg sync.WaitGroup
			start := make(chan struct{})
			replies := make([]string, n+1)
			for i := 0; i <= n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					switch {
					case i == 0:
						replies[i] = vote("r000", 2) // the change, in the rush
					case i == n:
						replies[i] = vote("r001", 3) // no option 3
					default:
						replies[i] = vote(fmt.Sprintf("r%03d", i), i%2+1)
					}
				}()
			}
			close(start)
			wg.Wait()
			bottest.Contains(t, "the change", replies[0], "✅ Changed your vote from “Yes” to “No”.")
			for i := 1; i < n; i++ {
				want := map[int]string{1: "“Yes”", 2: "“No”"}[i%2+1]
				bottest.Contains(t, fmt.Sprintf("voter %d", i), replies[i], "✅ Your vote: "+want+".")
				if strings.Contains(replies[i], "anonymously") != (anon != "") {
					t.Errorf("anonymous=%v: voter %d told %q", anon != "", i, replies[i])
				}
			}
			if strings.Contains(replies[n], "Your vote") || strings.Contains(replies[n], "Changed") {
				t.Errorf("a tap on a missing option was counted: %q", replies[n])
			}
			p, err := db.PollGet(ctx, db, pid)
			if err != nil {
				t.Fatal(err)
			}
			tally, err := db.PollTally(ctx, db, p)
			if err != nil {
				t.Fatal(err)
			}
			// Voters 1..59: odd ones Yes... i%2+1 is 2 for odd i, 1 for even.
			if want := []int{29, 31}; tally.Voters != n || !slices.Equal(tally.Counts, want) {
				t.Errorf("anonymous=%v: tally %+v, want %v from %d people", anon != "", tally, want, n)
			}
		}
	})
}

// TestHuddlePollControls covers the host's buttons, refusals, multiple
// choice, the select menu for many options, anonymity fixed at the first
// vote, hidden results, closing on time and closing when everyone voted.
func TestHuddlePollControls(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		bottest.Contains(t, "dm", e.Command("sam", "dm", "/huddle start X"), "Huddles happen in a channel")
		bottest.Contains(t, "poll without huddle", e.Command("sam", "#4west", `/huddle poll "Q" a b`), "no huddle running in #4west")
		e.Command("sam", "#4west", "/huddle start Controls")
		bottest.Contains(t, "malformed", e.Command("sam", "#4west", `/huddle poll "Only one" yes`), "at least two options", "Usage: `/huddle poll")
		bottest.Contains(t, "unknown", e.Command("sam", "#4west", "/huddle dance"), "I don't know `/huddle dance`", "Usage:")
		bottest.Contains(t, "learner poll", e.Command("nina", "#4west", `/huddle poll "Q" a b`), "Only the huddle's host (Sam Reyes) or a trainer can run polls")
		bottest.Contains(t, "trainer poll", e.Command("tara", "#4west", `/huddle poll "Trainer asks?" a b`), "Poll posted")

		// Multiple choice, up to 2; attributed; the host can see who voted.
		e.Command("sam", "#4west", `/huddle poll "Which screens confuse you?" MAR Orders Flowsheets --multi=2`)
		m := e.Must("sam", "#4west", "Which screens confuse you?")
		bottest.Contains(t, "multi card", m.Text, "Votes are visible to the host", "Pick up to 2")
		pid := hudID(t, m.ActionWith("vote:", ":1"), 1)
		v := func(user string, opt int) string {
			return e.Click(user, m.ID, fmt.Sprintf("vote:%d:%d", pid, opt)).Reply
		}
		bottest.Contains(t, "pick 1", v("nina", 1), "Your picks now: “MAR”")
		bottest.Contains(t, "pick 2", v("nina", 2), "Your picks now: “MAR”, “Orders”")
		bottest.Contains(t, "pick 3", v("nina", 3), "at most 2")
		bottest.Contains(t, "unpick", v("nina", 1), "Your picks now: “Orders”")
		bottest.Contains(t, "other", v("pete", 2), "“Orders”")
		bottest.Contains(t, "anon after votes", e.direct("sam", fmt.Sprintf("poll:%d:anon", pid)), "fixed once the first vote")
		bottest.Contains(t, "who (learner)", e.Click("nina", m.ID, fmt.Sprintf("poll:%d:who", pid)).Reply, "Only the huddle's host")
		bottest.Contains(t, "who (host)", e.Click("sam", m.ID, fmt.Sprintf("poll:%d:who", pid)).Reply, "Orders: Dr. Pete Okafor, Nina Patel", "MAR: nobody")
		e.Eventually("sam", "#4west", m.ID, "2 votes from 2 people")
		if n := e.Count(`SELECT COUNT(*) FROM huddle_attendee`); n != 2 {
			t.Errorf("attributed voters → %d attendees, want 2", n)
		}

		// Close, reopen, extend; refusals for others.
		bottest.Contains(t, "learner close", e.Click("pete", m.ID, fmt.Sprintf("poll:%d:close", pid)).Reply, "Only the huddle's host")
		bottest.Contains(t, "close", e.Click("sam", m.ID, fmt.Sprintf("poll:%d:close", pid)).Reply, "Poll closed")
		m = e.Eventually("sam", "#4west", m.ID, "🔒 Closed")
		bottest.Contains(t, "vote when closed", e.direct("maya", fmt.Sprintf("vote:%d:1", pid)), "This poll is closed")
		bottest.Contains(t, "vote button gone", v("maya", 1), "This poll is closed")
		bottest.Contains(t, "reopen", e.Click("sam", m.ID, fmt.Sprintf("poll:%d:reopen", pid)).Reply, "Poll reopened")
		m = e.Eventually("sam", "#4west", m.ID, "🗳 Open")
		bottest.Contains(t, "vote when reopened", v("maya", 1), "Your picks now: “MAR”")

		// Anonymity can change before the first vote; hidden results; closes on time.
		e.Command("sam", "#4west", `/huddle poll "Hidden one?" yes no --hidden --closes 10m`)
		h := e.Must("sam", "#4west", "Hidden one?")
		hp := hudID(t, h.ActionWith("vote:", ":1"), 1)
		bottest.Contains(t, "hidden card", h.Text, "Results are hidden until the poll closes", "closes at")
		bottest.Contains(t, "make anonymous", e.Click("sam", h.ID, fmt.Sprintf("poll:%d:anon", hp)).Reply, "now anonymous")
		h = e.Eventually("sam", "#4west", h.ID, "nobody, not even the host")
		bottest.Contains(t, "anon vote", e.Click("maya", h.ID, fmt.Sprintf("vote:%d:1", hp)).Reply, "Recorded anonymously")
		if n := e.Count(`SELECT COUNT(*) FROM poll_anon_choice WHERE poll_id = ?`, hp) +
			e.Count(`SELECT COUNT(*) FROM poll_ballot WHERE poll_id = ?`, hp); n != 1 {
			t.Errorf("vote after switching to anonymous stored a member")
		}
		h = e.Eventually("sam", "#4west", h.ID, "1 vote from 1 person")
		if strings.Contains(h.Text, "(100%)") {
			t.Errorf("hidden poll shows results: %s", h.Text)
		}
		bottest.Contains(t, "extend", e.Click("sam", h.ID, fmt.Sprintf("poll:%d:extend", hp)).Reply, "extended by 5 minutes")
		if err := e.SB.Advance(context.Background(), 14*time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(`SELECT COUNT(*) FROM poll WHERE id = ? AND closed_at IS NULL`, hp); n != 1 {
			t.Error("extended poll closed early")
		}
		if err := e.SB.Advance(context.Background(), 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		h = e.Eventually("sam", "#4west", h.ID, "🔒 Closed — 1 vote from 1 person")
		bottest.Contains(t, "revealed", h.Text, "• yes — ██████████ 1 (100%)")

		// Many options: a select menu instead of buttons.
		opts := ""
		for i := 1; i <= 12; i++ {
			opts += fmt.Sprintf(" \"Unit %d\"", i)
		}
		e.Command("sam", "#4west", `/huddle poll "Where do you work most?"`+opts)
		s := e.Must("sam", "#4west", "Where do you work most?")
		sel := s.ActionWith("vote:", "=12")
		if sel == "" || s.ActionWith("vote:", ":1") != "" {
			t.Fatalf("12 options should be a select, got actions %+v", s.Actions)
		}
		bottest.Contains(t, "select vote", e.Click("pete", s.ID, sel).Reply, "Your vote: “Unit 12”")

		// An anonymous poll also knows when everyone taking part has voted
		// (by recomputing their keyed hashes), without recording who did.
		e.Command("sam", "#4west", `/huddle poll "Anonymous early close?" a b --anonymous`)
		a := e.Must("sam", "#4west", "Anonymous early close?")
		ap := hudID(t, a.ActionWith("vote:", ":1"), 1)
		bottest.Contains(t, "anon 1", e.Click("nina", a.ID, fmt.Sprintf("vote:%d:1", ap)).Reply, "Recorded anonymously")
		bottest.Contains(t, "anon 2", e.Click("pete", a.ID, fmt.Sprintf("vote:%d:2", ap)).Reply, "Recorded anonymously")
		if r := e.Click("maya", a.ID, fmt.Sprintf("vote:%d:2", ap)).Reply; !strings.Contains(r, "Everyone taking part has now voted") {
			t.Errorf("third anonymous vote of three attendees: %q", r)
		}

		// A rating poll that closes when everyone taking part has voted:
		// nina, pete and maya are attendees before it opens.
		e.Command("sam", "#4west", `/huddle rate "How confident are you with the new alert?"`)
		r := e.Must("sam", "#4west", "How confident are you")
		rp := hudID(t, r.ActionWith("vote:", ":1"), 1)
		bottest.Contains(t, "rate 1", e.Click("nina", r.ID, fmt.Sprintf("vote:%d:4", rp)).Reply, "Your vote: “4”")
		bottest.Contains(t, "rate 2", e.Click("pete", r.ID, fmt.Sprintf("vote:%d:5", rp)).Reply, "Your vote: “5”")
		if n := e.Count(`SELECT COUNT(*) FROM poll WHERE id = ? AND closed_at IS NULL`, rp); n != 1 {
			t.Fatal("rating poll closed before everyone voted")
		}
		bottest.Contains(t, "rate 3", e.Click("maya", r.ID, fmt.Sprintf("vote:%d:3", rp)).Reply, "Everyone taking part has now voted, so the poll is closed")
		r = e.Eventually("sam", "#4west", r.ID, "🔒 Closed")
		bottest.Contains(t, "rating card", r.Text, "Average: 4.0 / 5")

		e.Command("sam", "#4west", "/huddle end")
		bottest.Contains(t, "reopen after end", e.direct("sam", fmt.Sprintf("poll:%d:reopen", pid)), "huddle has ended")
		sum := e.Must("sam", "#4west", "Huddle summary: Controls")
		bottest.Contains(t, "summary", sum.Text, "Attendance: 3 — Dr. Pete Okafor, Maya Chen, Nina Patel",
			"**Which screens confuse you?** (attributed, up to 2 choices) — 3 votes from 3 people",
			"**Hidden one?** (anonymous) — 1 vote from 1 person",
			"**Anonymous early close?** (anonymous) — 3 votes from 3 people", "Average: 4.0 / 5")
	})
}

// TestHuddleParkingLot covers asking (openly, anonymously, with an
// identifier removed), +1s, the host's marks and escalation.
func TestHuddleParkingLot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		bottest.Contains(t, "ask without huddle", e.Command("nina", "#4west", "/huddle ask Why?"), "no huddle running", "/ask TEXT")
		e.Command("sam", "#4west", "/huddle start Parking lot")
		bottest.Contains(t, "ask empty", e.Command("nina", "#4west", "/huddle ask"), "Usage: `/huddle ask")
		rep := e.Command("nina", "#4west", "/huddle ask --anonymous Why does MRN 12345678 alert twice?")
		bottest.Contains(t, "ask redacted", rep, "anonymously", "For privacy I removed what looked like a medical record number")
		bottest.Lacks(t, "ask redacted", rep, "12345678")
		q := e.Must("sam", "#4west", "alert twice")
		bottest.Contains(t, "card", q.Text, "Why does [redacted] alert twice?", "Asked anonymously", "identifiers were removed")
		bottest.Lacks(t, "card", q.Text, "12345678")
		if n := e.Count(`SELECT COUNT(*) FROM huddle_question WHERE text LIKE '%12345678%'`); n != 0 {
			t.Error("the identifier was stored")
		}
		if n := e.Count(`SELECT COUNT(*) FROM message WHERE card LIKE '%12345678%'`); n != 0 {
			t.Error("the identifier was stored in a card")
		}
		if n := e.Count(`SELECT COUNT(*) FROM huddle_attendee`); n != 0 {
			t.Error("an anonymous question made its asker an attendee")
		}
		bottest.Contains(t, "+1", e.Click("pete", q.ID, q.ActionWith("plus1:", "")).Reply, "+1 noted")
		bottest.Contains(t, "learner escalate", e.Click("pete", q.ID, q.ActionWith("hq:", ":escalate")).Reply, "Only the huddle's host (Sam Reyes) or a trainer can escalate")

		e.Bot.Config.TrainerChannel = ""
		bottest.Contains(t, "escalate unconfigured", e.Click("sam", q.ID, q.ActionWith("hq:", ":escalate")).Reply, "No trainers' channel is configured", "Nothing changed")
		if n := e.Count(`SELECT COUNT(*) FROM huddle_question WHERE status = 'open'`); n != 1 {
			t.Error("a refused escalation changed the question")
		}
		e.Bot.Config.TrainerChannel = "#trainers"
		bottest.Contains(t, "escalate", e.Click("sam", q.ID, q.ActionWith("hq:", ":escalate")).Reply, "Escalated to the trainers in #trainers")
		tc := e.Must("sam", "#trainers", "Escalated from a tech huddle")
		bottest.Contains(t, "trainers card", tc.Text, "Why does [redacted] alert twice?", "Parking lot in #4west", "+1: 1", "Asked: anonymously")
		bottest.Lacks(t, "trainers card", tc.Text, "12345678")
		q = e.Eventually("sam", "#4west", q.ID, "Escalated to the trainers")
		if len(q.Actions) != 0 {
			t.Errorf("escalated question still has buttons: %+v", q.Actions)
		}

		e.Command("maya", "#4west", "/huddle ask Where is the downtime report?")
		q2 := e.Must("sam", "#4west", "downtime report")
		bottest.Contains(t, "answered", e.Click("sam", q2.ID, q2.ActionWith("hq:", ":answered")).Reply, "Marked answered")
		q2 = e.Eventually("sam", "#4west", q2.ID, "✅ Answered")
		q2id := hudID(t, q2.ActionWith("hq:", ":open"), 1)
		bottest.Contains(t, "answered twice", e.direct("tara", fmt.Sprintf("hq:%d:answered", q2id)), "already marked answered")
		bottest.Contains(t, "button gone", e.Click("tara", q2.ID, fmt.Sprintf("plus1:%d", q2id)).Reply, "already answered")
		e.Command("fran", "#4west", "/huddle ask Who prints the wristbands?")
		q3 := e.Must("sam", "#4west", "wristbands")
		e.Command("sam", "#4west", "/huddle end")
		bottest.Contains(t, "+1 after end", e.Click("ed", q3.ID, q3.ActionWith("plus1:", "")).Reply, "This huddle has ended")
		sum := e.Must("sam", "#4west", "Huddle summary")
		bottest.Contains(t, "summary", sum.Text, "Attendance: 3 — Dr. Pete Okafor, Fran Miller, Maya Chen", "Open (1):\n• Who prints the wristbands? — +1 ×0", "Answered (1):\n• Where is the downtime report?",
			"Escalated to the trainers (1):\n• Why does [redacted] alert twice? — +1 ×1")
		bottest.Lacks(t, "summary", sum.Text, "12345678")
		if n := e.Count(`SELECT COUNT(*) FROM message WHERE card LIKE '%12345678%'`); n != 0 {
			t.Error("the identifier was stored in a card")
		}
	})
}

// TestHuddleRecurring: a schedule in the host's time zone, one reminder
// before each occurrence, starting from the reminder, unanswered questions
// carrying over to the next occurrence, list and cancel.
func TestHuddleRecurring(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		clock, advance := hudTicking(t, e.Sandbox)
		bottest.Contains(t, "tz", e.Command("sam", "dm", "/learn tz America/New_York"), "America/New_York")
		ny, _ := time.LoadLocation("America/New_York")
		occ := clock.Now().In(ny).Add(time.Hour).Truncate(time.Minute)
		bottest.Contains(t, "learner schedules", e.Command("nina", "#4west", "/huddle schedule everyday 07:45 X"), "Only super-users can schedule huddles")
		rep := e.Command("sam", "#4west", "/huddle schedule everyday "+occ.Format("15:04")+" Shift change huddle --remind 15")
		bottest.Contains(t, "schedule", rep, "Scheduled. 📅 #", "“Shift change huddle” — every day at "+occ.Format("15:04")+" America/New_York", "reminder 15 min before")
		sid := int64(e.Count(`SELECT id FROM huddle_series`))
		bottest.Contains(t, "list", e.Command("nina", "#4west", "/huddle schedule list"), "Shift change huddle", "host Sam Reyes")

		advance(40 * time.Minute)
		if n := len(e.All("sam", "#4west", "Huddle soon")); n != 0 {
			t.Fatalf("%d reminder(s) 20 min before the window", n)
		}
		advance(15 * time.Minute)
		rem := e.Must("sam", "#4west", "Huddle soon: Shift change huddle")
		bottest.Contains(t, "reminder", rem.Text, "Starts at "+occ.Format("15:04"), "in #4west")
		advance(4 * time.Minute)
		if n := len(e.All("sam", "#4west", "Huddle soon")); n != 1 {
			t.Fatalf("%d reminders, want exactly 1", n)
		}
		bottest.Contains(t, "learner starts from reminder", e.Click("nina", rem.ID, rem.ActionWith("hstart:", "")).Reply, "Only the huddle's host (Sam Reyes)")
		bottest.Contains(t, "start from reminder", e.Click("sam", rem.ID, rem.ActionWith("hstart:", "")).Reply, "Huddle “Shift change huddle” started", "recurring huddle #")
		h1 := int64(e.Count(`SELECT id FROM huddle WHERE series_id = ?`, sid))
		e.Command("sue", "#4west", "/huddle ask Who can unlock the MAR?")
		e.Command("pete", "#4west", "/huddle ask Where are the new order sets?")
		e.Command("maya", "#4west", "/huddle ask Is downtime Tuesday?")
		q := e.Must("sam", "#4west", "Who can unlock the MAR?")
		e.Click("sam", q.ID, q.ActionWith("hq:", ":answered"))
		q = e.Must("sam", "#4west", "Is downtime Tuesday?")
		bottest.Contains(t, "defer", e.Click("sam", q.ID, q.ActionWith("hq:", ":deferred")).Reply, "carries over")
		e.Command("sam", "#4west", "/huddle end")

		// The next day's reminder mentions what is waiting; starting at the
		// scheduled time with another title still joins the series.
		next := occ.AddDate(0, 0, 1)
		clock.set(next.Add(-20 * time.Minute))
		advance(10 * time.Minute)
		if n := len(e.All("sam", "#4west", "Huddle soon")); n != 2 {
			t.Fatalf("%d reminders after two days, want 2", n)
		}
		bottest.Contains(t, "second reminder", e.Must("sam", "#4west", "Huddle soon").Text, "2 questions from last time are waiting")
		bottest.Contains(t, "start next", e.Command("sam", "#4west", "/huddle start Order sets special"), "2 unanswered questions carried over")
		h2 := int64(e.Count(`SELECT id FROM huddle WHERE series_id = ? AND ended_at IS NULL`, sid))
		if h2 == 0 || h2 == h1 {
			t.Fatalf("second huddle %d not in the series", h2)
		}
		if n := e.Count(`SELECT COUNT(*) FROM huddle_question WHERE huddle_id = ? AND origin_huddle_id = ?`, h2, h1); n != 2 {
			t.Errorf("%d questions carried over, want 2", n)
		}
		carried := e.Must("sam", "#4west", "Where are the new order sets?")
		bottest.Contains(t, "carried card", carried.Text, "carried over")
		e.Command("sam", "#4west", "/huddle end")
		bottest.Contains(t, "summary", e.Must("sam", "#4west", "Huddle summary: Order sets special").Text,
			"Open (1):\n• Where are the new order sets? — +1 ×0 _(carried over)_", "Deferred to next time (1)")

		bottest.Contains(t, "learner cancels", e.Command("nina", "#4west", fmt.Sprintf("/huddle schedule cancel %d", sid)), "Only its host (Sam Reyes) or a trainer")
		bottest.Contains(t, "cancel", e.Command("sam", "#4west", fmt.Sprintf("/huddle schedule cancel %d", sid)), "Cancelled recurring huddle")
		bottest.Contains(t, "list empty", e.Command("sam", "#4west", "/huddle schedule list"), "No recurring huddles")
	})
}

// BenchmarkHuddleVote measures recording votes through HandleClick on one
// anonymous poll (lock, hash, replace, coalesced render), one voter after
// another and many at once, on each backend.
func BenchmarkHuddleVote(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, backend)
			if err := bot.MigrateJobs(ctx, db); err != nil {
				b.Fatal(err)
			}
			bt := bot.New(db, bot.Config{VoteKey: hudVoteKey}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			huddle.Register(bt)
			if _, err := bot.NewJobs(bt, bot.JobsOptions{}); err != nil {
				b.Fatal(err)
			}
			admin := hudActor("sam")
			ws, host, err := bt.Resolve(ctx, admin)
			if err != nil {
				b.Fatal(err)
			}
			su := []member.Permission{member.PermSuperUser}
			if err := db.MemberUpdate(ctx, db, host.ID, store.MemberSettings{Permissions: &su}); err != nil {
				b.Fatal(err)
			}
			_ = ws
			bt.HandleCommand(ctx, bot.Command{Actor: admin, Channel: "#bench", Name: "huddle", Text: "start Bench"})
			if r := bt.HandleCommand(ctx, bot.Command{Actor: admin, Channel: "#bench", Name: "huddle",
				Text: `poll "Q?" A B C D --anonymous`}); !strings.Contains(r.Text, "Poll posted") {
				b.Fatal(r.Text)
			}
			var pid int64
			if err := db.GetContext(ctx, &pid, `SELECT id FROM poll`); err != nil {
				b.Fatal(err)
			}
			const voters = 200
			for i := 0; i < voters; i++ {
				if _, _, err := bt.Resolve(ctx, hudActor(fmt.Sprintf("b%03d", i))); err != nil {
					b.Fatal(err)
				}
			}
			vote := func(i int) {
				r := bt.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("b%03d", i%voters)), Channel: "#bench",
					ActionID: fmt.Sprintf("vote:%d:%d", pid, i%4+1)})
				if !strings.Contains(r.Text, "vote") {
					b.Fatal(r.Text)
				}
			}
			b.Run("serial", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					vote(i)
				}
			})
			b.Run("parallel", func(b *testing.B) {
				var n sync.Mutex
				next := 0
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n.Lock()
						i := next
						next++
						n.Unlock()
						vote(i)
					}
				})
			})
		})
	}
}

// TestHuddleEveryoneVotedRace: the whole audience of a poll votes at the
// same moment, half of them also changing their vote at once. The poll
// closes exactly when the last vote is in — said to one voter only — and the
// closed card shows every vote; on both backends, attributed and anonymous.
func TestHuddleEveryoneVotedRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		ctx := context.Background()
		const n = 30
		e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: "start Rush"})
		// Taking part under one's own name (a vote on a first poll) makes
		// the audience of the polls that follow.
		e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: `poll "Warm-up?" A B`})
		warm := int64(e.Count(`SELECT MAX(id) FROM poll`))
		for i := 0; i < n; i++ {
			rep := e.Bot.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("r%03d", i)), Channel: "#4west", ActionID: fmt.Sprintf("vote:%d:1", warm)})
			if !strings.Contains(rep.Text, "Your vote") {
				t.Fatalf("warm-up vote: %q", rep.Text)
			}
		}
		if a := e.Count(`SELECT COUNT(*) FROM huddle_attendee`); a != n {
			t.Fatalf("%d attendees, want %d", a, n)
		}
		for _, anon := range []string{"", " --anonymous"} {
			e.Bot.HandleCommand(ctx, bot.Command{Actor: hudActor("sam"), Channel: "#4west", Name: "huddle", Text: `poll "Ready?" Yes No` + anon})
			pid := int64(e.Count(`SELECT MAX(id) FROM poll`))
			var wg sync.WaitGroup
			start := make(chan struct{})
			replies := make(chan string, 2*n)
			tap := func(i, option int) {
				defer wg.Done()
				<-start
				replies <- e.Bot.HandleClick(ctx, bot.Click{Actor: hudActor(fmt.Sprintf("r%03d", i)), Channel: "#4west",
					ActionID: fmt.Sprintf("vote:%d:%d", pid, option)}).Text
			}
			for i := 0; i < n; i++ {
				wg.Add(1)
				go tap(i, 1)
				if i%2 == 0 {
					wg.Add(1)
					go tap(i, 2)
				}
			}
			close(start)
			wg.Wait()
			close(replies)
			closedBy := 0
			for r := range replies {
				if strings.Contains(r, "Everyone taking part has now voted") {
					closedBy++
				}
			}
			if closedBy != 1 {
				t.Errorf("anonymous=%v: %d voters were told the poll closed, want exactly 1", anon != "", closedBy)
			}
			if c := e.Count(`SELECT COUNT(*) FROM poll WHERE id = ? AND closed_at IS NOT NULL`, pid); c != 1 {
				t.Errorf("anonymous=%v: the poll is still open after everyone voted", anon != "")
			}
			p, err := db.PollGet(ctx, db, pid)
			if err != nil {
				t.Fatal(err)
			}
			tally, err := db.PollTally(ctx, db, p)
			if err != nil {
				t.Fatal(err)
			}
			if tally.Voters != n || tally.Votes != n {
				t.Errorf("anonymous=%v: tally %+v, want %d votes from %d people", anon != "", tally, n, n)
			}
			e.Eventually("sam", "#4west", p.MessageID, fmt.Sprintf("🔒 Closed — %d votes from %d people", n, n))
		}
	})
}

// TestHuddleDeferredWithoutSeries: a question deferred in a one-off huddle
// (no series) is told it goes to the next huddle started in that channel,
// and it does — instead of "the next huddle of this series" and then
// nothing (issue 17 item 13).
func TestHuddleDeferredWithoutSeries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newHudEnv(t, db, 100*time.Millisecond, false)
		bottest.Contains(t, "start", e.Command("sam", "#4west", "/huddle start Quick MAR check"), "started")
		h1 := int64(e.Count(`SELECT id FROM huddle WHERE ended_at IS NULL`))
		e.Command("maya", "#4west", "/huddle ask Is downtime Tuesday?")
		q := e.Must("sam", "#4west", "Is downtime Tuesday?")
		bottest.Contains(t, "defer", e.Click("sam", q.ID, q.ActionWith("hq:", ":deferred")).Reply, "carries over to the next huddle started in #4west")
		e.Command("sam", "#4west", "/huddle end")
		// A huddle in another channel does not take it.
		e.Command("ed", "#5east", "/huddle start Other unit")
		e.Command("ed", "#5east", "/huddle end")
		bottest.Contains(t, "next huddle here", e.Command("sue", "#4west", "/huddle start Afternoon huddle"), "1 unanswered question carried over")
		h2 := int64(e.Count(`SELECT id FROM huddle WHERE ended_at IS NULL`))
		if n := e.Count(`SELECT COUNT(*) FROM huddle_question WHERE huddle_id = ? AND origin_huddle_id = ?`, h2, h1); n != 1 || h2 == h1 {
			t.Errorf("%d question(s) carried from huddle %d into %d, want 1", n, h1, h2)
		}
	})
}
