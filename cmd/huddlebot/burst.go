package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("burst", "send and track update bursts: burst list|preview ID --role R|send ID [--now|--at TIME] [--dry-run]|status ID|cancel ID", runBurst)
}

// en is the CLI's language: its output stays English, like the rest of the
// operator's tools (README, Decisions → Languages).
var en = i18n.For(i18n.Default)

const burstArgs = "list|preview ID --role R|send ID [--now|--at TIME] [--dry-run]|status ID|cancel ID"

const burstDesc = `Update bursts (content/bursts/*.yaml) for one workspace:

  list                 every burst and whether it was sent
  preview ID --role R  the burst's cards as a member with role R sees them
  send ID              queue the burst for each targeted member's next delivery time
                       (all-at-once: the whole burst in that window; daily: one lesson a work day)
      --now            deliver at once to members inside their work hours (not paused);
                       the others get it at their next delivery time
      --at TIME        start later: RFC 3339, or "2026-12-01 08:00" in HUDDLEBOT_TIMEZONE
      --dry-run        list who would get what, write nothing
      --role, --department, --new-hires   narrow the burst's own audience for this send
  status ID            targeted, sent, seen, acknowledged, answered and correct, per lesson and in total
  cancel ID            stop what has not gone out yet; what was sent stays

Sending a burst again (by mistake, or to add members who joined since) never
reaches anyone twice. The command queues the messages; the running server
(huddlebot serve) delivers them.`

func runBurst(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "burst", burstArgs+" [flags]", burstDesc)
	platform := fs.String("platform", "", "sandbox, slack, discord or teams (default: the platform serve would use)")
	workspace := fs.String("workspace", "", "workspace id: Slack team id, Discord guild id or Teams tenant id (default: the sandbox's, TEAMS_TENANT_ID, or the only one)")
	role := fs.String("role", "", "preview: the role to preview as; send: only these roles (comma list)")
	dept := fs.String("department", "", "preview: as a member of this department; send: only these departments (comma list)")
	newHires := fs.Bool("new-hires", false, "send: only the onboarding cohort (started under 30 days ago)")
	sendNow := fs.Bool("now", false, "send: deliver at once to members inside their work hours")
	at := fs.String("at", "", "send: start at TIME (RFC 3339, or \"2026-12-01 08:00\" in HUDDLEBOT_TIMEZONE)")
	dryRun := fs.Bool("dry-run", false, "send: show who would get it without writing anything")
	format := fs.String("format", "table", "list, status and dry-run output: table or json")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	usageErr := func(msg string) int {
		if msg == "" {
			fs.Usage()
		} else {
			fmt.Fprintf(e.stderr, "huddlebot burst: %s\nUsage: huddlebot burst %s (see huddlebot burst --help)\n", msg, burstArgs)
		}
		return exitUsage
	}
	if len(pos) == 0 {
		return usageErr("")
	}
	verb := pos[0]
	want := map[string]int{"list": 1, "preview": 2, "send": 2, "status": 2, "cancel": 2}[verb]
	if want == 0 {
		return usageErr(fmt.Sprintf("unknown action %q (list, preview, send, status, cancel)", verb))
	}
	if len(pos) != want {
		if want == 2 && len(pos) == 1 {
			return usageErr(fmt.Sprintf("%s needs a burst ID (see huddlebot burst list)", verb))
		}
		return usageErr(fmt.Sprintf("unexpected argument %q", pos[want]))
	}
	if *format != "table" && *format != "json" {
		return usageErr(fmt.Sprintf("--format must be table or json (got %q)", *format))
	}
	var id string
	if want == 2 {
		id = strings.ToLower(pos[1])
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return usageErr(fmt.Sprintf("HUDDLEBOT_TIMEZONE: %q is not an IANA time zone", cfg.TimeZone))
	}
	var start time.Time
	if *at != "" {
		if *sendNow {
			return usageErr("--now and --at exclude each other")
		}
		if start, err = parseBurstTime(*at, loc); err != nil {
			return usageErr("--at: " + err.Error())
		}
	}
	if *platform == "" {
		*platform = cfg.Platform()
	}
	switch *platform {
	case "sandbox", "slack", "discord", "teams":
	default:
		return usageErr(fmt.Sprintf("--platform must be sandbox, slack, discord or teams (got %q)", *platform))
	}

	fail := func(err error) int {
		var ue *bot.UserError
		if errors.As(err, &ue) {
			fmt.Fprintln(e.stderr, ue.Error())
		} else {
			fmt.Fprintf(e.stderr, "huddlebot burst %s: %v\n", verb, err)
		}
		return exitFail
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	b := burst.New(bot.New(db, bot.Config{DefaultTimeZone: cfg.TimeZone}, newLogger(e.stderr, "warn")))
	if err := b.LoadContent(ctx); err != nil {
		return fail(err)
	}
	if verb == "preview" {
		return burstPreview(e, b, id, *role, *dept, fail)
	}
	ws, err := rosterWorkspace(ctx, db, cfg, *platform, *workspace)
	if err != nil {
		return fail(err)
	}
	if verb == "send" || verb == "cancel" {
		// Insert only: the running server's workers deliver what we queue.
		if _, err := bot.NewJobs(b.Bot, bot.JobsOptions{Work: false}); err != nil {
			return fail(err)
		}
	}
	switch verb {
	case "list":
		list, err := b.BurstList(ctx, ws.ID)
		if err != nil {
			return fail(err)
		}
		if *format == "json" {
			return writeJSONOut(e, burstListJSON(list), fail)
		}
		fmt.Fprintln(e.stdout, burst.FormatBurstList(en, list, loc))
	case "status":
		st, err := b.BurstStatus(ctx, ws.ID, id)
		if err != nil {
			return fail(err)
		}
		note := contentPickupNote(ctx, db, cfg.tick(), time.Now())
		if *format == "json" {
			if note != "" {
				fmt.Fprintln(e.stderr, note) // stdout stays valid JSON
			}
			return writeJSONOut(e, st, fail)
		}
		fmt.Fprintln(e.stdout, burst.FormatBurstStatus(en, b.Content(), st, loc))
		if note != "" {
			fmt.Fprintln(e.stdout, note)
		}
	case "cancel":
		res, err := b.BurstCancel(ctx, ws.ID, id, 0)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(e.stdout, burst.FormatBurstCancel(en, id, res))
	case "send":
		o := burst.BurstSendOptions{WorkspaceID: ws.ID, BurstID: id, Now: *sendNow, At: start, DryRun: *dryRun,
			Audience: lessons.Audience{Roles: splitList(*role), Departments: splitList(*dept), NewHires: *newHires}}
		if !*dryRun {
			o.Progress = newProgressBar(e.stderr).update
		}
		res, err := b.BurstSend(ctx, o)
		if err != nil {
			return fail(err)
		}
		if *dryRun {
			return burstDryRun(e, res, ws, *sendNow, *format, loc, fail)
		}
		printBurstSend(e.stdout, res, ws, *sendNow, start, loc)
		// The members inside work hours got theirs from this command; the
		// rest wait for a running bot, which needs the burst's content.
		if note := contentPickupNote(ctx, db, cfg.tick(), time.Now()); note != "" {
			fmt.Fprintln(e.stdout, note)
		}
	}
	return exitOK
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments ("send ID --now"); it returns the positionals.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if code, ok := parse(fs, args); !ok {
			return nil, code, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseBurstTime reads --at: RFC 3339, or a local "YYYY-MM-DD HH:MM" (also
// with a T) in loc.
func parseBurstTime(s string, loc *time.Location) (time.Time, error) {
	if t, ok := burst.ParseStart(s, loc); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2026-12-01T08:00:00-06:00 or \"2026-12-01 08:00\" (%s)", s, loc)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.TrimPrefix(p, "#"))
	}
	return out
}

