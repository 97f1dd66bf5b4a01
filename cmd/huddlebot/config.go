package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
)

// Config is huddlebot's configuration: environment variables, each also a
// flag (flags win).
type Config struct {
	DatabaseURL       string
	Listen            string
	ContentDir        string
	TimeZone          string
	Language          string
	DashboardPassword string
	SandboxPublic     string
	TrainerChannel    string
	HelpdeskChannel   string
	Secret            string
	LogLevel          string
	JobTimeout        string
	Workers           string
	Spacing           string
	FSRSRetention     string
	Tick              string

	SlackBotToken      string
	SlackAppToken      string
	SlackSigningSecret string
	SlackAPIURL        string

	DiscordBotToken  string
	DiscordAppID     string
	DiscordPublicKey string
	DiscordAPIURL    string
	DiscordGuildID   string

	TeamsAppID       string
	TeamsAppPassword string
	TeamsTenantID    string
	TeamsOpenIDURL   string
	TeamsTokenURL    string
}

type setting struct {
	env, flag, def, help string
	secret               bool
	ptr                  func(*Config) *string
}

var settings = []setting{
	{"HUDDLEBOT_DATABASE_URL", "database-url", "sqlite:huddlebot.db", "database: postgres://… or sqlite:PATH", false, func(c *Config) *string { return &c.DatabaseURL }},
	{"HUDDLEBOT_LISTEN", "listen", "127.0.0.1:8080", "HTTP listen address", false, func(c *Config) *string { return &c.Listen }},
	{"HUDDLEBOT_CONTENT_DIR", "content-dir", "", "content directory (default: bundled sample content)", false, func(c *Config) *string { return &c.ContentDir }},
	{"HUDDLEBOT_TIMEZONE", "timezone", "UTC", "workspace default time zone (IANA)", false, func(c *Config) *string { return &c.TimeZone }},
	{"HUDDLEBOT_LANGUAGE", "language", "en", "workspace default language for members without a shipped language of their own: " + strings.Join(i18n.Shipped(), ", "), false, func(c *Config) *string { return &c.Language }},
	{"HUDDLEBOT_DASHBOARD_PASSWORD", "dashboard-password", "", "password for /dashboard (HTTP Basic, user trainer)", true, func(c *Config) *string { return &c.DashboardPassword }},
	{"HUDDLEBOT_SANDBOX_PUBLIC", "sandbox-public", "", "serve the sandbox (no sign-in: anyone served can act as any person, trainers included) to clients other than this computer: 1 to opt in", false, func(c *Config) *string { return &c.SandboxPublic }},
	{"HUDDLEBOT_TRAINER_CHANNEL", "trainer-channel", "", "channel for escalated huddle questions and the weekly digest", false, func(c *Config) *string { return &c.TrainerChannel }},
	{"HUDDLEBOT_HELPDESK_CHANNEL", "helpdesk-channel", "", "channel where unclaimed questions escalate last", false, func(c *Config) *string { return &c.HelpdeskChannel }},
	{"HUDDLEBOT_SECRET", "secret", "", "key for anonymous vote hashes (default: derived from the platform secrets)", true, func(c *Config) *string { return &c.Secret }},
	{"HUDDLEBOT_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", false, func(c *Config) *string { return &c.LogLevel }},
	{"HUDDLEBOT_JOB_TIMEOUT", "job-timeout", "30s", "longest one delivery attempt may take; deliveries a crashed process left unfinished are retried after twice this", false, func(c *Config) *string { return &c.JobTimeout }},
	{"HUDDLEBOT_WORKERS", "workers", "", "delivery workers per process (default 50 on PostgreSQL, 4 on SQLite)", false, func(c *Config) *string { return &c.Workers }},
	{"HUDDLEBOT_SPACING", "spacing", "trials", "review rule: trials (wrong back after 12 days, right after 24, retired after two right) or fsrs (adaptive FSRS-6); switching keeps history", false, func(c *Config) *string { return &c.Spacing }},
	{"HUDDLEBOT_TICK", "tick", "30s", "how often the scheduler runs, and every replica checks the database for a new content import", false, func(c *Config) *string { return &c.Tick }},
	{"HUDDLEBOT_FSRS_RETENTION", "fsrs-retention", "0.9", "recall probability FSRS schedules reviews for (0.7-0.97; higher means more reviews)", false, func(c *Config) *string { return &c.FSRSRetention }},
	{"SLACK_BOT_TOKEN", "slack-bot-token", "", "Slack bot token (xoxb-…)", true, func(c *Config) *string { return &c.SlackBotToken }},
	{"SLACK_APP_TOKEN", "slack-app-token", "", "Slack app-level token for Socket Mode (xapp-…)", true, func(c *Config) *string { return &c.SlackAppToken }},
	{"SLACK_SIGNING_SECRET", "slack-signing-secret", "", "Slack signing secret (HTTP mode)", true, func(c *Config) *string { return &c.SlackSigningSecret }},
	{"SLACK_API_URL", "slack-api-url", "", "override of the Slack Web API base URL", false, func(c *Config) *string { return &c.SlackAPIURL }},
	{"DISCORD_BOT_TOKEN", "discord-bot-token", "", "Discord bot token", true, func(c *Config) *string { return &c.DiscordBotToken }},
	{"DISCORD_APP_ID", "discord-app-id", "", "Discord application id", false, func(c *Config) *string { return &c.DiscordAppID }},
	{"DISCORD_PUBLIC_KEY", "discord-public-key", "", "Discord public key (hex) for HTTP interactions", false, func(c *Config) *string { return &c.DiscordPublicKey }},
	{"DISCORD_API_URL", "discord-api-url", "", "override of the Discord REST base URL", false, func(c *Config) *string { return &c.DiscordAPIURL }},
	{"DISCORD_GUILD_ID", "discord-guild-id", "", "register commands in this guild only (instant updates)", false, func(c *Config) *string { return &c.DiscordGuildID }},
	{"TEAMS_APP_ID", "teams-app-id", "", "Microsoft Teams bot: the Azure Bot's Microsoft App ID", false, func(c *Config) *string { return &c.TeamsAppID }},
	{"TEAMS_APP_PASSWORD", "teams-app-password", "", "Microsoft Teams bot: the app's client secret", true, func(c *Config) *string { return &c.TeamsAppPassword }},
	{"TEAMS_TENANT_ID", "teams-tenant-id", "", "Microsoft Teams bot: the Microsoft Entra tenant id (single-tenant bot)", false, func(c *Config) *string { return &c.TeamsTenantID }},
	{"TEAMS_OPENID_URL", "teams-openid-url", "", "override of Bot Framework's OpenID metadata URL (tests, proxies)", false, func(c *Config) *string { return &c.TeamsOpenIDURL }},
	{"TEAMS_TOKEN_URL", "teams-token-url", "", "override of the Microsoft Entra token endpoint (tests, proxies)", false, func(c *Config) *string { return &c.TeamsTokenURL }},
}

