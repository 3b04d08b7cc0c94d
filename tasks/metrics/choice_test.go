package metrics

import (
	"math"
	"testing"
)

func TestScoreChoice(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name           string
		logprobs       []float64
		choices        []string
		gold           int
		pred, predNorm int
		acc, accNorm   float64
	}{
		{"plain", []float64{-3, -1, -2}, []string{"a", "b", "c"}, 1, 1, 1, 1, 1},
		{"norm flips", []float64{-4, -3}, []string{"long answer", "x"}, 0, 1, 0, 0, 1},
		// Code points, not bytes: -6/2 > -5/3 in code points; in bytes -6/4 > -5/3 would pick 0.
		{"code points", []float64{-6, -5}, []string{"éé", "abc"}, 1, 1, 1, 1, 1},
		{"tie goes to the first", []float64{-2, -2, -3}, []string{"ab", "cd", "e"}, 1, 0, 0, 0, 0},
		{"first NaN wins", []float64{-1, nan, nan}, []string{"a", "b", "c"}, 1, 1, 1, 1, 1},
		{"empty choice", []float64{-1, -2}, []string{"", "ab"}, 1, 0, 1, 0, 1},         // -1/0 = -Inf
		{"empty choice, zero ll", []float64{0, -2}, []string{"", "ab"}, 0, 0, 0, 1, 1}, // 0/0 = NaN
		{"gold out of range", []float64{-1, -2}, []string{"a", "b"}, 5, 0, 0, 0, 0},
		{"negative gold", []float64{-1, -2}, []string{"a", "b"}, -1, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreChoice(tc.logprobs, tc.choices, tc.gold)
			if err != nil {
				t.Fatal(err)
			}
			want := ChoiceScore{tc.pred, tc.predNorm, tc.acc, tc.accNorm}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	for _, tc := range []struct {
		logprobs []float64
		choices  []string
	}{
		{nil, nil},
		{[]float64{-1}, []string{"a", "b"}},
	} {
		if _, err := ScoreChoice(tc.logprobs, tc.choices, 0); err == nil {
			t.Errorf("ScoreChoice(%v, %q): got no error, want one", tc.logprobs, tc.choices)
		}
	}
}

func TestScoreAccuracy(t *testing.T) {
	cases := []Case{
		{Logprobs: []float64{-3, -1}, Choices: []string{"a", "b"}, Gold: 1},
		{Logprobs: []float64{-4, -3}, Choices: []string{"long answer", "x"}, Gold: 0},
		{Logprobs: []float64{-1, -9}, Choices: []string{"a", "b"}, Gold: 1},
	}
	res, err := Score("accuracy", cases, Options{PerSegment: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*AccuracyResult)
	if r.Acc != 1.0/3 || r.AccNorm != 2.0/3 {
		t.Errorf("acc/acc_norm: got %v/%v, want %v/%v", r.Acc, r.AccNorm, 1.0/3, 2.0/3)
	}
	if len(r.Segments) != 3 || r.Segments[1].PredNorm != 0 {
		t.Errorf("segments: got %+v", r.Segments)
	}
	if got, want := r.String(), "1\tpred 1\tpred_norm 1\tacc 1\tacc_norm 1\n2\tpred 1\tpred_norm 0\tacc 0\tacc_norm 1\n3\tpred 0\tpred_norm 0\tacc 0\tacc_norm 0\nacc 0.3333\nacc_norm 0.6667"; got != want {
		t.Errorf("String:\n got %q\nwant %q", got, want)
	}
}
