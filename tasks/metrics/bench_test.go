package metrics

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// synthPairs makes n deterministic (hypothesis, reference) pairs of about
// words words each: the reference is drawn from a 5,000-word vocabulary
// with punctuation, and the hypothesis copies it with about a quarter of
// the words replaced, dropped or inserted, as a middling MT system would.
func synthPairs(n, words int, seed uint64) (hyps []string, refs [][]string) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	vocab := make([]string, 5000)
	for i := range vocab {
		var b strings.Builder
		for range 2 + r.IntN(8) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		vocab[i] = b.String()
	}
	vocab[0], vocab[1], vocab[2], vocab[3] = "The", "3.14", "don't", "1,000"
	// Zipf-like: low indices are common, as in text.
	word := func() string { return vocab[int(float64(len(vocab))*r.Float64()*r.Float64()*r.Float64())] }
	punct := []string{",", ".", ";", "?", "!", "(x)", "\"q\""}
	hyps, refs = make([]string, n), make([][]string, n)
	var hb, rb strings.Builder
	for i := range n {
		hb.Reset()
		rb.Reset()
		m := words/2 + r.IntN(words)
		for j := range m {
			w := word()
			if j > 0 && r.IntN(8) == 0 {
				w += punct[r.IntN(len(punct))]
			}
			if j > 0 {
				rb.WriteByte(' ')
			}
			rb.WriteString(w)
			switch k := r.IntN(16); {
			case k < 2: // replaced
				w = word()
			case k == 2: // dropped
				continue
			case k == 3: // inserted
				w = word() + " " + w
			}
			if hb.Len() > 0 {
				hb.WriteByte(' ')
			}
			hb.WriteString(w)
		}
		rb.WriteByte('.')
		hyps[i], refs[i] = hb.String(), []string{rb.String()}
	}
	return hyps, refs
}

// BenchmarkCorpusBLEU100k is corpus BLEU (sacreBLEU defaults) over 100,000
// segment pairs of about 25 words.
func BenchmarkCorpusBLEU100k(b *testing.B) {
	hyps, refs := synthPairs(100_000, 25, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := CorpusBLEU(hyps, refs, BLEUOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkROUGEL10k is ROUGE-L (no stemmer) over 10,000 pairs of about 40
// tokens.
func BenchmarkROUGEL10k(b *testing.B) {
	hyps, refs := synthPairs(10_000, 40, 2)
	sc, err := NewRougeScorer([]string{"rougeL"}, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for i := range hyps {
			sc.Score(refs[i][0], hyps[i])
		}
	}
}

// BenchmarkTokenize13a is the tokenizer alone over the 100,000 hypotheses
// of BenchmarkCorpusBLEU100k, on one core.
func BenchmarkTokenize13a(b *testing.B) {
	hyps, _ := synthPairs(100_000, 25, 1)
	var t tokenizer13a
	var buf []byte
	b.ResetTimer()
	for b.Loop() {
		for _, h := range hyps {
			buf = t.appendTokens(buf[:0], h)
		}
	}
}
