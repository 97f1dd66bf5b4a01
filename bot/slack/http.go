package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/huddlebot/huddlebot/bot"
)

// Slack's request-signing headers.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
)

// SignatureWindow is how far a request's timestamp may be from now.
const SignatureWindow = 5 * time.Minute

// handleTimeout bounds the work done before answering Slack (which gives up
// after 3 s); the transaction is not cut short when Slack hangs up first.
const handleTimeout = 10 * time.Second

// Signature returns Slack's v0 signature of a request: "v0=" and the hex
// HMAC-SHA256 of "v0:TIMESTAMP:BODY" keyed with the signing secret.
func Signature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + timestamp + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// ServeHTTP is the POST /slack/events endpoint (Bolt's convention): Events
// API callbacks (JSON), interactivity payloads (form field payload=) and
// slash commands (form-encoded) on one URL. Every request must carry a valid
// v0 signature no older than five minutes and not seen before (401
// otherwise); a body that cannot be understood gets 400.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	sig, err := a.verifier.verifySignature(r.Header, body)
	if err == nil {
		// The memory above catches a replay to this process; the database
		// one to another replica, or to this one after a restart.
		var fresh bool
		fresh, err = a.bot.ClaimSignature(r.Context(), hex.EncodeToString(sig.sig[:]), time.Unix(sig.expiry, 0))
		if err != nil {
			a.log.ErrorContext(r.Context(), "slack: cannot record the request signature", "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		if !fresh {
			err = errors.New("replayed request (accepted before by this or another replica)")
		}
	}
	if err != nil {
		a.log.WarnContext(r.Context(), "rejected Slack request", "reason", err.Error(), "remote", r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), handleTimeout)
	defer cancel()
	res, err := a.route(ctx, r.Header.Get("Content-Type"), body)
	if err != nil {
		if errors.Is(err, errMalformed) {
			a.log.WarnContext(ctx, "malformed Slack request", "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.log.ErrorContext(ctx, "Slack request failed", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	writeResult(w, res)
}

// route dispatches a verified body by its shape.
func (a *Adapter) route(ctx context.Context, contentType string, body []byte) (any, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || (mt == "" && len(body) > 0 && body[0] == '{') {
		return a.handleEvent(ctx, body)
	}
	if mt != "" && mt != "application/x-www-form-urlencoded" {
		return nil, malformed("unsupported content type %q", mt)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformed("form body: %v", err)
	}
	if p := form.Get("payload"); p != "" {
		return a.handleInteraction(ctx, []byte(p))
	}
	if form.Get("command") != "" {
		return a.handleSlash(ctx, slashFromForm(form))
	}
	if form.Get("ssl_check") == "1" {
		return nil, nil // Slack checking the certificate of a slash command URL
	}
	return nil, malformed("neither an event, an interaction nor a slash command")
}

func writeResult(w http.ResponseWriter, res any) {
	switch v := res.(type) {
	case nil:
		w.WriteHeader(http.StatusOK)
	case string:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			http.Error(w, "cannot encode response", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
}

// slowCommandBudget bounds a slash command that outlived SlowCommand and
// answers through its response_url (a burst to a whole hospital).
const slowCommandBudget = 2 * time.Minute

// handleSlash runs a slash command and returns its ephemeral answer. A
// reply that asks for a form opens it as a modal with the command's
// trigger id (inside Slack's 3 s). A command still running after
// SlowCommand is answered "Working on it…" now and with its reply through
// the command's response_url when it is done, instead of Slack's
// operation_timeout while the work goes on unseen.
func (a *Adapter) handleSlash(ctx context.Context, s slack.SlashCommand) (any, error) {
	cmd, err := commandOf(s)
	if err != nil {
		return nil, err
	}
	rep := a.commandReply(ctx, cmd, s.ResponseURL)
	rep = a.openReplyForm(ctx, cmd.Workspace, cmd.TriggerID, rep)
	if rep.Text == "" && rep.Card == nil {
		return nil, nil
	}
	return ephemeralReply(rep), nil
}

// commandReply runs cmd and returns its reply; if there is a response_url
// to answer through later, the core defers a slow command (bot.Defer): the
// interim reply now, the real one posted to the response_url when done.
func (a *Adapter) commandReply(ctx context.Context, cmd bot.Command, responseURL string) bot.Reply {
	if responseURL == "" {
		return a.bot.HandleCommand(ctx, cmd)
	}
	rep, _ := a.bot.Defer(ctx, bot.Deferral{
		After:  a.opts.SlowCommand,
		Budget: slowCommandBudget,
		Go: func(fn func()) bool {
			return a.async("slow command reply", func(context.Context) { fn() })
		},
		Lang: func(ctx context.Context) string { return a.bot.ActorLang(ctx, cmd.Actor) },
		FollowUp: func(ctx context.Context, rep bot.Reply) {
			rep.Form = nil // its trigger id has expired
			if rep.Text == "" && rep.Card == nil {
				return
			}
			rctx, c := context.WithTimeout(ctx, 15*time.Second)
			defer c()
			a.respond(rctx, responseURL, rep)
		},
	}, func(ctx context.Context) bot.Reply { return a.bot.HandleCommand(ctx, cmd) })
	return rep
}

// openReplyForm opens a reply's form as a modal when there is a trigger id,
// and drops it from the reply once shown.
func (a *Adapter) openReplyForm(ctx context.Context, team, triggerID string, rep bot.Reply) bot.Reply {
	if rep.Form == nil || triggerID == "" {
		return rep
	}
	if err := a.OpenForm(ctx, team, triggerID, rep.Form); err != nil {
		a.log.WarnContext(ctx, "cannot open modal", "form", rep.Form.ID, "err", err)
		return rep
	}
	rep.Form = nil
	rep.Text = ""
	return rep
}

// handleInteraction handles block_actions (clicks and menu choices) and
// view_submission (modal forms). A click is answered once the core has
// committed it; its ephemeral reply goes out afterwards through the
// payload's response_url, or, on the App Home, as a refreshed home view.
func (a *Adapter) handleInteraction(ctx context.Context, raw []byte) (any, error) {
	cb, err := parseInteraction(raw)
	if err != nil {
		return nil, err
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		home := cb.View.Type == slack.VTHomeTab
		for _, act := range cb.ActionCallback.BlockActions {
			click := clickOf(cb, act)
			if click.ActionID == "" {
				continue
			}
			rep := a.bot.HandleClick(ctx, click)
			rep = a.openReplyForm(ctx, click.Workspace, cb.TriggerID, rep)
			switch {
			case home:
				notice := rep.Text
				a.async("home", func(ctx context.Context) { a.refreshHome(ctx, click.Actor, notice) })
			case cb.ResponseURL != "" && (rep.Text != "" || rep.Card != nil):
				u := cb.ResponseURL
				a.async("response_url", func(ctx context.Context) { a.respond(ctx, u, rep) })
			}
		}
		return nil, nil
	case slack.InteractionTypeViewSubmission:
		sub, err := submissionOf(cb)
		if err != nil {
			return nil, err
		}
		rep := a.bot.HandleSubmit(ctx, sub)
		if rep.Text == "" {
			return nil, nil // closes the modal
		}
		title := ""
		if cb.View.Title != nil {
			title = cb.View.Title.Text
		}
		return slack.NewUpdateViewSubmissionResponse(resultView(title, rep)), nil
	}
	return nil, nil
}

// handleEvent answers url_verification and handles Events API callbacks
// once per event_id (Slack redelivers when it misses an answer).
func (a *Adapter) handleEvent(ctx context.Context, raw []byte) (any, error) {
	env, in, err := parseEnvelope(raw)
	if err != nil {
		return nil, err
	}
	switch env.Type {
	case "url_verification":
		return map[string]string{"challenge": env.Challenge}, nil
	case "event_callback":
	default:
		return nil, nil
	}
	seen, err := a.bot.SeenEvent(ctx, Platform, env.EventID)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", env.EventID, err)
	}
	if seen {
		return nil, nil
	}
	switch in.Type {
	case "app_home_opened":
		if (in.Tab != "home" && in.Tab != "") || in.User == "" {
			return nil, nil
		}
		actor := bot.Actor{Platform: Platform, Workspace: env.TeamID, UserID: in.User}
		a.async("home", func(ctx context.Context) { a.refreshHome(ctx, actor, "") })
	}
	return nil, nil
}

// refreshHome publishes a member's App Home, with the reply to their last
// click (if any) on top.
func (a *Adapter) refreshHome(ctx context.Context, actor bot.Actor, notice string) {
	ws, m, err := a.bot.Resolve(ctx, actor)
	if err != nil {
		a.log.ErrorContext(ctx, "home: resolve member", "user", actor.UserID, "err", err)
		return
	}
	c, err := a.bot.HomeCard(ctx, &bot.Req{Actor: actor, Workspace: ws, Member: m})
	if err != nil {
		a.log.ErrorContext(ctx, "home: build view", "user", actor.UserID, "err", err)
		return
	}
	if notice != "" {
		c.Body = strings.TrimSpace("> " + strings.ReplaceAll(notice, "\n", "\n> ") + "\n\n" + c.Body)
	}
	if err := a.PublishHome(ctx, actor.Workspace, actor.UserID, c); err != nil {
		a.log.WarnContext(ctx, "home: publish", "user", actor.UserID, "err", err)
	}
}

// respond posts a click's ephemeral reply to the payload's response_url.
func (a *Adapter) respond(ctx context.Context, responseURL string, rep bot.Reply) {
	e := ephemeralReply(rep)
	f := false
	e.ReplaceOriginal = &f
	if err := a.postResponse(ctx, responseURL, e); err != nil {
		a.log.WarnContext(ctx, "response_url", "err", err)
	}
}

// ReplyToClick implements bot.ClickReplier: it replaces the clicked message
// with card through the click's response_url (replace_original), or, with
// no card, posts text that only the clicker sees. A response_url is not a
// Web API method, so this is under none of the tiers that pace chat.update;
// Slack accepts up to five posts to one within 30 minutes of the click.
func (a *Adapter) ReplyToClick(ctx context.Context, responseURL string, card *bot.Card, text string) error {
	e := ephemeralReply(bot.Reply{Text: text})
	replace := card != nil
	if replace {
		e = &ephemeral{Text: fallbackText(card), Blocks: renderCard(card, maxMessageBlocks)}
	}
	e.ReplaceOriginal = &replace
	return a.postResponse(ctx, responseURL, e)
}

// postResponse posts payload to a response_url on Slack's hosts; a
// redirect is not followed and counts as a failure.
func (a *Adapter) postResponse(ctx context.Context, responseURL string, payload *ephemeral) error {
	if !a.allowedResponseURL(responseURL) {
		return fmt.Errorf("refusing response_url outside Slack (host %q)", hostOf(responseURL))
	}
	b, _ := json.Marshal(payload) // blocks and strings only: cannot fail
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.respHTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var answer struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	switch {
	case res.StatusCode/100 == 2 && json.Unmarshal(body, &answer) == nil && answer.OK != nil && !*answer.OK:
		// Slack answers an expired or used-up response_url this way too.
		return fmt.Errorf("response_url refused the reply: %s", answer.Error)
	case res.StatusCode/100 == 3:
		return fmt.Errorf("response_url redirected (status %d to %q); not following", res.StatusCode, hostOf(res.Header.Get("Location")))
	case res.StatusCode/100 != 2:
		return fmt.Errorf("response_url refused the reply: status %d", res.StatusCode)
	}
	return nil
}

// allowedResponseURL accepts Slack's hooks (https, *.slack.com) and the
// configured API host (tests, proxies), so a payload cannot aim the bot's
// requests elsewhere.
func (a *Adapter) allowedResponseURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Scheme == "https" && (u.Host == "slack.com" || strings.HasSuffix(u.Host, ".slack.com")) {
		return true
	}
	return a.opts.APIURL != "" && u.Host == a.apiHost
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

// verifier checks Slack's request signatures and remembers the ones it
// accepted until they fall out of the window, so a replayed request is
// refused. This memory is the process's own; ServeHTTP also records each
// accepted signature in the database (request_signature), which every
// replica shares and which outlives a restart.
type verifier struct {
	secret []byte
	now    func() time.Time

	mu    sync.Mutex
	seen  map[[sha256.Size]byte]int64 // signature → expiry (unix s)
	order []seenSig
}

type seenSig struct {
	sig    [sha256.Size]byte
	expiry int64
}

func newVerifier(secret string, now func() time.Time) *verifier {
	return &verifier{secret: []byte(secret), now: now, seen: map[[sha256.Size]byte]int64{}}
}

// verify returns nil for a correctly signed, fresh, first-seen request.
func (v *verifier) verify(h http.Header, body []byte) error {
	_, err := v.verifySignature(h, body)
	return err
}

// verifySignature is verify that also returns the accepted signature and
// when its window ends, for the replay memory shared by the replicas.
func (v *verifier) verifySignature(h http.Header, body []byte) (seenSig, error) {
	if len(v.secret) == 0 {
		return seenSig{}, errors.New("no signing secret configured")
	}
	tsHeader, sigHeader := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if tsHeader == "" || sigHeader == "" {
		return seenSig{}, errors.New("missing signature headers")
	}
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return seenSig{}, errors.New("bad timestamp")
	}
	now := v.now().Unix()
	if d := now - ts; d > int64(SignatureWindow/time.Second) || d < -int64(SignatureWindow/time.Second) {
		return seenSig{}, errors.New("stale timestamp")
	}
	hexSig, ok := strings.CutPrefix(sigHeader, "v0=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return seenSig{}, errors.New("bad signature format")
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(hexSig)); err != nil {
		return seenSig{}, errors.New("bad signature format")
	}
	m := hmac.New(sha256.New, v.secret)
	m.Write([]byte("v0:" + tsHeader + ":"))
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), got[:]) {
		return seenSig{}, errors.New("signature mismatch")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for len(v.order) > 0 && v.order[0].expiry < now {
		if v.seen[v.order[0].sig] == v.order[0].expiry {
			delete(v.seen, v.order[0].sig)
		}
		v.order = v.order[1:]
	}
	if exp, ok := v.seen[got]; ok && exp >= now {
		return seenSig{}, errors.New("replayed request")
	}
	exp := ts + int64(SignatureWindow/time.Second)
	v.seen[got] = exp
	v.order = append(v.order, seenSig{sig: got, expiry: exp})
	return seenSig{sig: got, expiry: exp}, nil
}
