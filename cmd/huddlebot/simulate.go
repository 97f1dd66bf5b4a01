package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/huddlebot/huddlebot/internal/sim"
	"github.com/huddlebot/huddlebot/lessons"
)

func init() {
	register("simulate", "compare review policies (fixed, trials, fsrs) on synthetic learners with a simulated clock", runSimulate)
}

const simulateDesc = `Runs synthetic learners through the real planner, schedule and spacing code, one simulated day at a
time, without a chat platform, and prints per policy: prompts sent, items mastered (recall >= 0.9 on
the last day), items retained (expected recalls) and prompts per item retained. The memory model and
its sources are described in internal/sim/sim.go.`

func runSimulate(ctx context.Context, e *env, args []string) int {
	fs, _ := flags(e, "simulate", "[flags]", simulateDesc)
	learners := fs.Int("learners", 1000, "synthetic learners")
	days := fs.Int("days", 180, "simulated days")
	items := fs.Int("items", 40, "quiz questions in the learners' track")
	policy := fs.String("policy", "fixed,trials,fsrs", "policies to compare: fixed, trials, fsrs (comma or | list)")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same figures)")
	confidence := fs.Float64("confidence", 0, "share of answers with a confidence tap (0-1); FSRS grades those Hard or Easy")
	retention := fs.Float64("retention", lessons.DefaultRetention, "FSRS target retention")
	asJSON := fs.Bool("json", false, "print the results as JSON (with the daily series)")
	chart := fs.String("chart", "", "also write an SVG chart to FILE")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "huddlebot simulate: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	policies, err := sim.ParsePolicies(*policy)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot simulate: --policy: %v\n", err)
		return exitUsage
	}
	rep, err := sim.Run(sim.Options{Learners: *learners, Days: *days, Items: *items, Policies: policies, Seed: *seed,
		Confidence: *confidence, FSRS: lessons.FSRS{Retention: *retention}})
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot %v\n", err)
		return exitFail
	}
	if *chart != "" {
		if err := rep.WriteSVGFile(*chart); err != nil {
			fmt.Fprintf(e.stderr, "huddlebot simulate: chart: %v\n", err)
			return exitFail
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rep); err != nil {
			return e.fail("simulate", err)
		}
		return exitOK
	}
	rep.WriteTable(e.stdout)
	if *chart != "" {
		fmt.Fprintf(e.stdout, "Chart written to %s\n", *chart)
	}
	return exitOK
}
