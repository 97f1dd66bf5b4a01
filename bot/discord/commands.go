package discord

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/i18n"
)

// The application commands are described once, in specs: the same table
// builds the definitions registered with Discord and turns an invocation
// back into the slash-command text the core parses, so the two cannot drift.

// render says how an option's value becomes part of the command text.
type render int

const (
	word    render = iota // one token; inner spaces become "-" (role, department, time…)
	rest                  // free text, as typed (must be the last option with text)
	quoted                // "value", for grammars that take several phrases (/huddle poll)
	flag                  // boolean: "--flag" when true, nothing otherwise
	named                 // "--flag value"
	assign                // "--flag=value"
	literal               // boolean: "name" when true (/burst send ID now)
)

// optSpec is one typed option of a (sub)command. The options of a spec are
// listed in the order their text appears; Discord gets the required ones
// first, as it demands.
type optSpec struct {
	name, desc string
	typ        discordgo.ApplicationCommandOptionType
	required   bool
	render     render
	flag       string   // the --flag of flag, named and assign (default: name)
	choices    []string // fixed choices
	roles      bool     // choices are the content's roles
	min, max   float64  // integer bounds (0 = none)
	maxLen     int
}

// subSpec is a subcommand; word is what it contributes to the text ("" for
// /learn next, which is plain /learn).
type subSpec struct {
	name, desc, word string
	opts             []optSpec
}

// cmdSpec is one application command: either subcommands or options.
type cmdSpec struct {
	name, desc string
	dm         bool // usable in DMs with the bot (global registration only)
	subs       []subSpec
	opts       []optSpec
}

func str(name, desc string, required bool, r render) optSpec {
	return optSpec{name: name, desc: desc, typ: discordgo.ApplicationCommandOptionString, required: required, render: r}
}

func onOff(desc string) optSpec {
	o := str("state", desc, true, word)
	o.choices = []string{"on", "off"}
	return o
}

// languageOpt offers the shipped languages; what a person picks becomes
// their own language, over their Discord client's locale.
func languageOpt() optSpec {
	o := str("language", "The language", true, word)
	o.choices = i18n.Shipped()
	return o
}

func boolean(name, desc string, r render) optSpec {
	return optSpec{name: name, desc: desc, typ: discordgo.ApplicationCommandOptionBoolean, render: r}
}

func integer(name, desc string, required bool, r render, lo, hi float64) optSpec {
	return optSpec{name: name, desc: desc, typ: discordgo.ApplicationCommandOptionInteger, required: required, render: r, min: lo, max: hi}
}

// pollOptions maps /huddle poll "Question" "Option" … [--multi[=N]]
// [--anonymous] [--hidden] [--closes 10m]; Discord allows 25 options per
// subcommand, so a poll made here has up to 10 answers.
func pollOptions() []optSpec {
	out := []optSpec{str("question", "The poll question", true, quoted)}
	for i := 1; i <= 10; i++ {
		out = append(out, str(fmt.Sprintf("option%d", i), fmt.Sprintf("Answer option %d", i), i <= 2, quoted))
	}
	return append(out,
		boolean("multi", "Allow several answers", flag),
		optSpec{name: "max-answers", desc: "At most this many answers per person", typ: discordgo.ApplicationCommandOptionInteger,
			render: assign, flag: "multi", min: 1, max: 25},
		boolean("anonymous", "Hide who voted for what", flag),
		boolean("hidden", "Hide the tally until the poll closes", flag),
		str("closes", "Close automatically after, e.g. 10m", false, named),
	)
}

