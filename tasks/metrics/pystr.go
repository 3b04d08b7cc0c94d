package metrics

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The reference tools are Python; these helpers reproduce the few Python
// string semantics that Go's standard library does differently
// (METRICS.md §1).

// pySpace reports whether Python's str.isspace() holds for r. Python also
// counts U+001C–U+001F (the ASCII separators) as whitespace; Go does not.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyFields is Python's s.split() with no argument.
func pyFields(s string) []string { return strings.FieldsFunc(s, pySpace) }

// pyJoinFields is Python's " ".join(s.split()).
func pyJoinFields(s string) string { return strings.Join(pyFields(s), " ") }

// pyRstrip is Python's s.rstrip().
func pyRstrip(s string) string {
	if n := len(s); n > 0 && s[n-1] > ' ' && s[n-1] < utf8.RuneSelf {
		return s // the common case: nothing to strip
	}
	return strings.TrimRightFunc(s, pySpace)
}

// pyStrip is Python's s.strip().
func pyStrip(s string) string { return strings.TrimFunc(s, pySpace) }

// pyWord reports whether r is in Python's Unicode \w: ch.isalnum() or "_".
func pyWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

// pyLower is Python's str.lower(). It differs from strings.ToLower in two
// places: U+0130 İ lowers to "i" + U+0307 (a full case mapping), and a
// capital sigma at the end of a word lowers to final sigma ς.
func pyLower(s string) string {
	ascii := true
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + ('a' - 'A')
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range s {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is CPython's handle_capital_sigma: the Σ at byte offset i is in
// the Final_Sigma context when a cased letter precedes it (skipping
// case-ignorable characters) and no cased letter follows it (likewise).
func finalSigma(s string, i int) bool {
	j := i
	before := false
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if !caseIgnorable(r) {
			before = cased(r)
			break
		}
	}
	if !before {
		return false
	}
	for j = i + len("Σ"); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if !caseIgnorable(r) {
			return !cased(r)
		}
	}
	return true
}

// cased is Unicode's derived property Cased: Lowercase, Uppercase or Lt.
func cased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable is Unicode's derived property Case_Ignorable: Mn, Me, Cf,
// Lm, Sk, or Word_Break MidLetter, MidNumLet or Single_Quote (listed here
// because Go has no Word_Break tables).
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024,
		0x2027, 0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// pyRepr formats x as Python's repr(float) does: the shortest decimal that
// round-trips, ".0" on integral values, and exponent form when the decimal
// exponent is below -4 or at least 16.
func pyRepr(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	f := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsRune(f, '.') {
		f += ".0"
	}
	return f
}

// pyFixed is Python's f"{x:.{prec}f}" (both round the exact binary value,
// ties to even).
func pyFixed(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }
