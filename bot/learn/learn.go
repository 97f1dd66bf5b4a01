package learn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/redact"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/support"
)

// Learn is the daily-learning capability: /learn and /feedback, the day's
// prompts and nudges, quiz answers (directly or through the answer inbox)
// and the home view.
type Learn struct {
	*bot.Bot
	applier atomic.Pointer[answerApplier]
}

// New returns the capability over b without registering it (for commands
// that only call its methods, such as bench).
func New(b *bot.Bot) *Learn { return &Learn{Bot: b} }

// Register adds the capability's commands, clicks, forms, tickers, prompt
// and home builders and the answer applier to b, and returns it.
func Register(b *bot.Bot) *Learn {
	l := New(b)
	b.HandleCommandFunc("learn", l.learnCommand)
	b.HandleCommandFunc("feedback", l.feedbackCommand)
	b.HandleActionFunc("ans", l.answerClick)
	b.HandleQueuedFunc("ans", l.queueAnswer)
	b.HandleActionFunc("rate", l.rateClick)
	b.HandleActionFunc("conf", l.confidenceClick)
	b.HandleActionFunc("ack", l.ackClick)
	b.HandleActionFunc("more", l.moreClick)
	b.HandleActionFunc("learn", l.learnClick)
	b.HandleFormFunc("more", l.moreSubmit)
	b.AddTicker("deliveries", l.deliverDue)
	b.AddTicker("nudges", l.sendNudges)
	b.SetPrompt(l.prompt)
	b.SetHome(l.home)
	b.AddRunner(applierRunner{l})
	return l
}

// prompt builds the card of a scheduled prompt from the lesson version its
// delivery recorded.
func (b *Learn) prompt(ctx context.Context, q store.Queryer, d *store.Delivery) (*bot.Card, error) {
	l, err := b.LessonVersionIn(ctx, q, d.LessonID, d.LessonVersion)
	if err != nil {
		return nil, err
	}
	return LanguagePromptCard(b.Bot, d.ID, l, lessons.Pick{LessonID: d.LessonID, Reason: lessons.Reason(d.Reason), BurstID: d.BurstID},
		d.Language, d.RequestedLanguage), nil
}

const learnUsage = "Usage: `/learn` (next lesson now) · `/learn join ROLE [DEPARTMENT]` · `/learn time HH:MM` · " +
	"`/learn tz Area/City` · `/learn days mon-fri` · `/learn hours HH:MM-HH:MM` · `/learn pause [DAYS]` · " +
	"`/learn resume` · `/learn stats` · `/learn nudges on|off` · `/learn duty on|off` (super-users) · `/learn help`"

