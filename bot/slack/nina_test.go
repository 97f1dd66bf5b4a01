package slack_test

import (
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
)

// nina is the nurse the end-to-end tests follow.
var nina = slackfake.User{ID: "U100", Name: "nina", RealName: "Nina Patel", TZ: "America/Chicago"}

// ninaQuiz has Nina join as a nurse on 4west and ask for a lesson, and
// returns the quiz DM she gets.
func (e *env) ninaQuiz(t *testing.T) slackfake.Message {
	t.Helper()
	e.fake.SetUser(nina)
	e.command(nina.ID, "join nurse 4west")
	e.command(nina.ID, "")
	bottest.WaitFor(t, 10*time.Second, "the quiz DM", func() bool { return len(e.dmFor(nina.ID)) == 1 })
	return e.dmFor(nina.ID)[0]
}
