package metrics

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// TestDifferential scores random cases (differential_gen_test.go) here and
// with the reference tools themselves (testdata/differential.py: sacreBLEU,
// rouge-score, transformers' SQuAD normalize_answer, lm-eval's GSM8K
// filters and exact_match), and reports every difference: scores beyond
// 1e-9, tokens, normalized answers and extractions that are not
// byte-identical, and the sacreBLEU score lines and signatures.
//
//	go test ./tasks/metrics -run TestDifferential                        # 10,000 cases, seed 1 (1,000 with -short)
//	go test ./tasks/metrics -run TestDifferential -metrics.seed=7 -metrics.cases=50000
//	go test ./tasks/metrics -run TestDifferential -metrics.fuzz=10m -timeout=0
//
// The last keeps drawing new seeds until the time is up and stops at the
// first seed with a mismatch, printing it.

var (
	diffFuzz  = flag.Duration("metrics.fuzz", 0, "TestDifferential: keep testing new seeds for this long; stop at the first mismatch")
	diffSeed  = flag.Uint64("metrics.seed", 1, "TestDifferential: the seed (in -metrics.fuzz mode, the first one; default there: the clock)")
	diffCases = flag.Int("metrics.cases", 10000, "TestDifferential: cases per seed")
	diffKeep  = flag.String("metrics.keep", "", "TestDifferential: write the cases and the reference results into this directory")
)

