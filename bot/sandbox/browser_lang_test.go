package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huddlebot/huddlebot/content"
	"github.com/huddlebot/huddlebot/internal/browsertest"
	"github.com/huddlebot/huddlebot/lessons"
)

// TestBrowserSpanishPerson is issue 19's daily loop of the sandbox's
// Spanish-speaking person: Lucía Hernández (front desk, es) is listed with
// her language, the day's quiz reaches her DM in Spanish (the lesson's
// Spanish title, question and choices, no English of the lesson), and
// answering it shows the Spanish right answer and explanation.
func TestBrowserSpanishPerson(t *testing.T) {
	_ = browsertest.Path(t) // skip early, before starting anything
	c, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	srv := startTestSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second) // a hang detector
	defer cancel()
	br := newBrowser(t, ctx)

	br.do("open the page and pick Lucía",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-person="lucia"]`)),
		until(`document.body.dataset.ready === 'true'`),
		chromedp.Click(chromedp.CSS(`[data-person="lucia"]`)),
		until(`document.querySelector('#messages').dataset.loaded === 'lucia|dm'`),
		until(`document.querySelector('#me').textContent.includes('Lucía Hernández')`),
	)
	if who := eval[string](br, "person", `document.querySelector('[data-person="lucia"]').textContent`); !strings.Contains(who, "es") {
		t.Errorf("Lucía's entry does not show her language: %q", who)
	}

	quiz := br.nextQuiz("Lucía")
	card := fmt.Sprintf("#msg-%d", quiz)
	title := eval[string](br, "title", fmt.Sprintf(`document.querySelector('%s .card-title').textContent`, card))
	var l *lessons.Lesson
	for _, x := range c.Lessons {
		if es := x.Translations["es"]; es != nil && strings.Contains(title, es.Title) {
			l = x
		}
	}
	if l == nil {
		t.Fatalf("the quiz in Lucía's DM is not a Spanish lesson: title %q", title)
	}
	es := l.Translations["es"]
	text := eval[string](br, "card", fmt.Sprintf(`document.querySelector('%s .card').innerText`, card))
	if !strings.Contains(text, es.Question) || strings.Contains(text, l.Question) || strings.Contains(text, l.Title) {
		t.Errorf("card of %s is not the Spanish one:\n%s", l.ID, text)
	}
	labels := eval[[]string](br, "choices", fmt.Sprintf(`[...document.querySelectorAll('%s .choice')].map(b => b.textContent.trim().replace(/^\d+/, ''))`, card))
	if !slices.Equal(labels, es.Choices) {
		t.Errorf("answer buttons = %q, want the Spanish choices %q", labels, es.Choices)
	}

	br.do("answer in Spanish",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s .choice[data-action$=":%d"]`, card, l.Answer))),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-result")),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-explanation")),
	)
	result := eval[string](br, "result", fmt.Sprintf(`document.querySelector('%s .card-result').textContent`, card))
	if !strings.Contains(result, es.Choices[l.Answer-1]) {
		t.Errorf("result line = %q, want the Spanish right answer %q", result, es.Choices[l.Answer-1])
	}
	expl := eval[string](br, "explanation", fmt.Sprintf(`document.querySelector('%s .card-explanation').textContent`, card))
	if !strings.Contains(strings.Join(strings.Fields(expl), " "), es.Explanation) {
		t.Errorf("explanation = %q, want the Spanish one %q", expl, es.Explanation)
	}
	if strings.Contains(expl, l.Explanation) {
		t.Errorf("the answered card shows the English explanation: %q", expl)
	}

	// The sandbox API lists her language too.
	people := eval[string](br, "people", `fetch('/sandbox/api/people').then(r => r.text())`)
	var ps []struct{ ID, Language string }
	if err := json.Unmarshal([]byte(people), &ps); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ps, func(p struct{ ID, Language string }) bool { return p.ID == "lucia" && p.Language == "es" }) {
		t.Errorf("people = %s, want lucia with language es", people)
	}
	br.screenshot("sandbox-es.png")
}
