package teams

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// replayTimeout bounds the replay check; a slow database lets the activity
// through (the core's own idempotency still holds).
const replayTimeout = 500 * time.Millisecond

// Handler serves POST /teams/messages, the bot's messaging endpoint. Only
// activities whose bearer token passes the Verifier get past Gate (401,
// 403, 400 otherwise; see Gate). Then: a message in the 1:1 chat, or one
// that @mentions the bot in a channel, is a command, answered in the 1:1
// chat; an adaptiveCard/action invoke is a click, answered with 200 and
// the updated card (or a message) in the invoke response once the core
// committed it; installationUpdate and conversationUpdate keep the
// conversation references for proactive messages. An activity id seen
// before changes nothing.
func (a *Adapter) Handler() http.Handler { return a.verify.Gate(a.log, a.serveActivity) }

func (a *Adapter) serveActivity(w http.ResponseWriter, r *http.Request, act *Activity) {
	ctx := r.Context()
	actor, err := act.actor()
	if err != nil {
		if act.Type == "invoke" || act.Type == "message" {
			http.Error(w, "malformed activity: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK) // typing, deletes, reactions without a sender: nothing to do
		return
	}
	if act.Type == "invoke" {
		select {
		case a.invokes <- struct{}{}:
		case <-ctx.Done():
			return
		}
		release := sync.OnceFunc(func() { <-a.invokes })
		defer release()
		ctx = context.WithValue(ctx, slotKey{}, release)
	}
	// A click's invoke is recorded as seen by the core, in the statement
	// that queues a quiz answer (click); everything else here.
	clickInvoke := act.Type == "invoke" && act.Name == "adaptiveCard/action"
	if act.ID != "" && !clickInvoke && a.seen(ctx, act.Conversation.ID+"/"+act.ID) {
		if act.Type == "invoke" {
			actor, _ := act.actor()
			writeInvoke(w, invokeMessage(a.bot.ActorLocalizer(ctx, actor).T("teams.already_recorded", nil)))
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	switch act.Type {
	case "message":
		if v, ok := submitAction(act); ok {
			a.click(ctx, act, actor, v, false)
			w.WriteHeader(http.StatusOK)
			return
		}
		a.command(ctx, act, actor)
		w.WriteHeader(http.StatusOK)
	case "invoke":
		if act.Name != "adaptiveCard/action" {
			writeInvoke(w, map[string]any{"statusCode": http.StatusNotImplemented, "type": "application/vnd.microsoft.error",
				"value": map[string]string{"code": "NotImplemented", "message": "huddlebot answers adaptiveCard/action only"}})
			return
		}
		v, err := invokeAction(act)
		if err != nil {
			writeInvoke(w, map[string]any{"statusCode": http.StatusBadRequest, "type": "application/vnd.microsoft.error",
				"value": map[string]string{"code": "BadRequest", "message": err.Error()}})
			return
		}
		writeInvoke(w, a.click(ctx, act, actor, v, true))
	case "installationUpdate":
		if act.Action == "add" || act.Action == "add-upgrade" {
			a.keep(ctx, act, actor)
		}
		if act.Action == "add" && act.personal() {
			// The welcome is the home card (what Slack's App Home shows),
			// sent before the 200 so it is the first thing in the chat.
			wctx, cancel := context.WithTimeout(ctx, welcomeTimeout)
			a.send(wctx, act, a.homeActivity(wctx, actor))
			cancel()
		}
		w.WriteHeader(http.StatusOK)
	case "conversationUpdate":
		for _, m := range act.MembersAdded {
			if act.Recipient != nil && m.ID == act.Recipient.ID {
				// The bot joined: keep the references of whoever added it.
				a.keep(ctx, act, actor)
				continue
			}
			if act.personal() {
				who := actor
				who.UserID, who.UserName, who.Alias = m.ID, m.Name, m.AADObjectID
				who.Refs.Member = encodeRef(memberRef{ConversationID: act.Conversation.ID, UserID: m.ID, AADObjectID: m.AADObjectID})
				a.keep(ctx, act, who)
			}
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// keep stores the references an installation or membership carries.
func (a *Adapter) keep(ctx context.Context, act *Activity, actor bot.Actor) {
	if err := a.bot.KeepRefs(ctx, actor, act.channel()); err != nil {
		a.log.WarnContext(ctx, "teams: cannot keep the conversation reference", "type", act.Type, "err", err)
	}
}

// seen records the activity and reports whether it was recorded before.
func (a *Adapter) seen(ctx context.Context, id string) bool {
	ctx, cancel := context.WithTimeout(ctx, replayTimeout)
	defer cancel()
	dup, err := a.bot.SeenEvent(ctx, Platform, "activity:"+id)
	if err != nil {
		a.log.WarnContext(ctx, "teams: replay check skipped", "err", err)
		return false
	}
	return dup
}

// command runs a message as a command. The core's answer goes to the
// person's 1:1 chat (a channel has no message only one person sees); a slow
// command answers "Working on it" first.
func (a *Adapter) command(ctx context.Context, act *Activity, actor bot.Actor) {
	name, text, ok := commandText(act)
	if !ok {
		return
	}
	if name == "home" && text == "" || name == "learn" && strings.EqualFold(text, "home") {
		a.spawn(func() {
			ctx := context.WithoutCancel(ctx)
			a.send(ctx, act, a.homeActivity(ctx, actor))
		})
		return
	}
	cmd := bot.Command{Actor: actor, Channel: act.channel(), Name: name, Text: text}
	a.run(ctx, act, func(ctx context.Context) bot.Reply { return a.bot.HandleCommand(ctx, cmd) })
}

// langOf says, when a request is deferred, the language of the person who
// sent act (their member's, else the workspace default).
func (a *Adapter) langOf(act *Activity) func(context.Context) string {
	return func(ctx context.Context) string {
		actor, _ := act.actor()
		return a.bot.ActorLang(ctx, actor)
	}
}

// run does work under bot.Defer and sends its reply to the actor's 1:1
// chat after the request, the interim "Working on it" first when it is
// slow.
func (a *Adapter) run(ctx context.Context, act *Activity, work func(ctx context.Context) bot.Reply) {
	interim := make(chan struct{})
	rep, _ := a.bot.Defer(ctx, bot.Deferral{
		After:  a.opts.DeferAfter,
		Budget: defaultWorkBudget,
		Go:     a.spawn,
		FollowUp: func(ctx context.Context, rep bot.Reply) {
			<-interim
			a.reply(ctx, act, rep)
		},
		Lang: a.langOf(act),
	}, work)
	if !a.spawn(func() {
		defer close(interim)
		a.reply(context.WithoutCancel(ctx), act, rep)
	}) {
		close(interim)
	}
}

// spawn runs fn in the background under the adapter's lifecycle.
func (a *Adapter) spawn(fn func()) bool {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn()
	}()
	return true
}

// reply sends rep to the 1:1 chat of the activity's sender: its text, its
// card, or its form as a card with a text input.
func (a *Adapter) reply(ctx context.Context, act *Activity, rep bot.Reply) {
	var out *Activity
	switch {
	case rep.Form != nil:
		out = &Activity{Type: "message", Attachments: []Attachment{attachment(renderForm(rep.Form, ""))}, Summary: truncate(rep.Form.Title, 120)}
	case rep.Card != nil:
		out = cardActivity(rep.Card)
	case rep.Text != "":
		out = cardActivity(&bot.Card{Body: rep.Text})
	default:
		return
	}
	a.send(ctx, act, out)
}

// send posts out to the 1:1 chat of the activity's sender, opening it from
// a channel, retrying a few times when Teams asks to slow down or fails.
func (a *Adapter) send(ctx context.Context, act *Activity, out *Activity) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conv := act.Conversation.ID
	if !act.personal() {
		c, err := a.client.CreatePersonal(ctx, act.ServiceURL, act.tenant(), act.From.ID)
		if err != nil {
			a.log.WarnContext(ctx, "teams: cannot open the 1:1 chat for a reply", "err", err)
			return
		}
		conv = c
	}
	// The answer is not a delivery job: it is retried here, a few times,
	// when Teams asks to slow down or fails on its side (a 5xx that did
	// post it shows the answer twice, better than not at all).
	for attempt := 1; ; attempt++ {
		_, err := a.client.Send(ctx, act.ServiceURL, conv, out)
		if err == nil {
			return
		}
		var rle *bot.RateLimitError
		var ce *ConnectorError
		wait := time.Duration(0)
		switch {
		case errors.As(err, &rle):
			wait = rle.RetryAfter
		case errors.As(err, &ce) && ce.Status >= 500:
			wait = time.Duration(attempt) * 500 * time.Millisecond
		}
		if wait > 0 && attempt < 6 && bot.Sleep(ctx, wait) == nil {
			continue
		}
		a.log.WarnContext(ctx, "teams: reply not delivered", "err", err)
		return
	}
}

// click runs a button press: from an invoke (Action.Execute), answered
// with the invoke response this returns, or from an Action.Submit message
// (invoke false), whose card changes by an edit. A form's submit button
// (verb hbform:…) is a submission.
func (a *Adapter) click(ctx context.Context, act *Activity, actor bot.Actor, v actionValue, invoke bool) map[string]any {
	replayed := func() map[string]any {
		return invokeMessage(a.bot.ActorLocalizer(ctx, actor).T("teams.already_recorded", nil))
	}
	var seen string // an invoke's event id, for the core to record (bot.Click.Seen)
	if invoke && act.ID != "" {
		seen = "activity:" + act.Conversation.ID + "/" + act.ID
	}
	if formID, ok := strings.CutPrefix(v.id, formVerbPrefix); ok {
		if seen != "" && a.seen(ctx, act.Conversation.ID+"/"+act.ID) {
			return replayed()
		}
		return a.submitForm(ctx, act, actor, v, formID, invoke)
	}
	// An invoke's quiz answer goes through the answer inbox (Queue): one
	// checked INSERT, then the applier records it with others in one
	// transaction and hands the answered card to the waiting invoke
	// through its hook — committed before the response, and many answers
	// a second on two cores where one transaction each is not.
	c := bot.Click{Actor: actor, Channel: act.channel(), ActionID: v.id, PostedID: act.ReplyToID, Queue: invoke, Seen: seen}
	if sel := v.value(v.id); sel != "" {
		c.Value = sel // a menu's choice, keyed by the menu's id
	}
	var h hook
	var ch chan hookReply
	if act.ReplyToID != "" {
		if invoke {
			h, ch = a.newHook(act.ServiceURL, act.Conversation.ID, act.ReplyToID)
			defer a.closeHook(h)
		} else {
			h = hook{Key: "-", ServiceURL: act.ServiceURL, Conv: act.Conversation.ID, ActivityID: act.ReplyToID,
				Expires: a.opts.Now().Add(hookLife).Unix()}
		}
		c.ResponseURL = h.String()
	}
	if !invoke {
		a.run(ctx, act, func(ctx context.Context) bot.Reply { return a.bot.HandleClick(ctx, c) })
		return nil
	}
	rep, deferred := a.bot.Defer(ctx, bot.Deferral{
		After: a.opts.DeferAfter, Budget: defaultWorkBudget, Go: a.spawn,
		FollowUp: func(ctx context.Context, rep bot.Reply) {
			if !rep.Replayed {
				a.reply(ctx, act, rep)
			}
		},
		Lang: a.langOf(act),
	}, func(ctx context.Context) bot.Reply { return a.bot.HandleClick(ctx, c) })
	if deferred {
		return invokeMessage(rep.Text) // "Working on it", in the person's language
	}
	if rep.Replayed {
		return replayed()
	}
	if _, onHome := v.data[homeKey]; onHome && rep.Card == nil && rep.Form == nil {
		// A button of the home card: the answer is the home card again,
		// as it now stands, with the click's reply on it (Slack
		// republishes its App Home the same way).
		if h, err := a.homeCard(ctx, actor); err == nil {
			return map[string]any{"statusCode": http.StatusOK, "type": cardContentType, "value": homeMarked(renderNoted(h, rep.Text))}
		}
	}
	return a.invokeAnswer(ctx, act, rep, ch)
}

// welcomeTimeout bounds sending the welcome of an installation, which the
// installation's request waits for.
const welcomeTimeout = 5 * time.Second

// homeKey marks, in a button's data, a button of the home card.
const homeKey = "hbhome"

// homeCard is the person's home view — learn's, as Slack's App Home shows
// it: streak, accuracy, next delivery and settings buttons, or before they
// joined a welcome with a role menu. It keeps the references the activity
// carries, as a command would.
func (a *Adapter) homeCard(ctx context.Context, actor bot.Actor) (*bot.Card, error) {
	if err := a.bot.KeepRefs(ctx, actor, "dm"); err != nil {
		return nil, err
	}
	ws, m, err := a.bot.Resolve(ctx, actor)
	if err != nil {
		return nil, err
	}
	return a.bot.HomeCard(ctx, &bot.Req{Actor: actor, Workspace: ws, Member: m, Channel: "dm"})
}

// homeActivity is the home card as a message, its buttons marked as the
// home card's (a press answers with the home card again), or an apology.
func (a *Adapter) homeActivity(ctx context.Context, actor bot.Actor) *Activity {
	c, err := a.homeCard(ctx, actor)
	if err != nil {
		a.log.WarnContext(ctx, "teams: home card", "err", err)
		return cardActivity(&bot.Card{Body: a.bot.ActorLocalizer(ctx, actor).T("teams.home_failed", nil)})
	}
	act := cardActivity(c)
	act.Attachments = []Attachment{attachment(homeMarked(renderCard(c)))}
	return act
}

// homeMarked marks every button of c as a button of the home card.
func homeMarked(c card) card {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, _ := x["type"].(string); t == "Action.Execute" || t == "Action.Submit" {
				if d, ok := x["data"].(map[string]any); ok {
					d[homeKey] = true
				}
			}
			for _, e := range x {
				walk(e)
			}
		case card:
			walk(map[string]any(x))
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(c)
	return c
}

// invokeAnswer is the invoke response for a handled click: the card the
// core is showing through the click's hook (rep.Confirming; waited for
// briefly) — with the reply's text on it in a 1:1 chat, the text sent to
// the clicker's 1:1 chat from a channel —, else the reply's text as a
// message; a reply card or form goes to the 1:1 chat.
func (a *Adapter) invokeAnswer(ctx context.Context, act *Activity, rep bot.Reply, ch chan hookReply) map[string]any {
	if release, ok := ctx.Value(slotKey{}).(func()); ok {
		release() // waiting for the card is not database work
	}
	var hr hookReply
	if ch != nil && rep.Confirming {
		select {
		case hr = <-ch:
		case <-time.After(hookWait):
		case <-ctx.Done():
		}
	}
	if rep.Card != nil || rep.Form != nil {
		extra := rep
		extra.Text = ""
		a.spawn(func() { a.reply(context.WithoutCancel(ctx), act, extra) })
	}
	text := rep.Text
	if text == "" {
		text = hr.text
	}
	if hr.card != nil {
		// An invoke answers with a card or a message, not both: in the
		// 1:1 chat the reply goes on the card (only its owner sees it);
		// in a channel, where the card is everyone's, to the clicker's
		// 1:1 chat.
		note := ""
		if text != "" && act.personal() {
			note = text
		} else if text != "" {
			a.spawn(func() { a.reply(context.WithoutCancel(ctx), act, bot.Reply{Text: text}) })
		}
		return map[string]any{"statusCode": http.StatusOK, "type": cardContentType, "value": renderNoted(hr.card, note)}
	}
	return invokeMessage(text)
}

// slotKey is the context key of an invoke's release of its slot.
type slotKey struct{}

func invokeMessage(text string) map[string]any {
	return map[string]any{"statusCode": http.StatusOK, "type": "application/vnd.microsoft.activity.message", "value": text}
}

func writeInvoke(w http.ResponseWriter, v map[string]any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// maxFormText is the most text a form takes whole (learn keeps 3,000
// bytes of feedback); longer text comes back to be shortened rather than
// being cut.
const maxFormText = 3000

// maxFormEcho bounds the text a form shows again, to keep the card under
// Teams' message size.
const maxFormEcho = 16 * 1024

// formKey holds, in the submit button's data, what the form needs to be
// shown again (its title, label, placeholder and button).
const formKey = "hbform"

// renderForm is a form as a card: its title, note (why it came back, or
// the reply's text), a multi-line text input holding f.Value, and a submit
// button whose verb names the form and whose data carries the form, so a
// submission can be given back as it was. What Teams checks in the client
// (text typed before sending) and a missing button name are said in the
// form's language.
func renderForm(f *bot.Form, note string) card {
	l := i18n.For(f.Lang)
	submit := f.Submit
	if submit == "" {
		submit = l.T("form.send", nil)
	}
	c := buildCard(&bot.Card{Title: f.Title}, map[string]int{"body": 0}, "")
	body := c["body"].([]any)
	if note != "" {
		s, _ := teamsText(cutMarkdown(note, maxNoteRunes))
		body = append(body, map[string]any{"type": "TextBlock", "text": s, "wrap": true, "color": "Attention"})
	}
	if f.Label != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": plainMarkdown(f.Label), "wrap": true})
	}
	value := f.Value
	if len(value) > maxFormEcho {
		value = strings.ToValidUTF8(value[:maxFormEcho], "")
	}
	body = append(body, map[string]any{"type": "Input.Text", "id": formInputID, "isMultiline": true, "value": value,
		"isRequired": true, "errorMessage": l.T("teams.form_empty", nil),
		"placeholder": plainMarkdown(truncate(f.Placeholder, maxChoiceTitle)), "label": plainMarkdown(truncate(f.Label, maxChoiceTitle))})
	btn := execute(bot.Action{ID: formVerbPrefix + f.ID, Style: "primary"}, submit)
	btn["data"].(map[string]any)[formKey] = map[string]string{"title": f.Title, "label": f.Label, "placeholder": f.Placeholder,
		"submit": f.Submit, "lang": f.Lang}
	body = append(body, map[string]any{"type": "ActionSet", "actions": []any{btn}})
	c["body"] = body
	return c
}

// formOf is the form a submission came from, as its button's data carries
// it (a form without it — a card from before — comes back bare).
func formOf(v actionValue, id string) *bot.Form {
	f := &bot.Form{ID: id}
	if m, ok := v.data[formKey].(map[string]any); ok {
		str := func(k string) string { s, _ := m[k].(string); return s }
		f.Title, f.Label, f.Placeholder, f.Submit, f.Lang = str("title"), str("label"), str("placeholder"), str("submit"), str("lang")
	}
	return f
}

// formProblem is why text cannot be taken as it is, in l's language; ""
// when it can.
func formProblem(l *i18n.Localizer, text string) string {
	switch {
	case strings.TrimSpace(text) == "":
		return l.T("teams.form_empty", nil)
	case len(text) > maxFormText:
		return l.T("teams.form_too_long", i18n.Data{"Length": utf8.RuneCountInString(text), "Limit": maxFormText})
	}
	return ""
}

// submitForm takes a filled-in form. Text that cannot be taken (empty,
// too long), or a submission the core refused or failed to store
// (bot.Reply.Failed), gives the form back with what the person typed and
// why; a taken one, committed first, turns the form into a card saying it
// was sent, so the same form cannot be sent twice. From an invoke that
// card is the invoke's answer; from the Action.Submit fallback it is a new
// message in the 1:1 chat.
func (a *Adapter) submitForm(ctx context.Context, act *Activity, actor bot.Actor, v actionValue, formID string, invoke bool) map[string]any {
	f := formOf(v, formID)
	f.Value = v.value(formInputID)
	take := func(ctx context.Context) (card, bot.Reply) {
		l := a.bot.ActorLocalizer(ctx, actor) // the person's language now (a form from before says none)
		f.Lang = l.Lang()
		if why := formProblem(l, f.Value); why != "" {
			return renderForm(f, why), bot.Reply{}
		}
		rep := a.bot.HandleSubmit(ctx, bot.Submission{Actor: actor, FormID: formID, Text: f.Value})
		if rep.Lang != "" {
			f.Lang, l = rep.Lang, i18n.For(rep.Lang)
		}
		if rep.Failed {
			return renderForm(f, rep.Text), bot.Reply{}
		}
		title := f.Title
		if title == "" {
			title = l.T("form.sent_title", nil)
		}
		extra := rep
		extra.Text = ""
		return renderNoted(&bot.Card{Title: title, Result: l.T("form.sent", nil), Lang: l.Lang()}, rep.Text), extra
	}
	if !invoke {
		a.spawn(func() {
			ctx := context.WithoutCancel(ctx)
			c, extra := take(ctx)
			a.send(ctx, act, &Activity{Type: "message", Attachments: []Attachment{attachment(c)}, Summary: truncate(f.Title, 120)})
			a.reply(ctx, act, extra)
		})
		return nil
	}
	c, extra := take(ctx)
	if extra.Card != nil || extra.Form != nil {
		a.spawn(func() { a.reply(context.WithoutCancel(ctx), act, extra) })
	}
	return map[string]any{"statusCode": http.StatusOK, "type": cardContentType, "value": c}
}
