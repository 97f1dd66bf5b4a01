package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/huddlebot/huddlebot/internal/demo"
)

func init() {
	register("demo", "fill a sandbox database with plausible history: demo seed --members N --days D [--seed S]", runDemo)
}

// runDemo is `huddlebot demo seed`: flags and checks here, the history
// from internal/demo.
func runDemo(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "demo", "seed [--members N] [--days D] [--seed S]",
		"seed: fills the sandbox workspace with made-up members across roles, departments and time zones, and D days\n"+
			"of history: prompts, answers with realistic accuracy, ratings, feedback, huddles with polls and\n"+
			"ask-a-super-user questions. It plants problems that `huddlebot report signals` and the dashboard\n"+
			"must find (a topic with low accuracy, a topic falling week over week, a department that stopped\n"+
			"answering, struggling new hires, a poorly rated lesson) and prints them. The same --seed gives the\n"+
			"same data. It refuses to run when a platform token is set or the workspace was already seeded.")
	members := fs.Int("members", 300, "number of members (at least 100 for the planted problems to show)")
	days := fs.Int("days", 60, "days of history, ending now")
	seed := fs.Uint64("seed", 1, "random seed")
	nowFlag := fs.String("now", "", "pretend it is this RFC 3339 time (default: now)")
	if len(args) == 0 || args[0] != "seed" {
		if code, ok := parse(fs, args); !ok {
			return code
		}
		fs.Usage()
		return exitUsage
	}
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "huddlebot demo seed: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *members < 20 || *members > 200000 {
		fmt.Fprintf(e.stderr, "huddlebot demo seed: --members must be between 20 and 200000 (got %d)\n", *members)
		return exitUsage
	}
	if *days < 14 || *days > 730 {
		fmt.Fprintf(e.stderr, "huddlebot demo seed: --days must be between 14 and 730 (got %d)\n", *days)
		return exitUsage
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fmt.Fprintf(e.stderr, "huddlebot demo seed: --now: %v\n", err)
			return exitUsage
		}
		now = t
	}
	if !cfg.Sandbox() {
		fmt.Fprintln(e.stderr, "huddlebot demo seed: refusing to run with a platform token set: made-up people would mix into real reports. "+
			"Use a separate database without SLACK_*/DISCORD_* tokens.")
		return exitFail
	}
	if *members < 100 {
		fmt.Fprintf(e.stderr, "note: with fewer than 100 members some planted problems may be too small to show\n")
	}
	start := time.Now()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return e.fail("demo seed", err)
	}
	defer db.Close()
	c, err := loadContent(cfg)
	if err != nil {
		return e.fail("demo seed", err)
	}
	s, err := demo.Seed(ctx, db, c, demo.Params{Members: *members, Days: *days, Seed: *seed, Now: now}, cfg.TimeZone)
	if errors.Is(err, demo.ErrSeeded) {
		return e.fail("demo seed", fmt.Errorf("%w; use a fresh database (e.g. HUDDLEBOT_DATABASE_URL=sqlite:demo.db)", err))
	}
	if err != nil {
		return e.fail("demo seed", err)
	}
	s.PrintSummary(e.stdout, *days, db.URL, s.Generated.Sub(start), time.Since(start))
	return exitOK
}
