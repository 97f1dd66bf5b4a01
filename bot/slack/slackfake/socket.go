package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketState is the fake's Socket Mode side: apps.connections.open hands
// out ws://…/socket, where the fake says hello, pushes envelopes and
// collects acknowledgements.
type socketState struct {
	mu       sync.Mutex
	failOpen int    // apps.connections.open answers still to fail
	failCode string // with this error
	opened   int    // successful apps.connections.open
	conns    map[*websocket.Conn]chan []byte
	queue    [][]byte // envelopes waiting for a connection
	acks     map[string]json.RawMessage
	ackCh    chan struct{}
	seq      int
	host     string
}

func (st *socketState) init() {
	st.conns = map[*websocket.Conn]chan []byte{}
	st.acks = map[string]json.RawMessage{}
	st.ackCh = make(chan struct{})
}

// FailSocketOpens makes the next n apps.connections.open calls fail with a
// Slack error code (e.g. "invalid_auth", which ends slack-go's RunContext).
func (s *Server) FailSocketOpens(n int, code string) {
	s.socket.mu.Lock()
	defer s.socket.mu.Unlock()
	s.socket.failOpen, s.socket.failCode = n, code
}

// SocketOpens returns how many Socket Mode connections were handed out.
func (s *Server) SocketOpens() int {
	s.socket.mu.Lock()
	defer s.socket.mu.Unlock()
	return s.socket.opened
}

// DropSockets closes every open Socket Mode connection.
func (s *Server) DropSockets() { s.socket.closeAll() }

// socketOpen answers apps.connections.open; s.mu is held.
func (s *Server) socketOpen() map[string]any {
	st := &s.socket
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.failOpen > 0 {
		st.failOpen--
		return fail(st.failCode)
	}
	st.opened++
	return map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket"}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) socketHandler(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	st := &s.socket
	out := make(chan []byte, 64)
	st.mu.Lock()
	st.conns[conn] = out
	queued := st.queue
	st.queue = nil
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		delete(st.conns, conn)
		st.mu.Unlock()
		conn.Close()
	}()

	hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"fake","approximate_connection_time":3600},"connection_info":{"app_id":"A123456"}}`
	if conn.WriteMessage(websocket.TextMessage, []byte(hello)) != nil {
		return
	}
	for _, q := range queued {
		out <- q
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string          `json:"envelope_id"`
				Payload    json.RawMessage `json:"payload"`
			}
			if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID == "" {
				continue
			}
			st.mu.Lock()
			st.acks[ack.EnvelopeID] = ack.Payload
			close(st.ackCh)
			st.ackCh = make(chan struct{})
			st.mu.Unlock()
		}
	}()
	ping := time.NewTicker(500 * time.Millisecond)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case msg, ok := <-out:
			if !ok {
				return
			}
			if conn.WriteMessage(websocket.TextMessage, msg) != nil {
				return
			}
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}
}

func (st *socketState) closeAll() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for c, out := range st.conns {
		close(out)
		delete(st.conns, c)
	}
}

// SocketSend pushes an envelope of type typ ("events_api", "interactive",
// "slash_commands") with the payload to a connected client (or the next one
// to connect) and returns its envelope id.
func (s *Server) SocketSend(typ string, payload json.RawMessage) string {
	st := &s.socket
	st.mu.Lock()
	defer st.mu.Unlock()
	st.seq++
	id := fmt.Sprintf("env-%d", st.seq)
	env, _ := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""})
	for _, out := range st.conns {
		out <- env
		return id
	}
	st.queue = append(st.queue, env)
	return id
}

// WaitAck waits for the envelope's acknowledgement and returns its payload
// (null when it had none).
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (json.RawMessage, error) {
	st := &s.socket
	for {
		st.mu.Lock()
		p, ok := st.acks[envelopeID]
		ch := st.ackCh
		st.mu.Unlock()
		if ok {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("envelope %s not acknowledged: %w", envelopeID, ctx.Err())
		case <-ch:
		}
	}
}
