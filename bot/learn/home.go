package learn

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/huddlebot/huddlebot/bot"
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
	if !m.Joined {
		c := &bot.Card{
			Title: "👋 Welcome to huddlebot",
			Body: "One short EHR tip or question each work day, written for your role, at a time that suits your shift. " +
				"Missed questions come back a few days later until they stick.\n\nPick your role to start — or type " +
				"`/learn join ROLE [DEPARTMENT]` anywhere.",
			Select:  &bot.Select{ID: "learn:join", Placeholder: "Choose your role", Options: roleOptions(b.Content().Roles)},
			Actions: []bot.Action{{ID: "learn:help", Label: "How it works"}},
			Context: "No patient details, ever: huddlebot only sends training material.",
		}
		return c, nil
	}
	st, err := b.DB.MemberStatsGet(ctx, b.DB, m.ID)
	if err != nil {
		return nil, fmt.Errorf("home for member %d: %w", m.ID, err)
	}
	acc := "–"
	if st.Answered > 0 {
		acc = fmt.Sprintf("%d%% of %d", (st.Correct*100+st.Answered/2)/st.Answered, st.Answered)
	}
	s := m.Schedule
	c := &bot.Card{
		Title: "📚 Your daily EHR huddle",
		Fields: []bot.Field{
			{Label: "🔥 Streak", Value: fmt.Sprintf("%d day(s)", st.Streak)},
			{Label: "🎯 Accuracy", Value: acc},
			{Label: "⏭️ Next delivery", Value: b.NextText(ctx, m)},
			{Label: "🏅 Mastered", Value: strconv.Itoa(st.Mastered)},
			{Label: "🕗 Schedule", Value: fmt.Sprintf("%s at %s (%s)", s.WorkDays, s.EffectiveDeliveryTime(), locOrUTC(s.Location))},
			{Label: "👤 Role", Value: m.Role + prefixIf(" · ", m.Department)},
		},
		Select:  &bot.Select{ID: "learn:time", Placeholder: "Change delivery time", Options: timeOptions()},
		Context: "Change anything with /learn — e.g. /learn days mon,wed,fri · /learn hours 19:00-07:30 · /learn tz America/Chicago",
	}
	c.Actions = append(c.Actions, bot.Action{ID: "learn", Label: "📬 A lesson now", Style: "primary"})
	if !s.PausedUntil.IsZero() && s.PausedUntil.After(b.Now()) {
		c.Body = "⏸️ Paused until " + s.PausedUntil.In(locOrUTC(s.Location)).Format("Mon 2 Jan") + "."
		c.Actions = append(c.Actions, bot.Action{ID: "learn:resume", Label: "▶️ Resume"})
	} else {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:pause", Label: "⏸️ Pause a week"})
	}
	if m.Nudges {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:nudges:off", Label: "🔕 Reminders off"})
	} else {
		c.Actions = append(c.Actions, bot.Action{ID: "learn:nudges:on", Label: "🔔 Reminders on"})
	}
	c.Actions = append(c.Actions, bot.Action{ID: "learn:stats", Label: "📊 Stats"}, bot.Action{ID: "learn:help", Label: "Help"})
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
