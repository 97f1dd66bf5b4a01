package burst_test

import (
	"context"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestBurstInMembersLanguage: a trainer who chose Spanish gets /burst's
// usage, errors and replies in Spanish; a nurse who chose Spanish gets the
// burst's prompts with their note in Spanish; an English trainer's replies
// stay English.
func TestBurstInMembersLanguage(t *testing.T) {
	t.Parallel()
	e := newBurstEnv(t, storetest.Open(t, store.SQLite), burstTuesday10, true)
	ids := e.add(t, person{id: "tere", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
		person{id: "tara", role: "nurse", dept: "education", perms: []member.Permission{member.PermTrainer}},
		person{id: "lucia", role: "nurse", dept: "4west", perms: []member.Permission{}})
	ctx := context.Background()
	for _, u := range []string{"tere", "lucia"} {
		if _, err := e.DB.MemberSetLanguage(ctx, e.DB, ids[u], "es", member.LanguageChosen); err != nil {
			t.Fatal(err)
		}
	}
	cmd := func(user, text string) string {
		return e.Bot.HandleCommand(ctx, bot.Command{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
			Channel: "dm", Name: "burst", Text: text}).Text
	}
	if r := cmd("lucia", "list"); !strings.Contains(r, "Solo los formadores pueden enviar actualizaciones.") {
		t.Errorf("Spanish learner's /burst list = %q, want the refusal in Spanish", r)
	}
	for _, tc := range []struct{ text, want string }{
		{"", "Uso: `/burst list`"},
		{"frobnicate", "No conozco `/burst frobnicate`."},
		{"send", "Uso: `/burst send ID [now]` — programa la actualización"},
		{"status", "Uso: `/burst status ID` — muestra a quién se envió"},
		{"send no-such-burst", "No existe la actualización \"no-such-burst\". Actualizaciones: secure-chat-launch"},
		{"status secure-chat-launch", "La actualización secure-chat-launch aún no se ha enviado aquí."},
		{"preview secure-chat-launch surgeon", "\"surgeon\" no es un rol de este espacio"},
	} {
		if r := cmd("tere", tc.text); !strings.Contains(r, tc.want) {
			t.Errorf("Spanish /burst %s = %q, want it to contain %q", tc.text, r, tc.want)
		}
	}
	if r := cmd("tara", "frobnicate"); !strings.Contains(r, "I don't know `/burst frobnicate`") {
		t.Errorf("English /burst frobnicate = %q", r)
	}

	cmd("tere", "send secure-chat-launch now")
	e.idle(t)
	var cards []string
	if err := e.DB.SelectContext(ctx, &cards, e.DB.Rebind(`SELECT card FROM message WHERE member_id = ? AND delivery_id IS NOT NULL`), ids["lucia"]); err != nil {
		t.Fatal(err)
	}
	if len(cards) == 0 {
		t.Fatal("Lucía got no burst prompt")
	}
	for _, c := range cards {
		if !strings.Contains(c, "🆕 Novedades") || !strings.Contains(c, `"lang":"es"`) {
			t.Errorf("Lucía's burst prompt is not in Spanish: %s", c)
		}
	}
	if r := cmd("tere", "cancel secure-chat-launch"); !strings.Contains(r, "La actualización secure-chat-launch está cancelada") {
		t.Errorf("Spanish /burst cancel = %q", r)
	}
}
