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
	Start      time.Time // the send's start time (BurstSendOptions.At); zero = now
	DryRun     bool      // nothing was written (BurstSendOptions.DryRun)
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
	res := &BurstSendResult{Burst: bu, At: now, Start: o.At, DryRun: o.DryRun}
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
	Lesson *lessons.Lesson // in the language it is shown in
	Card   *bot.Card
	// Requested is the language asked for when the lesson has no
	// translation into it ("" when it has one, or none was asked for).
	Requested string
}

// BurstPreview returns the cards a member with this role (and department,
// "" = any) who reads lang ("" = the workspace default) would get from a
// burst, in order, exactly as learn.LanguagePromptCard renders them: a
// lesson translated into lang in that language, any other in its own with
// the note saying so. It returns a *bot.UserError for an unknown burst or
// role.
func (b *Burst) BurstPreview(burstID, role, department, lang string) ([]BurstPreviewItem, error) {
	c := b.Content()
	bu := c.Burst(burstID)
	if bu == nil {
		return nil, unknownBurst(c, burstID)
	}
	if !slices.Contains(c.Roles, role) {
		return nil, bot.UserErrT("bursts.err.role", i18n.Data{"Role": strconv.Quote(role), "Roles": strings.Join(c.Roles, ", ")})
	}
	reader := &member.Member{Role: role, Department: department, Language: lang}
	var out []BurstPreviewItem
	for _, bl := range lessons.BurstLessons(c, bu, role, department) {
		pick := lessons.Pick{LessonID: bl.Lesson.ID, Reason: lessons.ReasonBurst, BurstID: bu.ID}
		shown, requested := b.PromptLanguage(reader, bl.Lesson)
		in, _, _ := bl.Lesson.In(shown, b.Config.DefaultLanguage)
		out = append(out, BurstPreviewItem{Seq: bl.Seq, Lesson: in, Requested: requested,
			Card: learn.LanguagePromptCard(b.Bot, 0, bl.Lesson, pick, shown, requested)})
	}
	return out, nil
}

// Readers is how many members of a preview's role read lessons in one
// language, and how many of the burst's lessons they get in it.
type Readers struct {
	Language   string // content language (BCP 47), as bot.ContentLanguage
	Members    int
	Translated int // of the preview's lessons, those shown in Language
}

// PreviewReaders returns, for the joined members of the workspace with
// this role (and department, "" = any), the languages they read lessons
// in, most members first, each with how many of items are shown in it
// (translated, or written in it).
func (b *Burst) PreviewReaders(ctx context.Context, workspaceID int64, role, department string, items []BurstPreviewItem) ([]Readers, error) {
	f := store.MemberFilter{WorkspaceID: workspaceID, JoinedOnly: true, Roles: []string{role}, Limit: 2000}
	if department != "" {
		f.Departments = []string{department}
	}
	count := map[string]int{}
	for {
		ms, err := b.DB.MemberList(ctx, b.DB, f)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			count[b.ContentLanguage(m)]++
		}
		if len(ms) < f.Limit {
			break
		}
		f.AfterID = ms[len(ms)-1].ID
	}
	c := b.Content()
	out := make([]Readers, 0, len(count))
	for lang, n := range count {
		r := Readers{Language: lang, Members: n}
		for _, it := range items {
			if l := c.Lesson(it.Lesson.ID); l != nil {
				if _, _, ok := l.In(lang, b.Config.DefaultLanguage); ok {
					r.Translated++
				}
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y Readers) int {
		if x.Members != y.Members {
			return y.Members - x.Members
		}
		return strings.Compare(x.Language, y.Language)
	})
	return out, nil
}

// FormatReaders says in l's language which languages a role's members
// read the burst's lessons in: "Members with this role here read English
// (3 members, 4 of 4 in that language) and Spanish (…)"; "" for none.
func FormatReaders(l *i18n.Localizer, rs []Readers, of int) string {
	if len(rs) == 0 {
		return ""
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, l.T("bursts.preview.reader", i18n.Data{"Language": bot.LanguageName(l, r.Language),
			"Members": l.N("bursts.members", r.Members, nil), "In": r.Translated, "Of": of}))
	}
	return l.T("bursts.preview.readers", i18n.Data{"Languages": l.List(parts)})
}

