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
// (METRICS.md §1). PyCapitalize and PyStrip are exported for the task
// loaders, which preprocess text as the Python harnesses do: one copy of
// CPython's casing rules serves both.

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

// PyStrip is Python's str.strip() with no argument: it also strips
// U+001C–U+001F, which strings.TrimSpace keeps.
func PyStrip(s string) string { return pyStrip(s) }

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
	writeLower(&b, s, 0)
	return b.String()
}

// PyCapitalize is Python 3's str.capitalize(): the first character in full
// title case (ß → "Ss", ǆ → ǅ), the rest as str.lower() lowers them, with
// the final-sigma context judged over the whole string.
func PyCapitalize(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	first, size := utf8.DecodeRuneInString(s)
	if t, ok := specialTitle[first]; ok {
		b.WriteString(t)
	} else {
		b.WriteRune(unicode.ToTitle(first))
	}
	writeLower(&b, s, size)
	return b.String()
}

// writeLower writes s[from:] as str.lower() lowers it. The rest of s is
// still read, because a cased letter before from decides a final sigma.
func writeLower(b *strings.Builder, s string, from int) {
	for i, r := range s[from:] {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(s, from+i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
}

// specialTitle holds the title-case mappings of Unicode's SpecialCasing.txt
// that are not one rune to one rune (Go's unicode.ToTitle covers the rest).
var specialTitle = map[rune]string{
	0x00DF: "\u0053\u0073",       // ß
	0xFB00: "\u0046\u0066",       // ﬀ
	0xFB01: "\u0046\u0069",       // ﬁ
	0xFB02: "\u0046\u006C",       // ﬂ
	0xFB03: "\u0046\u0066\u0069", // ﬃ
	0xFB04: "\u0046\u0066\u006C", // ﬄ
	0xFB05: "\u0053\u0074",       // ﬅ
	0xFB06: "\u0053\u0074",       // ﬆ
	0x0587: "\u0535\u0582",       // և
	0xFB13: "\u0544\u0576",       // ﬓ
	0xFB14: "\u0544\u0565",       // ﬔ
	0xFB15: "\u0544\u056B",       // ﬕ
	0xFB16: "\u054E\u0576",       // ﬖ
	0xFB17: "\u0544\u056D",       // ﬗ
	0x0149: "\u02BC\u004E",       // ŉ
	0x0390: "\u0399\u0308\u0301", // ΐ
	0x03B0: "\u03A5\u0308\u0301", // ΰ
	0x01F0: "\u004A\u030C",       // ǰ
	0x1E96: "\u0048\u0331",       // ẖ
	0x1E97: "\u0054\u0308",       // ẗ
	0x1E98: "\u0057\u030A",       // ẘ
	0x1E99: "\u0059\u030A",       // ẙ
	0x1E9A: "\u0041\u02BE",       // ẚ
	0x1F50: "\u03A5\u0313",       // ὐ
	0x1F52: "\u03A5\u0313\u0300", // ὒ
	0x1F54: "\u03A5\u0313\u0301", // ὔ
	0x1F56: "\u03A5\u0313\u0342", // ὖ
	0x1FB6: "\u0391\u0342",       // ᾶ
	0x1FC6: "\u0397\u0342",       // ῆ
	0x1FD2: "\u0399\u0308\u0300", // ῒ
	0x1FD3: "\u0399\u0308\u0301", // ΐ
	0x1FD6: "\u0399\u0342",       // ῖ
	0x1FD7: "\u0399\u0308\u0342", // ῗ
	0x1FE2: "\u03A5\u0308\u0300", // ῢ
	0x1FE3: "\u03A5\u0308\u0301", // ΰ
	0x1FE4: "\u03A1\u0313",       // ῤ
	0x1FE6: "\u03A5\u0342",       // ῦ
	0x1FE7: "\u03A5\u0308\u0342", // ῧ
	0x1FF6: "\u03A9\u0342",       // ῶ
	0x1FB2: "\u1FBA\u0345",       // ᾲ
	0x1FB4: "\u0386\u0345",       // ᾴ
	0x1FC2: "\u1FCA\u0345",       // ῂ
	0x1FC4: "\u0389\u0345",       // ῄ
	0x1FF2: "\u1FFA\u0345",       // ῲ
	0x1FF4: "\u038F\u0345",       // ῴ
	0x1FB7: "\u0391\u0342\u0345", // ᾷ
	0x1FC7: "\u0397\u0342\u0345", // ῇ
	0x1FF7: "\u03A9\u0342\u0345", // ῷ
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
