package support

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	t.Parallel()
	m := time.Minute
	tests := []struct {
		name string
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one value", []time.Duration{3 * m}, 0.9, 3 * m},
		{"odd median", []time.Duration{5 * m, 1 * m, 3 * m}, 0.5, 3 * m},
		{"even median is the mean of the middle two", []time.Duration{4 * m, 1 * m, 2 * m, 3 * m}, 0.5, 2*m + 30*time.Second},
		{"p90 of ten", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m}, 0.9, 9*m + 6*time.Second},
		{"p90 of two", []time.Duration{0, 10 * m}, 0.9, 9 * m},
		{"max", []time.Duration{1 * m, 7 * m}, 1, 7 * m},
		{"min", []time.Duration{1 * m, 7 * m}, 0, 1 * m},
	}
	for _, tt := range tests {
		if got := Quantile(tt.ds, tt.q); got != tt.want {
			t.Errorf("%s: Quantile(%v, %v) = %s, want %s", tt.name, tt.ds, tt.q, got, tt.want)
		}
	}
	ds := []time.Duration{3, 1, 2}
	Quantile(ds, 0.5)
	if ds[0] != 3 || ds[1] != 1 {
		t.Errorf("Quantile sorted its input: %v", ds)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	t0 := at(24, 9, 0)
	rs := []Record{
		{CreatedAt: t0, ClaimedAt: t0.Add(2 * time.Minute), ResolvedAt: t0.Add(10 * time.Minute), Rating: 5},
		{CreatedAt: t0, ClaimedAt: t0.Add(4 * time.Minute), ResolvedAt: t0.Add(30 * time.Minute), Rating: 2},
		{CreatedAt: t0, ClaimedAt: t0.Add(20 * time.Minute), EscalatedAt: t0.Add(10 * time.Minute)},
		{CreatedAt: t0, EscalatedAt: t0},
	}
	s := Summarize(rs)
	want := Summary{Questions: 4, Claimed: 3, Resolved: 2, Escalated: 2, Rated: 2,
		// claim p90: sorted 2, 4, 20 → rank 1.8 → 4 + 0.8×16 = 16.8 minutes.
		ClaimMedian: 4 * time.Minute, ClaimP90: 16*time.Minute + 48*time.Second,
		// resolve p90: 10, 30 → rank 0.9 → 10 + 0.9×20 = 28 minutes.
		ResolveMedian: 20 * time.Minute, ResolveP90: 28 * time.Minute, RatingMean: 3.5}
	if s != want {
		t.Errorf("Summarize = %+v\nwant        %+v", s, want)
	}
	if r := s.EscalationRate(); r != 0.5 {
		t.Errorf("EscalationRate = %v, want 0.5", r)
	}
	if (Summary{}).EscalationRate() != 0 {
		t.Error("EscalationRate of nothing should be 0")
	}
}
