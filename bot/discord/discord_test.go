package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/discord/discordfake"
	"github.com/huddlebot/huddlebot/bot/feature"
	"github.com/huddlebot/huddlebot/huddles"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

func loadInteraction(t *testing.T, name string) *discordgo.Interaction {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &i
}

func TestConvertFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		want    event
	}{
		{"command_learn_join", event{kind: evCommand, command: bot.Command{
			Actor:   bot.Actor{Platform: Platform, Workspace: testGuild, UserID: ninaID, UserName: "Nina (4W)", Locale: "en-US"},
			Channel: testChannel, Name: "learn", Text: "join nurse 4west"}}},
		{"component_button_dm", event{kind: evClick, click: bot.Click{
			Actor:   bot.Actor{Platform: Platform, Workspace: "", UserID: ninaID, UserName: "Nina Patel", Locale: "en-US"},
			Channel: "dm", ActionID: "ans:1:1"}}},
		{"component_select_guild", event{kind: evClick, click: bot.Click{
			Actor:   bot.Actor{Platform: Platform, Workspace: testGuild, UserID: "53908232506183681", UserName: "pete.okafor", Locale: "en-GB"},
			Channel: testChannel, ActionID: "ans:7:6"}}},
		{"modal_submit_dm", event{kind: evSubmit, submit: bot.Submission{
			Actor:  bot.Actor{Platform: Platform, UserID: ninaID, UserName: "Nina Patel", Locale: "en-US"},
			FormID: "more:1", Text: "The screenshot did not match our build. Call me at 555-867-5309."}}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, err := convert(loadInteraction(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("convert:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := convert(loadInteraction(t, "ping")); err == nil {
		t.Error("a PING is not a core event")
	}
}

func TestConvertRejects(t *testing.T) {
	t.Parallel()
	user := &discordgo.User{ID: "1", Username: "u"}
	tests := map[string]*discordgo.Interaction{
		"no user":       {Type: discordgo.InteractionApplicationCommand, Data: discordgo.ApplicationCommandInteractionData{Name: "learn"}},
		"no data":       {Type: discordgo.InteractionApplicationCommand, User: user},
		"no custom_id":  {Type: discordgo.InteractionMessageComponent, User: user, Data: discordgo.MessageComponentInteractionData{}},
		"empty select":  {Type: discordgo.InteractionMessageComponent, User: user, Data: discordgo.MessageComponentInteractionData{CustomID: choiceSelectID, Values: []string{""}}},
		"no form id":    {Type: discordgo.InteractionModalSubmit, User: user, Data: discordgo.ModalSubmitInteractionData{}},
		"autocomplete":  {Type: discordgo.InteractionApplicationCommandAutocomplete, User: user, Data: discordgo.ApplicationCommandInteractionData{Name: "learn"}},
		"no subcommand": {Type: discordgo.InteractionApplicationCommand, User: user, Data: discordgo.ApplicationCommandInteractionData{Name: "learn"}},
	}
	for name, i := range tests {
		if _, err := convert(i); err == nil {
			t.Errorf("%s: converted, want an error", name)
		}
	}
}

func opt(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
	typ := discordgo.ApplicationCommandOptionString
	switch v.(type) {
	case float64:
		typ = discordgo.ApplicationCommandOptionInteger
	case bool:
		typ = discordgo.ApplicationCommandOptionBoolean
	}
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: typ, Value: v}
}

func sub(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) []*discordgo.ApplicationCommandInteractionDataOption {
	return []*discordgo.ApplicationCommandInteractionDataOption{{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}}
}

func TestCommandText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{"learn", sub("next"), ""},
		{"learn", sub("join", opt("role", "nurse"), opt("department", "4west")), "join nurse 4west"},
		{"learn", sub("join", opt("department", " 4 west "), opt("role", "nurse")), "join nurse 4-west"},
		{"learn", sub("join", opt("role", "physician")), "join physician"},
		{"learn", sub("time", opt("time", "06:45")), "time 06:45"},
		{"learn", sub("tz", opt("zone", "America/Chicago")), "tz America/Chicago"},
		{"learn", sub("days", opt("days", "mon-fri")), "days mon-fri"},
		{"learn", sub("hours", opt("hours", "19:00-07:30")), "hours 19:00-07:30"},
		{"learn", sub("pause", opt("days", float64(14))), "pause 14"},
		{"learn", sub("pause"), "pause"},
		{"learn", sub("stats"), "stats"},
		{"learn", sub("duty", opt("state", "on")), "duty on"},
		{"learn", sub("nudges", opt("state", "off")), "nudges off"},
		{"learn", sub("unknown-sub"), "unknown-sub"},
		{"huddle", sub("start", opt("title", "  Sepsis alert go-live ")), "start Sepsis alert go-live"},
		{"huddle", sub("poll", opt("question", `Is the "BPA" clear?`), opt("option1", "Yes"), opt("option2", "No, too noisy"),
			opt("multi", true), opt("anonymous", false)), `poll "Is the \"BPA\" clear?" "Yes" "No, too noisy" --multi`},
		{"huddle", sub("ask", opt("text", "Where is the downtime MAR?")), "ask Where is the downtime MAR?"},
		{"huddle", sub("ask", opt("text", "Why?"), opt("anonymous", true)), "ask --anonymous Why?"},
		{"huddle", sub("end"), "end"},
		{"huddle", sub("start"), "start"},
		{"huddle", sub("rate", opt("question", "How useful was this?"), opt("closes", "10m"), opt("hidden", true)), `rate "How useful was this?" --hidden --closes 10m`},
		{"huddle", sub("poll", opt("question", "Q"), opt("option1", "A"), opt("option2", "B"), opt("max-answers", float64(2))), `poll "Q" "A" "B" --multi=2`},
		{"huddle", sub("schedule", opt("days", "tue,thu"), opt("time", "07:45"), opt("title", "Shift-change huddle"), opt("remind", float64(10))), `schedule tue,thu 07:45 "Shift-change huddle" --remind 10`},
		{"huddle", sub("schedule-list"), "schedule list"},
		{"huddle", sub("schedule-cancel", opt("id", float64(3))), "schedule cancel 3"},
		{"burst", sub("preview", opt("id", "sepsis-alert-launch"), opt("role", "nurse")), "preview sepsis-alert-launch nurse"},
		{"burst", sub("preview", opt("role", "ma"), opt("id", "sepsis-alert-launch")), "preview sepsis-alert-launch ma"},
		{"burst", sub("send", opt("id", "sepsis-alert-launch"), opt("now", true)), "send sepsis-alert-launch now"},
		{"burst", sub("send", opt("id", "secure-chat"), opt("now", false)), "send secure-chat"},
		{"burst", sub("send", opt("dry-run", true), opt("id", "secure-chat"), opt("at", "2026-12-07 08:00")), "send secure-chat --at 2026-12-07-08:00 --dry-run"},
		{"learn", sub("duty-hours", opt("hours", "19:00-07:00")), "duty hours 19:00-07:00"},
		{"burst", sub("list"), "list"},
		{"feedback", []*discordgo.ApplicationCommandInteractionDataOption{opt("text", "The order set  search is slow")}, "The order set  search is slow"},
		{"ask", []*discordgo.ApplicationCommandInteractionDataOption{opt("text", "How do I co-sign?")}, "How do I co-sign?"},
	}
	for _, tt := range tests {
		name, text, err := commandText(discordgo.ApplicationCommandInteractionData{Name: tt.name, Options: tt.opts})
		if err != nil || name != tt.name || text != tt.want {
			t.Errorf("/%s %v: got (%q, %q, %v), want %q", tt.name, tt.opts[0:min(1, len(tt.opts))], name, text, err, tt.want)
		}
	}
}