func (b *Learn) learnCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	args := strings.Fields(text)
	if len(args) == 0 {
		return b.learnNow(ctx, r)
	}
	sub, rest := strings.ToLower(args[0]), args[1:]
	m := r.Member
	switch sub {
	case "help", "?":
		return bot.Reply{Text: learnHelp(b.Content().Roles)}, nil
	case "join":
		return b.learnJoin(ctx, r, rest)
	case "stats", "stat", "me":
		return b.learnStats(ctx, r)
	}
	if !m.Joined && sub != "tz" {
		return bot.Reply{Text: "You haven't joined yet. Start with `/learn join ROLE [DEPARTMENT]` — roles: " +
			strings.Join(b.Content().Roles, ", ") + "."}, nil
	}
	var set store.MemberSettings
	var msg string
	switch sub {
	case "time":
		if len(rest) != 1 {
			return bot.Usage("/learn time HH:MM", "e.g. /learn time 06:45 — when your daily prompt arrives"), nil
		}
		c, err := member.ParseClock(rest[0])
		if err != nil {
			return bot.Usage("/learn time HH:MM", err.Error()), nil
		}
		set.DeliveryTime = &c
		msg = "Your daily prompt now arrives at " + c.String() + "."
		sched := m.Schedule
		sched.DeliveryTime = c
		if sched.EffectiveDeliveryTime() != c {
			msg += fmt.Sprintf(" That's outside your work hours (%s–%s), so it will come at %s; change them with /learn hours.",
				sched.WorkStart, sched.WorkEnd, sched.EffectiveDeliveryTime())
		}
	case "tz", "timezone":
		if len(rest) != 1 {
			return bot.Usage("/learn tz Area/City", "e.g. /learn tz America/Chicago"), nil
		}
		loc, err := loadZone(rest[0])
		if err != nil {
			return bot.Usage("/learn tz Area/City", err.Error()), nil
		}
		name := loc.String()
		set.TimeZone = &name
		msg = "Your time zone is now " + name + "."
	case "days":
		if len(rest) == 0 {
			return bot.Usage("/learn days mon-fri", "or a list like mon,wed,fri"), nil
		}
		w, err := member.ParseWeekdays(strings.Join(rest, ","))
		if err != nil {
			return bot.Usage("/learn days mon-fri", err.Error()), nil
		}
		set.WorkDays = &w
		msg = "Your work days are now " + w.String() + "."
	case "hours":
		if len(rest) != 1 {
			return bot.Usage("/learn hours HH:MM-HH:MM", "e.g. /learn hours 19:00-07:30 for a night shift"), nil
		}
		a, z, ok := strings.Cut(rest[0], "-")
		start, err1 := member.ParseClock(a)
		end, err2 := member.ParseClock(z)
		if !ok || err1 != nil || err2 != nil {
			return bot.Usage("/learn hours HH:MM-HH:MM", "e.g. /learn hours 07:00-19:30"), nil
		}
		set.WorkStart, set.WorkEnd = &start, &end
		msg = fmt.Sprintf("Your work hours are now %s–%s. Nothing scheduled reaches you outside them.", start, end)
	case "pause":
		days := 7
		if len(rest) > 1 {
			return bot.Usage("/learn pause [DAYS]", "e.g. /learn pause 14 for two weeks of vacation"), nil
		}
		if len(rest) == 1 {
			n, err := strconv.Atoi(rest[0])
			if err != nil || n < 1 || n > 365 {
				return bot.Usage("/learn pause [DAYS]", "DAYS is a number from 1 to 365"), nil
			}
			days = n
		}
		until := startOfLocalDay(b.Now(), m.Schedule.Location).AddDate(0, 0, days)
		set.PausedUntil = &until
		msg = fmt.Sprintf("Paused until %s. Enjoy the break — your schedule moves with you, nothing piles up. /learn resume to come back early.",
			until.In(m.Schedule.Location).Format("Mon 2 Jan"))
	case "resume":
		if m.Schedule.PausedUntil.IsZero() || !m.Schedule.PausedUntil.After(b.Now()) {
			return bot.Reply{Text: "You're not paused. Your next prompt: " + b.NextText(ctx, m) + "."}, nil
		}
		zero := time.Time{}
		set.PausedUntil = &zero
		msg = "Welcome back! Prompts resume at your next delivery time."
	case "nudges", "reminders":
		if len(rest) != 1 || (rest[0] != "on" && rest[0] != "off") {
			return bot.Usage("/learn nudges on|off", "one gentle reminder when a question is still unanswered"), nil
		}
		on := rest[0] == "on"
		set.Nudges = &on
		msg = "Reminders " + rest[0] + "."
	case "duty":
		if err := bot.RequirePermission(m, member.PermSuperUser, "go on duty"); err != nil {
			return bot.Reply{}, err
		}
		if len(rest) > 0 && strings.ToLower(rest[0]) == "hours" {
			return b.dutyHoursCommand(ctx, r, rest[1:]) // ask.go
		}
		if len(rest) != 1 || (rest[0] != "on" && rest[0] != "off") {
			return bot.Usage("/learn duty on|off", "whether colleagues' questions reach you now; /learn duty hours HH:MM-HH:MM sets when"), nil
		}
		on := rest[0] == "on"
		set.OnDuty = &on
		var until time.Time // zero: the duty hours decide
		set.DutyUntil = &until
		if on {
			var err error
			if msg, until, err = b.dutyOnText(ctx, m); err != nil {
				return bot.Reply{}, err
			}
		} else {
			msg = "You're off duty. Thanks for helping out!"
		}
	default:
		return bot.Reply{Text: fmt.Sprintf("I don't know `/learn %s`.\n%s", sub, learnUsage)}, nil
	}
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		if set.PausedUntil != nil && set.PausedUntil.IsZero() {
			// Resuming early gives back the days that were not used,
			// counted as the pause counted them.
			left := lessons.PauseDays(b.Now(), m.Schedule.PausedUntil, m.Schedule.Location)
			if left > 0 {
				if err := b.DB.ReviewShift(ctx, tx, m.ID, -left); err != nil {
					return err
				}
			}
		}
		if set.PausedUntil != nil && !set.PausedUntil.IsZero() {
			from := b.Now()
			if m.Schedule.PausedUntil.After(from) {
				from = m.Schedule.PausedUntil // extending a pause shifts only by the extra days
			}
			days := lessons.PauseDays(from, *set.PausedUntil, m.Schedule.Location)
			if err := b.DB.ReviewShift(ctx, tx, m.ID, days); err != nil {
				return err
			}
		}
		if err := b.DB.MemberUpdate(ctx, tx, m.ID, set); err != nil {
			return err
		}
		if set.OnDuty != nil && *set.OnDuty {
			// Questions waiting for someone to come on duty are handed
			// over on the next tick, not at their next check.
			if _, err := b.DB.SupportQuestionWakeWaiting(ctx, tx, m.WorkspaceID, b.Now()); err != nil {
				return err
			}
		}
		return b.DB.MemberSetNextDue(ctx, tx, map[int64]time.Time{m.ID: b.Now()})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	updated, err := b.DB.MemberGet(ctx, b.DB, m.ID)
	if err == nil && sub != "duty" && sub != "nudges" {
		msg += " Next prompt: " + b.NextText(ctx, updated) + "."
	}
	return bot.Reply{Text: msg}, nil
}

