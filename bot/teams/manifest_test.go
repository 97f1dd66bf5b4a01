package teams_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot/teams"
)

// TestPackage: the app package holds manifest.json of the current schema
// naming the bot, its scopes, its domain and a command menu within Teams'
// limits, and the two icons at the sizes Teams requires (the outline white
// on transparent).
func TestPackage(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := teams.WritePackage(&buf, teams.ManifestOptions{AppID: authAppID, Domain: "huddlebot.example.org"}); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	if len(files) != 3 {
		t.Fatalf("the package holds %d files; want manifest.json, color.png, outline.png", len(files))
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