// TestHuddleTextParses feeds the text built from typed options to the
// huddle grammar's own parser, so quoting and flags survive the trip.
func TestHuddleTextParses(t *testing.T) {
	t.Parallel()
	tricky := `Is the “BPA” \ "clear"?`
	_, text, err := commandText(discordgo.ApplicationCommandInteractionData{Name: "huddle", Options: sub("poll",
		opt("question", tricky), opt("option1", "Yes, «fine»"), opt("option2", "No"), opt("option3", "Not sure"),
		opt("max-answers", float64(2)), opt("anonymous", true), opt("closes", "10m"))})
	if err != nil {
		t.Fatal(err)
	}
	c, err := huddles.ParseCommand(text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	p := c.Poll
	if c.Verb != huddles.VerbPoll || p.Question != tricky || fmt.Sprint(p.Options) != "[Yes, «fine» No Not sure]" ||
		p.MaxChoices != 2 || !p.Anonymous || p.Closes != 10*time.Minute {
		t.Errorf("%q parsed as %+v", text, c)
	}
	_, text, _ = commandText(discordgo.ApplicationCommandInteractionData{Name: "huddle", Options: sub("schedule",
		opt("days", "tue,thu"), opt("time", "07:45"), opt("title", "Shift-change huddle"), opt("remind", float64(10)))})
	if c, err := huddles.ParseCommand(text); err != nil || c.Schedule.Title != "Shift-change huddle" || c.Schedule.RemindMinutes != 10 {
		t.Errorf("%q parsed as %+v, %v", text, c, err)
	}
	_, text, _ = commandText(discordgo.ApplicationCommandInteractionData{Name: "huddle", Options: sub("ask",
		opt("text", "Where is the downtime MAR?"), opt("anonymous", true))})
	if c, err := huddles.ParseCommand(text); err != nil || !c.Ask.Anonymous || c.Ask.Text != "Where is the downtime MAR?" {
		t.Errorf("%q parsed as %+v, %v", text, c, err)
	}
}

var nameRe = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// TestCommandDefinitions checks the definitions against Discord's rules for
// application commands and that every subcommand maps back to the text
// grammar.
func TestCommandDefinitions(t *testing.T) {
	t.Parallel()
	roles := []string{"physician", "nurse", "ma", "front_desk", "billing"}
	for _, global := range []bool{false, true} {
		cmds := Commands(roles, global)
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name)
			checkNameDesc(t, c.Name, c.Name, c.Description)
			if len(c.Options) > 25 {
				t.Errorf("/%s: %d options", c.Name, len(c.Options))
			}
			if global != (c.Contexts != nil) {
				t.Errorf("/%s: contexts %v for global=%v", c.Name, c.Contexts, global)
			}
			for _, o := range c.Options {
				if o.Type == discordgo.ApplicationCommandOptionSubCommand {
					checkOptions(t, c.Name+" "+o.Name, o.Options)
					checkNameDesc(t, c.Name+" "+o.Name, o.Name, o.Description)
					var given []*discordgo.ApplicationCommandInteractionDataOption
					for _, so := range o.Options {
						if so.Required {
							var v any = "x"
							if len(so.Choices) > 0 {
								v = so.Choices[0].Value
							}
							given = append(given, opt(so.Name, v))
						}
					}
					_, text, err := commandText(discordgo.ApplicationCommandInteractionData{Name: c.Name,
						Options: sub(o.Name, given...)})
					if err != nil || (o.Name != "next" && !strings.HasPrefix(text, strings.ReplaceAll(o.Name, "-", " "))) {
						t.Errorf("/%s %s maps to %q, %v", c.Name, o.Name, text, err)
					}
				}
			}
			if c.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
				checkOptions(t, c.Name, c.Options)
			}
		}
		if got := strings.Join(names, " "); got != "learn huddle burst feedback ask" {
			t.Errorf("commands %q", got)
		}
	}
	join := Commands(roles, false)[0].Options[1].Options[0]
	if join.Name != "role" || len(join.Choices) != len(roles) {
		t.Errorf("/learn join role should offer the roles as choices: %+v", join)
	}
	many := make([]string, 30)
	for i := range many {
		many[i] = fmt.Sprintf("role%d", i)
	}
	if c := Commands(many, false)[0].Options[1].Options[0]; len(c.Choices) != 0 {
		t.Errorf("more than 25 roles must fall back to free text, got %d choices", len(c.Choices))
	}
}

