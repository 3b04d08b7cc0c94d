package analysis

import (
	"math"
	"testing"
)

func TestSummarise(t *testing.T) {
	tests := []struct {
		xs            []float64
		n             int
		mean, std     float64
		pointInterval bool
	}{
		{[]float64{70}, 1, 70, 0, true},
		{[]float64{70, 70.6, 69.6}, 3, 70.066666667, 0.503322296, false},
		{[]float64{2, 2, 2, 2}, 4, 2, 0, true},
	}
	for _, tt := range tests {
		st := summarise(tt.xs, "k")
		if st.N != tt.n || math.Abs(st.Mean-tt.mean) > 1e-8 || math.Abs(st.Std-tt.std) > 1e-8 {
			t.Errorf("%v: got n %d, mean %v, std %v; want %d, %v, %v", tt.xs, st.N, st.Mean, st.Std, tt.n, tt.mean, tt.std)
		}
		if point := st.Lo == st.Mean && st.Hi == st.Mean; point != tt.pointInterval {
			t.Errorf("%v: got interval [%v, %v] around %v; want a point: %v", tt.xs, st.Lo, st.Hi, st.Mean, tt.pointInterval)
		}
		if st.Lo > st.Mean || st.Hi < st.Mean {
			t.Errorf("%v: got interval [%v, %v], want it to hold the mean %v", tt.xs, st.Lo, st.Hi, st.Mean)
		}
	}
	if st := summarise(nil, "k"); st.N != 0 || !math.IsNaN(st.Mean) {
		t.Errorf("no seeds: got %+v, want n 0 and NaN", st)
	}
}

// TestBootstrapDeterministic: the same seeds give the same interval, and
// the interval of a mean of many values is about ±1.96 standard errors.
func TestBootstrapDeterministic(t *testing.T) {
	xs := make([]float64, 50)
	for i := range xs {
		xs[i] = float64(i % 10)
	}
	lo1, hi1 := bootstrapCI(xs, 2000, "cell")
	lo2, hi2 := bootstrapCI(xs, 2000, "cell")
	if lo1 != lo2 || hi1 != hi2 {
		t.Errorf("got [%v, %v] then [%v, %v], want the same", lo1, hi1, lo2, hi2)
	}
	se := 2.8723 / math.Sqrt(50) // population sd of 0..9 over √n
	if w, want := hi1-lo1, 2*1.96*se; math.Abs(w-want) > 0.15*want {
		t.Errorf("got width %v, want about %v", w, want)
	}
}
