package lessons

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// fsrsVectors is lessons/testdata/fsrs_vectors.json, written by
// scripts/fsrs-vectors from the reference implementation ts-fsrs.
type fsrsVectors struct {
	Generator string `json:"generator"`
	Cases     []struct {
		Name      string    `json:"name"`
		W         []float64 `json:"w"`
		Retention float64   `json:"retention"`
		Steps     []struct {
			Elapsed    int     `json:"elapsed_days"`
			Grade      Grade   `json:"grade"`
			Stability  float64 `json:"stability"`
			Difficulty float64 `json:"difficulty"`
			Interval   int     `json:"interval"`
		} `json:"steps"`
	} `json:"cases"`
}

func TestFSRSVectors(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/fsrs_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v fsrsVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 50 {
		t.Fatalf("only %d cases in the vectors file; regenerate it", len(v.Cases))
	}
	steps := 0
	for _, c := range v.Cases {
		if len(c.W) != 21 {
			t.Fatalf("%s: %d weights", c.Name, len(c.W))
		}
		var p FSRSParams
		copy(p[:], c.W)
		f := FSRS{Params: &p, Retention: c.Retention}
		var m MemoryState
		for i, s := range c.Steps {
			var ivl int
			m, ivl = f.Next(m, s.Elapsed, s.Grade)
			steps++
			if math.Abs(m.Stability-s.Stability) > 1e-6 || math.Abs(m.Difficulty-s.Difficulty) > 1e-6 || ivl != s.Interval {
				t.Errorf("%s, step %d (after %d days, %s): got S=%.8f D=%.8f interval %d; ts-fsrs S=%.8f D=%.8f interval %d",
					c.Name, i+1, s.Elapsed, s.Grade, m.Stability, m.Difficulty, ivl, s.Stability, s.Difficulty, s.Interval)
				break
			}
			// Carry the reference state forward, so one early difference
			// does not hide later ones.
			m = MemoryState{Stability: s.Stability, Difficulty: s.Difficulty}
		}
	}
	t.Logf("%d steps in %d cases agree with %s", steps, len(v.Cases), v.Generator)
}

func TestFSRSDefaults(t *testing.T) {
	t.Parallel()
	f := FSRS{}
	// Stability is by definition the interval at which recall is 90%.
	for _, s := range []float64{0.5, 3, 40, 900} {
		if r := f.Retrievability(s, s); math.Abs(r-0.9) > 1e-6 {
			t.Errorf("R(S=%v, t=S) = %v, want 0.9", s, r)
		}
	}
	// At the default target retention of 0.9 the interval is the stability.
	for _, s := range []float64{2.3065, 10, 123.4} {
		if got, want := f.interval(s), int(math.Round(s)); got != want {
			t.Errorf("interval(S=%v) = %d, want %d", s, got, want)
		}
	}
	// A higher target retention brings items back sooner.
	if lo, hi := (FSRS{Retention: 0.8}).interval(50), (FSRS{Retention: 0.95}).interval(50); !(lo > 50 && hi < 50) {
		t.Errorf("interval(S=50) at retention 0.8 = %d, at 0.95 = %d; want >50 and <50", lo, hi)
	}
	if err := (FSRS{Retention: 1.2}).Validate(); err == nil {
		t.Error("retention 1.2 accepted")
	}
	if err := (FSRS{Retention: 0.85}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestGradeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		correct bool
		c       Confidence
		want    Grade
	}{
		{false, ConfidenceUnknown, GradeAgain},
		{false, ConfidenceCertain, GradeAgain},
		{false, ConfidenceGuessed, GradeAgain},
		{true, ConfidenceGuessed, GradeHard},
		{true, ConfidenceUnknown, GradeGood},
		{true, ConfidenceFairlySure, GradeGood},
		{true, ConfidenceCertain, GradeEasy},
	}
	for _, tt := range tests {
		if got := GradeOf(tt.correct, tt.c); got != tt.want {
			t.Errorf("GradeOf(%v, %d) = %s, want %s", tt.correct, tt.c, got, tt.want)
		}
	}
}

