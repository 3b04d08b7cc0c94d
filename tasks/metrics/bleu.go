package metrics

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// SacreBLEUVersion is the sacreBLEU release whose BLEU this package
// reproduces; it is the version field of the signature.
const SacreBLEUVersion = "2.6.0"

// Smoothing methods, as sacreBLEU names them.
const (
	SmoothExp   = "exp"   // NIST geometric sequence (mteval-v13a), the default
	SmoothNone  = "none"  // no smoothing
	SmoothFloor = "floor" // a zero count becomes SmoothValue (default 0.1)
	SmoothAddK  = "add-k" // add SmoothValue (default 1) to counts of n >= 2
)

// BLEUOptions are the arguments of sacreBLEU's BLEU(). The zero value is
// sacreBLEU's default: 13a, exp smoothing, mixed case, 4-grams, no
// effective order.
type BLEUOptions struct {
	Tokenize string // "13a" (default), "intl", "char" or "none"
	Smooth   string // "exp" (default), "none", "floor" or "add-k"
	// SmoothValue is the floor or k; nil means sacreBLEU's default (0.1 for
	// floor, 1 for add-k). It is an error for exp and none.
	SmoothValue    *float64
	Lowercase      bool // lowercase with Python's str.lower() first
	MaxOrder       int  // highest n-gram order; 0 means 4
	EffectiveOrder bool // average only over the orders the hypotheses have
}

// resolve checks o and fills in the defaults.
func (o BLEUOptions) resolve() (BLEUOptions, error) {
	if o.Tokenize == "" {
		o.Tokenize = Tok13a
	}
	switch o.Tokenize {
	case Tok13a, TokIntl, TokChar, TokNone:
	default:
		return o, fmt.Errorf("unknown BLEU tokenizer %q (want 13a, intl, char or none)", o.Tokenize)
	}
	if o.Smooth == "" {
		o.Smooth = SmoothExp
	}
	switch o.Smooth {
	case SmoothExp, SmoothNone:
		if o.SmoothValue != nil {
			return o, fmt.Errorf("a smoothing value applies only to floor and add-k, not %q", o.Smooth)
		}
	case SmoothFloor, SmoothAddK:
		if o.SmoothValue == nil {
			v := 0.1
			if o.Smooth == SmoothAddK {
				v = 1
			}
			o.SmoothValue = &v
		} else if v := *o.SmoothValue; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return o, fmt.Errorf("smoothing value %v is not a finite number >= 0", v)
		}
	default:
		return o, fmt.Errorf("unknown BLEU smoothing %q (want exp, none, floor or add-k)", o.Smooth)
	}
	if o.MaxOrder == 0 {
		o.MaxOrder = 4
	}
	if o.MaxOrder < 1 || o.MaxOrder > 64 {
		return o, fmt.Errorf("max n-gram order %d is out of range 1..64", o.MaxOrder)
	}
	return o, nil
}

// BLEUScore is a BLEU score with the fields of sacreBLEU's BLEUScore.
// Score and Precisions are on the 0–100 scale.
type BLEUScore struct {
	Score float64 `json:"score"`
	// Counts and Totals are the matched and the hypothesis n-grams for
	// n = 1..MaxOrder. They are whole numbers except after add-k smoothing
	// with a fractional k, which (as in sacreBLEU) adds k to them for n >= 2.
	Counts         []float64 `json:"counts"`
	Totals         []float64 `json:"totals"`
	Precisions     []float64 `json:"precisions"`
	BP             float64   `json:"bp"`
	SysLen         int       `json:"sys_len"`
	RefLen         int       `json:"ref_len"`
	Signature      string    `json:"signature,omitempty"`
	ShortSignature string    `json:"short_signature,omitempty"`
}

// Ratio is the hypothesis-to-reference length ratio (0 with no reference words).
func (s *BLEUScore) Ratio() float64 {
	if s.RefLen == 0 {
		return 0
	}
	return float64(s.SysLen) / float64(s.RefLen)
}

// Format is sacreBLEU's score line with the score to width decimals:
// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17
// ref_len = 18)". With withSignature it starts "BLEU|<signature> = ", as the
// sacrebleu command prints it with -f text.
func (s *BLEUScore) Format(width int, withSignature bool) string {
	var b strings.Builder
	b.WriteString("BLEU")
	if withSignature && s.Signature != "" {
		b.WriteString("|" + s.Signature)
	}
	b.WriteString(" = " + pyFixed(s.Score, width) + " ")
	for i, p := range s.Precisions {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(pyFixed(p, 1))
	}
	fmt.Fprintf(&b, " (BP = %s ratio = %s hyp_len = %d ref_len = %d)",
		pyFixed(s.BP, 3), pyFixed(s.Ratio(), 3), s.SysLen, s.RefLen)
	return b.String()
}

