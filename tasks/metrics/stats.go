package metrics

import (
	"fmt"
)

// Per-case additive statistics. A corpus score is a function of sums over
// its cases (BLEU of summed n-gram counts and lengths, as sacreBLEU's
// corpus_bleu computes it; the other metrics of summed per-case values), so
// keeping each case's statistics lets a resample of the cases be scored
// without the texts: sum the statistics of the cases drawn, then
// StatsValues. Summing every case's statistics in order and converting
// gives exactly what Score(...).Values() gives.
//
// The layout, element 0 always the number of cases:
//
//	bleu      n, hypothesis length, closest reference length, matches for
//	          n-gram orders 1…max, totals for orders 1…max
//	rouge     n, F-measure of each type (Options.RougeTypes, or RougeTypes)
//	squad     n, exact match (0/1), F1 (0–1)
//	gsm8k     n, strict match, flexible match, OpenAI match (each 0/1)
//	accuracy  n, acc, acc_norm (each 0/1)
//	peft      n, exact match (0/1), F1, ROUGE-L F (0–1)

// Stats are one case's statistics, or a sum of them.
type Stats []float64

// Add adds t to s element by element; s and t have the same length.
func (s Stats) Add(t Stats) {
	for i := range s {
		s[i] += t[i]
	}
}

// SumStats sums statistics in order; nil for none.
func SumStats(all []Stats) Stats {
	if len(all) == 0 {
		return nil
	}
	sum := make(Stats, len(all[0]))
	for _, s := range all {
		sum.Add(s)
	}
	return sum
}

// ScoreStats scores cases as Score does and also returns each case's
// statistics, aligned with cases.
func ScoreStats(metric string, cases []Case, opts Options) (Result, []Stats, error) {
	if _, ok := scorers[metric]; !ok {
		return nil, nil, fmt.Errorf("unknown metric %q (want one of %v)", metric, Names())
	}
	if metric == "bleu" {
		res, err := Score(metric, cases, opts)
		if err != nil {
			return nil, nil, err
		}
		st, err := bleuCaseStats(cases, opts.BLEUOptions)
		return res, st, err
	}
	// The per-case scores are what the other metrics average.
	per := opts
	per.PerSegment = true
	res, err := Score(metric, cases, per)
	if err != nil {
		return nil, nil, err
	}
	st := make([]Stats, len(cases))
	switch r := res.(type) {
	case *ROUGEResult:
		for i, seg := range r.Segments {
			s := Stats{1}
			for _, t := range r.Types {
				s = append(s, seg[t].FMeasure)
			}
			st[i] = s
		}
		if !opts.PerSegment {
			r.Segments = nil
		}
	case *SQuADResult:
		for i, seg := range r.Segments {
			st[i] = Stats{1, seg.ExactMatch, seg.F1}
		}
		if !opts.PerSegment {
			r.Segments = nil
		}
	case *GSM8KResult:
		for i, seg := range r.Segments {
			st[i] = Stats{1, seg.StrictMatch, seg.FlexibleMatch, seg.OpenAIMatch}
		}
		if !opts.PerSegment {
			r.Segments = nil
		}
	case *AccuracyResult:
		for i, seg := range r.Segments {
			st[i] = Stats{1, seg.Acc, seg.AccNorm}
		}
		if !opts.PerSegment {
			r.Segments = nil
		}
	case *PEFTResult:
		for i, seg := range r.Segments {
			st[i] = Stats{1, seg.ExactMatch, seg.F1, seg.RougeL}
		}
		if !opts.PerSegment {
			r.Segments = nil
		}
	default:
		return nil, nil, fmt.Errorf("metric %q has no per-case statistics", metric)
	}
	return res, st, nil
}

// bleuCaseStats are each segment's sufficient statistics under o.
func bleuCaseStats(cases []Case, opts BLEUOptions) ([]Stats, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	c := newBLEUCounter(o)
	seg := newBLEUStats(o.MaxOrder)
	out := make([]Stats, len(cases))
	for i, cs := range cases {
		c.segment(cs.Prediction, cs.References, &seg)
		s := make(Stats, 3+2*o.MaxOrder)
		s[0], s[1], s[2] = 1, float64(seg.sysLen), float64(seg.refLen)
		for n := range o.MaxOrder {
			s[3+n] = float64(seg.correct[n])
			s[3+o.MaxOrder+n] = float64(seg.total[n])
		}
		out[i] = s
	}
	return out, nil
}

// StatsValues turns summed statistics back into the metric's Values().
// Only the options that act on the sums matter here (BLEU's smoothing,
// effective order and maximum order; ROUGE's types): tokenization, the
// stemmer and the like are already in the statistics, so opts must match
// those the statistics were made with in these respects.
func StatsValues(metric string, sum Stats, opts Options) (map[string]float64, error) {
	want := map[string]int{"squad": 3, "gsm8k": 4, "accuracy": 3, "peft": 4}
	var o BLEUOptions
	var types []string
	switch metric {
	case "bleu":
		var err error
		if o, err = opts.BLEUOptions.resolve(); err != nil {
			return nil, err
		}
		want["bleu"] = 3 + 2*o.MaxOrder
	case "rouge":
		types = opts.RougeTypes
		if len(types) == 0 {
			types = RougeTypes
		}
		sc, err := NewRougeScorer(types, false)
		if err != nil {
			return nil, err
		}
		types = sc.Types()
		want["rouge"] = 1 + len(types)
	}
	n, ok := want[metric]
	if !ok {
		return nil, fmt.Errorf("unknown metric %q (want one of %v)", metric, Names())
	}
	if len(sum) != n {
		return nil, fmt.Errorf("%s: %d statistics, want %d", metric, len(sum), n)
	}
	if sum[0] <= 0 {
		return nil, fmt.Errorf("%s: statistics of no cases", metric)
	}
	cases := sum[0]
	switch metric {
	case "bleu":
		st := newBLEUStats(o.MaxOrder)
		st.sysLen, st.refLen = int(sum[1]), int(sum[2])
		for k := range o.MaxOrder {
			st.correct[k] = int(sum[3+k])
			st.total[k] = int(sum[3+o.MaxOrder+k])
		}
		s := computeBLEU(&st, o)
		return map[string]float64{"bleu": s.Score}, nil
	case "rouge":
		v := make(map[string]float64, len(types))
		for i, t := range types {
			v[t] = sum[1+i] / cases
		}
		return v, nil
	case "squad":
		return map[string]float64{"exact_match": 100.0 * sum[1] / cases, "f1": 100.0 * sum[2] / cases}, nil
	case "gsm8k":
		return map[string]float64{"strict_match": sum[1] / cases, "flexible_extract": sum[2] / cases, "openai": sum[3] / cases}, nil
	case "accuracy":
		return map[string]float64{"acc": sum[1] / cases, "acc_norm": sum[2] / cases}, nil
	default: // peft, in the script's order of operations
		return map[string]float64{"exact_match": 100.0 * sum[1] / cases, "f1": 100.0 * sum[2] / cases, "rougeL": 100 * (sum[3] / cases)}, nil
	}
}
