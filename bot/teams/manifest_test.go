package teams_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/i18n"
)

// appPackage returns the app package WritePackage writes for the test bot
// at huddlebot.example.org, opened as a zip.
func appPackage(t *testing.T) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	if err := teams.WritePackage(&buf, teams.ManifestOptions{AppID: authAppID, Domain: "huddlebot.example.org"}); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestPackage: the app package holds manifest.json of the current schema
// naming the bot, its scopes, its domain and a command menu within Teams'
// limits, and the two icons at the sizes Teams requires (the outline white
// on transparent).
func TestPackage(t *testing.T) {
	t.Parallel()
	z := appPackage(t)
	files := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	if len(files) != 4 {
		t.Fatalf("the package holds %d files; want manifest.json, es.json, color.png, outline.png", len(files))
	}
	var m struct {
		Schema          string `json:"$schema"`
		ManifestVersion string `json:"manifestVersion"`
		Version, ID     string
		Name            struct{ Short, Full string }
		Description     struct{ Short, Full string }
		Icons           struct{ Color, Outline string }
		Bots            []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Scopes   []string `json:"scopes"`
				Commands []struct{ Title, Description string }
			} `json:"commandLists"`
		}
		ValidDomains []string `json:"validDomains"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Schema, "/v"+m.ManifestVersion+"/") || m.ManifestVersion != teams.ManifestVersion || m.Version != "1.0.0" || m.ID != authAppID {
		t.Errorf("manifest header: %s %s %s %s", m.Schema, m.ManifestVersion, m.Version, m.ID)
	}
	if len(m.Name.Short) > 30 || len(m.Description.Short) > 80 || len(m.Description.Full) > 4000 || m.Icons.Color != "color.png" || m.Icons.Outline != "outline.png" {
		t.Errorf("name, description or icons break the schema's limits: %+v %+v %+v", m.Name, m.Description, m.Icons)
	}
	if len(m.Bots) != 1 || m.Bots[0].BotID != authAppID || strings.Join(m.Bots[0].Scopes, ",") != "personal,team" {
		t.Fatalf("bots: %+v", m.Bots)
	}
	for _, l := range m.Bots[0].CommandLists {
		if len(l.Commands) == 0 || len(l.Commands) > 10 {
			t.Errorf("command list %v has %d commands (1–10 allowed)", l.Scopes, len(l.Commands))
		}
		for _, c := range l.Commands {
			if utf8.RuneCountInString(c.Title) > 32 || utf8.RuneCountInString(c.Description) > 128 {
				t.Errorf("command %q: title or description too long", c.Title)
			}
		}
	}
	if len(m.ValidDomains) != 1 || m.ValidDomains[0] != "huddlebot.example.org" {
		t.Errorf("validDomains = %v", m.ValidDomains)
	}
	for name, size := range map[string]int{"color.png": 192, "outline.png": 32} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s is %dx%d; want %dx%d", name, b.Dx(), b.Dy(), size, size)
		}
		if name != "outline.png" {
			continue
		}
		for y := range size {
			for x := range size {
				r, g, b, a := img.At(x, y).RGBA()
				if a != 0 && (a != 0xffff || r != 0xffff || g != 0xffff || b != 0xffff) {
					t.Fatalf("outline.png pixel (%d,%d) is neither white nor transparent", x, y)
				}
			}
		}
	}
}

// TestPackageSpanish: the manifest names English as its language and
// es.json as Spanish's strings; es.json, of the manifest's schema version,
// holds every string Teams' localization schema requires and every command
// menu description, each the catalogue's Spanish within the schema's
// limits, and no menu title (Teams would send a translated title as the
// command's text).
func TestPackageSpanish(t *testing.T) {
	t.Parallel()
	z := appPackage(t)
	read := func(name string) []byte {
		t.Helper()
		f, err := z.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var m struct {
		LocalizationInfo struct {
			DefaultLanguageTag  string `json:"defaultLanguageTag"`
			AdditionalLanguages []struct {
				LanguageTag string `json:"languageTag"`
				File        string `json:"file"`
			} `json:"additionalLanguages"`
		} `json:"localizationInfo"`
		Name        struct{ Short, Full string }
		Description struct{ Short, Full string }
		Bots        []struct {
			CommandLists []struct {
				Commands []struct{ Title, Description string }
			} `json:"commandLists"`
		}
	}
	if err := json.Unmarshal(read("manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	li := m.LocalizationInfo
	if li.DefaultLanguageTag != "en" || len(li.AdditionalLanguages) != 1 || li.AdditionalLanguages[0].LanguageTag != "es" ||
		li.AdditionalLanguages[0].File != "es.json" {
		t.Fatalf("localizationInfo = %+v", li)
	}
	var es map[string]string
	if err := json.Unmarshal(read("es.json"), &es); err != nil {
		t.Fatal(err)
	}
	l := i18n.For("es")
	want := map[string]string{
		"$schema":           "https://developer.microsoft.com/json-schemas/teams/v" + teams.ManifestVersion + "/MicrosoftTeams.Localization.schema.json",
		"name.short":        "huddlebot",
		"name.full":         l.T("teams.manifest.name_full", nil),
		"description.short": l.T("teams.manifest.description_short", nil),
		"description.full":  l.T("teams.manifest.description_full", nil),
	}
	english := map[string]string{"name.full": m.Name.Full, "description.short": m.Description.Short, "description.full": m.Description.Full}
	for i, list := range m.Bots[0].CommandLists {
		for j, c := range list.Commands {
			key := fmt.Sprintf("bots[0].commandLists[%d].commands[%d].description", i, j)
			english[key] = c.Description
			want[key] = ""
			if _, ok := es[fmt.Sprintf("bots[0].commandLists[%d].commands[%d].title", i, j)]; ok {
				t.Errorf("es.json translates the title of %q, the command Teams sends", c.Title)
			}
		}
	}
	limits := map[string]int{"name.short": 30, "name.full": 100, "description.short": 80, "description.full": 4000}
	for key, w := range want {
		got, ok := es[key]
		switch {
		case !ok:
			t.Errorf("es.json lacks %s", key)
		case w != "" && got != w:
			t.Errorf("es.json %s = %q, want %q", key, got, w)
		case english[key] != "" && got == english[key]:
			t.Errorf("es.json %s is the English %q", key, got)
		}
		limit, ok := limits[key]
		if !ok && key != "$schema" {
			limit = 128
		}
		if n := utf8.RuneCountInString(got); limit > 0 && n > limit {
			t.Errorf("es.json %s: %d characters, over %d", key, n, limit)
		}
	}
	if len(es) != len(want) {
		t.Errorf("es.json has %d strings, want %d: %v", len(es), len(want), es)
	}
	// The menus' descriptions are the catalogue's, with the usage forms'
	// placeholders in Spanish.
	if got := es["bots[0].commandLists[0].commands[2].description"]; got != "Únase al aprendizaje diario: learn join ROL [DEPARTAMENTO]" {
		t.Errorf("learn join's description in Spanish = %q", got)
	}
	if got := m.Bots[0].CommandLists[0].Commands[2].Description; got != "Join daily learning: learn join ROLE [DEPARTMENT]" {
		t.Errorf("learn join's description in English = %q", got)
	}
}

func TestManifestRefusesBadInput(t *testing.T) {
	t.Parallel()
	for _, o := range []teams.ManifestOptions{
		{AppID: "huddlebot", Domain: "huddlebot.example.org"},
		{AppID: authAppID, Domain: "https://huddlebot.example.org/teams/messages"},
		{AppID: authAppID, Domain: "localhost"},
		{AppID: authAppID, Domain: "huddlebot.example.org", Version: "2"},
	} {
		if _, err := teams.Manifest(o); err == nil {
			t.Errorf("Manifest(%+v) accepted", o)
		}
	}
}
