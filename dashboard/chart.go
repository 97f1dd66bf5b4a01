package dashboard

import (
	"fmt"
	"math"
)

// Charts are laid out in Go and drawn by the page template as inline SVG:
// numbers in, rectangles and labels with coordinates out.

// Point is one value to chart: a share (0..1) with a label and a note (the
// count behind it) for the tooltip.
type Point struct {
	Label string
	Value float64
	Note  string
	Faded bool // e.g. a week still in progress
}

// Chart is a laid-out bar chart.
type Chart struct {
	Title      string
	Desc       string // what the chart shows, for screen readers
	Width      int
	Height     int
	Bars       []Bar
	Grid       []GridLine
	Threshold  *GridLine
	Horizontal bool
	Empty      string // shown instead of bars when there is no data
}

// Bar is one rectangle and its labels.
type Bar struct {
	X, Y, W, H     float64
	Fill           string
	Label          string
	LabelX, LabelY float64
	Value          string
	ValueX, ValueY float64
	Tip            string
	Faded          bool
}

// GridLine is a guide line with its label.
type GridLine struct {
	X1, Y1, X2, Y2 float64
	Label          string
	LX, LY         float64
}

// Colours of good, middling and poor values; the palette stays readable for
// the common kinds of colour blindness (blue / amber / red-orange).
const (
	colorGood = "#2b6cb0"
	colorMid  = "#d69e2e"
	colorPoor = "#c0392b"
)

func colorFor(v, poor, good float64) string {
	switch {
	case v < poor:
		return colorPoor
	case v < good:
		return colorMid
	}
	return colorGood
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func pctLabel(v float64) string { return fmt.Sprintf("%.0f%%", math.Round(v*100)) }

// ColumnChart lays out vertical bars, one per point (e.g. weeks), on a 0–100%
// axis with a dashed threshold line. Bars below poor are red, below good
// amber, else blue.
func ColumnChart(title, desc string, points []Point, threshold, poor, good float64) Chart {
	const (
		width, height          = 640, 240
		left, right, top, foot = 44.0, 48.0, 22.0, 34.0
	)
	c := Chart{Title: title, Desc: desc, Width: width, Height: height}
	plotW, plotH := width-left-right, height-top-foot
	y := func(v float64) float64 { return round1(top + plotH*(1-v)) }
	for _, g := range []float64{0, .25, .5, .75, 1} {
		c.Grid = append(c.Grid, GridLine{X1: left, Y1: y(g), X2: width - right, Y2: y(g), Label: pctLabel(g), LX: left - 6, LY: y(g) + 4})
	}
	if len(points) == 0 {
		c.Empty = "No data for this selection."
		return c
	}
	if threshold > 0 {
		c.Threshold = &GridLine{X1: left, Y1: y(threshold), X2: width - right, Y2: y(threshold),
			Label: "target", LX: width - right + 4, LY: y(threshold) + 4}
	}
	slot := plotW / float64(len(points))
	bw := math.Min(slot*0.62, 56)
	every := int(math.Ceil(float64(len(points)) / 12)) // at most ~12 axis labels
	for i, p := range points {
		v := math.Max(0, math.Min(1, p.Value))
		x := left + slot*float64(i) + (slot-bw)/2
		b := Bar{X: round1(x), Y: y(v), W: round1(bw), H: round1(plotH * v), Fill: colorFor(v, poor, good),
			Value: pctLabel(v), ValueX: round1(x + bw/2), ValueY: y(v) - 5,
			Tip: fmt.Sprintf("%s: %s (%s)", p.Label, pctLabel(v), p.Note), Faded: p.Faded}
		if i%every == 0 {
			b.Label, b.LabelX, b.LabelY = p.Label, round1(x+bw/2), height-foot+16
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// BarChart lays out horizontal bars, one row per point (e.g. topics), on a
// 0–100% axis with a dashed threshold line; colours as in ColumnChart.
func BarChart(title, desc string, points []Point, threshold, poor, good float64) Chart {
	const (
		width               = 640
		left, right         = 150.0, 92.0
		top, foot, rowH     = 10.0, 26.0, 24.0
		barH                = 15.0
		minRows, labelLimit = 3, 22
	)
	rows := max(len(points), minRows)
	height := int(top + foot + rowH*float64(rows))
	c := Chart{Title: title, Desc: desc, Width: width, Height: height, Horizontal: true}
	plotW := width - left - right
	x := func(v float64) float64 { return round1(left + plotW*v) }
	for _, g := range []float64{0, .25, .5, .75, 1} {
		c.Grid = append(c.Grid, GridLine{X1: x(g), Y1: top, X2: x(g), Y2: float64(height) - foot, Label: pctLabel(g),
			LX: x(g), LY: float64(height) - foot + 16})
	}
	if len(points) == 0 {
		c.Empty = "No data for this selection."
		return c
	}
	if threshold > 0 {
		c.Threshold = &GridLine{X1: x(threshold), Y1: top - 4, X2: x(threshold), Y2: float64(height) - foot,
			Label: "", LX: x(threshold), LY: top}
	}
	for i, p := range points {
		v := math.Max(0, math.Min(1, p.Value))
		yTop := top + rowH*float64(i) + (rowH-barH)/2
		label := p.Label
		if r := []rune(label); len(r) > labelLimit {
			label = string(r[:labelLimit-1]) + "…"
		}
		c.Bars = append(c.Bars, Bar{X: left, Y: round1(yTop), W: round1(plotW * v), H: barH, Fill: colorFor(v, poor, good),
			Label: label, LabelX: left - 8, LabelY: round1(yTop + barH - 3),
			Value: pctLabel(v) + "  " + p.Note, ValueX: x(v) + 6, ValueY: round1(yTop + barH - 3),
			Tip: fmt.Sprintf("%s: %s (%s)", p.Label, pctLabel(v), p.Note), Faded: p.Faded})
	}
	return c
}
