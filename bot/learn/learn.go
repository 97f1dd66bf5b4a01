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
	"github.com/huddlebot/huddlebot/i18n"
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

// languageNames lists the shipped languages as "en (English), es (Español)".
func languageNames(l *i18n.Localizer) string {
	var out []string
	for _, lang := range i18n.Shipped() {
		out = append(out, lang+" ("+l.T("language.name."+lang, nil)+")")
	}
	return strings.Join(out, ", ")
}

// learnLanguage is "/learn language TAG": the member's own choice, which no
// roster or platform locale overrides; the answer is in the new language.
// History (answers, streak, reviews) belongs to the member, not to a
// language, so it stays as it is.
func (b *Learn) learnLanguage(ctx context.Context, r *bot.Req, args []string) (bot.Reply, error) {
	const form = "/learn language es|en|…"
	l := r.L()
	if len(args) != 1 {
		return r.Usage(form, l.T("learn.language.hint", i18n.Data{"Languages": languageNames(l), "Current": l.T("language.name."+l.Lang(), nil)})), nil
	}
	lang, ok := i18n.Match(args[0])
	tag, err := i18n.Canonical(args[0])
	if !ok || err != nil {
		return r.Usage(form, l.T("learn.language.unknown", i18n.Data{"Tag": args[0], "Languages": languageNames(l)})), nil
	}
	if _, err := b.DB.MemberSetLanguage(ctx, b.DB, r.Member.ID, tag, member.LanguageChosen); err != nil {
		return bot.Reply{}, err
	}
	nl := i18n.For(lang)
	return bot.Reply{Text: nl.T("learn.language.set", i18n.Data{"Language": nl.T("language.name."+lang, nil)}), Lang: nl.Lang()}, nil
}

