package main

import (
	"context"

	"github.com/huddlebot/huddlebot/bot/teams"
)

func init() { platformSetups = append(platformSetups, setupTeams) }

// setupTeams wires Microsoft Teams when TEAMS_APP_ID is set: the adapter on
// the shared bot and its messaging endpoint, POST /teams/messages (Bot
// Framework activities, JWT-verified). It contacts nothing at start: the
// signing keys and the app token are fetched on first use.
func setupTeams(_ context.Context, m *Main) error {
	cfg := m.Config
	if cfg.TeamsAppID == "" {
		return nil
	}
	a, err := teams.New(m.Bot, teams.Options{
		AppID:     cfg.TeamsAppID,
		Password:  cfg.TeamsAppPassword,
		TenantID:  cfg.TeamsTenantID,
		OpenIDURL: cfg.TeamsOpenIDURL,
		TokenURL:  cfg.TeamsTokenURL,
		Log:       m.Log.With("platform", teams.Platform),
	})
	if err != nil {
		return err
	}
	m.Bot.AddAdapter(a)
	m.OnClose(a.Close)
	m.Mux.Handle("POST /teams/messages", a.Handler())
	m.Log.Info("teams: messaging endpoint at POST /teams/messages (set it as the Azure Bot's messaging endpoint)")
	return nil
}
