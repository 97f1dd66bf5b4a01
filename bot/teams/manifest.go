package teams

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strings"

	"github.com/huddlebot/huddlebot/i18n"
)

// The Teams app manifest huddlebot writes
// (learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema).
const (
	ManifestVersion = "1.22"
	manifestSchema  = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.schema.json"
	// A localization file's schema is of the manifest's version too.
	localizationSchema = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.Localization.schema.json"
	accentColor        = "#2E6DB4"
)

// ManifestOptions describe the app package.
type ManifestOptions struct {
	AppID   string // the Azure Bot's Microsoft App ID (also the Teams app id)
	Domain  string // the host serving /teams/messages, e.g. huddlebot.example.org
	Version string // the package version (default 1.0.0); raise it to update an uploaded app
}

var (
	guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	hostRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	semver = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// manifestCommand is an entry of the bot's command menu: its title is the
// command as typed (Teams sends a menu entry's title as the message, so it
// stays English in every language); its description is a catalogue key,
// with form, a usage form, as its {{.Form}}.
type manifestCommand struct {
	title, desc, form string
}

// commandMenus are the commands the menu offers: the main ones, typed as
// messages (the menu holds 10 per scope; titles up to 32 characters).
var commandMenus = map[string][]manifestCommand{
	"personal": {
		{"home", "teams.menu.home", ""},
		{"learn", "teams.menu.learn", ""},
		{"learn join", "teams.menu.learn_join", "learn join ROLE [DEPARTMENT]"},
		{"learn stats", "teams.menu.learn_stats", ""},
		{"learn time", "teams.menu.learn_time", "learn time HH:MM"},
		{"learn pause", "teams.menu.learn_pause", "learn pause [DAYS]"},
		{"learn resume", "teams.menu.learn_resume", ""},
		{"ask", "teams.menu.ask", "ask QUESTION"},
		{"feedback", "teams.menu.feedback", "feedback TEXT"},
		{"learn help", "teams.menu.learn_help", ""},
	},
	"team": {
		{"huddle start", "teams.menu.huddle_start", "huddle start TITLE"},
		{"huddle poll", "teams.menu.huddle_poll", `huddle poll "Question" "Option" "Option" [--anonymous]`},
		{"huddle ask", "teams.menu.huddle_ask", "huddle ask TEXT"},
		{"huddle end", "teams.menu.huddle_end", ""},
		{"learn help", "teams.menu.learn_help", ""},
	},
}

// menuScopes are the command lists' scopes, in the manifest's order (the
// localization files address a list by its index).
var menuScopes = []string{"personal", "team"}

// description is a menu entry's description in l's language.
func (c manifestCommand) description(l *i18n.Localizer) string {
	return l.T(c.desc, i18n.Data{"Form": l.UsageForm(c.form)})
}

// appWords are the app's name and descriptions in l's language, as the
// manifest and its localization files name them.
func appWords(l *i18n.Localizer) map[string]string {
	return map[string]string{
		"name.short":        "huddlebot",
		"name.full":         l.T("teams.manifest.name_full", nil),
		"description.short": l.T("teams.manifest.description_short", nil),
		"description.full":  l.T("teams.manifest.description_full", nil),
	}
}

// Manifest returns the manifest.json of the app package for o, in the
// default language, with a localization file (Localization) for every
// other shipped language.
func Manifest(o ManifestOptions) ([]byte, error) {
	var errs []error
	if !guidRE.MatchString(o.AppID) {
		errs = append(errs, fmt.Errorf("--app-id: %q is not the Microsoft App ID (a GUID like 2d1a1f33-4e7c-46c5-9c84-8e9b54c0a1a3)", o.AppID))
	}
	if strings.Contains(o.Domain, "/") || !hostRE.MatchString(o.Domain) {
		errs = append(errs, fmt.Errorf("--domain: %q is not a host name (no scheme or path, e.g. huddlebot.example.org)", o.Domain))
	}
	if o.Version == "" {
		o.Version = "1.0.0"
	}
	if !semver.MatchString(o.Version) {
		errs = append(errs, fmt.Errorf("--version: %q must be MAJOR.MINOR.PATCH", o.Version))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	l := i18n.For(i18n.Default)
	site := "https://" + strings.ToLower(o.Domain) + "/"
	var lists []map[string]any
	for _, scope := range menuScopes {
		var cmds []map[string]string
		for _, c := range commandMenus[scope] {
			cmds = append(cmds, map[string]string{"title": c.title, "description": c.description(l)})
		}
		lists = append(lists, map[string]any{"scopes": []string{scope}, "commands": cmds})
	}
	words := appWords(l)
	var more []map[string]string
	for _, lang := range i18n.Shipped()[1:] {
		more = append(more, map[string]string{"languageTag": lang, "file": localizationFile(lang)})
	}
	m := map[string]any{
		"$schema":          manifestSchema,
		"manifestVersion":  ManifestVersion,
		"version":          o.Version,
		"id":               strings.ToLower(o.AppID),
		"developer":        map[string]string{"name": "huddlebot", "websiteUrl": site, "privacyUrl": site, "termsOfUseUrl": site},
		"name":             map[string]string{"short": words["name.short"], "full": words["name.full"]},
		"description":      map[string]string{"short": words["description.short"], "full": words["description.full"]},
		"localizationInfo": map[string]any{"defaultLanguageTag": i18n.Default, "additionalLanguages": more},
		"icons":            map[string]string{"color": "color.png", "outline": "outline.png"},
		"accentColor":      accentColor,
		"bots": []map[string]any{{
			"botId":              strings.ToLower(o.AppID),
			"scopes":             []string{"personal", "team"},
			"supportsFiles":      false,
			"isNotificationOnly": false,
			"commandLists":       lists,
		}},
		"permissions":  []string{"identity", "messageTeamMembers"},
		"validDomains": []string{strings.ToLower(o.Domain)},
	}
	return json.MarshalIndent(m, "", "  ")
}

// localizationFile is the package's file of a language's strings.
func localizationFile(lang string) string { return lang + ".json" }

// Localization returns the localization file of a shipped language
// (learn.microsoft.com/microsoftteams/platform/resources/schema/localization-schema):
// the app's name and descriptions and the command menus' descriptions in
// that language, by their JSON paths in the manifest. Menu titles are left
// out: Teams sends a menu entry's title as the message, and the commands
// are English words in every language.
func Localization(lang string) ([]byte, error) {
	l := i18n.For(lang)
	if l.Lang() != lang {
		return nil, fmt.Errorf("no catalogue for language %q", lang)
	}
	f := map[string]string{"$schema": localizationSchema}
	for k, v := range appWords(l) {
		f[k] = v
	}
	for i, scope := range menuScopes {
		for j, c := range commandMenus[scope] {
			f[fmt.Sprintf("bots[0].commandLists[%d].commands[%d].description", i, j)] = c.description(l)
		}
	}
	return json.MarshalIndent(f, "", "  ")
}

// WritePackage writes the app package for "Upload a custom app" to w: a zip
// of manifest.json, a localization file per other shipped language
// (es.json), color.png (192×192) and outline.png (32×32, white on
// transparent), as Teams requires.
func WritePackage(w io.Writer, o ManifestOptions) error {
	man, err := Manifest(o)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	type file struct {
		name string
		data func() ([]byte, error)
	}
	files := []file{{"manifest.json", func() ([]byte, error) { return man, nil }}}
	for _, lang := range i18n.Shipped()[1:] {
		files = append(files, file{localizationFile(lang), func() ([]byte, error) { return Localization(lang) }})
	}
	files = append(files,
		file{"color.png", func() ([]byte, error) { return icon(192, false) }},
		file{"outline.png", func() ([]byte, error) { return icon(32, true) }},
	)
	for _, f := range files {
		data, err := f.data()
		if err != nil {
			return err
		}
		fw, err := z.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return z.Close()
}

// icon draws huddlebot's mark: a speech bubble with three dots (people in a
// huddle), white; on the accent colour (color) or on transparency
// (outline).
func icon(size int, outline bool) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	white := color.NRGBA{255, 255, 255, 255}
	if !outline {
		bg := color.NRGBA{0x2E, 0x6D, 0xB4, 255}
		for y := range size {
			for x := range size {
				img.Set(x, y, bg)
			}
		}
	}
	s := float64(size)
	// The bubble: a ring (outline) or a filled ellipse (color).
	cx, cy, rx, ry := s/2, s*0.45, s*0.38, s*0.30
	for y := range size {
		for x := range size {
			dx, dy := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
			d := dx*dx + dy*dy
			inTail := float64(y) > cy+ry*0.6 && float64(y) < s*0.9 && float64(x) > s*0.25 && float64(x) < s*0.25+(s*0.9-float64(y))*0.6
			switch {
			case outline && ((d <= 1 && d >= 0.62) || (inTail && d > 1)):
				img.Set(x, y, white)
			case !outline && (d <= 1 || inTail):
				img.Set(x, y, white)
			}
		}
	}
	// Three dots inside the bubble.
	dot := color.NRGBA{0x2E, 0x6D, 0xB4, 255}
	if outline {
		dot = white
	}
	for i := range 3 {
		px, py, r := s*(0.33+0.17*float64(i)), cy, s*0.05
		for y := range size {
			for x := range size {
				if ddx, ddy := float64(x)+0.5-px, float64(y)+0.5-py; ddx*ddx+ddy*ddy <= r*r {
					img.Set(x, y, dot)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
