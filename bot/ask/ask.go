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
	msg := b.routeText(m.Department, d, true) + " I'll tell you in a direct message when someone takes it."
	if n := redact.Notice(kinds); n != "" {
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
	who := "Nobody on " + bot.DeptName(m.Department) + " is on duty right now, so it would go to super-users of other units or the helpdesk."
	if len(names) > 0 {
		who = "On duty on " + m.Department + " now: " + joinNames(names) + "."
	}
	return bot.Usage("/ask TEXT", "your question goes to the on-duty super-users of "+bot.DeptName(m.Department)+
		"; the first to take it answers you here. No patient details, please. "+who), nil
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
		return bot.Reply{Text: "That's your own question — a super-user will take it."}, nil
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
			return bot.UserErr("This question was sent to someone else.")
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
		return b.notify(ctx, tx, v.q.WorkspaceID, v.q.AskerMemberID, &bot.Card{
			Body:    fmt.Sprintf("🙋 %s is on your question: “%s”. Their answers arrive here.", memberLabel(v.claimer), snippet(v.q.Text)),
			Actions: []bot.Action{replyAction(v.q.ID), resolveAction(v.q.ID)},
		})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	if won {
		return bot.Reply{Text: fmt.Sprintf("✋ It's yours — %s knows you're on it. Answer with Reply on the question.", memberName(b.memberOr(ctx, q.AskerMemberID)))}, nil
	}
	q, err = b.DB.SupportQuestionGet(ctx, b.DB, q.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	switch {
	case q.ClaimerMemberID == me.ID:
		return bot.Reply{Text: "You already took this one."}, nil
	case q.ClaimerMemberID != 0:
		return bot.Reply{Text: "Already claimed by " + memberName(b.memberOr(ctx, q.ClaimerMemberID)) + " — thanks for jumping in!"}, nil
	default:
		return bot.Reply{Text: "This question was closed before anyone took it."}, nil
	}
}

// memberOr returns a member for display, or a placeholder if it cannot be
// read (the reply is still right; only the name is missing).
func (b *Ask) memberOr(ctx context.Context, id int64) *member.Member {
	m, err := b.DB.MemberGet(ctx, b.DB, id)
	if err != nil {
		return &member.Member{ID: id, Name: "someone"}
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
		return bot.Reply{Text: "Only the person who asked or the super-user who took it can mark it resolved."}, nil
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
			return b.notify(ctx, tx, v.q.WorkspaceID, v.claimer.ID, &bot.Card{
				Body: fmt.Sprintf("✅ %s marked “%s” resolved. Thanks for helping! Tag it on the question so trainers see what people ask about.",
					memberName(v.asker), snippet(v.q.Text))})
		}
		return b.notify(ctx, tx, v.q.WorkspaceID, v.asker.ID, &bot.Card{
			Body:    fmt.Sprintf("✅ %s marked your question “%s” resolved. How helpful was the help?", memberName(v.claimer), snippet(v.q.Text)),
			Actions: ratingActions(v.q.ID), Context: ratingHint,
		})
	})
	if err != nil {
		return bot.Reply{}, err
	}
	switch {
	case !done:
		return bot.Reply{Text: "This question is already resolved."}, nil
	case v.claimer == nil:
		return bot.Reply{Text: "✅ Closed — glad you found the answer."}, nil
	case me.ID == v.asker.ID:
		return bot.Reply{Text: "✅ Resolved. Please rate the help (1–5) on your question."}, nil
	default:
		return bot.Reply{Text: "✅ Resolved — thanks! " + memberName(v.asker) + " can rate the help. Please tag the question for the trainers."}, nil
	}
}

const ratingHint = "1 = didn't help · 5 = solved it"

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
		return bot.Reply{Text: "Only the person who asked can rate the help."}, nil
	}
	if q.ClaimerMemberID == 0 {
		return bot.Reply{Text: "Nobody took this question, so there's no help to rate."}, nil
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
		return b.notify(ctx, tx, q.WorkspaceID, q.ClaimerMemberID, &bot.Card{
			Body: fmt.Sprintf("⭐ %s rated your help with “%s” %d/5. Thank you for being a super-user!", memberName(v.asker), snippet(q.Text), n)})
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
			return bot.Reply{Text: "Mark the question resolved first, then rate the help."}, nil
		}
		return bot.Reply{Text: fmt.Sprintf("You already rated this one %d/5 — only the first rating counts.", q.Rating)}, nil
	}
	return bot.Reply{Text: fmt.Sprintf("Thanks — you rated the help %d/5.", n)}, nil
}