func (b *Learn) learnCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	args := strings.Fields(text)
	if len(args) == 0 {
		return b.learnNow(ctx, r)
	}
	sub, rest := strings.ToLower(args[0]), args[1:]
	m := r.Member
	l := r.L()
	switch sub {
	case "help", "?":
		return bot.Reply{Text: learnHelp(l, b.Content().Roles)}, nil
	case "join":
		return b.learnJoin(ctx, r, rest)
	case "stats", "stat", "me":
		return b.learnStats(ctx, r)
	case "language", "lang", "idioma":
		return b.learnLanguage(ctx, r, rest)
	}
	if !m.Joined && sub != "tz" {
		return bot.Reply{Text: l.T("learn.not_joined", i18n.Data{"Roles": strings.Join(b.Content().Roles, ", ")})}, nil
	}
	var set store.MemberSettings
	var msg string
	switch sub {
	case "time":
		if len(rest) != 1 {
			return r.Usage("/learn time HH:MM", l.T("learn.time.hint", nil)), nil
		}
		c, err := member.ParseClock(rest[0])
		if err != nil {
			return r.Usage("/learn time HH:MM", l.T("learn.time.bad", i18n.Data{"Value": rest[0]})), nil
		}
		set.DeliveryTime = &c
		msg = l.T("learn.time.set", i18n.Data{"Time": c.In(l)})
		sched := m.Schedule
		sched.DeliveryTime = c
		if sched.EffectiveDeliveryTime() != c {
			msg += " " + l.T("learn.time.outside", i18n.Data{"Start": sched.WorkStart.String(), "End": sched.WorkEnd.String(),
				"Time": sched.EffectiveDeliveryTime().In(l)})
		}
	case "tz", "timezone":
		if len(rest) != 1 {
			return r.Usage("/learn tz Area/City", l.T("learn.tz.hint", nil)), nil
		}
		loc, err := loadZone(rest[0])
		if err != nil {
			return r.Usage("/learn tz Area/City", l.T("learn.tz.bad", i18n.Data{"Value": rest[0]})), nil
		}
		name := loc.String()
		set.TimeZone = &name
		msg = l.T("learn.tz.set", i18n.Data{"Zone": name})
	case "days":
		if len(rest) == 0 {
			return r.Usage("/learn days mon-fri", l.T("learn.days.hint", nil)), nil
		}
		w, err := member.ParseWeekdays(strings.Join(rest, ","))
		if err != nil {
			return r.Usage("/learn days mon-fri", l.T("learn.days.bad", i18n.Data{"Value": strings.Join(rest, " ")})), nil
		}
		set.WorkDays = &w
		msg = l.T("learn.days.set", i18n.Data{"Days": w.Describe(l)})
	case "hours":
		if len(rest) != 1 {
			return r.Usage("/learn hours HH:MM-HH:MM", l.T("learn.hours.hint_night", nil)), nil
		}
		a, z, ok := strings.Cut(rest[0], "-")
		start, err1 := member.ParseClock(a)
		end, err2 := member.ParseClock(z)
		if !ok || err1 != nil || err2 != nil {
			return r.Usage("/learn hours HH:MM-HH:MM", l.T("learn.hours.hint", nil)), nil
		}
		set.WorkStart, set.WorkEnd = &start, &end
		msg = l.T("learn.hours.set", i18n.Data{"Start": start.String(), "End": end.String()})
	case "pause":
		days := 7
		if len(rest) > 1 {
			return r.Usage("/learn pause [DAYS]", l.T("learn.pause.hint", nil)), nil
		}
		if len(rest) == 1 {
			n, err := strconv.Atoi(rest[0])
			if err != nil || n < 1 || n > 365 {
				return r.Usage("/learn pause [DAYS]", l.T("learn.pause.bad", nil)), nil
			}
			days = n
		}
		until := startOfLocalDay(b.Now(), m.Schedule.Location).AddDate(0, 0, days)
		set.PausedUntil = &until
		msg = l.T("learn.pause.set", i18n.Data{"Until": l.ShortDate(until.In(m.Schedule.Location))})
	case "resume":
		if m.Schedule.PausedUntil.IsZero() || !m.Schedule.PausedUntil.After(b.Now()) {
			return bot.Reply{Text: l.T("learn.resume.not_paused", i18n.Data{"Next": b.NextText(ctx, m)})}, nil
		}
		zero := time.Time{}
		set.PausedUntil = &zero
		msg = l.T("learn.resume.set", nil)
	case "nudges", "reminders":
		if len(rest) != 1 || (rest[0] != "on" && rest[0] != "off") {
			return r.Usage("/learn nudges on|off", l.T("learn.nudges.hint", nil)), nil
		}
		on := rest[0] == "on"
		set.Nudges = &on
		msg = l.T("learn.nudges.off", nil)
		if on {
			msg = l.T("learn.nudges.on", nil)
		}
	case "duty":
		if err := r.RequireT(member.PermSuperUser, "learn.duty.what"); err != nil {
			return bot.Reply{}, err
		}
		if len(rest) > 0 && strings.ToLower(rest[0]) == "hours" {
			return b.dutyHoursCommand(ctx, r, rest[1:]) // ask.go
		}
		if len(rest) != 1 || (rest[0] != "on" && rest[0] != "off") {
			return r.Usage("/learn duty on|off", l.T("learn.duty.hint", nil)), nil
		}
		on := rest[0] == "on"
		set.OnDuty = &on
		var until time.Time // zero: the duty hours decide
		set.DutyUntil = &until
		if on {
			var err error
			if msg, until, err = b.dutyOnText(ctx, l, m); err != nil {
				return bot.Reply{}, err
			}
		} else {
			msg = l.T("learn.duty.off", nil)
		}
	default:
		return bot.Reply{Text: l.T("learn.unknown", i18n.Data{"Sub": sub}) + "\n" + l.T("learn.usage", nil)}, nil
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
		msg += " " + l.T("learn.next", i18n.Data{"Next": b.NextText(ctx, updated)})
	}
	return bot.Reply{Text: msg}, nil
}

func learnHelp(l *i18n.Localizer, roles []string) string {
	return l.T("learn.help", i18n.Data{"Usage": l.T("learn.usage", nil), "Roles": strings.Join(roles, ", ")})
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
		return r.Usage("/learn join ROLE [DEPARTMENT]", r.T("learn.join.roles", i18n.Data{"Roles": strings.Join(roles, ", ")})), nil
	}
	role := strings.ToLower(args[0])
	if !slices.Contains(roles, role) {
		return r.Usage("/learn join ROLE [DEPARTMENT]", r.T("learn.join.bad_role", i18n.Data{"Role": args[0], "Roles": strings.Join(roles, ", ")})), nil
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
		name, tz, locale, err := bot.ReadProfile(qctx, ui, r.Actor.Workspace, m.UserID)
		cancel()
		if err == nil {
			b.AdoptLocale(ctx, m, locale) // the welcome below is in it
			r.Lang = b.Lang(m)
		}
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
	l := r.L()
	who := role
	if dept != "" {
		who = l.T("learn.join.role_on", i18n.Data{"Role": role, "Department": dept})
	}
	zone := s.Location.String()
	if profile && m.TimeZone == "" {
		zone += " " + l.T("learn.join.zone_pending", nil)
	}
	return bot.Reply{Text: l.T("learn.join.welcome", i18n.Data{"Who": who, "Days": s.WorkDays.Describe(l),
		"Time": s.EffectiveDeliveryTime().In(l), "Zone": zone, "Next": b.NextText(ctx, m)})}, nil
}

