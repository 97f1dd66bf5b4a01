package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/support"
)

func init() {
	registerReport("support", "ask-a-super-user: questions, time to claim and to resolve (median, p90), escalation rate, "+
		"by department and tag, and the questions themselves", reportSupport)
}

// reportSupport is `huddlebot report support`: what people ask super-users
// and how fast they get help. --department and --role filter on the asker.
func reportSupport(ctx context.Context, db *store.DB, p ReportParams) ([]Table, error) {
	rows, err := db.SupportReportList(ctx, store.SupportReportFilter{Since: p.Since, Department: p.Department, Role: p.Role,
		Workspace: p.Workspace})
	if err != nil {
		return nil, err
	}
	return supportTables(rows), nil
}

// supportSummaryColumns head the by-department and by-tag tables. Times are
// wall-clock minutes from asking; escalated_pct is the share of questions
// that left the asker's department.
var supportSummaryColumns = []string{"questions", "claimed", "resolved", "escalated", "escalated_pct",
	"claim_median_min", "claim_p90_min", "resolve_median_min", "resolve_p90_min", "rated", "rating_avg"}

// supportTables builds the three tables of the support report: by
// department (with an "(all)" total), by tag (a question counts under each
// of its tags; "(untagged)" when it has none), and every question.
func supportTables(rows []store.SupportReportRow) []Table {
	byDept := map[string][]support.Record{}
	byTag := map[string][]support.Record{}
	var all []support.Record
	list := Table{Title: "support questions", Columns: []string{"id", "asked_at", "department", "asker_role", "level",
		"escalated_at", "claimed_at", "resolved_at", "claim_min", "resolve_min", "claimer", "status", "tags", "rating", "question"}}
	for _, r := range rows {
		q := r.SupportQuestion
		rec := support.Record{CreatedAt: q.CreatedAt, ClaimedAt: q.ClaimedAt, ResolvedAt: q.ResolvedAt,
			EscalatedAt: q.EscalatedAt, Rating: q.Rating}
		status := q.Status
		if q.Status == store.SupportResolved && q.ClaimedAt.IsZero() && q.ResolvedBy == q.AskerMemberID {
			// Closed by the asker before anyone claimed it: nobody helped.
			rec.ResolvedAt, rec.ClosedByAsker = time.Time{}, true
			status = "closed by asker"
		}
		all = append(all, rec)
		dept := cmp.Or(q.Department, "(none)")
		byDept[dept] = append(byDept[dept], rec)
		tags := q.Tags
		if len(tags) == 0 {
			tags = []string{"(untagged)"}
		}
		for _, t := range tags {
			byTag[t] = append(byTag[t], rec)
		}
		rating := ""
		if q.Rating > 0 {
			rating = strconv.Itoa(q.Rating)
		}
		list.Rows = append(list.Rows, []string{strconv.FormatInt(q.ID, 10), supportStamp(q.CreatedAt), dept, r.AskerRole,
			supportLevelName(q.Level), supportStamp(q.EscalatedAt), supportStamp(q.ClaimedAt), supportStamp(rec.ResolvedAt), supportMinutes(q.CreatedAt, q.ClaimedAt),
			supportMinutes(q.CreatedAt, rec.ResolvedAt), r.ClaimerName, status, strings.Join(q.Tags, " "), rating,
			strings.Join(strings.Fields(q.Text), " ")})
	}
	dept := supportSummaryTable("support by department", "department", byDept)
	if len(all) > 0 {
		dept.Rows = append(dept.Rows, supportSummaryRow("(all)", support.Summarize(all)))
	}
	return []Table{dept, supportSummaryTable("support by tag", "tag", byTag), list}
}

// supportSummaryTable has one row per group, the most asked first.
func supportSummaryTable(title, key string, groups map[string][]support.Record) Table {
	t := Table{Title: title, Columns: append([]string{key}, supportSummaryColumns...)}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(groups[b]), len(groups[a])), cmp.Compare(a, b))
	})
	for _, k := range keys {
		t.Rows = append(t.Rows, supportSummaryRow(k, support.Summarize(groups[k])))
	}
	return t
}

func supportSummaryRow(key string, s support.Summary) []string {
	mins := func(d time.Duration, n int) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprintf("%.1f", d.Minutes())
	}
	avg := ""
	if s.Rated > 0 {
		avg = fmt.Sprintf("%.1f", s.RatingMean)
	}
	return []string{key, strconv.Itoa(s.Questions), strconv.Itoa(s.Claimed), strconv.Itoa(s.Resolved), strconv.Itoa(s.Escalated),
		fmt.Sprintf("%.0f", 100*s.EscalationRate()),
		mins(s.ClaimMedian, s.Claimed), mins(s.ClaimP90, s.Claimed), mins(s.ResolveMedian, s.Resolved), mins(s.ResolveP90, s.Resolved),
		strconv.Itoa(s.Rated), avg}
}

func supportLevelName(l support.Level) string {
	switch l {
	case support.LevelDepartment:
		return "department"
	case support.LevelOthers:
		return "other-departments"
	case support.LevelHelpdesk:
		return "helpdesk"
	}
	return strconv.Itoa(int(l))
}

// supportStamp formats an instant as RFC 3339 UTC, "" for the zero time.
func supportStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// supportMinutes is the minutes from a to b with one decimal, "" when b is zero.
func supportMinutes(a, b time.Time) string {
	if b.IsZero() {
		return ""
	}
	return fmt.Sprintf("%.1f", b.Sub(a).Minutes())
}
