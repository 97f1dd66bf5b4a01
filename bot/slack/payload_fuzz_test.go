package slack

import (
	"errors"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// parsed is what one verified request body becomes: the neutral events the
// adapter would hand to the core, by the same dispatch as Adapter.route.
type parsed struct {
	commands    int
	clicks      int
	submissions int
	events      int
}

// parseBody runs the adapter's own parsers on a request body the way route
// and its handlers do, without calling the core.
func parseBody(contentType string, body []byte) (parsed, error) {
	var p parsed
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || (mt == "" && len(body) > 0 && body[0] == '{') {
		env, in, err := parseEnvelope(body)
		if err != nil {
			return p, err
		}
		if env.Type == "event_callback" {
			if in == nil || env.EventID == "" {
				return p, errors.New("event_callback parsed without its event or event_id")
			}
			p.events++
		}
		return p, nil
	}
	if mt != "" && mt != "application/x-www-form-urlencoded" {
		return p, malformed("unsupported content type %q", mt)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return p, malformed("form body: %v", err)
	}
	if raw := form.Get("payload"); raw != "" {
		cb, err := parseInteraction([]byte(raw))
		if err != nil {
			return p, err
		}
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			for _, act := range cb.ActionCallback.BlockActions {
				c := clickOf(cb, act) // as handleInteraction: a nil action would panic here
				if c.ActionID != "" {
					if c.Actor.UserID == "" || c.Actor.Workspace == "" {
						return p, errors.New("click without its actor")
					}
					p.clicks++
				}
			}
		case slack.InteractionTypeViewSubmission:
			s, err := submissionOf(cb)
			if err != nil {
				return p, err
			}
			if s.FormID == "" || s.Actor.UserID == "" {
				return p, errors.New("submission without its form or actor")
			}
			p.submissions++
		}
		return p, nil
	}
	if form.Get("command") != "" {
		cmd, err := commandOf(slashFromForm(form))
		if err != nil {
			return p, err
		}
		if cmd.Name == "" || cmd.Actor.UserID == "" || cmd.Actor.Workspace == "" {
			return p, errors.New("command without its name or actor")
		}
		p.commands++
		return p, nil
	}
	return p, malformed("neither an event, an interaction nor a slash command")
}

// FuzzSlackPayload feeds arbitrary bodies, as JSON (Events API) and as
// form posts (slash commands, block_actions and view_submission payloads),
// to the adapter's parsers. Nothing panics; a body the adapter cannot use
// gets an errMalformed error (HTTP 400); a body it accepts yields events
// that name who acted and what they did.
func FuzzSlackPayload(f *testing.F) {
	seeds := []struct{ ct, body string }{
		{"application/json", `{"type":"url_verification","challenge":"abc"}`},
		{"application/json", `{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`},
		{"application/json", `{"type":"event_callback","event_id":"Ev1","event":"not an object"}`},
		{"application/json", `{"type":"app_rate_limited"}`},
		{"application/json", `{"type":`},
		{"application/x-www-form-urlencoded", "command=%2Flearn&text=join+nurse&user_id=U1&team_id=T1&channel_id=D1"},
		{"application/x-www-form-urlencoded", "command=%2Flearn&team_id=T1"},
		{"application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"},"actions":[null,{"action_id":"ans:1:2","type":"button"}]}`)},
		{"application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U1","team_id":"T1"},"container":{"type":"view"},"actions":[{"action_id":"choice","type":"static_select","selected_option":{"value":"ans:1:3"}}]}`)},
		{"application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"view_submission","user":{"id":"U1"},"team":{"id":"T1"},"view":{"callback_id":"more:1","state":{"values":{"b":{"a":{"type":"plain_text_input","value":"x"}}}}}}`)},
		{"application/x-www-form-urlencoded", "payload=%7B%7B"},
		{"application/x-www-form-urlencoded", "a=b&%zz"},
		{"text/xml", "<a/>"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add(s.ct, []byte(s.body))
	}
	for _, name := range []string{"block_actions.json", "view_submission.json", "event_app_home_opened.json", "url_verification.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if strings.HasPrefix(name, "event") || strings.HasPrefix(name, "url") {
			f.Add("application/json", raw)
		} else {
			f.Add("application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(raw)}}.Encode()))
		}
	}
	if raw, err := os.ReadFile(filepath.Join("testdata", "slash_command.txt")); err == nil {
		f.Add("application/x-www-form-urlencoded", raw)
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		p, err := parseBody(contentType, body)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("%q %q: error %v is not a 400 (errMalformed)", contentType, body, err)
			}
			if p != (parsed{}) {
				t.Fatalf("%q %q: an error and events %+v", contentType, body, p)
			}
		}
	})
}
