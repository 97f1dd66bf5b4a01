// Package demo generates plausible history for a sandbox database — members
// across roles, departments and time zones, prompts, answers, ratings,
// feedback, huddles and ask-a-super-user questions — with planted problems
// that `huddlebot report signals` and the dashboard must find. It is
// `huddlebot demo seed`.
package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/redact"
	"github.com/huddlebot/huddlebot/store"
)

// ErrSeeded is Seed's error for a database that already holds demo data.
var ErrSeeded = errors.New("this database already has demo data")

// Seeded is what Seed loaded.
type Seeded struct {
	Data *store.DemoData
	Plan Plan
	// Generated is when the history was generated, before it was loaded.
	Generated time.Time
}

// Seed imports the content c into db, generates p.Days of history for
// p.Members made-up members of the sandbox workspace (created in timeZone
// if need be) and loads it, recording an audit entry. It returns ErrSeeded,
// changing nothing but the content, when the workspace was already seeded.
func Seed(ctx context.Context, db *store.DB, c *lessons.Content, p Params, timeZone string) (*Seeded, error) {
	if _, err := db.ContentImport(ctx, c); err != nil {
		return nil, err
	}
	c, err := db.ContentLoad(ctx)
	if err != nil {
		return nil, err
	}
	ws, err := db.WorkspaceEnsure(ctx, "sandbox", "local", timeZone)
	if err != nil {
		return nil, err
	}
	if _, err := db.MemberByUser(ctx, db, ws.ID, demoUserID(1)); err == nil {
		return nil, ErrSeeded
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	p.WorkspaceID = ws.ID
	data, plan, err := Generate(c, p)
	if err != nil {
		return nil, err
	}
	s := &Seeded{Data: data, Plan: plan, Generated: time.Now()}
	if _, err := db.DemoLoad(ctx, data); err != nil {
		return nil, err
	}
	if err := db.Audit(ctx, db, ws.ID, 0, "demo.seed", "", fmt.Sprintf("members=%d days=%d seed=%d", p.Members, p.Days, p.Seed)); err != nil {
		return nil, err
	}
	return s, nil
}

// PrintSummary writes what was seeded into the database at url over days
// days, how long it took (gen to generate, total in all) and the planted
// problems, one "kind subject" line each.
func (s *Seeded) PrintSummary(w io.Writer, days int, url string, gen, total time.Duration) {
	d, plan := s.Data, s.Plan
	answers, ratings, comments := 0, 0, 0
	for _, dl := range d.Deliveries {
		if dl.Answer != nil {
			answers++
		}
	}
	for _, f := range d.Feedback {
		if f.Rating != nil {
			ratings++
		}
		if f.Text != "" {
			comments++
		}
	}
	fmt.Fprintf(w, "seeded %s (sandbox workspace) with %d members and %d days of history in %s (generated in %s):\n",
		url, len(d.Members), days, total.Round(time.Millisecond), gen.Round(time.Millisecond))
	fmt.Fprintf(w, "  %d prompts, %d answers, %d ratings, %d comments, %d huddles, %d ask-a-super-user questions\n",
		len(d.Deliveries), answers, ratings, comments, len(d.Huddles), len(d.Questions))
	fmt.Fprintln(w, "planted problems (huddlebot report signals and /dashboard find them):")
	for _, p := range plan.Problems() {
		fmt.Fprintf(w, "  %-15s %s\n", p[0], p[1])
	}
}

// Params say how much history to generate, and from which seed: the same
// content, Params and seed give the same data.
type Params struct {
	Members, Days int
	Seed          uint64
	Now           time.Time
	WorkspaceID   int64
}

// Plan names the planted problems.
type Plan struct {
	LowTopic        string // accuracy well under 60% throughout
	FallingTopic    string // fine until a week ago, then sharply worse
	QuietDepartment string // most members never answer
	StrugglingRole  string // its new hires are far below their peers
	PoorLesson      string // rated unhelpful
}

// Problems lists the planted problems as (signal kind, subject) pairs.
func (p Plan) Problems() [][2]string {
	return [][2]string{
		{string(lessons.SignalTopicAccuracy), p.LowTopic},
		{string(lessons.SignalTopicFalling), p.FallingTopic},
		{string(lessons.SignalParticipation), p.QuietDepartment},
		{string(lessons.SignalNewHires), p.StrugglingRole},
		{string(lessons.SignalPoorRating), p.PoorLesson},
	}
}

// demoRole is how common a role is and where its people work.
type demoRole struct {
	name   string
	weight float64
	depts  []string
}

var demoRoles = []demoRole{
	{"nurse", 0.36, []string{"4west", "5east", "icu", "ed", "peds"}},
	{"physician", 0.18, []string{"4west", "5east", "icu", "ed", "peds", "clinic"}},
	{"ma", 0.16, []string{"clinic", "peds-clinic"}},
	{"front_desk", 0.16, []string{"clinic", "registration", "peds-clinic"}},
	{"billing", 0.14, []string{"revenue"}},
}

var demoZones = []struct {
	name   string
	weight float64
}{{"America/Chicago", 0.55}, {"America/New_York", 0.2}, {"America/Denver", 0.1}, {"America/Los_Angeles", 0.1}, {"America/Phoenix", 0.05}}

var demoFirst = []string{"Ava", "Ben", "Carmen", "Dev", "Elena", "Femi", "Grace", "Hiro", "Imani", "Jonas", "Kara", "Luis",
	"Mei", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe",
	"Aaron", "Bea", "Chidi", "Dana", "Eli", "Farah", "Gus", "Hana", "Ivan", "Jada", "Kofi", "Lena", "Mateo", "Noor"}

var demoLast = []string{"Adams", "Baptiste", "Chen", "Diaz", "Eriksen", "Fofana", "Garcia", "Haddad", "Ito", "Johnson",
	"Kowalski", "Lopez", "Mensah", "Nguyen", "Okafor", "Patel", "Quintero", "Rossi", "Singh", "Tanaka", "Urban",
	"Varga", "Williams", "Xu", "Yilmaz", "Zhang", "Brooks", "Cruz", "Dubois", "Evans"}

var demoComments = struct{ poor, good, meh, general, questions []string }{
	poor: []string{
		"Too long to read between patients.",
		"The screenshot doesn't match what our workstations show.",
		"Confusing — which button do I actually press?",
		"We already know this, please skip it for our unit.",
		"Not relevant on night shift.",
		"Pt in bed 4 (MRN 00482913) had this exact problem and the tip didn't help.",
	},
	good: []string{
		"Short and useful, thanks!",
		"Clear and to the point — exactly what I needed.",
		"More of these please.",
		"Shared this with the new grads on our unit.",
	},
	meh: []string{
		"The wording of the question was tricky.",
		"Two of the answers looked right to me.",
		"Would be nice to have a short video.",
	},
	general: []string{
		"Love the daily questions, they take 30 seconds.",
		"Could we get more on the new sepsis alert?",
		"Night shift gets these at odd times — can it follow my shift?",
		"The huddle polls are a great way to see what people are stuck on.",
		"Please add something about downtime procedures before the upgrade.",
		"Call me at 555-201-3344 if you want examples from our unit.",
		"Questions about billing edits would help us a lot.",
	},
	questions: []string{
		"How do I reprint a patient wristband?",
		"Where did the held-dose reason go after the update?",
		"Can I pend an order for the provider from the rooming screen?",
		"The sepsis alert fired twice — how do I document the screen?",
		"How do I find the eligibility response from this morning?",
		"Which work queue do modifier-25 edits land in now?",
		"How do I back-enter vitals after downtime?",
	},
}

// demoRNG wraps a seeded generator with the helpers the generator needs.
type demoRNG struct{ *rand.Rand }

func (r demoRNG) chance(p float64) bool          { return r.Float64() < p }
func (r demoRNG) between(a, b float64) float64   { return a + (b-a)*r.Float64() }
func (r demoRNG) pick(xs []string) string        { return xs[r.IntN(len(xs))] }
func (r demoRNG) norm(mean, sd float64) float64  { return mean + sd*r.NormFloat64() }
func (r demoRNG) minutes(a, b int) time.Duration { return time.Duration(a+r.IntN(b-a+1)) * time.Minute }

func demoUserID(i int) string { return fmt.Sprintf("demo-%04d", i) }

// demoHash is a stable number in [0,1) for a string (a lesson's base
// difficulty), independent of the seed.
func demoHash(s string) float64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return float64(h.Sum64()%10000) / 10000
}

