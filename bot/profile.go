package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/internal/clean"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// ProfileArgs is the job that reads a member's platform profile (time zone
// and name) after they joined, when the platform did not answer at once: the
// profile call is rate limited (Slack's users.info is Tier 4), and a whole
// unit joining at once must not queue every join behind it.
type ProfileArgs struct {
	MemberID int64 `json:"member_id"`
}

// Kind implements river.JobArgs.
func (ProfileArgs) Kind() string { return "fill_profile" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ProfileArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// FillProfileTx queues the profile job for a member in tx.
func (j *Jobs) FillProfileTx(ctx context.Context, tx *store.Tx, memberID int64) error {
	_, err := j.client.InsertTx(ctx, tx.Tx.Tx, ProfileArgs{MemberID: memberID}, nil)
	if err != nil {
		return fmt.Errorf("queue profile job: %w", err)
	}
	return nil
}

type profileWorker struct {
	river.WorkerDefaults[ProfileArgs]
	b *Bot
}

// Work reads the profile only if the platform's rate limit lets it go now
// (bot.WithWaitBudget 0); otherwise the job snoozes until its turn, so a
// join storm never holds the workers that deliver messages.
func (w *profileWorker) Work(ctx context.Context, job *river.Job[ProfileArgs]) error {
	return snoozeOnRateLimit(w.b.fillProfile(WithWaitBudget(ctx, 0), job.Args.MemberID))
}

// fillProfile reads the member's profile and fills in what is still unset.
// When their time zone changes the zone their prompts follow, it reschedules
// them and tells them, with when the next prompt comes.
func (b *Bot) fillProfile(ctx context.Context, memberID int64) error {
	m, err := b.DB.MemberGet(ctx, b.DB, memberID)
	if store.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.TimeZone != "" && m.Name != "" {
		return nil
	}
	ws, err := b.WorkspaceByID(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	ui, ok := b.Adapter(ws.Platform).(UserInfoer)
	if !ok {
		return nil
	}
	name, tz, locale, err := ReadProfile(ctx, ui, ws.ExternalID, m.UserID)
	if err == nil {
		b.AdoptLocale(ctx, m, locale)
	}
	if errors.Is(err, ErrUnreachable) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := time.LoadLocation(tz); err != nil {
		tz = ""
	}
	before := m.Schedule.Location.String()
	var changed bool
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		set, err := b.DB.MemberFillProfile(ctx, tx, m.ID, clean.Text(name), tz)
		if err != nil || !set || tz == before {
			return err
		}
		changed = true
		if err := b.DB.MemberSetNextDue(ctx, tx, map[int64]time.Time{m.ID: b.Now()}); err != nil {
			return err
		}
		if m, err = b.DB.MemberGet(ctx, tx, m.ID); err != nil {
			return err
		}
		_, err = b.Post(ctx, tx, Post{WorkspaceID: m.WorkspaceID, MemberID: m.ID, Channel: "dm", Card: profileCard(b.Localizer(m), m, b.NextText(ctx, m))})
		return err
	})
	if err == nil && changed {
		b.Log.InfoContext(ctx, "time zone from profile", "member", m.ID, "timezone", tz)
	}
	return err
}

// ReadProfile reads a person's profile with the one platform call there is:
// with their locale when the adapter is a ProfileReader.
func ReadProfile(ctx context.Context, ui UserInfoer, workspace, userID string) (name, tz, locale string, err error) {
	if pr, ok := ui.(ProfileReader); ok {
		p, err := pr.UserProfile(ctx, workspace, userID)
		return p.Name, p.TimeZone, p.Locale, err
	}
	name, tz, err = ui.UserInfo(ctx, workspace, userID)
	return name, tz, "", err
}

// profileCard tells a member that their prompts now follow the time zone
// of their profile, and when the next one comes.
func profileCard(l *i18n.Localizer, m *member.Member, next string) *Card {
	return &Card{Body: l.T("core.profile_zone", i18n.Data{"Zone": m.Schedule.Location.String(),
		"Days": m.Schedule.WorkDays.Describe(l), "Time": m.Schedule.EffectiveDeliveryTime().In(l), "Next": next})}
}

// NextText says when the member's next scheduled prompt comes, in their own
// time, and why not sooner when it is not today (member.Schedule.DescribeNextIn). A
// prompt still due this shift ("on its way") counts only when this shift's
// scheduled prompt does not exist yet; if that cannot be read, the later
// delivery is named rather than promising one that may not come.
func (b *Bot) NextText(ctx context.Context, m *member.Member) string {
	l := b.Localizer(m)
	if !m.Joined {
		return l.T("member.next.not_joined", nil)
	}
	now := b.Now()
	sent := true
	if _, _, due := m.Schedule.DeliverySlot(now); due {
		var err error
		if sent, err = b.DB.DeliveryHasScheduled(ctx, b.DB, m.ID, m.Schedule.ShiftDate(now)); err != nil {
			b.Log.WarnContext(ctx, "next prompt: read today's prompt", "member", m.ID, "err", err)
			sent = true
		}
	}
	return m.Schedule.DescribeNextIn(l, now, sent)
}
