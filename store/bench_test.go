package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/huddlebot/huddlebot/lessons"
	"github.com/huddlebot/huddlebot/member"
	"github.com/huddlebot/huddlebot/store"
	"github.com/huddlebot/huddlebot/store/storetest"
)

// BenchmarkContentImport imports 5,000 generated lessons (half quizzes) into
// an empty database, then re-imports them with 10% changed (new versions).
func BenchmarkContentImport(b *testing.B) {
	gen := func(changed int) *lessons.Content {
		c := &lessons.Content{Roles: member.DefaultRoles}
		for i := 0; i < 5000; i++ {
			l := &lessons.Lesson{ID: fmt.Sprintf("lesson-%05d", i), Kind: lessons.KindTip, Title: fmt.Sprintf("Lesson %d", i),
				Roles: []string{member.DefaultRoles[i%5]}, Tags: []string{fmt.Sprintf("topic-%d", i%40)},
				Body: "Open the order set, review the defaults, and sign. Check the allergy banner first.",
				Path: fmt.Sprintf("gen/%05d.md", i)}
			if i%2 == 0 {
				l.Kind, l.Body = lessons.KindQuiz, ""
				l.Question = "Which step comes first?"
				l.Choices = []string{"Check the allergy banner", "Sign the order", "Print the summary"}
				l.Answer = 1
				l.Explanation = "Allergies first: the order set does not know what the patient told triage."
			}
			if i < changed {
				l.Title += " (revised)"
			}
			c.Lessons = append(c.Lessons, l)
		}
		return c
	}
	for _, backend := range storetest.Backends() {
		b.Run(string(backend)+"/new", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, backend)
				c := gen(0)
				b.StartTimer()
				res, err := db.ContentImport(context.Background(), c)
				if err != nil || len(res.Added) != 5000 {
					b.Fatalf("import: %v %v", res, err)
				}
			}
			b.ReportMetric(5000, "lessons/op")
		})
		b.Run(string(backend)+"/reimport-10pct-changed", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, backend)
				if _, err := db.ContentImport(context.Background(), gen(0)); err != nil {
					b.Fatal(err)
				}
				c := gen(500)
				b.StartTimer()
				res, err := db.ContentImport(context.Background(), c)
				if err != nil || len(res.Changed) != 500 {
					b.Fatalf("reimport: %v %v", res, err)
				}
			}
		})
	}
}

var _ = store.ErrNotFound
