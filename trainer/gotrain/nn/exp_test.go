package nn

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.0137 {
		got, want := float64(exp32(float32(x))), math.Exp(float64(float32(x)))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 4e-7 {
		t.Errorf("worst relative error: got %.3g, want below 4e-7 (a few float32 ulps)", worst)
	}
	for _, tc := range []struct {
		x    float32
		want float32
	}{{0, 1}, {-1000, 0}} {
		if got := exp32(tc.x); got != tc.want {
			t.Errorf("exp32(%v): got %v, want %v", tc.x, got, tc.want)
		}
	}
}

func TestTanh(t *testing.T) {
	worst32, worst64 := 0.0, 0.0
	for x := -12.0; x <= 12; x += 0.0013 {
		worst32 = max(worst32, math.Abs(float64(tanh32(float32(x)))-math.Tanh(float64(float32(x)))))
		worst64 = max(worst64, math.Abs(tanh64(x)-math.Tanh(x)))
	}
	if worst32 > 5e-7 {
		t.Errorf("tanh32 worst absolute error: got %.3g, want below 5e-7 (a few float32 ulps)", worst32)
	}
	if worst64 > 1e-15 {
		t.Errorf("tanh64 worst absolute error: got %.3g, want below 1e-15", worst64)
	}
}

func BenchmarkExp32(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += exp32(float32(i&1023) * 1e-3)
	}
	sink = float64(s)
}

var sink float64