func learnHelp(roles []string) string {
	return "**huddlebot** sends you one short EHR tip or question each work day.\n" + learnUsage +
		"\nAlso: `/feedback TEXT` · `/ask TEXT` (ask a super-user on your unit). Roles: " + strings.Join(roles, ", ") + "."
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, errors.New("give an IANA zone like America/New_York")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone I know (try America/New_York or Europe/Berlin)", name)
	}
	return loc, nil
}

func startOfLocalDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// profileWait is how long a join waits for the platform profile before it
// leaves it to the profile job.
const profileWait = 300 * time.Millisecond

func (b *Learn) learnJoin(ctx context.Context, r *bot.Req, args []string) (bot.Reply, error) {
	roles := b.Content().Roles
	if len(args) < 1 || len(args) > 2 {
		return bot.Usage("/learn join ROLE [DEPARTMENT]", "roles: "+strings.Join(roles, ", ")), nil
	}
	role := strings.ToLower(args[0])
	if !slices.Contains(roles, role) {
		return bot.Usage("/learn join ROLE [DEPARTMENT]", fmt.Sprintf("%q is not a role here; roles: %s", args[0], strings.Join(roles, ", "))), nil
	}
	m := r.Member
	dept := m.Department
	if len(args) == 2 {
		dept = strings.ToLower(strings.TrimPrefix(args[1], "#"))
	}
	t := true
	set := store.MemberSettings{Role: &role, Department: &dept, Joined: &t}
	if r.Channel != "" && r.Channel != "dm" {
		ch := r.Channel
		set.HomeChannel = &ch
	}
	// The profile's time zone and name are read now if the platform answers
	// at once; when its rate limit says wait (a whole unit joining), the join
	// does not: a job reads the profile afterwards, the workspace's zone is
	// used until then, and the reply says so.
	profile := false
	if m.TimeZone == "" && r.Actor.TimeZone != "" {
		// The platform said which zone the person is in (Teams).
		tz := r.Actor.TimeZone
		set.TimeZone = &tz
	} else if ui, ok := b.Adapter(r.Actor.Platform).(bot.UserInfoer); ok && m.TimeZone == "" {
		qctx, cancel := context.WithTimeout(ctx, profileWait)
		name, tz, err := ui.UserInfo(qctx, r.Actor.Workspace, m.UserID)
		cancel()
		switch {
		case err != nil:
			profile = true
			b.Log.DebugContext(ctx, "user info later", "user", m.UserID, "err", err)
		default:
			name = clean.Text(name) // typed by its owner on the platform
			if _, err := time.LoadLocation(tz); err == nil && tz != "" {
				set.TimeZone = &tz
			}
			if name != "" && m.Name == "" {
				set.Name = &name
			}
		}
	}
	if m.StartDate.IsZero() && !m.Joined {
		// A new joiner is treated as a new hire unless the roster says otherwise.
		sd := b.Now().In(m.Schedule.Location).Format("2006-01-02")
		set.StartDate = &sd
	}
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := b.DB.MemberUpdate(ctx, tx, m.ID, set); err != nil {
			return err
		}
		if err := b.DB.MemberSetNextDue(ctx, tx, map[int64]time.Time{m.ID: b.Now()}); err != nil {
			return err
		}
		if profile {
			return b.Jobs.FillProfileTx(ctx, tx, m.ID)
		}
		return nil
	})
	if err != nil {
		return bot.Reply{}, err
	}
	m, err = b.DB.MemberGet(ctx, b.DB, m.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	s := m.Schedule
	where := ""
	if dept != "" {
		where = " on " + dept
	}
	zone := s.Location.String()
	if profile && m.TimeZone == "" {
		zone += " (the workspace's time zone, until we have read yours from your profile — we'll tell you if it differs)"
	}
	return bot.Reply{Text: fmt.Sprintf("Welcome, %s%s! You'll get one short tip or question each work day (%s) at %s %s. "+
		"Next: %s. Change it with /learn time, /learn tz, /learn days, /learn hours — or type /learn for a lesson right now.",
		role, where, s.WorkDays, s.EffectiveDeliveryTime(), zone, b.NextText(ctx, m))}, nil
}

