package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/huddlebot/huddlebot/bot/bottest"

	"github.com/huddlebot/huddlebot/internal/browsertest"
)

// browser is one headless Chromium tab and the test it reports to.
type browser struct {
	t      *testing.T
	ctx    context.Context
	output *bottest.Buffer

	mu     sync.Mutex
	errors []string // uncaught exceptions and console.error calls of the page

	last string // the element id of the message newest found
}

func newBrowser(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	br := &browser{t: t, output: &bottest.Buffer{}}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(browsertest.Options(t, 1280, 800), chromedp.CombinedOutput(br.output))...)
	bctx, cancelTab := chromedp.NewContext(actx,
		chromedp.WithLogf(t.Logf),
		chromedp.WithListener(func(ev any) {
			switch ev := ev.(type) {
			case *runtime.EventExceptionThrown:
				d := ev.ExceptionDetails
				msg := d.Text
				if d.Exception != nil {
					msg += " " + d.Exception.Description
				}
				br.addError(fmt.Sprintf("exception at %s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, msg))
			case *runtime.EventConsoleAPICalled:
				if ev.Type == runtime.ConsoleAPICalledTypeError {
					var parts []string
					for _, a := range ev.Args {
						parts = append(parts, string(a.Value)+a.Description)
					}
					br.addError("console.error: " + strings.Join(parts, " "))
				}
			}
		}),
	)
	// The browser must be gone before t.TempDir (its profile) is removed.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	br.ctx = bctx
	return br
}

func (br *browser) addError(s string) {
	br.mu.Lock()
	defer br.mu.Unlock()
	br.errors = append(br.errors, s)
}

// do runs the steps or fails the test, naming the step and showing the
// browser's output.
func (br *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	br.t.Helper()
	if err := chromedp.Do(br.ctx, steps...); err != nil {
		br.fatal(what, err)
	}
}

func (br *browser) fatal(what string, err error) {
	br.t.Helper()
	br.mu.Lock()
	errs := strings.Join(br.errors, "\n")
	br.mu.Unlock()
	var lines []string
	for _, l := range strings.Split(br.output.String(), "\n") {
		if !strings.Contains(l, "dbus") { // a container has no D-Bus; Chromium says so a lot
			lines = append(lines, l)
		}
	}
	out := strings.Join(lines, "\n")
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	br.t.Fatalf("%s: %v\npage errors:\n%s\nchromium output (tail):\n%s", what, err, errs, out)
}

// eval evaluates a JavaScript expression (awaiting a promise) in the page.
func eval[T any](br *browser, what, expr string) T {
	br.t.Helper()
	v, err := chromedp.Run(br.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		br.fatal(what, err)
	}
	return v
}

// until waits until a JavaScript expression is truthy.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second))
}

func (br *browser) screenshot(name string) string {
	br.t.Helper()
	png, err := chromedp.Run(br.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		br.fatal("screenshot "+name, err)
	}
	dir := os.Getenv("HUDDLEBOT_SCREENSHOT_DIR") // keep them to look at
	if dir == "" {
		dir = br.t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		br.t.Fatalf("save screenshot: %v", err)
	}
	br.t.Logf("screenshot: %s (%d bytes)", path, len(png))
	return path
}

// nextQuiz moves the clock to the shown person's deliveries until a quiz
// with answer buttons is in their DM (a tip may come first, and a prompt may
// already be there) and returns its message id; after six it fails the
// test.
func (br *browser) nextQuiz(who string) int {
	br.t.Helper()
	newestQuiz := `(() => {
		const b = [...document.querySelectorAll('#messages .message[data-channel="dm"] .choice')];
		return b.length ? Number(b[b.length - 1].dataset.message) : 0;
	})()`
	br.advanceUntil(who, "a quiz card with answer buttons", newestQuiz)
	return eval[int](br, "find the quiz", newestQuiz)
}

