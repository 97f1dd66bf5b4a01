package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/huddlebot/huddlebot/internal/validation"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

func init() {
	register("migrate", "create or upgrade the database schema (safe to run again)", runMigrate)
	register("content", "validate or import a content directory: content validate|import DIR", runContent)
	register("roster", "import members from a CSV: roster import FILE.csv", runRoster)
}

func runMigrate(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "migrate", "", "Applies every pending migration of the database named by HUDDLEBOT_DATABASE_URL.")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot migrate: HUDDLEBOT_DATABASE_URL: %v\n", err)
		return exitFail
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return e.fail("migrate", err)
	}
	if err := migrateJobs(ctx, db); err != nil {
		return e.fail("migrate", err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "database %s is up to date\n", db.URL)
	} else {
		fmt.Fprintf(e.stdout, "applied %s to %s\n", strings.Join(applied, ", "), db.URL)
	}
	return exitOK
}

func runContent(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "content", "validate|import DIR",
		"validate: check every lesson, track and burst in DIR and list every problem as path:line: field: message.\n"+
			"import: validate, then store DIR in one transaction (nothing is imported if anything is wrong).")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "validate" && fs.Arg(0) != "import") {
		fs.Usage()
		return exitUsage
	}
	verb, dir := fs.Arg(0), fs.Arg(1)
	c, err := lessons.LoadDir(dir)
	if err != nil {
		var ve *validation.Error
		if errors.As(err, &ve) {
			fmt.Fprintln(e.stderr, err)
			fmt.Fprintf(e.stderr, "%d problem(s) in %s; nothing was imported\n", len(ve.Problems), dir)
			return exitFail
		}
		fmt.Fprintf(e.stderr, "huddlebot content %s: %v\n", verb, err)
		return exitFail
	}
	quizzes, translations := 0, 0
	for _, l := range c.Lessons {
		if l.IsQuiz() {
			quizzes++
		}
		translations += len(l.Translations)
	}
	if verb == "validate" {
		fmt.Fprintf(e.stdout, "%s: ok — %d lessons (%d quizzes, %d translations), %d tracks, %d bursts\n", dir, len(c.Lessons), quizzes,
			translations, len(c.Tracks), len(c.Bursts))
		return exitOK
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return e.fail("content import", err)
	}
	defer db.Close()
	src, err := contentSourceOf(dir)
	if err != nil {
		return e.fail("content import", err)
	}
	src.By = "cli"
	res, err := db.ContentImportFrom(ctx, c, src)
	if err != nil {
		return e.fail("content import", err)
	}
	fmt.Fprintf(e.stdout, "imported %s: %d added, %d changed (new version), %d unchanged, %d retired; %d tracks, %d bursts\n",
		dir, len(res.Added), len(res.Changed), res.Unchanged, len(res.Retired), res.Tracks, res.Bursts)
	if reps, err := db.ReplicaList(ctx, time.Now().Add(-3*cfg.tick())); err == nil && len(reps) > 0 {
		fmt.Fprintf(e.stdout, "%d running huddlebot process(es) will use it within %s (their next content check).\n", len(reps), cfg.tick())
	}
	return exitOK
}

