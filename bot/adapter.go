package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Adapter is the small seam between the core and one chat platform: it sends
// or updates a message. Everything else an adapter can do is an optional
// interface below, checked with a type assertion.
type Adapter interface {
	// Platform names the platform ("sandbox", "slack", "discord").
	Platform() string
	// Deliver posts a new message (when Outbound.PostedID is empty) or
	// updates the one it names. It returns where the message now lives.
	// It returns a *RateLimitError when the platform asks to slow down and
	// ErrUnreachable when the recipient cannot be messaged at all.
	Deliver(ctx context.Context, out *Outbound) (Sent, error)
}

// Outbound is one message to deliver. The ids are the platform's own,
// opaque to the core: it stores what Sent returned and hands it back.
type Outbound struct {
	MessageID int64
	Revision  int
	Attempt   int    // 1 on the first try; later tries may check for an earlier success
	Workspace string // platform workspace (team, guild) id
	UserID    string // DM recipient's platform user id when Channel is "dm"
	DMChannel string // cached DM channel id, "" if unknown
	Channel   string // "dm" or the platform channel
	ThreadID  string // the parent message's platform id (Sent.ID), to reply in its thread
	Card      *Card
	// Ref holds the adapter's own references, as last stored: the
	// workspace's always, the recipient's on a DM's first post, the
	// channel's on a post to a channel or an edit there.
	Ref Refs
	// PostedChannel and PostedID are set when updating: where the message
	// lives and its platform id, as Sent returned them.
	PostedChannel string
	PostedID      string
}

// Sent says where a delivered message lives.
type Sent struct {
	Channel   string
	ID        string // the message's platform id (Slack ts, Discord message id)
	DMChannel string // the DM channel opened for the user, to cache
	// Ref holds references the adapter learned while sending (a
	// conversation it opened); each one set replaces the stored one of the
	// workspace, the recipient (a DM) or the channel.
	Ref Refs
}

// Refs are an adapter's own references to a workspace, a member and a
// channel: what its platform needs to reach them beyond an id (Microsoft
// Teams: the service URL, a conversation id, the tenant and the user's
// directory id), in a form the adapter owns, JSON say. The core stores them
// and hands them back on every Deliver but never reads them; "" is none.
// An adapter sets them on inbound events (Actor.Refs) and on Sent.
type Refs struct {
	Workspace string
	Member    string
	Channel   string
}

// waitBudgetKey carries WithWaitBudget's budget.
type waitBudgetKey struct{}

// WithWaitBudget returns ctx telling an adapter how long a call may wait in
// process for its turn under the platform's rate limits; a call whose turn
// is further away returns a *RateLimitError at once instead (a job then
// snoozes rather than holding a worker). 0 means "only if it can go now".
func WithWaitBudget(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, waitBudgetKey{}, d)
}

// WaitBudget returns the budget WithWaitBudget set on ctx, if any.
func WaitBudget(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(waitBudgetKey{}).(time.Duration)
	return d, ok
}

// RateLimitError asks the caller to try again after RetryAfter.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// ErrUnreachable means the recipient cannot be messaged (closed DMs, left
// the workspace); retrying will not help.
var ErrUnreachable = errors.New("recipient unreachable")

// ErrReplayed is a QueueFunc's answer for a click whose event (Click.Seen)
// was recorded before.
var ErrReplayed = errors.New("event seen before")

// TurnKeeper is an adapter that holds a delivery's turns under its
// platform's rate limits across the delivery job's snoozes (Teams). Turn
// says how long the delivery of a message revision should snooze again
// when the adapter holds a turn for it that is further off than the
// adapter would wait in process; ok is false when it holds none or the
// turn is near. The core asks before reading anything for the delivery, so
// a job that came back early costs no database read and no render.
type TurnKeeper interface {
	Turn(messageID int64, revision int) (snooze time.Duration, ok bool)
}

// ModalOpener is an adapter that can show a Form as a modal; triggerID is
// the platform's token from the click that asked for it.
type ModalOpener interface {
	OpenForm(ctx context.Context, workspace, triggerID string, f *Form) error
}

// ClickReplier is an adapter whose clicks carry a reply hook of their own
// (Slack's response_url). ReplyToClick replaces the clicked message with
// card through it, or, when card is nil, shows text to the clicker only.
// The hook is not a Web API method, so it is under none of the rate limits
// that pace message edits; it returns an error when the hook refused the
// reply or has expired, and the caller then falls back to a paced edit.
type ClickReplier interface {
	ReplyToClick(ctx context.Context, responseURL string, card *Card, text string) error
}

// UserInfoer is an adapter that can look up a user's profile.
type UserInfoer interface {
	UserInfo(ctx context.Context, workspace, userID string) (name, timezone string, err error)
}

// Profile is what a platform's profile says about a person.
type Profile struct {
	Name     string
	TimeZone string // IANA; "" = unknown
	Locale   string // BCP 47 (or the platform's form, es_ES); "" = unknown
}

// ProfileReader is a UserInfoer whose look-up also says the person's
// locale (Slack: users.info with include_locale). A member with no
// language of their own gets it as a platform language.
type ProfileReader interface {
	UserProfile(ctx context.Context, workspace, userID string) (Profile, error)
}

// AliasFinder is an adapter that can name, for a person the core has not
// seen yet, the other ids a roster may know them by (Teams: the e-mail and
// user principal name of their directory account, read from the
// conversation's roster, since activities carry neither). The core asks
// only when no member has the actor's id or Actor.Alias, so once per
// person; an error or no answer leaves the person a new member.
type AliasFinder interface {
	FindAliases(ctx context.Context, a Actor) ([]string, error)
}
