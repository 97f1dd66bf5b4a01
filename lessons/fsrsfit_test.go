package lessons

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// syntheticHistories draws answer histories from a "true" FSRS with weights
// w: each review comes at the interval the true model would pick, give or
// take, and is right with the true recall probability.
func syntheticHistories(w FSRSParams, seqs, reviews int, seed uint64) [][]PastAnswer {
	r := rand.New(rand.NewPCG(seed, 1))
	truth := FSRS{Params: &w}
	var out [][]PastAnswer
	for range seqs {
		var h []PastAnswer
		var m MemoryState
		date, elapsed := "2026-01-05", 0
		for k := 0; k < reviews; k++ {
			correct := true
			if k == 0 {
				correct = r.Float64() < 0.6
			} else {
				correct = r.Float64() < truth.Retrievability(float64(elapsed), m.Stability)
			}
			h = append(h, PastAnswer{ShiftDate: date, Correct: correct})
			var ivl int
			m, ivl = truth.Next(m, elapsed, GradeOf(correct, ConfidenceUnknown))
			elapsed = max(1, int(float64(ivl)*(0.5+1.5*r.Float64())))
			date = AddDays(date, elapsed)
		}
		out = append(out, h)
	}
	return out
}

func TestFitFSRS(t *testing.T) {
	t.Parallel()
	// A population that forgets faster than the defaults assume (decay 0.5,
	// lower recall stability growth).
	truth := DefaultFSRSParams
	truth[20], truth[8], truth[2] = 0.5, 1.2, 0.8
	hist := syntheticHistories(truth, 220, 7, 1)
	p, res, err := FSRS{}.FitFSRS(hist, FitOptions{Steps: 30, LearningRate: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	trueLoss, n := FSRS{Params: &truth}.LogLoss(hist)
	if n != res.Reviews || n < MinFitReviews {
		t.Fatalf("scored %d reviews, fit says %d", n, res.Reviews)
	}
	if defLoss, _ := (FSRS{}).LogLoss(hist); defLoss != res.LossBefore {
		t.Fatalf("loss before %v, default weights give %v", res.LossBefore, defLoss)
	}
	if fitLoss, _ := (FSRS{Params: &p}).LogLoss(hist); fitLoss != res.LossAfter {
		t.Fatalf("loss after %v, fitted weights give %v", res.LossAfter, fitLoss)
	}
	// The fit must close most of the gap between the defaults and the truth.
	gap := res.LossBefore - trueLoss
	if gap <= 0.01 || res.LossBefore-res.LossAfter < 0.5*gap {
		t.Fatalf("log loss: defaults %.4f, fitted %.4f, truth %.4f; the fit should close at least half the gap",
			res.LossBefore, res.LossAfter, trueLoss)
	}
	if p.Clamp() != p {
		t.Fatalf("fitted weights outside their ranges: %v", p)
	}
	t.Logf("%d reviews: log loss %.4f → %.4f (truth %.4f); decay %.3f (true %.3f)", n, res.LossBefore, res.LossAfter, trueLoss, p[20], truth[20])
}

func TestFitFSRSTooFewReviews(t *testing.T) {
	t.Parallel()
	hist := syntheticHistories(DefaultFSRSParams, 50, 5, 2) // 200 scored reviews
	p, res, err := FSRS{}.FitFSRS(hist, FitOptions{})
	var tf ErrTooFewReviews
	if !errors.As(err, &tf) || tf.Have != 200 || tf.Need != MinFitReviews || res.Reviews != 200 || p != DefaultFSRSParams {
		t.Fatalf("FitFSRS = %v, %+v, %v; want ErrTooFewReviews{200, %d} and the defaults", p, res, err, MinFitReviews)
	}
	if !strings.Contains(err.Error(), "200 answers") || !strings.Contains(err.Error(), "at least 1000") {
		t.Fatalf("message: %v", err)
	}
	// Same-day repeats and first answers are not scored.
	_, n := FSRS{}.LogLoss([][]PastAnswer{{{"2026-01-05", true, 0}, {"2026-01-05", false, 0}, {"2026-01-07", true, 0}}})
	if n != 1 {
		t.Fatalf("scored %d reviews, want 1", n)
	}
}
