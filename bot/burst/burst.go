package burst

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/learn"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Update bursts: a trainer sends a burst (content/bursts/*.yaml) to the
// members it targets. Sending records one burst_item per member x lesson;
// the daily planner puts pending items first in a member's next scheduled
// prompt (bot/deliver.go), and for an all-at-once burst the companion
// ticker below sends the rest of the burst in the same delivery window.
// With "now", members inside their work hours get the burst at once.

// Burst is the training-burst capability: sending a burst of lessons to an
// audience now or at a daily pace, its companions, status and cancel.
type Burst struct{ *bot.Bot }

// New returns the capability over b without registering it (for the burst
// command line, which calls its methods directly).
func New(b *bot.Bot) *Burst { return &Burst{Bot: b} }

// Register adds the capability's command and ticker to b, and returns it.
func Register(b *bot.Bot) *Burst {
	bu := New(b)
	b.HandleCommandFunc("burst", bu.burstCommand)
	b.AddTicker("burst", bu.burstTick)
	return bu
}

// burstBatch is how many members one step of a send handles.
const burstBatch = 500

// BurstSendOptions says which burst to send, to whom and when.
type BurstSendOptions struct {
	WorkspaceID int64
	BurstID     string
	// Now delivers at once to the members inside their work hours (and not
	// paused); the others get the burst at their next delivery time.
	Now bool
	// At is when the burst starts (zero = now): nothing goes out before
	// each member's first delivery time at or after it. Not with Now.
	At time.Time
	// Audience narrows the burst's own roles and departments for this send.
	Audience lessons.Audience
	// DryRun computes the recipients and writes nothing.
	DryRun bool
	// By is the trainer's member id (0 = the CLI), for the audit log.
	By int64
	// Progress, if set, is called after each batch of members with the
	// number of members done and the total.
	Progress func(done, total int)
}

// BurstRecipient is one member a send reaches and what they get.
type BurstRecipient struct {
	Member  *member.Member
	Lessons []lessons.BurstLesson
	// Dates are the shift dates from which each lesson may go out.
	Dates []string
	// Immediate is set when the send is "now" and the member is inside
	// work hours and not paused: they get it at once.
	Immediate bool
	// At is when the first lesson reaches them: now when Immediate,
	// otherwise their first delivery time on or after Dates[0] (zero when
	// they have none, as with no work days).
	At time.Time
}

// BurstSendResult says what a send did (or, on a dry run, would do).
type BurstSendResult struct {
	Burst      *lessons.Burst
	Send       *store.BurstSend // the workspace's send; nil on a dry run of a burst never sent
	Created    bool             // this call started the send (false: it was sent before)
	Recipients []BurstRecipient
	Items      int       // member x lesson items in the audience
	Added      int       // of which new: 0 when everything had been sent before
	SentNow    int       // prompts queued at once (Now)
	MembersNow int       // members who got something at once (Now)
	Later      int       // members who get it at a later delivery time
	At         time.Time // when the send was made
}

