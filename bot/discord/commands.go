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
// first, as it demands. Descriptions are catalogue keys (command.…): the
// default language's text is registered, with every other shipped
// language's under its Discord locales (es-ES and es-419 for es).
type optSpec struct {
	name, desc string
	data       i18n.Data // the description's template data
	typ        discordgo.ApplicationCommandOptionType
	required   bool
	render     render
	flag       string                    // the --flag of flag, named and assign (default: name)
	choices    []string                  // fixed choices
	choiceName func(value string) string // a choice's catalogue key ("" = its value); nil = the value
	roles      bool                      // choices are the content's roles
	min, max   float64                   // integer bounds (0 = none)
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
	o.choiceName = func(v string) string { return "command.choice." + v }
	return o
}

// languageOpt offers the shipped languages, each by its own name; what a
// person picks becomes their own language, over their Discord client's
// locale.
func languageOpt() optSpec {
	o := str("language", "command.opt.language", true, word)
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
	out := []optSpec{str("question", "command.opt.poll_question", true, quoted)}
	for i := 1; i <= 10; i++ {
		o := str(fmt.Sprintf("option%d", i), "command.opt.poll_option", i <= 2, quoted)
		o.data = i18n.Data{"N": i}
		out = append(out, o)
	}
	return append(out,
		boolean("multi", "command.opt.poll_multi", flag),
		optSpec{name: "max-answers", desc: "command.opt.poll_max_answers", typ: discordgo.ApplicationCommandOptionInteger,
			render: assign, flag: "multi", min: 1, max: 25},
		boolean("anonymous", "command.opt.poll_anonymous", flag),
		boolean("hidden", "command.opt.poll_hidden", flag),
		str("closes", "command.opt.closes", false, named),
	)
}

var specs = []cmdSpec{
	{name: "learn", desc: "command.learn", dm: true, subs: []subSpec{
		{name: "next", desc: "command.learn.next", word: ""},
		{name: "join", desc: "command.learn.join", word: "join", opts: []optSpec{
			{name: "role", desc: "command.opt.role", typ: discordgo.ApplicationCommandOptionString, required: true, render: word, roles: true},
			str("department", "command.opt.department", false, word),
		}},
		{name: "time", desc: "command.learn.time", word: "time", opts: []optSpec{
			str("time", "command.opt.time", true, word)}},
		{name: "tz", desc: "command.learn.tz", word: "tz", opts: []optSpec{
			str("zone", "command.opt.zone", true, word)}},
		{name: "days", desc: "command.learn.days", word: "days", opts: []optSpec{
			str("days", "command.opt.work_days", true, word)}},
		{name: "hours", desc: "command.learn.hours", word: "hours", opts: []optSpec{
			str("hours", "command.opt.work_hours", true, word)}},
		{name: "pause", desc: "command.learn.pause", word: "pause", opts: []optSpec{
			integer("days", "command.opt.pause_days", false, word, 1, 365)}},
		{name: "resume", desc: "command.learn.resume", word: "resume"},
		{name: "stats", desc: "command.learn.stats", word: "stats"},
		{name: "nudges", desc: "command.learn.nudges", word: "nudges", opts: []optSpec{onOff("command.opt.nudges_state")}},
		{name: "duty", desc: "command.learn.duty", word: "duty", opts: []optSpec{onOff("command.opt.duty_state")}},
		{name: "duty-hours", desc: "command.learn.duty_hours", word: "duty hours", opts: []optSpec{
			str("hours", "command.opt.duty_hours", true, word)}},
		{name: "language", desc: "command.learn.language", word: "language", opts: []optSpec{languageOpt()}},
		{name: "help", desc: "command.learn.help", word: "help"},
	}},
	{name: "huddle", desc: "command.huddle", subs: []subSpec{
		{name: "start", desc: "command.huddle.start", word: "start", opts: []optSpec{
			str("title", "command.opt.huddle_title", false, rest)}},
		{name: "end", desc: "command.huddle.end", word: "end"},
		{name: "status", desc: "command.huddle.status", word: "status"},
		{name: "agenda", desc: "command.huddle.agenda", word: "agenda", opts: []optSpec{
			str("text", "command.opt.agenda", true, rest)}},
		{name: "poll", desc: "command.huddle.poll", word: "poll", opts: pollOptions()},
		{name: "rate", desc: "command.huddle.rate", word: "rate", opts: []optSpec{
			str("question", "command.opt.rate_question", true, quoted),
			boolean("anonymous", "command.opt.rate_anonymous", flag),
			boolean("hidden", "command.opt.rate_hidden", flag),
			str("closes", "command.opt.closes", false, named),
		}},
		{name: "ask", desc: "command.huddle.ask", word: "ask", opts: []optSpec{
			boolean("anonymous", "command.opt.ask_anonymous", flag),
			str("text", "command.opt.huddle_question", true, rest),
		}},
		{name: "schedule", desc: "command.huddle.schedule", word: "schedule", opts: []optSpec{
			str("days", "command.opt.schedule_days", true, word),
			str("time", "command.opt.schedule_time", true, word),
			str("title", "command.opt.schedule_title", false, quoted),
			integer("remind", "command.opt.schedule_remind", false, named, 0, 240),
		}},
		{name: "schedule-list", desc: "command.huddle.schedule_list", word: "schedule list"},
		{name: "schedule-cancel", desc: "command.huddle.schedule_cancel", word: "schedule cancel", opts: []optSpec{
			integer("id", "command.opt.schedule_id", true, word, 1, 0)}},
		{name: "help", desc: "command.huddle.help", word: "help"},
	}},
	{name: "burst", desc: "command.burst", subs: []subSpec{
		{name: "list", desc: "command.burst.list", word: "list"},
		{name: "preview", desc: "command.burst.preview", word: "preview", opts: []optSpec{
			str("id", "command.opt.burst_id_see", true, word),
			// No department option: the text grammar is positional
			// (ID [ROLE] [DEPARTMENT]) and Discord cannot make it depend
			// on the role being given.
			{name: "role", desc: "command.opt.preview_role", typ: discordgo.ApplicationCommandOptionString, render: word, roles: true},
		}},
		{name: "send", desc: "command.burst.send", word: "send", opts: []optSpec{
			str("id", "command.opt.burst_id_see", true, word),
			boolean("now", "command.opt.burst_now", literal),
			{name: "at", desc: "command.opt.burst_at", typ: discordgo.ApplicationCommandOptionString, render: named, maxLen: 25},
			boolean("dry-run", "command.opt.burst_dry_run", flag),
		}},
		{name: "status", desc: "command.burst.status", word: "status", opts: []optSpec{
			str("id", "command.opt.burst_id", true, word)}},
		{name: "cancel", desc: "command.burst.cancel", word: "cancel", opts: []optSpec{
			str("id", "command.opt.burst_id", true, word)}},
	}},
	{name: "feedback", desc: "command.feedback", dm: true, opts: []optSpec{
		{name: "text", desc: "command.opt.feedback", typ: discordgo.ApplicationCommandOptionString,
			required: true, render: rest, maxLen: 3000}}},
	{name: "ask", desc: "command.ask", dm: true, opts: []optSpec{
		{name: "text", desc: "command.opt.ask", typ: discordgo.ApplicationCommandOptionString,
			required: true, render: rest, maxLen: 3000}}},
}