// learnNow sends the next lesson immediately. When the day's scheduled
// prompt is due and not sent yet (a member who joins at 13:40 and types
// /learn), this is that prompt, so the scheduler's next tick does not send
// a second one a minute later; otherwise it is an extra, on-demand lesson
// that does not use up the day's prompt.
func (b *Learn) learnNow(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	m := r.Member
	if !m.Joined {
		return bot.Reply{Text: "Join first: `/learn join ROLE [DEPARTMENT]` — roles: " + strings.Join(b.Content().Roles, ", ") + "."}, nil
	}
	now := b.Now()
	date := m.Schedule.ShiftDate(now)
	data, err := b.DB.PlanDataLoad(ctx, b.DB, map[int64]string{m.ID: date})
	if err != nil {
		return bot.Reply{}, err
	}
	d := data[m.ID]
	_, slotDate, due := m.Schedule.DeliverySlot(now)
	scheduled := due && slotDate == date && !d.HasScheduled
	pick, ok := b.Planner().Plan(lessons.PlanState{Member: m, ShiftDate: date, Now: now, Seen: d.Seen,
		Reviews: d.Reviews, BurstItems: d.BurstItems, RecentlySent: d.RecentlySent,
		Unanswered: d.Unanswered, UnansweredBackAfterDays: b.Config.Spacing.WrongAfterDays})
	if !ok {
		return bot.Reply{Text: "🎉 You're all caught up — nothing new for your role right now. Your next scheduled prompt: " + b.NextText(ctx, m) + "."}, nil
	}
	l := b.Content().Lesson(pick.LessonID)
	var ids []int64
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		ids, err = b.createPrompts(ctx, tx, []planned{{member: m, pick: pick, lesson: l, date: date, noOpen: !d.HasOpen}}, scheduled)
		return err
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if len(ids) == 0 || ids[0] == 0 {
		return bot.Reply{Text: "That lesson is already on its way — check your direct messages."}, nil
	}
	l, _, _ = l.In(b.ContentLanguage(m), b.Config.DefaultLanguage) // its title as the member reads it
	return bot.Reply{Text: "📬 Sent to your direct messages: “" + l.Title + "”."}, nil
}