// randomMemory returns a reviewed memory state and a plausible elapsed time.
func randomMemory(r *rand.Rand) (MemoryState, int) {
	s := math.Exp(r.Float64()*math.Log(3000)) * 0.05 // 0.05 .. 150 days, log-uniform
	d := 1 + 9*r.Float64()
	return MemoryState{Stability: s, Difficulty: d}, r.IntN(int(3*s) + 2)
}

func TestFSRSPropertyStability(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range []FSRS{{}, {Retention: 0.8}, {Params: &FSRSParams{0.4, 0.9, 3.1, 12.5, 5.8, 1.1, 2.2, 0.02, 1.6,
		0.25, 1.2, 1.9, 0.1, 0.35, 1.3, 0.45, 2.4, 0.3, 0.2, 0.12, 0.35}}} {
		for i := 0; i < 20000; i++ {
			m, elapsed := randomMemory(r)
			again := f.NextState(m, elapsed, GradeAgain)
			if again.Stability > m.Stability+1e-8 {
				t.Fatalf("%+v after %d days: a lapse raised stability to %v", m, elapsed, again.Stability)
			}
			var prev MemoryState
			for _, g := range []Grade{GradeHard, GradeGood, GradeEasy} {
				n := f.NextState(m, elapsed, g)
				// A success never lowers stability (it grows unless recall was
				// certain, R = 1 on a same-day review).
				if n.Stability < m.Stability-1e-8 || (elapsed > 0 && n.Stability <= m.Stability) {
					t.Fatalf("%+v after %d days: %s gave stability %v", m, elapsed, g, n.Stability)
				}
				if n.Stability < again.Stability {
					t.Fatalf("%+v: %s stability %v below Again's %v", m, g, n.Stability, again.Stability)
				}
				if g > GradeHard && n.Stability < prev.Stability {
					t.Fatalf("%+v: %s stability %v below the grade under it (%v)", m, g, n.Stability, prev.Stability)
				}
				if n.Difficulty < 1 || n.Difficulty > 10 {
					t.Fatalf("%+v: %s difficulty %v outside [1, 10]", m, g, n.Difficulty)
				}
				prev = n
			}
			// Better answers never bring a question back sooner.
			last := 0
			for _, g := range []Grade{GradeAgain, GradeHard, GradeGood, GradeEasy} {
				_, ivl := f.Next(m, elapsed, g)
				if ivl <= last {
					t.Fatalf("%+v after %d days: %s interval %d not above %d", m, elapsed, g, ivl, last)
				}
				last = ivl
			}
		}
	}
}

