// Package redact removes obvious patient and personal identifiers from free
// text that people type (feedback, questions) before it is stored.
//
// It is deliberately conservative about what it removes (numbers that look
// like an MRN, an SSN, a date of birth, a phone number, an email) and tells
// the caller what kinds it found so the person can be told why.
package redact

import (
	"regexp"
	"sort"
	"strings"
)

// Placeholder replaces every identifier found.
const Placeholder = "[redacted]"

var rules = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"email", regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)},
	{"SSN", regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)},
	{"date", regexp.MustCompile(`(?i)\b(?:\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})\b`)},
	{"phone number", regexp.MustCompile(`(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b`)},
	{"MRN", regexp.MustCompile(`(?i)\b(?:mrn|medical record(?: number)?|acct|account|fin|csn)\s*(?:#|no\.?|number)?\s*[:#]?\s*[a-z]?\d{4,}\b`)},
	{"MRN", regexp.MustCompile(`\b\d{6,}\b`)},
}

// Text returns s with identifiers replaced by Placeholder and the distinct
// kinds that were found, sorted ("MRN", "SSN", "date", "email",
// "phone number"). kinds is empty when nothing was removed.
func Text(s string) (out string, kinds []string) {
	found := map[string]bool{}
	out = s
	for _, r := range rules {
		out = r.re.ReplaceAllStringFunc(out, func(m string) string {
			if m == Placeholder {
				return m
			}
			found[r.kind] = true
			return Placeholder
		})
	}
	for k := range found {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return out, kinds
}

// Notice is the sentence that tells a person what was removed, or "" if
// nothing was.
func Notice(kinds []string) string {
	if len(kinds) == 0 {
		return ""
	}
	return "For privacy I removed what looked like " + strings.Join(kinds, ", ") +
		" before saving. Please never share patient details here."
}
