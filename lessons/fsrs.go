package lessons

import (
	"fmt"
	"math"
	"time"
)

// FSRS-6 (Free Spaced Repetition Scheduler, version 6), implemented from the
// published formulas (open-spaced-repetition, "The Algorithm", FSRS-6) and
// cross-checked against the reference TypeScript implementation ts-fsrs 5.4.2
// by TestFSRSVectors (scripts/fsrs-vectors generates the expectations).
//
// The bot reviews at most once a day per question, so this is the
// "long-term" form of FSRS: no minute-level learning steps, every answer is a
// day-level review (ts-fsrs with enable_short_term=false). Intermediate values
// are rounded to 8 decimals exactly where ts-fsrs rounds them, so that the
// two agree to the last printed digit rather than merely to 1e-6.

// Grade is an FSRS rating of one answer.
type Grade int

// The four FSRS grades. Answers map onto them with GradeOf.
const (
	GradeAgain Grade = 1 // forgot: answered wrong
	GradeHard  Grade = 2 // recalled with difficulty: right but guessed
	GradeGood  Grade = 3 // recalled: right
	GradeEasy  Grade = 4 // recalled easily: right and certain
)

// String names the grade as FSRS does.
func (g Grade) String() string {
	switch g {
	case GradeAgain:
		return "again"
	case GradeHard:
		return "hard"
	case GradeGood:
		return "good"
	case GradeEasy:
		return "easy"
	}
	return fmt.Sprintf("grade(%d)", int(g))
}

// Confidence is how sure a member said they were of a quiz answer.
type Confidence int

// Confidence levels; ConfidenceUnknown means the member did not say.
const (
	ConfidenceUnknown Confidence = iota
	ConfidenceGuessed
	ConfidenceFairlySure
	ConfidenceCertain
)

// GradeOf maps an answer onto an FSRS grade: wrong → Again; right but
// guessed → Hard; right → Good; right and certain → Easy. Confidence on a
// wrong answer does not soften the lapse (a confident error is still a
// lapse, and reports single it out instead).
func GradeOf(correct bool, c Confidence) Grade {
	switch {
	case !correct:
		return GradeAgain
	case c == ConfidenceGuessed:
		return GradeHard
	case c == ConfidenceCertain:
		return GradeEasy
	}
	return GradeGood
}

// FSRSParams are the 21 FSRS-6 weights w0..w20: w0-w3 initial stability per
// grade, w4-w7 difficulty, w8-w10 stability after recall, w11-w14 stability
// after a lapse, w15/w16 the Hard penalty and Easy bonus, w17-w19 same-day
// (short-term) stability, and w20 the decay of the forgetting curve.
type FSRSParams [21]float64

// DefaultFSRSParams are the FSRS-6 defaults, fitted by the FSRS authors on
// hundreds of millions of Anki reviews (ts-fsrs default_w).
var DefaultFSRSParams = FSRSParams{
	0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666,
	0.796, 1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658,
	0.1542,
}

// fsrsParamBounds are the ranges FSRS keeps each weight in (ts-fsrs
// CLAMP_PARAMETERS with short-term scheduling off): fitted or stored weights
// outside them are clamped, so a bad fit cannot produce NaN or absurd
// intervals.
var fsrsParamBounds = [21][2]float64{
	{0.001, 100}, {0.001, 100}, {0.001, 100}, {0.001, 100},
	{1, 10}, {0.001, 4}, {0.001, 4}, {0.001, 0.75},
	{0, 4.5}, {0, 0.8}, {0.001, 3.5},
	{0.001, 5}, {0.001, 0.25}, {0.001, 0.9}, {0, 4},
	{0, 1}, {1, 6},
	{0, 2}, {0, 2}, {0, 0.8},
	{0.1, 0.8},
}

// Clamp returns p with every weight moved into its allowed range (NaN
// becomes the range's lower bound).
func (p FSRSParams) Clamp() FSRSParams {
	for i, b := range fsrsParamBounds {
		v := p[i]
		if math.IsNaN(v) {
			v = b[0]
		}
		p[i] = math.Min(math.Max(v, b[0]), b[1])
	}
	return p
}

// Stability limits (days).
const (
	fsrsMinStability = 0.001
	fsrsMaxStability = 36500.0
)

// DefaultRetention is the recall probability FSRS schedules for by default.
const DefaultRetention = 0.9