func (b *Learn) learnStats(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	m := r.Member
	st, err := b.DB.MemberStatsGet(ctx, b.DB, m.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	acc := "–"
	if st.Answered > 0 {
		acc = fmt.Sprintf("%d%%", (st.Correct*100+st.Answered/2)/st.Answered)
	}
	card := &bot.Card{
		Title: "📊 Your huddlebot stats",
		Fields: []bot.Field{
			{Label: "Answered", Value: strconv.Itoa(st.Answered)},
			{Label: "Correct", Value: fmt.Sprintf("%d (%s)", st.Correct, acc)},
			{Label: "Streak", Value: fmt.Sprintf("%d day(s)", st.Streak)},
			{Label: "Mastered", Value: strconv.Itoa(st.Mastered)},
			{Label: "Lessons seen", Value: strconv.Itoa(st.Seen)},
			{Label: "Next prompt", Value: b.NextText(ctx, m)},
		},
	}
	if m.Joined {
		card.Context = fmt.Sprintf("%s%s · %s %s–%s · %s", m.Role, prefixIf(" · ", m.Department), m.Schedule.WorkDays,
			m.Schedule.WorkStart, m.Schedule.WorkEnd, m.Schedule.Location)
	}
	return bot.Reply{Text: card.Text(), Card: card}, nil
}

func prefixIf(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// LanguagePromptCard is PromptCard of lesson l (as stored, with its
// translations) in language shown, starting its context line with a note
// when the member's language, requested, had no translation.
func LanguagePromptCard(b *bot.Bot, deliveryID int64, l *lessons.Lesson, pick lessons.Pick, shown, requested string) *bot.Card {
	in, _, _ := l.In(shown, b.Config.DefaultLanguage)
	card := PromptCard(deliveryID, in, pick)
	if requested != "" {
		card.Context = bot.NotTranslatedNote(requested, shown, b.Config.DefaultLanguage) + " · " + card.Context
	}
	return card
}

// PromptCard renders a lesson as it is first sent.
func PromptCard(deliveryID int64, l *lessons.Lesson, pick lessons.Pick) *bot.Card {
	ctx := map[lessons.Reason]string{
		lessons.ReasonBurst:      "🆕 What's new",
		lessons.ReasonReview:     "🔁 Review — this one came back so it sticks",
		lessons.ReasonOnboarding: "🌱 Onboarding",
		lessons.ReasonTrack:      "Daily lesson",
		lessons.ReasonRole:       "Daily lesson",
	}[pick.Reason]
	if ctx == "" {
		ctx = "Daily lesson"
	}
	if len(l.Tags) > 0 {
		ctx += " · " + strings.Join(l.Tags, ", ")
	}
	if l.IsQuiz() {
		c := &bot.Card{Title: "📝 " + l.Title, Question: l.Question, Context: ctx + " · tap an answer"}
		for i, ch := range l.Choices {
			c.Choices = append(c.Choices, bot.Action{ID: fmt.Sprintf("ans:%d:%d", deliveryID, i+1), Label: ch})
		}
		return c
	}
	return &bot.Card{Title: "💡 " + l.Title, Body: l.Body, Context: ctx, Actions: tipActions(deliveryID, true)}
}

func tipActions(deliveryID int64, gotIt bool) []bot.Action {
	var out []bot.Action
	if gotIt {
		out = append(out, bot.Action{ID: fmt.Sprintf("ack:%d", deliveryID), Label: "Got it", Style: "primary"})
	}
	return append(out,
		bot.Action{ID: fmt.Sprintf("rate:%d:up", deliveryID), Label: "👍 Helpful"},
		bot.Action{ID: fmt.Sprintf("rate:%d:down", deliveryID), Label: "👎 Not helpful"},
		bot.Action{ID: fmt.Sprintf("more:%d", deliveryID), Label: "Tell us more"},
	)
}

// answeredCard is the prompt after it was answered: result, right answer,
// explanation, streak and a request for feedback. It has no answer buttons.
func answeredCard(deliveryID int64, l *lessons.Lesson, choice int, correct bool, streak int) *bot.Card {
	c := &bot.Card{Title: "📝 " + l.Title, Question: l.Question, Explanation: l.Explanation, Body: ""}
	right := ""
	if l.Answer >= 1 && l.Answer <= len(l.Choices) {
		right = l.Choices[l.Answer-1]
	}
	chosen := ""
	if choice >= 1 && choice <= len(l.Choices) {
		chosen = l.Choices[choice-1]
	}
	if correct {
		c.Result = "✅ Correct — " + right
	} else {
		c.Result = fmt.Sprintf("❌ Not quite. You chose “%s”. The right answer: %s", chosen, right)
	}
	if l.Body != "" {
		c.Explanation = strings.TrimSpace(c.Explanation + "\n\n" + l.Body)
	}
	c.Context = fmt.Sprintf("🔥 Streak: %d day(s) · How sure were you? (optional) · Was this helpful?", streak)
	if !correct {
		c.Context = fmt.Sprintf("This question will come back in a few days. 🔥 Streak: %d day(s) · How sure were you? (optional) · Was this helpful?", streak)
	}
	c.Actions = append(confidenceActions(deliveryID), tipActions(deliveryID, false)...)
	return c
}

// answerClick records a quiz answer. The answer is committed before the
// click is acknowledged; only the first answer to a delivery counts, and
// repeated clicks or redelivered events change nothing.
func (b *Learn) answerClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	did, ok1 := bot.ParseID(args, 0)
	choice, ok2 := bot.ParseID(args, 1)
	if !ok1 || !ok2 {
		return bot.Reply{}, bot.ErrStale
	}
	d, err := b.DB.DeliveryGet(ctx, b.DB, did)
	if store.IsNotFound(err) {
		return bot.Reply{}, bot.ErrStale
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if d.MemberID != r.Member.ID {
		return bot.Reply{Text: "This question was sent to someone else — type /learn to get your own."}, nil
	}
	l, err := b.DeliveryLesson(ctx, b.DB, d)
	if err != nil {
		return bot.Reply{}, err
	}
	if !l.IsQuiz() || int(choice) > len(l.Choices) {
		return bot.Reply{}, bot.ErrStale
	}
	correct := int(choice) == l.Answer
	recorded := false
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		recorded, err = b.recordAnswer(ctx, tx, d, l, r.Member, int(choice), b.Now())
		return err
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !recorded {
		a, err := b.DB.AnswerGet(ctx, b.DB, did)
		if err == nil && a.Choice >= 1 && a.Choice <= len(l.Choices) {
			return bot.Reply{Text: fmt.Sprintf("You already answered this one (“%s”) — only your first answer counts.", l.Choices[a.Choice-1])}, nil
		}
		return bot.Reply{Text: "You already answered this one — only your first answer counts."}, nil
	}
	bot.ObserveAnswer(correct)
	if correct {
		return bot.Reply{Text: "✅ Correct!"}, nil
	}
	return bot.Reply{Text: "❌ Not quite — the explanation is in the message."}, nil
}

// recordAnswer records the answer to quiz l of delivery d in tx (locking
// the delivery first, so concurrent clicks serialize), as the answer
// applier records a batch; it reports false when the delivery already had an
// answer (only the first one counts).
func (b *Learn) recordAnswer(ctx context.Context, tx *store.Tx, d *store.Delivery, l *lessons.Lesson,
	m *member.Member, choice int, at time.Time) (bool, error) {
	if _, err := b.DB.DeliveryLockForAnswer(ctx, tx, d.ID); err != nil {
		return false, err
	}
	correct, _, err := b.recordQueued(ctx, tx, []queued{{d: d, l: l, m: m, choice: choice, at: at, clicked: true}})
	return len(correct) == 1, err
}

func (b *Learn) ownDelivery(ctx context.Context, r *bot.Req, args []string) (*store.Delivery, error) {
	did, ok := bot.ParseID(args, 0)
	if !ok {
		return nil, bot.ErrStale
	}
	d, err := b.DB.DeliveryGet(ctx, b.DB, did)
	if store.IsNotFound(err) {
		return nil, bot.ErrStale
	}
	if err != nil {
		return nil, err
	}
	if d.MemberID != r.Member.ID {
		return nil, &bot.UserError{Msg: "This message was sent to someone else."}
	}
	return d, nil
}

func (b *Learn) rateClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	v := 1
	if len(args) > 1 && args[1] == "down" {
		v = -1
	}
	if err := b.DB.FeedbackAdd(ctx, b.DB, store.Feedback{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID,
		Kind: store.FeedbackLesson, LessonID: d.LessonID, DeliveryID: d.ID, Rating: &v}); err != nil {
		return bot.Reply{}, err
	}
	if v > 0 {
		return bot.Reply{Text: "Thanks — glad it helped! 👍"}, nil
	}
	return bot.Reply{Text: "Thanks for telling us. Tap “Tell us more” if you have a minute to say why."}, nil
}

func (b *Learn) ackClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	var first bool
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		first, err = b.DB.DeliveryAck(ctx, tx, d.ID, b.Now())
		if err != nil || !first || d.MessageID == 0 {
			return err
		}
		msg, err := b.DB.MessageGet(ctx, tx, d.MessageID)
		if err != nil {
			return err
		}
		c, err := bot.ParseCard(msg.Card)
		if err != nil {
			return err
		}
		c.Actions = tipActions(d.ID, false)
		c.Result = "✔️ Got it"
		return b.Update(ctx, tx, d.MessageID, c)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !first {
		return bot.Reply{Text: "Already noted 👍"}, nil
	}
	return bot.Reply{Text: "👍 Noted — thanks!"}, nil
}