var specs = []cmdSpec{
	{name: "learn", desc: "Your daily EHR tip or question: join, schedule, stats", dm: true, subs: []subSpec{
		{name: "next", desc: "Get your next lesson right now", word: ""},
		{name: "join", desc: "Join with your role and unit", word: "join", opts: []optSpec{
			{name: "role", desc: "Your role", typ: discordgo.ApplicationCommandOptionString, required: true, render: word, roles: true},
			str("department", "Your unit or department, e.g. 4west", false, word),
		}},
		{name: "time", desc: "When your daily prompt arrives", word: "time", opts: []optSpec{
			str("time", "HH:MM, e.g. 06:45", true, word)}},
		{name: "tz", desc: "Your time zone", word: "tz", opts: []optSpec{
			str("zone", "IANA zone, e.g. America/Chicago", true, word)}},
		{name: "days", desc: "Your work days", word: "days", opts: []optSpec{
			str("days", "e.g. mon-fri or mon,wed,fri", true, word)}},
		{name: "hours", desc: "Your work hours; nothing arrives outside them", word: "hours", opts: []optSpec{
			str("hours", "HH:MM-HH:MM, e.g. 19:00-07:30 for nights", true, word)}},
		{name: "pause", desc: "Pause prompts (vacation)", word: "pause", opts: []optSpec{
			integer("days", "How many days (default 7)", false, word, 1, 365)}},
		{name: "resume", desc: "Resume prompts after a pause", word: "resume"},
		{name: "stats", desc: "Your answers, streak and next prompt", word: "stats"},
		{name: "nudges", desc: "One reminder when a question is unanswered", word: "nudges", opts: []optSpec{onOff("Reminders on or off")}},
		{name: "duty", desc: "Super-users: take colleagues' questions", word: "duty", opts: []optSpec{onOff("On duty or off")}},
		{name: "duty-hours", desc: "Super-users: when colleagues' questions may reach you", word: "duty hours", opts: []optSpec{
			str("hours", "HH:MM-HH:MM, or off for your work hours", true, word)}},
		{name: "language", desc: "The language huddlebot speaks to you in", word: "language", opts: []optSpec{languageOpt()}},
		{name: "help", desc: "How huddlebot works", word: "help"},
	}},
	{name: "huddle", desc: "Tech huddles: agenda, polls, questions, summary", subs: []subSpec{
		{name: "start", desc: "Start a huddle in this channel", word: "start", opts: []optSpec{
			str("title", "What it is about (default: this channel's scheduled huddle)", false, rest)}},
		{name: "end", desc: "End the huddle and post the summary", word: "end"},
		{name: "status", desc: "What is running in this channel", word: "status"},
		{name: "agenda", desc: "Set the huddle's agenda", word: "agenda", opts: []optSpec{
			str("text", "The agenda", true, rest)}},
		{name: "poll", desc: "Run a live poll", word: "poll", opts: pollOptions()},
		{name: "rate", desc: "Ask for a 1–5 rating", word: "rate", opts: []optSpec{
			str("question", "What to rate", true, quoted),
			boolean("anonymous", "Hide who rated what", flag),
			boolean("hidden", "Hide the result until the poll closes", flag),
			str("closes", "Close automatically after, e.g. 10m", false, named),
		}},
		{name: "ask", desc: "Add a question to the parking lot", word: "ask", opts: []optSpec{
			boolean("anonymous", "Ask without your name", flag),
			str("text", "Your question", true, rest),
		}},
		{name: "schedule", desc: "Schedule a recurring huddle in this channel", word: "schedule", opts: []optSpec{
			str("days", "e.g. tue,thu or mon-fri", true, word),
			str("time", "HH:MM in your time zone, e.g. 07:45", true, word),
			str("title", "What it is about (default: Tech huddle)", false, quoted),
			integer("remind", "Reminder this many minutes before (default 15, 0 = none)", false, named, 0, 240),
		}},
		{name: "schedule-list", desc: "List this channel's scheduled huddles", word: "schedule list"},
		{name: "schedule-cancel", desc: "Cancel a scheduled huddle", word: "schedule cancel", opts: []optSpec{
			integer("id", "The schedule's number (see schedule-list)", true, word, 1, 0)}},
		{name: "help", desc: "How huddles work", word: "help"},
	}},
	{name: "burst", desc: "Trainers: update bursts for an EHR change", subs: []subSpec{
		{name: "list", desc: "List bursts", word: "list"},
		{name: "preview", desc: "Preview a burst as a role sees it", word: "preview", opts: []optSpec{
			str("id", "Burst id (see /burst list)", true, word),
			// No department option: the text grammar is positional
			// (ID [ROLE] [DEPARTMENT]) and Discord cannot make it depend
			// on the role being given.
			{name: "role", desc: "Preview as this role (default: the burst's first)", typ: discordgo.ApplicationCommandOptionString, render: word, roles: true},
		}},
		{name: "send", desc: "Send a burst at each member's next delivery time", word: "send", opts: []optSpec{
			str("id", "Burst id (see /burst list)", true, word),
			boolean("now", "Send now to those at work", literal),
		}},
		{name: "status", desc: "Who has seen and understood a burst", word: "status", opts: []optSpec{
			str("id", "Burst id", true, word)}},
		{name: "cancel", desc: "Cancel a burst", word: "cancel", opts: []optSpec{
			str("id", "Burst id", true, word)}},
	}},
	{name: "feedback", desc: "Tell the training team what's confusing, broken or great", dm: true, opts: []optSpec{
		{name: "text", desc: "Your feedback (no patient details, please)", typ: discordgo.ApplicationCommandOptionString,
			required: true, render: rest, maxLen: 3000}}},
	{name: "ask", desc: "Ask a super-user on your unit", dm: true, opts: []optSpec{
		{name: "text", desc: "Your question (no patient details, please)", typ: discordgo.ApplicationCommandOptionString,
			required: true, render: rest, maxLen: 3000}}},
}

