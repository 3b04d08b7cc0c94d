package mm

import (
	"math"
	"testing"
)

// naive is the reference product for the test.
func naive(tA, tB bool, m, n, k int, a, b []float64) []float64 {
	c := make([]float64, m*n)
	at := func(i, p int) float64 {
		if tA {
			return a[p*m+i]
		}
		return a[i*k+p]
	}
	bt := func(p, j int) float64 {
		if tB {
			return b[j*k+p]
		}
		return b[p*n+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for p := 0; p < k; p++ {
				c[i*n+j] += at(i, p) * bt(p, j)
			}
		}
	}
	return c
}

func TestGemm(t *testing.T) {
	// The second size is large enough for a backend to split it.
	for _, size := range [][3]int{{7, 5, 9}, {300, 40, 50}, {40, 300, 50}} {
		testGemm(t, size[0], size[1], size[2])
	}
}

func testGemm(t *testing.T, m, n, k int) {
	a := make([]float64, m*k)
	b := make([]float64, k*n)
	for i := range a {
		a[i] = math.Sin(float64(i))
	}
	for i := range b {
		b[i] = math.Cos(float64(3 * i))
	}
	for _, tc := range []struct{ tA, tB bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		want := naive(tc.tA, tc.tB, m, n, k, a, b)
		lda, ldb := k, n
		if tc.tA {
			lda = m
		}
		if tc.tB {
			ldb = k
		}
		got := make([]float64, m*n)
		Gemm(Default(), tc.tA, tc.tB, m, n, k, 1, a, lda, b, ldb, 0, got, n)
		a32, b32 := make([]float32, len(a)), make([]float32, len(b))
		for i := range a {
			a32[i] = float32(a[i])
		}
		for i := range b {
			b32[i] = float32(b[i])
		}
		got32 := make([]float32, m*n)
		Gemm(Default(), tc.tA, tc.tB, m, n, k, 1, a32, lda, b32, ldb, 0, got32, n)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-11 {
				t.Fatalf("%s tA=%v tB=%v: float64 c[%d] got %v, want %v", Default().Name(), tc.tA, tc.tB, i, got[i], want[i])
			}
			if math.Abs(float64(got32[i])-want[i]) > 1e-4 {
				t.Fatalf("%s tA=%v tB=%v: float32 c[%d] got %v, want %v", Default().Name(), tc.tA, tc.tB, i, got32[i], want[i])
			}
		}
	}
}
