// Package sandbox is the local web chat adapter: the embedded default when
// no platform token is configured. It shows exactly what the bot would do in
// Slack — DMs, channels, buttons, ephemeral replies — and offers a simulated
// clock so a trainer can preview a week of prompts in a minute.
//
// Its JSON API under /sandbox/api/ is a documented contract (see README);
// the page at / is built on it.
package sandbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
)

// Platform and workspace names of the sandbox.
const (
	Platform  = "sandbox"
	Workspace = "local"
)

// Adapter delivers messages by marking them visible in the sandbox chat (the
// message table is the chat).
type Adapter struct{}

// Platform implements bot.Adapter.
func (Adapter) Platform() string { return Platform }

// Deliver implements bot.Adapter.
func (Adapter) Deliver(_ context.Context, out *bot.Outbound) (bot.Sent, error) {
	ch := out.Channel
	if out.PostedChannel != "" {
		ch = out.PostedChannel // an edit stays where the message is
	} else if ch == "dm" {
		ch = "dm:" + out.UserID
	}
	return bot.Sent{Channel: ch, ID: strconv.FormatInt(out.MessageID, 10)}, nil
}

// Clock is the sandbox's simulated clock: real time plus an offset that
// only moves forward.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *Clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Server serves the sandbox chat page and its JSON API.
type Server struct {
	Bot   *bot.Bot
	Clock *Clock
	// TickStep is the granularity of the simulated clock's catch-up when it
	// advances (default 15 minutes).
	TickStep time.Duration
	// Public serves clients that are not on this computer, and any Host
	// name (HUDDLEBOT_SANDBOX_PUBLIC): the operator's explicit choice, since
	// the sandbox has no sign-in. See guard.
	Public bool

	advanceMu sync.Mutex
}

// New returns a sandbox over b, installs its adapter and simulated clock.
func New(b *bot.Bot) *Server {
	c := &Clock{}
	b.SetClock(c.Now)
	b.AddAdapter(Adapter{})
	return &Server{Bot: b, Clock: c, TickStep: 15 * time.Minute}
}

//go:embed static
var static embed.FS

// Handler returns the routes: "/" (the page, its assets) and "/sandbox/api/",
// behind the checks that keep the sandbox local (guard.go).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/api/people", s.people)
	mux.HandleFunc("POST /sandbox/api/people", s.addPerson)
	mux.HandleFunc("GET /sandbox/api/channels", s.channels)
	mux.HandleFunc("POST /sandbox/api/command", s.command)
	mux.HandleFunc("GET /sandbox/api/messages", s.messages)
	mux.HandleFunc("POST /sandbox/api/click", s.click)
	mux.HandleFunc("POST /sandbox/api/submit", s.submit)
	mux.HandleFunc("GET /sandbox/api/clock", s.getClock)
	mux.HandleFunc("POST /sandbox/api/clock", s.setClock)
	sub, _ := fs.Sub(static, "static")
	mux.Handle("GET /", http.FileServerFS(sub))
	return s.guard(mux)
}

// Person is a member as the sandbox API shows it.
type Person struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Department  string   `json:"department"`
	Permissions []string `json:"permissions"`
	TimeZone    string   `json:"timezone,omitempty"`
	Language    string   `json:"language,omitempty"` // the member's own; "" = the workspace default
	NextPrompt  string   `json:"next_prompt,omitempty"`
	// NextPromptText says when that is in the person's own time and why
	// not sooner ("Monday at 08:30 — today (Saturday) is not one of your
	// work days …"), as /learn stats does.
	NextPromptText string `json:"next_prompt_text,omitempty"`
	// Words are the chat pane's own words around the bot's messages in the
	// language the bot speaks to the person, as a Slack client set to it
	// shows them ("Only visible to you", "(edited)"), by the names the page
	// uses, and "lang"; the simulator's controls stay English.
	Words map[string]string `json:"words"`
}

