package nn

import "github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"

// Linear is y = x Wᵀ + b with W stored [out, in] (PyTorch's layout).
type Linear[T Float] struct {
	In, Out int
	W, B    []T // B may be nil (no bias)
	DW, DB  []T // nil when frozen
}

// Forward writes y[n, Out] (row stride ldy) from x[n, In].
func (l *Linear[T]) Forward(be mm.Backend, x []T, n int, y []T, ldy int) {
	if l.B != nil {
		For(n, 256, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				copy(y[i*ldy:i*ldy+l.Out], l.B)
			}
		})
	}
	beta := T(0)
	if l.B != nil {
		beta = 1
	}
	mm.Gemm(be, false, true, n, l.Out, l.In, 1, x, l.In, l.W, l.In, beta, y, ldy)
}

// Backward accumulates dW and dB (when trained) and writes dx (adds to it
// when accumulate is set; dx may be nil when nothing needs it).
func (l *Linear[T]) Backward(be mm.Backend, x []T, n int, dy []T, ldy int, dx []T, accumulate bool) {
	if l.DW != nil {
		mm.Gemm(be, true, false, l.Out, l.In, n, 1, dy, ldy, x, l.In, 1, l.DW, l.In)
	}
	if l.DB != nil {
		ColumnSums(dy, n, l.Out, ldy, l.DB)
	}
	if dx != nil {
		beta := T(0)
		if accumulate {
			beta = 1
		}
		mm.Gemm(be, false, false, n, l.In, l.Out, 1, dy, ldy, l.W, l.In, beta, dx, l.In)
	}
}

// ColumnSums adds the column sums of m[n, cols] (row stride ld) to out,
// splitting the columns, not the rows, across goroutines.
func ColumnSums[T Float](m []T, n, cols, ld int, out []T) {
	For(cols, 32, func(lo, hi int) {
		o := out[lo:hi]
		for i := 0; i < n; i++ {
			row := m[i*ld+lo : i*ld+hi]
			for j := range o {
				o[j] += row[j]
			}
		}
	})
}
