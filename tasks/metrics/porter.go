package metrics

import "unicode/utf8"

// The Porter stemmer exactly as NLTK 3.8's PorterStemmer() runs it (mode
// NLTK_EXTENSIONS), which is what rouge-score uses. NLTK departs from
// Porter's paper in a few places (marked NLTK below); rouge-score's numbers
// depend on every one of them.

// PorterStem returns NLTK's PorterStemmer().stem(word): the word is
// lowercased (Python str.lower) and stemmed. Like NLTK it indexes code
// points, so non-ASCII words are stemmed rune by rune.
func PorterStem(word string) string {
	if p, ok := porterPool[word]; ok {
		return p
	}
	lower, n := pyLower(word), utf8.RuneCountInString(word)
	for i := 0; i < len(lower); i++ {
		if lower[i] >= utf8.RuneSelf {
			return string(stemWord([]rune(lower), n))
		}
	}
	return string(stemWord([]byte(lower), n))
}

// porterPool holds NLTK's irregular forms; the lookup uses the word as given.
var porterPool = map[string]string{
	"sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
	"news": "news", "innings": "inning", "inning": "inning", "outings": "outing",
	"outing": "outing", "cannings": "canning", "canning": "canning", "howe": "howe",
	"proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}

type letter interface{ byte | rune }

// stemWord runs the steps; wordLen is the length of the original word
// (NLTK tests it before lowercasing, which can lengthen a word).
func stemWord[T letter](w []T, wordLen int) []T {
	if wordLen <= 2 {
		return w
	}
	w = step1a(w)
	w = step1b(w)
	w = applyRules(w, step1cRules)
	w = step2(w)
	w = applyRules(w, step3Rules)
	w = applyRules(w, step4Rules)
	w = step5a(w)
	return applyRules(w, step5bRules)
}

// isCons is NLTK's _is_consonant: y is a consonant at the start or after a
// vowel.
func isCons[T letter](w []T, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !isCons(w, i-1)
	}
	return true
}

// measure is m: the number of vowel-consonant transitions ("vc") in w.
func measure[T letter](w []T) int {
	m := 0
	prevVowel := false
	for i := range w {
		c := isCons(w, i)
		if c && prevVowel {
			m++
		}
		prevVowel = !c
	}
	return m
}

func hasVowel[T letter](w []T) bool {
	for i := range w {
		if !isCons(w, i) {
			return true
		}
	}
	return false
}

// endsDouble is *d: the word ends with a doubled consonant.
func endsDouble[T letter](w []T) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && isCons(w, n-1)
}

// endsCVC is *o: consonant-vowel-consonant with the last not w, x or y; NLTK
// also accepts a two-letter vowel-consonant word.
func endsCVC[T letter](w []T) bool {
	n := len(w)
	if n >= 3 && isCons(w, n-3) && !isCons(w, n-2) && isCons(w, n-1) {
		c := w[n-1]
		return c != 'w' && c != 'x' && c != 'y'
	}
	return n == 2 && !isCons(w, 0) && isCons(w, 1)
}

func hasSuffix[T letter](w []T, suf string) bool {
	if len(suf) > len(w) {
		return false
	}
	off := len(w) - len(suf)
	for i := 0; i < len(suf); i++ {
		if w[off+i] != T(suf[i]) {
			return false
		}
	}
	return true
}

// replaceSuffix returns w without its last n letters and with repl added, in
// a new slice.
func replaceSuffix[T letter](w []T, n int, repl string) []T {
	out := make([]T, 0, len(w)-n+len(repl))
	out = append(out, w[:len(w)-n]...)
	for i := 0; i < len(repl); i++ {
		out = append(out, T(repl[i]))
	}
	return out
}

// A porterRule rewrites suffix to repl when cond holds for the stem (the
// word without suffix).
type porterRule struct {
	suffix, repl string
	cond         ruleCond
}

type ruleCond uint8

const (
	always     ruleCond = iota
	measureGT0          // m(stem) > 0
	measureGT1          // m(stem) > 1
	ionCond             // m(stem) > 1 and the stem ends in s or t
	logiCond            // NLTK: m(word[:-3]) > 0, so the l stays with the stem
	yCond               // NLTK: len(stem) > 1 and the stem ends in a consonant
	llCond              // m(word[:-1]) > 1
)

