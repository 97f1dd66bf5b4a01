// Package sim runs synthetic learners through the real daily planner,
// schedule and spacing code on a simulated clock, to compare review
// policies without a chat platform (huddlebot simulate).
//
// # Memory model
//
// Each learner's memory of each quiz item follows a power-law forgetting
// curve (Wickelgren 1974; Wixted & Carpenter 2007, "The Wickelgren power
// law and the Ebbinghaus savings function", Psychological Science 18):
//
//	R(t) = (1 + f·t/S)^(−ψ),  f = 0.9^(−1/ψ) − 1
//
// so S (stability, days) is the time at which recall falls to 90%, and ψ is
// the learner's decay. A successful retrieval raises stability more the
// harder it was (the spacing / desirable-difficulty effect, Bjork 1994) and
// less as the memory stabilises, after SuperMemo's two-component model
// (Woźniak, Gorzelańczyk & Murakowski 1995):
//
//	S ← S·(1 + Growth·(a/b)·S^(−0.2)·(1 − R))
//
// A failed retrieval followed by the explanation relearns the item:
// S ← max(S0, 0.3·S). The first exposure (the first quiz plus its
// explanation) encodes S0 = 1 day·(a/b), four times that when the learner
// already knew the answer (probability k_i per item). Answers are multiple
// choice: a learner who does not recall still picks the right answer with
// probability 1/4.
//
// Variation: per learner, ability a ~ LogNormal(0, 0.35), decay ψ ~ U(0.3,
// 0.7), the share of prompts answered ~ U(0.7, 0.98), and work days
// (70% Mon–Fri, 30% three 12-hour shifts a week); per item, difficulty
// b ~ LogNormal(0, 0.5) and prior knowledge k ~ U(0, 0.5); per learner and
// item, a further LogNormal(0, 0.2) factor on a/b. None of these is known to
// the policies: FSRS sees only grades, with its default weights (whose
// decay, 0.1542, differs from every learner's ψ).
//
// Caveat: the growth rule has the same shape as FSRS's own (stability gain
// rising with 1 − R, falling with S); a world that works differently would
// favour FSRS less. The figures compare policies under this model; they are
// not a measurement on people.
package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
)

// Policy is a way of choosing what a learner gets each work day.
type Policy string

// The policies compared.
const (
	// PolicyFixed cycles through the track's questions in order, one a work
	// day, regardless of answers ("fixed daily cycling").
	PolicyFixed Policy = "fixed"
	// PolicyTrials is the default rule: the planner with trials spacing.
	PolicyTrials Policy = "trials"
	// PolicyFSRS is the planner with FSRS-6 spacing.
	PolicyFSRS Policy = "fsrs"
)

// ParsePolicies parses a list such as "fixed,trials,fsrs" (also separated
// by "|" or spaces); duplicates are dropped, order is kept.
func ParsePolicies(s string) ([]Policy, error) {
	var out []Policy
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		p := Policy(strings.ToLower(f))
		switch p {
		case PolicyFixed, PolicyTrials, PolicyFSRS:
		default:
			return nil, fmt.Errorf("unknown policy %q: use fixed, trials and/or fsrs (e.g. fixed,trials,fsrs)", f)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no policy given: use fixed, trials and/or fsrs (e.g. fixed,trials,fsrs)")
	}
	return out, nil
}

// Model constants (see the package comment).
const (
	growth       = 25.0 // stability growth on a successful retrieval
	firstS       = 1.0  // days of stability after the first exposure, for a = b = 1
	knownFactor  = 4.0  // first exposure when the learner already knew it
	relearnShare = 0.3  // share of stability kept after a lapse
	guess        = 0.25 // chance of a right answer without recall (4 choices)
)

// Options configure a run.
type Options struct {
	Learners int
	Days     int
	Items    int // quiz questions in the track (default 40)
	Policies []Policy
	Seed     uint64
	// Confidence is the share of answers that get a confidence tap
	// (Guessed / Fairly sure / Certain), which FSRS turns into Hard/Easy.
	Confidence float64
	// FSRS is the FSRS rule (default weights, retention 0.9 when zero).
	FSRS    lessons.FSRS
	Workers int // goroutines (default GOMAXPROCS)
	// Trace, when set, is called for every prompt sent (from several
	// goroutines at once).
	Trace func(TraceEvent)
}