// FSRS is the adaptive review rule. The zero value uses the default weights,
// a target retention of 0.9 and a 100-year interval cap.
type FSRS struct {
	Params      *FSRSParams // nil: DefaultFSRSParams
	Retention   float64     // 0: DefaultRetention; otherwise in (0, 1)
	MaxInterval int         // days; 0: 36500
}

// Validate reports a target retention outside (0, 1) or a negative interval
// cap, in words a person can act on.
func (f FSRS) Validate() error {
	if f.Retention != 0 && !(f.Retention > 0 && f.Retention < 1) {
		return fmt.Errorf("FSRS target retention %v must be between 0 and 1 (e.g. 0.9)", f.Retention)
	}
	if f.MaxInterval < 0 {
		return fmt.Errorf("FSRS maximum interval %d must not be negative", f.MaxInterval)
	}
	return nil
}

func (f FSRS) w() *FSRSParams {
	if f.Params == nil {
		return &DefaultFSRSParams
	}
	return f.Params
}

func (f FSRS) retention() float64 {
	if f.Retention <= 0 || f.Retention >= 1 {
		return DefaultRetention
	}
	return f.Retention
}

func (f FSRS) maxInterval() int {
	if f.MaxInterval <= 0 {
		return 36500
	}
	return f.MaxInterval
}

// jsRound rounds half up, like JavaScript's Math.round (Go's math.Round
// rounds half away from zero, which differs for negative halves).
func jsRound(x float64) float64 { return math.Floor(x + 0.5) }

// round8 rounds to 8 decimals, where the reference implementation does.
func round8(x float64) float64 { return jsRound(x*1e8) / 1e8 }

