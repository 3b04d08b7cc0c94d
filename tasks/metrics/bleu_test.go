package metrics

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// bleuVector is one case of bleu_computed_vectors.json (sacreBLEU 2.6.0).
type bleuVector struct {
	Name       string      `json:"name"`
	Hyps       []string    `json:"hyps"`
	Refs       [][]*string `json:"refs"` // reference streams; null drops a reference
	Kwargs     bleuKwargs  `json:"kwargs"`
	Score      float64     `json:"score"`
	Counts     []float64   `json:"counts"`
	Totals     []float64   `json:"totals"`
	Precisions []float64   `json:"precisions"`
	BP         float64     `json:"bp"`
	SysLen     int         `json:"sys_len"`
	RefLen     int         `json:"ref_len"`
	Text       string      `json:"text"`
	TextW1     string      `json:"text_w1"`
	Signature  string      `json:"signature"`
	ShortSig   string      `json:"short_sig"`
}

// bleuKwargs are the sacreBLEU BLEU() arguments a vector sets.
type bleuKwargs struct {
	Tokenize       string   `json:"tokenize"`
	SmoothMethod   string   `json:"smooth_method"`
	SmoothValue    *float64 `json:"smooth_value"`
	MaxNgramOrder  int      `json:"max_ngram_order"`
	Lowercase      bool     `json:"lowercase"`
	EffectiveOrder bool     `json:"effective_order"`
}

// segmentRefs turns sacreBLEU's reference streams into per-segment lists.
func segmentRefs(streams [][]*string, n int) [][]string {
	refs := make([][]string, n)
	for _, stream := range streams {
		for i, r := range stream {
			if r != nil {
				refs[i] = append(refs[i], *r)
			}
		}
	}
	return refs
}

