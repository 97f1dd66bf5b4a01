package teams_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/bot/teams"
	"github.com/huddlebot/huddlebot/bot/teams/teamsfake"
)

const (
	testTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testPassword = "hb~TestSecret.Qx7_9vN2kL"
	testUser     = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw"
)

func newClient(t *testing.T, fake *teamsfake.Connector, limits *teams.Limits, now func() time.Time) *teams.Client {
	t.Helper()
	c, err := teams.NewClient(teams.ClientOptions{AppID: authAppID, Password: testPassword, TenantID: testTenant,
		TokenURL: fake.TokenURL(), Limits: limits, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func msg(text string) *teams.Activity { return &teams.Activity{Type: "message", Text: text} }

func TestClientSendsUpdatesAndOpensConversations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	c := newClient(t, fake, &teams.Unlimited, nil)
	conv, err := c.CreatePersonal(ctx, fake.ServiceURL(), testTenant, testUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := fake.PersonalConversation(testUser); conv != want {
		t.Errorf("CreatePersonal = %q; want %q", conv, want)
	}
	again, err := c.CreatePersonal(ctx, fake.ServiceURL(), testTenant, testUser)
	if err != nil || again != conv {
		t.Errorf("opening the conversation again = %q, %v; want the same %q", again, err, conv)
	}
	id, err := c.Send(ctx, fake.ServiceURL(), conv, msg("Your first tip arrives tomorrow."))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, strings.TrimSuffix(fake.ServiceURL(), "/"), conv, id, msg("Edited.")); err != nil {
		t.Fatal(err)
	}
	acts := fake.Activities(conv)
	if len(acts) != 1 || acts[0].ID != id || acts[0].Edits != 1 || !strings.Contains(string(acts[0].Activity), "Edited.") {
		t.Errorf("the conversation holds %+v; want one activity %s, edited once to \"Edited.\"", acts, id)
	}
	if n := fake.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 4 calls; want 1 (cached)", n)
	}
	var create teamsfake.Call
	for _, call := range fake.Calls() {
		if call.Path == "v3/conversations" {
			create = call
		}
	}
	for _, want := range []string{`"bot":{"id":"28:` + authAppID + `"`, `"members":[{"id":"` + testUser + `"}]`, `"tenantId":"` + testTenant + `"`} {
		if !strings.Contains(string(create.Body), want) {
			t.Errorf("create conversation sent %s; want %s in it", create.Body, want)
		}
	}
	// Editing an activity the connector does not know is an error.
	if err := c.Update(ctx, fake.ServiceURL(), conv, "1764599999999", msg("x")); err == nil {
		t.Error("editing an unknown activity returned no error")
	}
}

func TestClientToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	clk := bottest.NewClock(time.Now())
	c := newClient(t, fake, &teams.Unlimited, clk.Now)
	conv := fake.PersonalConversation(testUser)
	send := func() {
		t.Helper()
		if _, err := c.Send(ctx, fake.ServiceURL(), conv, msg("hi")); err != nil {
			t.Fatal(err)
		}
	}
	send()
	clk.Advance(50 * time.Minute)
	send()
	if n := fake.TokenRequests(); n != 1 {
		t.Errorf("after 50 minutes: %d token requests; want 1", n)
	}
	// Within 5 minutes of expiry the token is replaced before it is used.
	clk.Advance(6 * time.Minute)
	send()
	if n := fake.TokenRequests(); n != 2 {
		t.Errorf("56 minutes into a 60-minute token: %d token requests; want 2", n)
	}
	// A token the connector no longer takes is replaced once, and the call
	// goes through.
	fake.RevokeTokens()
	send()
	if n := fake.TokenRequests(); n != 3 {
		t.Errorf("after a 401: %d token requests; want 3", n)
	}

	// A wrong secret is an error that names the setting, not the secret.
	bad, err := teams.NewClient(teams.ClientOptions{AppID: authAppID, Password: "not-the-secret", TenantID: testTenant, TokenURL: fake.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Send(ctx, fake.ServiceURL(), conv, msg("hi"))
	if err == nil || !strings.Contains(err.Error(), "TEAMS_APP_PASSWORD") || strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("with a wrong secret: %v; want an error naming TEAMS_APP_PASSWORD without the secret", err)
	}
}

func TestClientOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []teams.ClientOptions{
		{Password: "p", TenantID: testTenant},
		{AppID: authAppID, TenantID: testTenant},
		{AppID: authAppID, Password: "p"},
		{AppID: authAppID, Password: "p", TokenURL: "http://login.example.com/token"},
	} {
		if _, err := teams.NewClient(o); err == nil {
			t.Errorf("NewClient(%+v) accepted", o)
		} else if strings.Contains(err.Error(), "p\"") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

func TestClientRefusesInsecureServiceURL(t *testing.T) {
	t.Parallel()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	c := newClient(t, fake, &teams.Unlimited, nil)
	for _, svc := range []string{"http://smba.example.com/amer/", "ftp://127.0.0.1/", "://"} {
		if _, err := c.Send(context.Background(), svc, "a:1", msg("hi")); err == nil {
			t.Errorf("sending to %q: no error", svc)
		}
	}
	if n := fake.TokenRequests(); n != 0 {
		t.Errorf("a token was fetched for an insecure service URL")
	}
}

func TestClientRateLimited(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		header string
		want   time.Duration
	}{
		{http.StatusTooManyRequests, "Retry-After: 7", 7 * time.Second},
		{http.StatusPreconditionFailed, "", 2 * time.Second},
		{http.StatusBadGateway, "Retry-After: 3", 3 * time.Second},
		{http.StatusGatewayTimeout, "", 2 * time.Second},
		{http.StatusTooManyRequests, "Retry-After: DATE+10s", 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status, tc.header), func(t *testing.T) {
			t.Parallel()
			fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
			c := newClient(t, fake, &teams.Unlimited, nil)
			conv := fake.PersonalConversation(testUser)
			header := strings.Replace(tc.header, "DATE+10s", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat), 1)
			fake.FailNext(http.MethodPost, conv, tc.status, header, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, 1)
			_, err := c.Send(context.Background(), fake.ServiceURL(), conv, msg("hi"))
			var rle *bot.RateLimitError
			if !errors.As(err, &rle) {
				t.Fatalf("status %d: %v; want a *bot.RateLimitError", tc.status, err)
			}
			if d := rle.RetryAfter - tc.want; d < -1500*time.Millisecond || d > time.Second {
				t.Errorf("RetryAfter = %s; want about %s", rle.RetryAfter, tc.want)
			}
			if errors.Is(err, bot.ErrUnreachable) {
				t.Error("a rate limit is not an unreachable recipient")
			}
			if acts := fake.Activities(conv); len(acts) != 0 {
				t.Errorf("a refused send posted %d activities", len(acts))
			}
		})
	}
}

