// Package redact removes obvious patient and personal identifiers from free
// text that people type (feedback, questions) before it is stored.
//
// Rules of our own, measured on a labelled set of realistic messages
// (testdata/labelled.txt, scored by TestLabelledSet): identifiers that
// carry their own shape (emails, SSNs, phone numbers, numeric dates, long
// numbers, letter-prefixed member ids), identifiers that follow a label
// (MRN:, DOB, member id, acct, policy #) even with dashes, patient names
// after a title (Mrs. Alvarez) or a cue (pt John Miller), street addresses,
// dates in words (March 4th) and ages over 89 (HIPAA's "all ages over
// 89"). Ordinary numbers — doses, times, extensions, lab values, room and
// bed numbers — are left alone. It tells the caller what kinds it found so
// the person can be told why.
package redact

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Placeholder replaces every identifier found.
const Placeholder = "[redacted]"

// rule is one kind of identifier. When re has a group named "id", only
// that group is replaced and the cue before it stays ("pt [redacted] in
// 12B"), unless whole is set (a labelled id goes with its label, "MRN
// [redacted]" would add nothing); otherwise the whole match is. ok, if
// set, vets the "id" group (or the match), e.g. enough digits to be an id.
type rule struct {
	kind  string
	re    *regexp.Regexp
	ok    func(string) bool
	whole bool
}

