package metrics

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The random cases of TestDifferential. Texts are built from pieces chosen
// to reach the corners where Python and Go differ or where a tokenizer
// branches: Unicode letters, digits and punctuation of every script the
// metrics meet, combining marks, emoji sequences, Python-only whitespace,
// HTML entities, numbers in every notation, GSM8K answer lines. References
// are mostly edits of the prediction so that n-grams match.

// diffCase is one generated case; a nil reference is a JSON null.
type diffCase struct {
	Prediction string    `json:"prediction"`
	References []*string `json:"references"`
}

// diffChunk is a run of cases scored as one corpus, with the BLEU options
// of every score in it.
type diffChunk struct {
	Start          int      `json:"start"`
	End            int      `json:"end"`
	Lowercase      bool     `json:"lowercase"`
	EffectiveOrder bool     `json:"effective_order"`
	MaxOrder       int      `json:"max_order"`
	Floor          *float64 `json:"floor"` // nil: sacreBLEU's default
	AddK           *float64 `json:"add_k"`
}

var (
	genASCIIWords = strings.Fields(`the cat sat on mat dog bit man it was not a an The A AN THE
		running runs ran quickly generously hopefulness caresses ponies agreed sky
		relational conditional rational valenci hesitanci digitizer conformabli
		radicalli differentli vileli analogousli vietnamization predication operator
		feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti
		triplicate formative formalize electriciti electrical hopeful goodness revival
		allowance inference airliner gyroscopic adjustable defensible irritant replacement
		adjustment dependent adoption homologou communism activate angulariti homologous
		effective bowdlerize probate rate cease controll roll generalizations oscillators
		was wasn't isn't don't I'm you're they'll we've o'clock rock'n'roll
		Denver Broncos Carolina Panthers Santa Clara Levi's Stadium Super Bowl
		eggs ducks muffins dollars hours minutes per each total left sells bakes
		yyyy ies oed sses eed ing ly ness alli ousli izer ational iveness fulness`)
	genUnicodeWords = strings.Fields(`café naïve résumé Straße STRASSE ẞ İstanbul ıi Ǆemal ǅemal ǆ
		ΟΔΟΣ Σ ΑΣ ὈΔΥΣΣΕΎΣ Ελληνικά σοφία ΣΑΣ ΌΣΟΣ
		Москва Пётр ЁЛКА Київ Ґ
		東京 中文 日本語 ひらがな カタカナ 한국어 漢字 𠮷野家
		ＡＢＣ ｆｕｌｌ １２３ ﬁne ﬂow Æsir œuvre Ørsted Åland
		שלום עולם مرحبا بالعالم العَرَبِيَّة ١٢٣ ٤٥٫٦ ۱۲۳ हिन्दी ४२ ไทย ქართული
		Kelvin K Å ℌ ℍ ⅻ Ⅻ ² ³ ½ ¼ ௰ 〇 ᛮ`)
	genCombining = []string{"e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "\u0301", "\u0308",
		"i\u0307", "A\u030a", "u\u0308\u0301", "\u0345", "Σ\u0301", "\u20e3", "\u0951",
		"Α\u0345Σ", "ΑΣ\u0345", "ΑΣ\u0301Β", "Α'Σ", "ΑΣ'", "Α.Σ.", "\u0345Σ"}
	genEmoji = []string{"😀", "👍🏽", "👨\u200d👩\u200d👧", "🇩🇪", "🇯🇵", "❤\ufe0f", "1\ufe0f\u20e3",
		"🙂🙃", "🎉", "🏳️\u200d🌈", "☃", "✓", "⭐", "🤖", "©️", "🔟"}
	genPunct = []string{".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "[", "]", "{", "}",
		"-", "--", "_", "/", "\\", "@", "#", "%", "^", "&", "*", "+", "=", "<", ">", "|", "~", "`", "$",
		"...", "?!", "“", "”", "‘", "’", "—", "–", "…", "«", "»", "¿", "¡", "·", "•", "§", "¶",
		"†", "‡", "※", "‰", "′", "″", "。", "、", "「", "」", "《", "》", "，", "．", "！", "？",
		"،", "؟", "؛", "‐", "‑", "⁇", "〜", "・", "־", "׳"}
	genSymbols = []string{"€", "£", "¥", "¢", "©", "®", "™", "°", "±", "×", "÷", "∑", "√", "∞",
		"≈", "≠", "≤", "→", "←", "↑", "−", "§", "¤", "₹", "₿", "^", "`", "¨", "´", "˜", "＄", "￥", "⌘", "♥"}
	genSpaces = []string{" ", "  ", "\t", "\n", "\n\n", "\r", "\r\n", "\v", "\f", "\u00a0", "\u2009",
		"\u3000", "\u2028", "\u2029", "\u0085", "\u1680", "\u202f", "\u205f", "\x1c", "\x1d", "\x1e", "\x1f"}
	// Not whitespace to Python, though they look or act like it.
	genFormat = []string{"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad",
		"\u2060", "\u180e", "\x00", "\x01", "\x7f", "\u061c", "\u2066", "\u2069"}
	genEntities = []string{"&quot;", "&amp;", "&lt;", "&gt;", "&amp;lt;", "&amp;quot;", "<skipped>",
		"&", "&#39;", "&apos;", "&nbsp;", "<b>", "</s>", "a&amp;b", "<skipped", "skipped>"}
	genGSM = []string{"####", "#### ", "\n#### ", "####  ", "# ", "###", "The answer is ",
		"Answer:", "Question:", "= ", "<<", ">>", "<<48/2=24>>"}
	genStems   = []string{"ational", "tional", "enci", "anci", "izer", "bli", "alli", "entli", "eli", "ousli", "ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti", "icate", "ative", "alize", "iciti", "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "sses", "ies", "ss", "s", "eed", "ed", "ing", "y", "e", "ll", "at", "bl", "iz"}
	genLetters = "abcdefghijklmnopqrstuvwxyzaeiouy"
	// Blocks assigned long before Unicode 14 (Python 3.11's tables), so that
	// their properties agree with Go's Unicode 15 and the regex module's.
	genBlocks = [][2]rune{{0xa0, 0x24f}, {0x370, 0x3ff}, {0x400, 0x4ff}, {0x590, 0x5ff}, {0x600, 0x6ff},
		{0x900, 0x97f}, {0x2000, 0x206f}, {0x2100, 0x214f}, {0x2190, 0x22ff}, {0x3000, 0x30ff},
		{0x4e00, 0x4fff}, {0xac00, 0xacff}, {0xff00, 0xffef}, {0x1f300, 0x1f64f}}
)

type caseGen struct{ r *rand.Rand }

func newCaseGen(seed uint64) *caseGen {
	return &caseGen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *caseGen) pick(list []string) string { return list[g.r.IntN(len(list))] }
func (g *caseGen) chance(p float64) bool     { return g.r.Float64() < p }

// number is a number in one of the notations the tokenizers and the GSM8K
// extractors treat specially.
func (g *caseGen) number() string {
	n := g.r.IntN(100000)
	if g.chance(0.5) {
		n %= 100
	}
	s := strconv.Itoa(n)
	switch g.r.IntN(14) {
	case 0: // thousands separators
		s = strconv.Itoa(g.r.IntN(100000000))
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
	case 1:
		s += "." + strconv.Itoa(g.r.IntN(1000))
	case 2:
		s = "." + s
	case 3:
		s += "."
	case 4:
		s = "-" + s
	case 5:
		s = "+" + s
	case 6:
		s = "−" + s // U+2212
	case 7:
		s = g.pick([]string{"$", "€", "£", "$-", "-$", "US$"}) + s
	case 8:
		s += g.pick([]string{"%", "€", "$", "k", "th", "st", "-", ".00", ",", ",000"})
	case 9:
		s += g.pick([]string{"-", "–", "/", ":", "x", "e", ".", ","}) + strconv.Itoa(g.r.IntN(100))
	case 10:
		s = "0" + s
	case 11:
		s = g.pick([]string{"1,234.56", "1.234,56", "3.14.15", "1,,2", "..5", "-.5", "-0", "$.", "$$", "12,", ",5", "1e5", "2^10", "٣٫١٤"})
	}
	return s
}

// answerEnd is what may follow a GSM8K answer: lm-eval's exact_match
// drops a final "." (before a final newline too, as Python's $ matches
// there), numpy drops trailing NULs, and numpy's lowercasing cuts what İ
// lengthens.
func (g *caseGen) answerEnd() string {
	if g.chance(0.7) {
		return ""
	}
	return g.pick([]string{".", "\n", ".\n", "\x00", ".\x00", "\x00.", " ", "..", "\n\n", "$", ",", "\x00\x00", ".\n\x00",
		"İ", "İ.", "İ\x00.", " İ\x00\x00.", "İ\x00x", "İ.\n"})
}

// word is a random lowercase word, often ending in a Porter suffix.
func (g *caseGen) word() string {
	var b strings.Builder
	for range 1 + g.r.IntN(7) {
		b.WriteByte(genLetters[g.r.IntN(len(genLetters))])
	}
	if g.chance(0.6) {
		b.WriteString(g.pick(genStems))
	}
	w := b.String()
	switch {
	case g.chance(0.1):
		w = strings.ToUpper(w)
	case g.chance(0.1):
		w = strings.ToUpper(w[:1]) + w[1:]
	}
	return w
}

// randomRune is a code point from an old block, skipping unassigned ones.
func (g *caseGen) randomRune() string {
	for {
		b := genBlocks[g.r.IntN(len(genBlocks))]
		r := b[0] + rune(g.r.IntN(int(b[1]-b[0]+1)))
		if unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf) {
			return string(r)
		}
	}
}

