// Package validation holds the problems found in a file people wrote — a
// content file, a roster CSV — reported all at once as "path:line: field:
// message" lines, the form editors and CI logs turn into links.
package validation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with one content file.
type Problem struct {
	// Path is the file, relative to the content root with forward slashes
	// (LoadDir prefixes it with the directory it was given).
	Path string
	// Line is the 1-based line in the file; for a lesson the opening ---
	// line is line 1.
	Line int
	// Field is the front-matter or YAML field at fault, "yaml" for syntax
	// errors, "front matter" or "body" for the parts of a lesson file.
	Field   string
	Message string
}

// String formats the problem as "path:line: field: message", the form editors
// and CI logs turn into links.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.Path, p.Line, p.Field, p.Message)
}

// Error is returned when a file is invalid (lessons.Load, LoadDir,
// ParseLesson, member.ParseRoster). It holds every problem found, not just the first.
type Error struct {
	Problems []Problem
}

// Error returns one "path:line: field: message" line per problem, sorted by
// path and then line.
func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return "invalid content"
	}
	ps := slices.Clone(e.Problems)
	Sort(ps)
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by path and then line, keeping the order found within a line.
func Sort(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := cmp.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
}