const months = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`

// name is a capitalised name word: Alvarez, O'Neil, McDonald, Smith-Jones.
const name = `(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?`

var rules = []rule{
	{"email", regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`), nil, false},
	{"SSN", regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), nil, false},
	// An id after its label, with dashes or a letter prefix: MRN: 55-21-889,
	// member # UHC9981234567, MBI 1EG4-TE5-MK73, encounter E-88213-02.
	{"MRN", regexp.MustCompile(`(?i)\b(?:mrn|mr#|med(?:ical)?\s+rec(?:ord)?(?:\s+(?:number|no\.?))?|acct|account|fin|csn|har|encounter|enc|` +
		`member(?:\s+id)?|insurance(?:\s+id)?|subscriber(?:\s+id)?|policy(?:\s+(?:number|no\.?))?|group(?:\s+(?:number|no\.?))?|` +
		`medicaid(?:\s+id)?|medicare(?:\s+id)?|mbi|id)(?:\s*#|\s+no\.?|\s+number)?\s*[:#\-]?\s*(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)`),
		func(s string) bool { return digits(s) >= 4 }, true},
	{"date", regexp.MustCompile(`(?i)\b(?:\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})\b`), nil, false},
	// A date in words: March 4th, Jan 12, 4th of March, June 3rd 1950.
	// Case-sensitive, so "the MAR 2 pages" (the medication record) stays.
	{"date", regexp.MustCompile(`\b` + months + `\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4}\b)?`), nil, false},
	{"date", regexp.MustCompile(`\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?` + months + `\b(?:,?\s+\d{4}\b)?`), nil, false},
	// A day and month without a year after a cue: DOB 3/4, seen on 3/22.
	{"date", regexp.MustCompile(`(?i)\b(?:dob|d\.o\.b\.?|date of birth|born|birthday|admit(?:ted)?|discharged?|dos|seen on|on)\s*[:\-]?\s*(?P<id>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b`), nil, false},
	{"phone number", regexp.MustCompile(`(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b`), nil, false},
	// Ages over 89: 92 yo, 94-year-old, 96 y/o, 91 years old, 93F, age 97.
	{"age over 89", regexp.MustCompile(`(?i)\b(?:9\d|1[01]\d)\s*(?:-\s*)?(?:y/o|y\.o\.?|yo\b|yrs?\b(?:\s+old\b)?|years?(?:[\s\-]+old\b)?|-?year-old\b)`), nil, false},
	{"age over 89", regexp.MustCompile(`\b(?:9\d|1[01]\d)[MF]\b`), nil, false},
	{"age over 89", regexp.MustCompile(`(?i)\b(?:age|aged)\s*[:\-]?\s*(?P<id>9\d|1[01]\d)\b`), nil, false},
	// Street addresses and PO boxes.
	{"address", regexp.MustCompile(`\b\d{1,5}\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th))(?:\s+[A-Z][a-z]+){0,2}\s+` +
		`(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|Pl|Place|Ter|Terrace|Pkwy|Parkway|Hwy|Highway|Cir|Circle)\b\.?` +
		`(?:,?\s+(?:Apt|Unit|Suite|#)\.?\s*[A-Za-z0-9]+)?`), nil, false},
	{"address", regexp.MustCompile(`(?i)\bP\.?\s?O\.?\s+Box\s+\d+\b`), nil, false},
	// Member and insurance ids with a letter prefix and no label:
	// W123456789. Ticket numbers (INC0012345) are not people.
	{"member id", regexp.MustCompile(`\b(?P<id>[A-Z]{1,4}\d{6,12})\b`), func(s string) bool { return !ticketPrefix.MatchString(s) }, false},
	// Names after a title (Mrs. Alvarez, Mr Brown) …
	{"name", regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<id>` + name + `(?:\s+` + name + `)?)`), notCommonWord, false},
	// … or after a cue that a patient is meant (pt John Miller, patient
	// named Samuel Green, checking in Robert King, charts for Julia Roberts).
	// Family members are named the same way (daughter Ana Delgado); a
	// colon and "Last, First" are how registration screens show names.
	{"name", regexp.MustCompile(`\b(?:pt|Pt|pts|patient|Patient|resident|named|name is|[Nn]ame|checking in|check in|charts? for|` +
		`daughter|son|wife|husband|mother|father|sister|brother|caregiver|spouse|guardian)\s*:?\s+(?P<id>` + name + `(?:,?\s+` + name + `){0,2})`), notCommonWord, false},
	{"name", regexp.MustCompile(`\b(?:for|of|called|call back)\s+(?P<id>` + name + `\s+` + name + `)\b`), notCommonWord, false},
	{"MRN", regexp.MustCompile(`\b\d{6,}\b`), nil, false},
}

var ticketPrefix = regexp.MustCompile(`^(?:INC|REQ|RITM|CHG|TASK|PRB|KB|SR)\d`)

// commonWords are capitalised words that follow a cue without being a
// name: EHR screens, days, places, payers.
var commonWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`Portal Station Education Safety Access List Lists Header Banner Summary Care Room Bed Chart Charts
		Experience Transport Tracking Flow Advocate Friendly Identification Is Was Has Had The This That And In On At For With
		Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September
		October November December North South East West Medicare Medicaid Humana Aetna Cigna Epic Cerner Spanish English
		Secure Chat Order Orders Set Sets Home Health Services Financial Registration Scheduling Billing Lab Labs Pharmacy
		Radiology Nursing Unit Floor Desk Clinic Hospital Center Emergency Department Surgery Team Portal's Tylenol
		Mr Mrs Ms Miss Mx Dr`) {
		commonWords[w] = true
	}
}

// notCommonWord accepts a name whose first word is not a common
// capitalised word (patient Portal, pt Education).
func notCommonWord(s string) bool {
	first, _, _ := strings.Cut(s, " ")
	first = strings.TrimRightFunc(first, func(r rune) bool { return !unicode.IsLetter(r) })
	return !commonWords[first]
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// Text returns s with identifiers replaced by Placeholder and the distinct
// kinds that were found, sorted ("MRN", "SSN", "address", "age over 89",
// "date", "email", "member id", "name", "phone number"). kinds is empty when
// nothing was removed.
func Text(s string) (out string, kinds []string) {
	found := map[string]bool{}
	out = s
	for _, r := range rules {
		out = r.apply(out, found)
	}
	for k := range found {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return out, kinds
}

func (r rule) apply(s string, found map[string]bool) string {
	idx := r.re.SubexpIndex("id")
	var b strings.Builder
	last := 0
	for _, m := range r.re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if idx > 0 && m[2*idx] >= 0 {
			start, end = m[2*idx], m[2*idx+1]
		}
		part := s[start:end]
		if part == Placeholder || strings.Contains(part, Placeholder) || (r.ok != nil && !r.ok(part)) {
			continue
		}
		if r.whole {
			start, end = m[0], m[1]
		}
		found[r.kind] = true
		b.WriteString(s[last:start])
		b.WriteString(Placeholder)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
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
