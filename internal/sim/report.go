package sim

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"text/tabwriter"
)

// WriteSVGFile writes the chart (WriteSVG) to the file at path.
func (rep *Report) WriteSVGFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteSVG(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// WriteTable writes the results as the table `huddlebot simulate` prints:
// one row per policy, then how each policy compares with the one before.
func (rep *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%d learners × %d days, %d quiz items, seed %d (%.1fs)\n\n", rep.Learners, rep.Days, rep.Items, rep.Seed,
		rep.Elapsed.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "policy\tprompts sent\tper learner\tanswered\titems seen\titems mastered\titems retained\tprompts per item retained\t\n")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t\n", r.Policy, r.Prompts, float64(r.Prompts)/float64(rep.Learners),
			r.Answered, r.Seen, r.Mastered, r.Retained, r.PromptsPerRetained)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nPer learner on day %d: items mastered = recall probability ≥ 0.9; items retained = expected recalls (Σ R).\n", rep.Days)
	by := map[Policy]Result{}
	for _, r := range rep.Results {
		by[r.Policy] = r
	}
	for _, c := range [][2]Policy{{PolicyFixed, PolicyTrials}, {PolicyTrials, PolicyFSRS}} {
		a, okA := by[c[0]]
		b, okB := by[c[1]]
		if !okA || !okB || a.PromptsPerRetained == 0 {
			continue
		}
		change := (b.PromptsPerRetained/a.PromptsPerRetained - 1) * 100
		verdict := "fewer"
		if change > 0 {
			verdict = "more"
		}
		fmt.Fprintf(w, "%s vs %s: %s%% %s prompts per item retained, %+.1f items retained.\n", c[1], c[0],
			strconv.FormatFloat(math.Abs(change), 'f', 1, 64), verdict, b.Retained-a.Retained)
	}
}
