package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/lessons"
)

// TestConfigSpacing: HUDDLEBOT_SPACING defaults to trials, accepts fsrs by
// variable or flag (the flag wins), and a wrong value or retention is
// refused with a message naming the variable and the choices.
func TestConfigSpacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env     map[string]string
		args    []string
		policy  lessons.SpacingPolicy
		ret     float64
		wantErr string
	}{
		{nil, nil, lessons.PolicyTrials, 0.9, ""},
		{map[string]string{"HUDDLEBOT_SPACING": "fsrs"}, nil, lessons.PolicyFSRS, 0.9, ""},
		{map[string]string{"HUDDLEBOT_SPACING": "fsrs"}, []string{"--spacing", "trials"}, lessons.PolicyTrials, 0.9, ""},
		{nil, []string{"--spacing", "fsrs", "--fsrs-retention", "0.85"}, lessons.PolicyFSRS, 0.85, ""},
		{map[string]string{"HUDDLEBOT_SPACING": "sm2"}, nil, "", 0, `HUDDLEBOT_SPACING: must be trials or fsrs (got "sm2")`},
		{map[string]string{"HUDDLEBOT_FSRS_RETENTION": "90%"}, nil, "", 0, "HUDDLEBOT_FSRS_RETENTION: must be a recall probability from 0.7 to 0.97"},
		{map[string]string{"HUDDLEBOT_FSRS_RETENTION": "0.99"}, nil, "", 0, "HUDDLEBOT_FSRS_RETENTION"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg := LoadConfig(func(k string) string { return tt.env[k] }, fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.Validate()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v %v: error %v, want %q", tt.env, tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v %v: %v", tt.env, tt.args, err)
			continue
		}
		p, f := cfg.spacing()
		if p != tt.policy || f.Retention != tt.ret {
			t.Errorf("%v %v: spacing %s retention %v, want %s %v", tt.env, tt.args, p, f.Retention, tt.policy, tt.ret)
		}
	}
}