// advanceUntil presses Next delivery until the JavaScript expression done
// is truthy (it may be already); after six deliveries it fails the test,
// saying it waited for what.
func (br *browser) advanceUntil(who, what, done string) {
	br.t.Helper()
	for i := 0; i < 6; i++ {
		moves := eval[string](br, "clock moves", `document.body.dataset.clockMoves || '0'`)
		br.do("next delivery",
			chromedp.Click(chromedp.CSS(`#clock-next`)),
			until(fmt.Sprintf(`(document.body.dataset.clockMoves || '0') !== %q`, moves)),
		)
		if bad := eval[bool](br, "clock status", `document.querySelector('#clock-status').classList.contains('error')`); bad {
			br.fatal("next delivery", fmt.Errorf("clock status: %s", eval[string](br, "clock status", `document.querySelector('#clock-status').textContent`)))
		}
		if eval[bool](br, "wait for "+what, "!!("+done+")") {
			return
		}
	}
	br.fatal("wait for "+what, fmt.Errorf("none in %s's DM after 6 deliveries; pane: %s",
		who, eval[string](br, "pane", `document.querySelector('#messages').innerText`)))
}

// TestBrowserChat drives the sandbox chat page in headless Chromium the way
// a trainer would: pick the nurse, move the clock to her delivery, answer
// the quiz, see the explanation, find that a second click changes nothing,
// leave feedback through the form, and see one answer in /learn stats. It
// also checks the narrow (phone) layout.
func TestBrowserChat(t *testing.T) {
	_ = browsertest.Path(t) // skip early, before starting anything
	srv := startTestSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second) // a hang detector, not a speed limit: -race on two busy cores is slow
	defer cancel()
	br := newBrowser(t, ctx)

	br.do("open the page",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-person="nina"]`)),
		until(`document.body.dataset.ready === 'true'`),
	)

	// Pick someone else first so that picking the nurse is a real switch.
	br.do("pick the physician",
		chromedp.Click(chromedp.CSS(`[data-person="pete"]`)),
		until(`document.querySelector('#messages').dataset.loaded === 'pete|dm'`),
	)
	br.do("pick the nurse",
		chromedp.Click(chromedp.CSS(`[data-person="nina"]`)),
		until(`document.querySelector('#messages').dataset.loaded === 'nina|dm'`),
		until(`document.querySelector('[data-person="nina"]').getAttribute('aria-pressed') === 'true'`),
		until(`document.querySelector('#me').textContent.includes('Nina Patel')`),
	)

	quiz := br.nextQuiz("Nina")
	card := fmt.Sprintf("#msg-%d", quiz)
	action := eval[string](br, "answer id", fmt.Sprintf(`document.querySelector('%s .choice').dataset.action`, card))
	if !strings.HasPrefix(action, "ans:") {
		t.Fatalf("answer button action = %q, want ans:…", action)
	}
	replies := eval[int](br, "count replies", `document.querySelectorAll('#messages .reply').length`)

	br.do("answer the quiz",
		chromedp.Click(chromedp.CSS(card+" .choice")),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-result")),
		chromedp.WaitVisible(chromedp.CSS(card+" .card-explanation")),
		until(fmt.Sprintf(`document.querySelectorAll('#messages .reply').length > %d`, replies)),
	)
	result := eval[string](br, "result", fmt.Sprintf(`document.querySelector('%s .card-result').textContent`, card))
	if !strings.Contains(result, "Correct") && !strings.Contains(result, "Not quite") {
		t.Errorf("result line = %q, want Correct or Not quite", result)
	}
	if expl := eval[string](br, "explanation", fmt.Sprintf(`document.querySelector('%s .card-explanation').textContent`, card)); strings.TrimSpace(expl) == "" {
		t.Error("the answered card has an empty explanation")
	}
	if n := eval[int](br, "answer buttons", fmt.Sprintf(`document.querySelectorAll('%s .choice').length`, card)); n != 0 {
		t.Errorf("the answered card still has %d answer buttons", n)
	}
	if !eval[bool](br, "edited marker", fmt.Sprintf(`!!document.querySelector('%s .edited')`, card)) {
		t.Error("the answered card has no (edited) marker")
	}
	reply := eval[string](br, "reply", `[...document.querySelectorAll('#messages .reply')].pop().textContent`)
	if !strings.Contains(reply, "Only visible to you") || (!strings.Contains(reply, "Correct") && !strings.Contains(reply, "Not quite")) {
		t.Errorf("ephemeral reply = %q, want an 'Only visible to you' notice with the result", reply)
	}

	// A second click on the same card changes nothing: click the card, and
	// replay the answer as a redelivered event would.
	before := eval[string](br, "card text", fmt.Sprintf(`document.querySelector('%s .card').innerText`, card))
	br.do("click the answered card", chromedp.Click(chromedp.CSS(card+" .card-result")))
	again := eval[string](br, "replay the answer", fmt.Sprintf(`fetch('/sandbox/api/click', {method: 'POST',
		headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({user: 'nina', message: %d, action: %q})}).then(r => r.json()).then(j => j.reply || j.error)`, quiz, action))
	if !strings.Contains(again, "no longer") && !strings.Contains(again, "already answered") {
		t.Errorf("replayed answer reply = %q, want it to say nothing changed", again)
	}
	eval[bool](br, "refresh", `window.huddlebot.refresh().then(() => true)`)
	if after := eval[string](br, "card text", fmt.Sprintf(`document.querySelector('%s .card').innerText`, card)); after != before {
		t.Errorf("the card changed after a second click:\nbefore: %q\nafter:  %q", before, after)
	}

	// "How sure were you?": tapping Certain is confirmed to her alone, and
	// the card marks it.
	certain := fmt.Sprintf(`%s button[data-action^="conf:"][data-action$=":3"]`, card)
	replies = eval[int](br, "count replies", `document.querySelectorAll('#messages .reply').length`)
	br.do("tap Certain",
		chromedp.Click(chromedp.CSS(certain)),
		until(fmt.Sprintf(`document.querySelectorAll('#messages .reply').length > %d`, replies)),
	)
	if reply := eval[string](br, "reply", `[...document.querySelectorAll('#messages .reply')].pop().textContent`); !strings.Contains(reply, "Noted: Certain") {
		t.Errorf("reply to the confidence tap = %q", reply)
	}
	eval[bool](br, "refresh", `window.huddlebot.refresh().then(() => true)`)
	br.do("the card marks the tap", until(fmt.Sprintf(`document.querySelector(%q).textContent.includes('✓ Certain')`, certain)))

	// /learn stats counts exactly one answer.
	br.do("run /learn stats, completed from a hint",
		chromedp.Click(chromedp.CSS(`#command`)),
		chromedp.SendKeys(chromedp.CSS(`#command`), "/learn st"),
		chromedp.WaitVisible(chromedp.CSS(`#hints [data-hint="/learn stats"]`)),
		chromedp.KeyEvent(kb.Tab),
		until(`document.querySelector('#command').value === '/learn stats'`),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`.reply [data-field="Answered"] .value`)),
	)
	answered := eval[string](br, "answered", `[...document.querySelectorAll('.reply [data-field="Answered"] .value')].pop().textContent.trim()`)
	if answered != "1" {
		t.Errorf("/learn stats Answered = %q, want 1", answered)
	}
	if v := eval[string](br, "command box", `document.querySelector('#command').value`); v != "" {
		t.Errorf("command box after sending = %q, want empty", v)
	}
	br.do("Up recalls the last command",
		chromedp.Focus(chromedp.CSS(`#command`)),
		chromedp.KeyEvent(kb.ArrowUp),
		until(`document.querySelector('#command').value === '/learn stats'`),
		chromedp.KeyEvent(kb.ArrowDown),
		until(`document.querySelector('#command').value === ''`),
	)

	eval[bool](br, "scroll", fmt.Sprintf(`(document.querySelector('%s').scrollIntoView({block: 'start'}), true)`, card))
	wide := br.screenshot("sandbox-1280.png")
	if v := os.Getenv("HUDDLEBOT_SCREENSHOT"); v == "1" || v == "true" {
		png, err := os.ReadFile(wide)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "sandbox.png"), png, 0o644); err != nil {
			t.Fatalf("save docs/sandbox.png: %v", err)
		}
	}

	// "Tell us more" opens the form; Escape closes it; sending it replies.
	more := card + ` [data-action^="more:"]`
	br.do("open the form",
		chromedp.Click(chromedp.CSS(more)),
		chromedp.WaitVisible(chromedp.CSS(`#form-text`)),
		until(`document.activeElement && document.activeElement.id === 'form-text'`),
	)
	br.screenshot("sandbox-form.png")
	br.do("Escape closes the form",
		chromedp.KeyEvent(kb.Escape),
		until(`!document.querySelector('#form-modal').open`),
	)
	replies = eval[int](br, "count replies", `document.querySelectorAll('#messages .reply').length`)
	br.do("send the form",
		chromedp.Click(chromedp.CSS(more)),
		chromedp.WaitVisible(chromedp.CSS(`#form-text`)),
		chromedp.SendKeys(chromedp.CSS(`#form-text`), "A screenshot of the MAR task list would help."),
		chromedp.Click(chromedp.CSS(`#form-submit`)),
		until(`!document.querySelector('#form-modal').open`),
		until(fmt.Sprintf(`document.querySelectorAll('#messages .reply').length > %d`, replies)),
	)

	// A failed request keeps what the person typed and says why.
	br.do("a failed send keeps the text",
		chromedp.Evaluate[chromedp.Void](`window.__fetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('offline'))`),
		chromedp.SendKeys(chromedp.CSS(`#command`), "/learn pause 2\n"),
		chromedp.WaitVisible(chromedp.CSS(`#error`)),
		chromedp.Evaluate[chromedp.Void](`window.fetch = window.__fetch`),
	)
	if v := eval[string](br, "command box", `document.querySelector('#command').value`); v != "/learn pause 2" {
		t.Errorf("command box after a failed send = %q, want the text kept", v)
	}
	eval[bool](br, "clear the box", `(() => {
		const c = document.querySelector('#command');
		c.value = '';
		c.dispatchEvent(new Event('input'));
		return true;
	})()`)

	// Card Markdown is escaped first; only a few constructs become markup.
	for _, tc := range []struct{ in, want string }{
		{"**bold** _it_ `code`", `<p><strong>bold</strong> <em>it</em> <code>code</code></p>`},
		{"<script>alert(1)</script>", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
		{"<img src=x onerror=alert(1)>", `<p>&lt;img src=x onerror=alert(1)&gt;</p>`},
		{"[x](javascript:alert(1))", `<p>[x](javascript:alert(1))</p>`},
		// A link shows its address, never only a label (issue 20 item 1).
		{`[a](https://e.org/?q="><b>)`, `<p>a (<a href="https://e.org/?q=&quot;&gt;&lt;b&gt;" target="_blank" rel="noopener noreferrer">https://e.org/?q=&quot;&gt;&lt;b&gt;</a>)</p>`},
		{"see https://e.org/a_b_c.", `<p>see <a href="https://e.org/a_b_c" target="_blank" rel="noopener noreferrer">https://e.org/a_b_c</a>.</p>`},
		{"snake_case_name", `<p>snake_case_name</p>`},
		{"one\ntwo\n\n- a\n- **b**", `<p>one<br>two</p><ul><li>a</li><li><strong>b</strong></li></ul>`},
	} {
		js, _ := json.Marshal(tc.in)
		if got := eval[string](br, "markdown", "huddlebot.md("+string(js)+")"); got != tc.want {
			t.Errorf("md(%q) =\n %s\nwant\n %s", tc.in, got, tc.want)
		}
	}

	// Narrow screens: the sidebar becomes a drawer behind a menu button.
	br.do("narrow layout",
		chromedp.EmulateViewport(420, 800),
		until(`getComputedStyle(document.querySelector('#menu-toggle')).display !== 'none'`),
		until(`getComputedStyle(document.querySelector('#sidebar')).visibility === 'hidden'`),
	)
	br.screenshot("sandbox-420.png")
	br.do("open the drawer",
		chromedp.Click(chromedp.CSS(`#menu-toggle`)),
		until(`getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible'`),
		until(`document.activeElement && document.activeElement.dataset.person === 'nina'`),
		until(`document.querySelector('#sidebar').getBoundingClientRect().left >= 0`), // slid in
	)
	br.screenshot("sandbox-420-menu.png")
	br.do("Escape closes the drawer",
		chromedp.KeyEvent(kb.Escape),
		until(`!document.body.classList.contains('menu-open')`),
	)

	br.mu.Lock()
	defer br.mu.Unlock()
	if len(br.errors) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(br.errors, "\n"))
	}
}
