package ask_test

import (
	"context"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/sandbox"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestHostileBytesAreNormalised: NUL bytes, terminal escapes, C1 controls
// and invalid UTF-8 in a command, a form and a display name are cleaned at
// the core's edge, so PostgreSQL stores the person's text instead of
// refusing it ("nothing was saved"), on both backends; a feedback longer
// than the 3000-byte cap is cut on a character boundary.
func TestHostileBytesAreNormalised(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			e := newAskEnv(t, backend, bot.Config{})
			ctx := context.Background()
			a := actor("zed") // new: the member is created with this name
			a.UserName = "Zed\x00 \x1b]0;pwned\x07Moss"
			long := strings.Repeat("a", 2999) + "é tail"
			for _, c := range []struct{ name, text string }{
				{"command", "feedback the \x00order set\x1b[2J \u009bis \xffslow\r\nreally"},
				{"long", "feedback " + long},
			} {
				rep := e.Bot.HandleCommand(ctx, bot.Command{Actor: a, Channel: "dm", Name: "feedback", Text: c.text[len("feedback "):]})
				if !strings.Contains(rep.Text, "Thanks") {
					t.Errorf("%s: reply %q, want it saved", c.name, rep.Text)
				}
			}
			rep := e.Bot.HandleCommand(ctx, bot.Command{Actor: a, Channel: "dm", Name: "ask", Text: "where is the \x00MAR\xfe filter?"})
			if strings.Contains(rep.Text, "nothing was saved") {
				t.Errorf("/ask: %q", rep.Text)
			}
			var texts []string
			if err := e.DB.SelectContext(ctx, &texts, e.DB.Rebind(`SELECT text FROM feedback ORDER BY id`)); err != nil {
				t.Fatal(err)
			}
			if len(texts) != 2 || texts[0] != "the order set[2J is \ufffdslow\nreally" {
				t.Errorf("stored feedback %q", texts)
			}
			if len(texts) == 2 && !strings.HasSuffix(texts[1], "aaa") {
				t.Errorf("long feedback ends %q, want it cut before the split character", texts[1][len(texts[1])-8:])
			}
			var q []string
			if err := e.DB.SelectContext(ctx, &q, e.DB.Rebind(`SELECT text FROM support_question`)); err != nil {
				t.Fatal(err)
			}
			if len(q) != 1 || q[0] != "where is the MAR\ufffd filter?" {
				t.Errorf("stored question %q", q)
			}
			m, err := e.DB.MemberByUser(ctx, e.DB, mustWS(t, e), "zed")
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != "Zed ]0;pwnedMoss" {
				t.Errorf("member name %q keeps control characters", m.Name)
			}
		})
	}
}

func mustWS(t *testing.T, e *askEnv) int64 {
	t.Helper()
	ws, err := e.DB.WorkspaceEnsure(context.Background(), sandbox.Platform, sandbox.Workspace, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return ws.ID
}
