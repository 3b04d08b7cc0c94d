package metrics

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// GSM8K answer extraction and exact match as lm-evaluation-harness's gsm8k
// task (version 3.0) and OpenAI's grade_school_math/dataset.py define them.

// GSM8KInvalid is what the extractors return when they find no answer.
const GSM8KInvalid = "[invalid]"

var (
	// strict-match and OpenAI's ANS_RE: the number after "#### ".
	strictRe = regexp.MustCompile(`#### (\-?[0-9\.\,]+)`)
	// flexible-extract: the last number-like span. [$0-9.,]{2,} can match
	// pure punctuation ("..."); that is lm-eval's behaviour too.
	flexibleRe = regexp.MustCompile(`(-?[$0-9.,]{2,})|(-?[0-9]+)`)
)

// GSM8KStrict is lm-eval's "strict-match" filter: the first "#### <number>"
// of the response, or "[invalid]".
func GSM8KStrict(response string) string {
	m := strictRe.FindStringSubmatch(response)
	if m == nil {
		return GSM8KInvalid
	}
	return pyStrip(m[1])
}

// GSM8KFlexible is lm-eval's "flexible-extract" filter: the last match of
// (-?[$0-9.,]{2,})|(-?[0-9]+) in the response (its first non-empty group),
// or "[invalid]".
func GSM8KFlexible(response string) string {
	ms := flexibleRe.FindAllStringSubmatch(response, -1)
	if len(ms) == 0 {
		return GSM8KInvalid
	}
	last := ms[len(ms)-1]
	for _, g := range last[1:] {
		if g != "" {
			return pyStrip(g)
		}
	}
	return GSM8KInvalid
}

// GSM8KOpenAI is OpenAI's extract_answer: the first "#### <number>" with
// commas removed, or "[invalid]". OpenAI's is_correct compares two of these
// as strings, so "18." does not equal "18".
func GSM8KOpenAI(completion string) string {
	m := strictRe.FindStringSubmatch(completion)
	if m == nil {
		return GSM8KInvalid
	}
	return strings.ReplaceAll(pyStrip(m[1]), ",", "")
}

// GSM8KNormalize is the normalisation of lm-eval's exact_match for gsm8k,
// applied to both the extracted answer and the gold answer: the
// regexes_to_ignore ",", "\$", "(?s).*#### " and "\.$" are deleted in that
// order, then the text is lowercased (ignore_case). lm-eval puts each
// string alone into a numpy array after each step, and numpy's fixed-width
// strings bring two quirks: trailing NULs go ("18\x00" equals "18", and
// "5.\x00" loses its period), and lowercasing keeps the width, the length
// before that, so "İx" lowers to "i\u0307", "İ" to "i" and "İ\x00." to
// "i\u0307".
func GSM8KNormalize(s string) string {
	trim := func(s string) string { return strings.TrimRight(s, "\x00") }
	s = trim(strings.ReplaceAll(s, ",", ""))
	s = trim(strings.ReplaceAll(s, "$", ""))
	// (?s).*#### is greedy: everything up to the last "#### " goes.
	if i := strings.LastIndex(s, "#### "); i >= 0 {
		s = trim(s[i+len("#### "):])
	}
	// Python's $ also matches just before a final newline.
	if strings.HasSuffix(s, ".") {
		s = s[:len(s)-1]
	} else if strings.HasSuffix(s, ".\n") {
		s = s[:len(s)-2] + "\n"
	}
	// The array's width counts the NULs that it then drops.
	width := utf8.RuneCountInString(s)
	s = pyLower(trim(s))
	if utf8.RuneCountInString(s) > width { // only İ lengthens
		cut := 0
		for range width {
			_, n := utf8.DecodeRuneInString(s[cut:])
			cut += n
		}
		s = trim(s[:cut])
	}
	return s
}

// GSM8KScore is the outcome of one response against one gold answer.
type GSM8KScore struct {
	Strict        string  `json:"strict"`   // strict-match extraction
	Flexible      string  `json:"flexible"` // flexible-extract extraction
	StrictMatch   float64 `json:"strict_match"`
	FlexibleMatch float64 `json:"flexible_match"`
	OpenAIMatch   float64 `json:"openai_match"`
}

