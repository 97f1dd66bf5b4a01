// Package faulttest holds huddlebot's fault-injection tests: the real
// huddlebot binary, built once per test run, serves against a loopback fake
// Slack Web API (bot/slack/slackfake) and a real database while the tests
// SIGKILL it mid-burst, restart a private PostgreSQL under answer load, and
// make Slack answer 429 or 500 to a share of calls. Every test ends by
// counting what reached the fake and what the database holds: nothing lost,
// nothing doubled. See docs/reliability.md.
//
// The package has no code of its own; everything is in its tests.
package faulttest