// chatWords are the catalogue keys of Person.Words; message_channel has
// "{channel}" where the page puts the channel's name.
var chatWords = map[string]string{
	"only_you": "sandbox.chat.only_you", "in_reply_to": "sandbox.chat.in_reply_to",
	"dismiss": "sandbox.chat.dismiss", "dismiss_title": "sandbox.chat.dismiss_title",
	"edited": "sandbox.chat.edited", "edited_title": "sandbox.chat.edited_title",
	"reply": "sandbox.chat.reply", "replies": "sandbox.chat.replies", "in_thread": "sandbox.chat.in_thread",
	"choose": "card.choose", "cancel": "form.cancel", "send": "form.send",
	"message_dm": "sandbox.chat.message_dm", "message_channel": "sandbox.chat.message_channel",
	"next_prompt": "sandbox.chat.next_prompt", "moved_to": "sandbox.chat.moved_to",
}

type demo struct {
	id, name, role, dept string
	perms                []member.Permission
	onDuty               bool
	lang                 string // "" = the workspace default
}

var demoPeople = []demo{
	{"nina", "Nina Patel", "nurse", "4west", nil, false, ""},
	{"pete", "Dr. Pete Okafor", "physician", "4west", nil, false, ""},
	{"maya", "Maya Chen", "ma", "clinic", nil, false, ""},
	{"fran", "Fran Miller", "front_desk", "clinic", nil, false, ""},
	// Reads her lessons, and hears the bot, in Spanish (as a roster would set).
	{"lucia", "Lucía Hernández", "front_desk", "clinic", nil, false, "es"},
	{"bill", "Bill Romero", "billing", "revenue", nil, false, ""},
	{"sam", "Sam Reyes", "nurse", "4west", []member.Permission{member.PermSuperUser}, true, ""},
	{"sue", "Sue Park", "nurse", "4west", []member.Permission{member.PermSuperUser}, true, ""},
	{"ed", "Ed Novak", "nurse", "5east", []member.Permission{member.PermSuperUser}, false, ""},
	{"tara", "Tara Jones", "nurse", "education", []member.Permission{member.PermTrainer}, false, ""},
}

