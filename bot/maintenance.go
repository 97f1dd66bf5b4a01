package bot

import (
	"context"
	"time"
)

// eventKeep is how long handled platform event ids are remembered for
// redelivery dedupe: far longer than any platform retries (Slack retries for
// minutes, Discord interactions expire after 15 minutes).
const eventKeep = 7 * 24 * time.Hour

// maintain forgets old processed-event ids and request signatures whose
// window has passed. It is cheap and idempotent, so it runs on every tick.
func (b *Bot) maintain(ctx context.Context, now time.Time) error {
	if err := b.DB.EventPrune(ctx, now.Add(-eventKeep)); err != nil {
		return err
	}
	return b.DB.SignaturePrune(ctx, now)
}