func (g *caseGen) piece() string {
	switch x := g.r.IntN(100); {
	case x < 30:
		return g.pick(genASCIIWords)
	case x < 40:
		return g.word()
	case x < 52:
		return g.number()
	case x < 62:
		return g.pick(genPunct)
	case x < 70:
		return g.pick(genUnicodeWords)
	case x < 73:
		return g.pick(genEmoji)
	case x < 76:
		return g.pick(genSymbols)
	case x < 79:
		return g.pick(genCombining)
	case x < 82:
		return g.pick(genEntities)
	case x < 87:
		return g.pick(genGSM) + g.number() + g.answerEnd()
	case x < 90:
		return g.randomRune()
	case x < 92:
		return g.pick(genFormat)
	case x < 95: // glued: "well-known", "U.S.", "3.14kg", "(a)"
		return g.piece() + g.pick([]string{"-", ".", "'", "", "/", ",", "_", "-\n"}) + g.piece()
	case x < 97:
		return g.pick(genSpaces)
	default:
		return strings.Repeat(g.pick(genPunct), 2+g.r.IntN(3))
	}
}

// pieces is a text as a list of pieces; join glues them.
func (g *caseGen) pieces() []string {
	var n int
	switch x := g.r.IntN(1000); {
	case x < 40:
		n = 0
	case x < 560:
		n = 1 + g.r.IntN(8)
	case x < 997:
		n = 8 + g.r.IntN(25)
	default:
		n = 100 + g.r.IntN(200) // a long line
	}
	p := make([]string, n)
	for i := range p {
		p[i] = g.piece()
	}
	return p
}

