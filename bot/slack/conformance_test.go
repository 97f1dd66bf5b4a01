package slack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	slackbot "github.com/huddlebot/huddlebot/bot/slack"
	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestConformance runs the adapter conformance suite against the Slack
// adapter: the real slack-go client against slackfake, clicks sent to the
// adapter's HTTP endpoint signed as Slack signs them.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, newConfSlack)
}

const (
	confSecret = "conformance-signing-secret"
	confTeam   = "T0001"
)

type confSlack struct {
	bot  *bot.Bot
	fake *slackfake.Server
	a    *slackbot.Adapter
	url  string
	seq  atomic.Int64
}

func newConfSlack(t *testing.T) adaptertest.Harness {
	db := storetest.Open(t, store.SQLite)
	b := bot.New(db, bot.Config{}, quietLog())
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	lim := slackbot.Unlimited
	a := slackbot.New(b, slackbot.Options{Token: "xoxb-test", SigningSecret: confSecret, APIURL: fake.APIURL(),
		Limits: &lim, Log: quietLog()})
	b.AddAdapter(a)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return &confSlack{bot: b, fake: fake, a: a, url: srv.URL + "/slack/events"}
}

func (h *confSlack) Adapter() bot.Adapter { return h.a }
func (h *confSlack) Workspace() string    { return confTeam }
func (h *confSlack) User(n int) string    { return fmt.Sprintf("U%04d", n+1) }
func (h *confSlack) Channel() string      { return "C0CONFORM" }
func (h *confSlack) Bot() *bot.Bot        { return h.bot }

func (h *confSlack) Caps() adaptertest.Caps {
	return adaptertest.Caps{DMChannels: true, Channels: true, Threads: true, Clicks: true, Commands: true,
		RateLimits: true, Unreachable: true, Redelivery: true}
}

// Messages shows the fake's messages in channel as Slack shows them: the
// text of every block (the fallback text only notifies), with Block Kit's
// limits checked.
func (h *confSlack) Messages(t *testing.T, channel string) []adaptertest.Message {
	var out []adaptertest.Message
	for _, m := range h.fake.Messages() {
		if m.Channel != channel {
			continue
		}
		v := confBlocks(t, m.Blocks)
		v.Channel, v.ID, v.ThreadID = m.Channel, m.TS, m.ThreadTS
		out = append(out, v)
	}
	return out
}

type confText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type confElement struct {
	Type        string    `json:"type"`
	ActionID    string    `json:"action_id"`
	Value       string    `json:"value"`
	Text        *confText `json:"text"`
	Placeholder *confText `json:"placeholder"`
	Options     []struct {
		Text  confText `json:"text"`
		Value string   `json:"value"`
	} `json:"options"`
}

