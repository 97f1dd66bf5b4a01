package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	registerReport("huddles", "tech huddles: attendance, every poll with its results, parking-lot questions and ratings "+
		"(--department: the host's)", reportHuddles)
}

// reportHuddles is `huddlebot report huddles`: three tables — the huddles,
// every poll option with its count, and the parking-lot questions. Nothing
// in it names an anonymous voter: votes are counted, never attributed, and
// attendees are the people who took part under their own name. --since
// filters on when a huddle started and --department on its host's
// department; --role does not apply.
func reportHuddles(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	hs, err := db.HuddleList(ctx, db, store.HuddleFilter{Since: p.Since, Department: p.Department})
	if err != nil {
		return nil, err
	}
	ht := Table{Title: "huddles", Columns: []string{"huddle_id", "started_at", "ended_at", "minutes", "channel", "title", "host",
		"series_id", "attendees", "polls", "votes", "questions", "open_questions", "rating_avg", "ratings"}}
	pt := Table{Title: "polls", Columns: []string{"huddle_id", "poll_id", "question", "kind", "visibility", "results", "choices",
		"status", "poll_votes", "poll_voters", "option", "label", "votes", "pct", "average"}}
	qt := Table{Title: "questions", Columns: []string{"huddle_id", "question_id", "asked_in_huddle", "asked_at", "status",
		"plus_ones", "asked_by", "text"}}
	for _, h := range hs {
		id := strconv.FormatInt(h.ID, 10)
		attendees, err := db.HuddleAttendeeList(ctx, db, h.ID)
		if err != nil {
			return nil, err
		}
		polls, err := db.PollListByHuddle(ctx, db, h.ID)
		if err != nil {
			return nil, err
		}
		votes := 0
		for _, pl := range polls {
			t, err := db.PollTally(ctx, db, pl)
			if err != nil {
				return nil, err
			}
			votes += t.Votes
			pt.Rows = append(pt.Rows, pollRows(h.ID, pl, t)...)
		}
		qs, err := db.HuddleQuestionList(ctx, db, h.ID)
		if err != nil {
			return nil, err
		}
		open := 0
		for _, q := range qs {
			if q.Status.CarriesOver() {
				open++
			}
			by := "anonymous"
			if q.MemberID != 0 {
				by = q.AskerName
			}
			qt.Rows = append(qt.Rows, []string{id, strconv.FormatInt(q.ID, 10), strconv.FormatInt(q.OriginHuddleID, 10),
				huddleStamp(q.CreatedAt), string(q.Status), strconv.Itoa(q.PlusOnes), by, strings.Join(strings.Fields(q.Text), " ")})
		}
		avg, n, err := db.HuddleRatingGet(ctx, db, h.ID)
		if err != nil {
			return nil, err
		}
		rating := ""
		if n > 0 {
			rating = fmt.Sprintf("%.1f", avg)
		}
		minutes, series := "", ""
		if !h.EndedAt.IsZero() {
			minutes = strconv.Itoa(int(h.EndedAt.Sub(h.StartedAt) / time.Minute))
		}
		if h.SeriesID != 0 {
			series = strconv.FormatInt(h.SeriesID, 10)
		}
		ht.Rows = append(ht.Rows, []string{id, huddleStamp(h.StartedAt), huddleStamp(h.EndedAt), minutes, h.Channel, h.Title,
			h.HostName, series, strconv.Itoa(len(attendees)), strconv.Itoa(len(polls)), strconv.Itoa(votes), strconv.Itoa(len(qs)),
			strconv.Itoa(open), rating, strconv.Itoa(n)})
	}
	return []Table{ht, pt, qt}, nil
}

// pollRows is one row per option of a poll, the poll's own columns repeated.
func pollRows(huddleID int64, p *huddles.Poll, t huddles.Tally) [][]string {
	visibility := "attributed"
	if p.Anonymous {
		visibility = "anonymous"
	}
	results := "live"
	if p.Hidden {
		results = "hidden until closed"
	}
	choices := "single"
	if p.Multi() {
		choices = "up to " + strconv.Itoa(p.MaxChoices)
	}
	status := "open"
	if !p.ClosedAt.IsZero() {
		status = "closed " + huddleStamp(p.ClosedAt)
	}
	average := ""
	if p.Kind == huddles.KindRating {
		if avg, ok := t.Average(); ok {
			average = fmt.Sprintf("%.2f", avg)
		}
	}
	var rows [][]string
	for i, label := range p.Options {
		n := 0
		if i < len(t.Counts) {
			n = t.Counts[i]
		}
		rows = append(rows, []string{strconv.FormatInt(huddleID, 10), strconv.FormatInt(p.ID, 10), p.Question, string(p.Kind),
			visibility, results, choices, status, strconv.Itoa(t.Votes), strconv.Itoa(t.Voters), strconv.Itoa(i + 1), label,
			strconv.Itoa(n), strconv.Itoa(t.Percent(i)), average})
	}
	return rows
}

func huddleStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