// supportTagClick: "stag:QID" with a content tag as the value, by the
// claimer; choosing a tag again removes it.
func (b *Ask) supportTagClick(ctx context.Context, r *bot.Req, args []string, value string) (bot.Reply, error) {
	q, err := b.supportQuestion(ctx, r, args)
	if err != nil {
		return bot.Reply{}, err
	}
	if r.Member.ID != q.ClaimerMemberID {
		return bot.Reply{Text: "Only the super-user who took the question can tag it."}, nil
	}
	if !slices.Contains(b.Content().Tags(), value) {
		return bot.Reply{Text: fmt.Sprintf("%q is not one of the content tags.", value)}, nil
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
		return bot.Reply{Text: "Tag removed; the question has no tags now."}, nil
	}
	return bot.Reply{Text: "Tagged: " + strings.Join(tags, ", ") + ". Trainers see questions by tag in the support report."}, nil
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
		return 0, bot.UserErr("Only the person who asked and the super-user who took the question can reply.")
	case q.Status == store.SupportResolved:
		return 0, bot.UserErr("This question is resolved. Ask a new one with /ask.")
	case q.ClaimerMemberID == 0:
		return 0, bot.UserErr("Nobody has taken this question yet — you can reply once someone does.")
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
	name := memberName(b.memberOr(ctx, other))
	f := &bot.Form{ID: fmt.Sprintf("sreply:%d", q.ID), Title: "Reply to " + name, Label: "Your message to " + name,
		Placeholder: "No patient details, please.", Submit: "Send"}
	return b.ShowForm(ctx, r, f, "Your reply to "+name+":")
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
		return bot.Reply{Text: "That was empty, so nothing was sent."}, nil
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
		c := &bot.Card{Title: "💬 " + memberLabel(me), Body: clean, Context: "About “" + snippet(q.Text) + "”",
			Actions: []bot.Action{replyAction(q.ID), resolveAction(q.ID)}}
		return b.notify(ctx, tx, q.WorkspaceID, other, c)
	})
	if err != nil {
		return bot.Reply{}, err
	}
	msg := "Sent to " + memberName(to) + "."
	if n := redact.Notice(kinds); n != "" {
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
		return b.notify(ctx, tx, q.WorkspaceID, q.AskerMemberID, &bot.Card{
			Body:    b.routeText(q.Department, d, false),
			Context: "Your question: “" + snippet(q.Text) + "”",
		})
	})
}

// routeText tells the asker where their question went and why.
func (b *Ask) routeText(dept string, d support.Decision, first bool) string {
	to := helperNames(d.To, dept)
	helpdesk := "the helpdesk channel (" + b.Config.HelpdeskChannel + ")"
	switch d.Reason {
	case support.ReasonDepartment:
		return fmt.Sprintf("Sent to %s, on duty on %s.", to, dept)
	case support.ReasonNoneOnDuty:
		if dept == "" {
			return "Sent to " + to + ", on duty now. (Tell me your unit with /learn join ROLE DEPARTMENT and questions go to its super-users first.)"
		}
		return fmt.Sprintf("No one on %s is on duty right now — sent to %s instead.", dept, to)
	case support.ReasonUnclaimed:
		return fmt.Sprintf("No one on %s has taken your question yet — it now went to %s as well.", bot.DeptName(dept), to)
	case support.ReasonHelpdesk:
		if first {
			return "No super-user is on duty right now — sent to " + helpdesk + "."
		}
		return "No super-user has taken your question yet — sent to " + helpdesk + "."
	case support.ReasonNoHelpdesk:
		s := "No super-user has taken your question yet"
		if first {
			s = "No super-user is on duty right now"
		}
		s += ", and no helpdesk channel is set up, so it stays open: the next super-user who comes on duty gets it."
		if len(d.To) > 0 {
			s += " It went to " + to + " just now."
		}
		return s
	case support.ReasonCameOnDuty:
		return to + " just came on duty and got your question."
	}
	return "Your question is still open."
}

// --- cards ---

func replyAction(qid int64) bot.Action {
	return bot.Action{ID: fmt.Sprintf("sreply:%d", qid), Label: "Reply", Style: "primary"}
}

func resolveAction(qid int64) bot.Action {
	return bot.Action{ID: fmt.Sprintf("resolve:%d", qid), Label: "Resolved"}
}

func ratingActions(qid int64) []bot.Action {
	out := make([]bot.Action, 5)
	for i := range out {
		out[i] = bot.Action{ID: fmt.Sprintf("srate:%d:%d", qid, i+1), Label: strconv.Itoa(i + 1)}
	}
	return out
}