func (b *Learn) moreClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	f := &bot.Form{ID: fmt.Sprintf("more:%d", d.ID), Title: "Tell us more", Label: "What would make this lesson better?",
		Placeholder: "No patient details, please.", Submit: "Send"}
	return b.ShowForm(ctx, r, f, "Tell us more: what would make this lesson better?")
}

func (b *Learn) moreSubmit(ctx context.Context, r *bot.Req, args []string, text string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	return b.storeFeedback(ctx, r, store.Feedback{WorkspaceID: d.WorkspaceID, MemberID: d.MemberID, Kind: store.FeedbackLesson,
		LessonID: d.LessonID, DeliveryID: d.ID}, text)
}

func (b *Learn) feedbackCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	if strings.TrimSpace(text) == "" {
		return bot.Usage("/feedback TEXT", "tell the training team what's confusing, broken or great"), nil
	}
	return b.storeFeedback(ctx, r, store.Feedback{WorkspaceID: r.Workspace.ID, MemberID: r.Member.ID, Kind: store.FeedbackGeneral}, text)
}

// storeFeedback redacts identifiers from free text before it is stored and
// tells the person if anything was removed.
func (b *Learn) storeFeedback(ctx context.Context, r *bot.Req, f store.Feedback, text string) (bot.Reply, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return bot.Reply{Text: "That was empty, so nothing was saved."}, nil
	}
	if len(text) > 3000 {
		// Cut on a character boundary: half a UTF-8 character is invalid
		// text, which PostgreSQL refuses (and the feedback would be lost).
		text = strings.ToValidUTF8(text[:3000], "")
	}
	clean, kinds := redact.Text(text)
	f.Text, f.Redacted = clean, len(kinds) > 0
	if err := b.DB.FeedbackAdd(ctx, b.DB, f); err != nil {
		return bot.Reply{}, err
	}
	msg := "Thanks — your feedback reached the training team."
	if n := redact.Notice(kinds); n != "" {
		msg += " " + n
	}
	return bot.Reply{Text: msg}, nil
}

