package discord

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// FuzzInteraction feeds arbitrary bodies to the interaction parser the way
// POST /discord/interactions does after the signature check: decode, refuse
// a body without a type (400), and convert it to the core's event. Nothing
// panics; a body the adapter accepts yields an event that names who acted
// and what they did, and one it refuses gets an error.
func FuzzInteraction(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".json" {
			raw, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	for _, s := range []string{
		`{"type":2,"user":{"id":"1"},"data":{"name":"learn","options":[{"name":"join","type":1,"options":[{"name":"role","type":3,"value":"nurse"}]}]}}`,
		`{"type":2,"user":{"id":"1"},"data":{"name":"learn","options":[{"name":"join","type":1,"options":[{"name":"role","type":3,"value":7}]}]}}`,
		`{"type":2,"member":{"user":{"id":"1"},"nick":"N"},"guild_id":"9","data":{"name":"huddle","options":[{"name":"poll","type":1,"options":[{"name":"question","type":3,"value":"Q?"}]}]}}`,
		`{"type":2,"user":{"id":"1"},"data":{"name":"learn","options":[null]}}`,
		`{"type":3,"user":{"id":"1"},"data":{"custom_id":"ans:1:2","component_type":2}}`,
		`{"type":3,"user":{"id":"1"},"data":{"custom_id":"choice","component_type":3,"values":["ans:1:3"]}}`,
		`{"type":3,"user":{"id":"1"},"data":{"custom_id":"choice","component_type":3,"values":[]}}`,
		`{"type":5,"user":{"id":"1"},"data":{"custom_id":"more:1","components":[{"type":1,"components":[{"type":4,"custom_id":"t","value":"x"}]}]}}`,
		`{"type":5,"user":{"id":"1"},"data":{"custom_id":"more:1","components":[null]}}`,
		`{"type":4,"user":{"id":"1"},"data":{"name":"learn"}}`,
		`{"type":1}`, `{"type":0}`, `{"type":2}`, `{"type":2,"user":{}}`, `{}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var i discordgo.Interaction
		if err := json.Unmarshal(body, &i); err != nil || i.Type == 0 {
			return // 400 malformed interaction
		}
		if i.Type == discordgo.InteractionPing {
			return // PONG
		}
		ev, err := convert(&i)
		if err != nil {
			return // 400 with the error
		}
		a := ev.actor()
		if a.UserID == "" || a.Platform != Platform {
			t.Fatalf("%s: accepted without an actor: %+v", body, ev)
		}
		switch ev.kind {
		case evCommand:
			if ev.command.Name == "" {
				t.Fatalf("%s: a command without a name", body)
			}
		case evClick:
			if ev.click.ActionID == "" {
				t.Fatalf("%s: a click without an action", body)
			}
		case evSubmit:
			if ev.submit.FormID == "" {
				t.Fatalf("%s: a submission without a form", body)
			}
		default:
			t.Fatalf("%s: accepted as event kind %d", body, ev.kind)
		}
	})
}