// String is Format(2, true).
func (s *BLEUScore) String() string { return s.Format(2, true) }

// bleuSignature is sacreBLEU 2.x's BLEU signature; nrefs < 0 means the
// segments have different numbers of references ("var"). sacreBLEU leaves the
// maximum n-gram order out of it, and so does this.
func bleuSignature(o BLEUOptions, nrefs int, short bool) string {
	refs := "var"
	if nrefs >= 0 {
		refs = strconv.Itoa(nrefs)
	}
	smooth := o.Smooth
	if o.Smooth == SmoothFloor || o.Smooth == SmoothAddK {
		smooth += "[" + pyFixed(*o.SmoothValue, 2) + "]"
	}
	lc, eff := "mixed", "no"
	if o.Lowercase {
		lc = "lc"
	}
	if o.EffectiveOrder {
		eff = "yes"
	}
	keys := []string{"nrefs", "case", "eff", "tok", "smooth", "version"}
	if short {
		keys = []string{"#", "c", "e", "tok", "s", "v"}
	}
	vals := []string{refs, lc, eff, o.Tokenize, smooth, SacreBLEUVersion}
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = keys[i] + ":" + vals[i]
	}
	return strings.Join(parts, "|")
}

// bleuStats are BLEU's sufficient statistics, for a segment or summed over a
// corpus: hypothesis length, closest reference length, and per order the
// matched (clipped) and the total hypothesis n-grams.
type bleuStats struct {
	sysLen, refLen int
	correct, total []int
}

func newBLEUStats(order int) bleuStats {
	c := make([]int, 2*order)
	return bleuStats{correct: c[:order:order], total: c[order:]}
}

func (s *bleuStats) add(t *bleuStats) {
	s.sysLen += t.sysLen
	s.refLen += t.refLen
	for i := range s.correct {
		s.correct[i] += t.correct[i]
		s.total[i] += t.total[i]
	}
}

// myLog is sacreBLEU's my_log: log(0) is -9999999999 instead of an error.
// Like crExp below, it is rounded as glibc's log is (libm.go).
func myLog(x float64) float64 {
	if x == 0 {
		return -9999999999
	}
	return crLog(x)
}

// computeBLEU is sacreBLEU's BLEU.compute_bleu, operation for operation, so
// that the floating-point results agree.
func computeBLEU(st *bleuStats, o BLEUOptions) BLEUScore {
	order := o.MaxOrder
	correct := make([]float64, order)
	total := make([]float64, order)
	anyCorrect := false
	for i := range order {
		correct[i] = float64(st.correct[i])
		total[i] = float64(st.total[i])
		anyCorrect = anyCorrect || st.correct[i] != 0
	}
	sysLen, refLen := st.sysLen, st.refLen
	bp := 1.0
	if sysLen < refLen {
		bp = 0
		if sysLen > 0 {
			bp = crExp(1 - float64(refLen)/float64(sysLen))
		}
	}
	res := BLEUScore{Counts: correct, Totals: total, Precisions: make([]float64, order),
		BP: bp, SysLen: sysLen, RefLen: refLen}
	// No matches at all: 0, whatever the smoothing (sacreBLEU #141).
	if !anyCorrect {
		return res
	}
	smoothMteval := 1.0
	effOrder := order
	for n := 1; n <= order; n++ {
		if o.Smooth == SmoothAddK && n > 1 {
			correct[n-1] += *o.SmoothValue
			total[n-1] += *o.SmoothValue
		}
		if total[n-1] == 0 {
			break
		}
		if o.EffectiveOrder {
			effOrder = n
		}
		if correct[n-1] == 0 {
			switch o.Smooth {
			case SmoothExp:
				smoothMteval *= 2
				res.Precisions[n-1] = 100. / (smoothMteval * total[n-1])
			case SmoothFloor:
				res.Precisions[n-1] = 100. * *o.SmoothValue / total[n-1]
			}
		} else {
			res.Precisions[n-1] = 100. * correct[n-1] / total[n-1]
		}
	}
	sum := 0.0
	for _, p := range res.Precisions[:effOrder] {
		sum += myLog(p)
	}
	res.Score = bp * crExp(sum/float64(effOrder))
	return res
}

