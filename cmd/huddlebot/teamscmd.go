package main

import (
	"context"
	"fmt"
	"os"

	"github.com/huddlebot/huddlebot/bot/teams"
)

func init() {
	register("teams", "teams manifest: write the Microsoft Teams app package (zip) to upload", runTeams)
}

const teamsDesc = `teams manifest writes the Microsoft Teams app package: a zip of manifest.json (app manifest schema
v` + teams.ManifestVersion + `: the bot with its id, personal and team scopes and a command menu), color.png (192×192) and
outline.png (32×32), ready for Teams → Apps → Manage your apps → Upload an app → Upload a custom app (or
the Teams admin center). --app-id is the Azure Bot's Microsoft App ID (TEAMS_APP_ID), --domain the host
that serves /teams/messages.`

func runTeams(_ context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "teams", "manifest --app-id ID --domain HOST [--out FILE] [--version X.Y.Z]", teamsDesc)
	appID := fs.String("app-id", "", "the Azure Bot's Microsoft App ID (default: TEAMS_APP_ID)")
	domain := fs.String("domain", "", "host name serving /teams/messages, e.g. huddlebot.example.org")
	out := fs.String("out", "huddlebot-teams.zip", "where to write the package")
	version := fs.String("version", "1.0.0", "package version; raise it to update an uploaded app")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "manifest" {
		fs.Usage()
		return exitUsage
	}
	if *appID == "" {
		*appID = cfg.TeamsAppID
	}
	o := teams.ManifestOptions{AppID: *appID, Domain: *domain, Version: *version}
	if _, err := teams.Manifest(o); err != nil {
		return e.fail("teams manifest", err)
	}
	f, err := os.Create(*out)
	if err != nil {
		return e.fail("teams manifest", err)
	}
	if err := teams.WritePackage(f, o); err != nil {
		f.Close()
		os.Remove(*out)
		return e.fail("teams manifest", err)
	}
	if err := f.Close(); err != nil {
		return e.fail("teams manifest", err)
	}
	fmt.Fprintf(e.stdout, "Wrote %s: upload it in Teams (Apps → Manage your apps → Upload an app → Upload a custom app).\n", *out)
	fmt.Fprintf(e.stdout, "Messaging endpoint to set on the Azure Bot: https://%s/teams/messages\n", *domain)
	return exitOK
}