func clampF(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// decayFactor returns the curve's decay (-w20) and the factor that makes
// R(S, S) = 0.9, i.e. stability is the interval at which recall is 90%.
func decayFactor(w *FSRSParams) (decay, factor float64) {
	decay = -w[20]
	factor = round8(math.Exp(math.Log(0.9)/decay) - 1)
	return decay, factor
}

// Retrievability returns the probability of recalling an item of the given
// stability after elapsed days: R = (1 + factor·t/S)^(-w20).
func (f FSRS) Retrievability(elapsedDays, stability float64) float64 {
	if stability <= 0 {
		return 0
	}
	decay, factor := decayFactor(f.w())
	return round8(math.Pow(1+factor*elapsedDays/stability, decay))
}

// intervalModifier is I(r, S)/S: the interval, in units of stability, after
// which recall falls to the target retention.
func (f FSRS) intervalModifier() float64 {
	decay, factor := decayFactor(f.w())
	return round8((math.Pow(f.retention(), 1/decay) - 1) / factor)
}

// interval returns the whole number of days, at least 1 and at most the cap,
// after which an item of stability s falls to the target retention.
func (f FSRS) interval(s float64) int {
	ivl := int(jsRound(s * f.intervalModifier()))
	return min(max(ivl, 1), f.maxInterval())
}

// initDifficulty is D0(G) = w4 − e^(w5·(G−1)) + 1, unclamped (mean reversion
// targets the unclamped D0(Easy)).
func initDifficulty(w *FSRSParams, g Grade) float64 {
	return round8(w[4] - math.Exp(float64(g-1)*w[5]) + 1)
}

// nextDifficulty moves D by −w6·(G−3), damped linearly towards 10, then
// reverts it by w7 towards D0(Easy), within [1, 10].
func nextDifficulty(w *FSRSParams, d float64, g Grade) float64 {
	delta := -w[6] * float64(g-3)
	next := d + round8(delta*(10-d)/9)
	return clampF(round8(w[7]*initDifficulty(w, GradeEasy)+(1-w[7])*next), 1, 10)
}

// recallStability is S'r = S·(1 + e^w8·(11−D)·S^(−w9)·(e^(w10·(1−R))−1)·
// w15[Hard]·w16[Easy]).
func recallStability(w *FSRSParams, d, s, r float64, g Grade) float64 {
	bonus := 1.0
	switch g {
	case GradeHard:
		bonus = w[15]
	case GradeEasy:
		bonus = w[16]
	}
	inc := math.Exp(w[8]) * (11 - d) * math.Pow(s, -w[9]) * (math.Exp((1-r)*w[10]) - 1) * bonus
	return round8(clampF(s*(1+inc), fsrsMinStability, fsrsMaxStability))
}

// forgetStability is S'f = w11·D^(−w12)·((S+1)^w13 − 1)·e^(w14·(1−R)), never
// above the stability before the lapse.
func forgetStability(w *FSRSParams, d, s, r float64) float64 {
	sf := round8(clampF(w[11]*math.Pow(d, -w[12])*(math.Pow(s+1, w[13])-1)*math.Exp((1-r)*w[14]),
		fsrsMinStability, fsrsMaxStability))
	return clampF(round8(s), fsrsMinStability, sf)
}

// MemoryState is the FSRS model of one member's memory of one question:
// stability S (days until recall falls to 90%) and difficulty D in [1, 10].
// The zero value is an item never reviewed.
type MemoryState struct {
	Stability  float64
	Difficulty float64
}

// IsNew reports whether the item has never been reviewed under FSRS.
func (m MemoryState) IsNew() bool { return m.Stability == 0 && m.Difficulty == 0 }

// NextState returns the memory state after a review graded g, elapsedDays
// after the previous one (ignored for a new item; negative counts as 0). A
// grade outside Again..Easy is treated as Good.
func (f FSRS) NextState(m MemoryState, elapsedDays int, g Grade) MemoryState {
	w := f.w()
	if g < GradeAgain || g > GradeEasy {
		g = GradeGood
	}
	if m.IsNew() {
		return MemoryState{Stability: math.Max(w[g-1], 0.1), Difficulty: clampF(initDifficulty(w, g), 1, 10)}
	}
	// A state damaged in storage must not produce NaN intervals.
	s := math.Max(m.Stability, fsrsMinStability)
	d := clampF(m.Difficulty, 1, 10)
	t := float64(max(elapsedDays, 0))
	r := f.Retrievability(t, s)
	var ns float64
	if g == GradeAgain {
		ns = forgetStability(w, d, s, r)
	} else {
		ns = recallStability(w, d, s, r, g)
	}
	return MemoryState{Stability: ns, Difficulty: nextDifficulty(w, d, g)}
}

// Next returns the memory state after a review graded g, elapsedDays after
// the previous one, and the interval in days until the next review. As in
// the reference scheduler, the four possible outcomes are kept in order
// (Again ≤ Hard − 1, Good ≥ Hard + 1, Easy ≥ Good + 1), so a better answer
// never brings the question back sooner.
func (f FSRS) Next(m MemoryState, elapsedDays int, g Grade) (MemoryState, int) {
	if g < GradeAgain || g > GradeEasy {
		g = GradeGood
	}
	var ivl [5]int
	for _, gg := range []Grade{GradeAgain, GradeHard, GradeGood, GradeEasy} {
		ivl[gg] = f.interval(f.NextState(m, elapsedDays, gg).Stability)
	}
	ivl[GradeAgain] = min(ivl[GradeAgain], ivl[GradeHard])
	ivl[GradeHard] = max(ivl[GradeHard], ivl[GradeAgain]+1)
	ivl[GradeGood] = max(ivl[GradeGood], ivl[GradeHard]+1)
	ivl[GradeEasy] = max(ivl[GradeEasy], ivl[GradeGood]+1)
	return f.NextState(m, elapsedDays, g), ivl[g]
}

// WorkDaySet is the part of a member's schedule FSRS needs: which days of the
// week they work (Weekdays satisfies it).
type WorkDaySet interface {
	Has(time.Weekday) bool
}

// Apply returns r after an answer graded g on shiftDate (YYYY-MM-DD) by a
// member working on workDays. Stability and difficulty follow FSRS; the
// elapsed time is counted in calendar days from r.LastReviewDate. The due
// date is shiftDate plus the FSRS interval, moved onto a work day: to the
// latest work day after shiftDate and not after the FSRS date (reviewing a
// little early keeps recall above the target), or, when there is none, to
// the first work day after it. Attempts grows by one; Streak counts
// consecutive non-Again grades. FSRS never retires a question — its
// intervals simply grow — and a lapse un-retires one retired under the
// trials rule. A malformed shiftDate leaves DueDate "", which the planner
// never treats as due.
func (f FSRS) Apply(r Review, g Grade, shiftDate string, workDays WorkDaySet) Review {
	elapsed := 0
	if r.LastReviewDate != "" {
		elapsed = DaysBetween(r.LastReviewDate, shiftDate)
	}
	next, ivl := f.Next(r.Memory, elapsed, g)
	r.Memory = next
	r.Attempts++
	if g == GradeAgain {
		r.Streak = 0
		r.Retired = false
	} else {
		r.Streak++
	}
	r.LastReviewDate = shiftDate
	r.DueDate = WorkDayOnOrBefore(shiftDate, ivl, workDays)
	return r
}

// DaysBetween returns the number of calendar days from a to b (both
// YYYY-MM-DD), negative when b is before a, and 0 when either is malformed.
func DaysBetween(a, b string) int {
	ta, err1 := time.Parse(shiftDateLayout, a)
	tb, err2 := time.Parse(shiftDateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(math.Round(tb.Sub(ta).Hours() / 24))
}

// WorkDayOnOrBefore returns the latest work day in (date, date+days], or,
// when that range holds none, the first work day after date+days (looking a
// week further). A nil or empty workDays returns date+days unchanged, as does
// a malformed date (which yields ""). days below 1 count as 1.
func WorkDayOnOrBefore(date string, days int, workDays WorkDaySet) string {
	days = max(days, 1)
	due := AddDays(date, days)
	if due == "" || workDays == nil {
		return due
	}
	t, _ := time.Parse(shiftDateLayout, due)
	for back := 0; back < days && back < 7; back++ {
		if workDays.Has(t.AddDate(0, 0, -back).Weekday()) {
			return AddDays(due, -back)
		}
	}
	for ahead := 1; ahead <= 7; ahead++ {
		if workDays.Has(t.AddDate(0, 0, ahead).Weekday()) {
			return AddDays(due, ahead)
		}
	}
	return due
}

// SpacingPolicy names the review rule a deployment uses.
type SpacingPolicy string

// The review rules: the spaced-education trials' fixed intervals (the
// default) and adaptive FSRS-6.
const (
	PolicyTrials SpacingPolicy = "trials"
	PolicyFSRS   SpacingPolicy = "fsrs"
)

// ParseSpacingPolicy parses "trials" or "fsrs" ("" is trials).
func ParseSpacingPolicy(s string) (SpacingPolicy, error) {
	switch SpacingPolicy(s) {
	case "", PolicyTrials:
		return PolicyTrials, nil
	case PolicyFSRS:
		return PolicyFSRS, nil
	}
	return "", fmt.Errorf("unknown spacing %q: use trials (fixed 12/24-day intervals, the default) or fsrs (adaptive FSRS-6)", s)
}

// Reviewer applies a deployment's review rule to answers.
type Reviewer struct {
	Policy SpacingPolicy // "" is trials
	Trials Spacing
	FSRS   FSRS
}

// Apply returns r after an answer on shiftDate. Under PolicyFSRS the due
// date, streak and retirement follow FSRS.Apply; otherwise they follow
// Trials.Apply. Either way the FSRS memory state and last review date are
// updated, so a deployment that switches rule later starts FSRS with every
// answer already counted.
func (rv Reviewer) Apply(r Review, correct bool, c Confidence, shiftDate string, workDays WorkDaySet) Review {
	f := rv.FSRS.Apply(r, GradeOf(correct, c), shiftDate, workDays)
	if rv.Policy == PolicyFSRS {
		return f
	}
	out := rv.Trials.Apply(r, correct, shiftDate)
	out.Memory, out.LastReviewDate = f.Memory, f.LastReviewDate
	return out
}

// PastAnswer is one earlier answer to a question, as FSRS replays it.
type PastAnswer struct {
	ShiftDate  string // YYYY-MM-DD
	Correct    bool
	Confidence Confidence
}

// Derive returns the FSRS memory state and last review date after answers
// (oldest first), for reviews answered before FSRS state was kept: replaying
// the history gives the state FSRS would have reached.
func (f FSRS) Derive(answers []PastAnswer) (MemoryState, string) {
	var r Review
	for _, a := range answers {
		r = f.Apply(r, GradeOf(a.Correct, a.Confidence), a.ShiftDate, nil)
	}
	return r.Memory, r.LastReviewDate
}

// Regrade returns r with the latest answer graded again, once the member
// has said how sure they were: prev are the answers before it (oldest
// first) and last is the latest answer with its confidence. The FSRS
// memory is replayed from the history; under PolicyFSRS the due date
// follows the new grade, under trials only the memory changes (the trials
// rule ignores confidence). Attempts, streak and retirement are kept.
func (rv Reviewer) Regrade(r Review, prev []PastAnswer, last PastAnswer, workDays WorkDaySet) Review {
	m, lastDate := rv.FSRS.Derive(prev)
	base := Review{Memory: m, LastReviewDate: lastDate}
	f := rv.FSRS.Apply(base, GradeOf(last.Correct, last.Confidence), last.ShiftDate, workDays)
	r.Memory, r.LastReviewDate = f.Memory, f.LastReviewDate
	if rv.Policy == PolicyFSRS {
		r.DueDate = f.DueDate
	}
	return r
}