// Seed adds the demo people (one per default role, super-users and a
// trainer) and the demo channels, when the sandbox workspace has no members.
func (s *Server) Seed(ctx context.Context) error {
	ws, err := s.workspace(ctx)
	if err != nil {
		return err
	}
	existing, err := s.Bot.Members(ctx, store.MemberFilter{WorkspaceID: ws.ID, Limit: 1})
	if err != nil {
		return err
	}
	for _, ch := range []string{"#4west", "#5east", "#clinic", "#trainers", "#helpdesk"} {
		if err := s.Bot.EnsureChannel(ctx, ws.ID, ch, ch); err != nil {
			return err
		}
	}
	if len(existing) > 0 {
		return nil
	}
	var ms []bot.NewMember
	for _, p := range demoPeople {
		perms := p.perms
		if perms == nil {
			perms = []member.Permission{}
		}
		m := bot.NewMember{MemberUpsert: store.MemberUpsert{WorkspaceID: ws.ID, UserID: p.id, Name: p.name, Role: p.role,
			Department: p.dept, Permissions: perms}}
		if p.dept == "clinic" || p.dept == "4west" || p.dept == "5east" {
			m.HomeChannel, m.OnDuty = "#"+p.dept, p.onDuty
		}
		ms = append(ms, m)
	}
	ids, err := s.Bot.AddMembers(ctx, ms)
	if err != nil {
		return err
	}
	for i, p := range demoPeople {
		if p.lang != "" {
			if _, err := s.Bot.DB.MemberSetLanguage(ctx, s.Bot.DB, ids[i], p.lang, member.LanguageRoster); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) workspace(ctx context.Context) (*store.Workspace, error) {
	return s.Bot.Workspace(ctx, Platform, Workspace)
}

func (s *Server) people(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, err := s.workspace(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Bot.Members(ctx, store.MemberFilter{WorkspaceID: ws.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]Person, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.person(r.Context(), m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) person(ctx context.Context, m *member.Member) Person {
	p := Person{ID: m.UserID, Name: m.Name, Role: m.Role, Department: m.Department, Permissions: []string{},
		TimeZone: m.Schedule.Location.String(), Language: m.Language}
	l := i18n.For(s.Bot.LangOf(m.Language))
	p.Words = map[string]string{"lang": l.Lang()}
	for name, key := range chatWords {
		p.Words[name] = l.T(key, i18n.Data{"Channel": "{channel}"})
	}
	for _, perm := range m.Permissions {
		p.Permissions = append(p.Permissions, string(perm))
	}
	if m.Joined {
		if n := m.Schedule.NextDelivery(s.Bot.Now()); !n.IsZero() {
			p.NextPrompt = n.Format(time.RFC3339)
		}
		p.NextPromptText = s.Bot.NextText(ctx, m)
	}
	return p
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func (s *Server) addPerson(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string   `json:"name"`
		Role        string   `json:"role"`
		Department  string   `json:"department"`
		Permissions []string `json:"permissions"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		writeError(w, http.StatusBadRequest, "name: required")
		return
	}
	if in.Role != "" && !slices.Contains(s.Bot.Content().Roles, in.Role) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("role: unknown role %q (roles: %s)", in.Role, strings.Join(s.Bot.Content().Roles, ", ")))
		return
	}
	perms, err := member.ParsePermissions(strings.Join(in.Permissions, ","))
	if err != nil {
		writeError(w, http.StatusBadRequest, "permissions: "+err.Error())
		return
	}
	if perms == nil {
		perms = []member.Permission{}
	}
	ctx := r.Context()
	ws, err := s.workspace(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(in.Name), "-"), "-")
	if base == "" {
		base = "person"
	}
	var m *member.Member
	for i := 0; i < 100 && m == nil; i++ {
		uid := base
		if i > 0 {
			uid = fmt.Sprintf("%s-%d", base, i+1)
		}
		if _, err := s.Bot.Member(ctx, ws.ID, uid); err == nil {
			continue
		}
		ids, err := s.Bot.AddMembers(ctx, []bot.NewMember{{MemberUpsert: store.MemberUpsert{WorkspaceID: ws.ID, UserID: uid,
			Name: in.Name, Role: in.Role, Department: strings.ToLower(in.Department), Permissions: perms}}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if m, err = s.Bot.MemberByID(ctx, ids[0]); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if m == nil {
		writeError(w, http.StatusConflict, "name: too many people with that name")
		return
	}
	writeJSON(w, http.StatusCreated, s.person(r.Context(), m))
}

func (s *Server) channels(w http.ResponseWriter, r *http.Request) {
	ws, err := s.workspace(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	chs, err := s.Bot.Channels(r.Context(), ws.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if chs == nil {
		chs = []string{}
	}
	writeJSON(w, http.StatusOK, chs)
}

// known returns the member for a sandbox user id, or writes 404.
func (s *Server) known(w http.ResponseWriter, r *http.Request, user string) (*store.Workspace, *member.Member, bool) {
	ws, err := s.workspace(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	if user == "" {
		writeError(w, http.StatusBadRequest, "user: required")
		return nil, nil, false
	}
	m, err := s.Bot.Member(r.Context(), ws.ID, user)
	if store.IsNotFound(err) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("user: no person %q (see GET /sandbox/api/people)", user))
		return nil, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return ws, m, true
}

var channelRe = regexp.MustCompile(`^#[a-z0-9][a-z0-9_-]{0,79}$`)

func (s *Server) command(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User    string `json:"user"`
		Channel string `json:"channel"`
		Text    string `json:"text"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	ws, m, ok := s.known(w, r, in.User)
	if !ok {
		return
	}
	ch := strings.ToLower(strings.TrimSpace(in.Channel))
	if ch == "" {
		ch = "dm"
	}
	if ch != "dm" {
		if !strings.HasPrefix(ch, "#") {
			ch = "#" + ch
		}
		if !channelRe.MatchString(ch) {
			writeError(w, http.StatusBadRequest, "channel: use \"dm\" or a name like \"#4west\"")
			return
		}
		if err := s.Bot.EnsureChannel(r.Context(), ws.ID, ch, ch); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	text := strings.TrimSpace(in.Text)
	if !strings.HasPrefix(text, "/") {
		writeJSON(w, http.StatusOK, map[string]any{"reply": s.Bot.Localizer(m).T("sandbox.slash", nil)})
		return
	}
	name, rest, _ := strings.Cut(text[1:], " ")
	rep := s.Bot.HandleCommand(r.Context(), bot.Command{Actor: s.actor(m), Channel: ch, Name: strings.ToLower(name), Text: rest})
	s.settle(r.Context())
	writeJSON(w, http.StatusOK, replyJSON(rep))
}

func (s *Server) actor(m *member.Member) bot.Actor {
	return bot.Actor{Platform: Platform, Workspace: Workspace, UserID: m.UserID, UserName: m.Name}
}

// settle waits until the messages queued by a request are visible, so the
// API reads its own writes.
func (s *Server) settle(ctx context.Context) {
	if s.Bot.Jobs != nil {
		if err := s.Bot.Jobs.WaitIdle(ctx, 10*time.Second); err != nil {
			s.Bot.Log.WarnContext(ctx, "sandbox: jobs still running", "err", err)
		}
	}
}

func replyJSON(rep bot.Reply) map[string]any {
	out := map[string]any{"reply": rep.Text}
	if rep.Card != nil {
		if rep.Text == "" {
			out["reply"] = rep.Card.Text()
		}
		// The page renders the card (fields as a grid); "reply" stays the
		// plain-text contract.
		out["card"] = rep.Card
	}
	if rep.Form != nil {
		out["form"] = rep.Form
	}
	return out
}

// MessageView is a message as the sandbox API shows it.
type MessageView struct {
	ID      int64        `json:"id"`
	Channel string       `json:"channel"`
	Text    string       `json:"text"`
	Actions []ActionView `json:"actions"`
	Card    *bot.Card    `json:"card"`
	Thread  int64        `json:"thread,omitempty"`
	Edited  bool         `json:"edited,omitempty"`
	At      string       `json:"at"`
}

// ActionView is a button.
type ActionView struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Style string `json:"style,omitempty"`
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ws, m, ok := s.known(w, r, q.Get("user"))
	if !ok {
		return
	}
	ch := strings.ToLower(q.Get("channel"))
	if ch != "" && ch != "dm" && !strings.HasPrefix(ch, "#") {
		ch = "#" + ch
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	msgs, err := s.Bot.VisibleMessages(r.Context(), ws.ID, m.ID, ch, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]MessageView, 0, len(msgs))
	for _, msg := range msgs {
		c, err := bot.ParseCard(msg.Card)
		if err != nil {
			continue
		}
		v := MessageView{ID: msg.ID, Channel: msg.Channel, Text: c.Text(), Actions: []ActionView{}, Card: c,
			Thread: msg.ThreadOf, Edited: msg.Revision > 1, At: time.UnixMilli(msg.CreatedAt).UTC().Format(time.RFC3339)}
		for _, a := range c.AllActions() {
			v.Actions = append(v.Actions, ActionView{ID: a.ID, Label: a.Label, Style: a.Style})
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) click(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User    string    `json:"user"`
		Message messageID `json:"message"`
		Action  string    `json:"action"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	ws, m, ok := s.known(w, r, in.User)
	if !ok {
		return
	}
	msg, err := s.Bot.Message(r.Context(), int64(in.Message))
	if err != nil || msg.WorkspaceID != ws.ID || msg.SentRevision == 0 || (msg.Channel == "dm" && msg.MemberID != m.ID) {
		writeError(w, http.StatusNotFound, "message: not visible to this user")
		return
	}
	// A button that is no longer on the card (someone else claimed first,
	// the page was stale) is still delivered, as Slack and Discord deliver
	// clicks on an outdated view: the bot decides, and says what happened.
	rep := s.Bot.HandleClick(r.Context(), bot.Click{Actor: s.actor(m), Channel: msg.Channel, ActionID: in.Action})
	s.settle(r.Context())
	writeJSON(w, http.StatusOK, replyJSON(rep))
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User string `json:"user"`
		Form string `json:"form"`
		Text string `json:"text"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	_, m, ok := s.known(w, r, in.User)
	if !ok {
		return
	}
	rep := s.Bot.HandleSubmit(r.Context(), bot.Submission{Actor: s.actor(m), FormID: in.Form, Text: in.Text})
	s.settle(r.Context())
	writeJSON(w, http.StatusOK, replyJSON(rep))
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"now": s.Clock.Now().UTC().Format(time.RFC3339)})
}

// setClock moves the simulated clock forward ({"advance":"26h"}, or
// {"to":"next","user":ID} for that person's next delivery) and runs all
// work that falls due on the way before it returns.
func (s *Server) setClock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Advance string `json:"advance"`
		To      string `json:"to"`
		User    string `json:"user"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	var d time.Duration
	var moved string
	switch {
	case in.To == "next":
		_, m, ok := s.known(w, r, in.User)
		if !ok {
			return
		}
		if !m.Joined {
			writeError(w, http.StatusBadRequest, "user: has not joined, so has no delivery time")
			return
		}
		n := m.Schedule.NextDelivery(s.Clock.Now())
		if n.IsZero() {
			writeError(w, http.StatusBadRequest, "user: no delivery scheduled in the next two weeks")
			return
		}
		d = n.Sub(s.Clock.Now()) + time.Second
		// Say where the clock goes, in the person's time, and why it skips
		// the rest of today (a weekend, work hours over) — the jump to
		// Monday is otherwise a mystery.
		moved = m.Schedule.DescribeNextIn(s.Bot.Localizer(m), s.Clock.Now(), true)
	case in.Advance != "":
		var err error
		d, err = parseDuration(in.Advance)
		if err != nil || d <= 0 || d > 60*24*time.Hour {
			writeError(w, http.StatusBadRequest, "advance: a positive duration up to 60 days, like \"90m\", \"26h\" or \"3d\"")
			return
		}
	default:
		writeError(w, http.StatusBadRequest, "advance: required (e.g. {\"advance\":\"26h\"})")
		return
	}
	if err := s.Advance(r.Context(), d); err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"now": s.Clock.Now().UTC().Format(time.RFC3339)}
	if moved != "" {
		out["moved_to"] = moved
	}
	writeJSON(w, http.StatusOK, out)
}

// Advance moves the simulated clock forward by d in steps, running the
// scheduler and waiting for the delivery jobs at each step, so everything
// that falls due on the way has happened, in order, when it returns.
func (s *Server) Advance(ctx context.Context, d time.Duration) error {
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	for d > 0 {
		step := min(d, s.TickStep)
		s.Clock.advance(step)
		d -= step
		if err := s.Bot.Tick(ctx, s.Clock.Now()); err != nil {
			return err
		}
		if s.Bot.Jobs != nil {
			if err := s.Bot.Jobs.WaitIdle(ctx, 30*time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

const maxBody = 64 << 10

// messageID is a message's id in a request: the number /messages returns,
// or the same digits as a string (what a script or a form sends as easily).
type messageID int64

// UnmarshalJSON implements json.Unmarshaler.
func (m *messageID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a message id from /sandbox/api/messages (a number), got %s", b)
	}
	*m = messageID(n)
	return nil
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.Bot.Log.ErrorContext(r.Context(), "sandbox request failed", "path", r.URL.Path, "err", err)
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) {
		status = http.StatusServiceUnavailable
	}
	writeError(w, status, "internal error; see the server log")
}