// pickPlanted chooses the planted topics and lesson from the content: topics
// whose quizzes carry no other tag (so planting them does not drag other
// topics down), most widely answered first; and the widest-reaching tip that
// is not about either topic.
func pickPlanted(c *lessons.Content, weight map[string]float64) (low, falling, poor string, err error) {
	quizzes := map[string][]*lessons.Lesson{}
	for _, l := range c.Lessons {
		if l.IsQuiz() {
			for _, t := range l.Tags {
				quizzes[t] = append(quizzes[t], l)
			}
		}
	}
	audience := func(ls []*lessons.Lesson) float64 {
		seen := map[string]bool{}
		sum := 0.0
		for _, l := range ls {
			if len(l.Roles) == 0 {
				return 1
			}
			for _, r := range l.Roles {
				if !seen[r] {
					seen[r] = true
					sum += weight[r]
				}
			}
		}
		return sum
	}
	type cand struct {
		tag      string
		overlap  float64
		audience float64
	}
	var cands []cand
	for t, qs := range quizzes {
		if len(qs) < 2 && len(quizzes) > 2 {
			continue
		}
		ov := 0.0
		for u, us := range quizzes {
			if u == t {
				continue
			}
			shared := 0
			for _, q := range qs {
				if slices.Contains(us, q) {
					shared++
				}
			}
			ov = math.Max(ov, float64(shared)/float64(len(us)))
		}
		cands = append(cands, cand{t, ov, audience(qs)})
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.overlap != b.overlap {
			return a.overlap < b.overlap
		}
		if a.audience != b.audience {
			return a.audience > b.audience
		}
		return a.tag < b.tag
	})
	if len(cands) < 2 {
		return "", "", "", fmt.Errorf("the content needs quiz lessons with at least two different tags to plant problems in")
	}
	falling, low = cands[0].tag, cands[1].tag
	var tips []*lessons.Lesson
	for _, l := range c.Lessons {
		if !l.IsQuiz() && !slices.Contains(l.Tags, low) && !slices.Contains(l.Tags, falling) {
			tips = append(tips, l)
		}
	}
	if len(tips) == 0 {
		for _, l := range c.Lessons {
			if !slices.Contains(l.Tags, low) && !slices.Contains(l.Tags, falling) {
				tips = append(tips, l)
			}
		}
	}
	if len(tips) == 0 {
		return "", "", "", fmt.Errorf("the content needs a lesson outside the planted topics to plant a poor rating on")
	}
	sort.SliceStable(tips, func(i, j int) bool {
		ai, aj := audience([]*lessons.Lesson{tips[i]}), audience([]*lessons.Lesson{tips[j]})
		if ai != aj {
			return ai > aj
		}
		return tips[i].ID < tips[j].ID
	})
	return low, falling, tips[0].ID, nil
}