func checkNameDesc(t *testing.T, where, name, desc string) {
	t.Helper()
	if !nameRe.MatchString(name) {
		t.Errorf("%s: invalid name %q", where, name)
	}
	if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
		t.Errorf("%s: description of %d characters", where, n)
	}
}

func checkOptions(t *testing.T, where string, opts []*discordgo.ApplicationCommandOption) {
	t.Helper()
	if len(opts) > 25 {
		t.Errorf("%s: %d options", where, len(opts))
	}
	optional := false
	for _, o := range opts {
		checkNameDesc(t, where+" "+o.Name, o.Name, o.Description)
		if o.Required && optional {
			t.Errorf("%s: required option %s after an optional one", where, o.Name)
		}
		optional = optional || !o.Required
		if len(o.Choices) > 25 {
			t.Errorf("%s %s: %d choices", where, o.Name, len(o.Choices))
		}
	}
}

func TestRegisterCommands(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	b := bot.New(db, bot.Config{}, testLogger(t))
	feature.Register(b)
	fake := discordfake.New(t)
	for _, guild := range []string{testGuild, ""} {
		a, err := New(b, Options{Token: discordfake.Token, AppID: testAppID, GuildID: guild, APIURL: fake.APIURL(), Log: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.RegisterCommands(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	guild := fake.Calls("PUT", "/applications/"+testAppID+"/guilds/"+testGuild+"/commands")
	global := fake.Calls("PUT", "/applications/"+testAppID+"/commands")
	if len(guild) != 1 || len(global) != 1 {
		t.Fatalf("registrations:\n%s", fake.Dump())
	}
	var cmds []struct {
		Name     string `json:"name"`
		Contexts []int  `json:"contexts"`
	}
	if err := json.Unmarshal(global[0].Body, &cmds); err != nil || len(cmds) != 5 || len(cmds[0].Contexts) != 2 {
		t.Fatalf("global registration: %s (%v)", global[0].Body, err)
	}
	if !strings.Contains(string(guild[0].Body), `"nurse"`) {
		t.Error("role choices missing from the registration")
	}

	bad, err := New(b, Options{Token: "wrong", AppID: testAppID, APIURL: fake.APIURL(), Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.RegisterCommands(context.Background()); err == nil {
		t.Error("a rejected token must fail registration")
	}
}

func TestRenderCard(t *testing.T) {
	t.Parallel()
	acts := func(prefix string, n int) []bot.Action {
		var out []bot.Action
		for i := 1; i <= n; i++ {
			out = append(out, bot.Action{ID: fmt.Sprintf("%s:%d", prefix, i), Label: fmt.Sprintf("%s %d", prefix, i)})
		}
		return out
	}
	long := strings.Repeat("Reconcile every home medication ", 4)
	tests := []struct {
		name     string
		card     bot.Card
		rows     []int // buttons (or 1 for a menu) per row
		menu     string
		content  string
		descHas  string
		labelsEq []string
		dropped  int
	}{
		{name: "quiz", card: bot.Card{Title: "📝 Q", Question: "Which?", Choices: acts("ans:9", 3)}, rows: []int{1, 1, 1}, descHas: "**Which?**"},
		{name: "answered", card: bot.Card{Title: "📝 Q", Result: "✅ Correct", Explanation: "Because.", Actions: acts("rate:9", 4)}, rows: []int{4}, descHas: "✅ Correct\n\nBecause."},
		{name: "five choices and actions", card: bot.Card{Choices: acts("ans:9", 5), Actions: acts("x", 2), Title: "T"}, rows: []int{5, 2}},
		{name: "many buttons", card: bot.Card{Title: "T", Choices: acts("ans:9", 8), Actions: acts("x", 14)}, rows: []int{5, 3, 5, 5, 4}},
		{name: "choices overflow to a menu", card: bot.Card{Title: "T", Choices: acts("ans:9", 6), Actions: acts("x", 20)}, rows: []int{1, 5, 5, 5, 5}, menu: choiceSelectID},
		{name: "select", card: bot.Card{Title: "T", Select: &bot.Select{ID: "learn:time", Placeholder: "Pick", Options: []bot.Option{{Label: "06:00", Value: "06:00"}}}, Actions: acts("x", 1)}, rows: []int{1, 1}, menu: "learn:time"},
		{name: "long choices are numbered", card: bot.Card{Title: "T", Choices: []bot.Action{{ID: "ans:1:1", Label: long}, {ID: "ans:1:2", Label: "Short"}}},
			rows: []int{1, 1}, descHas: "**1.** " + long, labelsEq: []string{"1", "2"}},
		{name: "too long id dropped", card: bot.Card{Title: "T", Actions: []bot.Action{{ID: strings.Repeat("x", 101), Label: "no"}, {ID: "ok", Label: "ok"}}}, rows: []int{1}, dropped: 1},
		{name: "duplicate ids", card: bot.Card{Title: "T", Actions: []bot.Action{{ID: "a", Label: "1"}, {ID: "a", Label: "2"}}}, rows: []int{1}},
		{name: "notice is plain text", card: bot.Card{Body: bot.Mention("42") + ", your DMs are closed."}, content: "<@42>, your DMs are closed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := renderCard(&tt.card)
			if m.Content != tt.content {
				t.Errorf("content %q, want %q", m.Content, tt.content)
			}
			if tt.content != "" {
				if len(m.Embeds) != 0 || len(m.Components) != 0 {
					t.Errorf("a text notice got embeds or components")
				}
				return
			}
			if len(m.Embeds) != 1 {
				t.Fatalf("%d embeds", len(m.Embeds))
			}
			if !strings.Contains(m.Embeds[0].Description, tt.descHas) {
				t.Errorf("description %q lacks %q", m.Embeds[0].Description, tt.descHas)
			}
			var rows []int
			var labels []string
			menu := ""
			for _, r := range m.Components {
				row := r.(discordgo.ActionsRow)
				rows = append(rows, len(row.Components))
				if len(row.Components) > maxPerRow {
					t.Errorf("row of %d", len(row.Components))
				}
				for _, c := range row.Components {
					switch c := c.(type) {
					case discordgo.Button:
						labels = append(labels, c.Label)
						if utf8.RuneCountInString(c.Label) > maxLabel || len(c.CustomID) > maxCustomID {
							t.Errorf("button over the limits: %+v", c)
						}
					case discordgo.SelectMenu:
						menu = c.CustomID
						if len(row.Components) != 1 {
							t.Error("a menu must be alone in its row")
						}
					}
				}
			}
			if fmt.Sprint(rows) != fmt.Sprint(tt.rows) {
				t.Errorf("rows %v, want %v", rows, tt.rows)
			}
			if menu != tt.menu {
				t.Errorf("menu %q, want %q", menu, tt.menu)
			}
			if tt.labelsEq != nil && fmt.Sprint(labels) != fmt.Sprint(tt.labelsEq) {
				t.Errorf("labels %v, want %v", labels, tt.labelsEq)
			}
			if len(m.Dropped) != tt.dropped {
				t.Errorf("dropped %v, want %d", m.Dropped, tt.dropped)
			}
			if _, err := json.Marshal(m.Components); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReplyResponse(t *testing.T) {
	t.Parallel()
	form := &bot.Form{ID: "more:5", Title: "Tell us more about this lesson, please, in detail", Label: "What would make this lesson better?"}
	tests := []struct {
		name     string
		rep      bot.Reply
		it       discordgo.InteractionType
		wantType discordgo.InteractionResponseType
		content  string
	}{
		{"text", bot.Reply{Text: "✅ Correct!"}, discordgo.InteractionMessageComponent, discordgo.InteractionResponseChannelMessageWithSource, "✅ Correct!"},
		{"form", bot.Reply{Form: form, Text: "Tell us more"}, discordgo.InteractionMessageComponent, discordgo.InteractionResponseModal, ""},
		{"form after a form", bot.Reply{Form: form, Text: "Tell us more"}, discordgo.InteractionModalSubmit, discordgo.InteractionResponseChannelMessageWithSource, "Tell us more\nTap the button again"},
		{"empty click", bot.Reply{}, discordgo.InteractionMessageComponent, discordgo.InteractionResponseDeferredMessageUpdate, ""},
		{"empty command", bot.Reply{}, discordgo.InteractionApplicationCommand, discordgo.InteractionResponseChannelMessageWithSource, "✔️ Done."},
		{"card", bot.Reply{Card: &bot.Card{Title: "📊 Stats", Fields: []bot.Field{{Label: "Answered", Value: "3"}}}, Text: "📊 Stats\nAnswered: 3"},
			discordgo.InteractionApplicationCommand, discordgo.InteractionResponseChannelMessageWithSource, ""},
	}
	for _, tt := range tests {
		r := replyResponse(tt.rep, tt.it)
		if r.Type != tt.wantType {
			t.Errorf("%s: type %d, want %d", tt.name, r.Type, tt.wantType)
			continue
		}
		switch r.Type {
		case discordgo.InteractionResponseModal:
			if r.Data.CustomID != form.ID || utf8.RuneCountInString(r.Data.Title) > maxModalTitle {
				t.Errorf("%s: modal %+v", tt.name, r.Data)
			}
			in := r.Data.Components[0].(discordgo.ActionsRow).Components[0].(discordgo.TextInput)
			if in.Style != discordgo.TextInputParagraph || utf8.RuneCountInString(in.Label) > maxInputLabel || in.CustomID != textInputID {
				t.Errorf("%s: input %+v", tt.name, in)
			}
		case discordgo.InteractionResponseChannelMessageWithSource:
			if r.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.HasPrefix(r.Data.Content, tt.content) {
				t.Errorf("%s: %+v", tt.name, r.Data)
			}
			if tt.rep.Card != nil && (len(r.Data.Embeds) != 1 || r.Data.Content != "") {
				t.Errorf("%s: a card reply is an embed without repeated text: %+v", tt.name, r.Data)
			}
		}
	}
}

// TestBucket checks the proactive global limit: the first requests go out
// at once (the burst), then one per 1/rate, and no one-second window ever
// holds 50 or more.
func TestBucket(t *testing.T) {
	t.Parallel()
	b := newBucket(defaultGlobalRate, defaultGlobalBurst)
	t0 := time.Unix(1_700_000_000, 0)
	var at []time.Time
	for range 300 {
		at = append(at, t0.Add(b.take(t0)))
	}
	for i := range defaultGlobalBurst {
		if !at[i].Equal(t0) {
			t.Fatalf("request %d of the burst waited", i)
		}
	}
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		if n >= 50 {
			t.Fatalf("%d requests within one second from request %d", n, i)
		}
	}
	if total := at[len(at)-1].Sub(t0); total < 6*time.Second || total > 7*time.Second {
		t.Errorf("300 requests spread over %s, want about 300/45 s", total)
	}
	// Idle time refills the bucket, but never beyond the burst.
	later := t0.Add(time.Hour)
	b2 := newBucket(defaultGlobalRate, defaultGlobalBurst)
	b2.take(t0)
	for i := range defaultGlobalBurst + 1 {
		if w := b2.take(later); (w == 0) != (i < defaultGlobalBurst) {
			t.Errorf("after an idle hour, request %d waited %s", i, w)
		}
	}
}

func TestTransportRewrite(t *testing.T) {
	t.Parallel()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Host)
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	api, err := parseAPIURL(srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &transport{base: http.DefaultTransport, api: api, limit: newBucket(1000, 1), now: time.Now}}
	for _, u := range []string{discordgo.EndpointUserChannels("@me"), discordgo.EndpointInteractionResponse("1", "tok")} {
		resp, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	want := []string{"POST /api/v" + discordgo.APIVersion + "/users/@me/channels " + host,
		"POST /api/v" + discordgo.APIVersion + "/interactions/1/tok/callback " + host}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rewritten requests %q, want %q", got, want)
	}
	for _, bad := range []string{"127.0.0.1:9", "ftp://x/api/", "/api/"} {
		if _, err := parseAPIURL(bad); err == nil {
			t.Errorf("DISCORD_API_URL %q accepted", bad)
		}
	}
	if !exempt("/api/v9/webhooks/1/t/messages/@original") || exempt("/api/v9/channels/1/messages") {
		t.Error("only interaction callbacks and webhooks are exempt from the global limit")
	}
}

// TestInteractionsEndpoint checks signature verification and payload
// validation; none of these requests reach the core.
func TestInteractionsEndpoint(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	db := storetest.Open(t, store.SQLite)
	a, err := New(bot.New(db, bot.Config{}, testLogger(t)), Options{Token: "t", AppID: testAppID, PublicKey: hex.EncodeToString(pub), Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ping, _ := os.ReadFile("testdata/ping.json")
	now := time.Now()
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		body   string
	}{
		{"signed ping", func() *http.Request { return signedRequest(t, srv.URL, key, now, ping) }, 200, `{"type":1}`},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(ping)))
			return r
		}, 401, ""},
		{"signed by another key", func() *http.Request { return signedRequest(t, srv.URL, other, now, ping) }, 401, ""},
		{"tampered body", func() *http.Request {
			r := signedRequest(t, srv.URL, key, now, ping)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(string(ping), `"type": 1`, `"type": 2`, 1)))
			return r
		}, 401, ""},
		{"signature not hex", func() *http.Request {
			r := signedRequest(t, srv.URL, key, now, ping)
			r.Header.Set("X-Signature-Ed25519", "zz"+r.Header.Get("X-Signature-Ed25519")[2:])
			return r
		}, 401, ""},
		{"timestamp changed", func() *http.Request {
			r := signedRequest(t, srv.URL, key, now, ping)
			r.Header.Set("X-Signature-Timestamp", fmt.Sprint(now.Unix()+1))
			return r
		}, 401, ""},
		{"six minutes old", func() *http.Request { return signedRequest(t, srv.URL, key, now.Add(-6*time.Minute), ping) }, 401, ""},
		{"from the future", func() *http.Request { return signedRequest(t, srv.URL, key, now.Add(6*time.Minute), ping) }, 401, ""},
		{"four minutes old", func() *http.Request { return signedRequest(t, srv.URL, key, now.Add(-4*time.Minute), ping) }, 200, `{"type":1}`},
		{"signed garbage", func() *http.Request { return signedRequest(t, srv.URL, key, now, []byte("{not json")) }, 400, ""},
		{"signed empty object", func() *http.Request { return signedRequest(t, srv.URL, key, now, []byte("{}")) }, 400, ""},
		{"signed command without user", func() *http.Request {
			return signedRequest(t, srv.URL, key, now, []byte(`{"id":"1","type":2,"token":"t","data":{"name":"learn","options":[{"name":"stats","type":1}]}}`))
		}, 400, ""},
		{"signed unknown type", func() *http.Request {
			return signedRequest(t, srv.URL, key, now, []byte(`{"id":"1","type":42,"token":"t","user":{"id":"1"}}`))
		}, 400, ""},
		{"GET", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL, nil); return r }, 405, ""},
	}
	for _, tt := range tests {
		resp, err := http.DefaultClient.Do(tt.req())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.body != "" && strings.TrimSpace(string(body)) != tt.body) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.body)
		}
	}
}

