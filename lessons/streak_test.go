package lessons

import (
	"fmt"
	"testing"
	"time"
)

func TestStreak(t *testing.T) {
	t.Parallel()
	tue := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	ans := func(date string) StreakDay { return StreakDay{Date: date, Answered: true} }
	open := func(date string) StreakDay { return StreakDay{Date: date, Open: true} }
	missed := func(date string) StreakDay { return StreakDay{Date: date} }
	long := make([]StreakDay, StreakDays+10)
	for i := range long {
		long[i] = ans(tue.AddDate(0, 0, -i).Format("2006-01-02"))
	}
	for _, tt := range []struct {
		name string
		days []StreakDay
		want int
	}{
		{"no prompts", nil, 0},
		{"three answered days", []StreakDay{ans("2026-11-24"), ans("2026-11-23"), ans("2026-11-20")}, 3},
		{"today open does not break it", []StreakDay{open("2026-11-24"), ans("2026-11-23"), ans("2026-11-20")}, 2},
		{"today open, shift date a day ahead (east of the server)", []StreakDay{open("2026-11-25"), ans("2026-11-24")}, 1},
		{"yesterday's night shift still open counts as today", []StreakDay{open("2026-11-23"), ans("2026-11-20")}, 1},
		{"an open day three days old breaks it", []StreakDay{open("2026-11-21"), ans("2026-11-20")}, 0},
		{"an open day that is not the newest breaks it", []StreakDay{ans("2026-11-24"), open("2026-11-23"), ans("2026-11-20")}, 1},
		{"a missed day breaks it", []StreakDay{ans("2026-11-24"), missed("2026-11-23"), ans("2026-11-20")}, 1},
		{"today missed (expired) is zero", []StreakDay{missed("2026-11-24"), ans("2026-11-23")}, 0},
		{"counted over StreakDays at most", long, StreakDays},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Streak(tt.days, tue); got != tt.want {
				t.Errorf("Streak(%s) = %d, want %d", fmt.Sprint(tt.days), got, tt.want)
			}
		})
	}
}
