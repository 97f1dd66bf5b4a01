package slackfake_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/huddlebot/huddlebot/bot/slack/slackfake"
)

// TestEnforceTiers: with the tiers enforced, users.info (Tier 4) answers a
// burst of 20 and then HTTP 429 with Retry-After, as Slack does; without,
// it never refuses.
func TestEnforceTiers(t *testing.T) {
	t.Parallel()
	for _, enforce := range []bool{false, true} {
		s := slackfake.New()
		defer s.Close()
		s.AutoUsers("UTC")
		if enforce {
			s.EnforceTiers()
		}
		ok, limited, retry := 0, 0, ""
		for i := 0; i < 30; i++ {
			res, err := http.PostForm(s.APIURL()+"users.info", url.Values{"token": {"xoxb-test"}, "user": {"U1"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
				retry = res.Header.Get("Retry-After")
			}
		}
		switch {
		case enforce && (ok != slackfake.Tier4.Burst || limited != 30-ok || retry != "1"):
			t.Errorf("enforced: %d answered, %d limited (Retry-After %q); want %d, then 429 with Retry-After 1", ok, limited, retry, slackfake.Tier4.Burst)
		case !enforce && ok != 30:
			t.Errorf("not enforced: %d of 30 answered", ok)
		}
	}
}
