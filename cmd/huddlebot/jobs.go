package main

import (
	"context"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/store"
)

func migrateJobs(ctx context.Context, db *store.DB) error { return bot.MigrateJobs(ctx, db) }