// learnNow sends the next lesson immediately. When the day's scheduled
// prompt is due and not sent yet (a member who joins at 13:40 and types
// /learn), this is that prompt, so the scheduler's next tick does not send
// a second one a minute later; otherwise it is an extra, on-demand lesson
// that does not use up the day's prompt.
func (b *Learn) learnNow(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	m := r.Member
	if !m.Joined {
		return bot.Reply{Text: r.T("learn.now.join_first", i18n.Data{"Roles": strings.Join(b.Content().Roles, ", ")})}, nil
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
		return bot.Reply{Text: r.T("learn.now.caught_up", i18n.Data{"Next": b.NextText(ctx, m)})}, nil
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
		return bot.Reply{Text: r.T("learn.now.on_its_way", nil)}, nil
	}
	l, _, _ = l.In(b.ContentLanguage(m), b.Config.DefaultLanguage) // its title as the member reads it
	return bot.Reply{Text: r.T("learn.now.sent", i18n.Data{"Title": l.Title})}, nil
}

func (b *Learn) learnStats(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	m := r.Member
	st, err := b.DB.MemberStatsGet(ctx, b.DB, m.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	l := r.L()
	acc := "–"
	if st.Answered > 0 {
		acc = l.T("learn.percent", i18n.Data{"Percent": (st.Correct*100 + st.Answered/2) / st.Answered})
	}
	card := &bot.Card{
		Title: l.T("learn.stats.title", nil),
		Fields: []bot.Field{
			{Label: l.T("learn.stats.answered", nil), Value: strconv.Itoa(st.Answered)},
			{Label: l.T("learn.stats.correct", nil), Value: fmt.Sprintf("%d (%s)", st.Correct, acc)},
			{Label: l.T("learn.stats.streak", nil), Value: l.N("learn.days", st.Streak, nil)},
			{Label: l.T("learn.stats.mastered", nil), Value: strconv.Itoa(st.Mastered)},
			{Label: l.T("learn.stats.seen", nil), Value: strconv.Itoa(st.Seen)},
			{Label: l.T("learn.stats.next", nil), Value: b.NextText(ctx, m)},
		},
	}
	if m.Joined {
		card.Context = fmt.Sprintf("%s%s · %s %s–%s · %s", m.Role, prefixIf(" · ", m.Department), m.Schedule.WorkDays.Describe(l),
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
// when the member's language, requested, had no translation. The bot's own
// words are in the member's language: requested when the lesson had no
// translation into it, else shown.
func LanguagePromptCard(b *bot.Bot, deliveryID int64, l *lessons.Lesson, pick lessons.Pick, shown, requested string) *bot.Card {
	in, _, _ := l.In(shown, b.Config.DefaultLanguage)
	own := shown
	if requested != "" {
		own = requested
	}
	card := PromptCardIn(i18n.For(b.LangOf(own)), deliveryID, in, pick)
	if requested != "" {
		card.Context = bot.NotTranslatedNote(requested, shown, b.Config.DefaultLanguage) + " · " + card.Context
	}
	return card
}

// reasonKeys name why a prompt came, by reason.
var reasonKeys = map[lessons.Reason]string{
	lessons.ReasonBurst:      "learn.reason.burst",
	lessons.ReasonReview:     "learn.reason.review",
	lessons.ReasonOnboarding: "learn.reason.onboarding",
	lessons.ReasonTrack:      "learn.reason.daily",
	lessons.ReasonRole:       "learn.reason.daily",
}

// PromptCardIn renders a lesson as it is first sent, the bot's words in
// loc's language (the lesson's own text is the lesson's).
func PromptCardIn(loc *i18n.Localizer, deliveryID int64, l *lessons.Lesson, pick lessons.Pick) *bot.Card {
	key := reasonKeys[pick.Reason]
	if key == "" {
		key = "learn.reason.daily"
	}
	ctx := loc.T(key, nil)
	if len(l.Tags) > 0 {
		ctx += " · " + strings.Join(l.Tags, ", ")
	}
	if l.IsQuiz() {
		c := &bot.Card{Title: "📝 " + l.Title, Question: l.Question, Context: ctx + " · " + loc.T("learn.prompt.tap", nil), Lang: loc.Lang()}
		for i, ch := range l.Choices {
			c.Choices = append(c.Choices, bot.Action{ID: fmt.Sprintf("ans:%d:%d", deliveryID, i+1), Label: ch})
		}
		return c
	}
	return &bot.Card{Title: "💡 " + l.Title, Body: l.Body, Context: ctx, Actions: tipActions(loc, deliveryID, true), Lang: loc.Lang()}
}

func tipActions(loc *i18n.Localizer, deliveryID int64, gotIt bool) []bot.Action {
	var out []bot.Action
	if gotIt {
		out = append(out, bot.Action{ID: fmt.Sprintf("ack:%d", deliveryID), Label: loc.T("learn.prompt.got_it", nil), Style: "primary"})
	}
	return append(out,
		bot.Action{ID: fmt.Sprintf("rate:%d:up", deliveryID), Label: loc.T("learn.prompt.helpful", nil)},
		bot.Action{ID: fmt.Sprintf("rate:%d:down", deliveryID), Label: loc.T("learn.prompt.not_helpful", nil)},
		bot.Action{ID: fmt.Sprintf("more:%d", deliveryID), Label: loc.T("learn.prompt.tell_more", nil)},
	)
}

// answeredCard is the prompt after it was answered: result, right answer,
// explanation, streak and a request for feedback, the bot's words in loc's
// language. It has no answer buttons.
func answeredCard(loc *i18n.Localizer, deliveryID int64, l *lessons.Lesson, choice int, correct bool, streak int) *bot.Card {
	c := &bot.Card{Title: "📝 " + l.Title, Question: l.Question, Explanation: l.Explanation, Body: "", Lang: loc.Lang()}
	right := ""
	if l.Answer >= 1 && l.Answer <= len(l.Choices) {
		right = l.Choices[l.Answer-1]
	}
	chosen := ""
	if choice >= 1 && choice <= len(l.Choices) {
		chosen = l.Choices[choice-1]
	}
	if correct {
		c.Result = loc.T("learn.answered.correct", i18n.Data{"Right": right})
	} else {
		c.Result = loc.T("learn.answered.wrong", i18n.Data{"Chosen": chosen, "Right": right})
	}
	if l.Body != "" {
		c.Explanation = strings.TrimSpace(c.Explanation + "\n\n" + l.Body)
	}
	c.Context = loc.N("learn.answered.context", streak, nil)
	if !correct {
		c.Context = loc.T("learn.answered.comes_back", nil) + " " + c.Context
	}
	c.Actions = append(confidenceActions(loc, deliveryID), tipActions(loc, deliveryID, false)...)
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
		return bot.Reply{Text: r.T("learn.answer.not_yours", nil)}, nil
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
			return bot.Reply{Text: r.T("learn.answer.already_choice", i18n.Data{"Choice": l.Choices[a.Choice-1]})}, nil
		}
		return bot.Reply{Text: r.T("learn.answer.already", nil)}, nil
	}
	bot.ObserveAnswer(correct)
	if correct {
		return bot.Reply{Text: r.T("learn.answer.correct", nil)}, nil
	}
	return bot.Reply{Text: r.T("learn.answer.wrong", nil)}, nil
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
		return nil, &bot.UserError{Key: "learn.not_yours"}
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
		return bot.Reply{Text: r.T("learn.rate.up", nil)}, nil
	}
	return bot.Reply{Text: r.T("learn.rate.down", nil)}, nil
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
		c.Actions = tipActions(r.L(), d.ID, false)
		c.Result = r.T("learn.ack.result", nil)
		return b.Update(ctx, tx, d.MessageID, c)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !first {
		return bot.Reply{Text: r.T("learn.ack.again", nil)}, nil
	}
	return bot.Reply{Text: r.T("learn.ack.first", nil)}, nil
}

func (b *Learn) moreClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	d, err := b.ownDelivery(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	f := &bot.Form{ID: fmt.Sprintf("more:%d", d.ID), Title: r.T("learn.prompt.tell_more", nil), Label: r.T("learn.more.label", nil),
		Placeholder: r.T("learn.more.placeholder", nil), Submit: r.T("learn.more.submit", nil)}
	return b.ShowForm(ctx, r, f, r.T("learn.more.text", nil))
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
		return r.Usage("/feedback TEXT", r.T("feedback.hint", nil)), nil
	}
	return b.storeFeedback(ctx, r, store.Feedback{WorkspaceID: r.Workspace.ID, MemberID: r.Member.ID, Kind: store.FeedbackGeneral}, text)
}

