package store_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/huddlebot/huddlebot/store"
)

// TestRetryableByType: transient failures are recognised by their type or
// errno however they are wrapped, and an error is never classified by its
// text — a message that merely says "connection refused" (a user's typed
// text in an error, another system's message) is not a dropped connection.
func TestRetryableByType(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"dial refused", refused, true},
		{"dial refused, wrapped", fmt.Errorf("begin: %w", refused), true},
		{"reset errno", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe errno", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"EOF", fmt.Errorf("read: %w", io.EOF), true},
		{"serialization failure", &pq.Error{Code: "40001"}, true},
		{"admin shutdown", &pq.Error{Code: "57P01"}, true},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"only the words connection refused", errors.New("connection refused"), false},
		{"only the words broken pipe", errors.New("write: broken pipe"), false},
		{"only the words connection reset", errors.New("connection reset by peer"), false},
		{"nil", nil, false},
	} {
		if got := store.Retryable(tt.err); got != tt.want {
			t.Errorf("%s: Retryable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