// TraceEvent is one prompt of a run.
type TraceEvent struct {
	Policy   Policy
	Learner  int
	WorkDays member.Weekdays
	Day      int
	LessonID string
	Reason   lessons.Reason
	Answered bool
	Correct  bool
}

// Point is the mean per learner on one day.
type Point struct {
	Day      int     `json:"day"`
	Prompts  float64 `json:"prompts"`  // cumulative prompts sent
	Retained float64 `json:"retained"` // expected items recalled (Σ R)
}

// Result is one policy's outcome, as means per learner except Prompts and
// Answered.
type Result struct {
	Policy   Policy  `json:"policy"`
	Prompts  int     `json:"prompts_sent"` // over all learners
	Answered int     `json:"answers"`      // over all learners
	Seen     float64 `json:"items_seen"`   // items answered at least once, per learner
	// Mastered is items with recall probability ≥ 0.9 on the last day, per
	// learner.
	Mastered float64 `json:"items_mastered"`
	// Retained is the expected number of items recalled on the last day
	// (Σ R over the track, without guessing), per learner.
	Retained float64 `json:"items_retained"`
	// PromptsPerRetained is prompts sent per item retained on the last day.
	PromptsPerRetained float64 `json:"prompts_per_item_retained"`
	Daily              []Point `json:"daily"`
}

// Report is a whole run.
type Report struct {
	Learners int           `json:"learners"`
	Days     int           `json:"days"`
	Items    int           `json:"items"`
	Seed     uint64        `json:"seed"`
	Elapsed  time.Duration `json:"-"`
	Results  []Result      `json:"results"`
}

// start is day 0 of every run: a Monday.
var start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Content returns the synthetic track the learners work through: n
// four-choice quiz questions for nurses, in one track.
func Content(n int) *lessons.Content {
	c := &lessons.Content{Roles: member.DefaultRoles}
	tr := &lessons.Track{ID: "sim", Title: "Simulated track", Roles: []string{"nurse"}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("sim-q%03d", i+1)
		c.Lessons = append(c.Lessons, &lessons.Lesson{ID: id, Kind: lessons.KindQuiz, Title: id, Roles: []string{"nurse"},
			Question: "?", Choices: []string{"a", "b", "c", "d"}, Answer: 1, Explanation: "."})
		tr.Lessons = append(tr.Lessons, id)
	}
	c.Tracks = []*lessons.Track{tr}
	return c
}

// learner is one synthetic person: fixed traits and per-item memory.
type learner struct {
	member  *member.Member
	ability float64 // a
	decay   float64 // ψ
	factor  float64 // f for ψ
	answers float64 // share of prompts answered
	ease    []float64
	prior   []float64
}

type memory struct {
	seen bool
	s    float64
	last int // day of the last exposure
}

func (l *learner) recall(m memory, day int) float64 {
	if !m.seen {
		return 0
	}
	return math.Pow(1+l.factor*float64(day-m.last)/m.s, -l.decay)
}

// items holds the per-item traits shared by every learner.
type items struct {
	difficulty []float64
	prior      []float64
}

func newItems(n int, seed uint64) items {
	r := rand.New(rand.NewPCG(seed, 0x17e45))
	it := items{difficulty: make([]float64, n), prior: make([]float64, n)}
	for i := range n {
		it.difficulty[i] = math.Exp(0.5 * r.NormFloat64())
		it.prior[i] = 0.5 * r.Float64()
	}
	return it
}

// newLearner draws learner i's traits; the same i gets the same person under
// every policy.
func newLearner(i int, it items, seed uint64) *learner {
	r := rand.New(rand.NewPCG(seed, uint64(i)+1))
	wd := member.MonFri
	if r.Float64() < 0.3 {
		// Three 12-hour shifts a week on a rotating pattern.
		patterns := []member.Weekdays{1<<time.Monday | 1<<time.Wednesday | 1<<time.Friday,
			1<<time.Tuesday | 1<<time.Thursday | 1<<time.Saturday, 1<<time.Sunday | 1<<time.Monday | 1<<time.Tuesday,
			1<<time.Thursday | 1<<time.Friday | 1<<time.Saturday}
		wd = patterns[r.IntN(len(patterns))]
	}
	l := &learner{
		member: &member.Member{ID: int64(i + 1), Role: "nurse", Joined: true, Reachable: true,
			Schedule: member.Schedule{Location: time.UTC, DeliveryTime: member.DefaultDeliveryTime,
				WorkStart: member.DefaultWorkStart, WorkEnd: member.DefaultWorkEnd, WorkDays: wd}},
		ability: math.Exp(0.35 * r.NormFloat64()),
		decay:   0.3 + 0.4*r.Float64(),
		answers: 0.7 + 0.28*r.Float64(),
		ease:    make([]float64, len(it.difficulty)),
		prior:   it.prior,
	}
	l.factor = math.Pow(0.9, -1/l.decay) - 1
	for k := range l.ease {
		l.ease[k] = l.ability / it.difficulty[k] * math.Exp(0.2*r.NormFloat64())
	}
	return l
}