func TestDifferential(t *testing.T) {
	py := os.Getenv("TIEDLORA_PYTHON")
	if py == "" {
		testenv.Skipf(t, "TIEDLORA_PYTHON is not set: the differential test needs a Python with sacrebleu, rouge-score, lm-eval and transformers (scripts/test uses .venv)")
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	n := *diffCases
	if testing.Short() && !set["metrics.cases"] {
		n = 1000
	}
	if *diffFuzz <= 0 {
		runDifferential(t, py, *diffSeed, n)
		return
	}
	seed := *diffSeed
	if !set["metrics.seed"] {
		seed = uint64(time.Now().UnixNano())
	}
	end := time.Now().Add(*diffFuzz)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(end) {
		end = d.Add(-time.Minute) // leave a round's time before go test's -timeout
	}
	rounds := 0
	for ; rounds == 0 || time.Now().Before(end); rounds++ {
		if !runDifferential(t, py, seed, n) {
			t.Fatalf("seed %d has mismatches; rerun it with: go test ./tasks/metrics -run TestDifferential -metrics.seed=%d -metrics.cases=%d",
				seed, seed, n)
		}
		seed++
	}
	t.Logf("fuzz: %d seeds of %d cases, no mismatch", rounds, n)
}

// What differential.py writes: a header, a row per case and a line per
// chunk.
type refHeader struct {
	Versions map[string]string `json:"versions"`
	Seconds  float64           `json:"seconds"`
}

type refRow struct {
	Case       int                         `json:"case"`
	BLEUTokens map[string][]string         `json:"bleu_tokens"` // per tokenizer: prediction, then non-null references
	BLEUStats  map[string][]int            `json:"bleu_stats"`  // sys_len, ref_len, correct…, total…
	BLEU       map[string]map[string][]any `json:"bleu"`        // tokenizer → smoothing → score, bp, precisions…, line
	Rouge      map[string]struct {
		Tokens []string              `json:"tokens"`
		Scores map[string][3]float64 `json:"scores"` // score_multi's P, R, F
	} `json:"rouge"` // "plain" and "stem"
	SQuAD struct {
		Norm  []string  `json:"norm"`
		EM    []bool    `json:"em"`
		F1    []float64 `json:"f1"`
		EMMax bool      `json:"em_max"`
		F1Max float64   `json:"f1_max"`
	} `json:"squad"`
	GSM8K struct {
		Strict     []string  `json:"strict-match"` // prediction, then references
		Flexible   []string  `json:"flexible-extract"`
		StrictEM   []float64 `json:"strict-match exact_match"` // per reference
		FlexibleEM []float64 `json:"flexible-extract exact_match"`
		// exact_match's normalisation of every text and extraction
		Normalized         []string `json:"normalized"`
		StrictNormalized   []string `json:"strict-match normalized"`
		FlexibleNormalized []string `json:"flexible-extract normalized"`
	} `json:"gsm8k"`
}

type refBLEU struct {
	Score          float64   `json:"score"`
	Counts         []float64 `json:"counts"`
	Totals         []float64 `json:"totals"`
	Precisions     []float64 `json:"precisions"`
	BP             float64   `json:"bp"`
	SysLen         int       `json:"sys_len"`
	RefLen         int       `json:"ref_len"`
	Line           string    `json:"line"`
	Signature      string    `json:"signature"`
	ShortSignature string    `json:"short_signature"`
}

type refChunk struct {
	Chunk int                              `json:"chunk"`
	BLEU  map[string]map[string]refBLEU    `json:"bleu"`
	Rouge map[string]map[string][3]float64 `json:"rouge"` // mean P, R, F
	SQuAD struct {
		ExactMatch float64 `json:"exact_match"`
		F1         float64 `json:"f1"`
	} `json:"squad"`
}

var (
	diffTokenizers = []string{Tok13a, TokIntl, TokChar, TokNone}
	diffSmoothings = []string{SmoothExp, SmoothNone, SmoothFloor, SmoothAddK}
)

// runDifferential checks one seed's cases and reports whether all matched.
func runDifferential(t *testing.T, py string, seed uint64, n int) bool {
	t.Helper()
	start := time.Now()
	gen, chunks := generateCases(seed, n)
	// Not t.TempDir: a fuzz run would keep every seed's 50 MB until the end.
	dir := *diffKeep
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "differential"); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	casesPath := filepath.Join(dir, "cases.jsonl")
	chunksPath := filepath.Join(dir, "chunks.jsonl")
	outPath := filepath.Join(dir, "reference.jsonl")
	writeJSONLines(t, casesPath, gen)
	writeJSONLines(t, chunksPath, chunks)

	pyStart := time.Now()
	cmd := exec.Command(py, filepath.Join("testdata", "differential.py"), casesPath, chunksPath, outPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pyDone := make(chan error, 1)
	go func() { pyDone <- cmd.Wait() }()
	defer cmd.Process.Kill() // if this side fails first; harmless after Wait

	// Meanwhile, the corpus scores on this side.
	goStart := time.Now()
	d := &differ{t: t, seed: seed, gen: gen, chunks: chunks, kinds: map[string]int{}}
	// The cases as `sweep score --input` reads them: nulls dropped.
	f, err := os.Open(casesPath)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := ReadCases(f, "cases.jsonl")
	f.Close()
	if err != nil {
		t.Fatalf("ReadCases: %v", err)
	}
	if len(cases) != len(gen) {
		t.Fatalf("ReadCases: got %d cases, want %d", len(cases), len(gen))
	}
	for i, c := range cases {
		d.eqStrings(i, -1, "ReadCases references", c.References, nonNullRefs(gen[i].References))
	}
	ours := make([]chunkScores, len(chunks))
	for k, ch := range chunks {
		ours[k] = scoreChunk(ch, cases[ch.Start:ch.End])
	}
	goTime := time.Since(goStart)

	if err := <-pyDone; err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			testenv.Skipf(t, "%s lacks a reference package: %s", py, strings.TrimSpace(stderr.String()))
		}
		t.Fatalf("%s testdata/differential.py: %v\n%s", py, err, stderr.String())
	}
	pyTime := time.Since(pyStart)
	header, rows, refChunks := readReference(t, outPath, len(gen), len(chunks))
	cmpStart := time.Now()
	for k, ch := range chunks {
		d.chunk(k, ch, cases[ch.Start:ch.End], &ours[k], rows[ch.Start:ch.End], &refChunks[k])
	}
	goTime += time.Since(cmpStart)

	t.Logf("seed %d: %d cases in %d corpora against %v: %d mismatches %v; reference tools %.1fs (%.1fs scoring), Go %.1fs, in all %.1fs",
		seed, len(gen), len(chunks), header.Versions, d.n, d.kinds, pyTime.Seconds(), header.Seconds,
		goTime.Seconds(), time.Since(start).Seconds())
	if d.n > 0 {
		t.Errorf("seed %d: %d mismatches in %d cases (the first %d above in full, the next %d in a line each): %v",
			seed, d.n, len(gen), min(d.n, maxShown), min(max(d.n-maxShown, 0), maxListed), d.kinds)
	}
	return d.n == 0
}

