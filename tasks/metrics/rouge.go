package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ROUGE as Google's rouge-score 0.1.2 computes it (RougeScorer with the
// default tokenizer and split_summaries=False).

// PRF is one ROUGE score, each field in [0, 1].
type PRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	FMeasure  float64 `json:"fmeasure"`
}

// fmeasure is rouge-score's scoring.fmeasure, evaluated in its order.
func fmeasure(p, r float64) float64 {
	if p+r > 0 {
		return 2 * p * r / (p + r)
	}
	return 0
}

// RougeTypes are the types ROUGE reports unless told otherwise.
var RougeTypes = []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}

// RougeTokenize is rouge-score's tokenize.tokenize: after Python
// lowercasing, the tokens are the maximal runs of [a-z0-9]; everything else,
// accented letters included, separates them. With stem, tokens longer than
// three characters are Porter-stemmed.
func RougeTokenize(text string, stem bool) []string {
	var toks []string
	add := func(t string) {
		if stem && len(t) > 3 {
			t = PorterStem(t)
		}
		if t != "" {
			toks = append(toks, t)
		}
	}
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// Tokens are substrings of the lowered text: no copy per token.
		low := pyLower(text)
		start := -1
		for i := 0; i <= len(low); i++ {
			if i < len(low) && isAlnumLower(low[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				add(low[start:i])
				start = -1
			}
		}
		return toks
	}
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			add(string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf && isAlnumLower(byte(r)):
			cur = append(cur, byte(r))
		case 'A' <= r && r <= 'Z':
			cur = append(cur, byte(r+'a'-'A'))
		case r == 0x212a: // KELVIN SIGN lowers to "k"
			cur = append(cur, 'k')
		case r == 0x130: // İ lowers to "i" + U+0307, and U+0307 separates
			cur = append(cur, 'i')
			flush()
		default:
			flush()
		}
	}
	flush()
	return toks
}