// LoadConfig fills a Config from the environment and binds every setting as
// a flag on fs, so a flag given later overrides its variable.
func LoadConfig(getenv func(string) string, fs *flag.FlagSet) *Config {
	c := &Config{}
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
		}
		help := s.help + " (env " + s.env + ")"
		fs.StringVar(s.ptr(c), s.flag, v, help)
		// --help and usage errors print each flag's default: never a
		// secret's value, nor the password in a database URL.
		switch f := fs.Lookup(s.flag); {
		case s.secret && v != "":
			f.DefValue = "(set)"
		case s.env == "HUDDLEBOT_DATABASE_URL":
			f.DefValue = store.MaskURL(v)
		}
	}
	return c
}

// minDashboardPassword is the shortest dashboard password serve accepts:
// with the failed-attempt limits (dashboard.go) a 12-character password is
// beyond guessing.
const minDashboardPassword = 12

// Validate checks the configuration and returns every problem, each naming
// the variable and what is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, args...)))
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") &&
		!strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		bad("HUDDLEBOT_DATABASE_URL", "must start with postgres:// or sqlite: (got %q)", store.MaskURL(c.DatabaseURL))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("HUDDLEBOT_LISTEN", "must be host:port like 127.0.0.1:8080 (%v)", err)
	}
	if c.Secret == sandboxVoteSeed && !c.publicKeyAllowed() {
		bad("HUDDLEBOT_SECRET", "is the sandbox's public key, which only the sandbox on a loopback address may use; "+
			"set a random secret (e.g. `openssl rand -hex 32`) so anonymous votes cannot be recomputed")
	}
	if c.Language == "" {
		c.Language = i18n.Default
	}
	if lang, ok := i18n.Match(c.Language); !ok {
		bad("HUDDLEBOT_LANGUAGE", "%q is not a language the bot speaks (%s)", c.Language, strings.Join(i18n.Shipped(), ", "))
	} else {
		c.Language = lang // es-MX speaks es
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" || strings.EqualFold(c.TimeZone, "local") {
		bad("HUDDLEBOT_TIMEZONE", "%q is not an IANA time zone like America/New_York", c.TimeZone)
	}
	if n := utf8.RuneCountInString(c.DashboardPassword); c.DashboardPassword != "" && n < minDashboardPassword {
		bad("HUDDLEBOT_DASHBOARD_PASSWORD", "must be at least %d characters (it has %d); a passphrase of a few words is easiest, "+
			"e.g. the output of `openssl rand -base64 18`", minDashboardPassword, n)
	}
	if _, err := c.sandboxPublic(); err != nil {
		bad("HUDDLEBOT_SANDBOX_PUBLIC", "%v", err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("HUDDLEBOT_LOG_LEVEL", "must be debug, info, warn or error (got %q)", c.LogLevel)
	}
	if d, err := time.ParseDuration(c.JobTimeout); c.JobTimeout != "" && (err != nil || d < time.Second) {
		bad("HUDDLEBOT_JOB_TIMEOUT", "must be a duration of at least 1s like 30s (got %q)", c.JobTimeout)
	}
	if n, err := strconv.Atoi(c.Workers); c.Workers != "" && (err != nil || n < 1 || n > 1000) {
		bad("HUDDLEBOT_WORKERS", "must be a number of workers from 1 to 1000 (got %q)", c.Workers)
	}
	if _, err := lessons.ParseSpacingPolicy(c.Spacing); err != nil {
		bad("HUDDLEBOT_SPACING", "must be trials or fsrs (got %q)", c.Spacing)
	}
	if r, err := strconv.ParseFloat(c.FSRSRetention, 64); c.FSRSRetention != "" && (err != nil || r < 0.7 || r > 0.97) {
		bad("HUDDLEBOT_FSRS_RETENTION", "must be a recall probability from 0.7 to 0.97 like 0.9 (got %q)", c.FSRSRetention)
	}
	if d, err := time.ParseDuration(c.Tick); c.Tick != "" && (err != nil || d < time.Second || d > 10*time.Minute) {
		bad("HUDDLEBOT_TICK", "must be a duration from 1s to 10m like 30s (got %q)", c.Tick)
	}
	if c.SlackBotToken != "" {
		if c.SlackAppToken == "" && c.SlackSigningSecret == "" {
			bad("SLACK_SIGNING_SECRET", "set it for HTTP mode (or SLACK_APP_TOKEN for Socket Mode) when SLACK_BOT_TOKEN is set")
		}
		if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
			bad("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")
		}
	} else if c.SlackAppToken != "" || c.SlackSigningSecret != "" {
		bad("SLACK_BOT_TOKEN", "required when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set")
	}
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		bad("SLACK_API_URL", "must end with / (e.g. http://127.0.0.1:9999/api/)")
	}
	if c.DiscordBotToken != "" && c.DiscordAppID == "" {
		bad("DISCORD_APP_ID", "required when DISCORD_BOT_TOKEN is set")
	}
	if c.DiscordPublicKey != "" && (len(c.DiscordPublicKey) != 64 || strings.Trim(strings.ToLower(c.DiscordPublicKey), "0123456789abcdef") != "") {
		bad("DISCORD_PUBLIC_KEY", "must be the 64-character hex public key from the Developer Portal")
	}
	if c.DiscordPublicKey != "" && c.DiscordBotToken == "" {
		bad("DISCORD_BOT_TOKEN", "required when DISCORD_PUBLIC_KEY is set (the bot sends DMs with it)")
	}
	if c.TeamsAppID != "" || c.TeamsAppPassword != "" || c.TeamsTenantID != "" {
		if c.TeamsAppID == "" {
			bad("TEAMS_APP_ID", "required when TEAMS_APP_PASSWORD or TEAMS_TENANT_ID is set")
		}
		if c.TeamsAppPassword == "" {
			bad("TEAMS_APP_PASSWORD", "required when TEAMS_APP_ID is set (the client secret of the app registration)")
		}
		if c.TeamsTenantID == "" && c.TeamsTokenURL == "" {
			bad("TEAMS_TENANT_ID", "required when TEAMS_APP_ID is set (single-tenant bots get their token from the tenant)")
		}
	}
	for _, u := range []struct{ env, v string }{{"TEAMS_OPENID_URL", c.TeamsOpenIDURL}, {"TEAMS_TOKEN_URL", c.TeamsTokenURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "https://") && !strings.HasPrefix(u.v, "http://127.0.0.1") && !strings.HasPrefix(u.v, "http://localhost") {
			bad(u.env, "must be an https URL (http only on loopback, for tests)")
		}
	}
	for _, ch := range []struct{ env, v string }{{"HUDDLEBOT_TRAINER_CHANNEL", c.TrainerChannel}, {"HUDDLEBOT_HELPDESK_CHANNEL", c.HelpdeskChannel}} {
		if strings.ContainsAny(ch.v, " \t\n") {
			bad(ch.env, "must be a channel id or name without spaces")
		}
	}
	return errors.Join(errs...)
}

