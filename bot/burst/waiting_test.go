package burst_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/bot/burst"
	"github.com/huddlebot/huddlebot/i18n"
	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// TestBurstSaysWhenTheOthersGetIt: a trainer sends a burst "now" at 03:00
// on a Saturday. The night nurse (whose Friday shift runs until 07:30) gets
// it at once; the day nurses are told to expect it Monday at 08:30 and
// why, both in the send's reply and in the status; once Monday's delivery
// has gone out, the status has nothing left to wait for (issue 17 item 6).
func TestBurstSaysWhenTheOthersGetIt(t *testing.T) {
	t.Parallel()
	saturday3 := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e := newBurstEnv(t, db, saturday3, true)
		e.add(t, person{id: "n1", role: "nurse", dept: "4west"}, person{id: "n2", role: "nurse", dept: "4west"},
			person{id: "night", role: "nurse", dept: "5east", night: true})
		ctx := context.Background()
		res, err := e.burst.BurstSend(ctx, burst.BurstSendOptions{WorkspaceID: e.WS.ID, BurstID: "secure-chat-launch", Now: true,
			Audience: lessons.Audience{Roles: []string{"nurse"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.MembersNow != 1 || res.Later != 2 {
			t.Fatalf("now %d, later %d; want the night nurse now and two day nurses later", res.MembersNow, res.Later)
		}
		const monday = "2 members Monday at 08:30 UTC — Saturday is not one of their work days (mon-fri)"
		if text := burst.FormatBurstSend(i18n.For(i18n.Default), res, true); !strings.Contains(text, "Later, in their own time:\n• "+monday) {
			t.Errorf("the send's reply does not say when the others get it:\n%s", text)
		}
		e.idle(t)

		st, err := e.burst.BurstStatus(ctx, e.WS.ID, "secure-chat-launch")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Waiting) != 1 || st.Waiting[0].Members != 2 || !st.Waiting[0].At.Equal(time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)) {
			t.Fatalf("waiting = %+v, want the two day nurses on Monday at 08:30", st.Waiting)
		}
		if text := burst.FormatBurstStatus(i18n.For(i18n.Default), e.Bot.Content(), st, time.UTC); !strings.Contains(text, "Still to go, in each member's own time:\n  "+monday) {
			t.Errorf("status does not say when the rest goes out:\n%s", text)
		}

		// Sunday evening: still Monday, now "tomorrow", and why.
		e.Clock.Set(time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC))
		if st, err = e.burst.BurstStatus(ctx, e.WS.ID, "secure-chat-launch"); err != nil {
			t.Fatal(err)
		}
		if text := burst.FormatBurstStatus(i18n.For(i18n.Default), e.Bot.Content(), st, time.UTC); !strings.Contains(text,
			"2 members tomorrow at 08:30 UTC — Sunday is not one of their work days (mon-fri)") {
			t.Errorf("Sunday evening status:\n%s", text)
		}

		// Monday 08:30 and the companions: everything has gone out.
		e.tick(t, time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC))
		e.tick(t, time.Date(2026, 12, 7, 8, 45, 0, 0, time.UTC))
		if st, err = e.burst.BurstStatus(ctx, e.WS.ID, "secure-chat-launch"); err != nil {
			t.Fatal(err)
		}
		if st.Total.Pending != 0 || len(st.Waiting) != 0 {
			t.Errorf("after Monday's delivery: pending %d, waiting %+v", st.Total.Pending, st.Waiting)
		}
		if text := burst.FormatBurstStatus(i18n.For(i18n.Default), e.Bot.Content(), st, time.UTC); strings.Contains(text, "Still to go") {
			t.Errorf("nothing is left, yet the status says:\n%s", text)
		}
	})
}
