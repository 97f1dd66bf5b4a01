package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// TestCommandsSpeakSpanish: every command, subcommand and option is
// registered with its description in Spanish under both of Discord's
// Spanish locales, the catalogue's text (English is the default
// description); on/off choices are named in Spanish; names stay English.
func TestCommandsSpeakSpanish(t *testing.T) {
	t.Parallel()
	es := i18n.For("es")
	check := func(where, key string, data i18n.Data, desc string, loc map[discordgo.Locale]string) {
		t.Helper()
		want := es.T(key, data)
		if want == key || want == i18n.For("en").T(key, data) {
			t.Errorf("%s: %s has no Spanish text in the catalogue (%q)", where, key, want)
		}
		if desc != i18n.For("en").T(key, data) {
			t.Errorf("%s: description %q, want the catalogue's English", where, desc)
		}
		for _, l := range []discordgo.Locale{discordgo.SpanishES, discordgo.SpanishLATAM} {
			if got := loc[l]; got != want {
				t.Errorf("%s: %s description %q, want %q", where, l, got, want)
			}
			if n := utf8.RuneCountInString(loc[l]); n < 1 || n > 100 {
				t.Errorf("%s: %s description of %d characters", where, l, n)
			}
		}
		if _, ok := loc[discordgo.EnglishUS]; ok {
			t.Errorf("%s: an English locale is localised; English is the default", where)
		}
	}
	checkOpts := func(where string, specOpts []optSpec, got []*discordgo.ApplicationCommandOption) {
		t.Helper()
		if len(specOpts) != len(got) {
			t.Fatalf("%s: %d options registered, %d specified", where, len(got), len(specOpts))
		}
		for _, o := range specOpts {
			var d *discordgo.ApplicationCommandOption
			for _, g := range got {
				if g.Name == o.name {
					d = g
				}
			}
			if d == nil {
				t.Fatalf("%s: option %s not registered", where, o.name)
			}
			check(where+" "+o.name, o.desc, o.data, d.Description, d.DescriptionLocalizations)
			if o.choiceName != nil {
				for _, c := range d.Choices {
					if c.NameLocalizations[discordgo.SpanishLATAM] != es.T(o.choiceName(c.Value.(string)), nil) || c.Name == c.NameLocalizations[discordgo.SpanishLATAM] {
						t.Errorf("%s %s: choice %v is not named in Spanish: %+v", where, o.name, c.Value, c.NameLocalizations)
					}
				}
			}
		}
	}
	cmds := Commands([]string{"nurse", "physician"}, true)
	if len(cmds) != len(specs) {
		t.Fatalf("%d commands for %d specs", len(cmds), len(specs))
	}
	for i, c := range specs {
		ac := cmds[i]
		if ac.Name != c.name || ac.DescriptionLocalizations == nil {
			t.Fatalf("/%s registered as %q with localisations %v", c.name, ac.Name, ac.DescriptionLocalizations)
		}
		check("/"+c.name, c.desc, nil, ac.Description, *ac.DescriptionLocalizations)
		if len(c.subs) == 0 {
			checkOpts("/"+c.name, c.opts, ac.Options)
			continue
		}
		for j, s := range c.subs {
			sub := ac.Options[j]
			if sub.Name != s.name {
				t.Fatalf("/%s: subcommand %d is %q, want %q", c.name, j, sub.Name, s.name)
			}
			check("/"+c.name+" "+s.name, s.desc, nil, sub.Description, sub.DescriptionLocalizations)
			checkOpts("/"+c.name+" "+s.name, s.opts, sub.Options)
		}
	}
	// Discord reads the localisations from the registration's JSON.
	body, err := json.Marshal(cmds[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"description_localizations":{`, `"es-419":"` + es.T("command.learn", nil) + `"`, `"name":"Español","value":"es"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("registration of /learn lacks %s:\n%s", want, body)
		}
	}
}

// TestAdapterWordsFollowTheReply: what the adapter says itself — a modal's
// label when the form names none, the line shown where a modal cannot
// open, "Done" for an empty reply — is in the reply's language.
func TestAdapterWordsFollowTheReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lang, label, fallback, done string }{
		{"es", "Su respuesta", "Pulse de nuevo el botón para abrir el formulario", "✔️ Hecho."},
		{"", "Your answer", "Tap the button again to open the form", "✔️ Done."},
	} {
		f := &bot.Form{ID: "more:7", Title: "Cuéntenos más", Lang: tc.lang}
		m := modal(f)
		input := m.Components[0].(discordgo.ActionsRow).Components[0].(discordgo.TextInput)
		if input.Label != tc.label {
			t.Errorf("%q: modal label %q, want %q", tc.lang, input.Label, tc.label)
		}
		// A form in answer to a form cannot open: its text says so.
		rep := replyResponse(bot.Reply{Text: "Gracias.", Form: f, Lang: tc.lang}, discordgo.InteractionModalSubmit)
		if !strings.Contains(rep.Data.Content, tc.fallback) {
			t.Errorf("%q: fallback %q lacks %q", tc.lang, rep.Data.Content, tc.fallback)
		}
		if rep := replyResponse(bot.Reply{Lang: tc.lang}, discordgo.InteractionApplicationCommand); rep.Data.Content != tc.done {
			t.Errorf("%q: empty reply says %q, want %q", tc.lang, rep.Data.Content, tc.done)
		}
	}
}
