package nn

import "github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"

// Adapter adds s · v ⊙ B (u ⊙ (A x)) to a projection's output (METHODS.md).
// A is [R, DIn], B [DOut, R], u [R], v [DOut]. A frozen u or v is a
// constant (UC, VC) and holds no tensor. A gradient slice is nil when its
// component is frozen; tied components share slices across layers.
type Adapter[T Float] struct {
	DIn, DOut, R   int
	A, B, U, V     []T
	UC, VC         T
	Scale          T
	DA, DB, DU, DV []T
}

// AdapterCache holds one layer's intermediate products for the backward
// pass: H1 = x Aᵀ, H2 = u ⊙ H1 (both [n, R]) and H3 = H2 Bᵀ ([n, DOut],
// kept only when v is trained, which needs it).
type AdapterCache[T Float] struct {
	H1, H2, H3 []T
	g, dh      []T // backward scratch, grown on demand
}

// scratch returns buf resized to n, reallocating only to grow.
func scratch[T Float](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// NewAdapterCache sizes a cache for n rows.
func (ad *Adapter[T]) NewAdapterCache(n int) AdapterCache[T] {
	c := AdapterCache[T]{H1: make([]T, n*ad.R), H2: make([]T, n*ad.R)}
	if ad.V != nil {
		c.H3 = make([]T, n*ad.DOut)
	}
	return c
}

// Forward adds the update to y[n, ≥DOut] (row stride ldy) from x[n, DIn]
// (row stride ldx).
func (ad *Adapter[T]) Forward(be mm.Backend, x []T, n, ldx int, y []T, ldy int, c *AdapterCache[T]) {
	r := ad.R
	mm.Gemm(be, false, true, n, r, ad.DIn, 1, x, ldx, ad.A, ad.DIn, 0, c.H1, r)
	scaleVec(c.H2, c.H1, n, r, ad.U, ad.UC)
	if ad.V == nil {
		mm.Gemm(be, false, true, n, ad.DOut, r, ad.Scale*ad.VC, c.H2, r, ad.B, r, 1, y, ldy)
		return
	}
	mm.Gemm(be, false, true, n, ad.DOut, r, 1, c.H2, r, ad.B, r, 0, c.H3, ad.DOut)
	For(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			h, out := c.H3[i*ad.DOut:(i+1)*ad.DOut], y[i*ldy:i*ldy+ad.DOut]
			for j := range h {
				out[j] += ad.Scale * ad.V[j] * h[j]
			}
		}
	})
}

// Backward accumulates the trained components' gradients and adds the
// input gradient to dx[n, DIn] (row stride lddx) when dx is not nil.
func (ad *Adapter[T]) Backward(be mm.Backend, x []T, n, ldx int, dy []T, ldy int, dx []T, lddx int, c *AdapterCache[T]) {
	r, dout := ad.R, ad.DOut
	// g = s · v ⊙ dy; with a constant v it stays dy and alpha carries s·v.
	g, ldg, alpha := dy, ldy, ad.Scale*ad.VC
	if ad.V != nil {
		g, ldg, alpha = scratch(&c.g, n*dout), dout, 1
		For(n, 64, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				src, dst := dy[i*ldy:i*ldy+dout], g[i*dout:(i+1)*dout]
				for j := range dst {
					dst[j] = ad.Scale * ad.V[j] * src[j]
				}
			}
		})
	}
	if ad.DV != nil {
		For(dout, 32, func(lo, hi int) {
			dv := ad.DV[lo:hi]
			for i := 0; i < n; i++ {
				src, h := dy[i*ldy+lo:i*ldy+hi], c.H3[i*dout+lo:i*dout+hi]
				for j := range dv {
					dv[j] += ad.Scale * src[j] * h[j]
				}
			}
		})
	}
	if ad.DB != nil {
		mm.Gemm(be, true, false, dout, r, n, alpha, g, ldg, c.H2, r, 1, ad.DB, r)
	}
	if ad.DU == nil && ad.DA == nil && dx == nil {
		return
	}
	dh := scratch(&c.dh, n*r) // dH2, then dH1 in place
	mm.Gemm(be, false, false, n, r, dout, alpha, g, ldg, ad.B, r, 0, dh, r)
	if ad.DU != nil {
		for i := 0; i < n; i++ {
			for k := 0; k < r; k++ {
				ad.DU[k] += dh[i*r+k] * c.H1[i*r+k]
			}
		}
	}
	scaleVec(dh, dh, n, r, ad.U, ad.UC)
	if ad.DA != nil {
		mm.Gemm(be, true, false, r, ad.DIn, n, 1, dh, r, x, ldx, 1, ad.DA, ad.DIn)
	}
	if dx != nil {
		mm.Gemm(be, false, false, n, ad.DIn, r, 1, dh, r, ad.A, ad.DIn, 1, dx, lddx)
	}
}

// scaleVec writes dst = src ⊙ u row by row (u nil: times the constant).
func scaleVec[T Float](dst, src []T, n, r int, u []T, uc T) {
	for i := 0; i < n; i++ {
		s, d := src[i*r:(i+1)*r], dst[i*r:(i+1)*r]
		for k := range d {
			if u != nil {
				d[k] = s[k] * u[k]
			} else {
				d[k] = s[k] * uc
			}
		}
	}
}
