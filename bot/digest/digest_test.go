package digest

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/cardtest"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

func TestDigestWeek(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, chicago)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now      string
		week     string
		due      bool
		describe string
	}{
		{"2026-03-16 07:59", "2026-03-16", false, "a minute early"},
		{"2026-03-16 08:00", "2026-03-16", true, "on time"},
		{"2026-03-17 07:59", "2026-03-16", true, "catching up until Tuesday 08:00"},
		{"2026-03-17 08:00", "2026-03-16", false, "too late for this week"},
		{"2026-03-22 23:00", "2026-03-16", false, "Sunday belongs to the week before"},
		{"2026-03-09 08:30", "2026-03-09", true, "the Monday after the clocks changed"},
		{"2026-11-02 08:00", "2026-11-02", true, "the Monday after the clocks went back"},
	}
	for _, tt := range tests {
		week, due := digestWeek(at(tt.now), chicago)
		if week != tt.week || due != tt.due {
			t.Errorf("%s (%s): got %s %v, want %s %v", tt.now, tt.describe, week, due, tt.week, tt.due)
		}
	}
	// The zone decides, not UTC: 08:00 in Chicago is 13:00 or 14:00 UTC.
	if _, due := digestWeek(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC), chicago); due {
		t.Error("Monday 09:00 UTC (04:00 in Chicago) counted as due")
	}
}

// digestAdapter accepts every message; the digest test reads the message
// table, not the platform.
type digestAdapter struct{ platform string }

func (a digestAdapter) Platform() string { return a.platform }

func (a digestAdapter) Deliver(_ context.Context, out *bot.Outbound) (bot.Sent, error) {
	return bot.Sent{Channel: out.Channel, ID: "1"}, nil
}

func newDigestBot(t *testing.T, db *store.DB, channel string) *Digest {
	t.Helper()
	return newDigestBotIn(t, db, channel, "")
}