// Commands returns the application command definitions: /learn, /huddle,
// /burst, /feedback and /ask. roles are the content's roles, offered as
// choices (up to Discord's 25; with more, the option takes free text).
// global adds the contexts in which global commands may be used.
func Commands(roles []string, global bool) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(specs))
	for _, c := range specs {
		ac := &discordgo.ApplicationCommand{Name: c.name, Description: c.desc, Type: discordgo.ChatApplicationCommand}
		if global {
			ctx := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
			if c.dm {
				ctx = append(ctx, discordgo.InteractionContextBotDM)
			}
			ac.Contexts = &ctx
		}
		for _, s := range c.subs {
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.name, Description: s.desc,
				Options: optionDefs(s.opts, roles),
			})
		}
		ac.Options = append(ac.Options, optionDefs(c.opts, roles)...)
		if ac.Options == nil {
			ac.Options = []*discordgo.ApplicationCommandOption{}
		}
		out = append(out, ac)
	}
	return out
}

func optionDefs(opts []optSpec, roles []string) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, o := range opts {
		d := &discordgo.ApplicationCommandOption{Type: o.typ, Name: o.name, Description: o.desc, Required: o.required,
			MaxLength: o.maxLen}
		choices := o.choices
		if o.roles {
			choices = roles
		}
		if len(choices) <= 25 {
			for _, ch := range choices {
				d.Choices = append(d.Choices, &discordgo.ApplicationCommandOptionChoice{Name: ch, Value: ch})
			}
		}
		if o.min != 0 {
			v := o.min
			d.MinValue = &v
		}
		d.MaxValue = o.max
		out = append(out, d)
	}
	// Discord wants required options before optional ones; the text order
	// (the spec's) is kept by optionsText.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Required && !out[j].Required })
	return out
}

