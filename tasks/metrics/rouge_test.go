package metrics

import (
	"slices"
	"testing"
)

// rougeVector is one case of rouge_computed_vectors.json (rouge-score 0.1.2
// with NLTK 3.8): either a score(target, prediction) case with scores, or a
// score_multi(targets, prediction) case with per-reference F and multi.
type rougeVector struct {
	Name       string               `json:"name"`
	RougeTypes []string             `json:"rouge_types"`
	UseStemmer *bool                `json:"use_stemmer"`
	Target     string               `json:"target"`
	Targets    []string             `json:"targets"`
	Prediction string               `json:"prediction"`
	Scores     map[string]PRF       `json:"scores"`
	PerRefF    []map[string]float64 `json:"per_ref_f"`
	Multi      map[string]PRF       `json:"multi"`
}

func TestROUGEVectors(t *testing.T) {
	var vecs []rougeVector
	readJSON(t, "rouge_computed_vectors.json", &vecs)
	if len(vecs) != 14 {
		t.Fatalf("got %d ROUGE vectors, want 14", len(vecs))
	}
	for _, v := range vecs {
		t.Run(v.Name, func(t *testing.T) {
			types, stem := v.RougeTypes, true // score_multi cases: all types, stemmer on (the name says _stem)
			if types == nil {
				types = RougeTypes
			}
			if v.UseStemmer != nil {
				stem = *v.UseStemmer
			}
			sc, err := NewRougeScorer(types, stem)
			if err != nil {
				t.Fatal(err)
			}
			if v.Targets == nil {
				if len(v.Scores) != len(types) {
					t.Fatalf("vector has %d scores for %d types", len(v.Scores), len(types))
				}
				checkPRF(t, sc.Score(v.Target, v.Prediction), v.Scores)
				return
			}
			if len(v.PerRefF) != len(v.Targets) {
				t.Fatalf("vector has %d per-reference scores for %d targets", len(v.PerRefF), len(v.Targets))
			}
			for i, target := range v.Targets {
				got := sc.Score(target, v.Prediction)
				for typ, want := range v.PerRefF[i] {
					if !closeTo(got[typ].FMeasure, want) {
						t.Errorf("target %d %s F: got %v, want %v", i, typ, got[typ].FMeasure, want)
					}
				}
			}
			checkPRF(t, sc.ScoreMulti(v.Targets, v.Prediction), v.Multi)
		})
	}
}

func checkPRF(t *testing.T, got, want map[string]PRF) {
	t.Helper()
	for typ, w := range want {
		g, ok := got[typ]
		if !ok {
			t.Errorf("%s: missing", typ)
			continue
		}
		if !closeTo(g.Precision, w.Precision) || !closeTo(g.Recall, w.Recall) || !closeTo(g.FMeasure, w.FMeasure) {
			t.Errorf("%s: got %+v, want %+v", typ, g, w)
		}
	}
}

// TestRougeTokenize checks the tokenizations METRICS.md §3.2 lists, computed
// with rouge-score.
func TestRougeTokenize(t *testing.T) {
	for _, tc := range []struct {
		text       string
		want, stem []string
	}{
		{"#Person1# asks #Person2# about the weather.",
			[]string{"person1", "asks", "person2", "about", "the", "weather"},
			[]string{"person1", "ask", "person2", "about", "the", "weather"}},
		{"It costs $1,000.50 -- isn't it?",
			[]string{"it", "costs", "1", "000", "50", "isn", "t", "it"},
			[]string{"it", "cost", "1", "000", "50", "isn", "t", "it"}},
		{"Café naïve résumé", []string{"caf", "na", "ve", "r", "sum"}, nil},
		{"İstanbul Straße \u212Aelvin", []string{"i", "stanbul", "stra", "e", "kelvin"}, nil},
		{"日本語 text", []string{"text"}, nil},
		{"ÀÉÎ ÕÜ", nil, nil},
		{"", nil, nil},
		{"   ", nil, nil},
		{"...", nil, nil},
		{"new_york\r\nCITY", []string{"new", "york", "city"}, nil},
	} {
		if got := RougeTokenize(tc.text, false); !slices.Equal(got, tc.want) {
			t.Errorf("RougeTokenize(%q, false): got %q, want %q", tc.text, got, tc.want)
		}
		if tc.stem == nil {
			continue
		}
		if got := RougeTokenize(tc.text, true); !slices.Equal(got, tc.stem) {
			t.Errorf("RougeTokenize(%q, true): got %q, want %q", tc.text, got, tc.stem)
		}
	}
}

func TestNewRougeScorerTypes(t *testing.T) {
	for _, tc := range []struct {
		types []string
		ok    bool
	}{
		{[]string{"rouge1", "rouge9", "rougeL", "rougeLsum"}, true},
		{[]string{"rouge0"}, false},
		{[]string{"rouge10"}, false},
		{[]string{"rougen"}, false},
		{[]string{"rougel"}, false},
		{nil, false},
	} {
		_, err := NewRougeScorer(tc.types, false)
		if (err == nil) != tc.ok {
			t.Errorf("NewRougeScorer(%q): got error %v, want ok=%v", tc.types, err, tc.ok)
		}
	}
}

// TestRougeLsumOnly covers the path where only rougeLsum is asked for and
// the whole texts are not tokenized.
func TestRougeLsumOnly(t *testing.T) {
	sc, err := NewRougeScorer([]string{"rougeLsum"}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := sc.Score("a b c\nd e f", "d e f\na b c")["rougeLsum"]
	if got != (PRF{1, 1, 1}) {
		t.Errorf("got %+v, want {1 1 1}", got)
	}
}
