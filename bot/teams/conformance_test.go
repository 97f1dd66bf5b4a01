package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestConformance runs the adapter conformance suite against the Teams
// adapter: the real connector client against teamsfake.Connector, with
// Teams' limits enforced, and clicks and commands sent to the adapter's
// messaging endpoint as Bot Framework sends them, signed with a test key
// published through teamsfake.Identity.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, func(t *testing.T) adaptertest.Harness { return newEnv(t) })
}

const confChannel = "19:4f9b3a1bd1b54e8a8fbd6f1b7f4bbd55@thread.tacv2"

// env is the adapter under test, wired to the fakes.
type env struct {
	bot  *bot.Bot
	a    *teams.Adapter
	id   *teamsfake.Identity
	conn *teamsfake.Connector
	url  string
	seq  atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, bot.New(storetest.Open(t, store.SQLite), bot.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))))
}

func newEnvWith(t testing.TB, b *bot.Bot) *env {
	t.Helper()
	e := &env{bot: b, id: teamsfake.NewIdentity(t), conn: teamsfake.NewConnector(t, authAppID, testPassword, testTenant)}
	a, err := teams.New(b, teams.Options{AppID: authAppID, Password: testPassword, TenantID: testTenant,
		OpenIDURL: e.id.OpenIDURL(), TokenURL: e.conn.TokenURL(), ServiceURL: e.conn.ServiceURL(), Log: b.Log})
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	b.AddAdapter(a)
	srv := httptest.NewServer(a.Handler())
	e.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return e
}

func (e *env) Adapter() bot.Adapter { return e.a }
func (e *env) Workspace() string    { return testTenant }
func (e *env) User(n int) string    { return fmt.Sprintf("29:1conf-user-%d-Zaqt7CZ-NJWi7me2kHTL3Bw", n) }
func (e *env) Channel() string      { return confChannel }
func (e *env) Bot() *bot.Bot        { return e.bot }

func (e *env) Caps() adaptertest.Caps {
	// Redelivery: Teams has no idempotency key for a send and lets bots
	// read no history, so a retry cannot find an earlier post.
	return adaptertest.Caps{DMChannels: true, Channels: true, Threads: true, Clicks: true, Commands: true,
		RateLimits: true, Unreachable: true}
}

// Messages reads the fake's activities in channel as a person sees them.
func (e *env) Messages(t *testing.T, channel string) []adaptertest.Message {
	t.Helper()
	var out []adaptertest.Message
	for _, p := range e.conn.Activities(channel) {
		m := view(t, p.Activity)
		m.Channel, m.ID, m.ThreadID = channel, p.ID, p.Thread
		out = append(out, m)
	}
	return out
}

// view reads an activity as Teams shows it: the text of its Adaptive
// Card's elements and the buttons a person can press, and what Teams would
// refuse (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
func view(t *testing.T, raw json.RawMessage) adaptertest.Message {
	t.Helper()
	var v adaptertest.Message
	refuse := func(format string, args ...any) { v.Refused = append(v.Refused, fmt.Sprintf(format, args...)) }
	if len(raw) > teamsfake.MaxActivityBytes {
		refuse("a message of %d bytes (Teams allows about %d)", len(raw), teamsfake.MaxActivityBytes)
	}
	var act struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(raw, &act); err != nil {
		t.Fatalf("sent activity: %v", err)
	}
	var text []string
	show := func(s string) {
		if s = strings.TrimSpace(shown(s)); s != "" {
			text = append(text, s)
		}
	}
	show(act.Text)
	var walk func(items []any)
	walk = func(items []any) {
		for _, it := range items {
			el, _ := it.(map[string]any)
			str := func(k string) string { s, _ := el[k].(string); return s }
			switch str("type") {
			case "TextBlock":
				show(str("text"))
			case "FactSet":
				for _, f := range el["facts"].([]any) {
					f := f.(map[string]any)
					show(f["title"].(string))
					show(f["value"].(string))
				}
			case "ActionSet":
				for _, a := range el["actions"].([]any) {
					a := a.(map[string]any)
					title, _ := a["title"].(string)
					verb, _ := a["verb"].(string)
					if title == "" {
						refuse("a button without a title")
					}
					if a["type"] != "Action.Execute" || verb == "" {
						refuse("a button that is not an Action.Execute with a verb: %v", a)
					}
					fb, _ := a["fallback"].(map[string]any)
					if fb == nil || fb["type"] != "Action.Submit" {
						refuse("button %q has no Action.Submit fallback", title)
					}
					show(title)
					if !isMenuButton(items, verb) {
						v.Actions = append(v.Actions, verb)
					}
				}
			case "Input.ChoiceSet":
				show(str("placeholder"))
				for _, c := range el["choices"].([]any) {
					c := c.(map[string]any)
					show(c["title"].(string))
					v.Actions = append(v.Actions, str("id")+"="+c["value"].(string))
				}
			case "Input.Text":
				show(str("label"))
			default:
				refuse("an element Teams would not render: %v", str("type"))
			}
		}
	}
	for _, at := range act.Attachments {
		if at.ContentType != "application/vnd.microsoft.card.adaptive" {
			refuse("attachment of type %s", at.ContentType)
			continue
		}
		if at.Content["version"] != "1.5" || at.Content["type"] != "AdaptiveCard" {
			refuse("not an Adaptive Card 1.5: %v %v", at.Content["type"], at.Content["version"])
		}
		body, _ := at.Content["body"].([]any)
		walk(body)
	}
	if len(text) == 0 && len(v.Actions) == 0 {
		refuse("an empty message")
	}
	v.Text = strings.Join(text, "\n")
	return v
}