type confBlock struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *confText         `json:"text"`
	Fields   []confText        `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
	Label    *confText         `json:"label"`
	Element  *confElement      `json:"element"`
}

// confBlocks reads blocks as a person sees them and lists what Slack would
// refuse (docs.slack.dev/reference/block-kit).
func confBlocks(t *testing.T, raw json.RawMessage) adaptertest.Message {
	t.Helper()
	var bs []confBlock
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("blocks: %v: %s", err, raw)
	}
	var v adaptertest.Message
	var text []string
	refuse := func(format string, args ...any) { v.Refused = append(v.Refused, fmt.Sprintf(format, args...)) }
	show := func(where string, tx *confText, max int) {
		if tx == nil {
			return
		}
		if n := utf8.RuneCountInString(tx.Text); n > max || n == 0 {
			refuse("%s text of %d characters (1–%d allowed)", where, n, max)
		}
		text = append(text, tx.Text)
	}
	if len(bs) > 50 {
		refuse("%d blocks (50 allowed)", len(bs))
	}
	blockIDs := map[string]bool{}
	for i, b := range bs {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] {
				refuse("duplicate block_id %q", b.BlockID)
			}
			blockIDs[b.BlockID] = true
		}
		where := fmt.Sprintf("block %d (%s)", i, b.Type)
		switch b.Type {
		case "header":
			show(where, b.Text, 150)
		case "section":
			show(where, b.Text, 3000)
			if len(b.Fields) > 10 {
				refuse("%s: %d fields (10 allowed)", where, len(b.Fields))
			}
			for j := range b.Fields {
				show(fmt.Sprintf("%s field %d", where, j), &b.Fields[j], 2000)
			}
		case "context":
			if len(b.Elements) > 10 {
				refuse("%s: %d elements (10 allowed)", where, len(b.Elements))
			}
			for _, e := range b.Elements {
				var tx confText
				_ = json.Unmarshal(e, &tx)
				show(where, &tx, 3000)
			}
		case "actions":
			if len(b.Elements) > 25 {
				refuse("%s: %d elements (25 allowed)", where, len(b.Elements))
			}
			ids := map[string]bool{}
			for _, e := range b.Elements {
				var el confElement
				_ = json.Unmarshal(e, &el)
				if ids[el.ActionID] {
					refuse("%s: duplicate action_id %q", where, el.ActionID)
				}
				ids[el.ActionID] = true
				if el.ActionID == "" || len(el.ActionID) > 255 {
					refuse("%s: action_id of %d characters (1–255 allowed)", where, len(el.ActionID))
				}
				switch el.Type {
				case "button":
					show(where+" button", el.Text, 75)
					if len(el.Value) > 2000 {
						refuse("%s: button value of %d characters (2000 allowed)", where, len(el.Value))
					}
					v.Actions = append(v.Actions, el.ActionID)
				case "static_select":
					show(where+" menu placeholder", el.Placeholder, 150)
					if len(el.Options) > 100 || len(el.Options) == 0 {
						refuse("%s: %d menu options (1–100 allowed)", where, len(el.Options))
					}
					for _, o := range el.Options {
						show(where+" option", &o.Text, 75)
						if len(o.Value) > 150 {
							refuse("%s: option value of %d characters (150 allowed)", where, len(o.Value))
						}
						v.Actions = append(v.Actions, confMenuAction(el.ActionID, o.Value))
					}
				default:
					refuse("%s: unexpected element %q", where, el.Type)
				}
			}
		default:
			refuse("%s: unexpected block type", where)
		}
	}
	v.Text = strings.Join(text, "\n")
	return v
}

// confMenuAction is how a menu option is pressed: the answer menu's options
// are the answers' action ids; other options are "menuID=value".
func confMenuAction(menuID, value string) string {
	if menuID == "huddlebot:choice" {
		return value
	}
	return menuID + "=" + value
}

// Click posts Slack's block_actions payload (the documented fixture) for
// action on m, signed, to the adapter's endpoint.
func (h *confSlack) Click(t *testing.T, user string, m adaptertest.Message, action string) {
	t.Helper()
	var blocks []confBlock
	for _, msg := range h.fake.Messages() {
		if msg.Channel == m.Channel && msg.TS == m.ID {
			if err := json.Unmarshal(msg.Blocks, &blocks); err != nil {
				t.Fatal(err)
			}
		}
	}
	var act map[string]any
	for _, b := range blocks {
		for _, e := range b.Elements {
			var el confElement
			_ = json.Unmarshal(e, &el)
			switch {
			case el.Type == "button" && el.ActionID == action:
				act = map[string]any{"action_id": el.ActionID, "block_id": b.BlockID, "type": "button", "value": el.Value,
					"text": el.Text, "action_ts": "1700000000.000100"}
			case el.Type == "static_select":
				for _, o := range el.Options {
					if confMenuAction(el.ActionID, o.Value) == action {
						act = map[string]any{"action_id": el.ActionID, "block_id": b.BlockID, "type": "static_select",
							"selected_option": map[string]any{"text": o.Text, "value": o.Value}, "action_ts": "1700000000.000100"}
					}
				}
			}
		}
	}
	if act == nil {
		t.Fatalf("no element of message %s presses %s", m.ID, action)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "block_actions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	n := h.seq.Add(1)
	p["user"].(map[string]any)["id"] = user
	p["channel"].(map[string]any)["id"] = m.Channel
	p["container"].(map[string]any)["channel_id"] = m.Channel
	p["container"].(map[string]any)["message_ts"] = m.ID
	p["message"].(map[string]any)["ts"] = m.ID
	p["trigger_id"] = fmt.Sprintf("conf-trigger-%d", n)
	p["response_url"] = h.fake.ResponseURL(fmt.Sprintf("conf-click-%d", n))
	p["actions"] = []any{act}
	body, _ := json.Marshal(p)
	form := []byte(url.Values{"payload": {string(body)}}.Encode())
	res, err := http.DefaultClient.Do(slackfake.SignedRequest(h.url, confSecret, time.Now(), "application/x-www-form-urlencoded", form))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("click %s: status %d: %s", action, res.StatusCode, b)
	}
}

// Command posts Slack's slash command (the documented fixture), with the
// text escaped as Slack sends it (& < > as entities), and returns the
// ephemeral answer as Slack shows it: the HTTP answer, or what came
// through the command's response_url when the answer was "working on it".
func (h *confSlack) Command(t *testing.T, user, channel, name, text string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "slash_command.txt"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	ch := channel
	if channel == "dm" {
		ch = "D" + user
	}
	n := h.seq.Add(1)
	hook := fmt.Sprintf("conf-command-%d", n)
	v.Set("team_id", confTeam)
	v.Set("channel_id", ch)
	v.Set("user_id", user)
	v.Set("user_name", strings.ToLower(user))
	v.Set("command", "/"+name)
	v.Set("text", strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text))
	v.Set("response_url", h.fake.ResponseURL(hook))
	v.Set("trigger_id", fmt.Sprintf("conf-trigger-%d", n))
	res, err := http.DefaultClient.Do(slackfake.SignedRequest(h.url, confSecret, time.Now(), "application/x-www-form-urlencoded",
		[]byte(v.Encode())))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/%s: status %d: %s", name, res.StatusCode, body)
	}
	var answer struct {
		Text string `json:"text"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &answer); err != nil {
			t.Fatalf("/%s: %v: %s", name, err, body)
		}
	}
	if answer.Text != "" && !strings.HasPrefix(answer.Text, "⏳") {
		return confShown(answer.Text)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range h.fake.Responses() {
			if r.Path == "/response/"+hook {
				s, _ := r.Body["text"].(string)
				return confShown(s)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("/%s: answered %q and nothing came through its response_url", name, answer.Text)
	return ""
}

// confShown is mrkdwn text as Slack shows it: entities become characters.
func confShown(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func (h *confSlack) RateLimitNext(t *testing.T, user string, d time.Duration) {
	h.fake.RateLimit("chat.postMessage", 1, int(d/time.Second))
}

func (h *confSlack) MakeUnreachable(t *testing.T, user string) {
	h.fake.Unreachable(user, "cannot_dm_bot")
}

func (h *confSlack) LoseNextReply(t *testing.T, user string) {
	h.fake.LoseResponses("chat.postMessage", 1)
}

// ClickHook is a response_url bound to m, as Slack binds a click's.
func (h *confSlack) ClickHook(t *testing.T, user string, m adaptertest.Message) string {
	id := fmt.Sprintf("conf-hook-%d", h.seq.Add(1))
	h.fake.BindResponse(id, m.Channel, m.ID)
	return h.fake.ResponseURL(id)
}

func (h *confSlack) ExpiredClickHook(t *testing.T, user string, m adaptertest.Message) string {
	id := fmt.Sprintf("conf-hook-%d", h.seq.Add(1))
	h.fake.BindResponse(id, m.Channel, m.ID)
	h.fake.Expire(id)
	return h.fake.ResponseURL(id)
}

func (h *confSlack) TriggerID(t *testing.T, user string) string {
	return fmt.Sprintf("conf-trigger-%d", h.seq.Add(1))
}

// OpenedForms reads the views.open calls as the modals Slack shows.
func (h *confSlack) OpenedForms(t *testing.T) []adaptertest.Message {
	var out []adaptertest.Message
	for _, c := range h.fake.Calls("views.open") {
		var req struct {
			View struct {
				Title, Submit, Close *confText
				Blocks               []confBlock `json:"blocks"`
			} `json:"view"`
		}
		if err := json.Unmarshal(c.JSON, &req); err != nil {
			t.Fatal(err)
		}
		var v adaptertest.Message
		var text []string
		check := func(where string, tx *confText, max int) {
			if tx == nil {
				return
			}
			if n := utf8.RuneCountInString(tx.Text); n > max || n == 0 {
				v.Refused = append(v.Refused, fmt.Sprintf("%s of %d characters (1–%d allowed)", where, n, max))
			}
			text = append(text, tx.Text)
		}
		check("title", req.View.Title, 24)
		check("submit", req.View.Submit, 24)
		check("close", req.View.Close, 24)
		for _, b := range req.View.Blocks {
			check("input label", b.Label, 2000)
			if b.Element != nil {
				check("input placeholder", b.Element.Placeholder, 150)
			}
		}
		v.Text = strings.Join(text, "\n")
		out = append(out, v)
	}
	return out
}

func (h *confSlack) SetProfile(t *testing.T, user, name, timezone string) {
	h.fake.SetUser(slackfake.User{ID: user, Name: strings.ToLower(user), RealName: name, TZ: timezone})
}
