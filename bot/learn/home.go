package learn

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/huddlebot/huddlebot/bot"
	"github.com/huddlebot/huddlebot/i18n"
)

// homeTimes are the delivery times offered by the home view's menu.
var homeTimes = []string{"06:00", "06:30", "07:00", "07:30", "08:00", "08:30", "09:00", "10:00", "11:00", "12:00",
	"13:00", "14:00", "15:00", "16:00", "18:00", "19:00", "20:00", "22:00"}

// HomeCard returns a member's personal home view (Slack's App Home): their
// streak, accuracy and next delivery, and buttons for the usual settings.
// The buttons' ids start with "learn:" (or are "learn"), so a click runs the
// matching /learn subcommand; a select's chosen value is appended to it
// ("learn:time" + "07:00" runs "/learn time 07:00").
func (b *Learn) home(ctx context.Context, r *bot.Req) (*bot.Card, error) {
	m := r.Member
	l := r.L()
	if !m.Joined {
		c := &bot.Card{
			Title:   l.T("learn.home.welcome_title", nil),
			Body:    l.T("learn.home.welcome_body", nil),
			Select:  &bot.Select{ID: "learn:join", Placeholder: l.T("learn.home.choose_role", nil), Options: roleOptions(b.Content().Roles)},
			Actions: []bot.Action{{ID: "learn:help", Label: l.T("learn.home.how", nil)}},
			Context: l.T("learn.home.no_patient", nil),
		}
		return c, nil
	}
	st, err := b.DB.MemberStatsGet(ctx, b.DB, m.ID)
	if err != nil {
		return nil, fmt.Errorf("home for member %d: %w", m.ID, err)
	}
	acc := "–"
	if st.Answered > 0 {
		acc = l.N("learn.home.accuracy_of", st.Answered, i18n.Data{"Percent": (st.Correct*100 + st.Answered/2) / st.Answered})
	}
	s := m.Schedule
	c := &bot.Card{
		Title: l.T("learn.home.title", nil),
		Fields: []bot.Field{
			{Label: l.T("learn.home.streak", nil), Value: l.N("learn.days", st.Streak, nil)},
			{Label: l.T("learn.home.accuracy", nil), Value: acc},
			{Label: l.T("learn.home.next", nil), Value: b.NextText(ctx, m)},
			{Label: l.T("learn.home.mastered", nil), Value: strconv.Itoa(st.Mastered)},
			{Label: l.T("learn.home.schedule", nil), Value: l.T("learn.home.schedule_value", i18n.Data{"Days": s.WorkDays.Describe(l),
				"Time": s.EffectiveDeliveryTime().In(l), "Zone": locOrUTC(s.Location).String()})},
			{Label: l.T("learn.home.role", nil), Value: m.Role + prefixIf(" · ", m.Department)},
		},
		Select:  &bot.Select{ID: "learn:time", Placeholder: l.T("learn.home.change_time", nil), Options: timeOptions()},
		Context: l.T("learn.home.change_anything", nil),
	}
	c.Actions = append(c.Actions, bot.Action{ID: "learn", Label: l.T("learn.home.lesson_now", nil), Style: "primary"})
	if !s.PausedUntil.IsZero() && s.PausedUntil.After(b.Now()) {
		c.Body = l.T("learn.home.paused", i18n.Data{"Until": l.ShortDate(s.PausedUntil.In(locOrUTC(s.Location)))})
		c.Actions = append(c.Actions, bot.Action{ID: "learn:resume", Label: l.T("learn.home.resume", nil)})
	} else {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:pause", Label: l.T("learn.home.pause", nil)})
	}
	if m.Nudges {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:nudges:off", Label: l.T("learn.home.reminders_off", nil)})
	} else {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:nudges:on", Label: l.T("learn.home.reminders_on", nil)})
	}
	c.Actions = append(c.Actions, bot.Action{ID: "learn:stats", Label: l.T("learn.home.stats", nil)}, bot.Action{ID: "learn:help", Label: l.T("learn.home.help", nil)})
	return c, nil
}

func roleOptions(roles []string) []bot.Option {
	out := make([]bot.Option, 0, len(roles))
	for _, r := range roles {
		out = append(out, bot.Option{Label: r, Value: r})
	}
	return out
}

func timeOptions() []bot.Option {
	out := make([]bot.Option, 0, len(homeTimes))
	for _, t := range homeTimes {
		out = append(out, bot.Option{Label: t, Value: t})
	}
	return out
}

func locOrUTC(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}