func TestMapErr(t *testing.T) {
	t.Parallel()
	rest := func(status, code int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: status, Status: fmt.Sprint(status)},
			Message: &discordgo.APIErrorMessage{Code: code}}
	}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: 1500 * time.Millisecond}}}
	var rle *bot.RateLimitError
	if err := mapErr("send", rl, true); !errors.As(err, &rle) || rle.RetryAfter != 1500*time.Millisecond {
		t.Errorf("429: %v", err)
	}
	if err := mapErr("send", rest(403, 50007), true); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("50007 in a DM: %v", err)
	}
	if err := mapErr("send", rest(404, 10013), true); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("unknown user: %v", err)
	}
	if err := mapErr("send", rest(403, 50007), false); errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("50007 in a channel is not a member problem: %v", err)
	}
	if err := mapErr("send", rest(500, 0), true); errors.Is(err, bot.ErrUnreachable) || errors.As(err, &rle) {
		t.Errorf("a 500 is retried normally: %v", err)
	}
}

// TestDeliver covers the delivery paths one by one against the fake: a
// cached DM channel, a stale one, channel names, thread replies and edits.
func TestDeliver(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	fake := discordfake.New(t)
	a, err := New(bot.New(db, bot.Config{}, testLogger(t)), Options{Token: discordfake.Token, AppID: testAppID, APIURL: fake.APIURL(), Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	card := &bot.Card{Title: "💡 Tip", Body: "Use the order set.", Actions: []bot.Action{{ID: "ack:1", Label: "Got it"}}}

	sent, err := a.Deliver(ctx, &bot.Outbound{MessageID: 1, Channel: "dm", UserID: "42", DMChannel: "942", Card: card})
	if err != nil || sent.Channel != "942" || sent.ID == "" || sent.DMChannel != "942" {
		t.Fatalf("DM to a cached channel: %+v, %v", sent, err)
	}
	if n := len(fake.Calls("POST", "/users/@me/channels")); n != 0 {
		t.Errorf("a cached DM channel was opened again (%d calls)", n)
	}

	fake.FailNext("POST", "/channels/555/messages", 404, `{"message": "Unknown Channel", "code": 10003}`, 1)
	sent, err = a.Deliver(ctx, &bot.Outbound{MessageID: 2, Channel: "dm", UserID: "43", DMChannel: "555", Card: card})
	if err != nil || sent.Channel != "943" || sent.DMChannel != "943" {
		t.Fatalf("DM to a stale channel: %+v, %v", sent, err)
	}

	for i := range 2 {
		sent, err = a.Deliver(ctx, &bot.Outbound{MessageID: int64(3 + i), Workspace: testGuild, Channel: "#trainers", Card: card})
		if err != nil || sent.Channel != "1100461931127054420" {
			t.Fatalf("post to #trainers: %+v, %v", sent, err)
		}
	}
	if n := len(fake.Calls("GET", "/guilds/"+testGuild+"/channels")); n != 1 {
		t.Errorf("channel list fetched %d times, want once (cached)", n)
	}
	if _, err := a.Deliver(ctx, &bot.Outbound{MessageID: 5, Workspace: testGuild, Channel: "#nowhere", Card: card}); err == nil {
		t.Error("an unknown channel name must fail")
	}

	sent, err = a.Deliver(ctx, &bot.Outbound{MessageID: 6, Workspace: testGuild, Channel: testChannel, ThreadID: "777", Card: card})
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.Calls("POST", "/channels/"+testChannel+"/messages")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), `"message_reference":{"message_id":"777"`) {
		t.Errorf("thread reply without a message reference: %s", fake.Dump())
	}

	up, err := a.Deliver(ctx, &bot.Outbound{MessageID: 6, Revision: 2, Channel: testChannel, PostedChannel: testChannel, PostedID: sent.ID,
		Card: &bot.Card{Body: bot.Mention("42") + " thanks!"}})
	if err != nil || up.ID != sent.ID {
		t.Fatalf("edit: %+v, %v", up, err)
	}
	edits := fake.Calls("PATCH", "/channels/"+testChannel+"/messages/"+sent.ID)
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), `"embeds":[]`) || !strings.Contains(string(edits[0].Body), `"components":[]`) {
		t.Errorf("an edit to plain text must clear the embed and buttons: %s", fake.Dump())
	}

	fake.FailNext("POST", "/channels/"+testChannel+"/messages", 403, `{"message": "Missing Access", "code": 50001}`, 1)
	if _, err := a.Deliver(ctx, &bot.Outbound{MessageID: 7, Workspace: testGuild, Channel: testChannel, Card: card}); err == nil || errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("a channel we may not post in: %v (retried, not a member problem)", err)
	}
}

