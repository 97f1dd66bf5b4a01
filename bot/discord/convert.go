package discord

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// eventKind says which core entry point an interaction goes to.
type eventKind int

const (
	evCommand eventKind = iota + 1
	evClick
	evSubmit
)

// event is an interaction translated into the core's neutral terms. For an
// interaction in a DM the actor's Workspace is "": the adapter decides which
// guild the person belongs to (see Adapter.dmWorkspace).
type event struct {
	kind    eventKind
	command bot.Command
	click   bot.Click
	submit  bot.Submission
}

func (e *event) actor() *bot.Actor {
	switch e.kind {
	case evCommand:
		return &e.command.Actor
	case evClick:
		return &e.click.Actor
	default:
		return &e.submit.Actor
	}
}

var errNoUser = errors.New("interaction without a user")

// usageError is a well-formed interaction the bot cannot turn into a
// command (no subcommand, an option we do not define): the person gets the
// catalogue's message key, in their language, as an ephemeral reply instead
// of Discord's "This interaction failed".
type usageError struct {
	key  string
	data i18n.Data
}

func (e *usageError) Error() string { return e.in(i18n.For(i18n.Default)) }

// in says the usage reply in l's language, with the stale-command hint.
func (e *usageError) in(l *i18n.Localizer) string {
	return l.T(e.key, e.data) + " " + l.T("discord.stale_hint", nil)
}

// convert translates an APPLICATION_COMMAND, MESSAGE_COMPONENT or
// MODAL_SUBMIT interaction. It fails for other types and for payloads that
// lack what the type requires.
func convert(i *discordgo.Interaction) (event, error) {
	actor, err := actorOf(i)
	if err != nil {
		return event{}, err
	}
	channel := "dm"
	if i.GuildID != "" {
		channel = i.ChannelID
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok || data.Name == "" {
			return event{}, errors.New("application command without data")
		}
		name, text, err := commandText(data)
		if err != nil {
			return event{}, err
		}
		return event{kind: evCommand, command: bot.Command{Actor: actor, Channel: channel, Name: name, Text: text}}, nil
	case discordgo.InteractionMessageComponent:
		data, ok := i.Data.(discordgo.MessageComponentInteractionData)
		if !ok || data.CustomID == "" {
			return event{}, errors.New("component interaction without custom_id")
		}
		c := bot.Click{Actor: actor, Channel: channel, ActionID: data.CustomID}
		if len(data.Values) > 0 {
			if data.CustomID == choiceSelectID {
				c.ActionID = data.Values[0] // an answer chosen from the overflow menu
			} else {
				c.Value = data.Values[0]
			}
		}
		if c.ActionID == "" {
			return event{}, errors.New("component interaction without a choice")
		}
		return event{kind: evClick, click: c}, nil
	case discordgo.InteractionModalSubmit:
		data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
		if !ok || data.CustomID == "" {
			return event{}, errors.New("modal submission without custom_id")
		}
		return event{kind: evSubmit, submit: bot.Submission{Actor: actor, FormID: data.CustomID,
			Text: modalText(data.Components)}}, nil
	}
	return event{}, fmt.Errorf("unsupported interaction type %d", i.Type)
}

// actorOf finds who acted: member.user in a guild, user in a DM. The name
// is the server nickname, else the display name, else the username.
func actorOf(i *discordgo.Interaction) (bot.Actor, error) {
	var u *discordgo.User
	name := ""
	if i.Member != nil && i.Member.User != nil {
		u, name = i.Member.User, i.Member.Nick
	} else if i.User != nil {
		u = i.User
	}
	if u == nil || u.ID == "" {
		return bot.Actor{}, errNoUser
	}
	if name == "" {
		name = u.GlobalName
	}
	if name == "" {
		name = u.Username
	}
	// The interaction's locale is the person's client language (es-ES,
	// en-US): their language until they or a roster choose one.
	return bot.Actor{Platform: Platform, Workspace: i.GuildID, UserID: u.ID, UserName: name, Locale: string(i.Locale)}, nil
}

// modalText joins the values of a submitted modal's text inputs.
func modalText(comps []discordgo.MessageComponent) string {
	var parts []string
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch v := c.(type) {
			case *discordgo.ActionsRow:
				walk(v.Components)
			case discordgo.ActionsRow:
				walk(v.Components)
			case *discordgo.TextInput:
				parts = append(parts, v.Value)
			case discordgo.TextInput:
				parts = append(parts, v.Value)
			}
		}
	}
	walk(comps)
	return strings.TrimSpace(strings.Join(parts, "\n"))
}