func TestClientUnreachable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	c := newClient(t, fake, &teams.Unlimited, nil)
	blocked := fake.PersonalConversation("29:blocked")
	fake.Block(blocked, "ConversationBlockedByUser")
	if _, err := c.Send(ctx, fake.ServiceURL(), blocked, msg("hi")); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("a blocked conversation: %v; want bot.ErrUnreachable", err)
	}
	// The code alone, without a subCode, says it too.
	other := fake.PersonalConversation("29:uninstalled")
	fake.FailNext(http.MethodPost, other, http.StatusForbidden, "", `{"error":{"code":"MessageWritesBlocked","message":"Thread is blocked"}}`, 1)
	if _, err := c.Send(ctx, fake.ServiceURL(), other, msg("hi")); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("MessageWritesBlocked: %v; want bot.ErrUnreachable", err)
	}
	// Another 403 (the admin turned the app off) is not about the person.
	fake.FailNext(http.MethodPost, other, http.StatusForbidden, "", `{"error":{"code":"BotDisabledByAdmin","message":"disabled"}}`, 1)
	_, err := c.Send(ctx, fake.ServiceURL(), other, msg("hi"))
	var ce *teams.ConnectorError
	if !errors.As(err, &ce) || ce.Code != "BotDisabledByAdmin" || errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("BotDisabledByAdmin: %v; want a *teams.ConnectorError, not unreachable", err)
	}
}

// sendPaced sends like the delivery job: a rate limit snoozes for
// RetryAfter and tries again.
func sendPaced(ctx context.Context, c *teams.Client, svc, conv string, a *teams.Activity) error {
	for {
		_, err := c.Send(ctx, svc, conv, a)
		var rle *bot.RateLimitError
		if !errors.As(err, &rle) {
			return err
		}
		if err := bot.Sleep(ctx, rle.RetryAfter); err != nil {
			return err
		}
	}
}

// TestClientPacesUnderTeamsLimits sends faster than Teams allows, in one
// conversation and across many: the fake, enforcing Teams' limits, never
// has to refuse.
func TestClientPacesUnderTeamsLimits(t *testing.T) {
	// Not parallel: the windows are about when requests arrive, and a
	// machine busy with the other tests delays them.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	c := newClient(t, fake, nil, nil)
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	one := fake.PersonalConversation(testUser)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	start := time.Now()
	for i := range 16 {
		wg.Go(func() { errs <- sendPaced(ctx, c, fake.ServiceURL(), one, msg(fmt.Sprint("one ", i))) })
	}
	for i := range 100 {
		conv := fake.PersonalConversation(fmt.Sprintf("29:user-%d", i))
		wg.Go(func() { errs <- sendPaced(ctx, c, fake.ServiceURL(), conv, msg("many")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fake.Activities(one)); n != 16 {
		t.Errorf("%d of 16 messages in one conversation arrived", n)
	}
	if n := fake.Refused(); n != 0 {
		t.Errorf("the connector refused %d calls over its limits; want 0 (paced)", n)
		for _, c := range fake.Calls() {
			if c.Status == 429 {
				t.Logf("%s %s %s", c.At.Format("05.000"), c.Conversation, c.Path)
			}
		}
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("116 messages (16 in one conversation) went out in %s: faster than 7/s per conversation and 50/s allow", d)
	}
}

// TestFakeEnforcesTeamsLimits checks the fake connector itself: unpaced,
// the 8th message in a second to one conversation and the 51st request in
// a second in the tenant are refused with 429 and Retry-After.
func TestFakeEnforcesTeamsLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := teamsfake.NewConnector(t, authAppID, testPassword, testTenant)
	c := newClient(t, fake, &teams.Unlimited, nil)
	conv := fake.PersonalConversation(testUser)
	var rle *bot.RateLimitError
	for i := range 8 {
		_, err := c.Send(ctx, fake.ServiceURL(), conv, msg("fast"))
		if i < 7 && err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		if i == 7 && (!errors.As(err, &rle) || rle.RetryAfter < time.Second/2 || rle.RetryAfter > time.Second) {
			t.Errorf("the 8th message in a second: %v; want 429 with Retry-After 1s", err)
		}
	}
	refused := 0
	for i := range 50 {
		if _, err := c.Send(ctx, fake.ServiceURL(), fake.PersonalConversation(fmt.Sprint("29:t", i)), msg("fast")); errors.As(err, &rle) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if refused == 0 {
		t.Error("58 requests within a second in the tenant: none refused; want those over 50")
	}
}
