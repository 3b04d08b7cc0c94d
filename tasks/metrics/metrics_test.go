package metrics

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	want := []string{"accuracy", "bleu", "gsm8k", "peft", "rouge", "squad"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestScoreErrors(t *testing.T) {
	text := []Case{{Prediction: "a", References: []string{"a"}}}
	for _, tc := range []struct {
		name   string
		metric string
		cases  []Case
		opts   Options
		want   string
	}{
		{"unknown metric", "meteor", text, Options{}, `unknown metric "meteor"`},
		{"no cases", "bleu", nil, Options{}, "no cases to score"},
		{"no references", "squad", []Case{{Prediction: "a"}}, Options{}, "case 1: no references"},
		{"source in message", "rouge", []Case{{Prediction: "a", Source: "x.jsonl:9"}}, Options{}, "x.jsonl:9: no references"},
		{"invalid UTF-8 prediction", "bleu", []Case{{Prediction: "\xff", References: []string{"a"}}}, Options{}, "case 1: prediction is not valid UTF-8"},
		{"invalid UTF-8 reference", "gsm8k", []Case{{Prediction: "a", References: []string{"a", "\xc3"}}}, Options{}, "case 1: reference 2 is not valid UTF-8"},
		{"choice case for a text metric", "bleu", []Case{{Logprobs: []float64{-1}, Choices: []string{"a"}}}, Options{}, "case 1: has logprobs"},
		{"text case for accuracy", "accuracy", text, Options{}, "case 1: no logprobs"},
		{"choices mismatch", "accuracy", []Case{{Logprobs: []float64{-1, -2}, Choices: []string{"a"}}}, Options{}, "case 1: 2 logprobs but 1 choices"},
		{"bad tokenizer", "bleu", text, Options{BLEUOptions: BLEUOptions{Tokenize: "zh"}}, `unknown BLEU tokenizer "zh"`},
		{"bad smoothing", "bleu", text, Options{BLEUOptions: BLEUOptions{Smooth: "add-one"}}, `unknown BLEU smoothing "add-one"`},
		{"value for exp", "bleu", text, Options{BLEUOptions: BLEUOptions{SmoothValue: ptr(0.5)}}, "a smoothing value applies only to floor and add-k"},
		{"negative value", "bleu", text, Options{BLEUOptions: BLEUOptions{Smooth: "floor", SmoothValue: ptr(-1.0)}}, "smoothing value -1 is not"},
		{"bad order", "bleu", text, Options{BLEUOptions: BLEUOptions{MaxOrder: -2}}, "max n-gram order -2 is out of range"},
		{"bad rouge type", "rouge", text, Options{RougeTypes: []string{"rougeW"}}, `invalid ROUGE type "rougeW"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Score(tc.metric, tc.cases, tc.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got error %v, want one starting %q", err, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestScoreOutputs checks each metric's Values, String and JSON on a small
// corpus whose numbers are known from the vectors.
func TestScoreOutputs(t *testing.T) {
	bleuCases := []Case{
		{Prediction: "The dog bit the man.", References: []string{"The dog bit the man.", "The dog had bit the man."}},
		{Prediction: "It wasn't surprising.", References: []string{"It was not unexpected.", "No one was surprised."}},
		{Prediction: "The man had just bitten him.", References: []string{"The man bit him first.", "The man had bitten the dog."}},
	}
	squadCases := []Case{
		{Prediction: "Denver Broncos.", References: []string{"Denver Broncos"}},
		{Prediction: "Broncos", References: []string{"Denver Broncos"}},
	}
	gsmCases := []Case{
		{Prediction: "#### 18", References: []string{"x\n#### 18"}},
		{Prediction: "The answer is 18.", References: []string{"x\n#### 18"}},
	}
	rougeCases := []Case{
		{Prediction: "The quick brown dog jumps on the log.", References: []string{"The quick brown fox jumps over the lazy dog"}},
		{Prediction: "a b", References: []string{"x", "a b"}},
	}
	for _, tc := range []struct {
		metric     string
		cases      []Case
		opts       Options
		values     map[string]float64
		text, json string
	}{
		{"bleu", bleuCases, Options{}, map[string]float64{"bleu": 48.530827009929865},
			"BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)",
			`{"metric":"bleu","n":3,"score":48.530827009929865,"counts":[14,7,5,3],"totals":[17,14,11,8],"precisions":[82.3529411764706,50,45.45454545454545,37.5],"bp":0.9428731438548749,"sys_len":17,"ref_len":18,"signature":"nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0","short_signature":"#:2|c:mixed|e:no|tok:13a|s:exp|v:2.6.0","line":"BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"}`},
		{"squad", squadCases, Options{}, map[string]float64{"exact_match": 50, "f1": 83.33333333333333},
			`{"exact_match": 50.0, "f1": 83.33333333333333}`,
			`{"metric":"squad","n":2,"exact_match":50,"f1":83.33333333333333}`},
		{"gsm8k", gsmCases, Options{}, map[string]float64{"strict_match": 0.5, "flexible_extract": 1, "openai": 0.5},
			"exact_match,strict-match 0.5000\nexact_match,flexible-extract 1.0000\nopenai is_correct 0.5000",
			`{"metric":"gsm8k","n":2,"strict_match":0.5,"flexible_extract":1,"openai":0.5}`},
		{"rouge", rougeCases, Options{RougeTypes: []string{"rouge1", "rougeL"}}, map[string]float64{"rouge1": (0.7058823529411765 + 1) / 2, "rougeL": (0.5882352941176471 + 1) / 2},
			"ROUGE, mean of 2 cases, stemmer off, best reference per type\nrouge1     P 0.875000  R 0.833333  F 0.852941\nrougeL     P 0.812500  R 0.777778  F 0.794118",
			`{"metric":"rouge","n":2,"stemmer":false,"rouge1":{"precision":0.875,"recall":0.8333333333333333,"fmeasure":0.8529411764705883},"rougeL":{"precision":0.8125,"recall":0.7777777777777778,"fmeasure":0.7941176470588236}}`},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			res, err := Score(tc.metric, tc.cases, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Name() != tc.metric {
				t.Errorf("Name: got %q, want %q", res.Name(), tc.metric)
			}
			vals := res.Values()
			if len(vals) != len(tc.values) {
				t.Errorf("Values: got %v, want %v", vals, tc.values)
			}
			for k, want := range tc.values {
				if got, ok := vals[k]; !ok || !closeTo(got, want) {
					t.Errorf("Values[%q]: got %v, want %v", k, got, want)
				}
			}
			if got := res.String(); got != tc.text {
				t.Errorf("String:\n got %q\nwant %q", got, tc.text)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.json {
				t.Errorf("JSON:\n got %s\nwant %s", b, tc.json)
			}
		})
	}
}

// TestPerSegment checks that per-segment scores are each case's own score.
func TestPerSegment(t *testing.T) {
	cases := []Case{
		{Prediction: "the cat sat on a mat", References: []string{"the cat sat on the mat"}},
		{Prediction: "Hello, world! How are you today?", References: []string{"Hello, world! How are you today?"}},
	}
	res, err := Score("bleu", cases, Options{PerSegment: true})
	if err != nil {
		t.Fatal(err)
	}
	segs := res.(*BLEUResult).Segments
	if len(segs) != 2 {
		t.Fatalf("got %d segments, want 2", len(segs))
	}
	for i, c := range cases {
		want, err := SentenceBLEU(c.Prediction, c.References, BLEUOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if segs[i].Score != want.Score || segs[i].Format(2, false) != want.Format(2, false) {
			t.Errorf("segment %d: got %s, want %s", i+1, segs[i].Format(2, false), want.Format(2, false))
		}
	}
	if !closeTo(segs[0].Score, 53.7284965911771) {
		t.Errorf("segment 1: got %v, want 53.7284965911771", segs[0].Score)
	}
	for _, m := range []string{"rouge", "squad", "gsm8k", "peft"} {
		res, err := Score(m, cases, Options{PerSegment: true})
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(res.String(), "\n"); lines < len(cases) {
			t.Errorf("%s: got %d lines of report, want a line per case and more", m, lines)
		}
	}
}
