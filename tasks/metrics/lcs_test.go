package metrics

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// tableLCS is rouge-score's _lcs_table and _backtrack_norec as written:
// the full table, then the path from its corner that takes a match when
// the tokens are equal, moves left when t[i][j-1] > t[i-1][j] and up
// otherwise. It returns the length and the indices into ref, ascending.
func tableLCS(ref, can []int32) (int, []int) {
	w := len(can) + 1
	t := make([]int32, (len(ref)+1)*w)
	for i := 1; i <= len(ref); i++ {
		for j := 1; j <= len(can); j++ {
			if ref[i-1] == can[j-1] {
				t[i*w+j] = t[(i-1)*w+j-1] + 1
			} else {
				t[i*w+j] = max(t[(i-1)*w+j], t[i*w+j-1])
			}
		}
	}
	var idx []int
	for i, j := len(ref), len(can); i > 0 && j > 0; {
		switch {
		case ref[i-1] == can[j-1]:
			idx = append(idx, i-1)
			i, j = i-1, j-1
		case t[i*w+j-1] > t[(i-1)*w+j]:
			j--
		default:
			i--
		}
	}
	slices.Reverse(idx)
	return int(t[len(t)-1]), idx
}

// randTokens draws n tokens from an alphabet of k: small alphabets make
// many equal-length paths, where only the tie rule picks the LCS. A
// negative k draws from -k Zipf-like, frequent and rare tokens mixed.
func randTokens(r *rand.Rand, n, k int) []int32 {
	s := make([]int32, n)
	for i := range s {
		if k < 0 {
			u := r.Float64()
			s[i] = int32(float64(-k) * u * u * u)
		} else {
			s[i] = int32(r.IntN(k))
		}
	}
	return s
}

// TestLCSMatchesTable compares the bit-parallel length and backtrack with
// the full table on random sequences, with lengths around word boundaries,
// masks plain and sparse (long sequences with rare tokens), and budgets
// small enough that the tracer splits the rows into checkpointed chunks,
// down to one row a block.
func TestLCSMatchesTable(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	type shape struct{ la, lb, k int }
	var shapes []shape
	lens := []int{0, 1, 2, 5, 63, 64, 65, 127, 128, 129, 200, 300}
	for _, la := range lens {
		for _, lb := range lens {
			for _, k := range []int{1, 2, 3, 8, 50} {
				shapes = append(shapes, shape{la, lb, k})
			}
		}
	}
	for _, l := range [][2]int{{1500, 1500}, {700, 1500}, {1500, 700}, {90, 2000}} {
		for _, k := range []int{3, 1000, -500} {
			shapes = append(shapes, shape{l[0], l[1], k})
		}
	}
	budgets := []int{1, 2, 3, 7, 64, lcsBudget}
	n := 0
	for _, sh := range shapes {
		a, b := randTokens(r, sh.la, sh.k), randTokens(r, sh.lb, sh.k)
		if r.IntN(3) == 0 && sh.la > 10 && sh.lb > 10 {
			copy(b[sh.lb/3:], a[:sh.la/2]) // a long common run
		}
		wantLen, wantIdx := tableLCS(a, b)
		if got := lcsLen(a, b); got != wantLen {
			t.Fatalf("lcsLen, %+v: got %d, want %d\na = %v\nb = %v", sh, got, wantLen, a, b)
		}
		var mk lcsMasks
		mk.build(b, make([]int32, max(sh.k, -sh.k)))
		for _, budget := range budgets {
			tr := lcsTracer{mk: &mk, budget: budget}
			if got := tr.indices(a); !slices.Equal(got, wantIdx) {
				t.Fatalf("indices, %+v, budget %d: got %v, want %v\na = %v\nb = %v", sh, budget, got, wantIdx, a, b)
			}
			n++
		}
		mk.reset()
	}
	t.Logf("%d traces agree", n)
}

// TestSummaryLCSMatchesTable compares ROUGE-Lsum with the union of the
// tables' LCSs, as rouge-score's _summary_level_lcs takes it, on random
// multi-sentence texts.
func TestSummaryLCSMatchesTable(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2))
	sents := func(k int) [][]int32 {
		out := make([][]int32, r.IntN(5))
		for i := range out {
			out[i] = randTokens(r, r.IntN(90), k)
		}
		return out
	}
	for range 300 {
		k := 1 + r.IntN(12)
		ref, can := sents(k), sents(k)
		got := summaryLCS(ref, can, k)
		want := tableSummaryLCS(ref, can, k)
		if got != want {
			t.Fatalf("summaryLCS(%v, %v): got %+v, want %+v", ref, can, got, want)
		}
	}
}

// tableSummaryLCS is summaryLCS with the table's backtrack, loop for loop
// as rouge-score's _summary_level_lcs.
func tableSummaryLCS(refSents, canSents [][]int32, nIDs int) PRF {
	cntR, m := tokenCounts(refSents, nIDs)
	cntC, n := tokenCounts(canSents, nIDs)
	if m == 0 || n == 0 {
		return PRF{}
	}
	hits := 0
	for _, r := range refSents {
		in := make([]bool, len(r))
		for _, c := range canSents {
			_, idx := tableLCS(r, c)
			for _, i := range idx {
				in[i] = true
			}
		}
		for i, ok := range in {
			if t := r[i]; ok && cntC[t] > 0 && cntR[t] > 0 {
				hits++
				cntC[t]--
				cntR[t]--
			}
		}
	}
	rec, prec := float64(hits)/float64(m), float64(hits)/float64(n)
	return PRF{prec, rec, fmeasure(prec, rec)}
}

// BenchmarkLCS200k is ROUGE-L's length and ROUGE-Lsum's backtrack on two
// texts of 200,000 tokens, Zipf-like over 5,000 words, one an edit of the
// other.
func BenchmarkLCS200k(b *testing.B) {
	hyps, refs := synthPairs(1, 400_000, 3)
	var ids interner
	p := ids.ids(RougeTokenize(hyps[0], false))[:200_000]
	q := ids.ids(RougeTokenize(refs[0][0], false))[:200_000]
	b.Run("length", func(b *testing.B) {
		for b.Loop() {
			lcsLen(q, p)
		}
	})
	b.Run("backtrack", func(b *testing.B) {
		var mk lcsMasks
		mk.build(p, make([]int32, ids.n()))
		tr := lcsTracer{mk: &mk, budget: lcsBudget}
		for b.Loop() {
			tr.indices(q)
		}
	})
}

// BenchmarkSummaryLCSSentences is ROUGE-Lsum on two texts of 1,000
// sentences of 20 tokens (a million sentence pairs), Zipf-like over 5,000
// words.
func BenchmarkSummaryLCSSentences(b *testing.B) {
	hyps, refs := synthPairs(1000, 20, 4)
	var ids interner
	var can, ref [][]int32
	for i := range hyps {
		can = append(can, ids.ids(RougeTokenize(hyps[i], false)))
		ref = append(ref, ids.ids(RougeTokenize(refs[i][0], false)))
	}
	for b.Loop() {
		summaryLCS(ref, can, ids.n())
	}
}
