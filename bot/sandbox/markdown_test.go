package sandbox

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/huddlebot/huddlebot/bot"
)

// TestMarkdownTypedTextIsInert runs the sandbox page's Markdown renderer
// (static/markdown.js) under node: text people typed becomes no markup but
// the safe kinds, and a link never shows a label in place of its address.
// Skipped without node.
func TestMarkdownTypedTextIsInert(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	inputs := []string{
		"see [Epic-password-reset](https://evil.example/reset) now",
		"<img src=x onerror=alert(1)> <script>alert(1)</script> \" ' &",
		"<!channel> <@U0BOSS> <https://evil.example|Epic>",
		"forged stash \u00000\u0000 and a mention from " + bot.Mention("nina"),
		"- [Epic](https://evil.example/a\"onmouseover=\"x)",
	}
	in, _ := json.Marshal(inputs)
	script := `const m = require('./static/markdown.js'); process.stdout.write(JSON.stringify(` + string(in) + `.map(m.md)));`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var html []string
	if err := json.Unmarshal(out, &html); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	tag := regexp.MustCompile(`<(/?)([a-z]+)([^>]*)>`)
	anchor := regexp.MustCompile(`<a href="([^"]*)"[^>]*>([^<]*)</a>`)
	for i, h := range html {
		for _, m := range tag.FindAllStringSubmatch(h, -1) {
			switch m[2] {
			case "p", "br", "ul", "li", "strong", "em", "code", "a":
			default:
				t.Errorf("input %q: live <%s> in %s", inputs[i], m[2], h)
			}
			if m[2] == "a" && m[1] == "" && strings.Contains(m[3], "onmouseover") && !strings.Contains(m[3], "&quot;") {
				t.Errorf("input %q: attribute injected: %s", inputs[i], h)
			}
		}
		for _, a := range anchor.FindAllStringSubmatch(h, -1) {
			if a[1] != a[2] {
				t.Errorf("input %q: a link labelled %q goes to %q", inputs[i], a[2], a[1])
			}
		}
	}
	if !strings.Contains(html[0], `Epic-password-reset (<a href="https://evil.example/reset"`) {
		t.Errorf("a link does not show its address after its text: %s", html[0])
	}
	if !strings.Contains(html[3], "@nina") || strings.Contains(html[3], "\ufff9") {
		t.Errorf("the bot's mention is not shown as @nina: %q", html[3])
	}
}

// TestMarkdownNeutralMarkup: the sandbox page renders the card model's
// Markdown as HTML — **bold** and a # heading as <strong>, _italic_ as
// <em>, `code` as <code> — and a bot.Mention as @id; a plain-text field
// (a title, a context line) is shown as written. Skipped without node.
func TestMarkdownNeutralMarkup(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	in, _ := json.Marshal("# Huddle\n📊 **Polls**\n**Is it clear?** (anonymous) _(carried over)_ `code` for " + bot.Mention("nina"))
	title, _ := json.Marshal("**Q** <b> for " + bot.Mention("nina"))
	script := `const m = require('./static/markdown.js'); process.stdout.write(JSON.stringify([m.md(` + string(in) + `), m.plain(` + string(title) + `)]));`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != 2 {
		t.Fatalf("%v: %s", err, out)
	}
	html := got[0]
	if want := "**Q** &lt;b&gt; for @nina"; got[1] != want {
		t.Errorf("plain (a title, a context line) = %s, want %s: shown as written, as on Slack and Discord", got[1], want)
	}
	want := "<p><strong>Huddle</strong></p><p>📊 <strong>Polls</strong><br><strong>Is it clear?</strong> (anonymous) <em>(carried over)</em> <code>code</code> for @nina</p>"
	if html != want {
		t.Errorf("md = %s\nwant %s", html, want)
	}
}