// TestTypedTextIsInert: text people typed notifies nobody on Discord and
// carries no masked link: allowed_mentions parses nothing and lists only
// the users the bot mentioned itself, and every "[" and "<" typed is
// escaped, so "[Epic login](https://evil…)" shows its address.
func TestTypedTextIsInert(t *testing.T) {
	t.Parallel()
	const typed = "@everyone @here <@123> <@!124> <@&456> <#789> see [Epic login](https://evil.example/x) " +
		"or [Epic](<https://evil.example/y>) or [x]( https://evil.example/z )"
	card := bot.Card{Title: "T", Body: "From " + bot.Mention("42") + ":\n" + typed, Question: typed, Result: typed,
		Explanation: typed, Fields: []bot.Field{{Label: "Q", Value: typed}}}
	m := renderCard(&card)
	notice := renderCard(&bot.Card{Body: typed + " " + bot.Mention("43")})
	rep := replyData(bot.Reply{Text: typed})

	// Markdown Discord would act on: an unescaped [ or < (a mention,
	// channel, role or masked link).
	live := regexp.MustCompile(`(^|[^\\])[\[<]`)
	check := func(where, s string, mention string) {
		t.Helper()
		s = strings.ReplaceAll(s, mention, "")
		if loc := live.FindStringIndex(s); loc != nil {
			t.Errorf("%s: live markup at …%s…", where, s[loc[0]:min(len(s), loc[1]+20)])
		}
	}
	check("description", m.Embeds[0].Description, "<@42>")
	check("field", m.Embeds[0].Fields[0].Value, "<@42>")
	check("notice", notice.Content, "<@43>")
	check("reply", rep.Content, "<@none>")
	if !strings.Contains(m.Embeds[0].Description, "Epic login (https://evil.example/x)") {
		t.Errorf("a link does not show its address: %s", m.Embeds[0].Description)
	}
	for _, c := range []struct {
		name  string
		got   *discordgo.MessageAllowedMentions
		users []string
	}{
		{"card", allowedMentions(m.Mentions), []string{"42"}},
		{"notice", allowedMentions(notice.Mentions), []string{"43"}},
		{"reply", rep.AllowedMentions, nil},
	} {
		js, _ := json.Marshal(c.got)
		if c.got == nil || c.got.Parse == nil || len(c.got.Parse) != 0 || !slices.Equal(c.got.Users, c.users) {
			t.Errorf("%s: allowed_mentions %s, want parse [] and users %v", c.name, js, c.users)
		}
	}
}

