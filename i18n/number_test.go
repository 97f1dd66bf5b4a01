package i18n

import (
	"strconv"
	"testing"
)

// Numbers on cards follow the language: a decimal comma and "40 %" in
// Spanish, a decimal point and "40%" in English.
func TestNumbers(t *testing.T) {
	t.Parallel()
	en, es := For("en"), For("es")
	for _, tc := range []struct {
		v              float64
		digits         int
		wantEn, wantEs string
	}{
		{4.5, 1, "4.5", "4,5"},
		{4, 1, "4.0", "4,0"},
		{3.25, 2, "3.25", "3,25"},
		{12345.67, 1, "12,345.7", "12.345,7"},
		{2.0 / 3, 1, "0.7", "0,7"},
	} {
		if got := en.Decimal(tc.v, tc.digits); got != tc.wantEn {
			t.Errorf("en Decimal(%v, %d) = %q, want %q", tc.v, tc.digits, got, tc.wantEn)
		}
		if got := es.Decimal(tc.v, tc.digits); got != tc.wantEs {
			t.Errorf("es Decimal(%v, %d) = %q, want %q", tc.v, tc.digits, got, tc.wantEs)
		}
	}
	// Every whole percentage a tally can show comes out as itself (no
	// 28.999… rounding down).
	for n := 0; n <= 100; n++ {
		if got, want := en.Percent(n), strconv.Itoa(n)+"%"; got != want {
			t.Errorf("en Percent(%d) = %q, want %q", n, got, want)
		}
		if got, want := es.Percent(n), strconv.Itoa(n)+"\u00a0%"; got != want {
			t.Errorf("es Percent(%d) = %q, want %q", n, got, want)
		}
	}
	if got := For("pt-BR").Decimal(4.5, 1); got != "4.5" {
		t.Errorf("an unshipped language speaks the default's numbers too: %q", got)
	}
}