func TestFSRSPropertyWorkDays(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	sets := []member.Weekdays{member.MonFri, member.AllWeek, 1 << time.Saturday, 1<<time.Monday | 1<<time.Thursday, 1 << time.Sunday,
		1<<time.Friday | 1<<time.Saturday | 1<<time.Sunday}
	f := FSRS{}
	for _, wd := range sets {
		rev := Review{LessonID: "q"}
		date := "2026-03-02"
		for i := 0; i < 3000; i++ {
			if i%40 == 0 {
				rev = Review{LessonID: "q"} // start over now and then, to test new items too
			}
			g := Grade(1 + r.IntN(4))
			next := f.Apply(rev, g, date, wd)
			due, err := time.Parse(shiftDateLayout, next.DueDate)
			if err != nil {
				t.Fatalf("due date %q: %v", next.DueDate, err)
			}
			if !wd.Has(due.Weekday()) {
				t.Fatalf("%s: answer on %s, due %s is a %s", wd, date, next.DueDate, due.Weekday())
			}
			if next.DueDate <= date {
				t.Fatalf("%s: answer on %s, due %s not after it", wd, date, next.DueDate)
			}
			// An FSRS date on a work day is kept; otherwise the review comes
			// at most 6 days early, or late only when the interval had no
			// work day in it at all.
			_, ivl := f.Next(rev.Memory, DaysBetween(rev.LastReviewDate, date), g)
			if rev.LastReviewDate == "" {
				_, ivl = f.Next(rev.Memory, 0, g)
			}
			fsrsDue := AddDays(date, ivl)
			shift := DaysBetween(fsrsDue, next.DueDate)
			switch {
			case shift > 0 && ivl >= 7:
				t.Fatalf("%s: FSRS due %s moved later to %s although the interval spans a week", wd, fsrsDue, next.DueDate)
			case shift < -6:
				t.Fatalf("%s: FSRS due %s moved %d days early", wd, fsrsDue, -shift)
			}
			if g == GradeAgain && next.Streak != 0 || g != GradeAgain && next.Streak != rev.Streak+1 {
				t.Fatalf("streak %d after %s from %d", next.Streak, g, rev.Streak)
			}
			rev = next
			// Answer on the due date, or a few days early or late.
			date = AddDays(next.DueDate, r.IntN(5)-2)
			if date <= rev.LastReviewDate {
				date = AddDays(rev.LastReviewDate, 1)
			}
		}
	}
}

func TestWorkDayOnOrBefore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date string
		days int
		wd   member.Weekdays
		want string
	}{
		{"2026-03-02", 3, member.MonFri, "2026-03-05"},   // Mon+3 = Thu, a work day
		{"2026-03-02", 5, member.MonFri, "2026-03-06"},   // Sat → the Friday before
		{"2026-03-02", 6, member.MonFri, "2026-03-06"},   // Sun → the Friday before
		{"2026-03-06", 1, member.MonFri, "2026-03-09"},   // Fri+1 = Sat, no work day in (Fri, Sat] → Monday
		{"2026-03-06", 2, member.MonFri, "2026-03-09"},   // Fri+2 = Sun → Monday
		{"2026-03-06", 0, member.MonFri, "2026-03-09"},   // 0 counts as 1
		{"2026-03-02", 30, member.AllWeek, "2026-04-01"}, // every day works
		{"2026-03-02", 10, 1 << time.Wednesday, "2026-03-11"},
		{"2026-03-02", 8, 1 << time.Wednesday, "2026-03-04"},
		{"bad", 3, member.MonFri, ""},
	}
	for _, tt := range tests {
		if got := WorkDayOnOrBefore(tt.date, tt.days, tt.wd); got != tt.want {
			t.Errorf("WorkDayOnOrBefore(%s, %d, %s) = %s, want %s", tt.date, tt.days, tt.wd, got, tt.want)
		}
	}
}

func TestFSRSParamsClamp(t *testing.T) {
	t.Parallel()
	if DefaultFSRSParams.Clamp() != DefaultFSRSParams {
		t.Error("the defaults are outside the parameter bounds")
	}
	p := DefaultFSRSParams
	p[20], p[7], p[0] = 5, math.NaN(), -1
	c := p.Clamp()
	if c[20] != 0.8 || c[7] != 0.001 || c[0] != 0.001 {
		t.Errorf("Clamp = %v", c)
	}
}

