package ask

// Ask a super-user: /ask TEXT routes a question to the on-duty super-users
// of the asker's department, the first to claim it gets it, the bot relays
// their conversation, and an unclaimed question escalates to other
// departments and then to the helpdesk channel. The rules live in package
// support; this file records, posts and edits.
//
// The asker and the claimer talk through the bot: each side's message is
// stored (redacted) and posted as a new DM to the other side with a Reply
// button. A bot cannot open a group DM on every platform (Discord has no
// bot-created group DMs), and a new DM notifies where a thread reply may not.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/redact"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/support"
)

// Ask is the ask-a-super-user capability: /ask, routing to helpers on
// duty, claims, the conversation, escalation to the helpdesk and ratings.
type Ask struct{ *bot.Bot }

// Register adds the capability's command, clicks, form and ticker to b, and
// returns it.
func Register(b *bot.Bot) *Ask {
	a := &Ask{Bot: b}
	b.HandleCommandFunc("ask", a.askCommand)
	b.HandleActionFunc("claim", a.claimClick)
	b.HandleActionFunc("resolve", a.resolveClick)
	b.HandleActionFunc("srate", a.supportRateClick)
	b.HandleActionFunc("sreply", a.supportReplyClick)
	b.HandleActionFunc("stag", a.supportTagClick)
	b.HandleFormFunc("sreply", a.supportReplySubmit)
	b.AddTicker("support", a.escalateDue)
	return a
}

// maxSupportText bounds a question or a relayed message (bytes).
const maxSupportText = 3000

// maxSelectOptions is the most options a bot.Select may carry on every
// platform (Discord allows 25).
const maxSelectOptions = 25

func (b *Ask) supportPolicy() support.Policy {
	return support.Policy{EscalateAfter: b.Config.EscalateAfter, Helpdesk: b.Config.HelpdeskChannel != ""}
}

