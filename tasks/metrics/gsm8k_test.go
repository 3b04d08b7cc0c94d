package metrics

import "testing"

// gsm8kVector is one case of gsm8k_computed_vectors.json (lm-eval's gsm8k
// filters and exact_match, and OpenAI's dataset.py).
type gsm8kVector struct {
	Name               string  `json:"name"`
	Gold               string  `json:"gold"`
	Response           string  `json:"response"`
	StrictExtracted    string  `json:"strict_extracted"`
	FlexibleExtracted  string  `json:"flexible_extracted"`
	GoldNormalized     string  `json:"gold_normalized"`
	StrictNormalized   string  `json:"strict_normalized"`
	FlexibleNormalized string  `json:"flexible_normalized"`
	StrictMatch        float64 `json:"strict_match"`
	FlexibleMatch      float64 `json:"flexible_match"`
	OpenAIExtractPred  string  `json:"openai_extract_pred"`
	OpenAIExtractGold  string  `json:"openai_extract_gold"`
	OpenAIIsCorrect    bool    `json:"openai_is_correct"`
}

func TestGSM8KVectors(t *testing.T) {
	var vecs []gsm8kVector
	readJSON(t, "gsm8k_computed_vectors.json", &vecs)
	if len(vecs) != 14 {
		t.Fatalf("got %d GSM8K vectors, want 14", len(vecs))
	}
	for _, v := range vecs {
		t.Run(v.Name, func(t *testing.T) {
			for _, c := range []struct{ name, got, want string }{
				{"strict", GSM8KStrict(v.Response), v.StrictExtracted},
				{"flexible", GSM8KFlexible(v.Response), v.FlexibleExtracted},
				{"gold normalized", GSM8KNormalize(v.Gold), v.GoldNormalized},
				{"strict normalized", GSM8KNormalize(v.StrictExtracted), v.StrictNormalized},
				{"flexible normalized", GSM8KNormalize(v.FlexibleExtracted), v.FlexibleNormalized},
				{"openai pred", GSM8KOpenAI(v.Response), v.OpenAIExtractPred},
				{"openai gold", GSM8KOpenAI(v.Gold), v.OpenAIExtractGold},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
				}
			}
			s := GSM8KCompare(v.Response, v.Gold)
			openai := 0.0
			if v.OpenAIIsCorrect {
				openai = 1
			}
			if s.StrictMatch != v.StrictMatch || s.FlexibleMatch != v.FlexibleMatch || s.OpenAIMatch != openai {
				t.Errorf("strict/flexible/openai: got %v/%v/%v, want %v/%v/%v",
					s.StrictMatch, s.FlexibleMatch, s.OpenAIMatch, v.StrictMatch, v.FlexibleMatch, openai)
			}
		})
	}
}

// lm-eval's exact_match rebuilds a numpy array after each regex: numpy
// drops trailing NULs, and its lowercasing keeps the array's width. The
// wants were computed with lm-eval's regexes and numpy 1.24.
func TestGSM8KNormalizeNumpy(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"#### 18\x00", "18"},
		{"5.\x00", "5"},
		{"5\x00.", "5"},
		{"#### 1,000.\x00\n", "1000.\x00\n"},
		{"18\x00\x00x", "18\x00\x00x"},
		{"$\x00", ""},
		{"A.\n\x00", "a\n"},
		{"İ", "i"},
		{"İx", "i\u0307"},
		{"aİ", "ai"},
		{"İ\x00x", "i\u0307"},
		{"ǅİ", "ǆi"},
		{"#### İ.", "i"},
		{"İ\x00.", "i\u0307"},
		{"İ\x00\x00.", "i\u0307"},
		{"aİ\x00.", "ai\u0307"},
		{"#### İ\x00", "i"},
		{"İ.\x00", "i"},
	} {
		if got := GSM8KNormalize(tc.in); got != tc.want {
			t.Errorf("GSM8KNormalize(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
