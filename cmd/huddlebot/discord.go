package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot/discord"
)

func init() { platformSetups = append(platformSetups, setupDiscord) }

// setupDiscord wires Discord when DISCORD_BOT_TOKEN is set: the adapter on
// the shared bot, the application commands (in DISCORD_GUILD_ID, else
// global), POST /discord/interactions when DISCORD_PUBLIC_KEY is set (HTTP
// interactions), otherwise the gateway.
func setupDiscord(ctx context.Context, m *Main) error {
	cfg := m.Config
	if cfg.DiscordBotToken == "" {
		return nil
	}
	a, err := discord.New(m.Bot, discord.Options{
		Token:     cfg.DiscordBotToken,
		AppID:     cfg.DiscordAppID,
		PublicKey: cfg.DiscordPublicKey,
		APIURL:    cfg.DiscordAPIURL,
		GuildID:   cfg.DiscordGuildID,
		Log:       m.Log.With("platform", discord.Platform),
	})
	if err != nil {
		return err
	}
	m.Bot.AddAdapter(a)
	m.OnClose(a.Close)

	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = a.RegisterCommands(rctx)
	cancel()
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("DISCORD_BOT_TOKEN: Discord rejected the token: %w", err)
	case err != nil:
		// Discord being unreachable should not keep the bot (and its
		// scheduled deliveries) down; commands registered earlier still work.
		m.Log.Warn("discord: could not register application commands; continuing", "err", err)
	}

	if cfg.DiscordPublicKey != "" {
		m.Mux.Handle("POST /discord/interactions", a.Handler())
		m.Log.Info("discord: HTTP interactions at POST /discord/interactions (set it as the Interactions Endpoint URL)")
		return nil
	}
	m.Go(func() {
		if err := a.RunGateway(ctx); err != nil {
			m.Log.Warn("discord gateway closed", "err", err)
		}
	})
	return nil
}
