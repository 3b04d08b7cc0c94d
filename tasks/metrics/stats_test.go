package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// statsCorpus is one corpus scored both ways.
type statsCorpus struct {
	name   string
	metric string
	cases  []Case
	opts   Options
}

// statsCorpora gathers corpora for every metric: the reference vectors and
// random cases of the differential generator, under several options.
func statsCorpora(t *testing.T) []statsCorpus {
	var out []statsCorpus
	var bleus []bleuVector
	readJSON(t, "bleu_computed_vectors.json", &bleus)
	for _, v := range bleus {
		refs := segmentRefs(v.Refs, len(v.Hyps))
		cases := make([]Case, len(v.Hyps))
		for i := range v.Hyps {
			cases[i] = Case{Prediction: v.Hyps[i], References: refs[i]}
		}
		opts := Options{BLEUOptions: BLEUOptions{
			Tokenize: v.Kwargs.Tokenize, Smooth: v.Kwargs.SmoothMethod, SmoothValue: v.Kwargs.SmoothValue,
			MaxOrder: v.Kwargs.MaxNgramOrder, Lowercase: v.Kwargs.Lowercase, EffectiveOrder: v.Kwargs.EffectiveOrder,
		}}
		out = append(out, statsCorpus{"bleu vector " + v.Name, "bleu", cases, opts})
	}
	var squads []squadVector
	readJSON(t, "squad_computed_vectors.json", &squads)
	var sq []Case
	for _, v := range squads {
		sq = append(sq, Case{Prediction: v.Prediction, References: v.GroundTruths})
	}
	out = append(out, statsCorpus{"squad vectors", "squad", sq, Options{}},
		statsCorpus{"peft squad vectors", "peft", sq, Options{}},
		statsCorpus{"rouge squad vectors", "rouge", sq, Options{Stemmer: true}})
	var gsms []gsm8kVector
	readJSON(t, "gsm8k_computed_vectors.json", &gsms)
	var gs []Case
	for _, v := range gsms {
		gs = append(gs, Case{Prediction: v.Response, References: []string{v.Gold}})
	}
	out = append(out, statsCorpus{"gsm8k vectors", "gsm8k", gs, Options{}},
		statsCorpus{"peft gsm8k vectors split", "peft", gs, Options{SplitPrediction: "####"}})
	var rouges []rougeVector
	readJSON(t, "rouge_computed_vectors.json", &rouges)
	var rs []Case
	for _, v := range rouges {
		refs := v.Targets
		if refs == nil {
			refs = []string{v.Target}
		}
		rs = append(rs, Case{Prediction: v.Prediction, References: refs})
	}
	out = append(out, statsCorpus{"rouge vectors", "rouge", rs, Options{Stemmer: true}},
		statsCorpus{"rouge vectors two types", "rouge", rs, Options{RougeTypes: []string{"rougeLsum", "rouge2"}}})

	// Random corpora, each with the generator's BLEU options.
	gen, chunks := generateCases(3, 400)
	r := rand.New(rand.NewPCG(3, 4))
	for k, ch := range chunks {
		var cases []Case
		for _, c := range gen[ch.Start:ch.End] {
			cs := Case{Prediction: c.Prediction}
			for _, ref := range c.References {
				if ref != nil {
					cs.References = append(cs.References, *ref)
				}
			}
			if len(cs.References) > 0 {
				cases = append(cases, cs)
			}
		}
		if len(cases) == 0 {
			continue
		}
		bo := BLEUOptions{Lowercase: ch.Lowercase, EffectiveOrder: ch.EffectiveOrder, MaxOrder: ch.MaxOrder}
		switch {
		case ch.Floor != nil:
			bo.Smooth, bo.SmoothValue = SmoothFloor, ch.Floor
		case ch.AddK != nil:
			bo.Smooth, bo.SmoothValue = SmoothAddK, ch.AddK
		case k%3 == 0:
			bo.Smooth = SmoothNone
		}
		bo.Tokenize = []string{Tok13a, TokIntl, TokChar, TokNone}[k%4]
		name := "random corpus " + string(rune('A'+k%26))
		for _, m := range []string{"squad", "gsm8k", "peft"} {
			out = append(out, statsCorpus{name, m, cases, Options{}})
		}
		out = append(out, statsCorpus{name, "bleu", cases, Options{BLEUOptions: bo}},
			statsCorpus{name, "rouge", cases, Options{Stemmer: k%2 == 0}})
		acc := make([]Case, len(cases))
		for i := range acc {
			n := 1 + r.IntN(5)
			c := Case{Gold: r.IntN(n)}
			for j := 0; j < n; j++ {
				c.Logprobs = append(c.Logprobs, -20*r.Float64())
				c.Choices = append(c.Choices, gen[ch.Start+r.IntN(ch.End-ch.Start)].Prediction+"x")
			}
			acc[i] = c
		}
		out = append(out, statsCorpus{name, "accuracy", acc, Options{}})
	}
	return out
}

// TestStatsSumToScore: summing every case's statistics and converting them
// gives what Score gives, for every metric and every value key.
func TestStatsSumToScore(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range statsCorpora(t) {
		seen[c.metric] = true
		want, err := Score(c.metric, c.cases, c.opts)
		if err != nil {
			t.Fatalf("%s %s: %v", c.name, c.metric, err)
		}
		res, st, err := ScoreStats(c.metric, c.cases, c.opts)
		if err != nil {
			t.Fatalf("%s %s: %v", c.name, c.metric, err)
		}
		if len(st) != len(c.cases) {
			t.Fatalf("%s %s: got %d statistics, want %d", c.name, c.metric, len(st), len(c.cases))
		}
		got, err := StatsValues(c.metric, SumStats(st), c.opts)
		if err != nil {
			t.Fatalf("%s %s: %v", c.name, c.metric, err)
		}
		wv, rv := want.Values(), res.Values()
		keys := make([]string, 0, len(wv))
		for k := range wv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(got) != len(wv) {
			t.Errorf("%s %s: got keys %v, want %v", c.name, c.metric, got, keys)
		}
		for _, k := range keys {
			if d := math.Abs(got[k] - wv[k]); !(d <= 1e-12) {
				t.Errorf("%s %s %s: got %v from statistics, want %v", c.name, c.metric, k, got[k], wv[k])
			}
			if rv[k] != wv[k] {
				t.Errorf("%s %s %s: ScoreStats got %v, want %v", c.name, c.metric, k, rv[k], wv[k])
			}
		}
	}
	for _, m := range Names() {
		if !seen[m] {
			t.Errorf("no corpus for metric %s", m)
		}
	}
}

// TestStatsValuesErrors: statistics of another shape are refused.
func TestStatsValuesErrors(t *testing.T) {
	tests := []struct {
		metric string
		sum    Stats
		opts   Options
	}{
		{"nope", Stats{1, 1}, Options{}},
		{"squad", Stats{1, 1}, Options{}},
		{"squad", Stats{0, 0, 0}, Options{}},
		{"bleu", make(Stats, 11), Options{}},
		{"rouge", Stats{1, 1}, Options{}},
	}
	for _, tt := range tests {
		if _, err := StatsValues(tt.metric, tt.sum, tt.opts); err == nil {
			t.Errorf("StatsValues(%s, %v): got no error, want one", tt.metric, tt.sum)
		}
	}
}
