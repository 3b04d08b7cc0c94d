package optim

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	for _, tc := range []struct {
		step, warmup, steps int
		want                float64
	}{
		{1, 10, 110, 0.1},
		{10, 10, 110, 1},
		{60, 10, 110, 0.5},
		{110, 10, 110, 0},
		{5, 0, 10, 0.5 * (1 + math.Cos(math.Pi*0.5))},
	} {
		if got := Cosine(1, tc.step, tc.warmup, tc.steps); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Cosine(step %d, warmup %d, steps %d): got %v, want %v", tc.step, tc.warmup, tc.steps, got, tc.want)
		}
	}
}

// TestAdamWFirstStep: Adam's first step moves each weight by lr·sign(g)
// (bias-corrected moments), and decay scales it by 1 − lr·wd first.
func TestAdamWFirstStep(t *testing.T) {
	data := []float64{1, -2, 3}
	grad := []float64{0.5, -4, 0}
	o := NewAdamW([]Tensor[float64]{{Data: data, Grad: grad, Decay: true}}, 0.1)
	o.Update(0.01)
	want := []float64{1*(1-0.001) - 0.01, -2*(1-0.001) + 0.01, 3 * (1 - 0.001)}
	for i := range want {
		if math.Abs(data[i]-want[i]) > 1e-7 {
			t.Errorf("data[%d]: got %v, want %v", i, data[i], want[i])
		}
	}
}

// TestAdamWMinimises: AdamW drives a quadratic to its minimum.
func TestAdamWMinimises(t *testing.T) {
	x := []float64{5, -3}
	g := make([]float64, 2)
	o := NewAdamW([]Tensor[float64]{{Data: x, Grad: g}}, 0)
	for i := 0; i < 2000; i++ {
		g[0], g[1] = 2*(x[0]-1), 2*(x[1]+2)
		o.Update(0.05)
	}
	if math.Abs(x[0]-1) > 1e-3 || math.Abs(x[1]+2) > 1e-3 {
		t.Errorf("got %v, want [1 -2]", x)
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float64{3, 4}
	norm := ClipGradNorm([]Tensor[float64]{{Grad: g}}, 1)
	if norm != 5 {
		t.Errorf("norm: got %v, want 5", norm)
	}
	if got := math.Hypot(g[0], g[1]); math.Abs(got-1) > 1e-5 {
		t.Errorf("clipped norm: got %v, want 1", got)
	}
}