// FormatBurstPreview renders a preview as plain text in l's language:
// each card with its buttons as [labels] and, for a quiz, the right answer.
func FormatBurstPreview(l *i18n.Localizer, bu *lessons.Burst, role, department string, items []BurstPreviewItem) string {
	var sb strings.Builder
	who := role
	if department != "" {
		who = l.T("bursts.preview.who_department", i18n.Data{"Role": role, "Department": department})
	}
	sb.WriteString(l.T("bursts.preview.title", i18n.Data{"Burst": titled(l, bu.ID, bu.Title), "Pace": paceName(l, bu.Pace), "Who": who}))
	if !bu.Targets(role, department) && (department != "" || len(bu.Roles) > 0 && !slices.Contains(bu.Roles, role)) {
		sb.WriteString("\n" + l.T("bursts.preview.not_targeted", i18n.Data{"Audience": audienceText(l, bu), "Who": who}))
	}
	if len(items) == 0 {
		sb.WriteString("\n" + l.T("bursts.preview.none", i18n.Data{"Who": who}))
		return sb.String()
	}
	for i, it := range items {
		sb.WriteString("\n\n" + l.T("bursts.preview.item", i18n.Data{"N": i + 1, "Of": len(items), "ID": it.Lesson.ID,
			"Kind": kindName(l, it.Lesson.Kind)}) + "\n" + it.Card.Text())
		var labels []string
		for _, a := range it.Card.Actions {
			labels = append(labels, "["+a.Label+"]")
		}
		if len(labels) > 0 {
			sb.WriteString("\n" + strings.Join(labels, " "))
		}
		if ls := it.Lesson; ls.IsQuiz() && ls.Answer >= 1 && ls.Answer <= len(ls.Choices) {
			sb.WriteString("\n" + l.T("bursts.preview.answer", i18n.Data{"N": ls.Answer, "Choice": ls.Choices[ls.Answer-1]}))
		}
	}
	return sb.String()
}

