package metrics

import "testing"

// The expected values below were printed by CPython 3.11.

func TestPyCapitalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"the man in the USA", "The man in the usa"},
		{"ßtraße", "Sstraße"}, // full title case: one rune to two
		{"ǆemal", "ǅemal"},    // title case, not upper case
		{"ﬁne", "Fine"},
		{"ΟΔΟΣ ΚΑΛΗ", "Οδος καλη"},
		{"ΣΑΣ.", "Σας."}, // the first letter decides the final sigma
		{"İSTANBUL", "İstanbul"},
		{"xİ", "Xi\u0307"},
		{"aΣb", "Aσb"},
		// Cased through Other_Lowercase/Other_Uppercase, not a letter case.
		{"ⓐΣ", "Ⓐς"},
		{"ªΣ", "ªς"},
		{"xʰΣ", "Xʰς"},
		// U+0387 is case-ignorable (Word_Break MidLetter), so a letter follows.
		{"aΣ\u0387b", "Aσ\u0387b"},
		{"aΣ^b", "Aσ^b"},
	} {
		if got := PyCapitalize(tc.in); got != tc.want {
			t.Errorf("PyCapitalize(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyStrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" \x1c x \u3000\x1f", "x"},
		{"\u200bx\u200b", "\u200bx\u200b"}, // zero-width space is not whitespace
	} {
		if got := PyStrip(tc.in); got != tc.want {
			t.Errorf("PyStrip(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
