package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"github.com/huddlebot/huddlebot/bot"
)

// errMalformed marks a payload that cannot be understood (HTTP 400).
var errMalformed = errors.New("malformed Slack payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// channelOf maps a Slack conversation id to the core's channel: DMs
// (D…) are "dm", anything else stays the platform id.
func channelOf(id string) string {
	if strings.HasPrefix(id, "D") {
		return "dm"
	}
	return id
}

// slashFromForm reads a slash command from its form-encoded body.
func slashFromForm(v url.Values) slack.SlashCommand {
	return slack.SlashCommand{
		Token: v.Get("token"), TeamID: v.Get("team_id"), TeamDomain: v.Get("team_domain"),
		EnterpriseID: v.Get("enterprise_id"), ChannelID: v.Get("channel_id"), ChannelName: v.Get("channel_name"),
		UserID: v.Get("user_id"), UserName: v.Get("user_name"), Command: v.Get("command"), Text: v.Get("text"),
		ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id"), APIAppID: v.Get("api_app_id"),
	}
}

// slackEntities undoes the escaping Slack applies to the text people type
// (& < > arrive as &amp; &lt; &gt;), in one pass so a typed "&lt;" stays
// as typed. What people type is stored as they typed it ("K < 3.5") and
// escaped again, as inert text, wherever it is shown.
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescapeText(s string) string { return slackEntities.Replace(s) }

// commandOf converts a slash command to the core's Command ("/learn join
// nurse" → Name "learn", Text "join nurse").
func commandOf(s slack.SlashCommand) (bot.Command, error) {
	if s.Command == "" || s.UserID == "" || s.TeamID == "" {
		return bot.Command{}, malformed("slash command without command, user_id or team_id")
	}
	return bot.Command{
		// user_name is Slack's deprecated handle, not a name: leave the name
		// to users.info at join.
		Actor:     bot.Actor{Platform: Platform, Workspace: s.TeamID, UserID: s.UserID},
		Channel:   channelOf(s.ChannelID),
		Name:      strings.TrimPrefix(s.Command, "/"),
		Text:      strings.TrimSpace(unescapeText(s.Text)),
		TriggerID: s.TriggerID,
	}, nil
}

// parseInteraction decodes an interactivity payload (the payload= form field
// or a Socket Mode interactive envelope).
func parseInteraction(raw []byte) (*slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return nil, malformed("interaction payload: %v", err)
	}
	if cb.Type == "" {
		return nil, malformed("interaction payload without type")
	}
	if cb.User.ID == "" || teamOf(&cb) == "" {
		return nil, malformed("interaction payload without user or team")
	}
	return &cb, nil
}

func teamOf(cb *slack.InteractionCallback) string {
	if cb.Team.ID != "" {
		return cb.Team.ID
	}
	return cb.User.TeamID
}

func actorOf(cb *slack.InteractionCallback) bot.Actor {
	return bot.Actor{Platform: Platform, Workspace: teamOf(cb), UserID: cb.User.ID}
}

// clickOf converts one block action to the core's Click: a button's
// action_id is the neutral Action.ID; a menu's action_id is the Select.ID
// with the chosen option as Value, except the answer menu that stands in for
// many choice buttons, whose options carry the choice's Action.ID.
func clickOf(cb *slack.InteractionCallback, act *slack.BlockAction) bot.Click {
	// Slack updates the card with chat.update after the acknowledgement
	// anyway, so a quiz answer can be queued (the answer inbox).
	c := bot.Click{Actor: actorOf(cb), ActionID: act.ActionID, TriggerID: cb.TriggerID, Queue: true, ResponseURL: cb.ResponseURL,
		PostedID: cb.Container.MessageTs}
	switch {
	case cb.Container.Type == "view" || cb.View.Type == slack.VTHomeTab:
		c.Channel = "" // App Home or a modal: no conversation
	case cb.Channel.ID != "":
		c.Channel = channelOf(cb.Channel.ID)
	default:
		c.Channel = channelOf(cb.Container.ChannelID)
	}
	if act.Type == slack.ActionType(slack.OptTypeStatic) || act.SelectedOption.Value != "" {
		if act.ActionID == choiceSelectID {
			c.ActionID = act.SelectedOption.Value
		} else {
			c.Value = act.SelectedOption.Value
		}
	}
	return c
}

// submissionOf converts a view_submission to the core's Submission: the
// modal's callback_id is the form id; the text is the form's input (or every
// text input, in block order, for a view we did not build).
func submissionOf(cb *slack.InteractionCallback) (bot.Submission, error) {
	if cb.View.CallbackID == "" {
		return bot.Submission{}, malformed("view_submission without callback_id")
	}
	s := bot.Submission{Actor: actorOf(cb), FormID: cb.View.CallbackID}
	if cb.View.State == nil {
		return s, nil
	}
	if v, ok := cb.View.State.Values[inputID][inputID]; ok {
		s.Text = v.Value
		return s, nil
	}
	var keys []string
	for k := range cb.View.State.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range cb.View.State.Values[k] {
			if v.Value != "" {
				parts = append(parts, v.Value)
			}
		}
	}
	s.Text = strings.Join(parts, "\n")
	return s, nil
}

// eventEnvelope is the outer Events API payload.
type eventEnvelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// innerEvent is the part of an Events API event the adapter reads.
type innerEvent struct {
	Type    string `json:"type"`
	User    string `json:"user"`
	Tab     string `json:"tab"`
	Channel string `json:"channel"`
}

func parseEnvelope(raw []byte) (*eventEnvelope, *innerEvent, error) {
	var env eventEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, nil, malformed("event: %v", err)
	}
	switch env.Type {
	case "url_verification":
		if env.Challenge == "" {
			return nil, nil, malformed("url_verification without challenge")
		}
		return &env, nil, nil
	case "event_callback":
		if env.EventID == "" || len(env.Event) == 0 {
			return nil, nil, malformed("event_callback without event_id or event")
		}
		var in innerEvent
		if err := json.Unmarshal(env.Event, &in); err != nil {
			return nil, nil, malformed("event: %v", err)
		}
		return &env, &in, nil
	case "":
		return nil, nil, malformed("event without type")
	}
	return &env, nil, nil
}
