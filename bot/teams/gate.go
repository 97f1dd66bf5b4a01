package teams

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// maxActivity bounds an inbound activity; real ones are a few kilobytes.
const maxActivity = 1 << 20

// Gate returns the messaging endpoint's front door: it lets through to next
// only a POST whose bearer token v accepts for the activity it carries, and
// answers everything else itself, before anything is read into the core:
// 405 for another method; 401 for a missing or invalid token (signature,
// algorithm, issuer, lifetime, unknown key); 400 for a body that is not an
// activity; 403 for a valid token for another bot, another service URL or
// a key not endorsed for the activity's channel; 503 when the signing keys
// cannot be fetched. The token is never logged.
func (v *Verifier) Gate(log *slog.Logger, next func(w http.ResponseWriter, r *http.Request, act *Activity)) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	refuse := func(w http.ResponseWriter, r *http.Request, err error) {
		var ae *AuthError
		if errors.As(err, &ae) {
			log.InfoContext(r.Context(), "teams: request refused", "status", ae.Status, "reason", ae.Reason)
			http.Error(w, http.StatusText(ae.Status), ae.Status)
			return
		}
		log.ErrorContext(r.Context(), "teams: cannot verify request", "err", err)
		http.Error(w, "cannot verify the request now", http.StatusServiceUnavailable)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id, err := v.authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			refuse(w, r, err)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxActivity+1))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if len(body) > maxActivity {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var act Activity
		if err := json.Unmarshal(body, &act); err != nil || act.Type == "" {
			http.Error(w, "malformed activity", http.StatusBadRequest)
			return
		}
		if err := id.allows(v.appID, act.ServiceURL, act.ChannelID); err != nil {
			refuse(w, r, err)
			return
		}
		next(w, r, &act)
	})
}