// Run simulates every policy in opts and returns their results.
func Run(opts Options) (*Report, error) {
	if opts.Learners < 1 || opts.Days < 1 {
		return nil, fmt.Errorf("simulate: learners (%d) and days (%d) must be at least 1", opts.Learners, opts.Days)
	}
	if opts.Items == 0 {
		opts.Items = 40
	}
	if opts.Items < 1 || opts.Items > lessons.MaxTrackLessons {
		return nil, fmt.Errorf("simulate: items must be from 1 to %d (got %d)", lessons.MaxTrackLessons, opts.Items)
	}
	if opts.Confidence < 0 || opts.Confidence > 1 {
		return nil, fmt.Errorf("simulate: confidence share must be from 0 to 1 (got %v)", opts.Confidence)
	}
	if err := opts.FSRS.Validate(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if len(opts.Policies) == 0 {
		opts.Policies = []Policy{PolicyFixed, PolicyTrials, PolicyFSRS}
	}
	workers := opts.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	began := time.Now()
	content := Content(opts.Items)
	planner := lessons.NewPlanner(content)
	ids := make([]string, opts.Items)
	index := make(map[string]int, opts.Items)
	for i, l := range content.Lessons {
		ids[i], index[l.ID] = l.ID, i
	}
	it := newItems(opts.Items, opts.Seed)
	rep := &Report{Learners: opts.Learners, Days: opts.Days, Items: opts.Items, Seed: opts.Seed}
	for _, p := range opts.Policies {
		outs := make([]outcome, opts.Learners)
		var wg sync.WaitGroup
		next := make(chan int, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					outs[i] = simulate(p, newLearner(i, it, opts.Seed), planner, ids, index, opts)
				}
			}()
		}
		for i := range opts.Learners {
			next <- i
		}
		close(next)
		wg.Wait()
		rep.Results = append(rep.Results, summarise(p, outs, opts))
	}
	rep.Elapsed = time.Since(began)
	return rep, nil
}

// outcome is one learner's run under one policy.
type outcome struct {
	prompts, answered, seen, mastered int
	retained                          float64
	daily                             []Point // cumulative prompts and Σ R, per day
}

func summarise(p Policy, outs []outcome, opts Options) Result {
	res := Result{Policy: p, Daily: make([]Point, opts.Days+1)}
	n := float64(len(outs))
	for d := range res.Daily {
		res.Daily[d].Day = d
	}
	// Summed in learner order, so the result does not depend on how the
	// learners were spread over goroutines.
	for _, o := range outs {
		res.Prompts += o.prompts
		res.Answered += o.answered
		res.Seen += float64(o.seen) / n
		res.Mastered += float64(o.mastered) / n
		res.Retained += o.retained / n
		for d, pt := range o.daily {
			res.Daily[d].Prompts += pt.Prompts / n
			res.Daily[d].Retained += pt.Retained / n
		}
	}
	if res.Retained > 0 {
		res.PromptsPerRetained = float64(res.Prompts) / n / res.Retained
	}
	return res
}

