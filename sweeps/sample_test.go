package sweeps

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSobolKnownValues: the unscrambled sequence's first points, as
// published (Joe and Kuo's direction numbers; SciPy's
// stats.qmc.Sobol(d, scramble=False) gives the same).
func TestSobolKnownValues(t *testing.T) {
	want := [][]float64{
		{0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125, 0.1875, 0.6875},
		{0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625, 0.3125, 0.8125},
		{0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375, 0.9375, 0.4375},
	}
	s, err := newSobol(3)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, 3)
	for i := range want[0] {
		s.next(p)
		for d := range want {
			if p[d] != want[d][i] {
				t.Errorf("point %d, dimension %d: got %v, want %v", i, d+1, p[d], want[d][i])
			}
		}
	}
	if _, err := newSobol(maxSobolDims + 1); err == nil {
		t.Errorf("newSobol(%d) works, want an error", maxSobolDims+1)
	}
}

// TestSobolStratified: in every dimension, the first 2^m points of the
// sequence, scrambled or not, put one point in each interval [k/2^m,
// (k+1)/2^m); and the direction numbers are well-formed (m_k odd, below
// 2^k).
func TestSobolStratified(t *testing.T) {
	for d, p := range joeKuo {
		if int(p.s) != len(p.m) || p.a >= 1<<(p.s-1) {
			t.Errorf("dimension %d: s=%d a=%d with %d m", d+2, p.s, p.a, len(p.m))
		}
		for k, m := range p.m {
			if m%2 == 0 || m >= 1<<(k+1) {
				t.Errorf("dimension %d: m_%d = %d is not odd and below 2^%d", d+2, k+1, m, k+1)
			}
		}
	}
	for _, scrambled := range []bool{false, true} {
		s, _ := newSobol(maxSobolDims)
		if scrambled {
			s.scramble(rand.New(rand.NewPCG(7, pcgStream)))
		}
		const m = 8
		hit := make([][1 << m]int, maxSobolDims)
		pairs := map[[2]int]bool{} // dimensions 1 and 2: a (0, m, 2)-net
		p := make([]float64, maxSobolDims)
		for range 1 << m {
			s.next(p)
			for d := range p {
				if p[d] < 0 || p[d] >= 1 {
					t.Fatalf("coordinate %v outside [0, 1)", p[d])
				}
				hit[d][int(p[d]*(1<<m))]++
			}
			pairs[[2]int{int(p[0] * 16), int(p[1] * 16)}] = true
		}
		for d := range hit {
			for k, n := range hit[d] {
				if n != 1 {
					t.Fatalf("scrambled %v, dimension %d: %d points in interval %d of %d", scrambled, d+1, n, k, 1<<m)
				}
			}
		}
		if len(pairs) != 256 {
			t.Errorf("scrambled %v: dimensions 1 and 2 fill %d of the 256 cells of a 16×16 grid, want all", scrambled, len(pairs))
		}
	}
}

const sampleHead = "name: s\ntasks: [syn-squad, syn-gsm8k]\nmethods: [lora, tl6]\nranks: [8]\nseeds: [1, 2]\n"

func hparamRows(s *Sweep, names ...string) []string {
	var out []string
	for _, tr := range s.Trials() {
		row := []string{tr.TaskName(), tr.MethodName(), FormatValue(tr.Seed)}
		for _, n := range names {
			v, _ := tr.HParam(n)
			row = append(row, FormatValue(v))
		}
		out = append(out, strings.Join(row, " "))
	}
	return out
}