// storeFeedback redacts identifiers from free text before it is stored and
// tells the person if anything was removed.
func (b *Learn) storeFeedback(ctx context.Context, r *bot.Req, f store.Feedback, text string) (bot.Reply, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return bot.Reply{Text: r.T("feedback.empty", nil)}, nil
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
	msg := r.T("feedback.thanks", nil)
	if n := bot.RedactNotice(r.L(), kinds); n != "" {
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
	if err := r.RequireT(member.PermSuperUser, "learn.duty.hours_what"); err != nil {
		return bot.Reply{}, err
	}
	const form = "/learn duty hours HH:MM-HH:MM|off"
	l := r.L()
	if len(args) != 1 {
		return r.Usage(form, l.T("learn.duty.hours_hint", nil)), nil
	}
	var h *support.Hours
	if a := strings.ToLower(args[0]); a != "off" && a != "default" && a != "work" {
		from, to, ok := strings.Cut(args[0], "-")
		start, err1 := member.ParseClock(from)
		end, err2 := member.ParseClock(to)
		if !ok || err1 != nil || err2 != nil {
			return r.Usage(form, l.T("learn.duty.hours_example", nil)), nil
		}
		h = &support.Hours{Start: start, End: end}
	}
	if err := b.DB.MemberSetDutyHours(ctx, b.DB, m.ID, h); err != nil {
		return bot.Reply{}, err
	}
	state := l.T("learn.duty.state_off", nil)
	if m.OnDuty {
		state = l.T("learn.duty.state_on", nil)
	}
	data := i18n.Data{"Zone": m.Schedule.Location.String(), "Days": m.Schedule.WorkDays.Describe(l), "State": state,
		"Start": m.Schedule.WorkStart.String(), "End": m.Schedule.WorkEnd.String()}
	if h == nil {
		return bot.Reply{Text: l.T("learn.duty.hours_work", data)}, nil
	}
	data["Start"], data["End"] = h.Start.String(), h.End.String()
	return bot.Reply{Text: l.T("learn.duty.hours_set", data)}, nil
}

// dutyOnText decides what "/learn duty on" means now and says it: inside the
// super-user's duty hours the hours decide (until is zero); outside them —
// a weekend, an evening — they are routed questions from now until
// support.Helper.DutyOnUntil, and the reply names that time in their own
// zone and how to change their regular hours. A paused super-user is told
// that questions reach them only after /learn resume.
func (b *Learn) dutyOnText(ctx context.Context, l *i18n.Localizer, m *member.Member) (msg string, until time.Time, err error) {
	h, err := b.DB.SupportHelperGet(ctx, b.DB, m.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	now := b.Now()
	h.OnDuty, h.DutyUntil = true, time.Time{}
	ds := h.DutySchedule()
	hours := l.T("learn.duty.hours_span", i18n.Data{"Start": ds.WorkStart.String(), "End": ds.WorkEnd.String(), "Days": ds.WorkDays.Describe(l)})
	data := i18n.Data{"Unit": bot.DeptNameIn(l, m.Department), "Hours": hours}
	if m.Schedule.PausedUntil.After(now) {
		return l.T("learn.duty.on_paused", i18n.Data{"Until": l.ShortDate(m.Schedule.PausedUntil.In(locOrUTC(ds.Location)))}), time.Time{}, nil
	}
	until = h.DutyOnUntil(now)
	if until.IsZero() {
		return l.T("learn.duty.on", data), time.Time{}, nil
	}
	data["Until"] = member.DescribeWhenIn(l, until, now, ds.Location)
	return l.T("learn.duty.on_until", data), until, nil
}
