package metrics

import "testing"

// squadVector is one case of squad_computed_vectors.json (evaluate-v1.1.py).
type squadVector struct {
	Name             string   `json:"name"`
	Prediction       string   `json:"prediction"`
	GroundTruths     []string `json:"ground_truths"`
	NormPrediction   string   `json:"normalized_prediction"`
	NormGroundTruths []string `json:"normalized_ground_truths"`
	ExactMatch       bool     `json:"exact_match"`
	F1               float64  `json:"f1"`
}

func TestSQuADVectors(t *testing.T) {
	var vecs []squadVector
	readJSON(t, "squad_computed_vectors.json", &vecs)
	if len(vecs) != 20 {
		t.Fatalf("got %d SQuAD vectors, want 20", len(vecs))
	}
	for _, v := range vecs {
		t.Run(v.Name, func(t *testing.T) {
			if got := NormalizeAnswer(v.Prediction); got != v.NormPrediction {
				t.Errorf("NormalizeAnswer(%q): got %q, want %q", v.Prediction, got, v.NormPrediction)
			}
			for i, gt := range v.GroundTruths {
				if got := NormalizeAnswer(gt); got != v.NormGroundTruths[i] {
					t.Errorf("NormalizeAnswer(%q): got %q, want %q", gt, got, v.NormGroundTruths[i])
				}
			}
			em, f1 := squadMax(v.Prediction, v.GroundTruths)
			if em != v.ExactMatch {
				t.Errorf("exact match: got %v, want %v", em, v.ExactMatch)
			}
			if !closeTo(f1, v.F1) {
				t.Errorf("f1: got %v, want %v", f1, v.F1)
			}
		})
	}
}

// TestSQuADCorpus scores all vectors as one dataset and checks the sums
// against the official script's formula.
func TestSQuADCorpus(t *testing.T) {
	var vecs []squadVector
	readJSON(t, "squad_computed_vectors.json", &vecs)
	cases := make([]Case, len(vecs))
	em, f1 := 0.0, 0.0
	for i, v := range vecs {
		cases[i] = Case{Prediction: v.Prediction, References: v.GroundTruths}
		if v.ExactMatch {
			em++
		}
		f1 += v.F1
	}
	res, err := Score("squad", cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.(*SQuADResult)
	if want := 100.0 * em / float64(len(vecs)); got.ExactMatch != want {
		t.Errorf("exact_match: got %v, want %v", got.ExactMatch, want)
	}
	if want := 100.0 * f1 / float64(len(vecs)); !closeTo(got.F1, want) {
		t.Errorf("f1: got %v, want %v", got.F1, want)
	}
}
