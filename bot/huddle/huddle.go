package huddle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/internal/groupcommit"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/redact"
	"github.com/huddlebot/huddlebot/store"
)

// Tech huddles: /huddle and the buttons on huddle, poll and question cards.
// The decisions live in package huddles; this file loads state, locks it,
// applies the decision and posts or edits cards in the same transaction.
//
// Action ids:
//
//	vote:POLL:N       vote for option N (a select sends vote:POLL=N)
//	poll:POLL:VERB    host: close, reopen, extend, anon, attr, who
//	plus1:Q           +1 a parking-lot question
//	hq:Q:STATUS       host: answered, deferred, open, escalate
//	hrate:HUDDLE:N    the end-of-huddle 1–5 rating
//	hstart:SERIES     host: start a recurring huddle from its reminder
//
// Huddle is the team-huddle capability: /huddle, agendas, polls and live
// tallies, the parking lot, recurring huddles and their reminders.
type Huddle struct {
	*bot.Bot
	votes *groupcommit.Group[int64, voteTap, voteOutcome] // taps waiting per poll
}

// Register adds the capability's command, clicks and ticker to b, and
// returns it.
func Register(b *bot.Bot) *Huddle {
	h := &Huddle{Bot: b}
	h.votes = groupcommit.New(voteBatchMax, 30*time.Second, h.applyVotes)
	b.HandleCommandFunc("huddle", h.huddleCommand)
	b.HandleActionFunc("vote", h.voteClick)
	b.HandleActionFunc("poll", h.pollClick)
	b.HandleActionFunc("plus1", h.plusOneClick)
	b.HandleActionFunc("hq", h.questionClick)
	b.HandleActionFunc("hrate", h.huddleRateClick)
	b.HandleActionFunc("hstart", h.huddleStartClick)
	b.AddTicker("huddles", h.TickHuddles)
	return h
}

// pollExtend is how much the host's Extend button adds.
const pollExtend = 5 * time.Minute

func (b *Huddle) huddleCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	cmd, err := huddles.ParseCommand(text)
	var ue *huddles.UsageError
	if errors.As(err, &ue) {
		return bot.Reply{Text: ue.In(r.L())}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if cmd.Verb == huddles.VerbHelp {
		return bot.Reply{Text: huddles.Help(r.L())}, nil
	}
	if r.Channel == "" || r.Channel == "dm" {
		return bot.Reply{Text: r.T("huddles.channel_only", nil)}, nil
	}
	switch cmd.Verb {
	case huddles.VerbStatus:
		return b.huddleStatus(ctx, r)
	case huddles.VerbStart:
		if err := r.RequireT(member.PermSuperUser, "huddles.what.host"); err != nil {
			return bot.Reply{}, err
		}
		series, err := b.DB.HuddleSeriesList(ctx, b.DB, r.Workspace.ID, r.Channel)
		if err != nil {
			return bot.Reply{}, err
		}
		s := huddles.MatchSeries(series, cmd.Title, b.Now())
		if cmd.Title == "" && s == nil {
			return bot.Reply{Text: huddles.NewUsageError(huddles.UsageStart, "huddles.usage.start_title", nil).In(r.L())}, nil
		}
		return b.startHuddle(ctx, r, r.Channel, cmd.Title, s)
	case huddles.VerbEnd:
		return b.endHuddle(ctx, r)
	case huddles.VerbAgenda:
		return b.setAgenda(ctx, r, cmd.Agenda)
	case huddles.VerbSchedule:
		return b.scheduleHuddle(ctx, r, cmd.Schedule)
	case huddles.VerbScheduleList:
		return b.listSchedules(ctx, r)
	case huddles.VerbScheduleCancel:
		return b.cancelSchedule(ctx, r, cmd.SeriesID)
	case huddles.VerbPoll:
		return b.createPoll(ctx, r, cmd.Poll)
	case huddles.VerbAsk:
		return b.askParkingLot(ctx, r, cmd.Ask)
	}
	return bot.Reply{Text: huddles.Help(r.L())}, nil
}

// openHuddle returns the channel's open huddle, or a user error saying
// there is none.
func (b *Huddle) openHuddle(ctx context.Context, r *bot.Req, hint string) (*huddles.Huddle, error) {
	h, err := b.DB.HuddleOpenIn(ctx, b.DB, r.Workspace.ID, r.Channel)
	if store.IsNotFound(err) {
		msg := r.T("huddles.none_running", i18n.Data{"Channel": r.Channel})
		if hint != "" {
			msg += " " + r.T(hint, nil)
		}
		return nil, &bot.UserError{Msg: msg}
	}
	return h, err
}

// refuseUnlessHost returns a clear refusal, in r's language, when r's
// member may not manage h; whatKey is the catalogue key of what they tried.
func refuseUnlessHost(r *bot.Req, h *huddles.Huddle, whatKey string) error {
	if huddles.MayManage(h, r.Member) {
		return nil
	}
	return bot.UserErrT("huddles.only_host", i18n.Data{"Host": nameOr(h.HostName, r.T("huddles.the_host", nil)), "What": r.T(whatKey, nil)})
}

// chanL is the localizer of what the bot posts in a channel (huddle, poll
// and question cards, summaries, reminders): the workspace default
// language, HUDDLEBOT_LANGUAGE — a channel has no language of its own.
func (b *Huddle) chanL() *i18n.Localizer { return i18n.For(b.Config.DefaultLanguage) }

func nameOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

// cleaner redacts identifiers from the text a person typed and collects the
// kinds it removed, to tell them.
type cleaner struct{ kinds []string }

func (c *cleaner) text(s string) string {
	out, kinds := redact.Text(s)
	for _, k := range kinds {
		if !slices.Contains(c.kinds, k) {
			c.kinds = append(c.kinds, k)
		}
	}
	return out
}

// notice tells the person, in l's language, what was removed; "" when
// nothing was.
func (c *cleaner) notice(l *i18n.Localizer) string {
	slices.Sort(c.kinds)
	if n := bot.RedactNotice(l, c.kinds); n != "" {
		return " " + n
	}
	return ""
}

// localTime is t's time of day in loc as l writes it, with the zone's
// abbreviation: "15:04 EST".
func localTime(l *i18n.Localizer, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return l.Clock(t) + " " + t.Format("MST")
}

// localTimeAfter is localTime as l's sentences say it after a preposition,
// with the article its hour takes ("las 08:30 CET", "la 01:00 CET").
func localTimeAfter(l *i18n.Localizer, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return l.TimeWithArticle(t.In(loc).Hour(), localTime(l, t, loc))
}

// ---- Start, agenda, end ---------------------------------------------------

func huddleCard(l *i18n.Localizer, h *huddles.Huddle, loc *time.Location) *bot.Card {
	c := &bot.Card{Title: l.T("huddles.card.title", i18n.Data{"Title": h.Title}), Lang: l.Lang()}
	if h.Agenda != "" {
		c.Body = "**" + l.T("huddles.card.agenda", nil) + "**\n" + h.Agenda
	}
	c.Fields = []bot.Field{{Label: l.T("huddles.card.host", nil), Value: nameOr(h.HostName, "—")}, {Label: l.T("huddles.card.started", nil), Value: localTime(l, h.StartedAt, loc)}}
	if h.Open() {
		c.Context = l.T("huddles.card.context_open", nil)
	} else {
		c.Title = l.T("huddles.card.title_ended", i18n.Data{"Title": h.Title})
		c.Fields = append(c.Fields, bot.Field{Label: l.T("huddles.card.ended", nil), Value: localTime(l, h.EndedAt, loc)})
		c.Context = l.T("huddles.card.context_ended", nil)
	}
	return c
}

