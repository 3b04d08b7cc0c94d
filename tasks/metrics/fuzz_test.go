package metrics

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz tests for the text-handling code. Each checks properties that hold
// for any input, besides not panicking; the differential checks against the
// Python references are in the table and vector tests.

var (
	rougeTokenRe = regexp.MustCompile(`^[a-z0-9]+$`)
	alnumRunRe   = regexp.MustCompile(`[a-z0-9]+`)
)

// FuzzRougeTokenize: tokens are non-empty runs of [a-z0-9], stemmed or
// not; without the stemmer they are exactly the maximal [a-z0-9] runs of
// the ASCII-lowercased text when it is ASCII; a text scores 1 against
// itself whenever it has tokens.
func FuzzRougeTokenize(f *testing.F) {
	for _, s := range []string{
		"#Person1# asks #Person2# about the weather.",
		"It costs $1,000.50 -- isn't it?",
		"İstanbul Straße \u212Aelvin", "Café naïve résumé", "generously hopefulness\nsummarization",
		"yyyy ies oed sses",
	} {
		f.Add(s)
	}
	sc, err := NewRougeScorer(RougeTypes, true)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain := RougeTokenize(s, false)
		stemmed := RougeTokenize(s, true)
		if len(plain) != len(stemmed) {
			t.Errorf("%q: %d tokens, %d stemmed", s, len(plain), len(stemmed))
		}
		for _, tok := range append(plain, stemmed...) {
			if !rougeTokenRe.MatchString(tok) {
				t.Errorf("%q: bad token %q", s, tok)
			}
		}
		if isASCII(s) {
			want := alnumRunRe.FindAllString(strings.ToLower(s), -1)
			if strings.Join(plain, " ") != strings.Join(want, " ") {
				t.Errorf("%q: got %q, want %q", s, plain, want)
			}
		}
		PorterStem(s)
		if len(plain) > 0 && utf8.ValidString(s) {
			got := sc.Score(s, s)
			for _, typ := range []string{"rouge1", "rougeL", "rougeLsum"} {
				if got[typ].FMeasure != 1 {
					t.Errorf("%q against itself: %s = %+v, want F 1", s, typ, got[typ])
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzNormalizeAnswer: normalisation is idempotent, leaves no ASCII
// punctuation, no article words and single spaces; an answer matches
// itself.
func FuzzNormalizeAnswer(f *testing.F) {
	for _, s := range []string{"The Denver Broncos.", "theé a² an_the", "ΟΔΟΣ İstanbul", "denver\x1cbroncos\u00a0", "a an the"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeAnswer(s)
		if !utf8.ValidString(s) {
			return
		}
		if again := NormalizeAnswer(n); again != n {
			t.Errorf("NormalizeAnswer(%q) = %q, but again gives %q", s, n, again)
		}
		if n != pyJoinFields(n) {
			t.Errorf("NormalizeAnswer(%q) = %q: whitespace not collapsed", s, n)
		}
		for _, w := range strings.Split(n, " ") {
			if w == "a" || w == "an" || w == "the" {
				t.Errorf("NormalizeAnswer(%q) = %q: article left", s, n)
			}
		}
		if strings.ContainsFunc(n, func(r rune) bool { return r < 0x80 && isASCIIPunct(byte(r)) }) {
			t.Errorf("NormalizeAnswer(%q) = %q: punctuation left", s, n)
		}
		if !SQuADExactMatch(s, s) {
			t.Errorf("%q does not match itself", s)
		}
		if f1 := SQuADF1(s, s); (n == "" && f1 != 0) || (n != "" && f1 != 1) {
			t.Errorf("SQuADF1(%q, itself) = %v", s, f1)
		}
	})
}

var strictAnswerRe = regexp.MustCompile(`^-?[0-9.,]+$`)

// FuzzGSM8K: extractions are "[invalid]" or text of the response of the
// right shape, and a response made of a gold's answer line matches it.
func FuzzGSM8K(f *testing.F) {
	for _, s := range []string{"She sells 9 eggs.\n#### 18", "#### 70,000", "#### $18", "The answer is 18.", "####18", "#### -5\n#### 7", "...", "#### 18.\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		strict, flex, oai := GSM8KStrict(s), GSM8KFlexible(s), GSM8KOpenAI(s)
		if strict != GSM8KInvalid && (!strictAnswerRe.MatchString(strict) || !strings.Contains(s, "#### "+strict)) {
			t.Errorf("GSM8KStrict(%q) = %q", s, strict)
		}
		if flex != GSM8KInvalid && !strings.Contains(s, flex) {
			t.Errorf("GSM8KFlexible(%q) = %q: not in the response", s, flex)
		}
		if want := strings.ReplaceAll(strict, ",", ""); oai != want && strict != GSM8KInvalid {
			t.Errorf("GSM8KOpenAI(%q) = %q, want %q", s, oai, want)
		}
		GSM8KNormalize(s)
		// A gold whose only "#### " line ends it matches its own answer.
		if strict != GSM8KInvalid && strings.Count(s, "#### ") == 1 && strings.HasSuffix(s, "#### "+strict) {
			if got := GSM8KCompare("#### "+strict, s); got.StrictMatch != 1 || got.OpenAIMatch != 1 {
				t.Errorf("the answer %q of gold %q does not match it: %+v", strict, s, got)
			}
		}
	})
}
