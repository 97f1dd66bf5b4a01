package support

import (
	"math"
	"slices"
	"time"
)

// Record is one question as the report sees it.
type Record struct {
	CreatedAt  time.Time
	ClaimedAt  time.Time // zero = never claimed
	ResolvedAt time.Time // zero = still open, or closed by its asker before anyone claimed it
	// ClosedByAsker: the asker closed it before anyone claimed it (they
	// found the answer, or gave up). Nobody helped, so it does not count as
	// resolved and has no resolve time.
	ClosedByAsker bool
	EscalatedAt   time.Time // zero = never left the asker's department
	Rating        int       // 1–5; 0 = not rated
}

// Summary is what trainers read about a set of questions.
type Summary struct {
	Questions int
	Claimed   int
	Resolved  int
	// ClosedByAsker counts questions their asker closed unclaimed.
	ClosedByAsker int
	Escalated     int
	Rated         int
	// Time from asking to the claim, over claimed questions (wall-clock).
	ClaimMedian, ClaimP90 time.Duration
	// Time from asking to resolution, over resolved questions (wall-clock).
	ResolveMedian, ResolveP90 time.Duration
	// RatingMean is the mean rating over rated questions (0 when none).
	RatingMean float64
}

// EscalationRate is the share of questions that left the asker's
// department (0–1; 0 when there are no questions).
func (s Summary) EscalationRate() float64 {
	if s.Questions == 0 {
		return 0
	}
	return float64(s.Escalated) / float64(s.Questions)
}

// Summarize counts the records and computes the median and 90th percentile
// of the times to claim and to resolve (see Quantile) and the mean rating.
func Summarize(rs []Record) Summary {
	var s Summary
	var claim, resolve []time.Duration
	sum := 0
	for _, r := range rs {
		s.Questions++
		if !r.ClaimedAt.IsZero() {
			s.Claimed++
			claim = append(claim, r.ClaimedAt.Sub(r.CreatedAt))
		}
		if r.ClosedByAsker {
			s.ClosedByAsker++
		} else if !r.ResolvedAt.IsZero() {
			s.Resolved++
			resolve = append(resolve, r.ResolvedAt.Sub(r.CreatedAt))
		}
		if !r.EscalatedAt.IsZero() {
			s.Escalated++
		}
		if r.Rating > 0 {
			s.Rated++
			sum += r.Rating
		}
	}
	s.ClaimMedian, s.ClaimP90 = Quantile(claim, 0.5), Quantile(claim, 0.9)
	s.ResolveMedian, s.ResolveP90 = Quantile(resolve, 0.5), Quantile(resolve, 0.9)
	if s.Rated > 0 {
		s.RatingMean = float64(sum) / float64(s.Rated)
	}
	return s
}

// Quantile returns the q-quantile (0–1) of ds by linear interpolation
// between the closest ranks (the "type 7" definition of R and NumPy's
// default): the median of an even count is the mean of the middle two. It
// returns 0 for no values and does not modify ds.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q = min(max(q, 0), 1)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(lo)
	return s[lo] + time.Duration(math.Round(frac*float64(s[lo+1]-s[lo])))
}