// startHuddle opens a huddle in channel, as part of series s when it is not
// nil, and carries the series' unanswered questions over into it.
func (b *Huddle) startHuddle(ctx context.Context, r *bot.Req, channel, title string, s *huddles.Series) (bot.Reply, error) {
	var cl cleaner
	agenda := ""
	var seriesID int64
	if s != nil {
		seriesID, agenda = s.ID, s.Agenda
		if title == "" {
			title = s.Title
		}
	}
	title = cl.text(title)
	now := b.Now()
	var carried int
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		id, err := b.DB.HuddleCreate(ctx, tx, store.HuddleNew{WorkspaceID: r.Workspace.ID, SeriesID: seriesID, Channel: channel,
			HostID: r.Member.ID, Title: title, Agenda: agenda, StartedAt: now})
		if err != nil {
			return err
		}
		h, err := b.DB.HuddleGet(ctx, tx, id)
		if err != nil {
			return err
		}
		msg, err := b.Post(ctx, tx, bot.Post{WorkspaceID: r.Workspace.ID, Channel: channel, Card: huddleCard(b.chanL(), h, r.Member.Schedule.Location)})
		if err != nil {
			return err
		}
		if err := b.DB.HuddleSetMessage(ctx, tx, id, msg); err != nil {
			return err
		}
		{
			var ids []int64
			if seriesID != 0 {
				if ids, err = b.DB.HuddleQuestionCarryOver(ctx, tx, seriesID, id); err != nil {
					return err
				}
			}
			// Questions deferred in one-off huddles of this channel come
			// along too: "deferred" promised them the next huddle here.
			more, err := b.DB.HuddleQuestionCarryOverChannel(ctx, tx, r.Workspace.ID, channel, id)
			if err != nil {
				return err
			}
			ids = append(ids, more...)
			carried = len(ids)
			for _, qid := range ids {
				q, err := b.DB.HuddleQuestionGet(ctx, tx, qid)
				if err != nil {
					return err
				}
				qm, err := b.Post(ctx, tx, bot.Post{WorkspaceID: r.Workspace.ID, Channel: channel, Card: questionCard(b.chanL(), q, h)})
				if err != nil {
					return err
				}
				if err := b.DB.HuddleQuestionSetMessage(ctx, tx, qid, qm); err != nil {
					return err
				}
			}
		}
		return b.DB.Audit(ctx, tx, r.Workspace.ID, r.Member.ID, "huddle.start", strconv.FormatInt(id, 10), channel)
	})
	if store.IsConflict(err) {
		if h, gerr := b.DB.HuddleOpenIn(ctx, b.DB, r.Workspace.ID, channel); gerr == nil {
			return bot.Reply{Text: r.T("huddles.start.already_running_by", i18n.Data{"Channel": channel, "Title": h.Title,
				"Host": nameOr(h.HostName, r.T("huddles.someone", nil))})}, nil
		}
		return bot.Reply{Text: r.T("huddles.start.already_running", i18n.Data{"Channel": channel})}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	msg := r.T("huddles.start.started", i18n.Data{"Title": title, "Channel": channel})
	if s != nil {
		msg += " " + r.T("huddles.start.series", i18n.Data{"ID": s.ID})
	}
	if carried > 0 {
		msg += " " + r.N("huddles.start.carried", carried, nil)
	}
	return bot.Reply{Text: msg + cl.notice(r.L())}, nil
}

func (b *Huddle) setAgenda(ctx context.Context, r *bot.Req, agenda string) (bot.Reply, error) {
	h, err := b.openHuddle(ctx, r, "huddles.hint.start")
	if err != nil {
		return bot.Reply{}, err
	}
	if err := refuseUnlessHost(r, h, "huddles.what.agenda"); err != nil {
		return bot.Reply{}, err
	}
	var cl cleaner
	agenda = cl.text(agenda)
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		if ok, err := b.DB.HuddleSetAgenda(ctx, tx, h.ID, agenda); err != nil || !ok {
			if err == nil {
				err = bot.UserErrT("huddles.just_ended", nil)
			}
			return err
		}
		h.Agenda = agenda
		if h.MessageID == 0 {
			return nil
		}
		return b.Update(ctx, tx, h.MessageID, huddleCard(b.chanL(), h, b.hostLocation(ctx, tx, h.HostID)))
	})
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: r.T("huddles.agenda.updated", nil) + cl.notice(r.L())}, nil
}

func (b *Huddle) hostLocation(ctx context.Context, q store.Queryer, memberID int64) *time.Location {
	if m, err := b.DB.MemberGet(ctx, q, memberID); err == nil && m.Schedule.Location != nil {
		return m.Schedule.Location
	}
	return time.UTC
}