func burstPreview(e *env, b *burst.Burst, id, role, dept string, fail func(error) int) int {
	c := b.Content()
	bu := c.Burst(id)
	if bu == nil {
		_, err := b.BurstPreview(id, role, dept, "") // the error lists the known bursts
		return fail(err)
	}
	if role == "" {
		role = c.Roles[0]
		if len(bu.Roles) > 0 {
			role = bu.Roles[0]
		}
		fmt.Fprintf(e.stderr, "(no --role given: previewing as %s)\n", role)
	}
	role, dept = strings.ToLower(role), strings.ToLower(strings.TrimPrefix(dept, "#"))
	items, err := b.BurstPreview(id, role, dept, "")
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(e.stdout, burst.FormatBurstPreview(en, bu, role, dept, items))
	return exitOK
}

func printBurstSend(w io.Writer, res *burst.BurstSendResult, ws *store.Workspace, now bool, start time.Time, loc *time.Location) {
	bu := res.Burst
	members := len(res.Recipients)
	fmt.Fprintf(w, "burst %s “%s” (%s) → %s workspace %s\n", bu.ID, bu.Title, bu.Pace, ws.Platform, ws.ExternalID)
	switch {
	case members == 0:
		fmt.Fprintln(w, "no joined member matches the audience: nothing to send")
		return
	case res.Added == 0 && !res.Created:
		fmt.Fprintf(w, "already sent to these %d members: nothing doubled, nothing new to send", members)
		if res.SentNow > 0 {
			fmt.Fprintf(w, " (%s went out now)", plural(res.SentNow, "pending item"))
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "queued for %d members: %d items (%d new)\n", members, res.Items, res.Added)
		switch {
		case now:
			fmt.Fprintf(w, "now: %s on their way to %s at work; %s at their next delivery time\n",
				plural(res.SentNow, "prompt"), plural(res.MembersNow, "member"), plural(res.Later, "member"))
		case !start.IsZero():
			fmt.Fprintf(w, "starts %s: each member's first delivery time from then on\n", start.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
		default:
			fmt.Fprintln(w, "goes out at each member's next delivery time")
		}
		if gs := res.Waiting(); len(gs) > 0 {
			fmt.Fprintf(w, "later, in each member's own time:\n%s\n", burst.FormatWaiting(en, gs, "  ", 8))
		}
		if bu.Pace == lessons.PaceDaily {
			fmt.Fprintln(w, "daily pace: one lesson per work day on each member's own schedule")
		}
	}
	fmt.Fprintf(w, "follow it with: huddlebot burst status %s\n", bu.ID)
}

func burstDryRun(e *env, res *burst.BurstSendResult, ws *store.Workspace, now bool, format string, loc *time.Location, fail func(error) int) int {
	type row struct {
		UserID     string   `json:"user_id"`
		Name       string   `json:"name"`
		Role       string   `json:"role"`
		Department string   `json:"department"`
		Lessons    []string `json:"lessons"`
		Dates      []string `json:"dates"`
		AtOnce     bool     `json:"at_once"`
	}
	rows := make([]row, 0, len(res.Recipients))
	for _, r := range res.Recipients {
		ids := make([]string, len(r.Lessons))
		for i, l := range r.Lessons {
			ids[i] = l.Lesson.ID
		}
		rows = append(rows, row{UserID: r.Member.UserID, Name: r.Member.Name, Role: r.Member.Role, Department: r.Member.Department,
			Lessons: ids, Dates: r.Dates, AtOnce: r.Immediate})
	}
	if format == "json" {
		return writeJSONOut(e, map[string]any{"burst": res.Burst.ID, "members": len(rows), "items": res.Items, "recipients": rows}, fail)
	}
	w := e.stdout
	bu := res.Burst
	fmt.Fprintf(w, "dry run — nothing was written\nburst %s “%s” (%s) → %s workspace %s\n", bu.ID, bu.Title, bu.Pace, ws.Platform, ws.ExternalID)
	fmt.Fprintf(w, "would reach %d members with %d items", len(rows), res.Items)
	if now {
		fmt.Fprintf(w, ": %d at once (inside work hours now), %d at their next delivery time", res.MembersNow, res.Later)
	}
	fmt.Fprintln(w)
	if res.Send != nil {
		fmt.Fprintf(w, "already sent on %s: sending again adds only members and lessons not sent yet\n",
			res.Send.CreatedAt.In(loc).Format("2006-01-02"))
	}
	if len(rows) == 0 {
		return exitOK
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "user_id\tname\trole\tdepartment\tlessons\tfirst date\tat once")
	for _, r := range rows {
		once := ""
		if r.AtOnce {
			once = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.UserID, r.Name, r.Role, r.Department, len(r.Lessons), r.Dates[0], once)
	}
	if err := tw.Flush(); err != nil {
		return fail(err)
	}
	return exitOK
}

func burstListJSON(list []burst.BurstInfo) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, in := range list {
		o := map[string]any{"id": in.Burst.ID, "title": in.Burst.Title, "pace": in.Burst.Pace, "roles": in.Burst.Roles,
			"departments": in.Burst.Departments, "lessons": in.Burst.Lessons, "sent": in.Stats != nil}
		if in.Stats != nil {
			o["status"], o["members"], o["reached"], o["sent_at"] = in.Stats.Send.Status, in.Stats.Members, in.Stats.Reached, in.Stats.Send.CreatedAt
		}
		out = append(out, o)
	}
	return out
}

func writeJSONOut(e *env, v any, fail func(error) int) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(err)
	}
	return exitOK
}

// progressBar shows how far a send has got: a bar redrawn in place on a
// terminal, plain lines otherwise (logs, CI).
type progressBar struct {
	w   io.Writer
	tty bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, tty: isTerminal(w)} }

func (p *progressBar) update(done, total int) {
	if !p.tty {
		fmt.Fprintf(p.w, "enqueued %d/%d members\n", done, total)
		return
	}
	const width = 30
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	fmt.Fprintf(p.w, "\r[%s] %d/%d members", bar, done, total)
	if done >= total {
		fmt.Fprintln(p.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
