package lessons

import (
	"fmt"
	"testing"
	"time"

	"github.com/huddlebot/huddlebot/member"
)

// TestPlanUnansweredDoesNotBlock: a member who never answers a quiz is not
// sent it every work day (eleven days running in one trial): after it goes
// unanswered the next lessons follow, and it comes back after the miss
// interval — never on two consecutive work days (issue 17 item 7).
func TestPlanUnansweredDoesNotBlock(t *testing.T) {
	t.Parallel()
	var ls []*Lesson
	track := &Track{ID: "nurse", Roles: []string{"nurse"}}
	for i := 1; i <= 30; i++ {
		id := fmt.Sprintf("l%02d", i)
		l := &Lesson{ID: id, Kind: KindTip, Title: id, Roles: []string{"nurse"}}
		if i <= 2 {
			l.Kind, l.Question, l.Choices, l.Answer = KindQuiz, "?", []string{"a", "b"}, 1
		}
		ls = append(ls, l)
		track.Lessons = append(track.Lessons, id)
	}
	p := NewPlanner(&Content{Lessons: ls, Tracks: []*Track{track}, Roles: member.DefaultRoles})
	for _, tc := range []struct {
		name string
		back int // UnansweredBackAfterDays
		want int // calendar days until l01 comes back
	}{{"default miss interval", 0, DefaultSpacing.WrongAfterDays}, {"configured", 5, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			ny, _ := time.LoadLocation("America/New_York")
			m := &member.Member{Role: "nurse", Joined: true, Schedule: member.Schedule{Location: ny, DeliveryTime: member.DefaultDeliveryTime,
				WorkStart: member.DefaultWorkStart, WorkEnd: member.DefaultWorkEnd, WorkDays: member.MonFri}}
			seen, unanswered := map[string]bool{}, map[string]string{}
			var prev string
			back := ""
			// Work days from Friday 2026-10-30 over the DST change (Sunday 1 Nov).
			now := time.Date(2026, 10, 30, 9, 0, 0, 0, ny)
			for day := 0; day < 25; day++ {
				for !m.Schedule.InWorkHours(now) {
					now = now.AddDate(0, 0, 1)
				}
				date := m.Schedule.ShiftDate(now)
				pick, ok := p.Plan(PlanState{Member: m, Now: now, Seen: seen, Unanswered: unanswered, UnansweredBackAfterDays: tc.back})
				if !ok {
					t.Fatalf("%s: nothing planned", date)
				}
				if pick.LessonID == prev {
					t.Fatalf("%s: %s again, sent on the previous work day too", date, pick.LessonID)
				}
				if pick.LessonID == "l01" && day > 0 && back == "" {
					back = date
				}
				prev = pick.LessonID
				if ls[0].ID == pick.LessonID || ls[1].ID == pick.LessonID {
					unanswered[pick.LessonID] = date // never answered: it expires
				} else {
					seen[pick.LessonID] = true
				}
				now = now.AddDate(0, 0, 1)
			}
			if want := AddDays("2026-10-30", tc.want); back == "" || back < want {
				t.Errorf("l01 came back on %q, want on or after %s", back, want)
			}
		})
	}
}
