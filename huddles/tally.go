package huddles

import (
	"fmt"
	"strings"

	"github.com/huddlebot/huddlebot/i18n"
)

// Tally is a poll's result: votes per option (Counts[i] for option i+1),
// the number of votes cast, and the number of people who voted. They differ
// on a multiple-choice poll, where one person may cast several votes.
type Tally struct {
	Counts []int
	Votes  int
	Voters int
}

// BarWidth is the number of cells in a result bar.
const BarWidth = 10

// Percent returns option i's (0-based) share of the voters, rounded. On a
// multiple-choice poll the shares may add up to more than 100.
func (t Tally) Percent(i int) int {
	if t.Voters == 0 || i < 0 || i >= len(t.Counts) {
		return 0
	}
	return (t.Counts[i]*100 + t.Voters/2) / t.Voters
}

// Line renders option i's (0-based) result as a text bar with the count and
// share, the share written as l's language writes a percentage:
// "████░░░░░░ 4 (40%)", "████░░░░░░ 4 (40 %)".
func (t Tally) Line(l *i18n.Localizer, i int) string {
	n := 0
	if i >= 0 && i < len(t.Counts) {
		n = t.Counts[i]
	}
	return fmt.Sprintf("%s %d (%s)", Bar(n, t.Voters, BarWidth), n, l.Percent(t.Percent(i)))
}

// Bar draws n out of total as width cells of █ and ░, rounded to the nearest
// cell; any n > 0 shows at least one filled cell.
func Bar(n, total, width int) string {
	filled := 0
	if total > 0 && n > 0 {
		filled = (n*width*2 + total) / (total * 2)
		filled = max(1, min(filled, width))
	}
	return strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
}

// Average returns the mean of a rating poll (options are the scores 1..n)
// and false when nobody voted.
func (t Tally) Average() (float64, bool) {
	if t.Votes == 0 {
		return 0, false
	}
	sum := 0
	for i, c := range t.Counts {
		sum += (i + 1) * c
	}
	return float64(sum) / float64(t.Votes), true
}

// Headline summarises a tally, counting votes and people separately:
// "4 votes from 3 people", "no votes yet".
func (t Tally) Headline(l *i18n.Localizer) string {
	if t.Votes == 0 {
		return l.T("huddles.tally.none", nil)
	}
	return l.T("huddles.tally.headline", i18n.Data{"Votes": l.N("huddles.tally.votes", t.Votes, nil), "Voters": l.N("huddles.tally.people", t.Voters, nil)})
}

// Results renders every option as "• Label — bar count (pct)" lines; a
// rating poll adds its average (one decimal, "4.5" or "4,5" as l writes
// it).
func (p *Poll) Results(l *i18n.Localizer, t Tally) string {
	var b strings.Builder
	for i, o := range p.Options {
		if i > 0 {
			b.WriteString("\n")
		}
		label := o
		if p.Kind == KindRating {
			label = strings.Repeat("★", i+1)
		}
		fmt.Fprintf(&b, "• %s — %s", label, t.Line(l, i))
	}
	if p.Kind == KindRating {
		if avg, ok := t.Average(); ok {
			b.WriteString("\n" + l.T("huddles.poll.average", i18n.Data{"Average": l.Decimal(avg, 1)}))
		}
	}
	return b.String()
}
