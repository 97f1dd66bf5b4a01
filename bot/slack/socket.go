package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/huddlebot/huddlebot/bot"
)

// SocketOptions tunes Socket Mode.
type SocketOptions struct {
	// MinBackoff and MaxBackoff bound the wait before reconnecting after the
	// connection loop gave up (default 1 s and 2 min, doubling in between).
	MinBackoff, MaxBackoff time.Duration
	// PingInterval is how long the connection may go without a ping from
	// Slack before it is considered dead (default: slack-go's 30 s).
	PingInterval time.Duration
	// Workers bounds the envelopes handled at once (default 64).
	Workers int
}

// RunSocketMode connects to Slack over Socket Mode with the app-level token
// (xapp-…) and handles envelopes until ctx ends, acknowledging each one
// after it is handled (the answer is committed first). slack-go's
// RunContext reconnects by itself when Slack asks, but returns when a
// reconnect fails for good (revoked or invalid token, a 404); this loop then
// starts it again after a capped exponential backoff, forever.
func (a *Adapter) RunSocketMode(ctx context.Context, appToken string, o SocketOptions) error {
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(2*time.Minute, o.MinBackoff)
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	opts := []slack.Option{slack.OptionAppLevelToken(appToken), slack.OptionHTTPClient(a.http)}
	if a.opts.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.opts.APIURL))
	}
	sopts := []socketmode.Option{socketmode.OptionLog(slogLogger{a.log})}
	if o.PingInterval > 0 {
		sopts = append(sopts, socketmode.OptionPingInterval(o.PingInterval))
	}
	client := socketmode.New(slack.New(a.opts.Token, opts...), sopts...)

	var connected atomic.Bool
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.Workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-client.Events:
				if evt.Type == socketmode.EventTypeConnected {
					connected.Store(true)
				}
				if evt.Request == nil || evt.Request.EnvelopeID == "" {
					a.logSocketEvent(ctx, evt)
					continue
				}
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					a.handleEnvelope(ctx, client, evt)
				}()
			}
		}
	}()
	defer wg.Wait()

	backoff := o.MinBackoff
	for {
		connected.Store(false)
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if connected.Load() {
			backoff = o.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		a.log.WarnContext(ctx, "Socket Mode connection ended; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		if bot.Sleep(ctx, wait) != nil {
			return nil
		}
		backoff = min(2*backoff, o.MaxBackoff)
	}
}

// handleEnvelope handles one Socket Mode request and acknowledges it with
// the same answer an HTTP request would get. A request that failed for a
// passing reason (the database is down) is not acknowledged, so Slack
// delivers it again.
func (a *Adapter) handleEnvelope(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	defer func() {
		// net/http contains a handler's panic; do the same here rather than
		// let one bad envelope take the whole bot down.
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "Socket Mode request panicked; leaving it unacknowledged", "type", evt.Type, "panic", fmt.Sprint(p))
		}
	}()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handleTimeout)
	defer cancel()
	var res any
	var err error
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		res, err = a.handleEvent(hctx, evt.Request.Payload)
	case socketmode.EventTypeInteractive:
		res, err = a.handleInteraction(hctx, evt.Request.Payload)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			err = malformed("slash command envelope")
			break
		}
		res, err = a.handleSlash(hctx, cmd)
	default:
		res = nil
	}
	if err != nil && !errors.Is(err, errMalformed) {
		a.log.ErrorContext(ctx, "Socket Mode request failed; leaving it unacknowledged for a retry",
			"type", evt.Type, "err", err)
		return
	}
	if err != nil {
		a.log.WarnContext(ctx, "malformed Socket Mode request", "type", evt.Type, "err", err)
		res = nil
	}
	if _, ok := res.(string); ok {
		res = nil
	}
	if res == nil {
		err = client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
	} else {
		err = client.AckCtx(ctx, evt.Request.EnvelopeID, res)
	}
	if err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "Socket Mode ack failed", "type", evt.Type, "err", err)
	}
}

func (a *Adapter) logSocketEvent(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.InfoContext(ctx, "Socket Mode connected")
	case socketmode.EventTypeConnectionError:
		a.log.WarnContext(ctx, "Socket Mode connection error", "err", fmt.Sprint(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "Socket Mode: invalid app token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "Socket Mode error", "type", evt.Type)
	default:
		a.log.DebugContext(ctx, "Socket Mode event", "type", evt.Type)
	}
}

// slogLogger feeds slack-go's debug output to slog at debug level.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Output(_ int, msg string) error {
	s.l.Debug(msg, "source", "socketmode")
	return nil
}
