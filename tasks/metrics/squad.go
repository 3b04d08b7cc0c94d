package metrics

import (
	"fmt"
	"strings"
)

// SQuAD v1.1 exact match and F1 as the official evaluate-v1.1.py computes
// them (also HF evaluate's "squad" and NeMo's squad_metric_calc.py).

// NormalizeAnswer is the official normalize_answer: Python lowercasing,
// removal of the 32 ASCII punctuation characters (Unicode punctuation such as
// “ ” stays), removal of the words a, an and the, and whitespace collapsed.
func NormalizeAnswer(s string) string {
	s = pyLower(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x80 && isASCIIPunct(byte(r)) {
			return -1
		}
		return r
	}, s)
	s = removeArticles(s)
	return pyJoinFields(s)
}

// isASCIIPunct is membership in Python's string.punctuation.
func isASCIIPunct(c byte) bool {
	return ('!' <= c && c <= '/') || (':' <= c && c <= '@') || ('[' <= c && c <= '`') || ('{' <= c && c <= '~')
}

// removeArticles is re.sub(r'\b(a|an|the)\b', ' ', s) with Python's Unicode
// \b: every maximal run of word characters that is exactly "a", "an" or
// "the" becomes one space. Go's \b is ASCII-only and would remove the "the"
// of "theé".
func removeArticles(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	runStart := -1
	flush := func(end int) {
		switch w := s[runStart:end]; w {
		case "a", "an", "the":
			b.WriteByte(' ')
		default:
			b.WriteString(w)
		}
		runStart = -1
	}
	for i, r := range s {
		if pyWord(r) {
			if runStart < 0 {
				runStart = i
			}
			continue
		}
		if runStart >= 0 {
			flush(i)
		}
		b.WriteRune(r)
	}
	if runStart >= 0 {
		flush(len(s))
	}
	return b.String()
}

// SQuADExactMatch is exact_match_score: the normalized strings are equal.
func SQuADExactMatch(prediction, groundTruth string) bool {
	return NormalizeAnswer(prediction) == NormalizeAnswer(groundTruth)
}

// SQuADF1 is f1_score: the harmonic mean of token precision and recall of
// the normalized answers. It is 0 when either has no tokens.
func SQuADF1(prediction, groundTruth string) float64 {
	p := strings.Fields(NormalizeAnswer(prediction)) // single spaces by now
	g := strings.Fields(NormalizeAnswer(groundTruth))
	counts := make(map[string]int, len(g))
	for _, t := range g {
		counts[t]++
	}
	same := 0
	for _, t := range p {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := 1.0 * float64(same) / float64(len(p))
	recall := 1.0 * float64(same) / float64(len(g))
	return (2 * precision * recall) / (precision + recall)
}

// squadMax returns the best exact match and, independently, the best F1
// over the ground truths (metric_max_over_ground_truths).
func squadMax(prediction string, groundTruths []string) (em bool, f1 float64) {
	for i, gt := range groundTruths {
		em = em || SQuADExactMatch(prediction, gt)
		if f := SQuADF1(prediction, gt); i == 0 || f > f1 {
			f1 = f
		}
	}
	return em, f1
}

// SQuADScore is one question's best exact match (0 or 1) and best F1 (0–1)
// over its ground truths.
type SQuADScore struct {
	ExactMatch float64 `json:"exact_match"`
	F1         float64 `json:"f1"`
}

// SQuADResult is the "squad" metric's result, on the official script's
// 0–100 scale.
type SQuADResult struct {
	Metric     string       `json:"metric"`
	N          int          `json:"n"`
	ExactMatch float64      `json:"exact_match"`
	F1         float64      `json:"f1"`
	Segments   []SQuADScore `json:"segments,omitempty"`
}

func scoreSQuAD(cases []Case, opts Options) (Result, error) {
	per := make([]SQuADScore, len(cases))
	em, f1 := 0.0, 0.0
	for i, c := range cases {
		e, f := squadMax(c.Prediction, c.References)
		if e {
			per[i].ExactMatch = 1
		}
		per[i].F1 = f
		em += per[i].ExactMatch
		f1 += f
	}
	n := float64(len(cases))
	res := &SQuADResult{Metric: "squad", N: len(cases), ExactMatch: 100.0 * em / n, F1: 100.0 * f1 / n}
	if opts.PerSegment {
		res.Segments = per
	}
	return res, nil
}

// Name is "squad".
func (r *SQuADResult) Name() string { return r.Metric }

// Values is {"exact_match", "f1"}, in 0–100.
func (r *SQuADResult) Values() map[string]float64 {
	return map[string]float64{"exact_match": r.ExactMatch, "f1": r.F1}
}

// String is the line evaluate-v1.1.py prints, byte for byte, after one line
// per question if any.
func (r *SQuADResult) String() string {
	var b strings.Builder
	for i, s := range r.Segments {
		fmt.Fprintf(&b, "%d\texact_match %s\tf1 %s\n", i+1, pyRepr(s.ExactMatch), pyRepr(s.F1))
	}
	fmt.Fprintf(&b, `{"exact_match": %s, "f1": %s}`, pyRepr(r.ExactMatch), pyRepr(r.F1))
	return b.String()
}