// TestRenderNeutralMarkup: the card model's Markdown is Discord's own —
// **bold**, _italic_ and `code` pass as they are, a # heading is a **bold**
// line — and a bot.Mention becomes
// <@id>, the one user the message may notify, in an embed, a text-only card
// and an ephemeral reply.
func TestRenderNeutralMarkup(t *testing.T) {
	t.Parallel()
	md := "# Huddle\n📊 **Polls**\n**Is it clear?** (anonymous) _(carried over)_ `code` for " + bot.Mention("42")
	want := "**Huddle**\n📊 **Polls**\n**Is it clear?** (anonymous) _(carried over)_ `code` for <@42>"
	m := renderCard(&bot.Card{Title: "Summary", Body: md})
	if len(m.Embeds) != 1 || m.Embeds[0].Description != want {
		t.Fatalf("embed = %+v, want the description %q", m.Embeds, want)
	}
	if !slices.Equal(m.Mentions, []string{"42"}) {
		t.Errorf("mentions = %v, want [42]", m.Mentions)
	}
	if got := renderCard(&bot.Card{Body: md}).Content; got != want {
		t.Errorf("text-only card = %q, want %q", got, want)
	}
	data := replyData(bot.Reply{Text: md})
	if data.Content != want || !slices.Equal(data.AllowedMentions.Users, []string{"42"}) {
		t.Errorf("reply = %q mentioning %v, want %q mentioning [42]", data.Content, data.AllowedMentions.Users, want)
	}
	if got := renderCard(&bot.Card{Title: "Q " + bot.Mention("42"), Body: "x"}).Embeds[0].Title; got != "Q @42" {
		t.Errorf("a title (no Markdown on Discord) shows %q, want the mention as @42", got)
	}
}

