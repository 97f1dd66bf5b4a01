package main

import (
	"context"

	slackbot "github.com/huddlebot/huddlebot/bot/slack"
)

func init() { platformSetups = append(platformSetups, setupSlack) }

// setupSlack wires Slack when SLACK_BOT_TOKEN is set: the adapter on the
// shared bot (Web API at SLACK_API_URL when given), POST /slack/events when
// SLACK_SIGNING_SECRET is set (HTTP mode), and Socket Mode when
// SLACK_APP_TOKEN is set. Both may be on at once (e.g. while moving from one
// to the other).
func setupSlack(ctx context.Context, m *Main) error {
	cfg := m.Config
	if cfg.SlackBotToken == "" {
		return nil
	}
	a := slackbot.New(m.Bot, slackbot.Options{
		Token:         cfg.SlackBotToken,
		SigningSecret: cfg.SlackSigningSecret,
		APIURL:        cfg.SlackAPIURL,
		Log:           m.Log,
	})
	m.Bot.AddAdapter(a)
	m.OnClose(a.Close)
	if cfg.SlackSigningSecret != "" {
		m.Mux.Handle("POST /slack/events", a)
		m.Log.Info("slack: HTTP mode at POST /slack/events (set it as the Request URL for events, interactivity and slash commands)")
	}
	if cfg.SlackAppToken != "" {
		m.Go(func() {
			if err := a.RunSocketMode(ctx, cfg.SlackAppToken, slackbot.SocketOptions{}); err != nil {
				m.Log.Error("slack: Socket Mode stopped", "err", err)
			}
		})
		m.Log.Info("slack: Socket Mode on")
	}
	return nil
}