// commandText turns an application command invocation into the command name
// and text the core parses, e.g. /learn join role:nurse department:4west →
// ("learn", "join nurse 4west").
func commandText(data discordgo.ApplicationCommandInteractionData) (string, string, error) {
	var spec *cmdSpec
	for i := range specs {
		if specs[i].name == data.Name {
			spec = &specs[i]
		}
	}
	if spec == nil {
		// Unknown to us (an old registration): pass it on; the core answers
		// with a hint.
		return data.Name, "", nil
	}
	if len(spec.subs) == 0 {
		if err := unknownOptions("/"+spec.name, spec.opts, data.Options); err != nil {
			return "", "", err
		}
		return spec.name, optionsText(spec.opts, data.Options), nil
	}
	if len(data.Options) == 0 || data.Options[0] == nil || data.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		names := make([]string, len(spec.subs))
		for i, s := range spec.subs {
			names[i] = s.name
		}
		return "", "", &usageError{key: "discord.needs_sub", data: i18n.Data{"Command": spec.name, "Subs": strings.Join(names, ", ")}}
	}
	sub := data.Options[0]
	for _, s := range spec.subs {
		if s.name == sub.Name {
			if err := unknownOptions("/"+spec.name+" "+s.name, s.opts, sub.Options); err != nil {
				return "", "", err
			}
			text := optionsText(s.opts, sub.Options)
			return spec.name, strings.TrimSpace(s.word + " " + text), nil
		}
	}
	// A subcommand we no longer define: let the core explain usage.
	return spec.name, sub.Name, nil
}

// A usage reply ends with discord.stale_hint, the usual cause of an
// invocation that does not match our definitions: Discord propagates global
// command changes for up to an hour, so a client may still offer an old
// shape.

// unknownOptions returns a usageError naming the options given that the
// (sub)command does not define, and the ones it does. Dropping them
// silently would run a different command than the person typed.
func unknownOptions(what string, specOpts []optSpec, given []*discordgo.ApplicationCommandInteractionDataOption) error {
	var unknown []string
	for _, g := range given {
		if g == nil {
			continue
		}
		if !slices.ContainsFunc(specOpts, func(o optSpec) bool { return o.name == g.Name }) {
			unknown = append(unknown, g.Name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	known := make([]string, len(specOpts))
	for i, o := range specOpts {
		known[i] = o.name
	}
	data := i18n.Data{"What": what, "Unknown": strings.Join(unknown, ", "), "Known": strings.Join(known, ", ")}
	if len(known) == 0 {
		return &usageError{key: "discord.no_options", data: data}
	}
	return &usageError{key: "discord.unknown_option", data: data}
}

func optionsText(specOpts []optSpec, given []*discordgo.ApplicationCommandInteractionDataOption) string {
	var parts []string
	for _, o := range specOpts {
		var v *discordgo.ApplicationCommandInteractionDataOption
		for _, g := range given {
			if g != nil && g.Name == o.name {
				v = g
			}
		}
		if v == nil {
			continue
		}
		s := optionValue(v)
		switch o.render {
		case word:
			s = strings.Join(strings.Fields(s), "-")
		case rest:
			s = strings.TrimSpace(s)
		case quoted:
			s = quote(strings.TrimSpace(s))
		case flag:
			if s != "true" {
				continue
			}
			s = "--" + o.flagName()
		case named:
			s = "--" + o.flagName() + " " + strings.Join(strings.Fields(s), "-")
		case assign:
			s = "--" + o.flagName() + "=" + strings.Join(strings.Fields(s), "-")
		case literal:
			if s != "true" {
				continue
			}
			s = o.name
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func (o optSpec) flagName() string {
	if o.flag != "" {
		return o.flag
	}
	return o.name
}

// quote wraps s in straight quotes for the core's tokenizer, which takes
// any straight or curly quote as a delimiter and \" (backslash + quote) as
// a literal one.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '“', '”', '„', '«', '»':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// optionValue formats an option's JSON value: strings as they are, numbers
// without a fraction when whole, booleans as true/false.
func optionValue(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// RegisterCommands installs the application commands, replacing any others
// of the application: in Options.GuildID when set (instant updates), else
// globally (Discord may take up to an hour to show changes).
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	global := a.opts.GuildID == ""
	cmds := Commands(a.bot.Content().Roles, global)
	got, err := a.api.ApplicationCommandBulkOverwrite(a.opts.AppID, a.opts.GuildID, cmds, discordgo.WithContext(ctx))
	if err != nil {
		where := "globally"
		if !global {
			where = "in guild " + a.opts.GuildID
		}
		return fmt.Errorf("register application commands %s: %w", where, err)
	}
	a.log.Info("discord application commands registered", "count", len(got), "guild", a.opts.GuildID)
	return nil
}
