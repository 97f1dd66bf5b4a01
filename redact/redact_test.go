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
		gone  []string // the identifiers, none of which may be left
	}{
		{"the order set screen is slow", nil, []string{"order set screen is slow"}, nil},
		{"pt MRN 12345678 had a BCMA scan fail", []string{"MRN"}, []string{"BCMA scan fail"}, []string{"12345678"}},
		{"MRN: A1234567", []string{"MRN"}, nil, []string{"A1234567", "1234567"}},
		{"dob 03/14/1962 shows wrong", []string{"date"}, []string{"shows wrong"}, []string{"03/14/1962", "1962"}},
		{"born 1962-03-14", []string{"date"}, nil, []string{"1962-03-14", "1962"}},
		{"call me at (555) 123-4567 or 555.123.4567", []string{"phone number"}, nil, []string{"555", "123-4567", "123.4567", "4567"}},
		{"ssn 123-45-6789", []string{"SSN"}, nil, []string{"123-45-6789", "6789"}},
		{"email jane.doe@example.org please", []string{"email"}, []string{"please"}, []string{"jane.doe", "example.org", "@"}},
		{"order 12 units at 0800", nil, []string{"order 12 units at 0800"}, nil},
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
		for _, g := range tt.gone {
			if strings.Contains(out, g) {
				t.Errorf("Text(%q) = %q, still holds %q", tt.in, out, g)
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