func TestReviewerKeepsFSRSUnderTrials(t *testing.T) {
	t.Parallel()
	trials := Reviewer{Trials: DefaultSpacing}
	fsrs := Reviewer{Policy: PolicyFSRS, Trials: DefaultSpacing}
	var a, b Review
	for i, ans := range []struct {
		correct bool
		c       Confidence
		on      string
	}{{true, ConfidenceUnknown, "2026-03-02"}, {false, ConfidenceCertain, "2026-03-26"}, {true, ConfidenceGuessed, "2026-04-07"}} {
		a = trials.Apply(a, ans.correct, ans.c, ans.on, member.MonFri)
		b = fsrs.Apply(b, ans.correct, ans.c, ans.on, member.MonFri)
		if a.Memory != b.Memory || a.LastReviewDate != ans.on {
			t.Fatalf("answer %d: FSRS memory under trials %+v, under fsrs %+v", i+1, a, b)
		}
		if want := DefaultSpacing.Apply(Review{}, ans.correct, ans.on).DueDate; a.DueDate != want {
			t.Fatalf("answer %d: trials due %s, want %s", i+1, a.DueDate, want)
		}
	}
	if a.Memory.IsNew() || a.DueDate == b.DueDate {
		t.Fatalf("trials %+v and fsrs %+v should share memory but not due dates", a, b)
	}
	for _, s := range []string{"", "trials", "fsrs"} {
		if _, err := ParseSpacingPolicy(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseSpacingPolicy("sm2"); err == nil {
		t.Error("sm2 accepted")
	}
}

func TestFSRSDerive(t *testing.T) {
	t.Parallel()
	f := FSRS{}
	hist := []PastAnswer{{"2026-03-02", true, ConfidenceUnknown}, {"2026-03-05", false, ConfidenceCertain},
		{"2026-03-06", true, ConfidenceGuessed}, {"2026-03-16", true, ConfidenceCertain}}
	m, last := f.Derive(hist)
	var want MemoryState
	prev := ""
	for _, a := range hist {
		el := 0
		if prev != "" {
			el = DaysBetween(prev, a.ShiftDate)
		}
		want, _ = f.Next(want, el, GradeOf(a.Correct, a.Confidence))
		prev = a.ShiftDate
	}
	if m != want || last != "2026-03-16" {
		t.Fatalf("Derive = %+v, %s; want %+v, 2026-03-16", m, last, want)
	}
	if m, last := f.Derive(nil); !m.IsNew() || last != "" {
		t.Fatalf("Derive(nil) = %+v, %q", m, last)
	}
}

func TestReviewerRegrade(t *testing.T) {
	t.Parallel()
	prev := []PastAnswer{{"2026-03-02", true, ConfidenceUnknown}}
	last := PastAnswer{"2026-03-05", true, ConfidenceUnknown}
	for _, policy := range []SpacingPolicy{PolicyTrials, PolicyFSRS} {
		rv := Reviewer{Policy: policy, Trials: DefaultSpacing}
		r := rv.Apply(Review{LessonID: "q"}, true, ConfidenceUnknown, prev[0].ShiftDate, member.MonFri)
		r = rv.Apply(r, true, ConfidenceUnknown, last.ShiftDate, member.MonFri)
		// Regrading with no confidence changes nothing.
		if got := rv.Regrade(r, prev, last, member.MonFri); got != r {
			t.Fatalf("%s: regrade without confidence %+v, want %+v", policy, got, r)
		}
		certain := last
		certain.Confidence = ConfidenceCertain
		easy := rv.Regrade(r, prev, certain, member.MonFri)
		want := rv.Apply(rv.Apply(Review{LessonID: "q"}, true, ConfidenceUnknown, prev[0].ShiftDate, member.MonFri),
			true, ConfidenceCertain, last.ShiftDate, member.MonFri)
		if easy.Memory != want.Memory || easy.Memory.Stability <= r.Memory.Stability {
			t.Fatalf("%s: certain gave memory %+v, want %+v (more stable than %+v)", policy, easy.Memory, want.Memory, r.Memory)
		}
		if easy.Attempts != 2 || easy.Streak != 2 {
			t.Fatalf("%s: attempts/streak changed: %+v", policy, easy)
		}
		if policy == PolicyFSRS && (easy.DueDate != want.DueDate || easy.DueDate <= r.DueDate) {
			t.Fatalf("fsrs: certain due %s, want %s (later than %s)", easy.DueDate, want.DueDate, r.DueDate)
		}
		if policy == PolicyTrials && easy.DueDate != r.DueDate {
			t.Fatalf("trials: confidence moved the due date to %s", easy.DueDate)
		}
	}
}
