package lessons

import "time"

// StreakDays bounds how far back a streak is counted, in shift days with
// prompts.
const StreakDays = 120

// StreakDay is one shift day of a member's prompts: whether any was
// answered (or acknowledged, for a tip) and whether one is still open (a
// quiz not answered yet, a tip nobody tapped "Got it" on yet).
type StreakDay struct {
	Date     string // shift date, YYYY-MM-DD
	Answered bool
	Open     bool
}

// Streak returns the number of consecutive shift days, newest first, with an
// answered prompt. days are the member's shift days with prompts, newest
// first. Today's prompt still open does not break the streak; "today" is the
// newest day when it lies within two days of today (time zones and night
// shifts put a member's shift date up to a day either side of the server's
// date). At most StreakDays days are counted.
func Streak(days []StreakDay, today time.Time) int {
	recent := today.AddDate(0, 0, -2).Format("2006-01-02")
	n := 0
	for i, d := range days {
		if i >= StreakDays {
			break
		}
		switch {
		case d.Answered:
			n++
		case i == 0 && d.Open && d.Date >= recent: // today's prompt can still be answered or tapped
		default:
			return n
		}
	}
	return n
}
