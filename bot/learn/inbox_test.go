package learn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/bot/bottest"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestAnswerInbox: a queued click (Click.Queue) is committed to the answer
// inbox with nothing else and acknowledged with no reply; the applier
// records it like a direct click, once for a double click; a click on
// someone else's question is not queued and gets the direct path's answer;
// an answer that cannot be applied (here the oldest) does not hold up the
// others and is left, counted, after five passes.
func TestAnswerInbox(t *testing.T) {
	storetest.Parallel(t, func(t *testing.T, ctx context.Context, db *store.DB) {
		now := tuesday10
		e := bottest.OpenEnv(t, db, now, bottest.EnvOptions{})
		quiz := e.Quiz(t, "").ID
		users := []string{"ann", "bob", "cat", "dan", "eve", "fay"}
		var news []store.DeliveryNew
		for i, u := range users {
			id, err := e.DB.MemberUpsert(ctx, e.DB, store.MemberUpsert{WorkspaceID: e.WS.ID, UserID: u, Role: "nurse"})
			if err != nil {
				t.Fatal(err)
			}
			version := 1
			if u == "dan" {
				version = 99 // no such lesson version: cannot be applied
			}
			news = append(news, store.DeliveryNew{WorkspaceID: e.WS.ID, MemberID: id, LessonID: quiz, LessonVersion: version,
				Reason: "role", ShiftDate: fmt.Sprintf("2026-11-%02d", 20+i), Scheduled: true})
		}
		var ids []int64
		err := e.DB.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if ids, err = e.DB.DeliveryCreateMany(ctx, tx, news); err != nil {
				return err
			}
			// Each quiz's card, as posted.
			for i, d := range news {
				if _, err := e.DB.MessageCreate(ctx, tx, store.MessageNew{WorkspaceID: e.WS.ID, MemberID: d.MemberID,
					Channel: "dm", DeliveryID: ids[i], Card: `{"title":"quiz"}`}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		click := func(user string, delivery int64, choice int) bot.Reply {
			return e.Bot.HandleClick(ctx, bot.Click{Actor: bot.Actor{Platform: "sandbox", Workspace: "local", UserID: user},
				Channel: "dm", ActionID: fmt.Sprintf("ans:%d:%d", delivery, choice), Queue: true})
		}
		for _, c := range []struct {
			user     string
			delivery int64
		}{{"dan", ids[3]}, {"ann", ids[0]}, {"ann", ids[0]}, {"cat", ids[2]}} {
			if rep := click(c.user, c.delivery, 1); rep.Text != "" {
				t.Errorf("%s's queued click replied %q, want nothing (the card changes)", c.user, rep.Text)
			}
		}
		if rep := click("bob", ids[0], 1); !strings.Contains(rep.Text, "someone else") {
			t.Errorf("bob clicking ann's question: reply %q", rep.Text)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := e.DB.GetContext(ctx, &n, e.DB.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM answer_inbox`); n != 4 {
			t.Fatalf("inbox rows = %d, want 4 (ann twice, cat, dan)", n)
		}
		if n := count(`SELECT COUNT(*) FROM answer`); n != 0 {
			t.Fatalf("answers before the applier ran = %d, want 0", n)
		}

		got, err := e.Features.Learn.ApplyAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != 2 {
			t.Errorf("ApplyAnswers recorded %d, want 2 (ann once, cat)", got)
		}
		for i, want := range []int{1, 0, 1, 0} {
			if n := count(`SELECT COUNT(*) FROM answer WHERE delivery_id = ?`, ids[i]); n != want {
				t.Errorf("%s: %d answers, want %d", users[i], n, want)
			}
		}
		if n := count(`SELECT COUNT(*) FROM delivery WHERE id = ? AND status = 'answered' AND answered_at = ?`, ids[0], now.UnixMilli()); n != 1 {
			t.Errorf("ann's delivery not marked answered at the click's time")
		}
		if n := count(`SELECT COUNT(*) FROM message WHERE delivery_id IN (?, ?) AND revision = 2`, ids[0], ids[2]); n != 2 {
			t.Errorf("%d of ann's and cat's cards changed, want 2", n)
		}
		if n := count(`SELECT COUNT(*) FROM review WHERE member_id = (SELECT member_id FROM delivery WHERE id = ?)`, ids[2]); n != 1 {
			t.Errorf("cat's question has %d spacing rows, want 1", n)
		}
		waiting, stuck, err := e.DB.AnswerInboxDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if waiting != 1 || stuck != 0 {
			t.Errorf("after one pass: %d waiting, %d stuck; want dan's answer waiting", waiting, stuck)
		}
		// A late second click on an applied question is answered directly.
		if rep := click("ann", ids[0], 2); !strings.Contains(rep.Text, "already answered") {
			t.Errorf("ann's late click: reply %q", rep.Text)
		}
		for range store.AnswerInboxMaxAttempts {
			if _, err := e.Features.Learn.ApplyAnswers(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if waiting, stuck, _ = e.DB.AnswerInboxDepth(ctx); waiting != 0 || stuck != 1 {
			t.Errorf("after %d passes: %d waiting, %d stuck; want dan's answer left, counted", store.AnswerInboxMaxAttempts, waiting, stuck)
		}
		if n := count(`SELECT COUNT(*) FROM answer`); n != 2 {
			t.Errorf("answers = %d, want 2", n)
		}

		// A batch that applies whole edits its cards with one job, not a
		// job per card.
		edits := count(`SELECT COUNT(*) FROM river_job WHERE kind = ?`, bot.EditArgs{}.Kind())
		for _, i := range []int{4, 5} {
			if rep := click(users[i], ids[i], 1); rep.Text != "" {
				t.Errorf("%s's queued click replied %q", users[i], rep.Text)
			}
		}
		if got, err := e.Features.Learn.ApplyAnswers(ctx); err != nil || got != 2 {
			t.Fatalf("ApplyAnswers for eve and fay = %d, %v; want 2", got, err)
		}
		if n := count(`SELECT COUNT(*) FROM river_job WHERE kind = ?`, bot.EditArgs{}.Kind()) - edits; n != 1 {
			t.Errorf("%d edit jobs queued for one batch of two answers, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM river_job WHERE kind = ?`, bot.SendArgs{}.Kind()); n != 0 {
			t.Errorf("%d single-message jobs queued for answered cards, want 0", n)
		}
	})
}