// jobTimeout is HUDDLEBOT_JOB_TIMEOUT (0 if invalid: the default).
func (c *Config) jobTimeout() time.Duration {
	d, _ := time.ParseDuration(c.JobTimeout)
	return d
}

// spacing is the review rule from HUDDLEBOT_SPACING and
// HUDDLEBOT_FSRS_RETENTION (the defaults when invalid; Validate reports it).
func (c *Config) spacing() (lessons.SpacingPolicy, lessons.FSRS) {
	p, err := lessons.ParseSpacingPolicy(c.Spacing)
	if err != nil {
		p = lessons.PolicyTrials
	}
	r, _ := strconv.ParseFloat(c.FSRSRetention, 64)
	return p, lessons.FSRS{Retention: r}
}

// tick is HUDDLEBOT_TICK (30 s if unset or invalid; Validate reports it).
func (c *Config) tick() time.Duration {
	if d, err := time.ParseDuration(c.Tick); err == nil && d >= time.Second {
		return d
	}
	return 30 * time.Second
}

// workers is HUDDLEBOT_WORKERS (0: the backend's default).
func (c *Config) workers() int {
	n, _ := strconv.Atoi(c.Workers)
	return n
}

// sandboxPublic reports whether the operator opted in to serving the
// sandbox beyond this computer.
func (c *Config) sandboxPublic() (bool, error) {
	switch strings.ToLower(strings.TrimSpace(c.SandboxPublic)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("must be 1 (serve the sandbox to other computers) or 0 (default: this computer only), got %q", c.SandboxPublic)
}

// Sandbox reports whether no platform is configured: the local web chat.
func (c *Config) Sandbox() bool {
	return c.SlackBotToken == "" && c.DiscordBotToken == "" && c.TeamsAppID == ""
}

// Platform is the platform roster import and the CLI act on by default.
func (c *Config) Platform() string {
	switch {
	case c.SlackBotToken != "":
		return "slack"
	case c.DiscordBotToken != "":
		return "discord"
	case c.TeamsAppID != "":
		return "teams"
	}
	return "sandbox"
}

// sandboxVoteSeed is the fixed seed of the sandbox's vote key. It is in this
// source, so it protects nothing: with it, anyone holding the database can
// recompute every anonymous voter's tags from the roster.
const sandboxVoteSeed = "huddlebot-sandbox"

// publicKeyAllowed reports whether the public sandbox vote key may be used:
// only by the sandbox on a loopback address, which holds no real people and
// which nobody else can reach.
func (c *Config) publicKeyAllowed() bool { return c.Sandbox() && loopbackHost(c.Listen) }

// voteKey is the key for anonymous vote hashes. It is never stored in the
// database: HUDDLEBOT_SECRET, else derived from the platform secrets, else,
// for the loopback sandbox only, a fixed public key. Anywhere else the
// public key is refused and voteKey returns nil: anonymous polls are off
// until HUDDLEBOT_SECRET is set (and Validate refuses it set to that key).
func (c *Config) voteKey() []byte {
	seed := c.Secret
	if seed == "" {
		seed = c.SlackSigningSecret + "|" + c.SlackBotToken + "|" + c.DiscordBotToken
	}
	if c.Secret == "" && c.TeamsAppPassword != "" {
		// Appended only when set, so the keys of existing Slack and
		// Discord deployments stay what they were.
		seed += "|" + c.TeamsAppPassword
	}
	if seed == "||" {
		seed = sandboxVoteSeed
	}
	if seed == sandboxVoteSeed && !c.publicKeyAllowed() {
		return nil
	}
	m := hmac.New(sha256.New, []byte("huddlebot vote key v1"))
	m.Write([]byte(seed))
	return m.Sum(nil)
}

// Secrets returns the configured secret values, so tests can prove none of
// them reaches a log.
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range settings {
		if v := *s.ptr(c); s.secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}