func (g *caseGen) join(p []string) string {
	var b strings.Builder
	if g.chance(0.04) {
		b.WriteString(g.pick(genSpaces))
	}
	for i, s := range p {
		if i > 0 {
			switch x := g.r.IntN(100); {
			case x < 82:
				b.WriteByte(' ')
			case x < 90:
			case x < 95:
				b.WriteString(g.pick(genSpaces))
			default:
				b.WriteString(g.pick(genFormat))
			}
		}
		b.WriteString(s)
	}
	if g.chance(0.08) {
		b.WriteString(g.pick(genSpaces))
	}
	return b.String()
}

// edit changes a few pieces: drops, inserts, replaces, swaps, recases.
func (g *caseGen) edit(p []string) []string {
	q := append([]string(nil), p...)
	for range g.r.IntN(4) {
		i := 0
		if len(q) > 0 {
			i = g.r.IntN(len(q))
		}
		switch g.r.IntN(5) {
		case 0:
			if len(q) > 0 {
				q = append(q[:i], q[i+1:]...)
			}
		case 1:
			q = append(q[:i], append([]string{g.piece()}, q[i:]...)...)
		case 2:
			if len(q) > 0 {
				q[i] = g.piece()
			}
		case 3:
			if len(q) > 1 {
				j := g.r.IntN(len(q))
				q[i], q[j] = q[j], q[i]
			}
		case 4:
			if len(q) > 0 {
				q[i] = strings.ToUpper(q[i])
			}
		}
	}
	return q
}

