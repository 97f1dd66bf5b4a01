package store_test

import (
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/store"
)

// TestMaskURL: every credential form lib/pq accepts is masked, and the rest
// of the URL (what an operator needs to see: host, database, options) stays.
func TestMaskURL(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3tPW"
	cases := []struct {
		raw  string
		keep []string // must still be shown
	}{
		{"postgres://hb:" + secret + "@db.example:5432/hb?sslmode=require", []string{"hb:xxxxx@db.example:5432/hb", "sslmode=require"}},
		{"postgres://hb@db.example/hb?password=" + secret + "&sslmode=disable", []string{"hb@db.example/hb", "password=xxxxx", "sslmode=disable"}},
		{"postgresql://hb@db/hb?sslpassword=" + secret, []string{"sslpassword=xxxxx"}},
		{"postgres://hb:" + secret + "@db/hb?password=" + secret, []string{"hb:xxxxx@db/hb", "password=xxxxx"}},
		{"postgres://db/hb?sslinline=true&sslkey=-----BEGIN%20" + secret, []string{"sslkey=xxxxx", "sslinline=true"}},
		{"postgres://db/hb?sslkey=/etc/" + secret + ".key", []string{"sslkey=/etc/" + secret}}, // a path, not a key
		{"host=db.example user=hb password=" + secret + " dbname=hb", []string{"host=db.example", "password='xxxxx'", "dbname=hb"}},
		{"host=db password = '" + secret + " with\\' quote' sslmode=disable", []string{"password = 'xxxxx'", "sslmode=disable"}},
		{"host=db password='" + secret, []string{"password='xxxxx'"}}, // unterminated
		{"host=db application_name='password=x' password=" + secret, []string{"application_name='password=x'"}},
		{"postgres://hb:pw%zz" + secret + "@db/hb", []string{"xxxxx@db/hb"}}, // does not parse
		{"postgres://hb:" + secret + "@[::1/db?password=" + secret, []string{"xxxxx@"}},
		{"sqlite:/var/lib/huddlebot.db", []string{"sqlite:/var/lib/huddlebot.db"}},
	}
	for _, c := range cases {
		got := store.MaskURL(c.raw)
		if strings.Contains(got, secret) && !strings.Contains(c.raw, "/etc/") {
			t.Errorf("MaskURL(%q) = %q: shows the credential", c.raw, got)
		}
		for _, k := range c.keep {
			if !strings.Contains(got, k) {
				t.Errorf("MaskURL(%q) = %q: want it to keep %q", c.raw, got, k)
			}
		}
	}
}
