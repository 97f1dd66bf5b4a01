package sim

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/lessons"
)

func TestParsePolicies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Policy
		err  bool
	}{
		{"fixed,trials,fsrs", []Policy{PolicyFixed, PolicyTrials, PolicyFSRS}, false},
		{"fixed|trials|fsrs", []Policy{PolicyFixed, PolicyTrials, PolicyFSRS}, false},
		{"FSRS, trials", []Policy{PolicyFSRS, PolicyTrials}, false},
		{"trials,trials", []Policy{PolicyTrials}, false},
		{"sm2", nil, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePolicies(tt.in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePolicies(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestRunDeterministic: the same seed gives the same figures whatever the
// number of goroutines; another seed gives other figures.
func TestRunDeterministic(t *testing.T) {
	t.Parallel()
	opts := Options{Learners: 40, Days: 60, Items: 15, Seed: 7}
	one := opts
	one.Workers = 1
	a, err := Run(one)
	if err != nil {
		t.Fatal(err)
	}
	four := opts
	four.Workers = 4
	b, err := Run(four)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Results, b.Results) {
		t.Fatalf("1 and 4 workers differ:\n%+v\n%+v", a.Results[0], b.Results[0])
	}
	other := opts
	other.Seed = 8
	c, _ := Run(other)
	if reflect.DeepEqual(a.Results, c.Results) {
		t.Fatal("seeds 7 and 8 gave identical results")
	}
	if len(a.Results) != 3 || a.Results[0].Policy != PolicyFixed || a.Results[2].Policy != PolicyFSRS {
		t.Fatalf("default policies: %+v", a.Results)
	}
}

// TestRunUsesRealRules checks the run against the product's rules: prompts
// go out only on the learner's work days, at most one a day; under trials a
// question answered right comes back no sooner than 24 days and a retired
// question never comes back; under fixed the track is cycled in order;
// under FSRS every review lands on a work day (the clamp) and questions come
// back sooner than under trials at first.
func TestRunUsesRealRules(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	events := map[Policy]map[int][]TraceEvent{}
	opts := Options{Learners: 60, Days: 120, Items: 12, Seed: 3, Trace: func(e TraceEvent) {
		mu.Lock()
		defer mu.Unlock()
		if events[e.Policy] == nil {
			events[e.Policy] = map[int][]TraceEvent{}
		}
		events[e.Policy][e.Learner] = append(events[e.Policy][e.Learner], e)
	}}
	rep, err := Run(opts)
	if err != nil {
		t.Fatal(err)
	}
	firstGap := map[Policy][]int{}
	for p, byLearner := range events {
		total := 0
		for learner, evs := range byLearner {
			total += len(evs)
			lastDay := -1
			type st struct {
				day     int
				correct bool
				streak  int
				asked   int
			}
			hist := map[string]*st{}
			var order []string // fixed: questions in the order first asked
			for _, e := range evs {
				day := start.AddDate(0, 0, e.Day)
				if !e.WorkDays.Has(day.Weekday()) {
					t.Fatalf("%s learner %d: prompt on %s, not a work day (%s)", p, learner, day.Format("Mon 2006-01-02"), e.WorkDays)
				}
				if e.Day <= lastDay {
					t.Fatalf("%s learner %d: two prompts on day %d", p, learner, e.Day)
				}
				lastDay = e.Day
				if p == PolicyFixed && len(order) < opts.Items && !slices.Contains(order, e.LessonID) {
					order = append(order, e.LessonID)
				}
				h := hist[e.LessonID]
				if h != nil && e.Reason == lessons.ReasonReview {
					gap := e.Day - h.day
					switch p {
					case PolicyTrials:
						if h.correct && gap < 24 || !h.correct && gap < 12 {
							t.Fatalf("trials learner %d: %s back after %d days (last answer right: %v)", learner, e.LessonID, gap, h.correct)
						}
						if h.streak >= 2 {
							t.Fatalf("trials learner %d: retired %s asked again", learner, e.LessonID)
						}
					}
					if h.asked == 1 {
						firstGap[p] = append(firstGap[p], gap)
					}
				}
				if !e.Answered {
					continue
				}
				if h == nil {
					h = &st{}
					hist[e.LessonID] = h
				}
				h.day, h.correct, h.asked = e.Day, e.Correct, h.asked+1
				if e.Correct {
					h.streak++
				} else {
					h.streak = 0
				}
			}
			// Fixed cycling asks the track in order (a missed prompt is asked
			// again the next work day).
			if track := Content(opts.Items).Tracks[0].Lessons; p == PolicyFixed && !slices.Equal(order, track[:len(order)]) {
				t.Fatalf("fixed learner %d asked %v, want the track order %v", learner, order, track)
			}
		}
		r := resultOf(rep, p)
		if total != r.Prompts {
			t.Fatalf("%s: traced %d prompts, result says %d", p, total, r.Prompts)
		}
	}
	if mean(firstGap[PolicyFSRS]) >= mean(firstGap[PolicyTrials]) {
		t.Errorf("first review after %.1f days under FSRS, %.1f under trials; FSRS should start shorter",
			mean(firstGap[PolicyFSRS]), mean(firstGap[PolicyTrials]))
	}
	// With 12 questions and 120 days, trials retires most of the track and
	// falls silent; fixed cycling never does.
	if tr, fx := resultOf(rep, PolicyTrials), resultOf(rep, PolicyFixed); tr.Prompts >= fx.Prompts {
		t.Errorf("trials sent %d prompts, fixed %d: retirement should save prompts", tr.Prompts, fx.Prompts)
	}
}

func resultOf(rep *Report, p Policy) Result {
	for _, r := range rep.Results {
		if r.Policy == p {
			return r
		}
	}
	return Result{}
}

func mean(xs []int) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

// TestMemoryModel: recall is 0.9 at t = S and falls with time; a successful
// retrieval at lower recall raises stability more (the spacing effect); a
// lapse lowers it.
func TestMemoryModel(t *testing.T) {
	t.Parallel()
	it := newItems(3, 1)
	l := newLearner(0, it, 1)
	m := memory{seen: true, s: 5, last: 0}
	if r := l.recall(m, 5); math.Abs(r-0.9) > 1e-9 {
		t.Fatalf("R(S) = %v, want 0.9", r)
	}
	if !(l.recall(m, 1) > l.recall(m, 5) && l.recall(m, 5) > l.recall(m, 30)) {
		t.Fatal("recall does not fall with time")
	}
	grow := func(day int) float64 {
		mm := m
		r := l.recall(mm, day)
		return mm.s * (1 + growth*l.ease[0]*math.Pow(mm.s, -0.2)*(1-r))
	}
	if !(grow(20) > grow(5)) {
		t.Fatal("no spacing effect: a later successful review should add more stability")
	}
	if l.recall(memory{}, 10) != 0 {
		t.Fatal("an unseen item is recalled")
	}
}

func TestWriteSVG(t *testing.T) {
	t.Parallel()
	rep, err := Run(Options{Learners: 5, Days: 20, Items: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<polyline") != 6 || !strings.Contains(svg, "fsrs:") {
		t.Fatalf("chart:\n%s", svg)
	}
}

func TestRunValidates(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Learners: 0, Days: 10}, {Learners: 1, Days: 0}, {Learners: 1, Days: 1, Items: 501},
		{Learners: 1, Days: 1, Confidence: 2}, {Learners: 1, Days: 1, FSRS: lessons.FSRS{Retention: 3}}} {
		if _, err := Run(o); err == nil {
			t.Errorf("Run(%+v) accepted", o)
		}
	}
}

// BenchmarkRun is the README's run: 1000 learners × 180 days, three
// policies. Run it with -benchtime 1x.
func BenchmarkRun(b *testing.B) {
	for range b.N {
		began := time.Now()
		if _, err := Run(Options{Learners: 1000, Days: 180, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(began).Seconds(), "s/run")
	}
}
