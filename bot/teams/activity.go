package teams

import "encoding/json"

// Activity is a Bot Framework activity, the one envelope of everything
// Teams sends the bot and the bot sends back: the fields huddlebot reads or
// writes (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#activity-object).
type Activity struct {
	Type         string               `json:"type"`
	ID           string               `json:"id,omitempty"`
	Timestamp    string               `json:"timestamp,omitempty"`
	ServiceURL   string               `json:"serviceUrl,omitempty"`
	ChannelID    string               `json:"channelId,omitempty"`
	From         *ChannelAccount      `json:"from,omitempty"`
	Conversation *ConversationAccount `json:"conversation,omitempty"`
	Recipient    *ChannelAccount      `json:"recipient,omitempty"`
	TextFormat   string               `json:"textFormat,omitempty"`
	Text         string               `json:"text,omitempty"`
	Summary      string               `json:"summary,omitempty"`
	Attachments  []Attachment         `json:"attachments,omitempty"`
	Entities     []json.RawMessage    `json:"entities,omitempty"`
	ReplyToID    string               `json:"replyToId,omitempty"`
	// Name and Value: an invoke's name ("adaptiveCard/action") and payload,
	// or a message's Action.Submit data.
	Name  string          `json:"name,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	// Action is an installationUpdate's "add" or "remove".
	Action       string           `json:"action,omitempty"`
	MembersAdded []ChannelAccount `json:"membersAdded,omitempty"`
	ChannelData  json.RawMessage  `json:"channelData,omitempty"`
	// LocalTimezone is the sender's client time zone (IANA, e.g.
	// "America/Chicago"), sent with messages and invokes.
	LocalTimezone string `json:"localTimezone,omitempty"`
	// Locale is the sender's client language (BCP 47, e.g. "es-MX").
	Locale string `json:"locale,omitempty"`
}

// ChannelAccount is a user or bot on a channel. ID is the Teams user id
// ("29:…", "28:…" for bots); AADObjectID the Microsoft Entra object id.
type ChannelAccount struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// ConversationAccount is the conversation an activity belongs to:
// ConversationType "personal" (a 1:1 chat), "groupChat" or "channel".
type ConversationAccount struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	Name             string `json:"name,omitempty"`
}

// Attachment is a card or file on an activity.
type Attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content,omitempty"`
}