// learnClick runs settings buttons (App Home, sandbox): "learn:SUBCOMMAND".
func (b *Learn) learnClick(ctx context.Context, r *bot.Req, args []string, value string) (bot.Reply, error) {
	text := strings.Join(args, " ")
	if value != "" {
		text += " " + value
	}
	return b.learnCommand(ctx, r, text)
}

// lessonVersion returns one stored version of a lesson. Versions never
// change once written, so they are cached for the life of the process.

// dutyHoursCommand is "/learn duty hours HH:MM-HH:MM|off": a super-user's
// on-duty hours (default: their work hours).
func (b *Learn) dutyHoursCommand(ctx context.Context, r *bot.Req, args []string) (bot.Reply, error) {
	m := r.Member
	if err := bot.RequirePermission(m, member.PermSuperUser, "set on-duty hours"); err != nil {
		return bot.Reply{}, err
	}
	const form = "/learn duty hours HH:MM-HH:MM|off"
	if len(args) != 1 {
		return bot.Usage(form, "when colleagues' questions may reach you, e.g. 19:00-07:00 for nights; off = your work hours"), nil
	}
	var h *support.Hours
	if a := strings.ToLower(args[0]); a != "off" && a != "default" && a != "work" {
		from, to, ok := strings.Cut(args[0], "-")
		start, err1 := member.ParseClock(from)
		end, err2 := member.ParseClock(to)
		if !ok || err1 != nil || err2 != nil {
			return bot.Usage(form, "e.g. /learn duty hours 07:00-15:30"), nil
		}
		h = &support.Hours{Start: start, End: end}
	}
	if err := b.DB.MemberSetDutyHours(ctx, b.DB, m.ID, h); err != nil {
		return bot.Reply{}, err
	}
	state := "You're off duty now; /learn duty on to start."
	if m.OnDuty {
		state = "You're on duty (/learn duty off to stop)."
	}
	if h == nil {
		return bot.Reply{Text: fmt.Sprintf("Questions reach you in your work hours (%s–%s %s, %s). %s",
			m.Schedule.WorkStart, m.Schedule.WorkEnd, m.Schedule.Location, m.Schedule.WorkDays, state)}, nil
	}
	return bot.Reply{Text: fmt.Sprintf("Your on-duty hours are now %s–%s %s on your work days (%s). %s",
		h.Start, h.End, m.Schedule.Location, m.Schedule.WorkDays, state)}, nil
}

