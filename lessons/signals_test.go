package lessons

import (
	"strings"
	"testing"
)

func TestSignals(t *testing.T) {
	t.Parallel()
	th := DefaultSignalThresholds
	tests := []struct {
		name string
		in   SignalInput
		want []string // "kind subject" in order; nil = no signal
		// detail substrings expected in the first signal
		detail []string
	}{
		{name: "empty"},
		{
			name:   "topic under 60%",
			in:     SignalInput{Topics: []TopicStat{{Topic: "bcma", Period: Tally{100, 55}}}},
			want:   []string{"topic-accuracy bcma"},
			detail: []string{"55%", "55 of 100", "60%"},
		},
		{
			name: "topic exactly at 60% is fine",
			in:   SignalInput{Topics: []TopicStat{{Topic: "bcma", Period: Tally{100, 60}}}},
		},
		{
			name: "too few answers to judge",
			in:   SignalInput{Topics: []TopicStat{{Topic: "bcma", Period: Tally{19, 2}}}},
		},
		{
			name: "falling by exactly 15 points",
			in: SignalInput{Topics: []TopicStat{{Topic: "med-rec", Period: Tally{200, 160},
				Recent: Tally{100, 70}, Previous: Tally{100, 85}}}},
			want:   []string{"topic-falling med-rec"},
			detail: []string{"70%", "85%", "last 7 days"},
		},
		{
			name: "falling by 14 points is fine",
			in: SignalInput{Topics: []TopicStat{{Topic: "med-rec", Period: Tally{200, 160},
				Recent: Tally{100, 71}, Previous: Tally{100, 85}}}},
		},
		{
			name: "falling needs enough answers in both weeks",
			in: SignalInput{Topics: []TopicStat{{Topic: "med-rec", Period: Tally{200, 160},
				Recent: Tally{29, 10}, Previous: Tally{100, 90}}}},
		},
		{
			name: "low and falling at once, accuracy first",
			in: SignalInput{Topics: []TopicStat{{Topic: "mar", Period: Tally{100, 50},
				Recent: Tally{50, 15}, Previous: Tally{50, 35}}}},
			want: []string{"topic-accuracy mar", "topic-falling mar"},
		},
		{
			name:   "department under half",
			in:     SignalInput{Departments: []DepartmentStat{{"5east", 40, 19}, {"4west", 40, 20}, {"icu", 2, 0}}},
			want:   []string{"participation 5east"},
			detail: []string{"19 of 40", "48%", "50%"},
		},
		{
			name: "department without a name",
			in:   SignalInput{Departments: []DepartmentStat{{"", 10, 1}}},
			want: []string{"participation (no department)"},
		},
		{
			name: "new hires 15 points below peers",
			in: SignalInput{Cohorts: []CohortStat{
				{Role: "nurse", NewHires: 5, NewHireTally: Tally{100, 60}, Peers: 50, PeerTally: Tally{1000, 750}},
				{Role: "physician", NewHires: 5, NewHireTally: Tally{100, 70}, Peers: 50, PeerTally: Tally{1000, 800}},
			}},
			want:   []string{"new-hires nurse"},
			detail: []string{"60%", "75%", "5 people", "under 30 days"},
		},
		{
			name: "too few new-hire answers",
			in: SignalInput{Cohorts: []CohortStat{
				{Role: "nurse", NewHires: 1, NewHireTally: Tally{10, 1}, Peers: 50, PeerTally: Tally{1000, 750}},
			}},
		},
		{
			name: "poor rating at 40%",
			in: SignalInput{Ratings: []RatingStat{
				{LessonID: "a", Title: "Lock the screen", Up: 2, Down: 3},
				{LessonID: "b", Up: 3, Down: 2},
				{LessonID: "c", Up: 0, Down: 2}, // too few ratings
			}},
			want:   []string{"poor-rating a"},
			detail: []string{"Lock the screen (a)", "2 👍", "3 👎", "40%"},
		},
		{
			name: "worst first within a kind, kinds in order",
			in: SignalInput{
				Ratings:     []RatingStat{{LessonID: "x", Up: 0, Down: 5}},
				Departments: []DepartmentStat{{"a", 10, 4}, {"b", 10, 1}},
				Topics:      []TopicStat{{Topic: "t1", Period: Tally{100, 50}}, {Topic: "t2", Period: Tally{100, 20}}},
			},
			want: []string{"topic-accuracy t2", "topic-accuracy t1", "participation b", "participation a", "poor-rating x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Signals(tt.in, th)
			var names []string
			for _, s := range got {
				names = append(names, string(s.Kind)+" "+s.Subject)
			}
			if strings.Join(names, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("signals = %q, want %q", names, tt.want)
			}
			for _, d := range tt.detail {
				if !strings.Contains(got[0].Detail, d) {
					t.Errorf("detail %q lacks %q", got[0].Detail, d)
				}
			}
			for _, s := range got {
				if s.N == 0 || s.Detail == "" || s.Metric == "" {
					t.Errorf("signal %+v lacks its numbers", s)
				}
			}
		})
	}
}

func TestSignalGap(t *testing.T) {
	t.Parallel()
	s := Signal{Value: 0.55, Baseline: 0.7}
	if g := s.Gap(); g != 15 {
		t.Fatalf("Gap = %v, want 15", g)
	}
}

func TestTally(t *testing.T) {
	t.Parallel()
	if (Tally{}).Accuracy() != 0 {
		t.Fatal("empty tally accuracy should be 0")
	}
	if got := (Tally{3, 1}).Add(Tally{1, 1}); got != (Tally{4, 2}) || got.Accuracy() != 0.5 {
		t.Fatalf("Add = %+v", got)
	}
}

// TestSignalKindIcon: the digest and the dashboard mark each kind of signal
// with the same icon.
func TestSignalKindIcon(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind SignalKind
		want string
	}{
		{SignalTopicAccuracy, "❗"},
		{SignalTopicFalling, "📉"},
		{SignalParticipation, "💤"},
		{SignalNewHires, "🌱"},
		{SignalPoorRating, "👎"},
		{SignalKind("unknown"), "•"},
	} {
		if got := tt.kind.Icon(); got != tt.want {
			t.Errorf("%s.Icon() = %q, want %q", tt.kind, got, tt.want)
		}
	}
}
