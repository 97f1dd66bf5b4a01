package main

import (
	"strings"
	"testing"
)

// TestVoteKeyRefusesPublicSandboxKey: the sandbox's fixed vote key is in the
// source, so it keys anonymous votes only in the sandbox on a loopback
// address. A sandbox listening on the network gets no key (anonymous polls
// off) and HUDDLEBOT_SECRET set to that key is refused outside the loopback
// sandbox.
func TestVoteKeyRefusesPublicSandboxKey(t *testing.T) {
	base := func(c Config) Config {
		c.DatabaseURL, c.TimeZone, c.LogLevel = "sqlite:x.db", "UTC", "info"
		return c
	}
	loopSandbox := base(Config{Listen: "127.0.0.1:8080"})
	if loopSandbox.voteKey() == nil {
		t.Error("the loopback sandbox has no vote key")
	}
	keyed := base(Config{Listen: "127.0.0.1:8080", Secret: sandboxVoteSeed})
	if err := keyed.Validate(); err != nil {
		t.Errorf("loopback sandbox with the sandbox key: %v", err)
	}
	for name, c := range map[string]Config{
		"sandbox on all addresses":        base(Config{Listen: "0.0.0.0:8080"}),
		"sandbox on all addresses, keyed": base(Config{Listen: ":8080", Secret: sandboxVoteSeed}),
		"slack, keyed":                    base(Config{Listen: "127.0.0.1:8080", SlackBotToken: "xoxb-1", SlackSigningSecret: "s", Secret: sandboxVoteSeed}),
	} {
		if c.voteKey() != nil {
			t.Errorf("%s: the public sandbox key is used", name)
		}
		err := c.Validate()
		if c.Secret != "" && (err == nil || !strings.Contains(err.Error(), "HUDDLEBOT_SECRET")) {
			t.Errorf("%s: Validate = %v, want HUDDLEBOT_SECRET refused", name, err)
		}
	}
	slack := base(Config{Listen: "0.0.0.0:8080", SlackBotToken: "xoxb-1", SlackSigningSecret: "s"})
	if slack.voteKey() == nil || string(slack.voteKey()) == string(loopSandbox.voteKey()) {
		t.Error("a Slack install without HUDDLEBOT_SECRET must derive its own key from its secrets")
	}
}
