package nn

import "math/rand/v2"

// DropoutMask fills mask with 0 (probability p) or 1/(1−p), drawing from
// rng in index order so the mask is a function of the generator's state.
func DropoutMask[T Float](mask []T, p float64, rng *rand.Rand) {
	keep := T(1 / (1 - p))
	for i := range mask {
		if rng.Float64() < p {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

// Mul sets x ⊙= mask (forward and backward of dropout alike).
func Mul[T Float](x, mask []T) {
	For(len(x), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i] *= mask[i]
		}
	})
}
