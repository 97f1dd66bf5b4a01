package teams

import (
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strings"

	"github.com/huddlebot/huddlebot/bot"
)

// formVerbPrefix marks the verb of a form's submit button; the rest is the
// form's id (bot.Form.ID).
const formVerbPrefix = "hbform:"

// formInputID is the id of a form's text input.
const formInputID = "text"

// channelData is the Teams part of an activity.
type channelData struct {
	TeamsChannelID string `json:"teamsChannelId"`
	TeamsTeamID    string `json:"teamsTeamId"`
	Tenant         struct {
		ID string `json:"id"`
	} `json:"tenant"`
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
}

func (act *Activity) channelData() channelData {
	var cd channelData
	if len(act.ChannelData) > 0 {
		_ = json.Unmarshal(act.ChannelData, &cd)
	}
	return cd
}

// tenant is the activity's Microsoft Entra tenant: the workspace.
func (act *Activity) tenant() string {
	if act.Conversation != nil && act.Conversation.TenantID != "" {
		return act.Conversation.TenantID
	}
	return act.channelData().Tenant.ID
}

// personal reports whether the activity is in a 1:1 chat with the bot.
func (act *Activity) personal() bool {
	return act.Conversation != nil && act.Conversation.ConversationType == "personal"
}

// channel is where the activity happened, as the core names it: "dm" for
// the 1:1 chat, else the channel's (or group chat's) conversation id
// without the thread's ";messageid=…".
func (act *Activity) channel() string {
	if act.personal() {
		return "dm"
	}
	if id := act.channelData().TeamsChannelID; id != "" {
		return id
	}
	id, _, _ := strings.Cut(act.Conversation.ID, ";")
	return id
}

var errNoActor = errors.New("activity without a sender, conversation or tenant")

// actor is who sent the activity, with the references it carries: the
// tenant's service URL, the person's 1:1 chat (in one), the channel (in a
// team).
func (act *Activity) actor() (bot.Actor, error) {
	if act.From == nil || act.From.ID == "" || act.Conversation == nil || act.Conversation.ID == "" || act.tenant() == "" {
		return bot.Actor{}, errNoActor
	}
	a := bot.Actor{Platform: Platform, Workspace: act.tenant(), UserID: act.From.ID, UserName: act.From.Name}
	// A roster imported with directory object ids (roster import
	// --platform teams) is matched on first contact.
	a.Alias = act.From.AADObjectID
	a.TimeZone = act.LocalTimezone
	if a.TimeZone == "" {
		// A client that does not set localTimezone still names its zone
		// in the clientInfo entity of a message (the locale is the
		// activity's own, below).
		a.TimeZone = act.clientTimeZone()
	}
	a.Locale = act.Locale
	a.Refs.Workspace = encodeRef(workspaceRef{ServiceURL: act.ServiceURL, TenantID: act.tenant()})
	if act.personal() {
		a.Refs.Member = encodeRef(memberRef{ConversationID: act.Conversation.ID, UserID: act.From.ID, AADObjectID: act.From.AADObjectID})
	} else if cd := act.channelData(); cd.TeamsChannelID != "" {
		team := cd.TeamsTeamID
		if team == "" {
			team = cd.Team.ID
		}
		a.Refs.Channel = encodeRef(channelRef{ConversationID: cd.TeamsChannelID, TeamID: team})
	}
	return a, nil
}

// clientTimeZone is the time zone of the clientInfo entity, if any
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/bot-basics:
// {"type": "clientInfo", "locale", "country", "platform", "timezone"}).
func (act *Activity) clientTimeZone() string {
	for _, raw := range act.Entities {
		var e struct {
			Type     string `json:"type"`
			Timezone string `json:"timezone"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Type == "clientInfo" && e.Timezone != "" {
			return e.Timezone
		}
	}
	return ""
}

// mentionEntity is a mention in a message's entities.
type mentionEntity struct {
	Type      string `json:"type"`
	Text      string `json:"text"`
	Mentioned struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"mentioned"`
}

var atMarkup = regexp.MustCompile(`(?is)<at[^>]*>(.*?)</at>`)

// commandText reads a message as a command: the bot's @mention removed,
// other mentions as the names they show, HTML entities decoded, a leading
// "/" dropped; name is the first word, lower-case, text the rest. ok is
// false for a message with no words.
func commandText(act *Activity) (name, text string, ok bool) {
	s := act.Text
	botID := ""
	if act.Recipient != nil {
		botID = act.Recipient.ID
	}
	for _, raw := range act.Entities {
		var e mentionEntity
		if json.Unmarshal(raw, &e) == nil && e.Type == "mention" && e.Mentioned.ID == botID && e.Text != "" {
			s = strings.ReplaceAll(s, e.Text, " ")
		}
	}
	s = atMarkup.ReplaceAllString(s, "$1")
	s = strings.TrimSpace(html.UnescapeString(strings.ReplaceAll(s, "\u00a0", " ")))
	s = strings.TrimPrefix(s, "/")
	name, text, _ = strings.Cut(s, " ")
	if i := strings.IndexAny(name, "\n\t"); i >= 0 {
		name, text = name[:i], name[i+1:]+" "+text
	}
	name = strings.ToLower(strings.TrimSpace(name))
	return name, strings.TrimSpace(text), name != ""
}

// actionValue is what a button press carries: its id and the values of
// the card's inputs (a menu's choice, a form's text).
type actionValue struct {
	id   string
	data map[string]any
}

// invokeAction reads an adaptiveCard/action invoke's value.
func invokeAction(act *Activity) (actionValue, error) {
	var v struct {
		Action struct {
			Type string         `json:"type"`
			Verb string         `json:"verb"`
			Data map[string]any `json:"data"`
		} `json:"action"`
	}
	if err := json.Unmarshal(act.Value, &v); err != nil {
		return actionValue{}, errors.New("invoke value is not an Adaptive Card action")
	}
	id := v.Action.Verb
	if id == "" {
		id, _ = v.Action.Data[submitKey].(string)
	}
	if id == "" {
		return actionValue{}, errors.New("Adaptive Card action without a verb")
	}
	return actionValue{id: id, data: v.Action.Data}, nil
}

// submitAction reads an Action.Submit (the fallback of clients without
// Universal Actions): a message whose value holds the action id; ok is
// false for a message that is not one.
func submitAction(act *Activity) (actionValue, bool) {
	if len(act.Value) == 0 {
		return actionValue{}, false
	}
	var data map[string]any
	if json.Unmarshal(act.Value, &data) != nil {
		return actionValue{}, false
	}
	id, _ := data[submitKey].(string)
	if id == "" {
		return actionValue{}, false
	}
	return actionValue{id: id, data: data}, true
}

// value is the input named id: a menu's choice, keyed by the menu's id.
func (v actionValue) value(id string) string {
	s, _ := v.data[id].(string)
	return s
}
