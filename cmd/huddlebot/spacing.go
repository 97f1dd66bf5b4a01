package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("spacing", "spacing fit: fit the FSRS weights to this deployment's own answers", runSpacing)
}

const spacingDesc = `spacing fit fits the 21 FSRS-6 weights to every answer recorded in this deployment, prints the log
loss of the recall predictions before (weights in use) and after, and stores the fitted weights; serve
uses the newest stored weights from its next start when HUDDLEBOT_SPACING=fsrs. It needs at least
1000 reviews that follow an earlier answer to the same question on an earlier day, and says so when
there are fewer.`

func runSpacing(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "spacing", "fit [--dry-run] [--steps N]", spacingDesc)
	dryRun := fs.Bool("dry-run", false, "fit and print, but store nothing")
	steps := fs.Int("steps", 120, "optimiser steps")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "fit" || *steps < 1 {
		fs.Usage()
		return exitUsage
	}
	if err := cfg.Validate(); err != nil {
		return e.fail("spacing", err)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return e.fail("spacing", err)
	}
	defer db.Close()
	_, f := cfg.spacing()
	inUse := "the default weights"
	if fit, err := db.FSRSParamsLatest(ctx, db); err == nil {
		f.Params, inUse = &fit.Params, fmt.Sprintf("the weights of fit %d", fit.ID)
	} else if !store.IsNotFound(err) {
		return e.fail("spacing fit", err)
	}
	hist, err := db.AnswerHistories(ctx, db)
	if err != nil {
		return e.fail("spacing fit", err)
	}
	params, res, err := f.FitFSRS(hist, lessons.FitOptions{Steps: *steps})
	var few lessons.ErrTooFewReviews
	if errors.As(err, &few) {
		fmt.Fprintf(e.stdout, "Not fitted: %v.\n", err)
		return exitFail
	}
	if err != nil {
		return e.fail("spacing fit", err)
	}
	fmt.Fprintf(e.stdout, "%d reviews (answers that follow an earlier answer to the same question on an earlier day).\n", res.Reviews)
	fmt.Fprintf(e.stdout, "Log loss of the recall predictions: %.4f with %s, %.4f fitted (%+.1f%%).\n",
		res.LossBefore, inUse, res.LossAfter, (res.LossAfter/res.LossBefore-1)*100)
	if res.LossAfter >= res.LossBefore {
		fmt.Fprintf(e.stdout, "The fit does not predict better than %s; nothing stored.\n", inUse)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "w = %s\n", formatWeights(params))
	if *dryRun {
		fmt.Fprintln(e.stdout, "Dry run: nothing stored.")
		return exitOK
	}
	id, err := db.FSRSParamsAdd(ctx, store.FSRSFit{Params: params, Reviews: res.Reviews, LossBefore: res.LossBefore, LossAfter: res.LossAfter})
	if err != nil {
		return e.fail("spacing fit", err)
	}
	fmt.Fprintf(e.stdout, "Stored as fit %d; serve uses these weights from its next start when HUDDLEBOT_SPACING=fsrs.\n", id)
	return exitOK
}

func formatWeights(p lessons.FSRSParams) string {
	parts := make([]string, len(p))
	for i, w := range p {
		parts[i] = fmt.Sprintf("%.4f", w)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
