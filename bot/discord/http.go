package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxBody bounds an interaction payload; real ones are a few kilobytes.
const maxBody = 1 << 20

// signatureWindow is how old (or how far ahead) a signed timestamp may be.
const signatureWindow = 5 * time.Minute

// Handler serves POST /discord/interactions, Discord's "Interactions
// Endpoint URL": 401 unless X-Signature-Ed25519 is a valid signature of
// X-Signature-Timestamp + body by DISCORD_PUBLIC_KEY and the timestamp is
// within 5 minutes (Discord sends invalid signatures on purpose to check);
// 400 for a body that is not an interaction; 409 for an interaction id seen
// before; otherwise 200 with the interaction response (PONG for a PING).
func (a *Adapter) Handler() http.Handler { return http.HandlerFunc(a.serveInteraction) }

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if a.publicKey == nil {
		http.Error(w, "HTTP interactions are not configured (DISCORD_PUBLIC_KEY)", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if !a.verify(r.Header.Get("X-Signature-Ed25519"), r.Header.Get("X-Signature-Timestamp"), body) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	if len(body) > maxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil || i.Type == 0 {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	resp, sent, err := a.respond(r.Context(), &i)
	if err != nil {
		sent(false)
		if errors.Is(err, errReplay) {
			http.Error(w, "interaction already handled", http.StatusConflict)
			return
		}
		a.log.WarnContext(r.Context(), "discord: bad interaction", "type", int(i.Type), "err", err)
		http.Error(w, "malformed interaction: "+err.Error(), http.StatusBadRequest)
		return
	}
	out, err := json.Marshal(resp)
	if err != nil {
		sent(false)
		a.log.ErrorContext(r.Context(), "discord: encode interaction response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, werr := w.Write(out)
	if f, ok := w.(http.Flusher); ok && werr == nil {
		f.Flush()
	}
	sent(werr == nil)
}

// verify checks Discord's request signature: Ed25519 over timestamp + body,
// with the timestamp (unix seconds) inside the window.
func (a *Adapter) verify(sigHex, ts string, body []byte) bool {
	if sigHex == "" || ts == "" {
		return false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := a.opts.Now().Sub(time.Unix(secs, 0))
	if age > signatureWindow || age < -signatureWindow {
		return false
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	return ed25519.Verify(a.publicKey, msg, sig)
}