func (b *Huddle) endHuddle(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	h, err := b.openHuddle(ctx, r, "")
	if err != nil {
		return bot.Reply{}, err
	}
	if err := refuseUnlessHost(r, h, "huddles.what.end"); err != nil {
		return bot.Reply{}, err
	}
	now := b.Now()
	var wakes []pollWake
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		h, err := b.DB.HuddleLock(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		if ok, err := b.DB.HuddleEnd(ctx, tx, h.ID, now); err != nil || !ok {
			if err == nil {
				err = bot.UserErrT("huddles.end.already", nil)
			}
			return err
		}
		h.EndedAt = now
		polls, err := b.DB.PollListByHuddle(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		// Every poll closes with the huddle, so the summary's counts are final.
		for _, p := range polls {
			p, err := b.DB.PollLock(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if p.ClosedAt.IsZero() {
				p.ClosedAt = now
				if !p.ClosesAt.IsZero() && p.ClosesAt.Before(now) {
					p.ClosedAt = p.ClosesAt
				}
				p.Dirty = true
			}
			w, err := b.renderPoll(ctx, tx, p, now)
			if err != nil {
				return err
			}
			wakes = append(wakes, w...)
		}
		in, err := b.summaryInput(ctx, tx, h)
		if err != nil {
			return err
		}
		loc := b.hostLocation(ctx, tx, h.HostID)
		in.Location = loc
		l := b.chanL()
		card := &bot.Card{Title: l.T("huddles.summary.title", i18n.Data{"Title": h.Title}), Body: huddles.Summary(l, in),
			Question: l.T("huddles.summary.question", nil), Context: l.T("huddles.summary.rate_hint", nil), Lang: l.Lang()}
		for i := 1; i <= 5; i++ {
			card.Actions = append(card.Actions, bot.Action{ID: fmt.Sprintf("hrate:%d:%d", h.ID, i), Label: strconv.Itoa(i)})
		}
		sum, err := b.Post(ctx, tx, bot.Post{WorkspaceID: h.WorkspaceID, Channel: h.Channel, ThreadOf: h.MessageID, Card: card})
		if err != nil {
			return err
		}
		if err := b.DB.HuddleSetSummary(ctx, tx, h.ID, sum); err != nil {
			return err
		}
		if h.MessageID != 0 {
			if err := b.Update(ctx, tx, h.MessageID, huddleCard(b.chanL(), h, loc)); err != nil {
				return err
			}
		}
		return b.DB.Audit(ctx, tx, h.WorkspaceID, r.Member.ID, "huddle.end", strconv.FormatInt(h.ID, 10), h.Channel)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	b.wake(wakes)
	return bot.Reply{Text: r.T("huddles.end.done", nil)}, nil
}

// summaryInput gathers what the summary shows. Attendance names only people
// who took part under their own name; people who only voted anonymously are
// counted (per anonymous poll: its voters who are not attendees, which the
// bot can tell only by recomputing the attendees' keyed hashes) but never
// named.
func (b *Huddle) summaryInput(ctx context.Context, q store.Queryer, h *huddles.Huddle) (huddles.SummaryInput, error) {
	in := huddles.SummaryInput{Huddle: h}
	var err error
	if in.Attendees, err = b.DB.HuddleAttendeeList(ctx, q, h.ID); err != nil {
		return in, err
	}
	polls, err := b.DB.PollListByHuddle(ctx, q, h.ID)
	if err != nil {
		return in, err
	}
	for _, p := range polls {
		t, err := b.DB.PollTally(ctx, q, p)
		if err != nil {
			return in, err
		}
		in.Polls = append(in.Polls, huddles.PollResult{Poll: p, Tally: t})
		if p.Anonymous && t.Voters > 0 {
			n, err := b.DB.PollVotersAmong(ctx, q, p.ID, b.voters(p, in.Attendees))
			if err != nil {
				return in, err
			}
			in.AnonymousOnly = max(in.AnonymousOnly, t.Voters-n)
		}
	}
	in.Questions, err = b.DB.HuddleQuestionList(ctx, q, h.ID)
	return in, err
}

// voters turns attendees into the voters of poll p: members, or the keyed
// hashes an anonymous poll stores.
func (b *Huddle) voters(p *huddles.Poll, as []huddles.Attendee) []store.Voter {
	out := make([]store.Voter, len(as))
	for i, a := range as {
		out[i] = b.voter(p, a.MemberID)
	}
	return out
}

func (b *Huddle) voter(p *huddles.Poll, memberID int64) store.Voter {
	if p.Anonymous {
		return store.Voter{Hash: huddles.VoterHash(b.Config.VoteKey, p.ID, memberID)}
	}
	return store.Voter{MemberID: memberID}
}

func (b *Huddle) huddleStatus(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	var lines []string
	h, err := b.DB.HuddleOpenIn(ctx, b.DB, r.Workspace.ID, r.Channel)
	switch {
	case store.IsNotFound(err):
		lines = append(lines, r.T("huddles.status.none", i18n.Data{"Channel": r.Channel}))
	case err != nil:
		return bot.Reply{}, err
	default:
		in, err := b.summaryInput(ctx, b.DB, h)
		if err != nil {
			return bot.Reply{}, err
		}
		open := 0
		for _, q := range in.Questions {
			if q.Status.CarriesOver() {
				open++
			}
		}
		lines = append(lines, r.T("huddles.status.running", i18n.Data{"Title": h.Title, "Channel": r.Channel,
			"Host": nameOr(h.HostName, r.T("huddles.someone", nil)), "Since": localTimeAfter(r.L(), h.StartedAt, r.Member.Schedule.Location),
			"Polls": r.N("huddles.status.polls", len(in.Polls), nil), "Open": r.N("huddles.status.open_questions", open, nil),
			"Attendance": in.Attendance(r.L())}))
	}
	series, err := b.DB.HuddleSeriesList(ctx, b.DB, r.Workspace.ID, r.Channel)
	if err != nil {
		return bot.Reply{}, err
	}
	for _, s := range series {
		lines = append(lines, b.seriesLine(r.L(), s))
	}
	return bot.Reply{Text: strings.Join(lines, "\n")}, nil
}

// ---- Schedules --------------------------------------------------------------

// seriesLine describes a recurring huddle in l's language: its number,
// title, when it meets, its host, its next occurrence and its reminder.
func (b *Huddle) seriesLine(l *i18n.Localizer, s *huddles.Series) string {
	parts := []string{l.T("huddles.series.line", i18n.Data{"ID": s.ID, "Title": s.Title, "When": s.Describe(l), "Host": nameOr(s.HostName, "—")})}
	if next := s.Next(b.Now()); !next.IsZero() { // in the series' zone
		parts = append(parts, l.T("huddles.series.next", i18n.Data{"Date": l.ShortDate(next), "Time": l.Clock(next), "Zone": next.Format("MST")}))
	}
	if s.RemindMinutes > 0 {
		parts = append(parts, l.T("huddles.series.reminder", i18n.Data{"Minutes": s.RemindMinutes}))
	}
	return strings.Join(parts, ", ")
}

func (b *Huddle) scheduleHuddle(ctx context.Context, r *bot.Req, spec huddles.ScheduleSpec) (bot.Reply, error) {
	if err := r.RequireT(member.PermSuperUser, "huddles.what.schedule"); err != nil {
		return bot.Reply{}, err
	}
	var cl cleaner
	title := cl.text(spec.Title)
	if title == "" {
		title = b.chanL().T("huddles.schedule.default_title", nil)
	}
	loc := r.Member.Schedule.Location
	if loc == nil {
		loc = time.UTC
	}
	var s *huddles.Series
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		id, err := b.DB.HuddleSeriesCreate(ctx, tx, store.HuddleSeriesNew{WorkspaceID: r.Workspace.ID, Channel: r.Channel,
			HostID: r.Member.ID, Title: title, Days: spec.Days, At: spec.At, TimeZone: loc.String(), RemindMinutes: spec.RemindMinutes})
		if err != nil {
			return err
		}
		if s, err = b.DB.HuddleSeriesGet(ctx, tx, id); err != nil {
			return err
		}
		l := b.chanL()
		_, err = b.Post(ctx, tx, bot.Post{WorkspaceID: r.Workspace.ID, Channel: r.Channel, Card: &bot.Card{
			Title: l.T("huddles.schedule.card_title", i18n.Data{"Title": title}),
			Body:  l.T("huddles.schedule.card_body", i18n.Data{"When": s.Describe(l), "Host": nameOr(s.HostName, "—")}),
			Lang:  l.Lang(),
		}})
		if err != nil {
			return err
		}
		return b.DB.Audit(ctx, tx, r.Workspace.ID, r.Member.ID, "huddle.schedule", strconv.FormatInt(id, 10), r.Channel)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	msg := r.T("huddles.schedule.scheduled", i18n.Data{"Series": b.seriesLine(r.L(), s)})
	if r.Member.TimeZone == "" {
		msg += " " + r.T("huddles.schedule.workspace_zone", nil)
	}
	return bot.Reply{Text: msg + cl.notice(r.L())}, nil
}

func (b *Huddle) listSchedules(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	series, err := b.DB.HuddleSeriesList(ctx, b.DB, r.Workspace.ID, r.Channel)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(series) == 0 {
		return bot.Reply{Text: r.T("huddles.schedule.none", i18n.Data{"Channel": r.Channel})}, nil
	}
	lines := []string{r.T("huddles.schedule.list", i18n.Data{"Channel": r.Channel})}
	for _, s := range series {
		lines = append(lines, b.seriesLine(r.L(), s))
	}
	return bot.Reply{Text: strings.Join(lines, "\n")}, nil
}

func (b *Huddle) cancelSchedule(ctx context.Context, r *bot.Req, id int64) (bot.Reply, error) {
	s, err := b.DB.HuddleSeriesGet(ctx, b.DB, id)
	if store.IsNotFound(err) || (err == nil && s.WorkspaceID != r.Workspace.ID) {
		return bot.Reply{Text: r.T("huddles.schedule.no_such", i18n.Data{"ID": id})}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if r.Member.ID != s.HostID && !r.Member.Has(member.PermTrainer) {
		return bot.Reply{}, bot.UserErrT("huddles.schedule.only_host", i18n.Data{"Host": nameOr(s.HostName, "—"), "ID": id})
	}
	var ok bool
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		if ok, err = b.DB.HuddleSeriesCancel(ctx, tx, id); err != nil || !ok {
			return err
		}
		return b.DB.Audit(ctx, tx, r.Workspace.ID, r.Member.ID, "huddle.unschedule", strconv.FormatInt(id, 10), s.Channel)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !ok {
		return bot.Reply{Text: r.T("huddles.schedule.already_cancelled", i18n.Data{"ID": id})}, nil
	}
	return bot.Reply{Text: r.T("huddles.schedule.cancelled", i18n.Data{"ID": id, "Title": s.Title})}, nil
}

func (b *Huddle) huddleStartClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	sid, ok := bot.ParseID(args, 0)
	if !ok {
		return bot.Reply{}, bot.ErrStale
	}
	s, err := b.DB.HuddleSeriesGet(ctx, b.DB, sid)
	if store.IsNotFound(err) || (err == nil && (s.WorkspaceID != r.Workspace.ID || !s.Active)) {
		return bot.Reply{Text: r.T("huddles.schedule.was_cancelled", nil)}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if r.Member.ID != s.HostID && !r.Member.Has(member.PermTrainer) {
		return bot.Reply{}, bot.UserErrT("huddles.schedule.only_host_start", i18n.Data{"Host": nameOr(s.HostName, "—")})
	}
	return b.startHuddle(ctx, r, s.Channel, "", s)
}

// ---- Polls --------------------------------------------------------------------

func (b *Huddle) createPoll(ctx context.Context, r *bot.Req, spec huddles.PollSpec) (bot.Reply, error) {
	h, err := b.openHuddle(ctx, r, "huddles.hint.polls")
	if err != nil {
		return bot.Reply{}, err
	}
	if err := refuseUnlessHost(r, h, "huddles.what.polls"); err != nil {
		return bot.Reply{}, err
	}
	if spec.Anonymous && len(b.Config.VoteKey) == 0 {
		return bot.Reply{}, bot.UserErrT("huddles.poll.no_key", nil)
	}
	var cl cleaner
	question := cl.text(spec.Question)
	opts := make([]string, len(spec.Options))
	for i, o := range spec.Options {
		opts[i] = cl.text(o)
	}
	now := b.Now()
	var closes time.Time
	if spec.Closes > 0 {
		closes = now.Add(spec.Closes)
	}
	var pid int64
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := b.DB.HuddleLock(ctx, tx, h.ID); err != nil {
			return err
		}
		pid, err = b.DB.PollCreate(ctx, tx, store.PollNew{WorkspaceID: h.WorkspaceID, HuddleID: h.ID, Channel: h.Channel,
			CreatorID: r.Member.ID, Question: question, Options: opts, Kind: spec.Kind, MaxChoices: spec.MaxChoices,
			Anonymous: spec.Anonymous, Hidden: spec.Hidden, ClosesAt: closes, CreatedAt: now})
		if err != nil {
			return err
		}
		p, err := b.DB.PollGet(ctx, tx, pid)
		if err != nil {
			return err
		}
		card, err := b.pollCard(ctx, tx, p, now)
		if err != nil {
			return err
		}
		msg, err := b.Post(ctx, tx, bot.Post{WorkspaceID: h.WorkspaceID, Channel: h.Channel, Card: card})
		if err != nil {
			return err
		}
		return b.DB.PollSetMessage(ctx, tx, pid, msg)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !closes.IsZero() {
		b.wake([]pollWake{{pid, closes}})
	}
	who := r.T("huddles.poll.posted_visible", nil)
	if spec.Anonymous {
		who = r.T("huddles.poll.posted_anonymous", nil)
	}
	return bot.Reply{Text: r.T("huddles.poll.posted", nil) + " " + who + cl.notice(r.L())}, nil
}

// pollCard renders a poll: its question, vote buttons (or a menu for more
// than MaxButtons options) while open, the tally when results are visible,
// who can see what, and the host's buttons.
func (b *Huddle) pollCard(ctx context.Context, q store.Queryer, p *huddles.Poll, now time.Time) (*bot.Card, error) {
	t, err := b.DB.PollTally(ctx, q, p)
	if err != nil {
		return nil, err
	}
	h, err := b.DB.HuddleGet(ctx, q, p.HuddleID)
	if err != nil {
		return nil, err
	}
	loc := b.hostLocation(ctx, q, p.CreatorID)
	l := b.chanL()
	c := &bot.Card{Title: "📊 " + p.Question, Lang: l.Lang()}
	if p.Kind == huddles.KindRating {
		c.Title = "⭐ " + p.Question
	}
	closed := p.Closed(now)
	if !closed {
		if len(p.Options) <= huddles.MaxButtons {
			for i, o := range p.Options {
				c.Choices = append(c.Choices, bot.Action{ID: fmt.Sprintf("vote:%d:%d", p.ID, i+1), Label: o})
			}
		} else {
			sel := &bot.Select{ID: fmt.Sprintf("vote:%d", p.ID), Placeholder: l.T("huddles.poll.choose", nil)}
			for i, o := range p.Options {
				sel.Options = append(sel.Options, bot.Option{Label: o, Value: strconv.Itoa(i + 1)})
			}
			c.Select = sel
		}
	}
	if p.ResultsVisible(now) {
		c.Body = p.Results(l, t)
	} else {
		c.Body = l.T("huddles.poll.hidden_until_closed", nil)
	}
	status := l.T("huddles.poll.status_open", i18n.Data{"Headline": t.Headline(l)})
	if closed {
		status = l.T("huddles.poll.status_closed", i18n.Data{"Headline": t.Headline(l)})
	} else if !p.ClosesAt.IsZero() {
		status += " · " + l.T("huddles.poll.closes_at", i18n.Data{"Time": localTimeAfter(l, p.ClosesAt, loc)})
	}
	c.Result = status
	c.Context = p.Visibility(l)
	if !closed {
		c.Context += " " + p.HowToVote(l)
	}
	// Host controls; anyone else who taps them is told no.
	if h.Open() {
		if closed {
			c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:reopen", p.ID), Label: l.T("huddles.poll.btn_reopen", nil)},
				bot.Action{ID: fmt.Sprintf("poll:%d:extend", p.ID), Label: l.T("huddles.poll.btn_reopen5", nil)})
		} else {
			c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:close", p.ID), Label: l.T("huddles.poll.btn_close", nil), Style: "danger"})
			if !p.ClosesAt.IsZero() {
				c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:extend", p.ID), Label: l.T("huddles.poll.btn_extend", nil)})
			}
			if t.Votes == 0 {
				if p.Anonymous {
					c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:attr", p.ID), Label: l.T("huddles.poll.btn_attr", nil)})
				} else {
					c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:anon", p.ID), Label: l.T("huddles.poll.btn_anon", nil)})
				}
			}
		}
	}
	if !p.Anonymous {
		c.Actions = append(c.Actions, bot.Action{ID: fmt.Sprintf("poll:%d:who", p.ID), Label: l.T("huddles.poll.btn_who", nil)})
	}
	return c, nil
}

// pollWake asks for a poll to be looked at again at a time: a coalesced
// render that is not due yet, or a closing time.
type pollWake struct {
	poll int64
	at   time.Time
}

// renderPoll re-renders a dirty poll's card if the coalescing rule allows it
// now, and saves the poll. It returns when to look again if a render is
// still owed. Call it under PollLock.
func (b *Huddle) renderPoll(ctx context.Context, tx *store.Tx, p *huddles.Poll, now time.Time) ([]pollWake, error) {
	var wakes []pollWake
	if p.Dirty {
		due, at := huddles.RenderDue(p.RenderedAt, now, b.Config.PollRenderEvery)
		if p.Anonymous && (due || p.MessageID == 0) {
			// Forget the order the anonymous votes came in (see
			// store.PollAnonShuffle) whenever their tally is taken.
			if err := b.DB.PollAnonShuffle(ctx, tx, p.ID); err != nil {
				return nil, err
			}
		}
		switch {
		case p.MessageID == 0:
			p.Dirty = false
		case due:
			card, err := b.pollCard(ctx, tx, p, now)
			if err != nil {
				return nil, err
			}
			if err := b.Update(ctx, tx, p.MessageID, card); err != nil {
				return nil, err
			}
			p.Dirty, p.RenderedAt = false, now
		default:
			wakes = append(wakes, pollWake{p.ID, at})
		}
	}
	if p.ClosedAt.IsZero() && !p.ClosesAt.IsZero() {
		wakes = append(wakes, pollWake{p.ID, p.ClosesAt})
	}
	return wakes, b.DB.PollSave(ctx, tx, p)
}

// maintainPoll closes a poll whose time has come and renders owed tallies.
// It looks first without the poll's lock, which every vote in flight would
// make it wait for (and hold up the votes behind it): timers that find
// nothing due only ask to be woken again.
func (b *Huddle) maintainPoll(ctx context.Context, id int64, now time.Time) ([]pollWake, error) {
	var wakes []pollWake
	p, err := b.DB.PollGet(ctx, b.DB, id)
	if err != nil {
		return nil, err
	}
	due, at := huddles.RenderDue(p.RenderedAt, now, b.Config.PollRenderEvery)
	if !p.DueToClose(now) && !(p.Dirty && (due || p.MessageID == 0)) {
		if p.Dirty {
			wakes = append(wakes, pollWake{p.ID, at})
		}
		if p.ClosedAt.IsZero() && !p.ClosesAt.IsZero() {
			wakes = append(wakes, pollWake{p.ID, p.ClosesAt})
		}
		return wakes, nil
	}
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		p, err := b.DB.PollLock(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.DueToClose(now) {
			p.ClosedAt, p.Dirty = p.ClosesAt, true
		}
		wakes, err = b.renderPoll(ctx, tx, p, now)
		return err
	})
	return wakes, err
}

type wakeKey struct {
	b    *bot.Bot
	poll int64
	at   int64
}

// pendingWakes holds the in-process timers that render a coalesced tally or
// close a poll on time. They only make things prompt: the state they act on
// is in the database, and the scheduler's tick does the same work for
// anything a restarted or other replica left behind.
var pendingWakes sync.Map

func (b *Huddle) wake(ws []pollWake) {
	for _, w := range ws {
		k := wakeKey{b.Bot, w.poll, w.at.UnixMilli()}
		if _, loaded := pendingWakes.LoadOrStore(k, true); loaded {
			continue
		}
		d := max(w.at.Sub(b.Now()), 0) + 10*time.Millisecond
		time.AfterFunc(d, func() {
			pendingWakes.Delete(k)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			more, err := b.maintainPoll(ctx, w.poll, b.Now())
			if err != nil {
				b.Log.WarnContext(ctx, "poll timer", "poll", w.poll, "err", err)
				return
			}
			b.wake(more)
		})
	}
}

// TickHuddles is the huddles' share of the scheduler tick: it closes polls
// whose time has come, renders tallies still owed, and posts reminders
// before recurring huddles. It is safe to run again for the same now and
// from several replicas: each poll is handled under its lock and each
// reminder is claimed once.
func (b *Huddle) TickHuddles(ctx context.Context, now time.Time) error {
	var errs []error
	ids, err := b.DB.PollListNeedingWork(ctx, b.DB, now, b.Config.PollRenderEvery)
	if err != nil {
		errs = append(errs, err)
	}
	for _, id := range ids {
		more, err := b.maintainPoll(ctx, id, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("poll %d: %w", id, err))
			continue
		}
		b.wake(more)
	}
	series, err := b.DB.HuddleSeriesListActive(ctx, b.DB)
	if err != nil {
		errs = append(errs, err)
	}
	for _, s := range series {
		if err := b.remind(ctx, s, now); err != nil {
			errs = append(errs, fmt.Errorf("huddle series %d: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

// remind posts the reminder before a recurring huddle's next occurrence,
// once.
func (b *Huddle) remind(ctx context.Context, s *huddles.Series, now time.Time) error {
	occ, key, ok := s.ReminderDue(now)
	if !ok {
		return nil
	}
	return b.DB.Tx(ctx, func(tx *store.Tx) error {
		claimed, err := b.DB.HuddleSeriesMarkReminded(ctx, tx, s.ID, key)
		if err != nil || !claimed {
			return err
		}
		waiting, err := b.DB.HuddleQuestionCountWaiting(ctx, tx, s.ID)
		if err != nil {
			return err
		}
		mins := int(occ.Sub(now).Round(time.Minute) / time.Minute)
		l := b.chanL()
		c := &bot.Card{
			Title: l.T("huddles.reminder.title", i18n.Data{"Title": s.Title}),
			Body: l.T("huddles.reminder.body", i18n.Data{"Time": localTimeAfter(l, occ, s.Location), "Minutes": mins,
				"Channel": s.Channel, "Host": nameOr(s.HostName, "—")}),
			Context: l.T("huddles.reminder.context", nil),
			Actions: []bot.Action{{ID: fmt.Sprintf("hstart:%d", s.ID), Label: l.T("huddles.reminder.btn_start", nil), Style: "primary"}},
			Lang:    l.Lang(),
		}
		if s.Agenda != "" {
			c.Body += "\n**" + l.T("huddles.card.agenda", nil) + "**\n" + s.Agenda
		}
		if waiting > 0 {
			c.Body += "\n" + l.N("huddles.reminder.waiting", waiting, nil)
		}
		_, err = b.Post(ctx, tx, bot.Post{WorkspaceID: s.WorkspaceID, Channel: s.Channel, Card: c})
		return err
	})
}

func (b *Huddle) loadPoll(ctx context.Context, r *bot.Req, args []string) (*huddles.Poll, *huddles.Huddle, error) {
	return loadInHuddle(ctx, b, r, args, b.DB.PollGet, func(p *huddles.Poll) (int64, int64) { return p.WorkspaceID, p.HuddleID })
}

// argOr returns args[i], or def when the action id has no such part.
func argOr(args []string, i int, def string) string {
	if len(args) > i {
		return args[i]
	}
	return def
}

// loadInHuddle reads, with get, the poll or question whose id is args[0],
// and the huddle it belongs to (ids returns its workspace and huddle). An id
// that is missing, unknown or of another workspace is bot.ErrStale.
func loadInHuddle[T any](ctx context.Context, b *Huddle, r *bot.Req, args []string,
	get func(context.Context, store.Queryer, int64) (T, error), ids func(T) (workspace, huddle int64)) (T, *huddles.Huddle, error) {
	var zero T
	id, ok := bot.ParseID(args, 0)
	if !ok {
		return zero, nil, bot.ErrStale
	}
	v, err := get(ctx, b.DB, id)
	if store.IsNotFound(err) {
		return zero, nil, bot.ErrStale
	}
	if err != nil {
		return zero, nil, err
	}
	ws, hid := ids(v)
	if ws != r.Workspace.ID {
		return zero, nil, bot.ErrStale
	}
	h, err := b.DB.HuddleGet(ctx, b.DB, hid)
	if err != nil {
		return zero, nil, err
	}
	return v, h, nil
}

// voteClick records a vote. Single choice: the tap replaces the voter's
// vote. Multiple choice: it toggles the option. On an anonymous poll the
// vote is stored under the keyed hash only, nothing records the voter as an
// attendee, and nothing in the transaction names them.
//
// Taps on one poll that arrive while an earlier batch of them is being
// written are written together, in arrival order, in one transaction
// (applyVotes): a town hall's thousand taps a second share a few dozen
// commits instead of each paying for its own, and each tap is answered
// only once its batch has committed.
func (b *Huddle) voteClick(ctx context.Context, r *bot.Req, args []string, value string) (bot.Reply, error) {
	pollID, ok := bot.ParseID(args, 0)
	if !ok {
		return bot.Reply{}, bot.ErrStale
	}
	o, err := b.votes.Do(ctx, pollID, voteTap{workspace: r.Workspace.ID, member: r.Member.ID, choice: argOr(args, 1, value), now: b.Now()})
	if err != nil {
		return bot.Reply{}, err
	}
	p, before, after, err := o.poll, o.before, o.after, o.err
	if errors.Is(err, store.ErrNoVoteKey) {
		return bot.Reply{}, bot.UserErrT("huddles.vote.no_key", nil)
	}
	var tm *huddles.TooManyError
	switch {
	case errors.Is(err, huddles.ErrPollClosed):
		return bot.Reply{Text: r.T("huddles.vote.closed", nil)}, nil
	case errors.Is(err, huddles.ErrNoSuchOption):
		return bot.Reply{}, bot.ErrStale
	case errors.As(err, &tm):
		return bot.Reply{Text: r.T("huddles.vote.too_many", i18n.Data{"Max": tm.Max})}, nil
	case err != nil:
		return bot.Reply{}, err
	}
	label := func(opts []int) string {
		ls := p.Labels(opts)
		if len(ls) == 0 {
			return r.T("huddles.vote.nothing", nil)
		}
		return r.T("huddles.vote.quoted", i18n.Data{"Labels": strings.Join(ls, r.T("huddles.vote.quote_sep", nil))})
	}
	var msg string
	switch {
	case slices.Equal(before, after):
		msg = r.T("huddles.vote.same", i18n.Data{"Choice": label(after)})
	case p.Multi():
		msg = r.T("huddles.vote.picks", i18n.Data{"Choice": label(after)})
	case len(before) == 0:
		msg = r.T("huddles.vote.recorded", i18n.Data{"Choice": label(after)})
	default:
		msg = r.T("huddles.vote.changed", i18n.Data{"From": label(before), "To": label(after)})
	}
	if p.Anonymous {
		msg += " " + r.T("huddles.vote.anonymous", nil)
	}
	if o.closedEarly {
		msg += " " + r.T("huddles.vote.all_voted", nil)
	}
	return bot.Reply{Text: msg}, nil
}

// voteBatchMax is how many taps on one poll one transaction takes.
const voteBatchMax = 200

// voteTap is one tap on a poll waiting for its batch.
type voteTap struct {
	workspace, member int64
	choice            string // the option's number, as the action carried it
	now               time.Time
}

// voteOutcome is what a tap's batch did with it.
type voteOutcome struct {
	poll          *huddles.Poll
	before, after []int
	closedEarly   bool // this tap's batch closed the poll: everyone had voted
	err           error
}

// applyVotes writes a batch of taps on one poll (see voteClick). The poll
// and its huddle are read once for the batch; a tap on a poll of another
// workspace, or on an option the poll does not have, is stale. Once the
// batch has committed, the "everyone voted" check runs once for it, and the
// last tap that changed a vote is the one told the poll closed.
func (b *Huddle) applyVotes(ctx context.Context, pollID int64, taps []voteTap) []voteOutcome {
	out := make([]voteOutcome, len(taps))
	failAll := func(err error) []voteOutcome {
		for i := range out {
			if out[i].err == nil {
				out[i].err = err
			}
		}
		return out
	}
	p, err := b.DB.PollGet(ctx, b.DB, pollID)
	if store.IsNotFound(err) {
		return failAll(bot.ErrStale)
	}
	if err != nil {
		return failAll(err)
	}
	h, err := b.DB.HuddleGet(ctx, b.DB, p.HuddleID)
	if err != nil {
		return failAll(err)
	}
	var casts []store.VoteCast
	var idx []int
	for i, t := range taps {
		option, ok := huddles.OptionNumber(t.choice, len(p.Options))
		switch {
		case t.workspace != p.WorkspaceID || !ok:
			out[i].err = bot.ErrStale
		case p.Anonymous && len(b.Config.VoteKey) == 0:
			out[i].err = store.ErrNoVoteKey
		default:
			c := store.VoteCast{PollID: p.ID, MemberID: t.member, Key: b.Config.VoteKey, Option: option, Now: t.now}
			if h.Open() {
				c.AttendHuddle = h.ID
			}
			casts = append(casts, c)
			idx = append(idx, i)
		}
	}
	if len(casts) == 0 {
		return out
	}
	res, err := b.DB.PollVoteCastMany(ctx, casts)
	if err != nil {
		return failAll(err)
	}
	last := -1
	for j, r := range res {
		i := idx[j]
		out[i] = voteOutcome{poll: r.Poll, before: r.Before, after: r.After, err: r.Err}
		if r.Err == nil && !slices.Equal(r.Before, r.After) {
			last = i
		}
	}
	if last < 0 {
		return out
	}
	p = out[last].poll
	// One timer per poll and render interval, whatever the vote rate:
	// every batch since the last render asks for the same instant.
	wakes := []pollWake{{p.ID, p.RenderedAt.Add(b.Config.PollRenderEvery)}}
	if h.Open() {
		// The votes are in; a failure here only delays the close to the
		// next batch, and must not tell the voters they were not counted.
		closed, more, err := b.closeIfEveryoneVoted(ctx, p, h, taps[last].now)
		if err != nil {
			b.Log.WarnContext(ctx, "close poll once everyone voted", "poll", p.ID, "err", err)
		}
		out[last].closedEarly = closed
		wakes = append(wakes, more...)
	}
	b.wake(wakes)
	return out
}

// closeIfEveryoneVoted closes an open poll once everyone in its audience
// (attendees who joined before it opened) has voted. It runs once per batch
// of votes, after the batch commits. Two counts rule it out cheaply while
// votes are still coming in; the decision itself is made again under the
// poll's lock, when no vote is in flight, so it is exact even when the last
// votes race each other (on other replicas too): whichever batch commits
// last sees them all.
func (b *Huddle) closeIfEveryoneVoted(ctx context.Context, p *huddles.Poll, h *huddles.Huddle, now time.Time) (bool, []pollWake, error) {
	audience, err := b.DB.HuddleAttendeeCount(ctx, b.DB, h.ID, p.CreatedAt)
	if err != nil || audience == 0 {
		return false, nil, err
	}
	if n, err := b.DB.PollVoterCount(ctx, b.DB, p); err != nil || n < audience {
		return false, nil, err
	}
	closed := false
	var wakes []pollWake
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		p, err := b.DB.PollLock(ctx, tx, p.ID)
		if err != nil || p.Closed(now) {
			return err
		}
		as, err := b.DB.HuddleAttendeeList(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		aud := huddles.Audience(as, p.CreatedAt)
		n, err := b.DB.PollVotersAmong(ctx, tx, p.ID, b.voters(p, aud))
		if err != nil || !huddles.EveryoneVoted(len(aud), n) {
			return err
		}
		p.ClosedAt, p.Dirty, closed = now, true, true
		wakes, err = b.renderPoll(ctx, tx, p, now)
		return err
	})
	return closed, wakes, err
}

// pollClick runs the host's buttons on a poll card.
func (b *Huddle) pollClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	p, h, err := b.loadPoll(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	verb := argOr(args, 1, "")
	what := map[string]string{"close": "huddles.what.close", "reopen": "huddles.what.reopen", "extend": "huddles.what.extend",
		"anon": "huddles.what.visibility", "attr": "huddles.what.visibility", "who": "huddles.what.who"}[verb]
	if what == "" {
		return bot.Reply{}, bot.ErrStale
	}
	if err := refuseUnlessHost(r, h, what); err != nil {
		return bot.Reply{}, err
	}
	if verb == "who" {
		return b.whoVoted(ctx, r, p)
	}
	if !h.Open() {
		return bot.Reply{Text: r.T("huddles.poll.huddle_ended", nil)}, nil
	}
	now := b.Now()
	var msg string
	var wakes []pollWake
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = b.DB.PollLock(ctx, tx, p.ID); err != nil {
			return err
		}
		closed := p.Closed(now)
		switch verb {
		case "close":
			if closed {
				return bot.UserErrT("huddles.poll.already_closed", nil)
			}
			p.ClosedAt = now
			msg = r.T("huddles.poll.closed", nil)
		case "reopen":
			if !closed {
				return bot.UserErrT("huddles.poll.already_open", nil)
			}
			p.ClosedAt, p.ClosesAt = time.Time{}, time.Time{}
			msg = r.T("huddles.poll.reopened", nil)
		case "extend":
			switch {
			case closed:
				p.ClosedAt, p.ClosesAt = time.Time{}, now.Add(pollExtend)
				msg = r.T("huddles.poll.reopened5", nil)
			case p.ClosesAt.IsZero():
				return bot.UserErrT("huddles.poll.no_closing", nil)
			default:
				p.ClosesAt = p.ClosesAt.Add(pollExtend)
				msg = r.T("huddles.poll.extended", nil)
			}
		case "anon", "attr":
			n, err := b.DB.PollVoteCount(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return bot.UserErrT("huddles.poll.anonymity_fixed", nil)
			}
			if verb == "anon" && len(b.Config.VoteKey) == 0 {
				return bot.UserErrT("huddles.poll.no_key_change", nil)
			}
			p.Anonymous = verb == "anon"
			msg = r.T("huddles.poll.now_attributed", nil)
			if p.Anonymous {
				msg = r.T("huddles.poll.now_anonymous", nil)
			}
		}
		p.Dirty = true
		wakes, err = b.renderPoll(ctx, tx, p, now)
		return err
	})
	if err != nil {
		return bot.Reply{}, err
	}
	b.wake(wakes)
	return bot.Reply{Text: msg}, nil
}

func (b *Huddle) whoVoted(ctx context.Context, r *bot.Req, p *huddles.Poll) (bot.Reply, error) {
	if p.Anonymous {
		return bot.Reply{Text: r.T("huddles.who.anonymous", nil)}, nil
	}
	names, err := b.DB.PollVoterNames(ctx, b.DB, p.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	lines := []string{r.T("huddles.who.title", i18n.Data{"Question": p.Question})}
	for i, o := range p.Options {
		ns := names[i+1]
		who := r.T("huddles.who.nobody", nil)
		if len(ns) > 0 {
			who = strings.Join(ns, ", ")
		}
		lines = append(lines, fmt.Sprintf("• %s: %s", o, who))
	}
	return bot.Reply{Text: strings.Join(lines, "\n")}, nil
}

// ---- Parking lot --------------------------------------------------------------

func questionCard(l *i18n.Localizer, q *huddles.Question, h *huddles.Huddle) *bot.Card {
	c := &bot.Card{Title: l.T("huddles.question.title", nil), Body: q.Text, Lang: l.Lang()}
	status := l.T(map[huddles.QuestionStatus]string{
		huddles.QuestionOpen:      "huddles.question.status_open",
		huddles.QuestionAnswered:  "huddles.question.status_answered",
		huddles.QuestionDeferred:  "huddles.question.status_deferred",
		huddles.QuestionEscalated: "huddles.question.status_escalated",
	}[q.Status], nil)
	c.Result = fmt.Sprintf("%s · +1 ×%d", status, q.PlusOnes)
	c.Context = l.T("huddles.question.asked", i18n.Data{"Asker": q.Asker(l)})
	if q.OriginHuddleID != 0 && q.OriginHuddleID != h.ID {
		c.Context += " " + l.T("huddles.question.carried", nil)
	}
	if q.Redacted {
		c.Context += " · " + l.T("huddles.question.redacted", nil)
	}
	id := q.ID
	act := func(verb, label string) bot.Action {
		return bot.Action{ID: fmt.Sprintf("hq:%d:%s", id, verb), Label: label}
	}
	plus := bot.Action{ID: fmt.Sprintf("plus1:%d", id), Label: l.T("huddles.question.btn_plus1", nil), Style: "primary"}
	switch q.Status {
	case huddles.QuestionOpen:
		c.Actions = []bot.Action{plus, act("answered", l.T("huddles.question.btn_answered", nil)), act("deferred", l.T("huddles.question.btn_defer", nil)), act("escalate", l.T("huddles.question.btn_escalate", nil))}
	case huddles.QuestionDeferred:
		c.Actions = []bot.Action{plus, act("answered", l.T("huddles.question.btn_answered", nil)), act("open", l.T("huddles.question.btn_reopen", nil)), act("escalate", l.T("huddles.question.btn_escalate", nil))}
	case huddles.QuestionAnswered:
		c.Actions = []bot.Action{act("open", l.T("huddles.question.btn_reopen", nil))}
	}
	return c
}

func (b *Huddle) askParkingLot(ctx context.Context, r *bot.Req, spec huddles.AskSpec) (bot.Reply, error) {
	h, err := b.openHuddle(ctx, r, "huddles.hint.ask")
	if err != nil {
		return bot.Reply{}, err
	}
	var cl cleaner
	text := cl.text(spec.Text)
	now := b.Now()
	member := r.Member.ID
	if spec.Anonymous {
		member = 0
	}
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		h, err := b.DB.HuddleLock(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		if !h.Open() {
			return bot.UserErrT("huddles.just_ended", nil)
		}
		qid, err := b.DB.HuddleQuestionCreate(ctx, tx, store.HuddleQuestionNew{WorkspaceID: h.WorkspaceID, HuddleID: h.ID,
			SeriesID: h.SeriesID, MemberID: member, Text: text, Redacted: len(cl.kinds) > 0, CreatedAt: now})
		if err != nil {
			return err
		}
		if member != 0 {
			if err := b.DB.HuddleAttendeeAdd(ctx, tx, h.ID, member, now); err != nil {
				return err
			}
		}
		q, err := b.DB.HuddleQuestionGet(ctx, tx, qid)
		if err != nil {
			return err
		}
		msg, err := b.Post(ctx, tx, bot.Post{WorkspaceID: h.WorkspaceID, Channel: h.Channel, Card: questionCard(b.chanL(), q, h)})
		if err != nil {
			return err
		}
		return b.DB.HuddleQuestionSetMessage(ctx, tx, qid, msg)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	msg := r.T("huddles.ask.added", nil)
	if spec.Anonymous {
		msg = r.T("huddles.ask.added_anonymous", nil)
	}
	return bot.Reply{Text: msg + cl.notice(r.L())}, nil
}

func (b *Huddle) loadQuestion(ctx context.Context, r *bot.Req, args []string) (*huddles.Question, *huddles.Huddle, error) {
	return loadInHuddle(ctx, b, r, args, b.DB.HuddleQuestionGet, func(q *huddles.Question) (int64, int64) { return q.WorkspaceID, q.HuddleID })
}

// questionIs names a question's status after "is already".
var questionIs = map[huddles.QuestionStatus]string{huddles.QuestionOpen: "huddles.question.is_open",
	huddles.QuestionAnswered: "huddles.question.is_answered", huddles.QuestionDeferred: "huddles.question.is_deferred",
	huddles.QuestionEscalated: "huddles.question.is_escalated"}

func (b *Huddle) plusOneClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, h, err := b.loadQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	if !h.Open() {
		return bot.Reply{Text: r.T("huddles.plus1.ended", nil)}, nil
	}
	if q.Status != huddles.QuestionOpen {
		// A +1 from an outdated view of the card.
		return bot.Reply{Text: r.T("huddles.plus1.not_open", i18n.Data{"Status": r.T(questionIs[q.Status], nil)})}, nil
	}
	if q.MemberID == r.Member.ID {
		return bot.Reply{Text: r.T("huddles.plus1.own", nil)}, nil
	}
	now := b.Now()
	var added bool
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if added, err = b.DB.HuddleQuestionPlusOne(ctx, tx, q.ID, r.Member.ID, now); err != nil || !added {
			return err
		}
		if err := b.DB.HuddleAttendeeAdd(ctx, tx, h.ID, r.Member.ID, now); err != nil {
			return err
		}
		if q, err = b.DB.HuddleQuestionGet(ctx, tx, q.ID); err != nil {
			return err
		}
		return b.updateQuestionCard(ctx, tx, q, h)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !added {
		return bot.Reply{Text: r.T("huddles.plus1.already", nil)}, nil
	}
	return bot.Reply{Text: r.N("huddles.plus1.noted", q.PlusOnes, nil)}, nil
}

// updateQuestionCard shows q's new state on its card, if it has one.
func (b *Huddle) updateQuestionCard(ctx context.Context, tx *store.Tx, q *huddles.Question, h *huddles.Huddle) error {
	if q.MessageID == 0 {
		return nil
	}
	return b.Update(ctx, tx, q.MessageID, questionCard(b.chanL(), q, h))
}

func (b *Huddle) questionClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, h, err := b.loadQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	verb := argOr(args, 1, "")
	to := map[string]huddles.QuestionStatus{"answered": huddles.QuestionAnswered, "deferred": huddles.QuestionDeferred,
		"open": huddles.QuestionOpen, "escalate": huddles.QuestionEscalated}[verb]
	if to == "" {
		return bot.Reply{}, bot.ErrStale
	}
	what := "huddles.what.mark"
	if to == huddles.QuestionEscalated {
		what = "huddles.what.escalate"
	}
	if err := refuseUnlessHost(r, h, what); err != nil {
		return bot.Reply{}, err
	}
	switch err := q.Mark(to); {
	case errors.Is(err, huddles.ErrSameStatus):
		return bot.Reply{Text: r.T("huddles.question.already_marked", i18n.Data{"Status": r.T(questionIs[to], nil)})}, nil
	case errors.Is(err, huddles.ErrAlreadyEscalated):
		return bot.Reply{Text: r.T("huddles.question.escalated_owned", nil)}, nil
	case err != nil:
		return bot.Reply{}, bot.ErrStale
	}
	if to == huddles.QuestionEscalated && b.Config.TrainerChannel == "" {
		return bot.Reply{}, bot.UserErrT("huddles.question.no_trainer_channel", nil)
	}
	now := b.Now()
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		ok, err := b.DB.HuddleQuestionSetStatus(ctx, tx, q.ID, q.Status, to, now)
		if err != nil {
			return err
		}
		if !ok {
			return bot.UserErrT("huddles.question.changed", nil)
		}
		q.Status = to
		if to == huddles.QuestionEscalated {
			l := b.chanL()
			_, err := b.Post(ctx, tx, bot.Post{WorkspaceID: q.WorkspaceID, Channel: b.Config.TrainerChannel, Card: &bot.Card{
				Title: l.T("huddles.escalated.title", nil),
				Body:  q.Text,
				Fields: []bot.Field{{Label: l.T("huddles.escalated.huddle", nil), Value: l.T("huddles.escalated.where", i18n.Data{"Title": h.Title, "Channel": h.Channel})},
					{Label: l.T("huddles.escalated.by", nil), Value: nameOr(r.Member.Name, r.Member.UserID)},
					{Label: "+1", Value: strconv.Itoa(q.PlusOnes)}, {Label: l.T("huddles.escalated.asked", nil), Value: q.Asker(l)}},
				Context: l.T("huddles.escalated.context", nil),
				Lang:    l.Lang(),
			}})
			if err != nil {
				return err
			}
			if err := b.DB.Audit(ctx, tx, q.WorkspaceID, r.Member.ID, "huddle.escalate", strconv.FormatInt(q.ID, 10), b.Config.TrainerChannel); err != nil {
				return err
			}
		}
		return b.updateQuestionCard(ctx, tx, q, h)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	deferred := r.T("huddles.question.deferred_series", nil)
	if q.SeriesID == 0 {
		deferred = r.T("huddles.question.deferred_channel", i18n.Data{"Channel": h.Channel})
	}
	return bot.Reply{Text: map[huddles.QuestionStatus]string{
		huddles.QuestionAnswered:  r.T("huddles.question.marked_answered", nil),
		huddles.QuestionDeferred:  deferred,
		huddles.QuestionOpen:      r.T("huddles.question.reopened", nil),
		huddles.QuestionEscalated: r.T("huddles.question.escalated_to", i18n.Data{"Channel": b.Config.TrainerChannel}),
	}[to]}, nil
}

func (b *Huddle) huddleRateClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	hid, ok1 := bot.ParseID(args, 0)
	n, ok2 := bot.ParseID(args, 1)
	if !ok1 || !ok2 || n > 5 {
		return bot.Reply{}, bot.ErrStale
	}
	h, err := b.DB.HuddleGet(ctx, b.DB, hid)
	if store.IsNotFound(err) || (err == nil && h.WorkspaceID != r.Workspace.ID) {
		return bot.Reply{}, bot.ErrStale
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if err := b.DB.HuddleRatingSet(ctx, b.DB, h.WorkspaceID, h.ID, r.Member.ID, int(n)); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: r.T("huddles.rate.thanks", i18n.Data{"Title": h.Title, "N": n})}, nil
}
