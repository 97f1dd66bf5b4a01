package lessons

import (
	"fmt"
	"math"
)

// Fitting FSRS weights to a deployment's own answers. The loss is the one the
// FSRS authors optimise and benchmark: the log loss of the predicted recall
// probability R(t, S) against whether each review was answered right, over
// every review that follows an earlier one on a later day (a first answer
// has no prediction; a same-day repeat says nothing about forgetting).
//
// The official optimiser uses gradients from PyTorch; here the gradient is
// taken by finite differences, which is plenty for 21 weights, and steps are
// Adam steps in a space where every weight's allowed range is [0, 1], with a
// small pull towards the defaults so a thin history cannot drag weights to
// the edges of their ranges.

// MinFitReviews is the fewest scored reviews (answers that follow an earlier
// answer to the same question on an earlier day) FitFSRS will fit to; with
// fewer the defaults, fitted on millions of reviews, predict better.
const MinFitReviews = 1000

// FitOptions tune FitFSRS; zero values take the defaults.
type FitOptions struct {
	Steps        int     // Adam steps (default 120)
	LearningRate float64 // in the normalised space (default 0.02)
	// Prior weighs the pull towards the starting weights (default 0.02):
	// the penalty is Prior·Σ(u − u0)² in the normalised space.
	Prior float64
}

// FitResult describes a fit.
type FitResult struct {
	Reviews    int     // scored reviews
	LossBefore float64 // log loss with the starting weights
	LossAfter  float64 // log loss with the fitted weights
}

// ErrTooFewReviews is returned by FitFSRS when the history is too thin.
type ErrTooFewReviews struct{ Have, Need int }

func (e ErrTooFewReviews) Error() string {
	return fmt.Sprintf("too few reviews to fit FSRS: %d answers follow an earlier answer to the same question on an earlier day, "+
		"and fitting needs at least %d; keep the default weights until then", e.Have, e.Need)
}

type fitStep struct {
	elapsed int
	grade   Grade
	scored  bool // predicted: not the first answer, not a same-day repeat
}

// fitData turns answer histories (each one member's answers to one question,
// oldest first) into grade sequences and counts the scored reviews.
func fitData(histories [][]PastAnswer) ([][]fitStep, int) {
	seqs := make([][]fitStep, 0, len(histories))
	n := 0
	for _, h := range histories {
		if len(h) == 0 {
			continue
		}
		seq := make([]fitStep, len(h))
		for i, a := range h {
			seq[i].grade = GradeOf(a.Correct, a.Confidence)
			if i > 0 {
				seq[i].elapsed = max(DaysBetween(h[i-1].ShiftDate, a.ShiftDate), 0)
				seq[i].scored = seq[i].elapsed > 0
				if seq[i].scored {
					n++
				}
			}
		}
		seqs = append(seqs, seq)
	}
	return seqs, n
}

// logLoss is the mean log loss of f's recall predictions over seqs.
func (f FSRS) logLoss(seqs [][]fitStep) float64 {
	sum, n := 0.0, 0
	for _, seq := range seqs {
		var m MemoryState
		for i, st := range seq {
			if i > 0 && st.scored {
				p := clampF(f.Retrievability(float64(st.elapsed), m.Stability), 1e-6, 1-1e-6)
				if st.grade == GradeAgain {
					sum -= math.Log(1 - p)
				} else {
					sum -= math.Log(p)
				}
				n++
			}
			m = f.NextState(m, st.elapsed, st.grade)
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// LogLoss returns the log loss of f's recall predictions on answer histories
// (each one member's answers to one question, oldest first) and the number
// of reviews scored.
func (f FSRS) LogLoss(histories [][]PastAnswer) (float64, int) {
	seqs, n := fitData(histories)
	return f.logLoss(seqs), n
}

// FitFSRS fits the 21 weights to answer histories, starting from f's
// weights, and returns the fitted weights (within their allowed ranges) and
// the log loss before and after. It returns ErrTooFewReviews when fewer than
// MinFitReviews reviews can be scored. The fit is deterministic. If the fit
// does not lower the loss the starting weights are returned.
func (f FSRS) FitFSRS(histories [][]PastAnswer, opts FitOptions) (FSRSParams, FitResult, error) {
	seqs, n := fitData(histories)
	start := f.w().Clamp()
	res := FitResult{Reviews: n}
	if n < MinFitReviews {
		return start, res, ErrTooFewReviews{Have: n, Need: MinFitReviews}
	}
	if opts.Steps <= 0 {
		opts.Steps = 120
	}
	if opts.LearningRate <= 0 {
		opts.LearningRate = 0.02
	}
	if opts.Prior <= 0 {
		opts.Prior = 0.02
	}
	toU := func(p FSRSParams) (u [21]float64) {
		for i, b := range fsrsParamBounds {
			u[i] = (p[i] - b[0]) / (b[1] - b[0])
		}
		return u
	}
	fromU := func(u [21]float64) (p FSRSParams) {
		for i, b := range fsrsParamBounds {
			p[i] = b[0] + clampF(u[i], 0, 1)*(b[1]-b[0])
		}
		return p
	}
	u0 := toU(start)
	objective := func(u [21]float64) float64 {
		p := fromU(u)
		g := FSRS{Params: &p, Retention: f.Retention, MaxInterval: f.MaxInterval}
		pen := 0.0
		for i := range u {
			d := clampF(u[i], 0, 1) - u0[i]
			pen += d * d
		}
		return g.logLoss(seqs) + opts.Prior*pen
	}
	res.LossBefore = FSRS{Params: &start}.logLoss(seqs)

	const h = 1e-4
	u := u0
	var m1, m2 [21]float64
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	for step := 1; step <= opts.Steps; step++ {
		var grad [21]float64
		for i := range u {
			up, dn := u, u
			up[i] = clampF(u[i]+h, 0, 1)
			dn[i] = clampF(u[i]-h, 0, 1)
			if up[i] == dn[i] {
				continue
			}
			grad[i] = (objective(up) - objective(dn)) / (up[i] - dn[i])
		}
		for i := range u {
			m1[i] = beta1*m1[i] + (1-beta1)*grad[i]
			m2[i] = beta2*m2[i] + (1-beta2)*grad[i]*grad[i]
			mh := m1[i] / (1 - math.Pow(beta1, float64(step)))
			vh := m2[i] / (1 - math.Pow(beta2, float64(step)))
			u[i] = clampF(u[i]-opts.LearningRate*mh/(math.Sqrt(vh)+eps), 0, 1)
		}
	}
	fitted := fromU(u).Clamp()
	res.LossAfter = FSRS{Params: &fitted}.logLoss(seqs)
	if !(res.LossAfter < res.LossBefore) {
		res.LossAfter = res.LossBefore
		return start, res, nil
	}
	return fitted, res, nil
}
