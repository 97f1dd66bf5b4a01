package redact

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		kinds []string
		keep  []string
	}{
		{"the order set screen is slow", nil, []string{"order set screen is slow"}},
		{"pt MRN 12345678 had a BCMA scan fail", []string{"MRN"}, []string{"BCMA scan fail"}},
		{"MRN: A1234567", []string{"MRN"}, nil},
		{"dob 03/14/1962 shows wrong", []string{"date"}, []string{"shows wrong"}},
		{"born 1962-03-14", []string{"date"}, nil},
		{"call me at (555) 123-4567 or 555.123.4567", []string{"phone number"}, nil},
		{"ssn 123-45-6789", []string{"SSN"}, nil},
		{"email jane.doe@example.org please", []string{"email"}, []string{"please"}},
		{"order 12 units at 0800", nil, []string{"order 12 units at 0800"}},
	}
	for _, tt := range tests {
		out, kinds := Text(tt.in)
		if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") {
			t.Errorf("Text(%q) kinds = %v, want %v (out %q)", tt.in, kinds, tt.kinds, out)
		}
		for _, k := range tt.keep {
			if !strings.Contains(out, k) {
				t.Errorf("Text(%q) = %q, lost %q", tt.in, out, k)
			}
		}
		if len(tt.kinds) > 0 && !strings.Contains(out, Placeholder) {
			t.Errorf("Text(%q) = %q, no placeholder", tt.in, out)
		}
	}
	if Notice(nil) != "" || !strings.Contains(Notice([]string{"MRN"}), "MRN") {
		t.Error("Notice")
	}
}