func runRoster(ctx context.Context, e *env, args []string) int {
	fs, cfg := flags(e, "roster", "import FILE.csv",
		"Imports members from a CSV with the header user_id,name,role,department,timezone,email\n"+
			"(optional columns: permissions like \"super_user;trainer\", start_date YYYY-MM-DD, work_days like mon-fri or\n"+
			"mon;wed;fri, work_hours like 19:00-07:30, delivery_time HH:MM, language like es or pt-BR, duty on|off).\n"+
			"An empty optional cell leaves that setting as it is; an unknown column is an error.\n"+
			"Every bad row is reported as FILE:LINE: field: message and nothing is imported if any row is bad.\n"+
			"Re-importing updates members in place.")
	platform := fs.String("platform", "", "sandbox, slack, discord or teams (default: the platform serve would use)")
	workspace := fs.String("workspace", "", "workspace id: Slack team id, Discord guild id or Teams tenant id (default: the sandbox's, TEAMS_TENANT_ID, or the only one)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 || fs.Arg(0) != "import" {
		fs.Usage()
		return exitUsage
	}
	if *platform == "" {
		*platform = cfg.Platform()
	}
	switch *platform {
	case "sandbox", "slack", "discord", "teams":
	default:
		fmt.Fprintf(e.stderr, "huddlebot roster: --platform must be sandbox, slack, discord or teams (got %q)\n", *platform)
		return exitUsage
	}
	path := fs.Arg(1)
	f, err := os.Open(path)
	if err != nil {
		return e.fail("roster import", err)
	}
	defer f.Close()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return e.fail("roster import", err)
	}
	defer db.Close()
	c, err := db.ContentLoad(ctx)
	if err != nil {
		return e.fail("roster import", err)
	}
	rows, err := member.ParseRoster(f, path, c.Roles)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		fmt.Fprintln(e.stderr, "nothing was imported")
		return exitFail
	}
	ws, err := rosterWorkspace(ctx, db, cfg, *platform, *workspace)
	if err != nil {
		return e.fail("roster import", err)
	}
	added, updated := 0, 0
	err = db.Tx(ctx, func(tx *store.Tx) error {
		added, updated = 0, 0
		next := map[int64]time.Time{}
		for _, r := range rows {
			_, err := db.MemberByUser(ctx, tx, ws.ID, r.UserID)
			if err != nil && ws.Platform == "teams" && r.Email != "" {
				// A row keyed by a directory object id or e-mail whose
				// person has written to the bot since: their member now
				// has their Teams id; the e-mail finds it.
				if uid, uerr := db.MemberUserByEmail(ctx, tx, ws.ID, r.Email); uerr != nil {
					return fmt.Errorf("%s:%d: %w", path, r.Line, uerr)
				} else if uid != "" {
					r.UserID, err = uid, nil
				}
			}
			exists := err == nil
			id, err := db.MemberUpsert(ctx, tx, store.MemberUpsert{WorkspaceID: ws.ID, UserID: r.UserID, Name: r.Name, Email: r.Email,
				Role: r.Role, Department: r.Department, TimeZone: r.TimeZone, Permissions: r.Permissions, StartDate: r.StartDate})
			if err != nil {
				return fmt.Errorf("%s:%d: %w", path, r.Line, err)
			}
			set := store.MemberSettings{WorkDays: r.WorkDays, WorkStart: r.WorkStart, WorkEnd: r.WorkEnd,
				DeliveryTime: r.DeliveryTime, OnDuty: r.OnDuty}
			if set != (store.MemberSettings{}) {
				if err := db.MemberUpdate(ctx, tx, id, set); err != nil {
					return fmt.Errorf("%s:%d: %w", path, r.Line, err)
				}
			}
			if r.Language != nil {
				// Never over the person's own /learn language.
				if _, err := db.MemberSetLanguage(ctx, tx, id, *r.Language, member.LanguageRoster); err != nil {
					return fmt.Errorf("%s:%d: %w", path, r.Line, err)
				}
			}
			next[id] = time.Now()
			if exists {
				updated++
			} else {
				added++
			}
		}
		if err := db.MemberSetNextDue(ctx, tx, next); err != nil {
			return err
		}
		return db.Audit(ctx, tx, ws.ID, 0, "roster.import", path, fmt.Sprintf("added=%d updated=%d", added, updated))
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "huddlebot roster import: %v\nnothing was imported\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "imported %s into %s workspace %s: %d added, %d updated\n", path, ws.Platform, ws.ExternalID, added, updated)
	return exitOK
}

// rosterWorkspace picks the workspace a roster goes into: the one named, the
// sandbox's, or the platform's only workspace.
func rosterWorkspace(ctx context.Context, db *store.DB, cfg *Config, platform, external string) (*store.Workspace, error) {
	if external == "" && platform == "sandbox" {
		external = "local"
	}
	if external == "" && platform == "teams" {
		// Teams workspaces are tenants; a single-tenant bot has one.
		external = cfg.TeamsTenantID
	}
	if external == "" {
		list, err := db.WorkspaceList(ctx, platform)
		if err != nil {
			return nil, err
		}
		switch len(list) {
		case 0:
			return nil, fmt.Errorf("--workspace: no %s workspace is known yet; give its id (Slack team id T…, Discord guild id, Teams tenant id)", platform)
		case 1:
			return list[0], nil
		default:
			ids := make([]string, len(list))
			for i, w := range list {
				ids[i] = w.ExternalID
			}
			return nil, fmt.Errorf("--workspace: several %s workspaces are known (%s); name one", platform, strings.Join(ids, ", "))
		}
	}
	return db.WorkspaceEnsure(ctx, platform, external, cfg.TimeZone)
}
