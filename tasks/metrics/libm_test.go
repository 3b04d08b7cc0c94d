package metrics

import (
	"math"
	"strings"
	"testing"
)

// The wants are CPython 3.11's math.log and math.exp on Debian 12 (glibc
// 2.36), where each is also the correctly rounded value. Go's math.Log and
// math.Exp miss all but the last two of each list by an ulp.
func TestCorrectlyRoundedLogExp(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{2.3858088902201406, 0.8695382241644664},
		{107.51173708920187, 4.677600023832906},
		{13.64999041923376, 2.613738819743086},
		{176, 5.170483995038151},
		{10.191124905025518, 2.32151723417666},
		{253.44827586206895, 5.535159762220409},
		{0x1p-1074, -744.4400719213812}, // Go's math.Log gives -709.09 for subnormals
		{75.625, 4.325786916351006},
		{100, 4.605170185988092},
	} {
		if got := crLog(tc.x); got != tc.want {
			t.Errorf("crLog(%v): got %v, want %v", tc.x, got, tc.want)
		}
	}
	for _, tc := range []struct{ x, want float64 }{
		{4.325786916351006, 75.62500000000001}, // exp(log(75.625)), so sacreBLEU prints 75.63
		{5.155495500065718, 173.3816961198575},
		{-26.587205923499337, 2.8400316385035455e-12},
		{3.83407897806722, 46.25081003462484},
		{-10.718704647298807, 2.2127162155584807e-05},
		{-17.109502083469494, 3.710544608102552e-08},
		{-4.302298995837059, 0.013537400781561846},
		{4.605170185988092, 100.00000000000004},
		{-2.5, 0.0820849986238988},
	} {
		if got := crExp(tc.x); got != tc.want {
			t.Errorf("crExp(%v): got %v, want %v", tc.x, got, tc.want)
		}
	}
	// Special values and the ranges left to math.
	for _, x := range []float64{0, -1, math.Inf(1), math.NaN(), 1} {
		if got, want := crLog(x), math.Log(x); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("crLog(%v): got %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{0, -9999999999, -800, 800, math.Inf(-1), math.Inf(1), math.NaN()} {
		if got, want := crExp(x), math.Exp(x); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("crExp(%v): got %v, want %v", x, got, want)
		}
	}
}

// With one n-gram order BLEU is the unigram precision, 121/160 = 75.625
// here, and sacreBLEU 2.6.0 prints "75.63" because glibc's
// exp(log(75.625)) is 75.62500000000001.
func TestBLEUPrintsAsGlibcRounds(t *testing.T) {
	hyp := strings.Repeat("a ", 121) + strings.TrimSpace(strings.Repeat("b ", 39))
	ref := strings.Repeat("a ", 121) + strings.TrimSpace(strings.Repeat("c ", 39))
	got, err := CorpusBLEU([]string{hyp}, [][]string{{ref}}, BLEUOptions{MaxOrder: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 75.63 75.6 (BP = 1.000 ratio = 1.000 hyp_len = 160 ref_len = 160)"
	if got.Score != 75.62500000000001 || got.String() != want {
		t.Errorf("got %v %q, want 75.62500000000001 %q", got.Score, got.String(), want)
	}
}
