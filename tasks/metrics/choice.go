package metrics

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Multiple-choice accuracy from per-choice log-likelihoods, as
// lm-evaluation-harness's multiple_choice output type scores it (HellaSwag's
// acc and acc_norm).

// ChoiceScore is the outcome of one multiple-choice question.
type ChoiceScore struct {
	Pred     int     `json:"pred"`      // argmax of the log-likelihoods
	PredNorm int     `json:"pred_norm"` // argmax of log-likelihood / length
	Acc      float64 `json:"acc"`
	AccNorm  float64 `json:"acc_norm"`
}

// ScoreChoice scores one question. logprobs[i] is the summed natural-log
// likelihood of choice i as a continuation; choices are the choice texts,
// whose lengths in Unicode code points normalise acc_norm (lm-eval divides by
// len(choice), without the leading space). A gold index outside the choices
// counts as wrong, as lm-eval scores it (it sets gold to -100).
func ScoreChoice(logprobs []float64, choices []string, gold int) (ChoiceScore, error) {
	if len(logprobs) == 0 {
		return ChoiceScore{}, fmt.Errorf("no log-likelihoods")
	}
	if len(choices) != len(logprobs) {
		return ChoiceScore{}, fmt.Errorf("%d log-likelihoods but %d choices", len(logprobs), len(choices))
	}
	norm := make([]float64, len(logprobs))
	for i, ll := range logprobs {
		// An empty choice divides by zero: -Inf, +Inf or NaN, as numpy gives.
		norm[i] = ll / float64(utf8.RuneCountInString(choices[i]))
	}
	s := ChoiceScore{Pred: argmax(logprobs), PredNorm: argmax(norm)}
	if s.Pred == gold {
		s.Acc = 1
	}
	if s.PredNorm == gold {
		s.AccNorm = 1
	}
	return s, nil
}

// argmax is numpy's argmax: the first maximum, or the first NaN if any.
func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if math.IsNaN(v) {
			return i
		}
		if v > x[best] {
			best = i
		}
	}
	return best
}

// AccuracyResult is the "accuracy" metric's result: lm-eval's acc and
// acc_norm, means over the questions in 0–1.
type AccuracyResult struct {
	Metric   string        `json:"metric"`
	N        int           `json:"n"`
	Acc      float64       `json:"acc"`
	AccNorm  float64       `json:"acc_norm"`
	Segments []ChoiceScore `json:"segments,omitempty"`
}

func scoreAccuracy(cases []Case, opts Options) (Result, error) {
	per := make([]ChoiceScore, len(cases))
	acc := make([]float64, len(cases))
	norm := make([]float64, len(cases))
	for i, c := range cases {
		s, err := ScoreChoice(c.Logprobs, c.Choices, c.Gold)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", caseName(c, i), err)
		}
		per[i], acc[i], norm[i] = s, s.Acc, s.AccNorm
	}
	res := &AccuracyResult{Metric: "accuracy", N: len(cases), Acc: mean(acc), AccNorm: mean(norm)}
	if opts.PerSegment {
		res.Segments = per
	}
	return res, nil
}

// Name is "accuracy".
func (r *AccuracyResult) Name() string { return r.Metric }

// Values is {"acc", "acc_norm"}, in 0–1.
func (r *AccuracyResult) Values() map[string]float64 {
	return map[string]float64{"acc": r.Acc, "acc_norm": r.AccNorm}
}

// String prints acc and acc_norm, after one line per question if any.
func (r *AccuracyResult) String() string {
	var b strings.Builder
	for i, s := range r.Segments {
		fmt.Fprintf(&b, "%d\tpred %d\tpred_norm %d\tacc %g\tacc_norm %g\n", i+1, s.Pred, s.PredNorm, s.Acc, s.AccNorm)
	}
	fmt.Fprintf(&b, "acc %.4f\nacc_norm %.4f", r.Acc, r.AccNorm)
	return b.String()
}
