package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
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

// TestSignatureClaim: a request signature is claimed once across every
// store on the same database (replicas, or a process after a restart), and
// forgotten once its window has passed.
func TestSignatureClaim(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, backend)
			open := func() *store.DB {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return db
			}
			a, b := open(), open()
			exp := time.Unix(2_000_000_300, 0)
			if fresh, err := a.SignatureClaim(ctx, "sig-1", exp); err != nil || !fresh {
				t.Fatalf("first claim: %v %v", fresh, err)
			}
			if fresh, err := b.SignatureClaim(ctx, "sig-1", exp); err != nil || fresh {
				t.Errorf("the same signature on a second store: fresh=%v %v, want a replay", fresh, err)
			}
			if fresh, err := b.SignatureClaim(ctx, "sig-2", exp); err != nil || !fresh {
				t.Errorf("another signature: %v %v", fresh, err)
			}
			if err := a.SignaturePrune(ctx, exp); err != nil {
				t.Fatal(err)
			}
			if fresh, _ := a.SignatureClaim(ctx, "sig-1", exp); fresh {
				t.Error("pruned at the end of its window (not after): the signature was forgotten too early")
			}
			if err := a.SignaturePrune(ctx, exp.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := a.GetContext(ctx, &n, `SELECT COUNT(*) FROM request_signature`); err != nil || n != 0 {
				t.Errorf("%d signatures left after their window (%v), want 0", n, err)
			}
		})
	}
}

// TestSignatureClaimMany: a batch of claims in one statement tells each
// signature apart: new ones are new, one claimed before is a replay, and a
// signature listed twice in the batch is new only the first time.
func TestSignatureClaimMany(t *testing.T) {
	storetest.Run(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		exp := time.Unix(2_000_000_300, 0)
		if fresh, err := db.SignatureClaim(ctx, "old", exp); err != nil || !fresh {
			t.Fatalf("first claim: %v %v", fresh, err)
		}
		got, err := db.SignatureClaimMany(ctx, []store.SignatureNew{{"a", exp}, {"old", exp}, {"b", exp}, {"a", exp}, {"c", exp}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []bool{true, false, true, false, true}; !reflect.DeepEqual(got, want) {
			t.Errorf("SignatureClaimMany = %v, want %v", got, want)
		}
		if got, err := db.SignatureClaimMany(ctx, []store.SignatureNew{{"c", exp}, {"d", exp}}); err != nil || !reflect.DeepEqual(got, []bool{false, true}) {
			t.Errorf("a second batch = %v, %v; want [false true]", got, err)
		}
	})
}
