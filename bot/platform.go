package bot

import (
	"context"
	"time"

	"github.com/huddlebot/huddlebot/store"
)

// What an adapter may ask of the core besides handling events: it depends
// on these methods, never on the store behind them.

// SeenEvent records a platform's inbound event id and reports whether it was
// recorded before: a redelivered or replayed event, to ignore. Every replica
// shares the record.
func (b *Bot) SeenEvent(ctx context.Context, platform, id string) (bool, error) {
	return b.DB.EventSeen(ctx, platform, id)
}

// ClaimSignature records an accepted request signature until expires (the
// end of its signature window) and reports whether it is new. False means
// the same signed request was accepted before, by another replica or by
// this one before a restart: a replay to refuse.
func (b *Bot) ClaimSignature(ctx context.Context, signature string, expires time.Time) (bool, error) {
	return b.DB.SignatureClaim(ctx, signature, expires)
}

// UserWorkspace is a workspace of a platform where a user is a member.
type UserWorkspace struct {
	Workspace string // the platform's workspace id
	Joined    bool   // the member joined the daily prompts there
}

// UserWorkspaces lists the platform's workspaces where userID is a member,
// in the order the workspaces were first seen. A platform that names no
// workspace for some events (Discord DMs) decides one from this. A lookup
// that fails for one workspace is logged and skipped; the error is that of
// listing the workspaces.
func (b *Bot) UserWorkspaces(ctx context.Context, platform, userID string) ([]UserWorkspace, error) {
	wss, err := b.DB.WorkspaceList(ctx, platform)
	if err != nil {
		return nil, err
	}
	var out []UserWorkspace
	for _, ws := range wss {
		m, err := b.DB.MemberByUser(ctx, b.DB, ws.ID, userID)
		if err != nil {
			if !store.IsNotFound(err) {
				b.Log.WarnContext(ctx, "member lookup failed", "platform", platform, "workspace", ws.ExternalID, "err", err)
			}
			continue
		}
		out = append(out, UserWorkspace{Workspace: ws.ExternalID, Joined: m.Joined})
	}
	return out, nil
}