func writeJSONLines[T any](t *testing.T, path string, items []T) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readReference(t *testing.T, path string, nCases, nChunks int) (refHeader, []refRow, []refChunk) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var h refHeader
	rows := make([]refRow, nCases)
	chunks := make([]refChunk, nChunks)
	err = dec.Decode(&h)
	for i := 0; err == nil && i < nCases; i++ {
		err = dec.Decode(&rows[i])
	}
	for k := 0; err == nil && k < nChunks; k++ {
		err = dec.Decode(&chunks[k])
	}
	if err != nil {
		t.Fatalf("reading the reference output: %v", err)
	}
	for i := range rows {
		if rows[i].Case != i {
			t.Fatalf("reference output: row %d is case %d", i, rows[i].Case)
		}
	}
	for k := range chunks {
		if chunks[k].Chunk != k {
			t.Fatalf("reference output: chunk line %d is chunk %d", k, chunks[k].Chunk)
		}
	}
	return h, rows, chunks
}

func nonNullRefs(refs []*string) []string {
	var out []string
	for _, r := range refs {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// The first maxShown mismatches are reported in full, the next maxListed
// in a line each; all are counted by kind.
const (
	maxShown  = 20
	maxListed = 500
)

type differ struct {
	t      *testing.T
	seed   uint64
	gen    []diffCase
	chunks []diffChunk
	n      int
	kinds  map[string]int
}

// mismatch records one difference of case i (or, with i < 0, of chunk k).
func (d *differ) mismatch(i, k int, what, detail string) {
	d.n++
	kind := what
	if j := strings.IndexAny(kind, "[:"); j > 0 {
		kind = kind[:j]
	}
	d.kinds[kind]++
	if d.n > maxShown+maxListed {
		return
	}
	if d.n > maxShown {
		where := fmt.Sprintf("case %d", i)
		if i < 0 {
			where = fmt.Sprintf("corpus %d", k)
		}
		d.t.Errorf("seed %d %s: %s: %.200s", d.seed, where, what, detail)
		return
	}
	var b strings.Builder
	if i >= 0 {
		k = sort.Search(len(d.chunks), func(k int) bool { return d.chunks[k].End > i })
		c := d.gen[i]
		refs := make([]string, len(c.References))
		for j, r := range c.References {
			refs[j] = "null"
			if r != nil {
				refs[j] = fmt.Sprintf("%q", *r)
			}
		}
		fmt.Fprintf(&b, "seed %d case %d: %s: %s\n\tprediction %q\n\treferences [%s]\n\tcorpus %d options %s",
			d.seed, i, what, detail, c.Prediction, strings.Join(refs, ", "), k, chunkOptions(d.chunks[k]))
	} else {
		ch := d.chunks[k]
		fmt.Fprintf(&b, "seed %d corpus %d (cases %d–%d) options %s: %s: %s", d.seed, k, ch.Start, ch.End-1, chunkOptions(ch), what, detail)
	}
	d.t.Error(b.String())
}

func chunkOptions(ch diffChunk) string {
	v := func(p *float64) string {
		if p == nil {
			return "default"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("lowercase=%v effective_order=%v max_order=%d floor=%s add-k=%s",
		ch.Lowercase, ch.EffectiveOrder, ch.MaxOrder, v(ch.Floor), v(ch.AddK))
}

func (d *differ) eqFloat(i, k int, what string, got, want float64) {
	if !closeTo(got, want) {
		d.mismatch(i, k, what, fmt.Sprintf("got %v, want %v (off by %.3g)", got, want, got-want))
	}
}

func (d *differ) eqFloats(i, k int, what string, got, want []float64) {
	if len(got) != len(want) {
		d.mismatch(i, k, what, fmt.Sprintf("got %v, want %v", got, want))
		return
	}
	for j := range got {
		if !closeTo(got[j], want[j]) {
			d.mismatch(i, k, what, fmt.Sprintf("got %v, want %v", got, want))
			return
		}
	}
}

func (d *differ) eqString(i, k int, what, got, want string) {
	if got != want {
		d.mismatch(i, k, what, fmt.Sprintf("got %q, want %q", got, want))
	}
}

func (d *differ) eqStrings(i, k int, what string, got, want []string) {
	if len(got) != len(want) {
		d.mismatch(i, k, what, fmt.Sprintf("got %d, want %d: got %q, want %q", len(got), len(want), got, want))
		return
	}
	for j := range got {
		d.eqString(i, k, fmt.Sprintf("%s[%d]", what, j), got[j], want[j])
	}
}

// eqTokens compares two space-joined token lists token by token. Tokens
// never hold whitespace (they come from Python's split()), so the joined
// form is lossless.
func (d *differ) eqTokens(i int, what, got, want string) {
	if got == want {
		return
	}
	g, w := strings.Split(got, " "), strings.Split(want, " ")
	j := 0
	for j < len(g) && j < len(w) && g[j] == w[j] {
		j++
	}
	at := func(s []string) string {
		if j < len(s) {
			return fmt.Sprintf("%q", s[j])
		}
		return "(end)"
	}
	d.mismatch(i, -1, what, fmt.Sprintf("token %d: got %s, want %s (got %d tokens, want %d)\n\tgot  %q\n\twant %q",
		j, at(g), at(w), len(g), len(w), got, want))
}

// bleuTokens is the text BLEU counts n-grams of: lowercased if asked,
// rstripped, tokenized, and split on Python whitespace, joined by spaces.
func bleuTokens(o BLEUOptions, s string) string {
	c := newBLEUCounter(o)
	c.preprocess(s)
	return string(c.buf)
}

// chunkScores are one chunk's scores on this side; a nil result failed
// with the error beside it.
type chunkScores struct {
	bleu     [4][4]*BLEUResult // tokenizer, smoothing
	bleuErr  [4][4]error
	rouge    [2]*ROUGEResult // stemmer off, on
	rougeErr [2]error
	squad    *SQuADResult
	squadErr error
}

// bleuOptions are chunk ch's options for a tokenizer and a smoothing.
func bleuOptions(ch diffChunk, tok, sm string) BLEUOptions {
	o := BLEUOptions{Tokenize: tok, Smooth: sm, Lowercase: ch.Lowercase, MaxOrder: ch.MaxOrder, EffectiveOrder: ch.EffectiveOrder}
	switch sm {
	case SmoothFloor:
		o.SmoothValue = ch.Floor
	case SmoothAddK:
		o.SmoothValue = ch.AddK
	}
	return o
}

func scoreChunk(ch diffChunk, cases []Case) chunkScores {
	var s chunkScores
	var res Result
	for a, tok := range diffTokenizers {
		for b, sm := range diffSmoothings {
			res, s.bleuErr[a][b] = Score("bleu", cases, Options{BLEUOptions: bleuOptions(ch, tok, sm), PerSegment: true})
			if res != nil {
				s.bleu[a][b] = res.(*BLEUResult)
			}
		}
	}
	for x, stem := range []bool{false, true} {
		res, s.rougeErr[x] = Score("rouge", cases, Options{Stemmer: stem, PerSegment: true})
		if res != nil {
			s.rouge[x] = res.(*ROUGEResult)
		}
	}
	res, s.squadErr = Score("squad", cases, Options{PerSegment: true})
	if res != nil {
		s.squad = res.(*SQuADResult)
	}
	return s
}

func (d *differ) chunk(k int, ch diffChunk, cases []Case, ours *chunkScores, rows []refRow, ref *refChunk) {
	for a, tok := range diffTokenizers {
		first := bleuOptions(ch, tok, SmoothExp)
		for b, sm := range diffSmoothings {
			o := bleuOptions(ch, tok, sm)
			got := ours.bleu[a][b]
			if got == nil {
				d.mismatch(-1, k, "bleu error", ours.bleuErr[a][b].Error())
				continue
			}
			want := ref.BLEU[tok][sm]
			what := "bleu corpus " + tok + " " + sm
			d.eqFloat(-1, k, what+": score", got.Score, want.Score)
			d.eqFloat(-1, k, what+": bp", got.BP, want.BP)
			d.eqFloats(-1, k, what+": precisions", got.Precisions, want.Precisions)
			d.eqFloats(-1, k, what+": counts", got.Counts, want.Counts)
			d.eqFloats(-1, k, what+": totals", got.Totals, want.Totals)
			if got.SysLen != want.SysLen || got.RefLen != want.RefLen {
				d.mismatch(-1, k, what+": lengths", fmt.Sprintf("got %d/%d, want %d/%d", got.SysLen, got.RefLen, want.SysLen, want.RefLen))
			}
			d.eqString(-1, k, what+": line", got.Line, want.Line)
			d.eqString(-1, k, what+": signature", got.Signature, want.Signature)
			d.eqString(-1, k, what+": short signature", got.ShortSignature, want.ShortSignature)
			for j, seg := range got.Segments {
				i := ch.Start + j
				what := "bleu sentence " + tok + " " + sm
				w, line, ok := sentenceRow(rows[j].BLEU[tok][sm])
				if !ok {
					d.mismatch(i, -1, what, fmt.Sprintf("malformed reference result %v", rows[j].BLEU[tok][sm]))
					continue
				}
				d.eqFloat(i, -1, what+": score", seg.Score, w[0])
				d.eqFloat(i, -1, what+": bp", seg.BP, w[1])
				d.eqFloats(i, -1, what+": precisions", seg.Precisions, w[2:])
				d.eqString(i, -1, what+": line", seg.Format(2, false), line)
				if sm == SmoothExp {
					st := rows[j].BLEUStats[tok]
					gotSt := []float64{float64(seg.SysLen), float64(seg.RefLen)}
					gotSt = append(append(gotSt, seg.Counts...), seg.Totals...)
					wantSt := make([]float64, len(st))
					for x, v := range st {
						wantSt[x] = float64(v)
					}
					d.eqFloats(i, -1, "bleu statistics "+tok, gotSt, wantSt)
				}
				// The exported SentenceBLEU, for one combination a case.
				if (i+len(diffSmoothings)*indexOf(diffTokenizers, tok)+indexOf(diffSmoothings, sm))%16 == 0 {
					s, err := SentenceBLEU(cases[j].Prediction, cases[j].References, o)
					if err != nil {
						d.mismatch(i, -1, "SentenceBLEU error", err.Error())
					} else {
						d.eqFloat(i, -1, "SentenceBLEU "+tok+" "+sm, s.Score, w[0])
					}
				}
			}
		}
		for j, c := range cases {
			want := rows[j].BLEUTokens[tok]
			texts := append([]string{c.Prediction}, c.References...)
			if len(want) != len(texts) {
				d.mismatch(ch.Start+j, -1, "bleu tokens "+tok, fmt.Sprintf("got %d texts, want %d", len(texts), len(want)))
				continue
			}
			for x, s := range texts {
				d.eqTokens(ch.Start+j, fmt.Sprintf("bleu tokens %s[%d]", tok, x), bleuTokens(first, s), want[x])
			}
		}
	}

	for x, stem := range []bool{false, true} {
		key := map[bool]string{false: "plain", true: "stem"}[stem]
		got := ours.rouge[x]
		if got == nil {
			d.mismatch(-1, k, "rouge error", ours.rougeErr[x].Error())
			continue
		}
		for _, typ := range RougeTypes {
			g := got.Scores[typ]
			want := ref.Rouge[key][typ]
			d.eqFloats(-1, k, "rouge mean "+key+" "+typ, []float64{g.Precision, g.Recall, g.FMeasure}, want[:])
		}
		for j, c := range cases {
			i := ch.Start + j
			w := rows[j].Rouge[key]
			texts := append([]string{c.Prediction}, c.References...)
			if len(w.Tokens) != len(texts) {
				d.mismatch(i, -1, "rouge tokens "+key, fmt.Sprintf("got %d texts, want %d", len(texts), len(w.Tokens)))
			} else {
				for x, s := range texts {
					d.eqTokens(i, fmt.Sprintf("rouge tokens %s[%d]", key, x), strings.Join(RougeTokenize(s, stem), " "), w.Tokens[x])
				}
			}
			for _, typ := range RougeTypes {
				g := got.Segments[j][typ]
				want := w.Scores[typ]
				d.eqFloats(i, -1, "rouge "+key+" "+typ, []float64{g.Precision, g.Recall, g.FMeasure}, want[:])
			}
		}
	}

	sq := ours.squad
	if sq == nil {
		d.mismatch(-1, k, "squad error", ours.squadErr.Error())
		return
	}
	d.eqFloat(-1, k, "squad corpus exact_match", sq.ExactMatch, ref.SQuAD.ExactMatch)
	d.eqFloat(-1, k, "squad corpus f1", sq.F1, ref.SQuAD.F1)
	for j, c := range cases {
		i := ch.Start + j
		w := &rows[j].SQuAD
		texts := append([]string{c.Prediction}, c.References...)
		norms := make([]string, len(texts))
		for x, s := range texts {
			norms[x] = NormalizeAnswer(s)
		}
		d.eqStrings(i, -1, "squad normalize_answer", norms, w.Norm)
		ems := make([]bool, len(c.References))
		f1s := make([]float64, len(c.References))
		for x, r := range c.References {
			ems[x] = SQuADExactMatch(c.Prediction, r)
			f1s[x] = SQuADF1(c.Prediction, r)
		}
		if fmt.Sprint(ems) != fmt.Sprint(w.EM) {
			d.mismatch(i, -1, "squad exact_match", fmt.Sprintf("got %v, want %v", ems, w.EM))
		}
		d.eqFloats(i, -1, "squad f1", f1s, w.F1)
		wantEM := 0.0
		if w.EMMax {
			wantEM = 1
		}
		d.eqFloat(i, -1, "squad best exact_match", sq.Segments[j].ExactMatch, wantEM)
		d.eqFloat(i, -1, "squad best f1", sq.Segments[j].F1, w.F1Max)

		g := &rows[j].GSM8K
		strict := make([]string, len(texts))
		flex := make([]string, len(texts))
		for x, s := range texts {
			strict[x], flex[x] = GSM8KStrict(s), GSM8KFlexible(s)
		}
		d.eqStrings(i, -1, "gsm8k strict-match", strict, g.Strict)
		d.eqStrings(i, -1, "gsm8k flexible-extract", flex, g.Flexible)
		norm := func(xs []string) []string {
			out := make([]string, len(xs))
			for x, s := range xs {
				out[x] = GSM8KNormalize(s)
			}
			return out
		}
		d.eqStrings(i, -1, "gsm8k normalized", norm(texts), g.Normalized)
		d.eqStrings(i, -1, "gsm8k normalized strict-match", norm(strict), g.StrictNormalized)
		d.eqStrings(i, -1, "gsm8k normalized flexible-extract", norm(flex), g.FlexibleNormalized)
		sEM := make([]float64, len(c.References))
		fEM := make([]float64, len(c.References))
		for x, r := range c.References {
			s := GSM8KCompare(c.Prediction, r)
			sEM[x], fEM[x] = s.StrictMatch, s.FlexibleMatch
		}
		d.eqFloats(i, -1, "gsm8k exact_match strict-match", sEM, g.StrictEM)
		d.eqFloats(i, -1, "gsm8k exact_match flexible-extract", fEM, g.FlexibleEM)
	}
}

// sentenceRow splits a segment's reference result into its numbers and
// its printed line.
func sentenceRow(row []any) ([]float64, string, bool) {
	if len(row) < 3 {
		return nil, "", false
	}
	nums := make([]float64, len(row)-1)
	for i, v := range row[:len(row)-1] {
		f, ok := v.(float64)
		if !ok {
			return nil, "", false
		}
		nums[i] = f
	}
	line, ok := row[len(row)-1].(string)
	return nums, line, ok
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