func isAlnumLower(c byte) bool { return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') }

// RougeScorer is rouge-score's RougeScorer(rouge_types, use_stemmer). It is
// safe for concurrent use.
type RougeScorer struct {
	types   []string
	stemmer bool
}

// NewRougeScorer checks the types: rouge1 … rouge9, rougeL and rougeLsum.
func NewRougeScorer(types []string, useStemmer bool) (*RougeScorer, error) {
	if len(types) == 0 {
		return nil, fmt.Errorf("no ROUGE types given")
	}
	for _, t := range types {
		if rougeN(t) == 0 && t != "rougeL" && t != "rougeLsum" {
			return nil, fmt.Errorf("invalid ROUGE type %q (want rouge1 … rouge9, rougeL or rougeLsum)", t)
		}
	}
	return &RougeScorer{types: append([]string(nil), types...), stemmer: useStemmer}, nil
}

// rougeN returns n for "rouge1" … "rouge9" and 0 for anything else.
func rougeN(t string) int {
	if len(t) == 6 && strings.HasPrefix(t, "rouge") && t[5] >= '1' && t[5] <= '9' {
		return int(t[5] - '0')
	}
	return 0
}

// Types returns the scorer's ROUGE types.
func (s *RougeScorer) Types() []string { return append([]string(nil), s.types...) }

// Score is RougeScorer.score(target, prediction): the reference comes
// first; precision is measured against the prediction, recall against the
// target.
func (s *RougeScorer) Score(target, prediction string) map[string]PRF {
	out := make(map[string]PRF, len(s.types))
	var ids interner
	var tt, pt []int32
	if len(s.types) != 1 || s.types[0] != "rougeLsum" {
		tt = ids.ids(RougeTokenize(target, s.stemmer))
		pt = ids.ids(RougeTokenize(prediction, s.stemmer))
	}
	for _, t := range s.types {
		switch {
		case t == "rougeL":
			out[t] = scoreLCS(tt, pt)
		case t == "rougeLsum":
			ts := s.sentences(&ids, target)
			ps := s.sentences(&ids, prediction)
			out[t] = summaryLCS(ts, ps, ids.n())
		default:
			out[t] = scoreNgrams(tt, pt, rougeN(t))
		}
	}
	return out
}

// ScoreMulti is RougeScorer.score_multi: for each type separately, the
// score of the target with the highest F-measure (the first on ties).
func (s *RougeScorer) ScoreMulti(targets []string, prediction string) map[string]PRF {
	out := make(map[string]PRF, len(s.types))
	for i, target := range targets {
		sc := s.Score(target, prediction)
		for _, t := range s.types {
			if i == 0 || sc[t].FMeasure > out[t].FMeasure {
				out[t] = sc[t]
			}
		}
	}
	return out
}

// sentences tokenizes the newline-separated sentences of text, dropping
// empty lines (a line of spaces is kept and has no tokens).
func (s *RougeScorer) sentences(ids *interner, text string) [][]int32 {
	var sents [][]int32
	for line := range strings.SplitSeq(text, "\n") {
		if line != "" {
			sents = append(sents, ids.ids(RougeTokenize(line, s.stemmer)))
		}
	}
	return sents
}

// interner numbers distinct tokens 0, 1, 2… so that the LCS tables compare
// integers.
type interner struct{ m map[string]int32 }

func (in *interner) ids(toks []string) []int32 {
	if in.m == nil {
		in.m = make(map[string]int32)
	}
	out := make([]int32, len(toks))
	for i, t := range toks {
		id, ok := in.m[t]
		if !ok {
			id = int32(len(in.m))
			in.m[t] = id
		}
		out[i] = id
	}
	return out
}

func (in *interner) n() int { return len(in.m) }

// scoreNgrams is rouge-score's _score_ngrams over n-gram counts.
func scoreNgrams(target, pred []int32, n int) PRF {
	type gram [9]int32
	count := func(toks []int32) (map[gram]int, int) {
		m := map[gram]int{}
		total := 0
		for i := 0; i+n <= len(toks); i++ {
			var g gram
			copy(g[:], toks[i:i+n])
			m[g]++
			total++
		}
		return m, total
	}
	tc, tn := count(target)
	pc, pn := count(pred)
	inter := 0
	for g, c := range tc {
		inter += min(c, pc[g])
	}
	p := float64(inter) / float64(max(pn, 1))
	r := float64(inter) / float64(max(tn, 1))
	return PRF{p, r, fmeasure(p, r)}
}

// scoreLCS is rouge-score's _score_lcs (ROUGE-L).
func scoreLCS(target, pred []int32) PRF {
	if len(target) == 0 || len(pred) == 0 {
		return PRF{}
	}
	l := float64(lcsLen(target, pred))
	p := l / float64(len(pred))
	r := l / float64(len(target))
	return PRF{p, r, fmeasure(p, r)}
}

// summaryLCS is rouge-score's _summary_level_lcs (ROUGE-Lsum): for each
// reference sentence the union of its LCS with every candidate sentence,
// with token counts so that no token is credited twice. nIDs bounds the
// token ids.
// tokenCounts counts each token ID over the sentences (rouge-score's
// Counters that cap the union-LCS hits) and returns the total length.
func tokenCounts(sents [][]int32, nIDs int) ([]int, int) {
	cnt, total := make([]int, nIDs), 0
	for _, s := range sents {
		total += len(s)
		for _, t := range s {
			cnt[t]++
		}
	}
	return cnt, total
}

func summaryLCS(refSents, canSents [][]int32, nIDs int) PRF {
	if len(refSents) == 0 || len(canSents) == 0 {
		return PRF{}
	}
	cntR, m := tokenCounts(refSents, nIDs)
	cntC, n := tokenCounts(canSents, nIDs)
	if m == 0 || n == 0 {
		return PRF{}
	}
	if len(refSents) == 1 && len(canSents) == 1 {
		// One sentence each (a text without newlines): the union is the one
		// LCS, whose tokens both sides have, so the counts never run out
		// and every one is a hit. Its length needs no backtrack.
		hits := lcsLen(refSents[0], canSents[0])
		rec, prec := float64(hits)/float64(m), float64(hits)/float64(n)
		return PRF{prec, rec, fmeasure(prec, rec)}
	}
	// in marks the reference tokens in the union of their sentence's LCS
	// with some candidate sentence. The loop runs over the candidate
	// sentences outside, so each one's masks are built once.
	start := make([]int, len(refSents)+1)
	for k, r := range refSents {
		start[k+1] = start[k] + len(r)
	}
	in := make([]bool, m)
	slot := make([]int32, nIDs)
	var mk lcsMasks
	tr := lcsTracer{mk: &mk, budget: lcsBudget}
	for _, c := range canSents {
		mk.build(c, slot)
		for k, r := range refSents {
			for _, i := range tr.indices(r) {
				in[start[k]+i] = true
			}
		}
		mk.reset()
	}
	hits := 0
	for k, r := range refSents {
		for i, t := range r {
			if in[start[k]+i] && cntC[t] > 0 && cntR[t] > 0 {
				hits++
				cntC[t]--
				cntR[t]--
			}
		}
	}
	rec := float64(hits) / float64(m)
	prec := float64(hits) / float64(n)
	return PRF{prec, rec, fmeasure(prec, rec)}
}

// ROUGEResult is the "rouge" metric's result: for each type the mean
// precision, recall and F-measure over the cases, where each case takes,
// per type, the reference with the best F-measure (score_multi).
type ROUGEResult struct {
	Metric   string
	N        int
	Stemmer  bool
	Types    []string
	Scores   map[string]PRF
	Segments []map[string]PRF
}

func scoreROUGE(cases []Case, opts Options) (Result, error) {
	types := opts.RougeTypes
	if len(types) == 0 {
		types = RougeTypes
	}
	sc, err := NewRougeScorer(types, opts.Stemmer)
	if err != nil {
		return nil, err
	}
	res := &ROUGEResult{Metric: "rouge", N: len(cases), Stemmer: opts.Stemmer, Types: sc.Types(), Scores: map[string]PRF{}}
	per := make([]map[string]PRF, len(cases))
	for i, c := range cases {
		per[i] = sc.ScoreMulti(c.References, c.Prediction)
	}
	for _, t := range res.Types {
		var s PRF
		for _, p := range per {
			s.Precision += p[t].Precision
			s.Recall += p[t].Recall
			s.FMeasure += p[t].FMeasure
		}
		n := float64(len(per))
		res.Scores[t] = PRF{s.Precision / n, s.Recall / n, s.FMeasure / n}
	}
	if opts.PerSegment {
		res.Segments = per
	}
	return res, nil
}

// Name is "rouge".
func (r *ROUGEResult) Name() string { return r.Metric }

// Values maps each type to its mean F-measure, in 0–1.
func (r *ROUGEResult) Values() map[string]float64 {
	v := make(map[string]float64, len(r.Types))
	for _, t := range r.Types {
		v[t] = r.Scores[t].FMeasure
	}
	return v
}

// String prints one line per type, after one line of F-measures per
// segment if any.
func (r *ROUGEResult) String() string {
	var b strings.Builder
	for i, seg := range r.Segments {
		fmt.Fprintf(&b, "%d", i+1)
		for _, t := range r.Types {
			fmt.Fprintf(&b, "\t%s %.6f", t, seg[t].FMeasure)
		}
		b.WriteByte('\n')
	}
	stem := "off"
	if r.Stemmer {
		stem = "on"
	}
	fmt.Fprintf(&b, "ROUGE, mean of %d cases, stemmer %s, best reference per type\n", r.N, stem)
	for i, t := range r.Types {
		s := r.Scores[t]
		fmt.Fprintf(&b, "%-9s  P %.6f  R %.6f  F %.6f", t, s.Precision, s.Recall, s.FMeasure)
		if i < len(r.Types)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// MarshalJSON writes {"metric", "n", "stemmer", then each type as
// {"precision", "recall", "fmeasure"} in the scorer's order, then
// "segments" if any}.
func (r *ROUGEResult) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"metric":%q,"n":%d,"stemmer":%t`, r.Metric, r.N, r.Stemmer)
	for _, t := range r.Types {
		v, err := json.Marshal(r.Scores[t])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, ",%q:%s", t, v)
	}
	if r.Segments != nil {
		v, err := json.Marshal(r.Segments)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"segments":`)
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
