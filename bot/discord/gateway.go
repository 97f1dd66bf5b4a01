package discord

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
)

// RunGateway connects to the Discord gateway and answers interactions that
// arrive over it until ctx ends. A failed first connection is retried with
// backoff (up to a minute apart); once connected, discordgo reconnects and
// resumes by itself. Use it when no Interactions Endpoint URL is set in the
// Developer Portal: Discord delivers interactions one way or the other.
func (a *Adapter) RunGateway(ctx context.Context) error {
	a.handler.Do(func() { a.session.AddHandler(a.InteractionCreate) })
	backoff := time.Second
	for {
		err := a.session.Open()
		if err == nil {
			break
		}
		if errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			break
		}
		a.log.Warn("discord gateway: connect failed", "err", err, "retry_in", backoff)
		if bot.Sleep(ctx, backoff) != nil {
			return nil
		}
		backoff = min(backoff*2, time.Minute)
	}
	a.log.Info("discord gateway connected")
	<-ctx.Done()
	return a.session.Close()
}

// InteractionCreate answers an interaction received over the gateway: the
// same conversion and core call as the HTTP endpoint, answered with
// InteractionRespond (POST /interactions/{id}/{token}/callback). It is a
// discordgo event handler.
func (a *Adapter) InteractionCreate(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), discordgo.InteractionDeadline)
	defer cancel()
	resp, sent, err := a.respond(ctx, ic.Interaction)
	if err != nil {
		sent(false)
		if !errors.Is(err, errReplay) {
			a.log.Warn("discord gateway: bad interaction", "type", int(ic.Type), "err", err)
		}
		return
	}
	err = a.api.InteractionRespond(ic.Interaction, resp, discordgo.WithContext(ctx))
	sent(err == nil)
	if err != nil {
		a.log.Error("discord gateway: respond to interaction", "interaction", ic.ID, "err", err)
	}
}