// TestSamplesReproducible: the same file gives the same values and IDs;
// another seed or method other values; the order of the keys in the file
// does not matter; a larger n keeps the first points.
func TestSamplesReproducible(t *testing.T) {
	text := sampleHead + "hparams:\n  lr: {log_uniform: [1e-5, 1e-2]}\n  warmup: {int_uniform: [0, 50]}\nsamples: {n: 8, seed: 3}\n"
	a, b := mustParse(t, text), mustParse(t, text)
	if !slices.Equal(hparamRows(a, "lr", "warmup"), hparamRows(b, "lr", "warmup")) || !slices.Equal(ids(a.Trials()), ids(b.Trials())) {
		t.Fatal("the same file gave other values")
	}
	if n := len(a.Trials()); n != 2*2*2*8 {
		t.Fatalf("got %d trials, want 2 tasks × 2 methods × 2 seeds × 8 points = 64", n)
	}
	swapped := mustParse(t, sampleHead+"samples: {seed: 3, n: 8}\nhparams:\n  warmup: {int_uniform: [0, 50]}\n  lr: {log_uniform: [1e-5, 1e-2]}\n")
	if !slices.Equal(ids(a.Trials()), ids(swapped.Trials())) {
		t.Error("the order of the keys changed the samples")
	}
	for _, other := range []string{"seed: 4", "seed: 3, method: random"} {
		c := mustParse(t, strings.Replace(text, "seed: 3", other, 1))
		if slices.Equal(ids(a.Trials()), ids(c.Trials())) {
			t.Errorf("%s gave the same trials as seed 3 (sobol)", other)
		}
	}
	// Point i gives each sampled hyper-parameter its i-th value, the same
	// in every cell of the grid.
	points := map[string][]string{}
	for _, tr := range a.Trials() {
		lr, _ := tr.HParam("lr")
		w, _ := tr.HParam("warmup")
		key := tr.TaskName() + tr.MethodName() + FormatValue(tr.Seed)
		points[key] = append(points[key], FormatValue(lr)+"/"+FormatValue(w))
	}
	var first []string
	for _, p := range points {
		if first == nil {
			first = p
		}
		if !slices.Equal(p, first) {
			t.Fatalf("cells have other points: %v and %v", p, first)
		}
	}
	for _, method := range []string{"sobol", "random"} {
		small := mustParse(t, strings.Replace(text, "seed: 3", "seed: 3, method: "+method, 1))
		large := mustParse(t, strings.Replace(text, "n: 8, seed: 3", "n: 16, seed: 3, method: "+method, 1))
		all := ids(large.Trials())
		for _, id := range ids(small.Trials()) {
			if _, found := slices.BinarySearch(all, id); !found {
				t.Errorf("%s: n: 16 lost trial %s of n: 8", method, id)
			}
		}
	}
}

// TestSamplesInBounds: many draws stay within their distributions, with
// the hyper-parameter's type, and spread over them.
func TestSamplesInBounds(t *testing.T) {
	for _, method := range []string{"sobol", "random"} {
		s := mustParse(t, "name: b\ntasks: [syn-squad]\nmethods: [lora]\nranks: [8]\nhparams:\n"+
			"  lr: {log_uniform: [1e-5, 1e-2]}\n  dropout: {uniform: [0, 0.5]}\n  warmup: {int_uniform: [0, 9]}\n"+
			"  batch_size: {choice: [8, 16, 32]}\n  steps: {log_int_uniform: [10, 1000]}\n  weight_decay: {int_uniform: [0, 1]}\n"+
			"samples: {n: 4096, method: "+method+", seed: 11}\n")
		trials := s.Trials()
		if len(trials) < 4000 {
			t.Fatalf("%s: %d distinct points of 4096", method, len(trials))
		}
		var logs []float64
		warm := map[int64]int{}
		batch := map[int64]int{}
		small := 0
		for _, tr := range trials {
			lr, _ := tr.HParam("lr")
			do, _ := tr.HParam("dropout")
			w, _ := tr.HParam("warmup")
			bs, _ := tr.HParam("batch_size")
			st, _ := tr.HParam("steps")
			wd, _ := tr.HParam("weight_decay")
			x, ok := lr.(float64)
			if !ok || x < 1e-5 || x > 1e-2 {
				t.Fatalf("lr %v outside [1e-5, 1e-2]", lr)
			}
			logs = append(logs, math.Log10(x))
			if y, ok := do.(float64); !ok || y < 0 || y > 0.5 {
				t.Fatalf("dropout %v outside [0, 0.5]", do)
			}
			if y, ok := w.(int64); !ok || y < 0 || y > 9 {
				t.Fatalf("warmup %v outside 0…9", w)
			} else {
				warm[y]++
			}
			if y, ok := bs.(int64); !ok || (y != 8 && y != 16 && y != 32) {
				t.Fatalf("batch_size %v not a choice", bs)
			} else {
				batch[y]++
			}
			if y, ok := st.(int64); !ok || y < 10 || y > 1000 {
				t.Fatalf("steps %v outside 10…1000", st)
			} else if y < 100 {
				small++
			}
			if y, ok := wd.(float64); !ok || (y != 0 && y != 1) { // a number hyper-parameter: ints become floats
				t.Fatalf("weight_decay %v (%T), want 0.0 or 1.0", wd, wd)
			}
		}
		sort.Float64s(logs)
		if med := logs[len(logs)/2]; math.Abs(med-(-3.5)) > 0.1 {
			t.Errorf("%s: median log10(lr) %v, want about -3.5 (uniform on the log scale)", method, med)
		}
		for v := int64(0); v <= 9; v++ {
			if n := warm[v]; n < 300 || n > 520 {
				t.Errorf("%s: warmup %d drawn %d times of %d, want about a tenth", method, v, n, len(trials))
			}
		}
		if len(batch) != 3 {
			t.Errorf("%s: batch_size took %v", method, batch)
		}
		if f := float64(small) / float64(len(trials)); math.Abs(f-0.5) > 0.05 {
			t.Errorf("%s: %.3f of steps below 100, want about half (10 to 100 is one decade of two)", method, f)
		}
	}
}