// described returns the catalogue's text of key in the default language,
// and its text in every other shipped language under each Discord locale
// of that language (nil when there is none).
func described(key string, data i18n.Data) (string, map[discordgo.Locale]string) {
	def := i18n.For(i18n.Default).T(key, data)
	var loc map[discordgo.Locale]string
	for l := range discordgo.Locales {
		lang, ok := i18n.Match(string(l))
		if !ok || lang == i18n.Default {
			continue
		}
		if loc == nil {
			loc = map[discordgo.Locale]string{}
		}
		loc[l] = i18n.For(lang).T(key, data)
	}
	return def, loc
}

// Commands returns the application command definitions: /learn, /huddle,
// /burst, /feedback and /ask. roles are the content's roles, offered as
// choices (up to Discord's 25; with more, the option takes free text).
// global adds the contexts in which global commands may be used. Names are
// English everywhere (the contract); descriptions and choice names are in
// every shipped language.
func Commands(roles []string, global bool) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(specs))
	for _, c := range specs {
		desc, loc := described(c.desc, nil)
		ac := &discordgo.ApplicationCommand{Name: c.name, Description: desc, Type: discordgo.ChatApplicationCommand}
		if loc != nil {
			ac.DescriptionLocalizations = &loc
		}
		if global {
			ctx := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
			if c.dm {
				ctx = append(ctx, discordgo.InteractionContextBotDM)
			}
			ac.Contexts = &ctx
		}
		for _, s := range c.subs {
			desc, loc := described(s.desc, nil)
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.name, Description: desc,
				DescriptionLocalizations: loc, Options: optionDefs(s.opts, roles),
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
		desc, loc := described(o.desc, o.data)
		d := &discordgo.ApplicationCommandOption{Type: o.typ, Name: o.name, Description: desc, DescriptionLocalizations: loc,
			Required: o.required, MaxLength: o.maxLen}
		choices := o.choices
		if o.roles {
			choices = roles
		}
		if len(choices) <= 25 {
			for _, ch := range choices {
				d.Choices = append(d.Choices, choice(o, ch))
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

// choice is one fixed choice of o: its value as the command takes it, shown
// by its name in the catalogue (in every shipped language) when o names
// one, a language by its own name, anything else (a role) as it is.
func choice(o optSpec, value string) *discordgo.ApplicationCommandOptionChoice {
	c := &discordgo.ApplicationCommandOptionChoice{Name: value, Value: value}
	switch {
	case o.choiceName != nil:
		c.Name, c.NameLocalizations = described(o.choiceName(value), nil)
	case o.name == "language":
		c.Name = i18n.For(value).T("language.name."+value, nil)
	}
	return c
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
