// Command huddlebot is the self-hosted chat-ops bot that keeps healthcare
// staff fluent in their EHR: daily microlearning, tech huddles, update
// bursts and ask-a-super-user, in Slack, Discord or a local sandbox chat.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // a problem the user can fix (bad input), with a message
	exitUsage = 2
)

// env is what a subcommand runs with.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// fail reports err as "huddlebot NAME: err" and returns exitFail.
func (e *env) fail(name string, err error) int {
	fmt.Fprintf(e.stderr, "huddlebot %s: %v\n", name, err)
	return exitFail
}

// subcommand is one CLI verb; run returns the exit code.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

var subcommands = map[string]*subcommand{}

func register(name, summary string, run func(ctx context.Context, e *env, args []string) int) {
	subcommands[name] = &subcommand{name: name, summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sc, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "huddlebot: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return sc.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "huddlebot — daily EHR microlearning, tech huddles, update bursts and ask-a-super-user in chat.")
	fmt.Fprintln(w, "\nUsage: huddlebot COMMAND [flags]\n\nCommands:")
	var names []string
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, subcommands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command has --help. Configuration comes from HUDDLEBOT_* / SLACK_* / DISCORD_* variables or flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 a problem you can fix (the message names the file, line and field), 2 usage error.")
}

// flags returns a flag set for a subcommand, with the configuration bound.
func flags(e *env, name, argsUsage, desc string) (*flag.FlagSet, *Config) {
	fs := flag.NewFlagSet("huddlebot "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := LoadConfig(e.getenv, fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: huddlebot %s %s\n\n%s\n\nFlags:\n", name, argsUsage, desc)
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses flags; it returns an exit code and false when the command
// should stop (help asked, or a usage error).
//
// Flags may come before or after the positional arguments
// ("roster import staff.csv --platform slack" works like
// "roster --platform slack import staff.csv"); after "--" everything is
// positional.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	var tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK, false
			}
			return exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	_ = fs.Parse(append([]string{"--"}, append(pos, tail...)...)) // leaves the positionals in fs.Args()
	return 0, true
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
