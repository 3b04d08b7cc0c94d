package nn

import "math"

// LayerNorm normalises each row over its D features, then scales by G and
// shifts by B; Eps as PyTorch's default.
type LayerNorm[T Float] struct {
	D      int
	G, B   []T
	DG, DB []T // nil when frozen
}

// LNEps is the variance epsilon (PyTorch's default).
const LNEps = 1e-5

// LNCache keeps what the backward pass needs: the normalised rows and the
// reciprocal standard deviations.
type LNCache[T Float] struct {
	XHat []T // [n, D]
	RStd []T // [n]
}

// Forward writes y = LN(x) for n rows.
func (ln *LayerNorm[T]) Forward(x []T, n int, y []T, c *LNCache[T]) {
	d := ln.D
	For(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := x[i*d : (i+1)*d]
			var mean float64
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(d)
			var vr float64
			for _, v := range row {
				dv := float64(v) - mean
				vr += dv * dv
			}
			vr /= float64(d)
			rstd := T(1 / math.Sqrt(vr+LNEps))
			m := T(mean)
			xh := c.XHat[i*d : (i+1)*d]
			out := y[i*d : (i+1)*d]
			for j, v := range row {
				h := (v - m) * rstd
				xh[j] = h
				out[j] = h*ln.G[j] + ln.B[j]
			}
			c.RStd[i] = rstd
		}
	})
}

// Backward writes dx (or adds to it when accumulate is set) and
// accumulates dG and dB when trained.
func (ln *LayerNorm[T]) Backward(dy []T, n int, c *LNCache[T], dx []T, accumulate bool) {
	d := ln.D
	if ln.DG != nil {
		For(d, 32, func(lo, hi int) {
			for i := 0; i < n; i++ {
				g, b := ln.DG[lo:hi], ln.DB[lo:hi]
				r, h := dy[i*d+lo:i*d+hi], c.XHat[i*d+lo:i*d+hi]
				for j := range g {
					g[j] += r[j] * h[j]
					b[j] += r[j]
				}
			}
		})
	}
	For(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r, h := dy[i*d:(i+1)*d], c.XHat[i*d:(i+1)*d]
			var s1, s2 T
			for j := range r {
				g := r[j] * ln.G[j]
				s1 += g
				s2 += g * h[j]
			}
			s1 /= T(d)
			s2 /= T(d)
			rstd := c.RStd[i]
			out := dx[i*d : (i+1)*d]
			for j := range r {
				v := rstd * (r[j]*ln.G[j] - s1 - h[j]*s2)
				if accumulate {
					out[j] += v
				} else {
					out[j] = v
				}
			}
		}
	})
}