// FormatBurstStatus renders a send's counts in l's language as an aligned
// table, one row per lesson and a total, under a line saying who was
// targeted and reached; times are in loc. Lesson kinds and the burst's
// title come from c when it has them.
func FormatBurstStatus(l *i18n.Localizer, c *lessons.Content, st *Status, loc *time.Location) string {
	var sb strings.Builder
	if loc == nil {
		loc = time.UTC
	}
	title := st.Send.BurstID
	if bu := c.Burst(st.Send.BurstID); bu != nil {
		title = titled(l, bu.ID, bu.Title)
	}
	state := l.T("bursts.status.active", nil)
	if st.Send.Status == store.BurstCancelled {
		state = l.T("bursts.status.cancelled", i18n.Data{"When": dateTime(l, st.Send.CancelledAt, loc)})
	}
	sb.WriteString(l.T("bursts.status.head", i18n.Data{"Burst": title, "Pace": paceName(l, st.Send.Pace),
		"Sent": dateTime(l, st.Send.CreatedAt, loc), "State": state}) + "\n")
	sb.WriteString(l.T("bursts.status.reach", i18n.Data{"Members": l.N("bursts.members", st.Members, nil), "Reached": st.Reached,
		"Percent": pct(l, st.Reached, st.Members)}) + "\n")
	if st.Unreachable > 0 {
		sb.WriteString(l.N("bursts.status.unreachable", st.Unreachable, nil) + "\n")
	}
	sb.WriteString("\n")
	tw := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, l.T("bursts.status.columns", nil))
	row := func(id, kind string, l store.BurstLessonStats) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", id, kind, l.Targeted, l.Sent, l.Seen, l.Acked, l.Answered,
			l.Correct, l.Pending, l.Cancelled)
	}
	for _, ls := range st.Lessons {
		kind := ""
		if lesson := c.Lesson(ls.LessonID); lesson != nil {
			kind = kindName(l, lesson.Kind)
		}
		row(ls.LessonID, kind, ls)
	}
	row(l.T("bursts.status.total", nil), "", st.Total)
	tw.Flush()
	if st.Total.Answered > 0 {
		sb.WriteString("\n" + l.T("bursts.status.correct", i18n.Data{"Percent": pct(l, st.Total.Correct, st.Total.Answered)}) + "\n")
	}
	if len(st.Waiting) > 0 {
		sb.WriteString("\n" + l.T("bursts.status.waiting", nil) + "\n" + FormatWaiting(l, st.Waiting, "  ", 8) + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}

// titled names a burst with its title in l's quotation marks.
func titled(l *i18n.Localizer, id, title string) string {
	return l.T("bursts.titled", i18n.Data{"ID": id, "Title": title})
}

// dateTime says an instant in loc with its date, year, time and zone
// ("2026-11-24 10:00 UTC", "martes 24 de noviembre de 2026, 10:00 UTC").
func dateTime(l *i18n.Localizer, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return l.T("bursts.date_time", i18n.Data{"Date": l.FullDate(t), "Time": l.Clock(t), "Zone": t.Format("MST")})
}

// paceKeys and kindKeys name a burst's pace and a lesson's kind.
var (
	paceKeys = map[lessons.Pace]string{lessons.PaceAllAtOnce: "bursts.pace.all_at_once", lessons.PaceDaily: "bursts.pace.daily"}
	kindKeys = map[lessons.Kind]string{lessons.KindTip: "bursts.kind.tip", lessons.KindQuiz: "bursts.kind.quiz"}
)

func paceName(l *i18n.Localizer, p lessons.Pace) string {
	if k, ok := paceKeys[p]; ok {
		return l.T(k, nil)
	}
	return string(p)
}

func kindName(l *i18n.Localizer, k lessons.Kind) string {
	if key, ok := kindKeys[k]; ok {
		return l.T(key, nil)
	}
	return string(k)
}

func pct(l *i18n.Localizer, n, of int) string {
	if of == 0 {
		return "–"
	}
	return l.T("learn.percent", i18n.Data{"Percent": (n*100 + of/2) / of})
}

// audienceText says whom a burst targets: its roles, or everyone, and its
// departments.
func audienceText(l *i18n.Localizer, bu *lessons.Burst) string {
	who := l.T("bursts.audience.everyone", nil)
	if len(bu.Roles) > 0 {
		who = strings.Join(bu.Roles, ", ")
	}
	if len(bu.Departments) > 0 {
		who = l.T("bursts.audience.in", i18n.Data{"Who": who, "Departments": strings.Join(bu.Departments, ", ")})
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
	at := s.CancelledAt
	return bot.UserErrT("bursts.err.cancelled", i18n.Data{"ID": s.BurstID,
		"Date": bot.Localized(func(l *i18n.Localizer) string { return l.FullDate(at) })})
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
		return bot.Reply{Text: FormatBurstList(r.L(), list, loc)}, nil
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
		// Each member reads the lessons in their own language where
		// translated; the trainer previews them in theirs.
		items, err := b.BurstPreview(id, role, dept, b.ContentLanguage(r.Member))
		if err != nil {
			return bot.Reply{}, err
		}
		text := FormatBurstPreview(r.L(), bu, role, dept, items)
		readers, err := b.PreviewReaders(ctx, ws.ID, role, dept, items)
		if err != nil {
			return bot.Reply{}, err
		}
		if line := FormatReaders(r.L(), readers, len(items)); line != "" && len(items) > 0 {
			text += "\n\n" + line
		}
		return bot.Reply{Text: text}, nil
	case "send":
		id, ok := needID()
		o, bad := sendOptions(rest, loc)
		if !ok || bad != "" {
			reply := r.Usage("/burst send ID [now]", r.T("bursts.usage.send", nil))
			if bad != "" && bad != "usage" {
				reply.Text = r.T("bursts.err.at", i18n.Data{"Value": bad}) + "\n" + reply.Text
			}
			return reply, nil
		}
		o.WorkspaceID, o.BurstID, o.By = ws.ID, id, r.Member.ID
		res, err := b.BurstSend(ctx, o)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstSend(r.L(), res, o.Now)}, nil
	case "status":
		id, ok := needID()
		if !ok || len(rest) != 1 {
			return r.Usage("/burst status ID", r.T("bursts.usage.status", nil)), nil
		}
		st, err := b.BurstStatus(ctx, ws.ID, id)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: "```\n" + FormatBurstStatus(r.L(), b.Content(), st, loc) + "\n```"}, nil
	case "cancel":
		id, ok := needID()
		if !ok || len(rest) != 1 {
			return r.Usage("/burst cancel ID", r.T("bursts.usage.cancel", nil)), nil
		}
		res, err := b.BurstCancel(ctx, ws.ID, id, r.Member.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{Text: FormatBurstCancel(r.L(), id, res)}, nil
	}
	return bot.Reply{Text: r.T("bursts.unknown_sub", i18n.Data{"Sub": sub}) + "\n" + r.T("bursts.usage", nil)}, nil
}

// sendOptions reads what follows the burst id of /burst send: `now`,
// `at YYYY-MM-DD HH:MM` (in loc) and `dry-run`, in any order. bad is
// "usage" for an unknown word, or the start time that is not one.
func sendOptions(rest []string, loc *time.Location) (o BurstSendOptions, bad string) {
	if loc == nil {
		loc = time.UTC
	}
	for i := 1; i < len(rest); i++ {
		switch w := strings.ToLower(rest[i]); w {
		case "now":
			o.Now = true
		case "dry-run", "dryrun", "--dry-run":
			o.DryRun = true
		case "at", "--at":
			if i+1 >= len(rest) {
				return o, "usage"
			}
			v := rest[i+1]
			i++
			if i+1 < len(rest) && strings.Contains(rest[i+1], ":") {
				v += " " + rest[i+1]
				i++
			}
			at, ok := ParseStart(v, loc)
			if !ok {
				return o, v
			}
			o.At = at
		default:
			return o, "usage"
		}
	}
	return o, ""
}

