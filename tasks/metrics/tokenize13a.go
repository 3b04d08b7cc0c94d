package metrics

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Tokenize13a is sacreBLEU's default tokenizer, mteval-v13a: it unescapes
// four HTML entities, then splits off ASCII punctuation and symbols, and
// periods and commas except next to digits (so "3.14" and "1,000" stay whole).
// The result is the tokens joined by single spaces.
func Tokenize13a(line string) string {
	var t tokenizer13a
	return string(t.appendTokens(nil, line))
}

// tokenizer13a holds the scratch buffers of one 13a tokenization so that
// BLEU over a large corpus does not allocate per segment. Not safe for
// concurrent use; BLEU gives each worker its own.
type tokenizer13a struct{ a, b []byte }

// Byte classes for the 13a scan.
const (
	c13Plain    = iota // part of a token
	c13Space           // ASCII Python whitespace: ends a token
	c13Isolate         // sacreBLEU's first regex surrounds it with spaces
	c13Special         // '.', ',' or '-': the later regexes may split here
	c13NonASCII        // decode the rune: Unicode whitespace ends a token
)

var class13a = func() (t [256]uint8) {
	for c := 0x80; c < 0x100; c++ {
		t[c] = c13NonASCII
	}
	// ([\{-\~\[-\` -\&\(-\+\:-\@\/])
	for _, r := range [][2]byte{{'{', '~'}, {'[', '`'}, {'!', '&'}, {'(', '+'}, {':', '@'}, {'/', '/'}} {
		for c := r[0]; c <= r[1]; c++ {
			t[c] = c13Isolate
		}
	}
	for _, c := range []byte{' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f} {
		t[c] = c13Space
	}
	t['.'], t[','], t['-'] = c13Special, c13Special, c13Special
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// appendTokens appends the 13a tokens of line, space-separated, to dst.
//
// sacreBLEU pads the line with spaces and applies four regex substitutions
// in turn, then splits on whitespace:
//
//	(1) ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "  ASCII punctuation and symbols
//	(2) ([^0-9])([\.,])               -> "\1 \2 " period/comma unless after a digit
//	(3) ([\.,])([^0-9])               -> " \1 \2" period/comma unless before a digit
//	(4) ([0-9])(-)                    -> "\1 \2 " dash after a digit
//
// After (1), a character of its set stands between spaces. A whitespace
// character takes part in (2)–(4) only as a non-digit neighbour, and a match
// that consumes it blocks nothing: a match could start at it only if it were
// a period, comma or digit. So (2)–(4) act on each chunk between whitespace
// and the characters of (1) on its own, as if it were padded with spaces,
// and a chunk without a period, comma or dash is one token. That turns four
// passes over every line into one scan; the chunks that need the
// substitutions get them in splitChunk. FuzzTokenize13a holds this to the
// literal regexps.
func (t *tokenizer13a) appendTokens(dst []byte, line string) []byte {
	if strings.IndexByte(line, '<') >= 0 {
		line = strings.ReplaceAll(line, "<skipped>", "")
	}
	if strings.IndexByte(line, '\n') >= 0 {
		line = strings.ReplaceAll(line, "-\n", "")
		line = strings.ReplaceAll(line, "\n", " ")
	}
	if strings.IndexByte(line, '&') >= 0 {
		// Sequential, in this order: "&amp;lt;" becomes "<".
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	start := len(dst)
	for i := 0; i < len(line); {
		// A chunk runs to the next whitespace or isolated character.
		j, special := i, false
	scan:
		for j < len(line) {
			switch class13a[line[j]] {
			case c13Plain:
				j++
			case c13Special:
				special = true
				j++
			case c13NonASCII:
				r, n := utf8.DecodeRuneInString(line[j:])
				if pySpace(r) {
					break scan
				}
				j += n
			default:
				break scan
			}
		}
		if j > i {
			dst = t.appendChunk(dst, start, line[i:j], special)
		}
		if j == len(line) {
			break
		}
		switch class13a[line[j]] {
		case c13Isolate:
			dst = appendToken(dst, start, line[j:j+1])
			j++
		case c13Space:
			j++
		default: // Unicode whitespace
			_, n := utf8.DecodeRuneInString(line[j:])
			j += n
		}
		i = j
	}
	return dst
}

// appendToken appends tok to the tokens that start at dst[start:].
func appendToken[S string | []byte](dst []byte, start int, tok S) []byte {
	if len(dst) > start {
		dst = append(dst, ' ')
	}
	return append(dst, tok...)
}

// appendChunk appends the tokens of a whitespace-free chunk.
func (t *tokenizer13a) appendChunk(dst []byte, start int, chunk string, special bool) []byte {
	if !special {
		return appendToken(dst, start, chunk)
	}
	for tok := range bytes.SplitSeq(t.splitChunk(chunk), []byte{' '}) {
		if len(tok) > 0 {
			dst = appendToken(dst, start, tok)
		}
	}
	return dst
}

// splitChunk applies substitutions (2)–(4) to " chunk " as byte scans. Each
// pattern is two characters and re.sub replaces left to right without
// overlap; scanning bytes rather than runes gives the same result because
// every byte the patterns test is ASCII and never part of a multi-byte
// UTF-8 sequence. The result holds only ASCII spaces as separators.
func (t *tokenizer13a) splitChunk(chunk string) []byte {
	a := append(append(append(t.a[:0], ' '), chunk...), ' ')
	b := t.b[:0]
	for i := 0; i < len(a); i++ { // (2)
		if i+1 < len(a) && !isDigit(a[i]) && (a[i+1] == '.' || a[i+1] == ',') {
			b = append(b, a[i], ' ', a[i+1], ' ')
			i++
			continue
		}
		b = append(b, a[i])
	}
	a = a[:0]
	for i := 0; i < len(b); i++ { // (3)
		if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && !isDigit(b[i+1]) {
			a = append(a, ' ', b[i], ' ', b[i+1])
			i++
			continue
		}
		a = append(a, b[i])
	}
	b = b[:0]
	for i := 0; i < len(a); i++ { // (4)
		if i+1 < len(a) && isDigit(a[i]) && a[i+1] == '-' {
			b = append(b, a[i], ' ', '-', ' ')
			i++
			continue
		}
		b = append(b, a[i])
	}
	t.a, t.b = a, b
	return b
}

// appendPyFields appends ' '.join(s.split()) (Python whitespace) to dst.
func appendPyFields(dst, s []byte) []byte {
	start := len(dst)
	inField := false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		n := 1
		if c < utf8.RuneSelf {
			space = class13a[c] == c13Space
		} else {
			var r rune
			r, n = utf8.DecodeRune(s[i:])
			space = pySpace(r)
		}
		if space {
			inField = false
		} else {
			if !inField && len(dst) > start {
				dst = append(dst, ' ')
			}
			inField = true
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}