// dutyOnText decides what "/learn duty on" means now and says it: inside the
// super-user's duty hours the hours decide (until is zero); outside them —
// a weekend, an evening — they are routed questions from now until
// support.Helper.DutyOnUntil, and the reply names that time in their own
// zone and how to change their regular hours. A paused super-user is told
// that questions reach them only after /learn resume.
func (b *Learn) dutyOnText(ctx context.Context, m *member.Member) (msg string, until time.Time, err error) {
	h, err := b.DB.SupportHelperGet(ctx, b.DB, m.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	now := b.Now()
	h.OnDuty, h.DutyUntil = true, time.Time{}
	ds := h.DutySchedule()
	hours := fmt.Sprintf("%s–%s on %s", ds.WorkStart, ds.WorkEnd, ds.WorkDays)
	who := "questions from " + bot.DeptName(m.Department)
	if m.Schedule.PausedUntil.After(now) {
		return fmt.Sprintf("Duty is on, but you're paused until %s, so no questions reach you until then — /learn resume to take them now.",
			m.Schedule.PausedUntil.In(locOrUTC(ds.Location)).Format("Mon 2 Jan")), time.Time{}, nil
	}
	until = h.DutyOnUntil(now)
	if until.IsZero() {
		return fmt.Sprintf("You're on duty: %s reach you now and during your duty hours (%s). /learn duty off when your shift ends.",
			who, hours), time.Time{}, nil
	}
	return fmt.Sprintf("You're on duty now: %s reach you until %s. That is outside your duty hours (%s), so this covers the rest "+
		"of this stretch; after it your hours apply again. /learn duty off to stop sooner; /learn duty hours HH:MM-HH:MM "+
		"and /learn days change your regular hours.", who, member.DescribeWhen(until, now, ds.Location), hours), until, nil
}