// isMenuButton reports whether verb is the button of a menu among items
// (pressed as "menu=value", not by itself).
func isMenuButton(items []any, verb string) bool {
	for _, it := range items {
		if el, _ := it.(map[string]any); el["type"] == "Input.ChoiceSet" && el["id"] == verb {
			return true
		}
	}
	return false
}

// shown is TextBlock Markdown as Teams shows it: a backslash escape shows
// the character it escapes, and a broken-up mention tag its text.
func shown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return strings.ReplaceAll(b.String(), "\u200b", "")
}

// activity loads a fixture as a map to adjust.
func activity(t testing.TB, name string) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(fixture(t, name), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// post sends an activity signed as Bot Framework signs it and returns the
// response status and body.
func (e *env) post(t testing.TB, p map[string]any) (int, []byte) {
	t.Helper()
	p["serviceUrl"] = e.conn.ServiceURL()
	body, _ := json.Marshal(p)
	req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", e.id.Token(t, authAppID, e.conn.ServiceURL()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// fromUser sets the sender and the personal conversation of an activity.
func (e *env) fromUser(p map[string]any, user, conv string) {
	p["id"] = fmt.Sprintf("f:%d", e.seq.Add(1))
	p["from"] = map[string]any{"id": user, "name": "Person " + user[len(user)-8:], "aadObjectId": "6b9a3d9e-7bd0-4f4a-9f3e-" + fmt.Sprintf("%012d", e.seq.Load())}
	if conv != "" {
		p["conversation"].(map[string]any)["id"] = conv
	}
}

// Click sends the documented adaptiveCard/action invoke for action on m.
func (e *env) Click(t *testing.T, user string, m adaptertest.Message, action string) {
	t.Helper()
	if code, body := e.invoke(t, user, m, action); code != http.StatusOK {
		t.Fatalf("invoke %s: status %d: %s", action, code, body)
	}
}

// invoke presses action on m and returns the HTTP answer.
func (e *env) invoke(t *testing.T, user string, m adaptertest.Message, action string) (int, []byte) {
	t.Helper()
	p := activity(t, "invoke_adaptivecard_action.json")
	e.fromUser(p, user, m.Channel)
	p["replyToId"] = m.ID
	verb, data := action, map[string]any{"hb": action}
	if menu, value, ok := strings.Cut(action, "="); ok {
		verb, data = menu, map[string]any{"hb": menu, menu: value}
	}
	p["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "id": "btn", "verb": verb, "data": data}, "trigger": "manual"}
	return e.post(t, p)
}

// Command sends name and text as Teams sends a message: in the 1:1 chat,
// or @mentioning the bot in the channel; it returns the answer the person
// reads in their 1:1 chat.
func (e *env) Command(t *testing.T, user, channel, name, text string) string {
	t.Helper()
	personal := e.conn.PersonalConversation(user)
	before := len(e.conn.Activities(personal))
	// Teams sends what people type HTML-escaped.
	typed := html.EscapeString(name + " " + text)
	var p map[string]any
	if channel == "dm" {
		p = activity(t, "message_personal.json")
		e.fromUser(p, user, personal)
		p["text"] = typed
	} else {
		p = activity(t, "message_channel_mention.json")
		e.fromUser(p, user, channel+";messageid=1764602440194")
		p["text"] = "<at>huddlebot</at> " + typed
		cd := p["channelData"].(map[string]any)
		cd["teamsChannelId"] = channel
		cd["channel"] = map[string]any{"id": channel}
	}
	if code, body := e.post(t, p); code != http.StatusOK {
		t.Fatalf("message: status %d: %s", code, body)
	}
	acts := e.waitActivities(t, personal, before+1)
	return view(t, acts[len(acts)-1].Activity).Text
}

// waitActivities waits until conv has n activities and returns them.
func (e *env) waitActivities(t *testing.T, conv string, n int) []teamsfake.Posted {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		acts := e.conn.Activities(conv)
		if len(acts) >= n {
			return acts
		}
		if time.Now().After(deadline) {
			var calls []string
			for _, c := range e.conn.Calls() {
				if c.Conversation == conv || c.Conversation == "" {
					calls = append(calls, fmt.Sprintf("%s %s %s → %d", c.At.Format("05.000"), c.Method, c.Path, c.Status))
				}
			}
			t.Fatalf("%s has %d activities after 10 s; want %d. Calls to it (and to open conversations):\n%s",
				conv, len(acts), n, strings.Join(calls, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) RateLimitNext(t *testing.T, user string, d time.Duration) {
	e.conn.FailNext(http.MethodPost, e.conn.PersonalConversation(user), http.StatusTooManyRequests,
		fmt.Sprintf("Retry-After: %d", int(d.Seconds())), `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`, 1)
}

func (e *env) MakeUnreachable(t *testing.T, user string) {
	e.conn.Block(e.conn.PersonalConversation(user), "ConversationBlockedByUser")
}

func (e *env) ClickHook(t *testing.T, user string, m adaptertest.Message) string {
	return e.a.OpenHook(e.conn.ServiceURL(), m.Channel, m.ID, false)
}

func (e *env) ExpiredClickHook(t *testing.T, user string, m adaptertest.Message) string {
	return e.a.OpenHook(e.conn.ServiceURL(), m.Channel, m.ID, true)
}
