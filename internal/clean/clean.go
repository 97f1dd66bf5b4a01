// Package clean normalises the text people type before the rest of
// huddlebot sees it, and makes stored text safe to print on a terminal.
//
// Every inbound text path passes through Text once, at the edge (the core's
// HandleCommand, HandleClick and HandleSubmit, the profile names platforms
// return, the dashboard's query parameters), so no layer further in meets a
// NUL byte (PostgreSQL refuses it and the person's text would be lost),
// invalid UTF-8 (refused the same way), or a control character that could
// drive a terminal or forge the markers the bot uses for its own mentions.
package clean

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text returns s normalised: invalid UTF-8 replaced by U+FFFD, "\r\n" and a
// lone "\r" turned into "\n", and removed: NUL and every other C0 control
// except tab and newline, DEL, the C1 controls (U+0080–U+009F), and U+FFF9–
// U+FFFB. Unicode reserves the last three (interlinear annotation) for a
// program's internal use; the bot marks the mentions it builds with them
// (bot.Mention), so typed text must never contain them.
func Text(s string) string {
	if !needsWork(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case isControl(r), r >= 0xFFF9 && r <= 0xFFFB:
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Valid reports whether s is already what Text would return: the dashboard
// answers 400 to a query parameter that is not, rather than guessing.
func Valid(s string) bool { return Text(s) == s }

// Terminal returns s with every control character except newline and tab
// (and invalid UTF-8) shown as a Go-style escape (\x1b, \u009b, \xff), so
// text from the database cannot retitle, clear or recolour the terminal it
// is printed on. Ordinary text is returned unchanged.
func Terminal(s string) string {
	if !needsTerminalWork(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x80 && isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isControl reports a C0 control, DEL or a C1 control.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) }

func needsWork(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (isControl(r) && r != '\n' && r != '\t') || (r >= 0xFFF9 && r <= 0xFFFB) {
			return true
		}
	}
	return false
}

func needsTerminalWork(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (isControl(r) && r != '\n' && r != '\t') {
			return true
		}
	}
	return false
}