// BurstSend sends a burst to its audience in the workspace, in batches of
// 500 members inside one transaction: it creates (or reuses) the send,
// adds one item per member x lesson that the send does not have yet, with
// Now queues the prompts of members inside work hours at once, and makes
// the scheduler consider every recipient. Sending the same burst twice —
// even concurrently — reaches each member with each lesson once. It returns
// a *bot.UserError for an unknown or cancelled burst or a bad audience.
func (b *Burst) BurstSend(ctx context.Context, o BurstSendOptions) (*BurstSendResult, error) {
	c := b.Content()
	bu := c.Burst(o.BurstID)
	if bu == nil {
		return nil, unknownBurst(c, o.BurstID)
	}
	if err := o.Audience.Check(bu); err != nil {
		return nil, &bot.UserError{Msg: err.Error()}
	}
	if o.Now && !o.At.IsZero() {
		return nil, bot.UserErrT("bursts.err.now_and_at", nil)
	}
	now := b.Now()
	start := now
	if !o.At.IsZero() {
		start = o.At
	}
	prev, err := b.DB.BurstSendGet(ctx, b.DB, o.WorkspaceID, bu.ID)
	if err != nil && !store.IsNotFound(err) {
		return nil, err
	}
	if err == nil && prev.Status == store.BurstCancelled {
		return nil, cancelledBurst(prev)
	}
	res := &BurstSendResult{Burst: bu, At: now}
	if err == nil {
		res.Send = prev
	}
	res.Recipients, err = b.burstRecipients(ctx, c, bu, o, start, now)
	if err != nil {
		return nil, err
	}
	for _, r := range res.Recipients {
		res.Items += len(r.Lessons)
		if r.Immediate {
			res.MembersNow++
		} else {
			res.Later++
		}
	}
	if o.DryRun {
		return res, nil
	}
	total := len(res.Recipients)
	err = b.DB.Tx(ctx, func(tx *store.Tx) error {
		res.Added, res.SentNow, res.MembersNow, res.Later = 0, 0, 0, 0
		send, created, err := b.DB.BurstSendEnsure(ctx, tx, store.BurstSendNew{WorkspaceID: o.WorkspaceID, BurstID: bu.ID,
			Pace: bu.Pace, Immediate: o.Now, StartAt: start, CreatedBy: o.By})
		if err != nil {
			return err
		}
		if send.Status == store.BurstCancelled {
			return cancelledBurst(send)
		}
		res.Send, res.Created = send, created
		for from := 0; from < total; from += burstBatch {
			batch := res.Recipients[from:min(from+burstBatch, total)]
			if err := b.burstSendBatch(ctx, tx, send, bu, batch, o.Now, now, res); err != nil {
				return err
			}
			if o.Progress != nil {
				o.Progress(from+len(batch), total)
			}
		}
		if total == 0 && o.Progress != nil {
			o.Progress(0, 0)
		}
		detail := fmt.Sprintf("members=%d items=%d added=%d now=%d", total, res.Items, res.Added, res.SentNow)
		return b.DB.Audit(ctx, tx, o.WorkspaceID, o.By, "burst.send", bu.ID, detail)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// burstRecipients lists the members the send reaches, with their lessons
// and the date each lesson may go out.
func (b *Burst) burstRecipients(ctx context.Context, c *lessons.Content, bu *lessons.Burst, o BurstSendOptions, start, now time.Time) ([]BurstRecipient, error) {
	f := store.MemberFilter{WorkspaceID: o.WorkspaceID, JoinedOnly: true, Roles: bu.Roles, Departments: bu.Departments, Limit: 2000}
	if len(o.Audience.Roles) > 0 {
		f.Roles = o.Audience.Roles
	}
	if len(o.Audience.Departments) > 0 {
		f.Departments = o.Audience.Departments
	}
	immediate := o.Now && o.At.IsZero()
	var out []BurstRecipient
	for {
		ms, err := b.DB.MemberList(ctx, b.DB, f)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !o.Audience.Includes(bu, m, now) {
				continue
			}
			ls := lessons.BurstLessons(c, bu, m.Role, m.Department)
			if len(ls) == 0 {
				continue
			}
			s := m.Schedule
			r := BurstRecipient{Member: m, Lessons: ls, Dates: lessons.BurstDates(s, bu.Pace, start, immediate, len(ls)),
				Immediate: immediate && s.InWorkHours(now) && !s.PausedUntil.After(now)}
			r.At = now
			if !r.Immediate {
				r.At = s.NextDeliveryOn(r.Dates[0], start.Add(-time.Millisecond))
			}
			out = append(out, r)
		}
		if len(ms) < f.Limit {
			return out, nil
		}
		f.AfterID = ms[len(ms)-1].ID
	}
}

// burstSendBatch records one batch of recipients in tx.
func (b *Burst) burstSendBatch(ctx context.Context, tx *store.Tx, send *store.BurstSend, bu *lessons.Burst, batch []BurstRecipient,
	sendNow bool, now time.Time, res *BurstSendResult) error {
	var items []store.BurstItemNew
	var nowIDs []int64
	byID := make(map[int64]*member.Member, len(batch))
	for _, r := range batch {
		byID[r.Member.ID] = r.Member
		for i, l := range r.Lessons {
			items = append(items, store.BurstItemNew{MemberID: r.Member.ID, LessonID: l.Lesson.ID, Seq: l.Seq, AvailableDate: r.Dates[i]})
		}
		if r.Immediate {
			nowIDs = append(nowIDs, r.Member.ID)
		}
	}
	added, err := b.DB.BurstItemAddMany(ctx, tx, send, items)
	if err != nil {
		return err
	}
	res.Added += added
	type key struct {
		member int64
		lesson string
	}
	got := map[int64]bool{}  // members who got something now
	left := map[int64]bool{} // members with items still to go out later
	if sendNow && len(nowIDs) > 0 {
		pending, err := b.DB.BurstItemListPending(ctx, tx, send.ID, nowIDs)
		if err != nil {
			return err
		}
		plans := burstNowPlans(b.Content(), bu, byID, pending, now)
		n, err := b.createBurstPrompts(ctx, tx, send.ID, plans)
		if err != nil {
			return err
		}
		res.SentNow += n
		planned := make(map[key]bool, len(plans))
		for _, p := range plans {
			planned[key{p.member.ID, p.lesson.ID}] = true
			got[p.member.ID] = true
		}
		for _, it := range pending {
			if !planned[key{it.MemberID, it.LessonID}] {
				left[it.MemberID] = true // a daily burst's later items
			}
		}
	}
	next := make(map[int64]time.Time, len(batch))
	for _, r := range batch {
		if got[r.Member.ID] {
			res.MembersNow++
		} else {
			res.Later++
		}
		if !got[r.Member.ID] || left[r.Member.ID] {
			// The scheduler looks at them again now and keeps their next
			// delivery time (deliverBatch recomputes it).
			next[r.Member.ID] = now
		}
	}
	return b.DB.MemberSetNextDue(ctx, tx, next)
}

// burstNowPlans picks what goes out at once for members inside work hours:
// every pending item of an all-at-once burst; of a daily burst, the first
// pending item that is available today (one per work day).
func burstNowPlans(c *lessons.Content, bu *lessons.Burst, members map[int64]*member.Member, pending []store.BurstItem, now time.Time) []burstPlan {
	var plans []burstPlan
	took := map[int64]bool{}
	for _, it := range pending { // by member, then seq
		m := members[it.MemberID]
		l := c.Lesson(it.LessonID)
		if m == nil || l == nil {
			continue
		}
		date := m.Schedule.ShiftDate(now)
		if bu.Pace == lessons.PaceDaily && (took[m.ID] || it.AvailableDate > date) {
			continue
		}
		took[m.ID] = true
		plans = append(plans, burstPlan{member: m, lesson: l, burstID: bu.ID, date: date})
	}
	return plans
}

// burstPlan is one burst item to deliver now.
type burstPlan struct {
	member  *member.Member
	lesson  *lessons.Lesson
	burstID string
	date    string // the member's shift date now
}

// createBurstPrompts records burst prompts outside the daily schedule
// (not "scheduled": they do not use up the member's daily prompt) with
// their DMs and delivery jobs, and marks the items delivered, in tx. The
// dedupe key is the one the scheduler uses for burst items, so an item
// reaches a member once whichever path sends it. Unlike the daily prompt it
// does not expire the member's open prompts: an all-at-once burst arrives as
// several messages together. It returns how many prompts it created.
func (b *Burst) createBurstPrompts(ctx context.Context, tx *store.Tx, sendID int64, plans []burstPlan) (int, error) {
	if len(plans) == 0 {
		return 0, nil
	}
	news := make([]store.DeliveryNew, len(plans))
	for i, p := range plans {
		shown, requested := b.PromptLanguage(p.member, p.lesson)
		news[i] = store.DeliveryNew{WorkspaceID: p.member.WorkspaceID, MemberID: p.member.ID, LessonID: p.lesson.ID,
			LessonVersion: p.lesson.Version, Reason: string(lessons.ReasonBurst), BurstID: p.burstID, ShiftDate: p.date,
			DedupeKey: fmt.Sprintf("%d:burst:%s:%s", p.member.ID, p.burstID, p.lesson.ID),
			Language:  shown, RequestedLanguage: requested}
	}
	ids, err := b.DB.DeliveryCreateMany(ctx, tx, news)
	if err != nil {
		return 0, err
	}
	var posts []bot.Post
	var created []int64
	var links []store.BurstItemLink
	for i, id := range ids {
		if id == 0 {
			continue // already on its way through another path
		}
		p := plans[i]
		pick := lessons.Pick{LessonID: p.lesson.ID, Reason: lessons.ReasonBurst, BurstID: p.burstID}
		shown, requested := b.PromptLanguage(p.member, p.lesson)
		posts = append(posts, bot.Post{WorkspaceID: p.member.WorkspaceID, MemberID: p.member.ID, Channel: "dm", DeliveryID: id,
			Card: learn.LanguagePromptCard(b.Bot, id, p.lesson, pick, shown, requested)})
		created = append(created, id)
		links = append(links, store.BurstItemLink{MemberID: p.member.ID, LessonID: p.lesson.ID, DeliveryID: id})
	}
	if len(created) == 0 {
		return 0, nil
	}
	if err := b.DB.BurstItemMarkDeliveredMany(ctx, tx, sendID, links); err != nil {
		return 0, err
	}
	if _, err := b.PostMany(ctx, tx, posts); err != nil {
		return 0, err
	}
	return len(created), nil
}

// burstTick sends the rest of an all-at-once burst in the delivery window
// in which its first item went out: the scheduler sends one scheduled
// prompt per member and day (the burst's first item), and this ticker, run
// right after it on the same tick, adds the member's other pending items
// of that burst — inside work hours only.
func (b *Burst) burstTick(ctx context.Context, now time.Time) error {
	sends, err := b.DB.BurstSendListActive(ctx, b.DB, lessons.PaceAllAtOnce)
	if err != nil {
		return err
	}
	for _, send := range sends {
		if err := b.burstCompanions(ctx, send, now); err != nil {
			return fmt.Errorf("burst %s companions: %w", send.BurstID, err)
		}
	}
	return nil
}

// burstCompanions sends one all-at-once send's companion items that are due.
func (b *Burst) burstCompanions(ctx context.Context, send *store.BurstSend, now time.Time) error {
	c := b.Content()
	var after int64
	const page = 1000
	for {
		comps, err := b.DB.BurstItemListCompanions(ctx, b.DB, send, after, page)
		if err != nil || len(comps) == 0 {
			return err
		}
		after = comps[len(comps)-1].Item.ID
		var plans []burstPlan
		for _, cp := range comps {
			m, s := cp.Member, cp.Member.Schedule
			if !m.Joined || !s.InWorkHours(now) || s.PausedUntil.After(now) {
				continue
			}
			date := s.ShiftDate(now)
			l := c.Lesson(cp.Item.LessonID)
			if l == nil || cp.Item.AvailableDate > date {
				continue
			}
			plans = append(plans, burstPlan{member: m, lesson: l, burstID: send.BurstID, date: date})
		}
		if len(plans) > 0 {
			err = b.DB.Tx(ctx, func(tx *store.Tx) error {
				_, err := b.createBurstPrompts(ctx, tx, send.ID, plans)
				return err
			})
			if err != nil {
				return err
			}
		}
		if len(comps) < page {
			return nil
		}
	}
}

// BurstCancel stops a workspace's send of a burst: pending items are
// cancelled, recorded prompts not yet sent are cancelled with their
// delivery jobs, what was already sent stays. It returns a *bot.UserError when
// the burst was never sent there.
func (b *Burst) BurstCancel(ctx context.Context, workspaceID int64, burstID string, by int64) (*store.BurstCancelResult, error) {
	var res *store.BurstCancelResult
	err := b.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = b.DB.BurstSendCancel(ctx, tx, workspaceID, burstID, b.Now())
		if err != nil {
			return err
		}
		if b.Jobs != nil {
			if err := b.Jobs.CancelSends(ctx, tx, res.MessageIDs); err != nil {
				return err
			}
		}
		return b.DB.Audit(ctx, tx, workspaceID, by, "burst.cancel", burstID,
			fmt.Sprintf("items=%d deliveries=%d", res.Items, res.Deliveries))
	})
	if store.IsNotFound(err) {
		return nil, bot.UserErrT("bursts.err.cancel_not_sent", i18n.Data{"ID": burstID})
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// BurstStatus returns where a workspace's send of a burst stands. It
// returns a *bot.UserError when the burst was never sent there.
func (b *Burst) BurstStatus(ctx context.Context, workspaceID int64, burstID string) (*Status, error) {
	st, err := b.DB.BurstStatsGet(ctx, b.DB, workspaceID, burstID)
	if store.IsNotFound(err) {
		if b.Content().Burst(burstID) == nil {
			return nil, unknownBurst(b.Content(), burstID)
		}
		return nil, bot.UserErrT("bursts.err.status_not_sent", i18n.Data{"ID": burstID})
	}
	if err != nil {
		return nil, err
	}
	res := &Status{BurstStats: st}
	if st.Send.Status != store.BurstCancelled {
		if res.Waiting, err = b.waitingOf(ctx, workspaceID, st, b.Now()); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// BurstInfo is a burst of the content and, when it was sent to the
// workspace, its send and counts.
type BurstInfo struct {
	Burst *lessons.Burst
	Stats *store.BurstStats // nil when not sent
}

// BurstList returns every burst of the content with its state in the
// workspace, in content order.
func (b *Burst) BurstList(ctx context.Context, workspaceID int64) ([]BurstInfo, error) {
	var out []BurstInfo
	for _, bu := range b.Content().Bursts {
		info := BurstInfo{Burst: bu}
		st, err := b.DB.BurstStatsGet(ctx, b.DB, workspaceID, bu.ID)
		switch {
		case err == nil:
			info.Stats = st
		case !store.IsNotFound(err):
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// BurstPreviewItem is one lesson of a burst as a member would get it.
type BurstPreviewItem struct {
	Seq    int
	Lesson *lessons.Lesson
	Card   *bot.Card
}

// BurstPreview returns the cards a member with this role (and department,
// "" = any) would get from a burst, in order, exactly as learn.PromptCard renders
// them. It returns a *bot.UserError for an unknown burst or role.
func (b *Burst) BurstPreview(burstID, role, department string) ([]BurstPreviewItem, error) {
	c := b.Content()
	bu := c.Burst(burstID)
	if bu == nil {
		return nil, unknownBurst(c, burstID)
	}
	if !slices.Contains(c.Roles, role) {
		return nil, bot.UserErrT("bursts.err.role", i18n.Data{"Role": strconv.Quote(role), "Roles": strings.Join(c.Roles, ", ")})
	}
	var out []BurstPreviewItem
	for _, bl := range lessons.BurstLessons(c, bu, role, department) {
		pick := lessons.Pick{LessonID: bl.Lesson.ID, Reason: lessons.ReasonBurst, BurstID: bu.ID}
		out = append(out, BurstPreviewItem{Seq: bl.Seq, Lesson: bl.Lesson, Card: learn.PromptCard(0, bl.Lesson, pick)})
	}
	return out, nil
}

// FormatBurstPreview renders a preview as plain text: each card with its
// buttons as [labels] and, for a quiz, the right answer.
func FormatBurstPreview(bu *lessons.Burst, role, department string, items []BurstPreviewItem) string {
	var sb strings.Builder
	who := role
	if department != "" {
		who += " on " + department
	}
	fmt.Fprintf(&sb, "Preview of burst %s “%s” (%s) as a %s would see it:", bu.ID, bu.Title, bu.Pace, who)
	if !bu.Targets(role, department) && (department != "" || len(bu.Roles) > 0 && !slices.Contains(bu.Roles, role)) {
		fmt.Fprintf(&sb, "\n(Note: this burst targets %s, so a %s would not get it.)", audienceText(bu), who)
	}
	if len(items) == 0 {
		sb.WriteString("\nNo lesson of this burst is meant for a " + who + ".")
		return sb.String()
	}
	for i, it := range items {
		fmt.Fprintf(&sb, "\n\n— %d/%d · %s (%s) —\n%s", i+1, len(items), it.Lesson.ID, it.Lesson.Kind, it.Card.Text())
		var labels []string
		for _, a := range it.Card.Actions {
			labels = append(labels, "["+a.Label+"]")
		}
		if len(labels) > 0 {
			sb.WriteString("\n" + strings.Join(labels, " "))
		}
		if l := it.Lesson; l.IsQuiz() && l.Answer >= 1 && l.Answer <= len(l.Choices) {
			fmt.Fprintf(&sb, "\n(Right answer: %d) %s)", l.Answer, l.Choices[l.Answer-1])
		}
	}
	return sb.String()
}

// FormatBurstStatus renders a send's counts as an aligned table, one row per
// lesson and a total, under a line saying who was targeted and reached.
// Lesson kinds and the burst's title come from c when it has them.
func FormatBurstStatus(c *lessons.Content, st *Status, loc *time.Location) string {
	var sb strings.Builder
	if loc == nil {
		loc = time.UTC
	}
	title := st.Send.BurstID
	if bu := c.Burst(st.Send.BurstID); bu != nil {
		title += " “" + bu.Title + "”"
	}
	state := "active"
	if st.Send.Status == store.BurstCancelled {
		state = "cancelled " + st.Send.CancelledAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(&sb, "Burst %s (%s) · sent %s · %s\n", title, st.Send.Pace, st.Send.CreatedAt.In(loc).Format("2006-01-02 15:04 MST"), state)
	fmt.Fprintf(&sb, "%d members targeted, %d reached (%s)\n", st.Members, st.Reached, pct(st.Reached, st.Members))
	if st.Unreachable > 0 {
		fmt.Fprintf(&sb, "%d unreachable (blocked or removed the bot, or closed their DMs): not retried\n",
			st.Unreachable)
	}
	sb.WriteString("\n")
	tw := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "lesson\tkind\ttargeted\tsent\tseen\tacknowledged\tanswered\tcorrect\tpending\tcancelled")
	row := func(id, kind string, l store.BurstLessonStats) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", id, kind, l.Targeted, l.Sent, l.Seen, l.Acked, l.Answered,
			l.Correct, l.Pending, l.Cancelled)
	}
	for _, l := range st.Lessons {
		kind := ""
		if ls := c.Lesson(l.LessonID); ls != nil {
			kind = string(ls.Kind)
		}
		row(l.LessonID, kind, l)
	}
	row("total", "", st.Total)
	tw.Flush()
	if st.Total.Answered > 0 {
		fmt.Fprintf(&sb, "\n%s of answers correct.\n", pct(st.Total.Correct, st.Total.Answered))
	}
	if len(st.Waiting) > 0 {
		fmt.Fprintf(&sb, "\nStill to go, in each member's own time:\n%s\n", FormatWaiting(st.Waiting, "  ", 8))
	}
	return strings.TrimRight(sb.String(), "\n")
}

func pct(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%d%%", (n*100+of/2)/of)
}

func audienceText(bu *lessons.Burst) string {
	who := "everyone"
	if len(bu.Roles) > 0 {
		who = strings.Join(bu.Roles, ", ")
	}
	if len(bu.Departments) > 0 {
		who += " in " + strings.Join(bu.Departments, ", ")
	}
	return who
}

func unknownBurst(c *lessons.Content, id string) error {
	var ids []string
	for _, bu := range c.Bursts {
		ids = append(ids, bu.ID)
	}
	if len(ids) == 0 {
		return bot.UserErrT("bursts.err.unknown_none", i18n.Data{"ID": strconv.Quote(id)})
	}
	return bot.UserErrT("bursts.err.unknown", i18n.Data{"ID": strconv.Quote(id), "IDs": strings.Join(ids, ", ")})
}

func cancelledBurst(s *store.BurstSend) error {
	return bot.UserErrT("bursts.err.cancelled", i18n.Data{"ID": s.BurstID, "Date": s.CancelledAt.Format("2006-01-02")})
}

// burstCommand is /burst for trainers: list, preview, send, status, cancel.
func (b *Burst) burstCommand(ctx context.Context, r *bot.Req, text string) (bot.Reply, error) {
	if err := r.RequireT(member.PermTrainer, "bursts.what"); err != nil {
		return bot.Reply{}, err
	}
	args := strings.Fields(text)
	if len(args) == 0 {
		return bot.Reply{Text: r.T("bursts.usage", nil)}, nil
	}
	sub, rest := strings.ToLower(args[0]), args[1:]
	ws, loc := r.Workspace, r.Member.Schedule.Location
	needID := func() (string, bool) {
		if len(rest) < 1 {
			return "", false
		}
		return strings.ToLower(rest[0]), true
	}
	switch sub {
	case "help", "?":
		return bot.Reply{Text: r.T("bursts.usage", nil)}, nil
	case "list", "ls":
		if len(rest) > 0 {
			return r.Usage("/burst list", r.T("bursts.usage.list", nil)), nil
		}
		list, err := b.BurstList(ctx, ws.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstList(list, loc)}, nil
	case "preview":
		id, ok := needID()
		if !ok || len(rest) > 3 {
			return r.Usage("/burst preview ID [ROLE] [DEPARTMENT]", r.T("bursts.usage.preview", nil)), nil
		}
		bu := b.Content().Burst(id)
		if bu == nil {
			return bot.Reply{}, unknownBurst(b.Content(), id)
		}
		role := r.Member.Role
		if len(bu.Roles) > 0 && !slices.Contains(bu.Roles, role) {
			role = bu.Roles[0]
		}
		if len(rest) > 1 {
			role = strings.ToLower(rest[1])
		}
		dept := ""
		if len(rest) > 2 {
			dept = strings.ToLower(strings.TrimPrefix(rest[2], "#"))
		}
		items, err := b.BurstPreview(id, role, dept)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstPreview(bu, role, dept, items)}, nil
	case "send":
		id, ok := needID()
		now := len(rest) == 2 && strings.EqualFold(rest[1], "now")
		if !ok || len(rest) > 2 || (len(rest) == 2 && !now) {
			return r.Usage("/burst send ID [now]", r.T("bursts.usage.send", nil)), nil
		}
		res, err := b.BurstSend(ctx, BurstSendOptions{WorkspaceID: ws.ID, BurstID: id, Now: now, By: r.Member.ID})
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstSend(res, now)}, nil
	case "status":
		id, ok := needID()
		if !ok || len(rest) != 1 {
			return r.Usage("/burst status ID", r.T("bursts.usage.status", nil)), nil
		}
		st, err := b.BurstStatus(ctx, ws.ID, id)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: "```\n" + FormatBurstStatus(b.Content(), st, loc) + "\n```"}, nil
	case "cancel":
		id, ok := needID()
		if !ok || len(rest) != 1 {
			return r.Usage("/burst cancel ID", r.T("bursts.usage.cancel", nil)), nil
		}
		res, err := b.BurstCancel(ctx, ws.ID, id, r.Member.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstCancelIn(r.L(), id, res)}, nil
	}
	return bot.Reply{Text: r.T("bursts.unknown_sub", i18n.Data{"Sub": sub}) + "\n" + r.T("bursts.usage", nil)}, nil
}

// FormatBurstList renders the bursts and their state, one per line.
func FormatBurstList(list []BurstInfo, loc *time.Location) string {
	if len(list) == 0 {
		return "No bursts are imported yet. Add content/bursts/*.yaml and import the content."
	}
	if loc == nil {
		loc = time.UTC
	}
	var sb strings.Builder
	sb.WriteString("Bursts:")
	for _, in := range list {
		bu := in.Burst
		state := "not sent"
		if st := in.Stats; st != nil {
			state = fmt.Sprintf("sent %s to %d members, %d reached", st.Send.CreatedAt.In(loc).Format("2006-01-02"), st.Members, st.Reached)
			if st.Send.Status == store.BurstCancelled {
				state += ", cancelled"
			}
		}
		fmt.Fprintf(&sb, "\n• %s — “%s” · %s · %d lessons · for %s · %s", bu.ID, bu.Title, bu.Pace, len(bu.Lessons), audienceText(bu), state)
	}
	return sb.String()
}

// FormatBurstSend says what a send did, for a person.
func FormatBurstSend(res *BurstSendResult, now bool) string {
	bu := res.Burst
	members := len(res.Recipients)
	if members == 0 {
		return fmt.Sprintf("No one to send burst %s to: no joined member matches %s.", bu.ID, audienceText(bu))
	}
	if res.Added == 0 && !res.Created {
		msg := fmt.Sprintf("Burst %s was already sent to these %d members — nothing was doubled, nothing new to send.", bu.ID, members)
		if res.SentNow > 0 {
			msg += fmt.Sprintf(" %d pending item(s) went out now.", res.SentNow)
		}
		return msg
	}
	msg := fmt.Sprintf("📣 Burst %s “%s” queued for %d members (%d items, %d new).", bu.ID, bu.Title, members, res.Items, res.Added)
	switch {
	case now:
		msg += fmt.Sprintf(" Now: %d prompt(s) on their way to %d member(s) at work; %d member(s) at their next delivery time.",
			res.SentNow, res.MembersNow, res.Later)
		if gs := res.Waiting(); len(gs) > 0 {
			msg += "\nLater, in their own time:\n" + FormatWaiting(gs, "• ", 3)
			return msg + "\nFollow it with `/burst status " + bu.ID + "`."
		}
	case bu.Pace == lessons.PaceDaily:
		msg += " One lesson a work day, starting at each member's next delivery time."
	default:
		msg += " It goes out at each member's next delivery time."
	}
	return msg + " Follow it with `/burst status " + bu.ID + "`."
}

// FormatBurstCancel says what a cancel stopped, in English (the CLI).
func FormatBurstCancel(id string, res *store.BurstCancelResult) string {
	return FormatBurstCancelIn(i18n.For(i18n.Default), id, res)
}

// FormatBurstCancelIn says what a cancel stopped, in l's language.
func FormatBurstCancelIn(l *i18n.Localizer, id string, res *store.BurstCancelResult) string {
	if res.Items == 0 && res.Deliveries == 0 {
		return l.T("bursts.cancel.nothing", i18n.Data{"ID": id})
	}
	return l.T("bursts.cancel.done", i18n.Data{"ID": id, "Items": l.N("bursts.items_pending", int(res.Items), nil),
		"Messages": l.N("bursts.messages_queued", int(res.Deliveries), nil)})
}
