package nn

// GELU in the tanh form GPT-2 uses:
//
//	gelu(x) = x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)))
//
// Its derivative is exact and needs no erf; Forward keeps the tanh for the
// backward pass.
const (
	geluC = 0.7978845608028654 // √(2/π)
	geluK = 0.044715
)

// GELUForward writes y = gelu(x) and th = the tanh term.
func GELUForward[T Float](x, y, th []T) {
	f := fast[T]()
	For(len(x), 1<<13, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := x[i]
			z := T(geluC) * (v + T(geluK)*v*v*v)
			var t T
			if f {
				t = T(tanh32(float32(z)))
			} else {
				t = T(tanh64(float64(z)))
			}
			th[i] = t
			y[i] = 0.5 * v * (1 + t)
		}
	})
}

// GELUBackward writes dx = dy · gelu'(x).
func GELUBackward[T Float](x, th, dy, dx []T) {
	For(len(x), 1<<13, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v, t := x[i], th[i]
			g := 0.5*(1+t) + 0.5*v*(1-t*t)*T(geluC)*(1+3*T(geluK)*v*v)
			dx[i] = dy[i] * g
		}
	})
}