// demoPerson is generation state for one member.
type demoPerson struct {
	idx       int
	role      string
	dept      string
	loc       *time.Location
	sched     member.Schedule
	joined    time.Time
	newHire   bool
	lang      string  // "es" for every third front-desk and medical-assistant member
	respond   float64 // chance of answering a prompt
	skill     float64 // added to every lesson's chance of a right answer
	order     []*lessons.Lesson
	next      int
	lessons   []*lessons.Lesson
	quizzes   []*lessons.Lesson
	reviews   map[string]lessons.Review
	attempts  map[string]int
	superUser bool
}

// Generate builds the demo history for p.WorkspaceID. It is deterministic
// for the same content, parameters and seed.
func Generate(c *lessons.Content, p Params) (*store.DemoData, Plan, error) {
	rng := demoRNG{rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))}
	now := p.Now.UTC()
	histStart := now.AddDate(0, 0, -p.Days)

	// Roles: the default ones with their usual mix, plus any the content adds.
	var roles []demoRole
	weight := map[string]float64{}
	for _, r := range c.Roles {
		dr := demoRole{name: r, weight: 0.05, depts: []string{"general"}}
		for _, d := range demoRoles {
			if d.name == r {
				dr = d
			}
		}
		has := false
		for _, l := range c.Lessons {
			if l.IsQuiz() && l.For(r, dr.depts[0]) {
				has = true
				break
			}
		}
		if has {
			roles = append(roles, dr)
			weight[r] = dr.weight
		}
	}
	if len(roles) == 0 {
		return nil, Plan{}, fmt.Errorf("the content has no quiz lessons for any role")
	}
	low, falling, poor, err := pickPlanted(c, weight)
	if err != nil {
		return nil, Plan{}, err
	}
	plan := Plan{LowTopic: low, FallingTopic: falling, PoorLesson: poor}
	big := roles[0]
	for _, r := range roles {
		if r.weight > big.weight {
			big = r
		}
	}
	plan.StrugglingRole = big.name
	plan.QuietDepartment = big.depts[min(1, len(big.depts)-1)]

	// Members: exact role counts from the weights, departments round-robin
	// within a role so every department gets people.
	total := 0.0
	for _, r := range roles {
		total += r.weight
	}
	var people []*demoPerson
	data := &store.DemoData{WorkspaceID: p.WorkspaceID}
	counts := make([]int, len(roles))
	left := p.Members
	for i, r := range roles {
		counts[i] = int(math.Round(float64(p.Members) * r.weight / total))
		if i == len(roles)-1 || counts[i] > left {
			counts[i] = left
		}
		left -= counts[i]
	}
	onboarding := map[string][]string{}
	for _, t := range c.Tracks {
		if t.Onboarding {
			for _, r := range t.Roles {
				onboarding[r] = append(onboarding[r], t.Lessons...)
			}
		}
	}
	for ri, r := range roles {
		n := counts[ri]
		newHires := int(math.Round(float64(n) * 0.07))
		if r.name == plan.StrugglingRole {
			newHires = max(newHires, 12)
		}
		newHires = min(newHires, n/3)
		for k := 0; k < n; k++ {
			dp := &demoPerson{idx: len(people), role: r.name, dept: r.depts[k%len(r.depts)], newHire: k < newHires,
				reviews: map[string]lessons.Review{}, attempts: map[string]int{}}
			people = append(people, dp)
		}
	}
	// Quiet department: most of its members never answer, a fixed share.
	// New hires are keen, so the silent ones are among the others.
	var quiet []*demoPerson
	nQuiet := 0
	for _, dp := range people {
		if dp.dept == plan.QuietDepartment {
			nQuiet++
			if !dp.newHire {
				quiet = append(quiet, dp)
			}
		}
	}
	rng.Shuffle(len(quiet), func(i, j int) { quiet[i], quiet[j] = quiet[j], quiet[i] })
	disengaged := map[*demoPerson]bool{}
	for i := 0; i < min(len(quiet), int(math.Ceil(float64(nQuiet)*0.62))); i++ {
		disengaged[quiet[i]] = true
	}
	dayStart := func(t time.Time, loc *time.Location) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	}
	supers := map[string][]int{}
	for i, dp := range people {
		zone := demoZones[0].name
		x := rng.Float64()
		for _, z := range demoZones {
			if x < z.weight {
				zone = z.name
				break
			}
			x -= z.weight
		}
		dp.loc, _ = time.LoadLocation(zone)
		if dp.loc == nil {
			dp.loc, zone = time.UTC, "UTC"
		}
		sched := member.Schedule{Location: dp.loc, DeliveryTime: member.DefaultDeliveryTime, WorkStart: member.DefaultWorkStart,
			WorkEnd: member.DefaultWorkEnd, WorkDays: member.DefaultWorkDays}
		switch {
		case (dp.role == "nurse" || dp.role == "physician") && dp.dept != "clinic" && rng.chance(0.3):
			// Night shift, three nights a week.
			sched.WorkStart, sched.WorkEnd, sched.DeliveryTime = 19*60, 7*60+30, 19*60+45
			days := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
			rng.Shuffle(len(days), func(a, b int) { days[a], days[b] = days[b], days[a] })
			sched.WorkDays = 0
			for _, d := range days[:3] {
				sched.WorkDays |= 1 << d
			}
		case dp.role == "nurse" || dp.role == "physician":
			sched.WorkStart, sched.WorkEnd = 7*60, 19*60+30
			sched.DeliveryTime = member.Clock(7*60 + 15*rng.IntN(6))
		default:
			sched.DeliveryTime = member.Clock(8*60 + 15*rng.IntN(5))
		}
		dp.sched = sched
		first, last := rng.pick(demoFirst), rng.pick(demoLast)
		m := store.DemoMember{UserID: demoUserID(i + 1), Name: first + " " + last,
			Email: strings.ToLower(fmt.Sprintf("%s.%s%d@example.org", first, last, i+1)), Role: dp.role, Department: dp.dept,
			TimeZone: zone, DeliveryTime: sched.DeliveryTime, WorkStart: sched.WorkStart, WorkEnd: sched.WorkEnd, WorkDays: sched.WorkDays}
		if (dp.role == "front_desk" || dp.role == "ma") && i%3 == 0 { // not drawn: the random stream stays as it was
			dp.lang, m.Language = "es", "es"
		}
		if dp.newHire {
			start := dayStart(now.AddDate(0, 0, -(3+rng.IntN(24))), dp.loc)
			m.StartDate = start.Format("2006-01-02")
			dp.joined = start.Add(8 * time.Hour)
		} else {
			m.StartDate = now.AddDate(0, 0, -(90 + rng.IntN(15*365))).In(dp.loc).Format("2006-01-02")
			dp.joined = histStart.Add(-time.Duration(1+rng.IntN(30*24)) * time.Hour)
		}
		m.CreatedAt = dp.joined
		if len(supers[dp.dept]) < max(1, len(people)/60) && !dp.newHire && rng.chance(0.25) {
			dp.superUser = true
			m.Permissions = []member.Permission{member.PermSuperUser}
			supers[dp.dept] = append(supers[dp.dept], i)
		}
		if i < 2 {
			m.Permissions = []member.Permission{member.PermTrainer}
		}
		data.Members = append(data.Members, m)

		switch {
		case disengaged[dp]:
			dp.respond = 0
		case dp.newHire:
			dp.respond = rng.between(0.75, 0.95) // new hires are keen
		case dp.dept == plan.QuietDepartment && !dp.newHire:
			dp.respond = rng.between(0.3, 0.6)
		case rng.chance(0.06) && !dp.newHire:
			dp.respond = 0
		default:
			dp.respond = rng.between(0.55, 0.95)
		}
		dp.skill = math.Max(-0.12, math.Min(0.12, rng.norm(0, 0.05)))
		if dp.newHire && dp.role == plan.StrugglingRole {
			dp.skill -= 0.27
		}
		for _, l := range c.Lessons {
			if l.For(dp.role, dp.dept) {
				dp.lessons = append(dp.lessons, l)
				if l.IsQuiz() {
					dp.quizzes = append(dp.quizzes, l)
				}
			}
		}
		dp.order = append([]*lessons.Lesson(nil), dp.lessons...)
		rng.Shuffle(len(dp.order), func(a, b int) { dp.order[a], dp.order[b] = dp.order[b], dp.order[a] })
		if dp.newHire {
			var first []*lessons.Lesson
			for _, id := range onboarding[dp.role] {
				if l := c.Lesson(id); l != nil && l.For(dp.role, dp.dept) && !slices.Contains(first, l) {
					first = append(first, l)
				}
			}
			rest := slices.DeleteFunc(dp.order, func(l *lessons.Lesson) bool { return slices.Contains(first, l) })
			dp.order = append(first, rest...)
		}
	}

	var fallingQuizzes []*lessons.Lesson
	for _, l := range c.Lessons {
		if l.IsQuiz() && slices.Contains(l.Tags, plan.FallingTopic) {
			fallingQuizzes = append(fallingQuizzes, l)
		}
	}
	chanceRight := func(dp *demoPerson, l *lessons.Lesson, at time.Time, attempt int) float64 {
		base := 0.76 + 0.16*demoHash(l.ID)
		switch {
		case slices.Contains(l.Tags, plan.LowTopic):
			base = 0.38
		case slices.Contains(l.Tags, plan.FallingTopic) && !at.Before(now.Add(-7*24*time.Hour)):
			base = 0.42
		case slices.Contains(l.Tags, plan.FallingTopic) && !at.Before(now.Add(-14*24*time.Hour)):
			base = 0.9
		case slices.Contains(l.Tags, plan.FallingTopic):
			base = 0.84
		}
		if attempt > 1 {
			base += 0.07
		}
		return math.Max(0.05, math.Min(0.98, base+dp.skill))
	}

	// Prompts, answers and ratings, one work day at a time per member.
	for _, dp := range people {
		for day := dayStart(histStart, dp.loc); !day.After(now); day = day.AddDate(0, 0, 1) {
			if !dp.sched.WorkDays.Has(day.Weekday()) {
				continue
			}
			sent := day.Add(time.Duration(dp.sched.DeliveryTime) * time.Minute).Add(rng.minutes(0, 2))
			if sent.Before(dp.joined) || sent.After(now) || sent.Before(histStart) {
				continue
			}
			date := day.Format("2006-01-02")
			var l *lessons.Lesson
			reason := "track"
			for _, q := range dp.quizzes { // a due review comes first
				if r, ok := dp.reviews[q.ID]; ok && !r.Retired && r.DueDate <= date {
					l, reason = q, "review"
					break
				}
			}
			if l == nil && len(fallingQuizzes) > 0 && !sent.Before(now.Add(-14*24*time.Hour)) && rng.chance(0.25) {
				// The falling topic changed recently and went out as a burst.
				var fit []*lessons.Lesson
				for _, q := range fallingQuizzes {
					if q.For(dp.role, dp.dept) {
						fit = append(fit, q)
					}
				}
				if len(fit) > 0 {
					l, reason = fit[rng.IntN(len(fit))], "burst"
				}
			}
			if l == nil && dp.next < len(dp.order) {
				l = dp.order[dp.next]
				dp.next++
				if dp.newHire && dp.next <= len(onboarding[dp.role]) {
					reason = "onboarding"
				}
			}
			if l == nil && len(dp.quizzes) > 0 && rng.chance(0.6) {
				l, reason = dp.quizzes[rng.IntN(len(dp.quizzes))], "on-demand"
			}
			if l == nil {
				continue
			}
			dl := store.DemoDelivery{Member: dp.idx, LessonID: l.ID, LessonVersion: max(1, l.Version), Reason: reason,
				ShiftDate: date, Status: store.DeliveryExpired, SentAt: sent, Tip: !l.IsQuiz()}
			if dp.lang != "" && l.Translations[dp.lang] != nil {
				dl.Language = dp.lang // the lesson as they read it; the rest falls back to English
			}
			if now.Sub(sent) < 20*time.Hour {
				dl.Status = store.DeliverySent
			}
			responded := false
			if rng.chance(dp.respond) {
				at := sent.Add(rng.minutes(1, 240))
				if !at.After(now) {
					responded = true
					if l.IsQuiz() {
						dp.attempts[l.ID]++
						attempt := dp.attempts[l.ID]
						ok := rng.chance(chanceRight(dp, l, at, attempt))
						choice := l.Answer
						if !ok {
							choice = 1 + rng.IntN(len(l.Choices)-1)
							if choice >= l.Answer {
								choice++
							}
						}
						dl.Status = store.DeliveryAnswered
						dl.Answer = &store.DemoAnswer{Choice: choice, Correct: ok, Attempt: attempt, At: at}
						dp.reviews[l.ID] = lessons.DefaultSpacing.Apply(dp.reviews[l.ID], ok, date)
					} else if rng.chance(0.8) {
						dl.AckedAt = at
					}
				}
			}
			di := len(data.Deliveries)
			data.Deliveries = append(data.Deliveries, dl)
			if !responded {
				continue
			}
			rateChance := 0.12
			if !l.IsQuiz() {
				rateChance = 0.2
			}
			if !rng.chance(rateChance) {
				continue
			}
			upChance := 0.96
			if l.ID == plan.PoorLesson {
				upChance = 0.15
			}
			v := -1
			if rng.chance(upChance) {
				v = 1
			}
			at := sent.Add(rng.minutes(245, 300))
			if at.After(now) {
				at = now.Add(-time.Minute)
			}
			data.Feedback = append(data.Feedback, store.DemoFeedback{Member: dp.idx, Delivery: di, Kind: store.FeedbackLesson,
				LessonID: l.ID, Rating: &v, At: at})
			commentChance := 0.1
			if l.ID == plan.PoorLesson && v < 0 {
				commentChance = 0.35
			}
			if rng.chance(commentChance) {
				var text string
				switch {
				case l.ID == plan.PoorLesson && v < 0:
					text = rng.pick(demoComments.poor)
				case v > 0:
					text = rng.pick(demoComments.good)
				default:
					text = rng.pick(demoComments.meh)
				}
				clean, kinds := redact.Text(text)
				data.Feedback = append(data.Feedback, store.DemoFeedback{Member: dp.idx, Delivery: di, Kind: store.FeedbackLesson,
					LessonID: l.ID, Text: clean, Redacted: len(kinds) > 0, At: at.Add(time.Minute)})
			}
		}
	}
	for _, dp := range people {
		ids := make([]string, 0, len(dp.reviews))
		for id := range dp.reviews {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			r := dp.reviews[id]
			r.LessonID = id
			data.Reviews = append(data.Reviews, store.DemoReview{Member: dp.idx, LessonID: id, Review: r})
		}
	}

	// General feedback: about one comment per 40 members over the period.
	for i := 0; i < max(3, len(people)*p.Days/(40*30)); i++ {
		dp := people[rng.IntN(len(people))]
		clean, kinds := redact.Text(rng.pick(demoComments.general))
		data.Feedback = append(data.Feedback, store.DemoFeedback{Member: dp.idx, Delivery: -1, Kind: store.FeedbackGeneral,
			Text: clean, Redacted: len(kinds) > 0, At: histStart.Add(time.Duration(rng.Int64N(int64(now.Sub(histStart)))))})
	}

	// Huddles: a weekly one in each department that has a super-user.
	depts := make([]string, 0, len(supers))
	for d := range supers {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	byDept := map[string][]int{}
	for _, dp := range people {
		byDept[dp.dept] = append(byDept[dp.dept], dp.idx)
	}
	titles := []string{"BCMA scanning tips", "What changed in the upgrade", "Sepsis alert Q&A", "Downtime drill debrief", "In-basket clean-up", "Order sets refresher"}
	for _, d := range depts {
		host := supers[d][0]
		loc := people[host].loc
		for wk := dayStart(histStart, loc); !wk.After(now); wk = wk.AddDate(0, 0, 7) {
			start := wk.Add(14 * time.Hour)
			for start.Weekday() != time.Tuesday {
				start = start.AddDate(0, 0, 1)
			}
			end := start.Add(20 * time.Minute)
			if end.After(now) {
				continue
			}
			h := store.DemoHuddle{Host: host, Channel: "#" + d, Title: rng.pick(titles), Agenda: "1. What's new\n2. Your questions",
				Start: start, End: end, Poll: "Did this huddle answer your question?", Options: []string{"Yes", "Partly", "No"},
				Votes: map[int]int{}}
			for _, m := range byDept[d] {
				if people[m].respond > 0 && rng.chance(0.45) {
					h.Attendees = append(h.Attendees, m)
					if rng.chance(0.8) {
						h.Votes[m] = min(2, int(rng.ExpFloat64()*0.7))
					}
				}
			}
			data.Huddles = append(data.Huddles, h)
		}
	}

	// Ask a super-user: about one question per 25 members a week; one in
	// five escalates because nobody on the unit claimed it in time.
	nq := max(4, len(people)*p.Days/(25*7))
	for i := 0; i < nq; i++ {
		asker := people[rng.IntN(len(people))]
		created := histStart.Add(time.Duration(rng.Int64N(int64(now.Sub(histStart)))))
		q := store.DemoQuestion{Asker: asker.idx, Claimer: -1, Department: asker.dept, Text: rng.pick(demoComments.questions),
			Status: "resolved", CreatedAt: created}
		claimAt := created.Add(rng.minutes(1, 9))
		if rng.chance(0.2) {
			q.Level = 1 + rng.IntN(2)
			q.EscalatedAt = created.Add(10 * time.Minute)
			claimAt = created.Add(rng.minutes(12, 90))
		}
		if s := supers[asker.dept]; len(s) > 0 && claimAt.Before(now) {
			q.Claimer, q.ClaimedAt = s[rng.IntN(len(s))], claimAt
			if resolved := claimAt.Add(rng.minutes(2, 30)); resolved.Before(now) {
				q.Resolved = resolved
			} else {
				q.Status = "claimed"
			}
		} else {
			q.Status = "open"
		}
		if q.Status == "open" && q.EscalatedAt.IsZero() {
			q.Level, q.EscalatedAt = 1, created.Add(10*time.Minute)
			if q.EscalatedAt.After(now) {
				q.Level, q.EscalatedAt = 0, time.Time{}
			}
		}
		data.Questions = append(data.Questions, q)
	}
	return data, plan, nil
}
