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
//
// Claims that arrive while an earlier batch of them is being written are
// written together, in one statement and one commit (a group commit); each
// caller is answered once its claim has committed.
func (b *Bot) ClaimSignature(ctx context.Context, signature string, expires time.Time) (bool, error) {
	r, err := b.sigClaims.Do(ctx, struct{}{}, store.SignatureNew{Signature: signature, Expires: expires})
	if err != nil {
		return false, err
	}
	return r.fresh, r.err
}

// signatureBatchMax is how many signature claims one statement takes.
const signatureBatchMax = 500

// claimResult is one signature claim's answer.
type claimResult struct {
	fresh bool
	err   error
}

func (b *Bot) claimSignatures(ctx context.Context, _ struct{}, sigs []store.SignatureNew) []claimResult {
	out := make([]claimResult, len(sigs))
	fresh, err := b.DB.SignatureClaimMany(ctx, sigs)
	for i := range out {
		if err != nil {
			out[i].err = err
		} else {
			out[i].fresh = fresh[i]
		}
	}
	return out
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

// KeepRefs stores the references an event that is no command, click or
// form carried (Teams: the bot was installed in a person's 1:1 chat): it
// finds or creates the actor's workspace and member, as a command would,
// and stores a.Refs for them and for channel ("dm" or "" for none). An
// event that names the person's own 1:1 conversation (a.Refs.Member: the
// bot was installed there again) makes a member marked unreachable
// reachable again. The error is that of finding them.
func (b *Bot) KeepRefs(ctx context.Context, a Actor, channel string) error {
	ws, m, err := b.Resolve(ctx, cleanActor(a))
	if err != nil {
		return err
	}
	b.keepRefs(ctx, ws, m.ID, channel, a.Refs)
	if a.Refs.Member != "" && !m.Reachable {
		t := true
		if err := b.DB.MemberUpdate(ctx, b.DB, m.ID, store.MemberSettings{Reachable: &t}); err != nil {
			return err
		}
		b.Log.InfoContext(ctx, "member reachable again: the bot was installed in their chat", "member", m.ID)
	}
	return nil
}

// keepRefs stores the references an inbound event carried (Actor.Refs) for
// the event's workspace, member and channel, and returns the workspace as
// it now is. It writes nothing for an event that carries none (Slack,
// Discord) or, for the workspace, the one already stored. A failure is
// logged and the request goes on: the next event stores them again.
func (b *Bot) keepRefs(ctx context.Context, ws *store.Workspace, memberID int64, channel string, r Refs) *store.Workspace {
	if r.Workspace != "" && r.Workspace != ws.Ref {
		if err := b.DB.WorkspaceSetRef(ctx, ws.ID, r.Workspace); err != nil {
			b.Log.WarnContext(ctx, "cannot store the workspace's platform reference", "workspace", ws.ExternalID, "err", err)
		} else {
			ws = b.cacheWorkspaceRef(ws, r.Workspace)
		}
	}
	if r.Member != "" && memberID != 0 {
		if err := b.DB.MemberSetRef(ctx, memberID, r.Member); err != nil {
			b.Log.WarnContext(ctx, "cannot store the member's platform reference", "member", memberID, "err", err)
		}
	}
	if r.Channel != "" && channel != "" && channel != "dm" {
		if err := b.DB.ChannelSetRef(ctx, ws.ID, channel, r.Channel); err != nil {
			b.Log.WarnContext(ctx, "cannot store the channel's platform reference", "channel", channel, "err", err)
		}
	}
	return ws
}

// cacheWorkspaceRef replaces the cached workspace with one carrying ref.
// Cached workspaces are shared, so never changed in place. Another replica
// keeps its cached reference until it restarts; a reference that changes
// (Teams' service URL, rarely) reaches it then.
func (b *Bot) cacheWorkspaceRef(ws *store.Workspace, ref string) *store.Workspace {
	w := *ws
	w.Ref = ref
	b.wsCache.Store(w.Platform+"/"+w.ExternalID, &w)
	b.wsByID.Store(w.ID, &w)
	return &w
}

// keepSentRefs stores the references an adapter reported while delivering
// msg (Sent.Ref) that differ from those it was handed. The message is out
// already, so a failure is logged rather than retried with it.
func (b *Bot) keepSentRefs(ctx context.Context, ws *store.Workspace, msg *store.Message, out *Outbound, r Refs) {
	if r.Workspace == out.Ref.Workspace {
		r.Workspace = ""
	}
	if r.Member == out.Ref.Member || msg.MemberID == 0 || msg.Channel != "dm" {
		r.Member = ""
	}
	if r.Channel == out.Ref.Channel || msg.Channel == "dm" {
		r.Channel = ""
	}
	if r != (Refs{}) {
		b.keepRefs(ctx, ws, msg.MemberID, msg.Channel, r)
	}
}