// newDigestBotIn is newDigestBot in a workspace whose default language is
// lang ("" = English).
func newDigestBotIn(t *testing.T, db *store.DB, channel, lang string) *Digest {
	t.Helper()
	b := bot.New(db, bot.Config{TrainerChannel: channel, DefaultTimeZone: "America/Chicago", DefaultLanguage: lang},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	d := Register(b)
	b.AddAdapter(digestAdapter{platform: "sandbox"})
	if _, err := bot.NewJobs(b, bot.JobsOptions{}); err != nil {
		t.Fatal(err)
	}
	return d
}

// digestFixture: a week of answers on a "bcma" quiz that most people get
// wrong, and one escalated question, in a Chicago sandbox workspace.
func digestFixture(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := bot.MigrateJobs(ctx, db); err != nil {
		t.Fatal(err)
	}
	q := &lessons.Lesson{ID: "bcma-1", Kind: lessons.KindQuiz, Title: "Scan first", Tags: []string{"bcma"},
		Question: "Q?", Choices: []string{"a", "b"}, Answer: 1, Explanation: "x"}
	if _, err := db.ContentImport(ctx, &lessons.Content{Roles: member.DefaultRoles, Lessons: []*lessons.Lesson{q}}); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", "America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// A workspace of a platform this process does not serve gets no digest.
	if _, err := db.WorkspaceEnsure(ctx, "slack", "T1", "America/Chicago"); err != nil {
		t.Fatal(err)
	}
	d := &store.DemoData{WorkspaceID: ws.ID}
	for i := 0; i < 8; i++ {
		d.Members = append(d.Members, store.DemoMember{UserID: "u" + string(rune('a'+i)), Role: "nurse", Department: "4west",
			CreatedAt: now.AddDate(0, -2, 0)})
	}
	for day := 1; day <= 5; day++ {
		for m := 0; m < 8; m++ {
			sent := now.Add(-time.Duration(day) * 24 * time.Hour).Add(time.Duration(m) * time.Minute)
			d.Deliveries = append(d.Deliveries, store.DemoDelivery{Member: m, LessonID: "bcma-1", LessonVersion: 1, Reason: "track",
				ShiftDate: sent.Format("2006-01-02"), Status: store.DeliveryAnswered, SentAt: sent,
				Answer: &store.DemoAnswer{Choice: 1, Correct: m < 3, Attempt: day, At: sent.Add(time.Minute)}})
		}
	}
	d.Questions = []store.DemoQuestion{{Asker: 0, Claimer: -1, Department: "4west", Text: "Where did the held-dose reason go?",
		Status: "open", Level: 1, CreatedAt: now.Add(-50 * time.Hour), EscalatedAt: now.Add(-49 * time.Hour)}}
	if _, err := db.DemoLoad(ctx, d); err != nil {
		t.Fatal(err)
	}
}

func digestMessages(t *testing.T, db *store.DB) []string {
	t.Helper()
	var cards []string
	if err := db.SelectContext(context.Background(), &cards, `SELECT card FROM message WHERE channel = '#trainers' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return cards
}

func TestDigestPostedOncePerWeek(t *testing.T) {
	t.Parallel()
	chicago, _ := time.LoadLocation("America/Chicago")
	monday8 := time.Date(2026, 3, 16, 8, 0, 0, 0, chicago)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		digestFixture(t, db, monday8)
		a, replica := newDigestBot(t, db, "#trainers"), newDigestBot(t, db, "#trainers")

		if err := a.digestTick(ctx, monday8.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := len(digestMessages(t, db)); n != 0 {
			t.Fatalf("%d digests before Monday 08:00", n)
		}
		// Two replicas at once, then again later that day and on Tuesday
		// morning: one digest.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, b := range []*Digest{a, replica} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = b.digestTick(ctx, monday8.Add(5*time.Minute))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, at := range []time.Duration{time.Hour, 23 * time.Hour} {
			if err := replica.digestTick(ctx, monday8.Add(at)); err != nil {
				t.Fatal(err)
			}
		}
		cards := digestMessages(t, db)
		if len(cards) != 1 {
			t.Fatalf("%d digests in the trainers' channel, want 1", len(cards))
		}
		c, err := bot.ParseCard(cards[0])
		if err != nil {
			t.Fatal(err)
		}
		cardtest.Check(t, "digest", c) // the card model's **bold**, not Slack's *bold*
		if !strings.Contains(c.Body, "**Refresh signals**") || !strings.Contains(c.Body, "**Escalated questions**") {
			t.Errorf("digest headings are not bold:\n%s", c.Body)
		}
		text := c.Text()
		for _, want := range []string{"Weekly training digest — week of Mon 16 Mar 2026", "Low accuracy", "bcma: 38% correct (15 of 40 answers)",
			"Escalated questions", "Where did the held-dose reason go?", "Members who answered: 8 of 8", "Quiz accuracy: 40 answers · 38%"} {
			if !strings.Contains(text, want) {
				t.Errorf("digest lacks %q:\n%s", want, text)
			}
		}

		// The next Monday brings the next one.
		if err := a.digestTick(ctx, monday8.AddDate(0, 0, 7).Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := len(digestMessages(t, db)); n != 2 {
			t.Fatalf("%d digests after the second Monday, want 2", n)
		}
	})
}

func TestDigestNeedsTrainerChannel(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	chicago, _ := time.LoadLocation("America/Chicago")
	monday8 := time.Date(2026, 3, 16, 8, 0, 0, 0, chicago)
	digestFixture(t, db, monday8)
	b := newDigestBot(t, db, "")
	if err := b.digestTick(context.Background(), monday8.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM message`); err != nil || n != 0 {
		t.Fatalf("%d messages posted without HUDDLEBOT_TRAINER_CHANNEL (%v)", n, err)
	}
}

// TestDigestInWorkspaceLanguage: with HUDDLEBOT_LANGUAGE=es the digest in
// the trainers' channel speaks Spanish (the signal's detail comes from the
// reports, in English).
func TestDigestInWorkspaceLanguage(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	chicago, _ := time.LoadLocation("America/Chicago")
	monday8 := time.Date(2026, 3, 16, 8, 0, 0, 0, chicago)
	digestFixture(t, db, monday8)
	if err := newDigestBotIn(t, db, "#trainers", "es").digestTick(context.Background(), monday8.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	cards := digestMessages(t, db)
	if len(cards) != 1 {
		t.Fatalf("%d digests, want 1", len(cards))
	}
	c, err := bot.ParseCard(cards[0])
	if err != nil {
		t.Fatal(err)
	}
	text := c.Text()
	for _, want := range []string{"Resumen semanal de formación — semana del lunes 16 de marzo de 2026", "**Señales de repaso**", "Pocos aciertos —",
		"**Preguntas escaladas**", "Miembros que respondieron: 8 de 8", "Aciertos en los cuestionarios: 40 respuestas · 38%",
		"bcma: 38% de aciertos (15 de 40 respuestas), por debajo del umbral del 60%", "(4west, abierta)"} {
		if !strings.Contains(text, want) {
			t.Errorf("Spanish digest lacks %q:\n%s", want, text)
		}
	}
	// The escalated question is quoted as asked; the rest is Spanish.
	noEnglish(t, "the Spanish digest", strings.ReplaceAll(text, "Where did the held-dose reason go?", ""))
	if c.Lang != "es" {
		t.Errorf("digest card language %q, want es", c.Lang)
	}
}

// TestDigestDetailSaysTheSignal: in English a signal's detail in the
// digest is the reports' Detail word for word (the same numbers in the
// same places; "no department" and "1 person" aside), for every kind; in Spanish it holds the same numbers and
// no English.
func TestDigestDetailSaysTheSignal(t *testing.T) {
	t.Parallel()
	th := lessons.DefaultSignalThresholds
	in := lessons.SignalInput{
		Topics: []lessons.TopicStat{{Topic: "bcma", Period: lessons.Tally{Answers: 40, Correct: 15},
			Recent: lessons.Tally{Answers: 50, Correct: 20}, Previous: lessons.Tally{Answers: 45, Correct: 40}}},
		Departments: []lessons.DepartmentStat{{Department: "", Members: 10, Active: 3}, {Department: "4west", Members: 8, Active: 2}},
		Cohorts: []lessons.CohortStat{{Role: "nurse", NewHires: 1, Peers: 12, NewHireTally: lessons.Tally{Answers: 41, Correct: 10},
			PeerTally: lessons.Tally{Answers: 300, Correct: 240}}},
		Ratings: []lessons.RatingStat{{LessonID: "bcma-1", Title: "Scan first", Up: 1, Down: 4}, {LessonID: "mar-2", Up: 0, Down: 3}},
	}
	sigs := lessons.Signals(in, th)
	kinds := map[lessons.SignalKind]bool{}
	for _, s := range sigs {
		kinds[s.Kind] = true
		// The digest names a missing department as its other lines do, and
		// one person in the singular.
		want := strings.NewReplacer(lessons.NoDepartment, "no department", "(1 people", "(1 person").Replace(s.Detail)
		if got := digestDetail(i18n.For("en"), s); got != want {
			t.Errorf("%s: English detail\n  %q\nwant the report's\n  %q", s.Kind, got, want)
		}
		es := digestDetail(i18n.For("es"), s)
		noEnglish(t, string(s.Kind)+" in Spanish", strings.NewReplacer("Scan first", "", "bcma-1", "", "mar-2", "").Replace(es))
		for _, n := range regexp.MustCompile(`\d+`).FindAllString(s.Detail, -1) {
			if !strings.Contains(es, n) {
				t.Errorf("%s: the Spanish detail %q lacks %s of %q", s.Kind, es, n, s.Detail)
			}
		}
	}
	if len(kinds) != 5 {
		t.Fatalf("the fixture raised %d kinds of signal, want all 5: %+v", len(kinds), sigs)
	}
	if got := digestDetail(i18n.For("es"), sigs[len(sigs)-1]); !strings.Contains(got, "Scan first (bcma-1)") && !strings.Contains(got, "mar-2") {
		t.Errorf("a rated lesson is not named: %q", got)
	}
}

// noEnglish fails when text has a word of the signals' English details
// or the escalated questions' statuses (bottest.NoEnglish would import
// this package through bot/feature).
func noEnglish(t *testing.T, what, text string) {
	t.Helper()
	for _, w := range regexp.MustCompile(`\pL+`).FindAllString(strings.ToLower(text), -1) {
		switch w {
		case "correct", "answers", "of", "under", "the", "threshold", "in", "last", "days", "down", "from", "week", "before",
			"members", "sent", "prompt", "answered", "period", "new", "hires", "started", "ago", "people", "person", "vs",
			"for", "their", "peers", "and", "helpful", "open", "claimed", "resolved", "department":
			t.Errorf("%s has the English word %q: %s", what, w, text)
		}
	}
}