// tagSelect offers the content tags (the chosen ones first) to the claimer.
func (b *Ask) tagSelect(qid int64, chosen []string) *bot.Select {
	all := b.Content().Tags()
	if len(all) == 0 {
		return nil
	}
	s := &bot.Select{ID: fmt.Sprintf("stag:%d", qid), Placeholder: "Tag it for the trainers"}
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

// askerCard is the asker's own copy of the question, with its status.
func (b *Ask) askerCard(v *supportView) *bot.Card {
	q := v.q
	c := &bot.Card{Title: "❓ Your question", Body: q.Text}
	switch {
	case q.Status == store.SupportResolved && v.claimer == nil:
		c.Result = "✅ Closed."
	case q.Status == store.SupportResolved && q.Rating > 0:
		c.Result = fmt.Sprintf("✅ Resolved with %s · you rated the help %d/5. Thanks!", memberName(v.claimer), q.Rating)
	case q.Status == store.SupportResolved:
		c.Result = fmt.Sprintf("✅ Resolved with %s. How helpful was it?", memberName(v.claimer))
		c.Actions, c.Context = ratingActions(q.ID), ratingHint
	case v.claimer != nil:
		c.Result = "🙋 " + memberLabel(v.claimer) + " is on it."
		c.Actions = []bot.Action{replyAction(q.ID), resolveAction(q.ID)}
	default:
		c.Result = "⏳ " + b.waitingText(v)
		c.Actions = []bot.Action{{ID: fmt.Sprintf("resolve:%d", q.ID), Label: "Solved it myself"}}
	}
	return c
}

// waitingText says who an open question went to.
func (b *Ask) waitingText(v *supportView) string {
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
		names = append(names, "the helpdesk channel")
	}
	if len(names) == 0 {
		return "No super-user is on duty right now; the first one who comes on duty gets it."
	}
	return "Sent to " + joinNames(names) + ". Waiting for someone to take it."
}

// helperCard is the copy a super-user got: "I'll take it" while open, the
// conversation tools for the claimer, "Claimed by …" for everyone else.
func (b *Ask) helperCard(v *supportView, viewer int64) *bot.Card {
	q := v.q
	c := &bot.Card{Title: "🙋 Question from " + memberLabel(v.asker), Body: q.Text}
	switch {
	case v.claimer != nil && v.claimer.ID == viewer:
		c.Result = "✋ You took it."
		if q.Status == store.SupportResolved {
			c.Result = "✅ Resolved."
			if q.Rating > 0 {
				c.Result = fmt.Sprintf("✅ Resolved · rated %d/5.", q.Rating)
			}
		} else {
			c.Actions = []bot.Action{replyAction(q.ID), resolveAction(q.ID)}
		}
		c.Select = b.tagSelect(q.ID, q.Tags)
		c.Context = "Tag it so trainers see what people ask about."
		if len(q.Tags) > 0 {
			c.Context = "Tags: " + strings.Join(q.Tags, ", ")
		}
	case v.claimer != nil:
		c.Result = "Claimed by " + memberName(v.claimer) + "."
		if q.Status == store.SupportResolved {
			c.Result += " Resolved."
		}
	case q.Status == store.SupportResolved:
		c.Result = "Closed — " + memberName(v.asker) + " found the answer."
	default:
		c.Actions = []bot.Action{{ID: fmt.Sprintf("claim:%d", q.ID), Label: "I'll take it", Style: "primary"}}
		c.Context = "The first to take it gets it."
		if q.Level > support.LevelDepartment {
			c.Context = "Nobody on " + bot.DeptName(q.Department) + " could take it. " + c.Context
		}
	}
	return c
}

// helpdeskCard is the post in the helpdesk channel.
func (b *Ask) helpdeskCard(v *supportView) *bot.Card {
	q := v.q
	c := &bot.Card{Title: "🆘 Question from " + memberLabel(v.asker), Body: q.Text,
		Context: "No super-user could take it. Anyone here can."}
	switch {
	case v.claimer != nil:
		c.Result = "Claimed by " + memberName(v.claimer) + "."
		if q.Status == store.SupportResolved {
			c.Result += " Resolved."
		}
		c.Context = ""
	case q.Status == store.SupportResolved:
		c.Result, c.Context = "Closed by the asker.", ""
	default:
		c.Actions = []bot.Action{{ID: fmt.Sprintf("claim:%d", q.ID), Label: "I'll take it", Style: "primary"}}
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
func helperNames(hs []support.Helper, home string) string {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
		if h.Department != home && h.Department != "" {
			names[i] = fmt.Sprintf("%s (%s)", h.Name, h.Department)
		}
	}
	return joinNames(names)
}

// joinNames is "A", "A and B" or "A, B and C".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "nobody"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
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
