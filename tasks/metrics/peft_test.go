package metrics

import "testing"

// TestPEFT is METRICS.md §0's computed vector: six lines run through a
// transcription of NeMo's peft_metric_calc.py loop.
func TestPEFT(t *testing.T) {
	cases := []Case{
		{Prediction: "Denver Broncos", References: []string{"Denver Broncos"}},
		{Prediction: "the cat sat", References: []string{"A cat sat on the mat", "the cat sat"}},
		{Prediction: "#Person1# asks about rain.", References: []string{"#Person1# asks #Person2# about the rain."}},
		{Prediction: "starts pulling up roofing on a roof.", References: []string{"starts pulling up roofing on a roof."}},
		{Prediction: "18", References: []string{"18"}},
		{Prediction: "The answer is 18", References: []string{"18"}},
	}
	res, err := Score("peft", cases, Options{PerSegment: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*PEFTResult)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"exact_match", r.ExactMatch, 66.66666666666667},
		{"f1", r.F1, 89.81481481481482},
		{"rougeL", r.RougeL, 86.66666666666667},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	want := []PEFTScore{{1, 1, 1}, {1, 1, 1}, {0, 0.888888888888889, 0.8}, {1, 1, 1}, {1, 1, 1}, {0, 0.5, 0.4}}
	for i, w := range want {
		g := r.Segments[i]
		if g.ExactMatch != w.ExactMatch || !closeTo(g.F1, w.F1) || !closeTo(g.RougeL, w.RougeL) {
			t.Errorf("case %d: got %+v, want %+v", i+1, g, w)
		}
	}
	r.Segments = nil
	if got, want := r.String(), "exact_match 66.667\tf1 89.815\trougeL 86.667\ttotal 6.000"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
}

// TestPEFTSplitPrediction: with a separator, only the text after its last
// occurrence is scored, stripped as Python strips; without one, or where
// it does not occur, the whole prediction is.
func TestPEFTSplitPrediction(t *testing.T) {
	for _, tt := range []struct {
		sep, pred string
		wantEM    float64
	}{
		{"", "3 + 4 = 7 #### 7", 0},
		{"####", "3 + 4 = 7 #### 7", 100},
		{"####", "#### 5 #### 7\u001f", 100}, // the last one; U+001F is Python whitespace
		{"####", "7", 100},                   // no separator: the whole text
		{"####", "the answer is 7", 0},
		{"####", "7 ####", 0}, // nothing after it
	} {
		res, err := Score("peft", []Case{{Prediction: tt.pred, References: []string{"7"}}}, Options{SplitPrediction: tt.sep})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.(*PEFTResult).ExactMatch; got != tt.wantEM {
			t.Errorf("sep %q, pred %q: got exact match %v, want %v", tt.sep, tt.pred, got, tt.wantEM)
		}
	}
}