// CorpusBLEU is sacreBLEU's corpus_bleu. refs[i] holds the references of
// hyps[i] (one or more; an empty string is a valid, empty reference).
// sacreBLEU takes reference streams instead; a stream's None for a segment
// is simply a missing entry here.
func CorpusBLEU(hyps []string, refs [][]string, opts BLEUOptions) (*BLEUScore, error) {
	s, _, err := corpusBLEU(hyps, refs, opts, false)
	return s, err
}

// SentenceBLEU is sacreBLEU's BLEU(...).sentence_score: corpus BLEU of one
// segment. Note that sacrebleu.sentence_bleu() turns EffectiveOrder on by
// default; this function uses opts as given.
func SentenceBLEU(hyp string, refs []string, opts BLEUOptions) (*BLEUScore, error) {
	return CorpusBLEU([]string{hyp}, [][]string{refs}, opts)
}

// corpusBLEU computes the corpus score and, with perSegment, each
// segment's sentence score.
func corpusBLEU(hyps []string, refs [][]string, opts BLEUOptions, perSegment bool) (*BLEUScore, []BLEUScore, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, nil, err
	}
	if len(hyps) == 0 {
		return nil, nil, errors.New("BLEU needs at least one segment")
	}
	if len(hyps) != len(refs) {
		return nil, nil, fmt.Errorf("%d hypotheses but %d reference sets", len(hyps), len(refs))
	}
	nrefs := len(refs[0])
	for i, r := range refs {
		if len(r) == 0 {
			return nil, nil, fmt.Errorf("segment %d has no reference", i+1)
		}
		if len(r) != nrefs {
			nrefs = -1
		}
	}

	var segs []bleuStats
	if perSegment {
		segs = make([]bleuStats, len(hyps))
	}
	// Segments are independent and the sums are integers, so splitting the
	// corpus over cores changes nothing in the result. Workers take blocks
	// of segments from a shared counter, so one that is descheduled on a
	// busy machine does not hold the others up.
	const block = 1024
	workers := min(runtime.GOMAXPROCS(0), (len(hyps)+block-1)/block)
	parts := make([]bleuStats, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = newBLEUStats(o.MaxOrder)
		wg.Go(func() {
			c := newBLEUCounter(o)
			seg := newBLEUStats(o.MaxOrder)
			for {
				lo := int(next.Add(block)) - block
				if lo >= len(hyps) {
					return
				}
				for i := lo; i < min(lo+block, len(hyps)); i++ {
					c.segment(hyps[i], refs[i], &seg)
					parts[w].add(&seg)
					if perSegment {
						segs[i] = newBLEUStats(o.MaxOrder)
						segs[i].add(&seg)
					}
				}
			}
		})
	}
	wg.Wait()
	total := newBLEUStats(o.MaxOrder)
	for i := range parts {
		total.add(&parts[i])
	}
	score := computeBLEU(&total, o)
	score.Signature = bleuSignature(o, nrefs, false)
	score.ShortSignature = bleuSignature(o, nrefs, true)
	var perSeg []BLEUScore
	if perSegment {
		perSeg = make([]BLEUScore, len(segs))
		for i := range segs {
			perSeg[i] = computeBLEU(&segs[i], o)
		}
	}
	return &score, perSeg, nil
}

// BLEUResult is the "bleu" metric's result: corpus BLEU and, with
// PerSegment, each segment's sentence BLEU under the same options.
type BLEUResult struct {
	Metric string `json:"metric"`
	N      int    `json:"n"`
	BLEUScore
	// Line is the sacreBLEU score line with the signature.
	Line     string      `json:"line"`
	Segments []BLEUScore `json:"segments,omitempty"`
}

func scoreBLEU(cases []Case, opts Options) (Result, error) {
	hyps := make([]string, len(cases))
	refs := make([][]string, len(cases))
	for i, c := range cases {
		hyps[i], refs[i] = c.Prediction, c.References
	}
	s, segs, err := corpusBLEU(hyps, refs, opts.BLEUOptions, opts.PerSegment)
	if err != nil {
		return nil, err
	}
	return &BLEUResult{Metric: "bleu", N: len(cases), BLEUScore: *s, Line: s.Format(2, true), Segments: segs}, nil
}

// Name is "bleu".
func (r *BLEUResult) Name() string { return r.Metric }

// Values is {"bleu": score}, on the 0–100 scale.
func (r *BLEUResult) Values() map[string]float64 { return map[string]float64{"bleu": r.Score} }

// String is sacreBLEU's score line, after one line per segment if any.
func (r *BLEUResult) String() string {
	var b strings.Builder
	for i := range r.Segments {
		fmt.Fprintf(&b, "%d\t%s\n", i+1, r.Segments[i].Format(2, false))
	}
	b.WriteString(r.Line)
	return b.String()
}
