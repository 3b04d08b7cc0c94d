package metrics

import (
	"fmt"
	"regexp"
	"strings"
)

// BLEU tokenizer names, as sacreBLEU's --tokenize and its signature spell them.
const (
	Tok13a  = "13a"
	TokIntl = "intl"
	TokChar = "char"
	TokNone = "none"
)

// TokenizeBLEU applies the named sacreBLEU tokenizer to line and returns the
// tokens joined by spaces ("none" returns line unchanged).
func TokenizeBLEU(name, line string) (string, error) {
	switch name {
	case Tok13a, "":
		return Tokenize13a(line), nil
	case TokIntl:
		return TokenizeIntl(line), nil
	case TokChar:
		return TokenizeChar(line), nil
	case TokNone:
		return line, nil
	}
	return "", fmt.Errorf("unknown BLEU tokenizer %q (want 13a, intl, char or none)", name)
}

// The intl tokenizer's substitutions (sacreBLEU TokenizerV14International).
// Go's \pP, \pS and \PN are the Unicode general categories, as in Python's
// regex module; only the two Unicode versions may differ.
var intlRes = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(\PN)(\pP)`), "${1} ${2} "}, // punctuation after a non-digit
	{regexp.MustCompile(`(\pP)(\PN)`), " ${1} ${2}"}, // punctuation before a non-digit
	{regexp.MustCompile(`(\pS)`), " ${1} "},          // every symbol
}

// TokenizeIntl is sacreBLEU's "intl" tokenizer (mteval-v14 international):
// Unicode punctuation is split off unless it sits between digits, and every
// Unicode symbol is split off. Unlike 13a the line is not padded, so a final
// "1999." keeps its period, as in mteval-v14.pl.
func TokenizeIntl(line string) string {
	for _, r := range intlRes {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return pyJoinFields(line)
}

// TokenizeChar is sacreBLEU's "char" tokenizer: every character is a token
// (whitespace characters vanish when BLEU splits the line).
func TokenizeChar(line string) string {
	var b strings.Builder
	b.Grow(2 * len(line))
	first := true
	for _, r := range line {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteRune(r)
	}
	return b.String()
}
