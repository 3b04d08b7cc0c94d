package metrics

import (
	"slices"
	"testing"
)

// The expected values below were printed by CPython 3.11.

func TestPyLower(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ABC def", "abc def"},
		{"İstanbul", "i\u0307stanbul"},
		{"ΟΔΟΣ", "οδος"},         // final sigma
		{"ΣΑ", "σα"},             // not after a cased letter
		{"Σ", "σ"},               // alone
		{"ΑΣ.", "ας."},           // before a non-cased character
		{"ΑΣ'Α", "ασ'α"},         // the apostrophe is case-ignorable: a letter follows
		{"Α\u0301Σ", "α\u0301ς"}, // the accent is case-ignorable: a letter precedes
		{"Α Σ", "α σ"},           // the space is not case-ignorable
		{"ǅemal", "ǆemal"},
		{"ẞ", "ß"},
		{"\u212a", "k"},
	} {
		if got := pyLower(tc.in); got != tc.want {
			t.Errorf("pyLower(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyWhitespace(t *testing.T) {
	in := " a\tb\nc\x0bd\x0ce\rf\x1cg\x1dh\x1ei\x1fj\u0085k\u00a0l\u1680m\u2000n\u200ao\u2028p\u2029q\u202fr\u205fs\u3000t "
	want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"}
	if got := pyFields(in); !slices.Equal(got, want) {
		t.Errorf("pyFields: got %q, want %q", got, want)
	}
	// Not whitespace in Python: zero-width space, BOM, U+180E.
	if got := pyFields("a\u200bb\ufeffc\u180ed"); len(got) != 1 {
		t.Errorf("pyFields: got %q, want one field", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"x \x1c\u3000", "x"},
		{"x", "x"},
		{"", ""},
		{"x.\n", "x."},
	} {
		if got := pyRstrip(tc.in); got != tc.want {
			t.Errorf("pyRstrip(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyRepr(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{100, "100.0"},
		{66.66666666666667, "66.66666666666667"},
		{1e-05, "1e-05"},
		{0.0001, "0.0001"},
		{0.00012345, "0.00012345"},
		{1e16, "1e+16"},
		{1234567890123456, "1234567890123456.0"},
		{123456789012345678, "1.2345678901234568e+17"},
		{1.5e300, "1.5e+300"},
		{0.1, "0.1"},
		{0, "0.0"},
	} {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%v): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
