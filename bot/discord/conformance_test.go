package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/adaptertest"
	"github.com/huddlebot/huddlebot/bot/discord"
	"github.com/huddlebot/huddlebot/bot/discord/discordfake"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestConformance runs the adapter conformance suite against the Discord
// adapter: the real discordgo client against discordfake, clicks sent to
// the adapter's interactions endpoint signed with a test key as Discord
// signs them.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, newConfDiscord)
}

const (
	confGuild   = "1100461931127054416"
	confChannel = "1100461931127054419"
)

type confDiscord struct {
	bot  *bot.Bot
	fake *discordfake.Server
	a    *discord.Adapter
	url  string
	key  ed25519.PrivateKey
	seq  atomic.Int64
}

func newConfDiscord(t *testing.T) adaptertest.Harness {
	db := storetest.Open(t, store.SQLite)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bot.New(db, bot.Config{}, log)
	fake := discordfake.New(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := discord.New(b, discord.Options{Token: discordfake.Token, AppID: "1245981166512455720",
		PublicKey: hex.EncodeToString(pub), APIURL: fake.APIURL(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	b.AddAdapter(a)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	h := &confDiscord{bot: b, fake: fake, a: a, url: srv.URL, key: priv}
	h.seq.Store(1245987415937050000)
	return h
}

func (h *confDiscord) Adapter() bot.Adapter { return h.a }
func (h *confDiscord) Workspace() string    { return confGuild }
func (h *confDiscord) User(n int) string    { return strconv.Itoa(80351110224670001 + n) }
func (h *confDiscord) Channel() string      { return confChannel }
func (h *confDiscord) Bot() *bot.Bot        { return h.bot }

func (h *confDiscord) Caps() adaptertest.Caps {
	return adaptertest.Caps{DMChannels: true, Channels: true, Threads: true, Clicks: true, Commands: true,
		RateLimits: true, Unreachable: true, Redelivery: true}
}

// dmChannel is the DM channel discordfake opens for user.
func dmChannel(user string) string { return "9" + user }

// confWire is a message as the REST API takes it.
type confWire struct {
	Content string `json:"content"`
	Embeds  []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	} `json:"embeds"`
	Components []struct {
		Type       int `json:"type"`
		Components []struct {
			Type        int    `json:"type"`
			CustomID    string `json:"custom_id"`
			Label       string `json:"label"`
			Placeholder string `json:"placeholder"`
			Options     []struct {
				Label string `json:"label"`
				Value string `json:"value"`
			} `json:"options"`
		} `json:"components"`
	} `json:"components"`
	Reference *struct {
		MessageID string `json:"message_id"`
	} `json:"message_reference"`
	Nonce        string `json:"nonce"`
	EnforceNonce bool   `json:"enforce_nonce"`
}

// Messages replays the fake's calls for channel: each created message
// (a 502 is the fake's lost reply: the message was made), one per enforced
// nonce, with its edits applied.
func (h *confDiscord) Messages(t *testing.T, channel string) []adaptertest.Message {
	t.Helper()
	type msg struct {
		id   string
		wire confWire
	}
	var msgs []*msg
	byNonce := map[string]*msg{}
	byID := map[string]*msg{}
	prefix := "/channels/" + channel + "/messages"
	for _, c := range h.fake.Calls("POST", prefix) {
		if c.Path != prefix || (c.Status != 200 && c.Status != http.StatusBadGateway) {
			continue
		}
		var w confWire
		if err := json.Unmarshal(c.Body, &w); err != nil {
			t.Fatalf("sent message: %v", err)
		}
		m := byNonce[w.Nonce]
		if m == nil || !w.EnforceNonce || w.Nonce == "" {
			m = &msg{wire: w}
			msgs = append(msgs, m)
			if w.EnforceNonce && w.Nonce != "" {
				byNonce[w.Nonce] = m
			}
		}
		var resp struct {
			ID string `json:"id"`
		}
		if c.Status == 200 && json.Unmarshal(c.Resp, &resp) == nil {
			m.id = resp.ID
			byID[resp.ID] = m
		}
	}
	for _, c := range h.fake.Calls("PATCH", prefix+"/") {
		m := byID[strings.TrimPrefix(c.Path, prefix+"/")]
		if c.Status != 200 || m == nil {
			continue
		}
		// An edit replaces the fields it carries.
		var edit map[string]json.RawMessage
		_ = json.Unmarshal(c.Body, &edit)
		var w confWire
		_ = json.Unmarshal(c.Body, &w)
		if _, ok := edit["content"]; ok {
			m.wire.Content = w.Content
		}
		if _, ok := edit["embeds"]; ok {
			m.wire.Embeds = w.Embeds
		}
		if _, ok := edit["components"]; ok {
			m.wire.Components = w.Components
		}
	}
	var out []adaptertest.Message
	for _, m := range msgs {
		v := confView(m.wire)
		v.Channel, v.ID = channel, m.id
		if m.wire.Reference != nil {
			v.ThreadID = m.wire.Reference.MessageID
		}
		out = append(out, v)
	}
	return out
}

// confView reads a message as a person sees it and lists what Discord
// would refuse (discord.com/developers/docs/resources/message,
// …/interactions/message-components).
func confView(w confWire) adaptertest.Message {
	var v adaptertest.Message
	var text []string
	refuse := func(format string, args ...any) { v.Refused = append(v.Refused, fmt.Sprintf(format, args...)) }
	show := func(where, s string, min, max int) int {
		n := utf8.RuneCountInString(s)
		if n < min || n > max {
			refuse("%s of %d characters (%d–%d allowed)", where, n, min, max)
		}
		if s != "" {
			text = append(text, s)
		}
		return n
	}
	show("content", w.Content, 0, 2000)
	if len(w.Embeds) > 10 {
		refuse("%d embeds (10 allowed)", len(w.Embeds))
	}
	total := 0
	for _, e := range w.Embeds {
		total += show("embed title", e.Title, 0, 256)
		total += show("embed description", e.Description, 0, 4096)
		if len(e.Fields) > 25 {
			refuse("%d embed fields (25 allowed)", len(e.Fields))
		}
		for _, f := range e.Fields {
			total += show("field name", f.Name, 1, 256)
			total += show("field value", f.Value, 1, 1024)
		}
		if e.Footer != nil {
			total += show("footer", e.Footer.Text, 0, 2048)
		}
	}
	if total > 6000 {
		refuse("embeds of %d characters in all (6000 allowed)", total)
	}
	if w.Content == "" && len(w.Embeds) == 0 && len(w.Components) == 0 {
		refuse("an empty message")
	}
	if len(w.Components) > 5 {
		refuse("%d action rows (5 allowed)", len(w.Components))
	}
	ids := map[string]bool{}
	for _, row := range w.Components {
		if len(row.Components) == 0 || len(row.Components) > 5 {
			refuse("an action row of %d components (1–5 allowed)", len(row.Components))
		}
		for _, c := range row.Components {
			if c.CustomID == "" || len(c.CustomID) > 100 || ids[c.CustomID] {
				refuse("custom_id %q: empty, over 100 characters or used twice", c.CustomID)
			}
			ids[c.CustomID] = true
			switch c.Type {
			case 2:
				show("button label", c.Label, 1, 80)
				v.Actions = append(v.Actions, c.CustomID)
			case 3:
				if len(row.Components) != 1 {
					refuse("a select menu shares its row")
				}
				show("menu placeholder", c.Placeholder, 0, 150)
				if len(c.Options) == 0 || len(c.Options) > 25 {
					refuse("%d menu options (1–25 allowed)", len(c.Options))
				}
				for _, o := range c.Options {
					show("option label", o.Label, 1, 100)
					if o.Value == "" || len(o.Value) > 100 {
						refuse("option value %q: empty or over 100 characters", o.Value)
					}
					v.Actions = append(v.Actions, confMenuAction(c.CustomID, o.Value))
				}
			default:
				refuse("unexpected component type %d", c.Type)
			}
		}
	}
	v.Text = strings.Join(text, "\n")
	return v
}

// confMenuAction is how a menu option is pressed: the answer menu's options
// are the answers' action ids; other options are "menuID=value".
func confMenuAction(menuID, value string) string {
	if menuID == "~choice" {
		return value
	}
	return menuID + "=" + value
}

// interaction loads the documented interaction testdata/name with a fresh id
// and token, as Discord gives each interaction, and returns it and the token.
func (h *confDiscord) interaction(t *testing.T, name string) (p map[string]any, token string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(h.seq.Add(1), 10)
	token = "tok-" + id
	p["id"], p["token"] = id, token
	return p, token
}

// Click sends the documented component interaction for action on m,
// signed, to the adapter's interactions endpoint.
func (h *confDiscord) Click(t *testing.T, user string, m adaptertest.Message, action string) {
	t.Helper()
	p, _ := h.interaction(t, "component_button_dm.json")
	p["user"].(map[string]any)["id"] = user
	p["channel_id"] = m.Channel
	p["channel"].(map[string]any)["id"] = m.Channel
	p["message"].(map[string]any)["id"] = m.ID
	p["message"].(map[string]any)["channel_id"] = m.Channel
	data := map[string]any{"component_type": 2, "custom_id": action}
	if menu, value, ok := strings.Cut(action, "="); ok {
		data = map[string]any{"component_type": 3, "custom_id": menu, "values": []string{value}}
	} else if !h.isButton(t, m, action) {
		data = map[string]any{"component_type": 3, "custom_id": "~choice", "values": []string{action}}
	}
	p["data"] = data
	h.post(t, p)
}

// Command sends the documented application command interaction (in the
// guild channel, or as a DM interaction without guild or member) with text
// as the command's text option, and returns the ephemeral answer as
// Discord shows it: the interaction response, or the deferred answer's
// edit.
func (h *confDiscord) Command(t *testing.T, user, channel, name, text string) string {
	t.Helper()
	p, token := h.interaction(t, "command_learn_join.json")
	data := p["data"].(map[string]any)
	data["name"] = name
	data["options"] = []any{map[string]any{"name": "text", "type": 3, "value": text}}
	if channel == "dm" {
		for _, k := range []string{"guild_id", "guild", "guild_locale", "member"} {
			delete(p, k)
		}
		delete(data, "guild_id")
		p["context"] = 1
		p["user"] = map[string]any{"id": user, "username": "user" + user, "discriminator": "0"}
		p["channel_id"] = dmChannel(user)
		p["channel"] = map[string]any{"id": dmChannel(user), "type": 1}
	} else {
		p["channel_id"] = channel
		p["channel"].(map[string]any)["id"] = channel
		p["member"].(map[string]any)["user"].(map[string]any)["id"] = user
	}
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
		} `json:"data"`
	}
	if err := json.Unmarshal(h.post(t, p), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type == 4 {
		return confShown(resp.Data.Content)
	}
	// Deferred: the answer follows as an edit of the original response.
	edit := h.fake.WaitCalls("PATCH", "/webhooks/", 1, func(c discordfake.Call) bool { return strings.Contains(c.Path, "/"+token+"/") })
	var w confWire
	if err := json.Unmarshal(edit[0].Body, &w); err != nil {
		t.Fatal(err)
	}
	return confShown(w.Content)
}

// confShown is Markdown as Discord shows it: a backslash escape shows the
// character it escapes.
func confShown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// post sends an interaction signed with the test key and returns the
// response body of a 200.
func (h *confDiscord) post(t *testing.T, p map[string]any) []byte {
	t.Helper()
	body, _ := json.Marshal(p)
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(h.key, append([]byte(stamp), body...))))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("interaction: status %d: %s", res.StatusCode, out)
	}
	return out
}

// isButton reports whether action is a button of m (else an option of the
// answer menu).
func (h *confDiscord) isButton(t *testing.T, m adaptertest.Message, action string) bool {
	for _, c := range h.fake.Calls("POST", "/channels/"+m.Channel+"/messages") {
		if strings.Contains(string(c.Body), `"custom_id":"`+action+`"`) {
			return true
		}
	}
	return false
}

func (h *confDiscord) RateLimitNext(t *testing.T, user string, d time.Duration) {
	h.fake.FailNext("POST", "/channels/"+dmChannel(user)+"/messages", http.StatusTooManyRequests,
		fmt.Sprintf(`{"message": "You are being rate limited.", "retry_after": %g, "global": false}`, d.Seconds()), 1)
}

func (h *confDiscord) MakeUnreachable(t *testing.T, user string) {
	h.fake.FailNext("POST", "/channels/"+dmChannel(user)+"/messages", http.StatusForbidden,
		`{"message": "Cannot send messages to this user", "code": 50007}`, 100)
}

func (h *confDiscord) LoseNextReply(t *testing.T, user string) {
	h.fake.LoseReplyNext("/channels/"+dmChannel(user)+"/messages", 1)
}
