package metrics

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Case is one example to score. Text metrics (bleu, rouge, squad, gsm8k,
// peft) read Prediction and References; accuracy reads Logprobs, Gold and
// Choices.
type Case struct {
	ID         string   `json:"id,omitempty"`
	Prediction string   `json:"prediction"`
	References []string `json:"references,omitempty"`
	// Logprobs[i] is the summed log-likelihood of Choices[i]; Gold is the
	// index of the right choice.
	Logprobs []float64 `json:"logprobs,omitempty"`
	Gold     int       `json:"gold"`
	Choices  []string  `json:"choices,omitempty"`
	// Source says where the case came from ("cases.jsonl:12"), for errors.
	Source string `json:"-"`
}

// Options tune the metrics; the zero value gives each reference tool's
// defaults. BLEU reads the embedded BLEUOptions, ROUGE Stemmer and
// RougeTypes; PerSegment makes every metric also return its per-case scores.
type Options struct {
	BLEUOptions
	Stemmer    bool     // ROUGE: Porter-stem tokens (rouge-score's use_stemmer)
	RougeTypes []string // ROUGE: types to report; nil means RougeTypes
	PerSegment bool
	// SplitPrediction, for the peft metric, keeps only the text of each
	// prediction after the last occurrence of this separator, stripped:
	// the authors' --split_prediction (e.g. "####" before a GSM8K
	// answer), reconstructed as Python's pred.split(sep)[-1].strip(). ""
	// keeps predictions whole.
	SplitPrediction string
}

// Result is a corpus score. Each metric has its own concrete type
// (*BLEUResult, *ROUGEResult, *SQuADResult, *GSM8KResult, *AccuracyResult,
// *PEFTResult); encoding one as JSON gives the output documented in
// docs/metrics.md.
type Result interface {
	// Name is the metric, one of Names().
	Name() string
	// Values flattens the score into named numbers on the metric's own
	// scale, for storage: {"bleu": 48.53}, {"exact_match": 80, "f1": 85.2}…
	Values() map[string]float64
	// String is the report for people; where the reference tool prints a
	// line, it is that line.
	String() string
}

// scorers maps metric names to their corpus scorers.
var scorers = map[string]struct {
	choice bool // scores log-likelihoods rather than text
	score  func([]Case, Options) (Result, error)
	// primary is the Values() key a paper reports of the metric (SQuAD:
	// the paper's tables print exact match).
	primary string
}{
	"bleu":     {false, scoreBLEU, "bleu"},
	"rouge":    {false, scoreROUGE, "rougeL"},
	"squad":    {false, scoreSQuAD, "exact_match"},
	"gsm8k":    {false, scoreGSM8K, "strict_match"},
	"accuracy": {true, scoreAccuracy, "acc"},
	"peft":     {false, scorePEFT, "exact_match"},
}

// Primary is the key of metric's Values() that a report prints as its
// score, or "" for an unknown metric.
func Primary(metric string) string { return scorers[metric].primary }

// Names lists the metric names Score accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(scorers))
	for n := range scorers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Score scores cases with the named metric. Cases are checked first: every
// text must be valid UTF-8, text metrics need at least one reference per
// case, accuracy needs log-likelihoods and matching choices.
func Score(metric string, cases []Case, opts Options) (Result, error) {
	s, ok := scorers[metric]
	if !ok {
		return nil, fmt.Errorf("unknown metric %q (want one of %v)", metric, Names())
	}
	if len(cases) == 0 {
		return nil, errors.New("no cases to score")
	}
	for i := range cases {
		if err := checkCase(&cases[i], i, s.choice); err != nil {
			return nil, err
		}
	}
	return s.score(cases, opts)
}

// checkCase rejects what the reference tools would crash on or silently
// misread.
func checkCase(c *Case, i int, choice bool) error {
	where := caseName(*c, i)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	if choice {
		if len(c.Logprobs) == 0 {
			return bad("no logprobs (accuracy scores log-likelihoods)")
		}
		if len(c.Choices) != len(c.Logprobs) {
			return bad("%d logprobs but %d choices", len(c.Logprobs), len(c.Choices))
		}
		for j, ch := range c.Choices {
			if !utf8.ValidString(ch) {
				return bad("choice %d is not valid UTF-8", j+1)
			}
		}
		return nil
	}
	if c.Logprobs != nil {
		return bad("has logprobs; this metric scores predictions against references")
	}
	if len(c.References) == 0 {
		return bad("no references")
	}
	if !utf8.ValidString(c.Prediction) {
		return bad("prediction is not valid UTF-8")
	}
	for j, r := range c.References {
		if !utf8.ValidString(r) {
			return bad("reference %d is not valid UTF-8", j+1)
		}
	}
	return nil
}

// caseName says where case i came from, for error messages.
func caseName(c Case, i int) string {
	if c.Source != "" {
		return c.Source
	}
	return fmt.Sprintf("case %d", i+1)
}

// mean is the plain mean, summed in order as Python's sum(x)/len(x).
func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