// simulate runs one learner under one policy. The answer stream is seeded
// by the learner alone, so policies face the same person with the same luck
// as far as their choices allow.
func simulate(p Policy, l *learner, planner *lessons.Planner, ids []string, index map[string]int, opts Options) outcome {
	r := rand.New(rand.NewPCG(opts.Seed^0x5eed, uint64(l.member.ID)))
	mem := make([]memory, len(ids))
	seen := map[string]bool{}
	var reviews []lessons.Review
	at := map[string]int{} // lesson id → index in reviews
	rv := lessons.Reviewer{Policy: lessons.PolicyTrials, Trials: lessons.DefaultSpacing, FSRS: opts.FSRS}
	if p == PolicyFSRS {
		rv.Policy = lessons.PolicyFSRS
	}
	out := outcome{daily: make([]Point, opts.Days+1)}
	for day := 0; day < opts.Days; day++ {
		out.daily[day] = Point{Day: day, Prompts: float64(out.prompts), Retained: l.retained(mem, day)}
		now := start.AddDate(0, 0, day).Add(10 * time.Hour) // after the 08:30 delivery, inside work hours
		_, shiftDate, ok := l.member.Schedule.DeliverySlot(now)
		if !ok {
			continue
		}
		st := lessons.PlanState{Member: l.member, ShiftDate: shiftDate, Now: now, Seen: seen}
		if p != PolicyFixed {
			st.Reviews = reviews
		}
		pick, ok := planner.Plan(st)
		if !ok && p == PolicyFixed {
			// Every question asked once in this cycle: start the next.
			clear(seen)
			pick, ok = planner.Plan(st)
		}
		if !ok {
			continue
		}
		out.prompts++
		ev := TraceEvent{Policy: p, Learner: int(l.member.ID - 1), WorkDays: l.member.Schedule.WorkDays, Day: day,
			LessonID: pick.LessonID, Reason: pick.Reason}
		if r.Float64() >= l.answers {
			if opts.Trace != nil {
				opts.Trace(ev)
			}
			continue // unanswered: it expires and counts as not seen
		}
		out.answered++
		k := index[pick.LessonID]
		correct, conf := l.answer(&mem[k], k, day, r, opts.Confidence)
		if opts.Trace != nil {
			ev.Answered, ev.Correct = true, correct
			opts.Trace(ev)
		}
		seen[pick.LessonID] = true
		if p == PolicyFixed {
			continue
		}
		j, ok := at[pick.LessonID]
		if !ok {
			j = len(reviews)
			at[pick.LessonID] = j
			reviews = append(reviews, lessons.Review{LessonID: pick.LessonID})
		}
		reviews[j] = rv.Apply(reviews[j], correct, conf, shiftDate, l.member.Schedule.WorkDays)
	}
	out.retained = l.retained(mem, opts.Days)
	out.daily[opts.Days] = Point{Day: opts.Days, Prompts: float64(out.prompts), Retained: out.retained}
	for k := range mem {
		if mem[k].seen {
			out.seen++
			if l.recall(mem[k], opts.Days) >= 0.9 {
				out.mastered++
			}
		}
	}
	return out
}

// retained is Σ R over the track on day.
func (l *learner) retained(mem []memory, day int) float64 {
	sum := 0.0
	for _, m := range mem {
		sum += l.recall(m, day)
	}
	return sum
}

// answer simulates the learner answering item k on day, updates their
// memory, and returns whether the answer was right and the confidence they
// tapped (ConfidenceUnknown when they did not).
func (l *learner) answer(m *memory, k, day int, r *rand.Rand, tapShare float64) (bool, lessons.Confidence) {
	s0 := firstS * l.ease[k]
	var recalled bool
	var rNow float64
	if !m.seen {
		recalled = r.Float64() < l.prior[k]
		rNow = 1
		if recalled {
			m.s = knownFactor * s0
		} else {
			m.s = s0
		}
		m.seen = true
	} else {
		rNow = l.recall(*m, day)
		recalled = r.Float64() < rNow
		if recalled {
			m.s *= 1 + growth*l.ease[k]*math.Pow(m.s, -0.2)*(1-rNow)
		} else {
			m.s = math.Max(s0, relearnShare*m.s)
		}
	}
	m.last = day
	correct := recalled || r.Float64() < guess
	conf := lessons.ConfidenceUnknown
	if r.Float64() < tapShare {
		switch {
		case !recalled:
			conf = lessons.ConfidenceGuessed
			if r.Float64() < 0.3 {
				conf = lessons.ConfidenceFairlySure // some wrong guesses feel sure
			}
		case rNow >= 0.9:
			conf = lessons.ConfidenceCertain
		default:
			conf = lessons.ConfidenceFairlySure
		}
	}
	return correct, conf
}
