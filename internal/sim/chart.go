package sim

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// policyColour gives each policy the same colour in every chart.
var policyColour = map[Policy]string{PolicyFixed: "#9e9e9e", PolicyTrials: "#1f77b4", PolicyFSRS: "#d62728"}

// WriteSVG draws the report as two line charts side by side: items retained
// (expected items recalled, Σ R) and cumulative prompts sent, per learner,
// by day, one line per policy.
func (rep *Report) WriteSVG(w io.Writer) error {
	const (
		width, height = 960, 420
		panelW        = 400
		panelH        = 290
		top           = 60
	)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">huddlebot simulate: %d learners × %d days, %d quiz items (seed %d)</text>`+"\n",
		40, rep.Learners, rep.Days, rep.Items, rep.Seed)
	panels := []struct {
		title string
		value func(Point) float64
		left  int
	}{
		{"Items retained per learner (expected recalls, Σ R)", func(p Point) float64 { return p.Retained }, 60},
		{"Prompts sent per learner (cumulative)", func(p Point) float64 { return p.Prompts }, 540},
	}
	for _, pn := range panels {
		maxY := 0.0
		for _, r := range rep.Results {
			for _, p := range r.Daily {
				maxY = math.Max(maxY, pn.value(p))
			}
		}
		maxY = niceCeil(maxY)
		x := func(day int) float64 { return float64(pn.left) + float64(day)/float64(max(rep.Days, 1))*panelW }
		y := func(v float64) float64 { return top + panelH - v/maxY*panelH }
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", pn.left, top-12, html.EscapeString(pn.title))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>`+"\n", pn.left, top, panelW, panelH)
		for i := 0; i <= 4; i++ {
			v := maxY * float64(i) / 4
			fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				pn.left, pn.left+panelW, y(v), y(v), pn.left-6, y(v)+4, trimFloat(v))
		}
		for d := 0; d <= rep.Days; d += tickStep(rep.Days) {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(d), top+panelH+16, d)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">day</text>`+"\n", x(rep.Days/2), top+panelH+32)
		for _, r := range rep.Results {
			var pts []string
			for _, p := range r.Daily {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Day), y(pn.value(p))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n",
				policyColour[r.Policy], strings.Join(pts, " "))
		}
	}
	// Legend with the headline figure.
	for i, r := range rep.Results {
		lx := 60 + i*300
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", lx, lx+24, height-22, height-22, policyColour[r.Policy])
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s: %.1f prompts per item retained</text>`+"\n", lx+30, height-18, r.Policy, r.PromptsPerRetained)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func tickStep(days int) int {
	for _, s := range []int{1, 5, 10, 30, 60, 90, 180, 365} {
		if days/s <= 8 {
			return s
		}
	}
	return days
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}
