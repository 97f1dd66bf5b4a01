package slack_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

type manifest struct {
	Features struct {
		AppHome struct {
			HomeTab bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command string `yaml:"command"`
			URL     string `yaml:"url"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifests: the app manifests declare exactly the bot's slash
// commands, the events and scopes the adapter uses, the Home tab and
// interactivity, Socket Mode on in manifest.yaml and request URLs on
// /slack/events in manifest-http.yaml.
func TestManifests(t *testing.T) {
	for _, tc := range []struct {
		file   string
		socket bool
	}{{"manifest.yaml", true}, {"manifest-http.yaml", false}} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile("../../deploy/slack/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := yaml.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			var cmds []string
			for _, c := range m.Features.SlashCommands {
				cmds = append(cmds, strings.TrimPrefix(c.Command, "/"))
				if !tc.socket && !strings.HasSuffix(c.URL, "/slack/events") {
					t.Errorf("%s: url %q, want …/slack/events", c.Command, c.URL)
				}
			}
			slices.Sort(cmds)
			b := bot.New(storetest.Open(t, store.SQLite), bot.Config{}, nil)
			feature.Register(b)
			if want := b.Commands(); !slices.Equal(cmds, want) {
				t.Errorf("slash commands %v, want the bot's %v", cmds, want)
			}
			for _, s := range []string{"chat:write", "im:write", "im:history", "commands", "users:read"} {
				if !slices.Contains(m.OAuth.Scopes.Bot, s) {
					t.Errorf("missing bot scope %s", s)
				}
			}
			if !slices.Contains(m.Settings.Events.BotEvents, "app_home_opened") || !m.Features.AppHome.HomeTab || !m.Settings.Interactivity.Enabled {
				t.Errorf("app_home_opened, the Home tab and interactivity must be on: %+v", m)
			}
			if m.Settings.SocketMode != tc.socket {
				t.Errorf("socket_mode_enabled = %v, want %v", m.Settings.SocketMode, tc.socket)
			}
			if !tc.socket && (!strings.HasSuffix(m.Settings.Events.RequestURL, "/slack/events") ||
				!strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/events")) {
				t.Errorf("HTTP mode request URLs must be …/slack/events: %+v", m.Settings)
			}
		})
	}
}