// TestSamplesJoinGrids: a sampled value is just a value: the same trial as
// a grid's; discrete points that repeat are drawn once; early_stop groups
// hold the points.
func TestSamplesJoinGrids(t *testing.T) {
	grid := mustParse(t, sampleHead+"hparams: {lr: 0.001, steps: 200}\n")
	sampled := mustParse(t, sampleHead+"hparams: {lr: {choice: [0.001]}, steps: {choice: [200]}}\nsamples: 1\n")
	if !slices.Equal(ids(grid.Trials()), ids(sampled.Trials())) {
		t.Error("a sampled value gave another trial than the same grid value")
	}
	s := mustParse(t, sampleHead+"hparams:\n  warmup: {choice: [0, 50]}\n  steps: {choice: [100, 300]}\n  lr: [1e-3, 1e-2]\n  eval_every: 50\n"+
		"samples: 10\nearly_stop: {kind: asha, min_steps: 50, group_by: [task, method, seed, lr]}\n")
	p := s.Plan()
	if p.Samples == nil || p.Samples.Points != 4 || p.Samples.N != 10 {
		t.Fatalf("got samples %+v, want 4 distinct points of 10", p.Samples)
	}
	const line = "samples: 4 points (4 distinct of 10 drawn), sobol, seed 0: steps ~ choice [100, 300], warmup ~ choice [0, 50]"
	if p.Samples.Summary != line {
		t.Errorf("got %q, want %q", p.Samples.Summary, line)
	}
	if len(p.Trials) != 2*2*2*2*4 {
		t.Errorf("got %d trials, want 2 tasks × 2 methods × 2 seeds × 2 lr × 4 points", len(p.Trials))
	}
	var dims []string
	for _, d := range p.Grid {
		if d.Sampled {
			dims = append(dims, strings.Join(d.Axes, ","))
			if d.Size != 4 {
				t.Errorf("sampled dimension of %d, want 4", d.Size)
			}
		}
	}
	if !slices.Equal(dims, []string{"warmup,steps"}) {
		t.Errorf("got sampled dimensions %v, want one of warmup and steps", dims)
	}
	if es := p.EarlyStop; es == nil || es.Groups != 16 || es.MaxGroup != 4 || es.MinGroup != 4 {
		t.Errorf("got early stop %+v, want 16 groups of 4", es)
	}
	if sp := mustParse(t, sampleHead+"hparams: {lr: {log_uniform: [1e-4, 1e-2]}}\nsamples: 32\n").Plan().Samples; sp.Method != SampleSobol || sp.Points != 32 ||
		!strings.HasPrefix(sp.Summary, "samples: 32 points, sobol, seed 0: lr ~ log_uniform [0.0001, 0.01]") {
		t.Errorf("got %+v, want 32 points, sobol by default", sp)
	}
	// A command worker samples any hyper-parameter, unchecked.
	c := mustParse(t, "name: c\nworker: {kind: command, command: [x, \"{temp}\"]}\nhparams: {temp: {uniform: [-1, 1]}, mode: {choice: [a, b]}}\nsamples: 8\n")
	if len(c.Trials()) != 8 {
		t.Errorf("command worker: %d trials, want 8", len(c.Trials()))
	}
	// Per-method lists of another hyper-parameter cross the points.
	bm := mustParse(t, sampleHead+"hparams:\n  lr: {by_method: {default: [1e-3], tl6: [1e-2, 1e-1]}}\n  dropout: {uniform: [0, 0.3]}\nsamples: 4\n")
	if n := len(bm.Trials()); n != 2*2*(1+2)*4 {
		t.Errorf("by_method and samples: %d trials, want 48", n)
	}
}