func TestBLEUVectors(t *testing.T) {
	var vecs []bleuVector
	readJSON(t, "bleu_computed_vectors.json", &vecs)
	if len(vecs) != 16 {
		t.Fatalf("got %d BLEU vectors, want 16", len(vecs))
	}
	for _, v := range vecs {
		t.Run(v.Name, func(t *testing.T) {
			opts := BLEUOptions{
				Tokenize: v.Kwargs.Tokenize, Smooth: v.Kwargs.SmoothMethod, SmoothValue: v.Kwargs.SmoothValue,
				MaxOrder: v.Kwargs.MaxNgramOrder, Lowercase: v.Kwargs.Lowercase, EffectiveOrder: v.Kwargs.EffectiveOrder,
			}
			got, err := CorpusBLEU(v.Hyps, segmentRefs(v.Refs, len(v.Hyps)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !closeTo(got.Score, v.Score) {
				t.Errorf("score: got %v, want %v", got.Score, v.Score)
			}
			if !floatsClose(got.Counts, v.Counts) || !floatsClose(got.Totals, v.Totals) {
				t.Errorf("counts/totals: got %v/%v, want %v/%v", got.Counts, got.Totals, v.Counts, v.Totals)
			}
			if !floatsClose(got.Precisions, v.Precisions) {
				t.Errorf("precisions: got %v, want %v", got.Precisions, v.Precisions)
			}
			if !closeTo(got.BP, v.BP) {
				t.Errorf("bp: got %v, want %v", got.BP, v.BP)
			}
			if got.SysLen != v.SysLen || got.RefLen != v.RefLen {
				t.Errorf("sys_len/ref_len: got %d/%d, want %d/%d", got.SysLen, got.RefLen, v.SysLen, v.RefLen)
			}
			for _, c := range []struct{ name, got, want string }{
				{"text", got.Format(2, false), v.Text},
				{"text width 1", got.Format(1, false), v.TextW1},
				{"signature", got.Signature, v.Signature},
				{"short signature", got.ShortSignature, v.ShortSig},
				{"line with signature", got.Format(2, true), "BLEU|" + v.Signature + v.Text[len("BLEU"):]},
			} {
				if c.got != c.want {
					t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
				}
			}
		})
	}
}

func floatsClose(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !closeTo(got[i], want[i]) {
			return false
		}
	}
	return true
}

// TestBLEUPackedMatchesExact compares the packed n-gram path (orders up to
// 4) with the exact map path (taken for order 5): the counts of orders 1–4
// do not depend on the maximum order.
func TestBLEUPackedMatchesExact(t *testing.T) {
	hyps, refs := synthPairs(300, 12, 3)
	for i := range refs {
		refs[i] = append(refs[i], hyps[(i+1)%len(hyps)], "")
	}
	for _, tok := range []string{"13a", "char"} {
		four, err := CorpusBLEU(hyps, refs, BLEUOptions{Tokenize: tok})
		if err != nil {
			t.Fatal(err)
		}
		five, err := CorpusBLEU(hyps, refs, BLEUOptions{Tokenize: tok, MaxOrder: 5})
		if err != nil {
			t.Fatal(err)
		}
		if !floatsClose(four.Counts, five.Counts[:4]) || !floatsClose(four.Totals, five.Totals[:4]) ||
			four.SysLen != five.SysLen || four.RefLen != five.RefLen {
			t.Errorf("%s: order 4 got %v/%v, order 5 got %v/%v", tok, four.Counts, four.Totals, five.Counts, five.Totals)
		}
	}
}

// TestBLEUManyDistinctTokens takes the exact path for a segment with more
// distinct tokens than 16-bit ids can number.
func TestBLEUManyDistinctTokens(t *testing.T) {
	var b strings.Builder
	for i := range 70_000 {
		fmt.Fprintf(&b, "w%d ", i)
	}
	hyp := b.String()
	ref := "w1 w2 w3 w4 w5"
	got, err := SentenceBLEU(hyp, []string{ref}, BLEUOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{5, 4, 3, 2}
	if !floatsClose(got.Counts, want) || got.Totals[0] != 70_000 || got.RefLen != 5 {
		t.Errorf("got counts %v totals %v ref_len %d, want counts %v totals[0] 70000 ref_len 5", got.Counts, got.Totals, got.RefLen, want)
	}
}

// TestBLEUOptions checks the smoothing variants, lowercasing and the
// signature against values worked out from sacreBLEU's compute_bleu.
func TestBLEUOptions(t *testing.T) {
	hyps := []string{"the cat sat on the mat", "a dog"}
	refs := [][]string{{"the cat is on the mat"}, {"one dog barked"}}
	// Statistics: sys 8, ref 9 (6+3); correct 6/3/1/0; total 8/6/4/3.
	for _, tc := range []struct {
		opts  BLEUOptions
		score float64
		prec  []float64
		sig   string
	}{
		{BLEUOptions{}, 0.8824969025845955 * math.Exp((math.Log(75)+math.Log(50)+math.Log(25)+math.Log(100./(2*3)))/4),
			[]float64{75, 50, 25, 100. / 6}, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"},
		{BLEUOptions{Smooth: "none"}, 0, []float64{75, 50, 25, 0}, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:none|version:2.6.0"},
		{BLEUOptions{Smooth: "floor"}, 0.8824969025845955 * math.Exp((math.Log(75)+math.Log(50)+math.Log(25)+math.Log(100.*0.1/3))/4),
			[]float64{75, 50, 25, 100. * 0.1 / 3}, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.6.0"},
		{BLEUOptions{Smooth: "add-k", SmoothValue: ptr(0.5)}, 0.8824969025845955 * math.Exp((math.Log(75)+math.Log(100.*3.5/6.5)+math.Log(100.*1.5/4.5)+math.Log(100.*0.5/3.5))/4),
			[]float64{75, 100. * 3.5 / 6.5, 100. * 1.5 / 4.5, 100. * 0.5 / 3.5}, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:add-k[0.50]|version:2.6.0"},
		{BLEUOptions{MaxOrder: 2, Lowercase: true, Tokenize: "none"}, 0.8824969025845955 * math.Exp((math.Log(75)+math.Log(50))/2),
			[]float64{75, 50}, "nrefs:1|case:lc|eff:no|tok:none|smooth:exp|version:2.6.0"},
	} {
		got, err := CorpusBLEU(hyps, refs, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !closeTo(got.Score, tc.score) || !floatsClose(got.Precisions, tc.prec) || got.Signature != tc.sig {
			t.Errorf("%+v: got score %v precisions %v signature %q, want %v %v %q", tc.opts, got.Score, got.Precisions, got.Signature, tc.score, tc.prec, tc.sig)
		}
		if !closeTo(got.BP, 0.8824969025845955) {
			t.Errorf("%+v: bp got %v, want exp(1-9/8)", tc.opts, got.BP)
		}
	}
	// add-k reports counts and totals with k added for n >= 2, as sacreBLEU does.
	got, _ := CorpusBLEU(hyps, refs, BLEUOptions{Smooth: "add-k"})
	if want := []float64{6, 4, 2, 1}; !floatsClose(got.Counts, want) {
		t.Errorf("add-k counts: got %v, want %v", got.Counts, want)
	}
}

// TestBLEUUnicodeLowercase lowercases as Python does: İ becomes i + U+0307,
// which 13a keeps inside the token.
func TestBLEUUnicodeLowercase(t *testing.T) {
	got, err := SentenceBLEU("İstanbul ΟΔΟΣ", []string{"i\u0307stanbul οδος"}, BLEUOptions{Lowercase: true, EffectiveOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Score != 100 && !closeTo(got.Score, 100) {
		t.Errorf("got %v, want 100", got.Score)
	}
}

func TestBLEUInputErrors(t *testing.T) {
	for _, tc := range []struct {
		hyps []string
		refs [][]string
		want string
	}{
		{nil, nil, "BLEU needs at least one segment"},
		{[]string{"a", "b"}, [][]string{{"a"}}, "2 hypotheses but 1 reference sets"},
		{[]string{"a", "b"}, [][]string{{"a"}, {}}, "segment 2 has no reference"},
	} {
		if _, err := CorpusBLEU(tc.hyps, tc.refs, BLEUOptions{}); err == nil || err.Error() != tc.want {
			t.Errorf("got error %v, want %q", err, tc.want)
		}
	}
}
