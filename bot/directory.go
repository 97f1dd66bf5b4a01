package bot

import (
	"context"
	"time"

	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// The directory: people, channels and messages, for an adapter that shows
// the chat itself (the sandbox keeps no chat of its own: the message table
// is its chat, and it adds people without a roster file).

// Members returns the members f selects (f.WorkspaceID), ordered by id.
func (b *Bot) Members(ctx context.Context, f store.MemberFilter) ([]*member.Member, error) {
	return b.DB.MemberList(ctx, b.DB, f)
}

// Member returns the member userID of a workspace; an error that
// store.IsNotFound when there is none.
func (b *Bot) Member(ctx context.Context, workspaceID int64, userID string) (*member.Member, error) {
	return b.DB.MemberByUser(ctx, b.DB, workspaceID, userID)
}

// MemberByID returns a member by id; an error that store.IsNotFound when
// there is none.
func (b *Bot) MemberByID(ctx context.Context, id int64) (*member.Member, error) {
	return b.DB.MemberGet(ctx, b.DB, id)
}

// NewMember is a person an adapter adds itself, as a roster row would.
type NewMember struct {
	store.MemberUpsert
	// HomeChannel, when set, is where the member's channel messages go, and
	// OnDuty then sets whether /ask questions reach them.
	HomeChannel string
	OnDuty      bool
}

// AddMembers creates or updates ms in one transaction and makes each due
// for a prompt now (the scheduler's next tick plans it). It returns their
// ids, in the order of ms.
func (b *Bot) AddMembers(ctx context.Context, ms []NewMember) ([]int64, error) {
	var ids []int64
	now := b.Now()
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		ids = ids[:0]
		next := map[int64]time.Time{}
		for _, m := range ms {
			id, err := b.DB.MemberUpsert(ctx, tx, m.MemberUpsert)
			if err != nil {
				return err
			}
			if m.HomeChannel != "" {
				home, onDuty := m.HomeChannel, m.OnDuty
				if err := b.DB.MemberUpdate(ctx, tx, id, store.MemberSettings{HomeChannel: &home, OnDuty: &onDuty}); err != nil {
					return err
				}
			}
			ids = append(ids, id)
			next[id] = now
		}
		return b.DB.MemberSetNextDue(ctx, tx, next)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// Channels returns the names of a workspace's channels, sorted.
func (b *Bot) Channels(ctx context.Context, workspaceID int64) ([]string, error) {
	return b.DB.ChannelList(ctx, workspaceID)
}

// EnsureChannel records a channel of a workspace by its name and the
// platform's id for it.
func (b *Bot) EnsureChannel(ctx context.Context, workspaceID int64, name, platformID string) error {
	return b.DB.ChannelEnsure(ctx, workspaceID, name, platformID)
}

// VisibleMessages returns the sent messages of a workspace that a member can
// see, after the message id after, oldest first: their DMs (channel "dm")
// or the posts in one channel.
func (b *Bot) VisibleMessages(ctx context.Context, workspaceID, memberID int64, channel string, after int64) ([]*store.Message, error) {
	return b.DB.MessageListVisible(ctx, workspaceID, memberID, channel, after)
}

// Message returns a message by id; an error that store.IsNotFound when
// there is none.
func (b *Bot) Message(ctx context.Context, id int64) (*store.Message, error) {
	return b.DB.MessageGet(ctx, b.DB, id)
}