// GSM8KCompare scores response against gold, a GSM8K answer field ("...
// #### 72") or a bare final answer. lm-eval's exact match normalises both
// sides as GSM8KNormalize does. OpenAI's is_correct needs a gold with a
// "#### <number>" line; a bare gold is taken whole, stripped and without
// commas.
func GSM8KCompare(response, gold string) GSM8KScore {
	s := GSM8KScore{Strict: GSM8KStrict(response), Flexible: GSM8KFlexible(response)}
	g := GSM8KNormalize(gold)
	if GSM8KNormalize(s.Strict) == g {
		s.StrictMatch = 1
	}
	if GSM8KNormalize(s.Flexible) == g {
		s.FlexibleMatch = 1
	}
	og := GSM8KOpenAI(gold)
	if og == GSM8KInvalid {
		og = strings.ReplaceAll(pyStrip(gold), ",", "")
	}
	if GSM8KOpenAI(response) == og {
		s.OpenAIMatch = 1
	}
	return s
}

// GSM8KResult is the "gsm8k" metric's result: the fraction of cases (0–1)
// that each rule gets right. Each case takes its best reference.
type GSM8KResult struct {
	Metric string `json:"metric"`
	N      int    `json:"n"`
	// StrictMatch and FlexibleExtract are lm-eval's "exact_match,strict-match"
	// and "exact_match,flexible-extract"; OpenAI is is_correct.
	StrictMatch     float64      `json:"strict_match"`
	FlexibleExtract float64      `json:"flexible_extract"`
	OpenAI          float64      `json:"openai"`
	Segments        []GSM8KScore `json:"segments,omitempty"`
}

func scoreGSM8K(cases []Case, opts Options) (Result, error) {
	per := make([]GSM8KScore, len(cases))
	strict := make([]float64, len(cases))
	flex := make([]float64, len(cases))
	oai := make([]float64, len(cases))
	for i, c := range cases {
		for j, ref := range c.References {
			s := GSM8KCompare(c.Prediction, ref)
			if j == 0 {
				per[i] = s
				continue
			}
			per[i].StrictMatch = max(per[i].StrictMatch, s.StrictMatch)
			per[i].FlexibleMatch = max(per[i].FlexibleMatch, s.FlexibleMatch)
			per[i].OpenAIMatch = max(per[i].OpenAIMatch, s.OpenAIMatch)
		}
		strict[i], flex[i], oai[i] = per[i].StrictMatch, per[i].FlexibleMatch, per[i].OpenAIMatch
	}
	res := &GSM8KResult{Metric: "gsm8k", N: len(cases), StrictMatch: mean(strict), FlexibleExtract: mean(flex), OpenAI: mean(oai)}
	if opts.PerSegment {
		res.Segments = per
	}
	return res, nil
}

// Name is "gsm8k".
func (r *GSM8KResult) Name() string { return r.Metric }

// Values is {"strict_match", "flexible_extract", "openai"}, in 0–1.
func (r *GSM8KResult) Values() map[string]float64 {
	return map[string]float64{"strict_match": r.StrictMatch, "flexible_extract": r.FlexibleExtract, "openai": r.OpenAI}
}

// String prints lm-eval's metric keys with their values, after one line per
// case (the two extractions and the three outcomes) if any.
func (r *GSM8KResult) String() string {
	var b strings.Builder
	for i, s := range r.Segments {
		fmt.Fprintf(&b, "%d\tstrict %q %g\tflexible %q %g\topenai %g\n", i+1, s.Strict, s.StrictMatch, s.Flexible, s.FlexibleMatch, s.OpenAIMatch)
	}
	fmt.Fprintf(&b, "exact_match,strict-match %.4f\nexact_match,flexible-extract %.4f\nopenai is_correct %.4f",
		r.StrictMatch, r.FlexibleExtract, r.OpenAI)
	return b.String()
}
