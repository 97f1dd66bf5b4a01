// Package feature puts every capability of huddlebot on a bot. Processes
// and end-to-end tests that want the whole product call Register once,
// right after bot.New; a test of one capability registers just that one.
package feature

import (
	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/ask"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/bot/digest"
	"github.com/huddlebot/huddlebot/bot/huddle"
	"github.com/huddlebot/huddlebot/bot/learn"
)

// Set is the capabilities registered on one bot.
type Set struct {
	Learn  *learn.Learn
	Burst  *burst.Burst
	Digest *digest.Digest
	Huddle *huddle.Huddle
	Ask    *ask.Ask
}

// Register adds every capability to b and returns them. The order is the
// order of their tickers: the day's prompts and nudges come first, as
// bursts and the digest read what they wrote.
func Register(b *bot.Bot) *Set {
	return &Set{
		Learn:  learn.Register(b),
		Burst:  burst.Register(b),
		Digest: digest.Register(b),
		Huddle: huddle.Register(b),
		Ask:    ask.Register(b),
	}
}