// reference is a reference for a prediction made of hyp.
func (g *caseGen) reference(hyp []string) string {
	switch x := g.r.IntN(100); {
	case x < 40:
		return g.join(g.edit(hyp))
	case x < 50:
		return g.join(hyp)
	case x < 54:
		return strings.ToLower(g.join(hyp))
	case x < 58:
		return ""
	case x < 62: // a GSM8K answer field
		return g.join(g.pieces()) + "\n#### " + g.number() + g.answerEnd()
	default:
		return g.join(g.pieces())
	}
}

// generateCases makes n cases in corpora of 1 to 60 cases. Each corpus has
// a number of references; a quarter of them vary it per case with nulls and
// shorter lists, as sacreBLEU allows.
func generateCases(seed uint64, n int) ([]diffCase, []diffChunk) {
	g := newCaseGen(seed)
	cases := make([]diffCase, 0, n)
	var chunks []diffChunk
	for len(cases) < n {
		ch := diffChunk{Start: len(cases), End: min(n, len(cases)+1+g.r.IntN(60)), MaxOrder: 4}
		ch.Lowercase = g.chance(0.25)
		ch.EffectiveOrder = g.chance(0.3)
		if g.chance(0.3) {
			ch.MaxOrder = []int{1, 2, 3, 5, 6}[g.r.IntN(5)]
		}
		values := []float64{0, 0.01, 0.1, 0.5, 1, 2, 1.0 / 3}
		if g.chance(0.5) {
			ch.Floor = &values[g.r.IntN(len(values))]
		}
		if g.chance(0.5) {
			ch.AddK = &values[g.r.IntN(len(values))]
		}
		nrefs := []int{1, 1, 1, 1, 2, 2, 2, 3, 3, 4}[g.r.IntN(10)]
		variable := g.chance(0.25)
		// Unigram BLEU over 32 or 160 words is 3.125 times the matches
		// over an odd number: a tie at two decimals, which the printed
		// score rounds as exp(log(x)) happens to fall.
		ties := g.chance(0.03)
		if ties {
			ch.MaxOrder = 1
		}
		for len(cases) < ch.End {
			hyp := g.pieces()
			if ties {
				hyp = make([]string, []int{32, 160}[g.r.IntN(2)])
				for i := range hyp {
					hyp[i] = genASCIIWords[g.r.IntN(8)]
				}
			}
			c := diffCase{Prediction: g.join(hyp)}
			if ties {
				c.Prediction = strings.Join(hyp, " ")
			}
			k := nrefs
			if variable {
				k = 1 + g.r.IntN(nrefs+1)
			}
			for range k {
				s := g.reference(hyp)
				if ties { // any number of the words in common, same length
					q, ref := g.r.Float64(), slices.Clone(hyp)
					for i := range ref {
						if g.chance(q) {
							ref[i] = "zz"
						}
					}
					s = strings.Join(ref, " ")
				}
				c.References = append(c.References, &s)
			}
			if variable && k > 1 {
				for j := range c.References {
					if g.chance(0.3) {
						c.References[j] = nil
					}
				}
				if nonNull(c.References) == 0 {
					s := g.reference(hyp)
					c.References[g.r.IntN(k)] = &s
				}
			}
			cases = append(cases, c)
		}
		chunks = append(chunks, ch)
	}
	return cases, chunks
}

func nonNull(refs []*string) int {
	n := 0
	for _, r := range refs {
		if r != nil {
			n++
		}
	}
	return n
}