// applyRules is NLTK's _apply_rule_list: the first rule whose suffix
// matches decides; if its condition fails, the word is returned unchanged
// and later rules are not tried.
func applyRules[T letter](w []T, rules []porterRule) []T {
	for _, r := range rules {
		if !hasSuffix(w, r.suffix) {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		ok := true
		switch r.cond {
		case measureGT0:
			ok = measure(stem) > 0
		case measureGT1:
			ok = measure(stem) > 1
		case ionCond:
			ok = measure(stem) > 1 && (stem[len(stem)-1] == 's' || stem[len(stem)-1] == 't')
		case logiCond:
			ok = measure(w[:len(w)-3]) > 0
		case yCond:
			ok = len(stem) > 1 && isCons(stem, len(stem)-1)
		case llCond:
			ok = measure(w[:len(w)-1]) > 1
		}
		if !ok {
			return w
		}
		return replaceSuffix(w, len(r.suffix), r.repl)
	}
	return w
}

var step1aRules = []porterRule{{"sses", "ss", always}, {"ies", "i", always}, {"ss", "ss", always}, {"s", "", always}}

func step1a[T letter](w []T) []T {
	if len(w) == 4 && hasSuffix(w, "ies") { // NLTK: dies -> die, but flies -> fli
		return replaceSuffix(w, 3, "ie")
	}
	return applyRules(w, step1aRules)
}

func step1b[T letter](w []T) []T {
	if hasSuffix(w, "ied") { // NLTK: died -> die, but spied -> spi
		if len(w) == 4 {
			return replaceSuffix(w, 3, "ie")
		}
		return replaceSuffix(w, 3, "i")
	}
	if hasSuffix(w, "eed") {
		if measure(w[:len(w)-3]) > 0 {
			return replaceSuffix(w, 3, "ee")
		}
		return w
	}
	var stem []T
	switch {
	case hasSuffix(w, "ed") && hasVowel(w[:len(w)-2]):
		stem = w[:len(w)-2]
	case hasSuffix(w, "ing") && hasVowel(w[:len(w)-3]):
		stem = w[:len(w)-3]
	default:
		return w
	}
	// The rule list that follows in NLTK: at -> ate, bl -> ble, iz -> ize,
	// then *d (undouble unless l, s or z), then (m=1 and *o) -> +e.
	switch {
	case hasSuffix(stem, "at"), hasSuffix(stem, "bl"), hasSuffix(stem, "iz"):
		return replaceSuffix(stem, 0, "e")
	case endsDouble(stem):
		if c := stem[len(stem)-1]; c != 'l' && c != 's' && c != 'z' {
			return replaceSuffix(stem, 1, "")
		}
		return replaceSuffix(stem, 0, "")
	case measure(stem) == 1 && endsCVC(stem):
		return replaceSuffix(stem, 0, "e")
	}
	return replaceSuffix(stem, 0, "")
}

var step1cRules = []porterRule{{"y", "i", yCond}}

var step2Rules = []porterRule{
	{"ational", "ate", measureGT0}, {"tional", "tion", measureGT0}, {"enci", "ence", measureGT0},
	{"anci", "ance", measureGT0}, {"izer", "ize", measureGT0}, {"bli", "ble", measureGT0},
	{"alli", "al", measureGT0}, {"entli", "ent", measureGT0}, {"eli", "e", measureGT0},
	{"ousli", "ous", measureGT0}, {"ization", "ize", measureGT0}, {"ation", "ate", measureGT0},
	{"ator", "ate", measureGT0}, {"alism", "al", measureGT0}, {"iveness", "ive", measureGT0},
	{"fulness", "ful", measureGT0}, {"ousness", "ous", measureGT0}, {"aliti", "al", measureGT0},
	{"iviti", "ive", measureGT0}, {"biliti", "ble", measureGT0},
	{"fulli", "ful", measureGT0}, {"logi", "log", logiCond}, // NLTK additions, tried last
}

func step2[T letter](w []T) []T {
	// NLTK applies alli -> al first and then runs step 2 again.
	if hasSuffix(w, "alli") && measure(w[:len(w)-4]) > 0 {
		return step2(replaceSuffix(w, 4, "al"))
	}
	return applyRules(w, step2Rules)
}

var step3Rules = []porterRule{
	{"icate", "ic", measureGT0}, {"ative", "", measureGT0}, {"alize", "al", measureGT0},
	{"iciti", "ic", measureGT0}, {"ical", "ic", measureGT0}, {"ful", "", measureGT0},
	{"ness", "", measureGT0},
}

var step4Rules = []porterRule{
	{"al", "", measureGT1}, {"ance", "", measureGT1}, {"ence", "", measureGT1},
	{"er", "", measureGT1}, {"ic", "", measureGT1}, {"able", "", measureGT1},
	{"ible", "", measureGT1}, {"ant", "", measureGT1}, {"ement", "", measureGT1},
	{"ment", "", measureGT1}, {"ent", "", measureGT1}, {"ion", "", ionCond},
	{"ou", "", measureGT1}, {"ism", "", measureGT1}, {"ate", "", measureGT1},
	{"iti", "", measureGT1}, {"ous", "", measureGT1}, {"ive", "", measureGT1},
	{"ize", "", measureGT1},
}

func step5a[T letter](w []T) []T {
	if hasSuffix(w, "e") {
		stem := w[:len(w)-1]
		if m := measure(stem); m > 1 || (m == 1 && !endsCVC(stem)) {
			return replaceSuffix(stem, 0, "")
		}
	}
	return w
}

var step5bRules = []porterRule{{"ll", "l", llCond}}
