package discord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

var (
	errReplay = errors.New("interaction already handled")
	pong      = &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}
)

// respond runs the core for one interaction and returns the initial
// response, shared by the HTTP endpoint and the gateway. Discord wants that
// response within 3 s, so when the core takes longer than DeferAfter the
// answer is a deferred, ephemeral "thinking…" and the result follows as an
// edit of it. The caller must call sent once the initial response has gone
// out (true) or could not be sent (false): the follow-up waits for it, so
// the edit never overtakes the deferral.
//
// Errors: a payload that cannot be converted (400 over HTTP), or errReplay
// for an interaction id seen before (409). A well-formed command the bot
// cannot parse (usageError) is not an error: it gets an ephemeral usage
// reply.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func(ok bool), error) {
	noop := func(bool) {}
	if i.Type == discordgo.InteractionPing {
		return pong, noop, nil
	}
	ev, err := convert(i)
	var usage *usageError
	if err != nil && !errors.As(err, &usage) {
		return nil, noop, err
	}
	if i.ID != "" && a.seen(ctx, i.ID) {
		return nil, noop, errReplay
	}
	if usage != nil {
		actor, _ := actorOf(i)
		l := a.bot.ActorLocalizer(ctx, actor)
		return replyResponse(bot.Reply{Text: usage.in(l), Lang: l.Lang()}, i.Type), noop, nil
	}
	// The core defers a slow answer (bot.Defer); Discord's interim answer
	// is a deferred, ephemeral "thinking…", and the follow-up edits it.
	ack := make(chan bool, 1)
	rep, deferred := a.bot.Defer(ctx, bot.Deferral{
		After:  a.opts.DeferAfter,
		Budget: defaultWorkTimeout,
		Go: func(fn func()) bool {
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				fn()
			}()
			return true
		},
		FollowUp: func(_ context.Context, rep bot.Reply) { a.followUp(i, rep, ack) },
	}, func(ctx context.Context) bot.Reply { return a.run(ctx, ev) })
	if !deferred {
		return replyResponse(rep, i.Type), noop, nil
	}
	deferral := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}
	return deferral, func(ok bool) { ack <- ok }, nil
}

// seen records the interaction id and reports whether it was recorded
// before (a replayed request). It gives up quickly and lets the
// interaction through when the database is slow: the core's own
// idempotency (one answer per delivery) still holds.
func (a *Adapter) seen(ctx context.Context, id string) bool {
	ctx, cancel := context.WithTimeout(ctx, defaultReplayTimeout)
	defer cancel()
	dup, err := a.bot.SeenEvent(ctx, Platform, "interaction:"+id)
	if err != nil {
		a.log.WarnContext(ctx, "discord: replay check skipped", "interaction", id, "err", err)
		return false
	}
	return dup
}

// run hands the neutral event to the core.
func (a *Adapter) run(ctx context.Context, ev event) bot.Reply {
	if act := ev.actor(); act.Workspace == "" {
		act.Workspace = a.dmWorkspace(ctx, act.UserID)
	}
	switch ev.kind {
	case evCommand:
		return a.bot.HandleCommand(ctx, ev.command)
	case evClick:
		return a.bot.HandleClick(ctx, ev.click)
	default:
		return a.bot.HandleSubmit(ctx, ev.submit)
	}
}

// followUp waits for the deferral to have gone out, then edits the
// deferred response with the core's reply (PATCH
// /webhooks/{app}/{token}/messages/@original). Discord may not know the
// deferral yet for a moment after we answered; unknown-message errors are
// retried briefly.
func (a *Adapter) followUp(i *discordgo.Interaction, rep bot.Reply, ack <-chan bool) {
	select {
	case ok := <-ack:
		if !ok {
			a.log.Warn("discord: deferral was not delivered; dropping the follow-up", "interaction", i.ID)
			return
		}
	case <-time.After(10 * time.Second):
		a.log.Warn("discord: deferral not confirmed; sending the follow-up anyway", "interaction", i.ID)
	}
	data := replyData(rep)
	if data.Content == "" && len(data.Embeds) == 0 {
		data.Content = i18n.For(rep.Lang).T("discord.done", nil)
	}
	edit := &discordgo.WebhookEdit{Content: &data.Content, AllowedMentions: data.AllowedMentions}
	if len(data.Embeds) > 0 {
		edit.Embeds = &data.Embeds
	}
	if len(data.Components) > 0 {
		edit.Components = &data.Components
	}
	// The interaction token lives 15 minutes; stay well inside it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		_, err := a.api.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx))
		if err == nil {
			return
		}
		var rl *discordgo.RateLimitError
		switch code := restCode(err); {
		case attempt >= 5:
		case errors.As(err, &rl) && rl.TooManyRequests != nil:
			wait = max(wait, rl.RetryAfter)
			if bot.Sleep(ctx, wait) == nil {
				continue
			}
		case code == codeUnknownMessage || code == codeUnknownWebhook || code == codeUnknownInteract:
			if bot.Sleep(ctx, wait) == nil {
				wait *= 2
				continue
			}
		}
		a.log.Error("discord: follow-up failed", "interaction", i.ID, "err", fmt.Errorf("edit original response: %w", err))
		return
	}
}