// TestTruncateCleanly: Discord's limits are the adapter's; what runs over
// is cut after a whole word, never inside a mention or an escape, and a
// **bold** cut open is closed.
func TestTruncateCleanly(t *testing.T) {
	t.Parallel()
	if got := truncate("Reply to Nina Patel-Smith", 24); got != "Reply to Nina…" {
		t.Errorf("title = %q, want %q", got, "Reply to Nina…")
	}
	if got := truncate("Supercalifragilisticexpialidocious", 10); got != "Supercali…" {
		t.Errorf("one long word = %q, want it cut in the word", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"ask <@1234567890> now", "ask…"},
		{"ask <@42> to come now", "ask <@42>…"},
		{`K \<3.5 and \<4 too`, `K \<3.5…`},
		{"**a bold line that runs on**", "**a bold…**"},
		{"**Polls** and a line that runs on", "**Polls**…"},
	} {
		got := truncateMarkdown(tc.in, 14)
		if got != tc.want || utf8.RuneCountInString(got) > 14 {
			t.Errorf("truncateMarkdown(%q, 14) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("word ", 900) + "**the end of a long explanation**"
	m := renderCard(&bot.Card{Title: "Answered", Explanation: long})
	if d := m.Embeds[0].Description; utf8.RuneCountInString(d) > maxDescription || strings.Count(d, "**")%2 != 0 {
		t.Errorf("description of %d characters with %d ** marks", utf8.RuneCountInString(d), strings.Count(d, "**"))
	}
}