// cleanText trims, bounds and redacts free text.
func cleanText(text string) (string, []string) {
	text = strings.TrimSpace(text)
	if len(text) > maxSupportText {
		cut := maxSupportText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return redact.Text(text)
}

func (b *Ask) askCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	if strings.TrimSpace(text) == "" {
		return b.askUsage(ctx, r)
	}
	clean, kinds := cleanText(text)
	now := b.Now()
	m := r.Member
	helpers, err := b.DB.SupportHelperList(ctx, b.DB, r.Workspace.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	d := support.Route(support.Question{AskerID: m.ID, Department: m.Department, Asker: m.Schedule}, helpers, now, b.supportPolicy())
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		id, err := b.DB.SupportQuestionCreate(ctx, tx, store.SupportQuestionNew{WorkspaceID: r.Workspace.ID, AskerMemberID: m.ID,
			Department: m.Department, Text: clean, Redacted: len(kinds) > 0, Level: d.Level, EscalateAt: d.EscalateAt,
			Waiting: d.Waiting, At: now})
		if err != nil {
			return err
		}
		v, err := b.supportLoad(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := b.supportApply(ctx, tx, v, d, now); err != nil {
			return err
		}
		askerMsg, err := b.Post(ctx, tx, bot.Post{WorkspaceID: v.q.WorkspaceID, MemberID: m.ID, Channel: "dm", Card: b.askerCard(v)})
		if err != nil {
			return err
		}
		return b.DB.SupportQuestionSetMessages(ctx, tx, id, askerMsg, 0)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	msg := b.routeText(r.L(), m.Department, d, true) + " " + r.T("ask.will_tell", nil)
	if n := bot.RedactNotice(r.L(), kinds); n != "" {
		msg += " " + n
	}
	return bot.Reply{Text: msg}, nil
}

// askUsage explains /ask and says who is on duty for the asker right now.
func (b *Ask) askUsage(ctx context.Context, r *bot.Req) (bot.Reply, error) {
	helpers, err := b.DB.SupportHelperList(ctx, b.DB, r.Workspace.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	m, now := r.Member, b.Now()
	var names []string
	for _, h := range helpers {
		if h.MemberID != m.ID && h.Department == m.Department && m.Department != "" && h.Available(now) {
			names = append(names, h.Name)
		}
	}
	l := r.L()
	unit := bot.DeptNameIn(l, m.Department)
	who := l.T("ask.usage.nobody_on_duty", i18n.Data{"Unit": unit})
	if len(names) > 0 {
		who = l.T("ask.usage.on_duty", i18n.Data{"Unit": m.Department, "Names": l.List(names)})
	}
	return r.Usage(l.T("ask.usage.form", nil), l.T("ask.usage.hint", i18n.Data{"Unit": unit, "Who": who})), nil
}

// supportView is a question with the people around it, for rendering.
type supportView struct {
	q       *store.SupportQuestion
	asker   *member.Member
	claimer *member.Member // nil until claimed
	routes  []store.SupportRoute
	members map[int64]*member.Member // everyone routed
}

func (b *Ask) supportLoad(ctx context.Context, q store.Queryer, id int64) (*supportView, error) {
	sq, err := b.DB.SupportQuestionGet(ctx, q, id)
	if err != nil {
		return nil, err
	}
	v := &supportView{q: sq, members: map[int64]*member.Member{}}
	member := func(id int64) (*member.Member, error) {
		if m, ok := v.members[id]; ok {
			return m, nil
		}
		m, err := b.DB.MemberGet(ctx, q, id)
		if err != nil {
			return nil, err
		}
		v.members[id] = m
		return m, nil
	}
	if v.asker, err = member(sq.AskerMemberID); err != nil {
		return nil, err
	}
	if sq.ClaimerMemberID != 0 {
		if v.claimer, err = member(sq.ClaimerMemberID); err != nil {
			return nil, err
		}
	}
	if v.routes, err = b.DB.SupportRouteList(ctx, q, id); err != nil {
		return nil, err
	}
	for _, r := range v.routes {
		if _, err := member(r.MemberID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (v *supportView) route(memberID int64) (store.SupportRoute, bool) {
	for _, r := range v.routes {
		if r.MemberID == memberID {
			return r, true
		}
	}
	return store.SupportRoute{}, false
}

// supportApply carries out a routing decision: a DM card with "I'll take
// it" to each new recipient (recorded in support_route with its message) and
// the helpdesk post.
func (b *Ask) supportApply(ctx context.Context, tx *store.Tx, v *supportView, d support.Decision, now time.Time) error {
	for _, h := range d.To {
		m, err := b.DB.MemberGet(ctx, tx, h.MemberID)
		if err != nil {
			return err
		}
		v.members[m.ID] = m
		msgID, err := b.Post(ctx, tx, bot.Post{WorkspaceID: v.q.WorkspaceID, MemberID: m.ID, Channel: "dm", Card: b.helperCard(v, m.ID)})
		if err != nil {
			return err
		}
		rt := store.SupportRoute{QuestionID: v.q.ID, MemberID: m.ID, Level: d.Level, MessageID: msgID, CreatedAt: now.UnixMilli()}
		if _, err := b.DB.SupportRouteAdd(ctx, tx, rt, now); err != nil {
			return err
		}
		v.routes = append(v.routes, rt)
	}
	if d.Helpdesk && b.Config.HelpdeskChannel != "" && v.q.HelpdeskMessageID == 0 {
		msgID, err := b.Post(ctx, tx, bot.Post{WorkspaceID: v.q.WorkspaceID, Channel: b.Config.HelpdeskChannel, Card: b.helpdeskCard(v)})
		if err != nil {
			return err
		}
		v.q.HelpdeskMessageID = msgID
		if err := b.DB.SupportQuestionSetMessages(ctx, tx, v.q.ID, 0, msgID); err != nil {
			return err
		}
	}
	return nil
}

// supportRefresh re-renders every card of a question — the asker's, each
// recipient's, the helpdesk post — and edits those that changed.
func (b *Ask) supportRefresh(ctx context.Context, tx *store.Tx, v *supportView) error {
	if v.q.AskerMessageID != 0 {
		if err := b.updateIfChanged(ctx, tx, v.q.AskerMessageID, b.askerCard(v)); err != nil {
			return err
		}
	}
	for _, r := range v.routes {
		if r.MessageID != 0 {
			if err := b.updateIfChanged(ctx, tx, r.MessageID, b.helperCard(v, r.MemberID)); err != nil {
				return err
			}
		}
	}
	if v.q.HelpdeskMessageID != 0 {
		return b.updateIfChanged(ctx, tx, v.q.HelpdeskMessageID, b.helpdeskCard(v))
	}
	return nil
}

func (b *Ask) updateIfChanged(ctx context.Context, tx *store.Tx, msgID int64, c *bot.Card) error {
	msg, err := b.DB.MessageGet(ctx, tx, msgID)
	if err != nil {
		return err
	}
	if msg.Card == c.Marshal() {
		return nil
	}
	return b.Update(ctx, tx, msgID, c)
}

// notify posts a short DM to a member.
func (b *Ask) notify(ctx context.Context, tx *store.Tx, workspaceID, memberID int64, c *bot.Card) error {
	_, err := b.Post(ctx, tx, bot.Post{WorkspaceID: workspaceID, MemberID: memberID, Channel: "dm", Card: c})
	return err
}

// --- claiming ---

func (b *Ask) supportQuestion(ctx context.Context, r *bot.Req, args []string) (*store.SupportQuestion, error) {
	id, ok := bot.ParseID(args, 0)
	if !ok {
		return nil, bot.ErrStale
	}
	q, err := b.DB.SupportQuestionGet(ctx, b.DB, id)
	if store.IsNotFound(err) {
		return nil, bot.ErrStale
	}
	if err != nil {
		return nil, err
	}
	if q.WorkspaceID != r.Workspace.ID {
		return nil, bot.ErrStale
	}
	return q, nil
}

// claimClick: "claim:QID". The first to claim gets it (one conditional
// UPDATE decides); everyone else's copy turns into "Claimed by …".
// Anyone the question was sent to may claim it; once it reached the
// helpdesk channel, anyone but the asker may.
func (b *Ask) claimClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	me := r.Member
	if q.AskerMemberID == me.ID {
		return bot.Reply{Text: r.T("ask.claim.own", nil)}, nil
	}
	now := b.Now()
	won := false
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		won = false
		v, err := b.supportLoad(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		_, routed := v.route(me.ID)
		if !routed && v.q.Level < support.LevelHelpdesk {
			return bot.UserErrT("ask.claim.not_yours", nil)
		}
		ok, err := b.DB.SupportQuestionClaim(ctx, tx, q.ID, me.ID, now)
		if err != nil || !ok {
			return err
		}
		won = true
		if v, err = b.supportLoad(ctx, tx, q.ID); err != nil {
			return err
		}
		if !routed {
			// Claimed from the helpdesk channel: the claimer gets their own card.
			msgID, err := b.Post(ctx, tx, bot.Post{WorkspaceID: v.q.WorkspaceID, MemberID: me.ID, Channel: "dm", Card: b.helperCard(v, me.ID)})
			if err != nil {
				return err
			}
			rt := store.SupportRoute{QuestionID: v.q.ID, MemberID: me.ID, Level: v.q.Level, MessageID: msgID, CreatedAt: now.UnixMilli()}
			if _, err := b.DB.SupportRouteAdd(ctx, tx, rt, now); err != nil {
				return err
			}
			v.routes = append(v.routes, rt)
		}
		if err := b.supportRefresh(ctx, tx, v); err != nil {
			return err
		}
		al := b.Localizer(v.asker)
		return b.notify(ctx, tx, v.q.WorkspaceID, v.q.AskerMemberID, &bot.Card{
			Body:    al.T("ask.claimed.asker", i18n.Data{"Claimer": memberLabel(v.claimer), "Question": snippet(v.q.Text)}),
			Actions: []bot.Action{replyAction(al, v.q.ID), resolveAction(al, v.q.ID)}, Lang: al.Lang(),
		})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if won {
		return bot.Reply{Text: r.T("ask.claim.won", i18n.Data{"Asker": memberName(b.memberOr(ctx, r.L(), q.AskerMemberID))})}, nil
	}
	q, err = b.DB.SupportQuestionGet(ctx, b.DB, q.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	switch {
	case q.ClaimerMemberID == me.ID:
		return bot.Reply{Text: r.T("ask.claim.already_yours", nil)}, nil
	case q.ClaimerMemberID != 0:
		return bot.Reply{Text: r.T("ask.claim.lost", i18n.Data{"Claimer": memberName(b.memberOr(ctx, r.L(), q.ClaimerMemberID))})}, nil
	default:
		return bot.Reply{Text: r.T("ask.claim.closed", nil)}, nil
	}
}

// memberOr returns a member for display, or a placeholder if it cannot be
// read (the reply is still right; only the name is missing).
func (b *Ask) memberOr(ctx context.Context, l *i18n.Localizer, id int64) *member.Member {
	m, err := b.DB.MemberGet(ctx, b.DB, id)
	if err != nil {
		return &member.Member{ID: id, Name: l.T("ask.someone", nil)}
	}
	return m
}

// --- resolving and rating ---

// resolveClick: "resolve:QID", by the asker or the claimer.
func (b *Ask) resolveClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	me := r.Member
	if me.ID != q.AskerMemberID && me.ID != q.ClaimerMemberID {
		return bot.Reply{Text: r.T("ask.resolve.not_yours", nil)}, nil
	}
	now := b.Now()
	done := false
	var v *supportView
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		ok, err := b.DB.SupportQuestionResolve(ctx, tx, q.ID, me.ID, now)
		if done = ok; err != nil || !ok {
			return err
		}
		if v, err = b.supportLoad(ctx, tx, q.ID); err != nil {
			return err
		}
		if err := b.supportRefresh(ctx, tx, v); err != nil {
			return err
		}
		if v.claimer == nil {
			return nil
		}
		if me.ID == v.asker.ID {
			cl := b.Localizer(v.claimer)
			return b.notify(ctx, tx, v.q.WorkspaceID, v.claimer.ID, &bot.Card{
				Body: cl.T("ask.resolved.claimer", i18n.Data{"Asker": memberName(v.asker), "Question": snippet(v.q.Text)}), Lang: cl.Lang()})
		}
		al := b.Localizer(v.asker)
		return b.notify(ctx, tx, v.q.WorkspaceID, v.asker.ID, &bot.Card{
			Body:    al.T("ask.resolved.asker", i18n.Data{"Claimer": memberName(v.claimer), "Question": snippet(v.q.Text)}),
			Actions: ratingActions(v.q.ID), Context: al.T("ask.rating_hint", nil), Lang: al.Lang(),
		})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	switch {
	case !done:
		return bot.Reply{Text: r.T("ask.resolve.already", nil)}, nil
	case v.claimer == nil:
		return bot.Reply{Text: r.T("ask.resolve.closed", nil)}, nil
	case me.ID == v.asker.ID:
		return bot.Reply{Text: r.T("ask.resolve.by_asker", nil)}, nil
	default:
		return bot.Reply{Text: r.T("ask.resolve.by_claimer", i18n.Data{"Asker": memberName(v.asker)})}, nil
	}
}

// supportRateClick: "srate:QID:N" (1–5), by the asker, once, after the
// question was resolved. The rating is kept on the question and as
// feedback of kind support.
func (b *Ask) supportRateClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	n, ok := bot.ParseID(args, 1)
	if !ok || n > 5 {
		return bot.Reply{}, bot.ErrStale
	}
	if r.Member.ID != q.AskerMemberID {
		return bot.Reply{Text: r.T("ask.rate.not_yours", nil)}, nil
	}
	if q.ClaimerMemberID == 0 {
		return bot.Reply{Text: r.T("ask.rate.nobody", nil)}, nil
	}
	rated := false
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		ok, err := b.DB.SupportQuestionRate(ctx, tx, q.ID, int(n))
		if rated = ok; err != nil || !ok {
			return err
		}
		rating := int(n)
		if err := b.DB.FeedbackAdd(ctx, tx, store.Feedback{WorkspaceID: q.WorkspaceID, MemberID: q.AskerMemberID,
			Kind: store.FeedbackSupport, SupportID: q.ID, Rating: &rating}); err != nil {
			return err
		}
		v, err := b.supportLoad(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		if err := b.supportRefresh(ctx, tx, v); err != nil {
			return err
		}
		cl := b.Localizer(v.claimer)
		return b.notify(ctx, tx, q.WorkspaceID, q.ClaimerMemberID, &bot.Card{
			Body: cl.T("ask.rated.claimer", i18n.Data{"Asker": memberName(v.asker), "Question": snippet(q.Text), "Rating": n}), Lang: cl.Lang()})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if !rated {
		q, err = b.DB.SupportQuestionGet(ctx, b.DB, q.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		if q.Status != store.SupportResolved {
			return bot.Reply{Text: r.T("ask.rate.not_resolved", nil)}, nil
		}
		return bot.Reply{Text: r.T("ask.rate.already", i18n.Data{"Rating": q.Rating})}, nil
	}
	return bot.Reply{Text: r.T("ask.rate.thanks", i18n.Data{"Rating": n})}, nil
}

// supportTagClick: "stag:QID" with a content tag as the value, by the
// claimer; choosing a tag again removes it.
func (b *Ask) supportTagClick(ctx context.Context, r *bot.Req, args []string, value string) (bot.Reply, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	if r.Member.ID != q.ClaimerMemberID {
		return bot.Reply{Text: r.T("ask.tag.not_yours", nil)}, nil
	}
	if !slices.Contains(b.Content().Tags(), value) {
		return bot.Reply{Text: r.T("ask.tag.unknown", i18n.Data{"Tag": strconv.Quote(value)})}, nil
	}
	var tags []string
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		v, err := b.supportLoad(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		tags = slices.Clone(v.q.Tags)
		if i := slices.Index(tags, value); i >= 0 {
			tags = slices.Delete(tags, i, i+1)
		} else {
			tags = append(tags, value)
			slices.Sort(tags)
		}
		if err := b.DB.SupportQuestionSetTags(ctx, tx, q.ID, tags); err != nil {
			return err
		}
		v.q.Tags = tags
		return b.supportRefresh(ctx, tx, v)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if len(tags) == 0 {
		return bot.Reply{Text: r.T("ask.tag.none", nil)}, nil
	}
	return bot.Reply{Text: r.T("ask.tag.set", i18n.Data{"Tags": strings.Join(tags, ", ")})}, nil
}

// --- the relayed conversation ---

// supportConversation returns the question of a relayed-conversation click
// or form ("sreply:QID") and the other side (see supportParties).
func (b *Ask) supportConversation(ctx context.Context, r *bot.Req, args []string) (*store.SupportQuestion, int64, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return nil, 0, err
	}
	other, err := b.supportParties(ctx, r, q)
	return q, other, err
}

// supportParties checks that the actor is the asker or the claimer of a
// claimed, unresolved question and returns the other side.
func (b *Ask) supportParties(ctx context.Context, r *bot.Req, q *store.SupportQuestion) (other int64, err error) {
	me := r.Member.ID
	switch {
	case me != q.AskerMemberID && me != q.ClaimerMemberID:
		return 0, bot.UserErrT("ask.reply.not_yours", nil)
	case q.Status == store.SupportResolved:
		return 0, bot.UserErrT("ask.reply.resolved", nil)
	case q.ClaimerMemberID == 0:
		return 0, bot.UserErrT("ask.reply.unclaimed", nil)
	case me == q.AskerMemberID:
		return q.ClaimerMemberID, nil
	default:
		return q.AskerMemberID, nil
	}
}

// supportReplyClick: "sreply:QID" opens the reply form.
func (b *Ask) supportReplyClick(ctx context.Context, r *bot.Req, args []string, _ string) (bot.Reply, error) {
	q, other, err := b.supportConversation(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	name := memberName(b.memberOr(ctx, r.L(), other))
	d := i18n.Data{"Name": name}
	f := &bot.Form{ID: fmt.Sprintf("sreply:%d", q.ID), Title: r.T("ask.form.title", d), Label: r.T("ask.form.label", d),
		Placeholder: r.T("ask.form.placeholder", nil), Submit: r.T("ask.form.submit", nil)}
	return b.ShowForm(ctx, r, f, r.T("ask.form.prompt", d))
}

// supportReplySubmit stores a message (redacted) and posts it to the other
// side's DM.
func (b *Ask) supportReplySubmit(ctx context.Context, r *bot.Req, args []string, text string) (bot.Reply, error) {
	q, other, err := b.supportConversation(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	clean, kinds := cleanText(text)
	if clean == "" {
		return bot.Reply{Text: r.T("ask.reply.empty", nil)}, nil
	}
	now := b.Now()
	me := r.Member
	var to *member.Member
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		if to, err = b.DB.MemberGet(ctx, tx, other); err != nil {
			return err
		}
		if _, err := b.DB.SupportMessageAdd(ctx, tx, store.SupportMessage{QuestionID: q.ID, FromMemberID: me.ID, Text: clean,
			Redacted: len(kinds) > 0, CreatedAt: now}); err != nil {
			return err
		}
		tl := b.Localizer(to)
		c := &bot.Card{Title: "💬 " + memberLabel(me), Body: clean, Context: tl.T("ask.relay.about", i18n.Data{"Question": snippet(q.Text)}),
			Actions: []bot.Action{replyAction(tl, q.ID), resolveAction(tl, q.ID)}, Lang: tl.Lang()}
		return b.notify(ctx, tx, q.WorkspaceID, other, c)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	msg := r.T("ask.reply.sent", i18n.Data{"Name": memberName(to)})
	if n := bot.RedactNotice(r.L(), kinds); n != "" {
		msg += " " + n
	}
	return bot.Reply{Text: msg}, nil
}

// --- escalation ---

// escalateDue escalates every open, unclaimed question whose deadline has
// passed at now (one batch per tick; the next tick takes the rest).
func (b *Ask) escalateDue(ctx context.Context, now time.Time) error {
	due, err := b.DB.SupportQuestionListDue(ctx, b.DB, now, 200)
	if err != nil {
		return err
	}
	var errs []error
	for _, q := range due {
		if err := b.escalate(ctx, q, now); err != nil {
			errs = append(errs, fmt.Errorf("question %d: %w", q.ID, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("escalate: %w (and %d more)", errs[0], len(errs)-1)
	}
	return nil
}

func (b *Ask) escalate(ctx context.Context, q *store.SupportQuestion, now time.Time) error {
	asker, err := b.DB.MemberGet(ctx, b.DB, q.AskerMemberID)
	if err != nil {
		return err
	}
	helpers, err := b.DB.SupportHelperList(ctx, b.DB, q.WorkspaceID)
	if err != nil {
		return err
	}
	routes, err := b.DB.SupportRouteList(ctx, b.DB, q.ID)
	if err != nil {
		return err
	}
	routed := make([]int64, len(routes))
	for i, r := range routes {
		routed[i] = r.MemberID
	}
	d := support.Escalate(support.Question{AskerID: asker.ID, Department: q.Department, Asker: asker.Schedule, Level: q.Level,
		Routed: routed, Waiting: q.Waiting}, helpers, now, b.supportPolicy())
	return b.DB.Tx(ctx, func(tx *store.Tx) error {
		ok, err := b.DB.SupportQuestionEscalate(ctx, tx, store.SupportEscalation{ID: q.ID, FromLevel: q.Level, FromDue: q.EscalateAt,
			Level: d.Level, EscalateAt: d.EscalateAt, Waiting: d.Waiting, At: now})
		if err != nil || !ok {
			return err // !ok: claimed, resolved or escalated meanwhile
		}
		v, err := b.supportLoad(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		if err := b.supportApply(ctx, tx, v, d, now); err != nil {
			return err
		}
		if err := b.supportRefresh(ctx, tx, v); err != nil {
			return err
		}
		if d.Reason == support.ReasonNoChange {
			return nil
		}
		al := b.Localizer(v.asker)
		return b.notify(ctx, tx, q.WorkspaceID, q.AskerMemberID, &bot.Card{
			Body:    b.routeText(al, q.Department, d, false),
			Context: al.T("ask.your_question_ref", i18n.Data{"Question": snippet(q.Text)}),
			Lang:    al.Lang(),
		})
	})
}

// routeText tells the asker, in l's language, where their question went
// and why.
func (b *Ask) routeText(l *i18n.Localizer, dept string, d support.Decision, first bool) string {
	data := i18n.Data{"To": helperNames(l, d.To, dept), "Unit": dept, "Helpdesk": b.Config.HelpdeskChannel}
	switch d.Reason {
	case support.ReasonDepartment:
		return l.T("ask.route.department", data)
	case support.ReasonNoneOnDuty:
		if dept == "" {
			return l.T("ask.route.no_unit", data)
		}
		return l.T("ask.route.none_on_duty", data)
	case support.ReasonUnclaimed:
		data["Unit"] = bot.DeptNameIn(l, dept)
		return l.T("ask.route.unclaimed", data)
	case support.ReasonHelpdesk:
		if first {
			return l.T("ask.route.helpdesk_first", data)
		}
		return l.T("ask.route.helpdesk", data)
	case support.ReasonNoHelpdesk:
		s := l.T("ask.route.no_helpdesk", data)
		if first {
			s = l.T("ask.route.no_helpdesk_first", data)
		}
		if len(d.To) > 0 {
			s += " " + l.T("ask.route.also_to", data)
		}
		return s
	case support.ReasonCameOnDuty:
		return l.T("ask.route.came_on_duty", data)
	}
	return l.T("ask.route.open", nil)
}

// --- cards ---

func replyAction(l *i18n.Localizer, qid int64) bot.Action {
	return bot.Action{ID: fmt.Sprintf("sreply:%d", qid), Label: l.T("ask.button.reply", nil), Style: "primary"}
}

func resolveAction(l *i18n.Localizer, qid int64) bot.Action {
	return bot.Action{ID: fmt.Sprintf("resolve:%d", qid), Label: l.T("ask.button.resolved", nil)}
}

func ratingActions(qid int64) []bot.Action {
	out := make([]bot.Action, 5)
	for i := range out {
		out[i] = bot.Action{ID: fmt.Sprintf("srate:%d:%d", qid, i+1), Label: strconv.Itoa(i + 1)}
	}
	return out
}

// tagSelect offers the content tags (the chosen ones first) to the claimer.
func (b *Ask) tagSelect(l *i18n.Localizer, qid int64, chosen []string) *bot.Select {
	all := b.Content().Tags()
	if len(all) == 0 {
		return nil
	}
	s := &bot.Select{ID: fmt.Sprintf("stag:%d", qid), Placeholder: l.T("ask.tag.placeholder", nil)}
	for _, t := range chosen {
		s.Options = append(s.Options, bot.Option{Label: "✓ " + t, Value: t})
	}
	for _, t := range all {
		if len(s.Options) == maxSelectOptions {
			break
		}
		if !slices.Contains(chosen, t) {
			s.Options = append(s.Options, bot.Option{Label: t, Value: t})
		}
	}
	return s
}

// askerCard is the asker's own copy of the question, with its status, in
// the asker's language.
func (b *Ask) askerCard(v *supportView) *bot.Card {
	q := v.q
	l := b.Localizer(v.asker)
	c := &bot.Card{Title: l.T("ask.card.yours", nil), Body: q.Text, Lang: l.Lang()}
	switch {
	case q.Status == store.SupportResolved && v.claimer == nil:
		c.Result = l.T("ask.card.closed", nil)
	case q.Status == store.SupportResolved && q.Rating > 0:
		c.Result = l.T("ask.card.resolved_rated", i18n.Data{"Claimer": memberName(v.claimer), "Rating": q.Rating})
	case q.Status == store.SupportResolved:
		c.Result = l.T("ask.card.resolved_rate", i18n.Data{"Claimer": memberName(v.claimer)})
		c.Actions, c.Context = ratingActions(q.ID), l.T("ask.rating_hint", nil)
	case v.claimer != nil:
		c.Result = l.T("ask.card.on_it", i18n.Data{"Claimer": memberLabel(v.claimer)})
		c.Actions = []bot.Action{replyAction(l, q.ID), resolveAction(l, q.ID)}
	default:
		c.Result = "⏳ " + b.waitingText(l, v)
		c.Actions = []bot.Action{{ID: fmt.Sprintf("resolve:%d", q.ID), Label: l.T("ask.button.solved_myself", nil)}}
	}
	return c
}

// waitingText says who an open question went to.
func (b *Ask) waitingText(l *i18n.Localizer, v *supportView) string {
	var names []string
	for _, r := range v.routes {
		m := v.members[r.MemberID]
		if m == nil {
			continue
		}
		if m.Department != "" {
			names = append(names, fmt.Sprintf("%s (%s)", memberName(m), m.Department))
		} else {
			names = append(names, memberName(m))
		}
	}
	if v.q.HelpdeskMessageID != 0 {
		names = append(names, l.T("ask.helpdesk_channel", nil))
	}
	if len(names) == 0 {
		return l.T("ask.waiting.nobody", nil)
	}
	return l.T("ask.waiting.sent", i18n.Data{"Names": l.List(names)})
}

// helperCard is the copy a super-user got, in their language: "I'll take
// it" while open, the conversation tools for the claimer, "Claimed by …"
// for everyone else.
func (b *Ask) helperCard(v *supportView, viewer int64) *bot.Card {
	q := v.q
	l := b.Localizer(v.members[viewer])
	c := &bot.Card{Title: l.T("ask.card.from", i18n.Data{"Asker": memberLabel(v.asker)}), Body: q.Text, Lang: l.Lang()}
	switch {
	case v.claimer != nil && v.claimer.ID == viewer:
		c.Result = l.T("ask.card.you_took_it", nil)
		if q.Status == store.SupportResolved {
			c.Result = l.T("ask.card.resolved", nil)
			if q.Rating > 0 {
				c.Result = l.T("ask.card.resolved_rating", i18n.Data{"Rating": q.Rating})
			}
		} else {
			c.Actions = []bot.Action{replyAction(l, q.ID), resolveAction(l, q.ID)}
		}
		c.Select = b.tagSelect(l, q.ID, q.Tags)
		c.Context = l.T("ask.card.tag_hint", nil)
		if len(q.Tags) > 0 {
			c.Context = l.T("ask.card.tags", i18n.Data{"Tags": strings.Join(q.Tags, ", ")})
		}
	case v.claimer != nil:
		c.Result = l.T("ask.card.claimed_by", i18n.Data{"Claimer": memberName(v.claimer)})
		if q.Status == store.SupportResolved {
			c.Result += " " + l.T("ask.card.also_resolved", nil)
		}
	case q.Status == store.SupportResolved:
		c.Result = l.T("ask.card.closed_by_asker", i18n.Data{"Asker": memberName(v.asker)})
	default:
		c.Actions = []bot.Action{{ID: fmt.Sprintf("claim:%d", q.ID), Label: l.T("ask.button.take", nil), Style: "primary"}}
		c.Context = l.T("ask.card.first_gets_it", nil)
		if q.Level > support.LevelDepartment {
			c.Context = l.T("ask.card.nobody_on_unit", i18n.Data{"Unit": bot.DeptNameIn(l, q.Department)}) + " " + c.Context
		}
	}
	return c
}

// helpdeskCard is the post in the helpdesk channel, in the workspace's
// language.
func (b *Ask) helpdeskCard(v *supportView) *bot.Card {
	q := v.q
	l := i18n.For(b.LangOf(""))
	c := &bot.Card{Title: l.T("ask.helpdesk.from", i18n.Data{"Asker": memberLabel(v.asker)}), Body: q.Text,
		Context: l.T("ask.helpdesk.anyone", nil), Lang: l.Lang()}
	switch {
	case v.claimer != nil:
		c.Result = l.T("ask.card.claimed_by", i18n.Data{"Claimer": memberName(v.claimer)})
		if q.Status == store.SupportResolved {
			c.Result += " " + l.T("ask.card.also_resolved", nil)
		}
		c.Context = ""
	case q.Status == store.SupportResolved:
		c.Result, c.Context = l.T("ask.helpdesk.closed", nil), ""
	default:
		c.Actions = []bot.Action{{ID: fmt.Sprintf("claim:%d", q.ID), Label: l.T("ask.button.take", nil), Style: "primary"}}
	}
	return c
}

// --- duty hours ---

// --- words ---

func memberName(m *member.Member) string {
	if m == nil {
		return "someone"
	}
	if m.Name != "" {
		return m.Name
	}
	return m.UserID
}

// memberLabel is "Nina Patel (nurse, 4west)".
func memberLabel(m *member.Member) string {
	var parts []string
	if m.Role != "" {
		parts = append(parts, m.Role)
	}
	if m.Department != "" {
		parts = append(parts, m.Department)
	}
	if len(parts) == 0 {
		return memberName(m)
	}
	return memberName(m) + " (" + strings.Join(parts, ", ") + ")"
}

// helperNames is "Sam Reyes and Sue Park", naming the department of those
// not on home: "Amy Cole (clinic) and Ed Novak (5east)".
func helperNames(l *i18n.Localizer, hs []support.Helper, home string) string {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
		if h.Department != home && h.Department != "" {
			names[i] = fmt.Sprintf("%s (%s)", h.Name, h.Department)
		}
	}
	if len(names) == 0 {
		return l.T("ask.nobody", nil)
	}
	return l.List(names)
}

// snippet shortens a question for a reference line.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:57])) + "…"
}
