package model

import (
	"math"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// TestKaimingInits: kaiming-uniform is U(±1/√fan_in) and
// kaiming-uniform-relu (VeRA, as HF PEFT draws it) U(±√(6/fan_in)): every
// value within the bound, and the variance b²/3 within sampling error.
func TestKaimingInits(t *testing.T) {
	const rank = 64
	for _, tc := range []struct {
		init  trainer.Init
		bound func(fanIn int) float64
	}{
		{"kaiming-uniform", func(n int) float64 { return 1 / math.Sqrt(float64(n)) }},
		{"kaiming-uniform-relu", func(n int) float64 { return math.Sqrt(6 / float64(n)) }},
	} {
		meth := trainer.Method{Name: "frozen-" + string(tc.init),
			A: trainer.Component{Tied: true, Init: tc.init}, B: trainer.Component{Tied: true, Init: tc.init},
			U: trainer.Component{Train: true, Init: "ones"}, V: trainer.Component{Train: true, Init: "zeros"}}
		m, err := New[float64](testArch, mm.Default(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Attach(meth, rank, []string{trainer.TargetQKV}, 3); err != nil {
			t.Fatal(err)
		}
		fanIn := map[string]int{"A": testArch.Hidden, "B": rank}
		seen := 0
		for _, p := range m.AdapterParams() {
			n, ok := fanIn[p.Component]
			if !ok {
				continue
			}
			seen++
			b := tc.bound(n)
			var sum, sq float64
			for _, x := range p.Data {
				if math.Abs(x) > b {
					t.Fatalf("%s %s: got %g, outside the bound ±%g", tc.init, p.Name, x, b)
				}
				sum += x
				sq += x * x
			}
			k := float64(len(p.Data))
			mean, variance := sum/k, sq/k-(sum/k)*(sum/k)
			want := b * b / 3
			// The sample variance of U(±b) has standard deviation ≈ b²·√(4/45)/√k; 6 of them is a safe margin.
			tol := 6 * b * b * math.Sqrt(4.0/45) / math.Sqrt(k)
			if math.Abs(variance-want) > tol || math.Abs(mean) > 6*b/math.Sqrt(3*k) {
				t.Errorf("%s %s (%d values): got mean %.4g variance %.4g, want 0 and %.4g ± %.2g", tc.init, p.Name, len(p.Data), mean, variance, want, tol)
			}
		}
		if seen != 2 {
			t.Errorf("%s: got %d frozen A/B tensors, want 2", tc.init, seen)
		}
	}
}
