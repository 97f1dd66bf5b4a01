package clean

import "testing"

func TestText(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"plain text, 5 mg at 08:30", "plain text, 5 mg at 08:30"},
		{"keeps\nnewlines\tand tabs", "keeps\nnewlines\tand tabs"},
		{"nul\x00byte", "nulbyte"},
		{"\x1b]0;pwned\x07title", "]0;pwnedtitle"},
		{"c1\u009b31mred", "c131mred"},
		{"del\x7f", "del"},
		{"crlf\r\nline\rend", "crlf\nline\nend"},
		{"bad \xff\xfe utf8", "bad \ufffd\ufffd utf8"},
		{"forged \ufff9U123\ufffb mention", "forged U123 mention"},
		{"émoji 👩‍⚕️ ok", "émoji 👩‍⚕️ ok"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
		if !Valid(Text(c.in)) {
			t.Errorf("Text(%q) is not Valid", c.in)
		}
	}
	if Valid("a\x00b") || Valid("\xff") || !Valid("ok\n") {
		t.Error("Valid disagrees with Text")
	}
}

func TestTerminal(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"plain, ünïcode\nand\ttab", "plain, ünïcode\nand\ttab"},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"\x1b[2J clear", `\x1b[2J clear`},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"cr\rover", `cr\x0dover`},
		{"bad\xff", `bad\xff`},
	}
	for _, c := range cases {
		if got := Terminal(c.in); got != c.want {
			t.Errorf("Terminal(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
