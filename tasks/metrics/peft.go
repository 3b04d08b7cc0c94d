package metrics

import (
	"fmt"
	"strings"
)

// The "PEFT script" mode: NVIDIA NeMo's
// scripts/metric_calculation/peft_metric_calc.py, which the Tied-LoRA
// authors' framework ships and which most plausibly produced the paper's
// SQuAD, DialogSum, HellaSwag and GSM8K numbers. Per case it takes the best
// over the references of SQuAD exact match, SQuAD F1 and rouge-score's
// ROUGE-L F-measure with the stemmer on; it reports plain means × 100.

// PEFTScore is one case's best EM (0/1), F1 and ROUGE-L F (0–1).
type PEFTScore struct {
	ExactMatch float64 `json:"exact_match"`
	F1         float64 `json:"f1"`
	RougeL     float64 `json:"rougeL"`
}

// PEFTResult is the "peft" metric's result, each value in 0–100.
type PEFTResult struct {
	Metric     string      `json:"metric"`
	N          int         `json:"n"`
	ExactMatch float64     `json:"exact_match"`
	F1         float64     `json:"f1"`
	RougeL     float64     `json:"rougeL"`
	Segments   []PEFTScore `json:"segments,omitempty"`
}

// peftScorer is the script's RougeScorer(['rougeL'], use_stemmer=True).
var peftScorer = &RougeScorer{types: []string{"rougeL"}, stemmer: true}

func scorePEFT(cases []Case, opts Options) (Result, error) {
	per := make([]PEFTScore, len(cases))
	em, f1, rl := 0.0, 0.0, 0.0
	for i, c := range cases {
		pred := c.Prediction
		if sep := opts.SplitPrediction; sep != "" {
			if k := strings.LastIndex(pred, sep); k >= 0 {
				pred = pred[k+len(sep):]
			}
			pred = pyStrip(pred)
		}
		e, f := squadMax(pred, c.References)
		best := 0.0
		for j, ref := range c.References {
			if r := peftScorer.Score(ref, pred)["rougeL"].FMeasure; j == 0 || r > best {
				best = r
			}
		}
		if e {
			per[i].ExactMatch = 1
		}
		per[i].F1, per[i].RougeL = f, best
		em += per[i].ExactMatch
		f1 += f
		rl += best
	}
	n := float64(len(cases))
	// The script computes 100.0*em/total and 100.0*f1/total but
	// 100*(rouge/total); the order shows in the last bit.
	res := &PEFTResult{Metric: "peft", N: len(cases), ExactMatch: 100.0 * em / n, F1: 100.0 * f1 / n, RougeL: 100 * (rl / n)}
	if opts.PerSegment {
		res.Segments = per
	}
	return res, nil
}

// Name is "peft".
func (r *PEFTResult) Name() string { return r.Metric }

// Values is {"exact_match", "f1", "rougeL"}, in 0–100.
func (r *PEFTResult) Values() map[string]float64 {
	return map[string]float64{"exact_match": r.ExactMatch, "f1": r.F1, "rougeL": r.RougeL}
}

// String is the line peft_metric_calc.py prints, byte for byte, after one
// line per case if any.
func (r *PEFTResult) String() string {
	var b strings.Builder
	for i, s := range r.Segments {
		fmt.Fprintf(&b, "%d\texact_match %s\tf1 %s\trougeL %s\n", i+1, pyRepr(s.ExactMatch), pyRepr(s.F1), pyRepr(s.RougeL))
	}
	fmt.Fprintf(&b, "exact_match %s\tf1 %s\trougeL %s\ttotal %s",
		pyFixed(r.ExactMatch, 3), pyFixed(r.F1, 3), pyFixed(r.RougeL, 3), pyFixed(float64(r.N), 3))
	return b.String()
}
