package store

import (
	"net/url"
	"regexp"
	"strings"
)

// masked replaces a credential wherever a database URL is shown.
const masked = "xxxxx"

// MaskURL returns the database URL or connection string raw with every
// credential lib/pq accepts replaced by "xxxxx", for printing: the password
// in a URL's userinfo, the password= (and sslpassword=) query parameters, the
// same keys in a key=value connection string ("host=db password='s3 cret'"),
// and an inline private key (sslkey= with sslinline). Anything it cannot
// parse is masked loosely rather than shown. Every place that prints a
// database URL (serve's "database ready" line, migrate, errors, --help)
// uses this one function, so a new form is masked everywhere at once.
func MaskURL(raw string) string {
	switch {
	case strings.HasPrefix(raw, "sqlite:"):
		return raw // a path, no credentials
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return maskPostgresURL(raw)
	default:
		return maskKeyValue(raw)
	}
}

func maskPostgresURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return maskLoose(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), masked)
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return maskLoose(raw)
		}
		changed := false
		inline := q.Has("sslinline")
		for k, vs := range q {
			if secretKey(k, inline) {
				for i := range vs {
					vs[i] = masked
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// secretKey reports whether a connection parameter holds a credential. sslkey
// is a file path unless sslinline is set, when it is the private key itself.
func secretKey(k string, inline bool) bool {
	switch strings.ToLower(k) {
	case "password", "sslpassword":
		return true
	case "sslkey":
		return inline
	}
	return false
}

// kvParam matches one key=value pair of a lib/pq connection string; a quoted
// value may hold spaces and \' escapes, and may be unterminated.
var kvParam = regexp.MustCompile(`([A-Za-z_]+)(\s*=\s*)('(?:\\.|[^'\\])*'?|[^\s']*)`)

func maskKeyValue(raw string) string {
	inline := regexp.MustCompile(`(?i)\bsslinline\s*=`).MatchString(raw)
	return kvParam.ReplaceAllStringFunc(raw, func(m string) string {
		p := kvParam.FindStringSubmatch(m)
		if !secretKey(p[1], inline) {
			return m
		}
		return p[1] + p[2] + "'" + masked + "'"
	})
}

// maskLoose masks a URL that does not parse: everything between the scheme
// and the last '@' (the userinfo) and any password-like query value.
func maskLoose(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.LastIndex(s, "@"); j > i+3 {
			s = s[:i+3] + masked + s[j:]
		}
	}
	return looseQuery.ReplaceAllString(s, "${1}"+masked)
}

var looseQuery = regexp.MustCompile(`(?i)([?&](?:ssl)?password=|[?&]sslkey=)[^&]*`)
