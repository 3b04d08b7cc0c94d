package metrics

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokenize13aTable is METRICS.md §5.2's table, computed with sacreBLEU 2.6.0.
var tokenize13aTable = []struct{ in, want string }{
	{"The dog bit the man.", "The dog bit the man ."},
	{"It wasn't surprising.", "It wasn't surprising ."},
	{"Hello, world! (test) [x] {y} <z>", "Hello , world ! ( test ) [ x ] { y } < z >"},
	{"3.14 and 1,000,000 and 5-10 and a-b and 3.", "3.14 and 1,000,000 and 5 - 10 and a-b and 3 ."},
	{"U.S.A. e.g. etc.", "U . S . A . e . g . etc ."},
	{"&quot;quoted&quot; &amp;lt; &amp; &lt;tag&gt;", `" quoted " < & < tag >`},
	{"a <skipped> b", "a b"},
	{"hyphen-\nated\nline", "hyphenated line"},
	{"“Curly quotes,” she said—then… «guillemets» ¿qué?", "“Curly quotes , ” she said—then… «guillemets» ¿qué ?"},
	{"tab\there\u00a0nbsp\u2009thin\u3000ideo", "tab here nbsp thin ideo"},
	{"x\x1cy\x1fz", "x y z"},
	{"A...B,,C", "A . . . B , , C"},
	{"$5.00/hour @home #tag 50% ^caret ~tilde `tick` _under_ |pipe|", "$ 5.00 / hour @ home # tag 50 % ^ caret ~ tilde ` tick ` _ under _ | pipe |"},
	{"Grüße, Köln! 10.000,50 €", "Grüße , Köln ! 10.000,50 €"},
	{"1.a .5 a.1", "1 . a . 5 a . 1"},
	{"", ""},
	{"   ", ""},
}

func TestTokenize13a(t *testing.T) {
	for _, tc := range tokenize13aTable {
		if got := Tokenize13a(tc.in); got != tc.want {
			t.Errorf("Tokenize13a(%q):\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if got := regexp13a(tc.in); got != tc.want {
			t.Errorf("regexp13a(%q):\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// regexp13a is sacreBLEU's 13a tokenizer written literally with Go regexps,
// the reference that FuzzTokenize13a holds the fast scan to. Go's regexp
// agrees with Python's re on these patterns: ASCII classes, leftmost
// matches, non-overlapping replacement.
func regexp13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	line = strings.ReplaceAll(line, "&quot;", `"`)
	line = strings.ReplaceAll(line, "&amp;", "&")
	line = strings.ReplaceAll(line, "&lt;", "<")
	line = strings.ReplaceAll(line, "&gt;", ">")
	line = " " + line + " "
	for _, r := range re13a {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return pyJoinFields(line)
}

var re13a = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile("([\\{-\\~\\[-\\x60 -\\&\\(-\\+\\:-\\@\\/])"), " ${1} "},
	{regexp.MustCompile(`([^0-9])([\.,])`), "${1} ${2} "},
	{regexp.MustCompile(`([\.,])([^0-9])`), " ${1} ${2}"},
	{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
}

// The intl and char cases were computed by running sacreBLEU's
// TokenizerV14International regexes with Python's regex module.
func TestTokenizeIntlAndChar(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"The dog bit the man.", "The dog bit the man ."},
		{"In 1999.", "In 1999."}, // mteval-v14 keeps a number's final period
		{"Hello, world! (test) [x] {y} <z>", "Hello , world ! ( test ) [ x ] { y } < z >"},
		{"3.14 and 1,000,000 and 5-10", "3.14 and 1,000,000 and 5-10"},
		{"“Curly quotes,” she said—then… «guillemets» ¿qué?", "“ Curly quotes , ” she said — then … « guillemets » ¿ qué ?"},
		{"$5.00/hour @home 50% €10 1+1=2", "$ 5.00 / hour @ home 50 % € 10 1 + 1 = 2"},
		{"Grüße, Köln! 10.000,50 €", "Grüße , Köln ! 10.000,50 €"},
		{"a、b。", "a 、 b 。"},
		{"", ""},
	} {
		if got := TokenizeIntl(tc.in); got != tc.want {
			t.Errorf("TokenizeIntl(%q):\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"abc", "a b c"},
		{"a b", "a   b"},
		{"日本", "日 本"},
		{"", ""},
	} {
		if got := TokenizeChar(tc.in); got != tc.want {
			t.Errorf("TokenizeChar(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, name := range []string{"13a", "intl", "char", "none", ""} {
		if _, err := TokenizeBLEU(name, "a.b"); err != nil {
			t.Errorf("TokenizeBLEU(%q): %v", name, err)
		}
	}
	if _, err := TokenizeBLEU("zh", "a"); err == nil {
		t.Error("TokenizeBLEU(zh): got no error, want one")
	}
}

// FuzzTokenize13a holds the single-scan tokenizer to the literal regexp
// version on valid UTF-8, and checks that no input panics.
func FuzzTokenize13a(f *testing.F) {
	for _, tc := range tokenize13aTable {
		f.Add(tc.in)
	}
	f.Add("1..b 2,-3 .,.,5 a-,-1 --- 9-.9 x.\u00a0.y")
	f.Fuzz(func(t *testing.T, s string) {
		got := Tokenize13a(s)
		if !utf8.ValidString(s) {
			return
		}
		if want := regexp13a(s); got != want {
			t.Errorf("Tokenize13a(%q):\n got %q\nwant %q", s, got, want)
		}
	})
}

// FuzzTokenizeIntl checks the intl and char tokenizers on any input: they
// must not panic, and on valid UTF-8 they only insert and collapse
// whitespace (the text without whitespace is unchanged) and intl leaves
// single spaces between tokens.
func FuzzTokenizeIntl(f *testing.F) {
	f.Add("“Curly quotes,” she said—then… «guillemets» ¿qué?")
	f.Add("$5.00/hour 1,000.5 a、b。\x1c\u00a0")
	f.Fuzz(func(t *testing.T, s string) {
		intl, char := TokenizeIntl(s), TokenizeChar(s)
		if !utf8.ValidString(s) {
			return
		}
		if intl != pyJoinFields(intl) {
			t.Errorf("TokenizeIntl(%q) = %q: not single-space separated", s, intl)
		}
		bare := strings.Join(pyFields(s), "")
		for _, out := range []string{intl, char} {
			if got := strings.Join(pyFields(out), ""); got != bare {
				t.Errorf("tokenizing %q gave %q: the non-space text changed", s, out)
			}
		}
	})
}
