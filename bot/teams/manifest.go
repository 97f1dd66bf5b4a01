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
)

// The Teams app manifest huddlebot writes
// (learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema).
const (
	ManifestVersion = "1.22"
	manifestSchema  = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.schema.json"
	accentColor     = "#2E6DB4"
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

// manifestCommand is an entry of the bot's command menu.
type manifestCommand struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// commandMenus are the commands the menu offers: the main ones, typed as
// messages (the menu holds 10 per scope; titles up to 32 characters).
var commandMenus = map[string][]manifestCommand{
	"personal": {
		{"home", "Your streak, schedule and settings"},
		{"learn", "Get your next lesson now"},
		{"learn join", "Join daily learning: learn join ROLE [DEPARTMENT]"},
		{"learn stats", "Your streak and accuracy"},
		{"learn time", "When your daily prompt arrives: learn time HH:MM"},
		{"learn pause", "Pause daily prompts: learn pause [DAYS]"},
		{"learn resume", "Resume daily prompts"},
		{"ask", "Ask your unit's super-users: ask QUESTION"},
		{"feedback", "Tell the trainers something: feedback TEXT"},
		{"learn help", "Every command"},
	},
	"team": {
		{"huddle start", "Start a tech huddle here: huddle start TITLE"},
		{"huddle poll", `Poll: huddle poll "Question" "Option" "Option" [--anonymous]`},
		{"huddle ask", "Add a question to the parking lot: huddle ask TEXT"},
		{"huddle end", "End the huddle and post its summary"},
		{"learn help", "Every command"},
	},
}

// Manifest returns the manifest.json of the app package for o.
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
	site := "https://" + strings.ToLower(o.Domain) + "/"
	var lists []map[string]any
	for _, scope := range []string{"personal", "team"} {
		lists = append(lists, map[string]any{"scopes": []string{scope}, "commands": commandMenus[scope]})
	}
	m := map[string]any{
		"$schema":         manifestSchema,
		"manifestVersion": ManifestVersion,
		"version":         o.Version,
		"id":              strings.ToLower(o.AppID),
		"developer":       map[string]string{"name": "huddlebot", "websiteUrl": site, "privacyUrl": site, "termsOfUseUrl": site},
		"name":            map[string]string{"short": "huddlebot", "full": "huddlebot: EHR microlearning and tech huddles"},
		"description": map[string]string{
			"short": "Daily EHR tips and quizzes, tech huddles and ask-a-super-user.",
			"full": "huddlebot keeps staff fluent in the EHR after go-live: one short tip or quiz a workday in a 1:1 chat, " +
				"written for your role; tech huddles with live polls and a parking lot in your unit's channel; update " +
				"bursts when the EHR changes; and a way to ask your unit's on-duty super-users. No patient data.",
		},
		"icons":       map[string]string{"color": "color.png", "outline": "outline.png"},
		"accentColor": accentColor,
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

// WritePackage writes the app package for "Upload a custom app" to w: a zip
// of manifest.json, color.png (192×192) and outline.png (32×32, white on
// transparent), as Teams requires.
func WritePackage(w io.Writer, o ManifestOptions) error {
	man, err := Manifest(o)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{"manifest.json", func() ([]byte, error) { return man, nil }},
		{"color.png", func() ([]byte, error) { return icon(192, false) }},
		{"outline.png", func() ([]byte, error) { return icon(32, true) }},
	}
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