// ParseStart reads a burst's start time: RFC 3339, or a local
// "YYYY-MM-DD HH:MM" (also with a T, or a dash as Discord's option joins
// the two) in loc. It reports false for anything else.
func ParseStart(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), true
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02-15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// FormatBurstList renders the bursts and their state in l's language, one
// per line; dates are in loc.
func FormatBurstList(l *i18n.Localizer, list []BurstInfo, loc *time.Location) string {
	if len(list) == 0 {
		return l.T("bursts.list.none", nil)
	}
	if loc == nil {
		loc = time.UTC
	}
	var sb strings.Builder
	sb.WriteString(l.T("bursts.list.title", nil))
	for _, in := range list {
		bu := in.Burst
		state := l.T("bursts.list.not_sent", nil)
		if st := in.Stats; st != nil {
			state = l.T("bursts.list.sent", i18n.Data{"Date": l.FullDate(st.Send.CreatedAt.In(loc)),
				"Members": l.N("bursts.members", st.Members, nil), "Reached": st.Reached})
			if st.Send.Status == store.BurstCancelled {
				state = l.T("bursts.list.cancelled", i18n.Data{"State": state})
			}
		}
		sb.WriteString("\n" + l.T("bursts.list.line", i18n.Data{"ID": bu.ID, "Title": bu.Title, "Pace": paceName(l, bu.Pace),
			"Lessons": l.N("bursts.lessons", len(bu.Lessons), nil), "Audience": audienceText(l, bu), "State": state}))
	}
	return sb.String()
}

// FormatBurstSend says what a send did (or, on a dry run, would do), in
// l's language: how many members and items, who gets it now and who later
// and when (in each member's own time), and how to follow it. A start time
// is said in its own location.
func FormatBurstSend(l *i18n.Localizer, res *BurstSendResult, now bool) string {
	bu := res.Burst
	members := len(res.Recipients)
	id := i18n.Data{"ID": bu.ID}
	if members == 0 {
		return l.T("bursts.send.nobody", i18n.Data{"ID": bu.ID, "Audience": audienceText(l, bu)})
	}
	count := func(key string, n int) string { return l.N(key, n, nil) }
	var msg string
	switch {
	case res.DryRun:
		msg = l.T("bursts.send.dry_run", i18n.Data{"Burst": titled(l, bu.ID, bu.Title), "Members": count("bursts.members", members),
			"Items": count("bursts.items", res.Items)})
		if res.Send != nil {
			msg += " " + l.T("bursts.send.dry_run_again", nil)
		}
	case res.Added == 0 && !res.Created:
		msg = l.N("bursts.send.again", members, id)
		if res.SentNow > 0 {
			msg += " " + count("bursts.send.again_now", res.SentNow)
		}
		return msg
	default:
		msg = l.T("bursts.send.queued", i18n.Data{"Burst": titled(l, bu.ID, bu.Title), "Members": count("bursts.members", members),
			"Items": count("bursts.items", res.Items), "New": count("bursts.new", res.Added)})
	}
	switch {
	case now && res.DryRun:
		msg += " " + l.T("bursts.send.now_dry_run", i18n.Data{"AtWork": count("bursts.members", res.MembersNow),
			"Later": count("bursts.members", res.Later)})
	case now:
		msg += " " + l.T("bursts.send.now", i18n.Data{"Prompts": count("bursts.prompts", res.SentNow),
			"AtWork": count("bursts.members", res.MembersNow), "Later": count("bursts.members", res.Later)})
	case !res.Start.IsZero():
		msg += " " + l.T("bursts.send.starts", i18n.Data{"When": dateTime(l, res.Start, res.Start.Location())})
	case bu.Pace == lessons.PaceDaily:
		msg += " " + l.T("bursts.send.daily", nil)
	default:
		msg += " " + l.T("bursts.send.next", nil)
	}
	if gs := res.Waiting(); len(gs) > 0 {
		msg += "\n" + l.T("bursts.send.later", nil) + "\n" + FormatWaiting(l, gs, "• ", 3)
		if res.DryRun {
			return msg
		}
		return msg + "\n" + l.T("bursts.send.follow", id)
	}
	if res.DryRun {
		return msg
	}
	return msg + " " + l.T("bursts.send.follow", id)
}

// FormatBurstCancel says what a cancel stopped, in l's language.
func FormatBurstCancel(l *i18n.Localizer, id string, res *store.BurstCancelResult) string {
	if res.Items == 0 && res.Deliveries == 0 {
		return l.T("bursts.cancel.nothing", i18n.Data{"ID": id})
	}
	return l.T("bursts.cancel.done", i18n.Data{"ID": id, "Items": l.N("bursts.items_pending", int(res.Items), nil),
		"Messages": l.N("bursts.messages_queued", int(res.Deliveries), nil)})
}
