package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// child is a bench fake (Slack's or the Teams connector) running in a child
// process of this executable, driven over its control URL, so that the CPU
// the bench reports for huddlebot is huddlebot's own.
type child struct {
	name    string // what the errors call it: "Slack", "Teams connector"
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	control string
	client  *http.Client
}

// startChild runs this executable with args and decodes into ready the JSON
// line the child prints once it listens (serveControl's); up reports whether
// that line names what the bench needs, control returns its control URL.
func startChild(ctx context.Context, name string, args []string, ready any, up func() bool, control func() string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the fake %s: %w", name, err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		err = json.Unmarshal([]byte(line), ready)
	}
	if err != nil || !up() {
		stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the fake %s did not start (%v): %q", name, err, line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &child{name: name, cmd: cmd, stdin: stdin, control: control(), client: &http.Client{Timeout: time.Minute}}, nil
}

// get decodes into v the JSON the child's control URL answers at path.
func (c *child) get(path string, v any) error {
	res, err := c.client.Get(c.control + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("fake %s control %s: %s", c.name, path, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// Close ends the child: it exits when its stdin closes.
func (c *child) Close() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// serveControl is the child's side: it serves mux on a loopback control
// URL, prints ready(control) to stdout as one JSON line once it listens, and
// runs until stdin closes or ctx ends.
func serveControl(ctx context.Context, stdout io.Writer, stdin io.Reader, mux *http.ServeMux, ready func(control string) any) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	line, _ := json.Marshal(ready("http://" + ln.Addr().String() + "/"))
	fmt.Fprintf(stdout, "%s\n", line)
	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, stdin); close(stdinClosed) }()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	}
	return nil
}
