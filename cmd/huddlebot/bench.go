package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/internal/bench"
)

func init() {
	register("bench", "measure fan-out, answer ingestion and the planner against a loopback fake Slack: bench [fanout|answers|votes|joins|planner|tick|limits]", runBench)
}

const benchDesc = `Measures huddlebot against a loopback fake Slack Web API (a child process,
so the CPU reported is huddlebot's own) and a real database, next to the raw
limits measured in the same run, and prints a table (or --json):

  limits   the fake's own request rate (hammered directly) and the database's
           single-row INSERT rate (1 connection, and 16) into a scratch table
  fanout   a one-quiz burst to --members new members (default 2000):
           members/s enqueued, messages/s delivered (conversations.open +
           chat.postMessage each), delay from send to DM (p50/p99), CPU/message
  answers  --count members (default 5000) answer their quiz with signed
           block_actions over HTTP to /slack/events at each --rate (default
           "1000,max"; max = 64 clients flat out): answers/s, ack latency
           p50/p99 from each request's scheduled start, and "seen" p50/p99:
           click → the answered card showing (response_url or chat.update),
           none lost or doubled
  votes    one poll in a huddle, --voters roster members (default 1000)
           tapping the same option with signed block_actions at each --rate,
           attributed and anonymous: votes/s, ack p50/p99, votes kept, and
           how long after the last vote the card showed the exact final tally
           (not in the default run)
  joins    --joiners new people (default 2000) run /learn join, 32 at a time:
           ack p50/p99, how many got "Working on it", profiles read (not
           in the default run)
  teams-fanout
           the one-quiz burst to --members Teams members (default 2000) who
           never wrote to the bot, through a fake Bot Connector enforcing
           Teams' limits (per conversation 7/s and 60/30 s, per app per
           tenant 50 requests/s): POST /v3/conversations + the send each;
           messages/s, CPU/message, none lost or doubled (not in the
           default run; ~80 s for 2,000 at Teams' pace)
  teams-answers
           --count Teams members answer their quiz with adaptiveCard/action
           invokes signed like Bot Framework's (RS256 JWT, keys cached) at
           each --rate: the ack is the invoke's 200 carrying the answered
           card, which is what the person sees; stored answers counted (not
           in the default run; the quizzes are first sent at Teams' pace)
  planner  the daily planner over --members members in memory (default 100000)
  tick     one scheduler tick recording the day's prompt for --members members
           in the database (default 100000; not in the default run); on
           PostgreSQL right after a CHECKPOINT, the slow case

The report ends with the project's speed targets and whether this run met
them; answer ingestion is judged against the 1-connection INSERT rate
(pgbench's default), and its ratio to 16 connections is printed too.

With no scenario it runs limits, fanout, answers and planner. The database is
HUDDLEBOT_DATABASE_URL: on PostgreSQL a scratch schema, dropped afterwards; on
SQLite a fresh file (a temporary one unless a path that does not exist yet is
given), removed afterwards. The fake enforces Slack's tiers as Slack does
(chat.update and conversations.open Tier 3, users.info and views.publish
Tier 4: HTTP 429 with Retry-After) and the adapter paces under them, so the
figures are what people would see; --unlimited turns both off.

huddlebot bench fake-teams [--unlimited] runs the fake Bot Connector (the
child of the Teams scenarios) the same way.

huddlebot bench fake-slack [--tiers] runs the fake Slack Web API on its own: it prints
{"api":URL,"control":URL} and serves until its stdin closes (point serve's
SLACK_API_URL at the api URL to try huddlebot without a Slack workspace).`

// runBench is `huddlebot bench`: it parses the flags and runs
// internal/bench. That package, and through it the fake Slack Web API
// (bot/slack/slackfake), is linked into the production binary only for this
// command: the default run puts the fake in a child process, this same
// executable started as `huddlebot bench fake-slack`.
func runBench(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 && args[0] == "fake-slack" {
		tiers := slices.Contains(args[1:], bench.FakeTiersArg)
		if err := bench.RunFakeSlack(ctx, e.stdout, os.Stdin, tiers); err != nil {
			return e.fail("bench fake-slack", err)
		}
		return exitOK
	}
	if len(args) > 0 && args[0] == "fake-teams" {
		unlimited := slices.Contains(args[1:], bench.FakeUnlimitedArg)
		if err := bench.RunFakeTeams(ctx, e.stdout, os.Stdin, unlimited); err != nil {
			return e.fail("bench fake-teams", err)
		}
		return exitOK
	}
	fs, cfg := flags(e, "bench", "[limits] [fanout] [answers] [votes] [joins] [teams-fanout] [teams-answers] [planner] [tick] [flags]", benchDesc)
	members := fs.Int("members", 0, "fanout: members (default 2000); planner and tick: members (default 100000)")
	count := fs.Int("count", 5000, "answers: members who answer, one answer each")
	voters := fs.Int("voters", 1000, "votes: roster members who vote on the one poll")
	rates := fs.String("rate", "1000,max", "answers: rates to run, answers per second, comma-separated; max = 64 clients flat out")
	hammer := fs.Duration("limits-time", 2*time.Second, "limits: how long each raw measurement runs")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (go tool pprof) to this file")
	unlimited := fs.Bool("unlimited", false, "turn Slack's and Teams' rate limits off: the fakes enforce none and the adapters do not pace")
	joiners := fs.Int("joiners", 2000, "joins: members who run /learn join, 32 at a time")
	fake := fs.String("fake", "process", "where the fake Slack runs: process (a child; CPU figures are huddlebot's alone) or inproc")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "huddlebot bench: %s\n", fmt.Sprintf(format, a...))
		return exitUsage
	}
	if len(pos) == 0 {
		pos = bench.DefaultScenarios
	}
	for _, p := range pos {
		if !slices.Contains(bench.Scenarios, p) {
			return usageErr("unknown scenario %q (%s)", p, strings.Join(bench.Scenarios, ", "))
		}
	}
	o := bench.Options{DatabaseURL: cfg.DatabaseURL, Members: *members, Count: *count, Voters: *voters, Workers: cfg.workers(),
		Hammer: *hammer, InprocFake: *fake == "inproc", Unlimited: *unlimited, Joiners: *joiners, Stderr: e.stderr}
	if *fake != "process" && *fake != "inproc" {
		return usageErr("--fake must be process or inproc (got %q)", *fake)
	}
	for _, r := range strings.Split(*rates, ",") {
		r = strings.TrimSpace(r)
		if r == "max" {
			o.Rates = append(o.Rates, 0)
			continue
		}
		n, err := strconv.Atoi(r)
		if err != nil || n < 0 {
			return usageErr("--rate: %q is not a rate (a number of answers per second, or max)", r)
		}
		o.Rates = append(o.Rates, n)
	}
	if o.Count < 1 || o.Members < 0 || o.Hammer <= 0 {
		return usageErr("--count, --members and --limits-time must be positive")
	}
	o.ExplicitDB = e.getenv("HUDDLEBOT_DATABASE_URL") != ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "database-url" {
			o.ExplicitDB = true
		}
	})

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot bench: --cpuprofile: %v\n", err)
			return exitFail
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(e.stderr, "huddlebot bench: --cpuprofile: %v\n", err)
			return exitFail
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Run(ctx, pos, o)
	if err != nil {
		return e.fail("bench", err)
	}
	rep.Command = "huddlebot bench " + strings.Join(args, " ")
	if *asJSON {
		return writeJSONOut(e, rep, func(err error) int { return e.fail("bench", err) })
	}
	rep.Print(e.stdout)
	return exitOK
}
