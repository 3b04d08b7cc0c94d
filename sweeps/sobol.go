package sweeps

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// The Sobol sequence is written here rather than imported: gonum has
// Halton and Latin hypercube samplers (stat/samplemv) but no Sobol, and no
// maintained Go package provides one. A sweep samples a few
// hyper-parameters, so the first 21 dimensions of Joe and Kuo's published
// direction numbers (new-joe-kuo-6.21201, S. Joe and F. Y. Kuo,
// "Constructing Sobol sequences with better two-dimensional projections",
// SIAM J. Sci. Comput. 30, 2008) are enough; TestSobolKnownValues checks
// the unscrambled sequence against the published first points.

// sobolBits is the precision of the points: 2^32 of them at most.
const sobolBits = 32

// maxSobolDims is how many sampled hyper-parameters method sobol takes.
const maxSobolDims = 21

// joeKuo holds s (the degree of the primitive polynomial), a (its inner
// coefficients) and the initial direction numbers m_1…m_s of dimensions 2
// to 21; dimension 1 is the van der Corput sequence in base 2.
var joeKuo = [maxSobolDims - 1]struct {
	s, a uint32
	m    []uint32
}{
	{1, 0, []uint32{1}},
	{2, 1, []uint32{1, 3}},
	{3, 1, []uint32{1, 3, 1}},
	{3, 2, []uint32{1, 1, 1}},
	{4, 1, []uint32{1, 1, 3, 3}},
	{4, 4, []uint32{1, 3, 5, 13}},
	{5, 2, []uint32{1, 1, 5, 5, 17}},
	{5, 4, []uint32{1, 1, 5, 5, 5}},
	{5, 7, []uint32{1, 1, 7, 11, 19}},
	{5, 11, []uint32{1, 1, 5, 1, 1}},
	{5, 13, []uint32{1, 1, 1, 3, 11}},
	{5, 14, []uint32{1, 3, 5, 5, 31}},
	{6, 1, []uint32{1, 3, 3, 9, 7, 49}},
	{6, 13, []uint32{1, 1, 1, 15, 21, 21}},
	{6, 16, []uint32{1, 3, 1, 13, 27, 49}},
	{6, 19, []uint32{1, 1, 1, 15, 7, 5}},
	{6, 22, []uint32{1, 3, 1, 15, 13, 25}},
	{6, 25, []uint32{1, 1, 5, 5, 19, 61}},
	{7, 1, []uint32{1, 3, 7, 11, 23, 15, 103}},
	{7, 4, []uint32{1, 3, 7, 13, 13, 15, 69}},
}

// sobol generates the points of a Sobol sequence in Gray-code order
// (Antonov and Saleev): point i differs from point i-1 by one direction
// number per dimension.
type sobol struct {
	v     [][sobolBits]uint32 // direction numbers per dimension; bit 31 is 1/2
	x     []uint32            // the current point
	shift []uint32            // the digital shift of a scrambled sequence
	i     uint64              // index of the next point
}

// newSobol makes an unscrambled sequence of dims dimensions.
func newSobol(dims int) (*sobol, error) {
	if dims < 1 || dims > maxSobolDims {
		return nil, fmt.Errorf("the Sobol sequence here has 1 to %d dimensions, not %d", maxSobolDims, dims)
	}
	s := &sobol{v: make([][sobolBits]uint32, dims), x: make([]uint32, dims), shift: make([]uint32, dims)}
	for k := range sobolBits {
		s.v[0][k] = 1 << (sobolBits - 1 - k)
	}
	for d := 1; d < dims; d++ {
		p := joeKuo[d-1]
		v := &s.v[d]
		for k := 0; k < int(p.s); k++ {
			v[k] = p.m[k] << (sobolBits - 1 - k)
		}
		for k := int(p.s); k < sobolBits; k++ {
			v[k] = v[k-int(p.s)] ^ (v[k-int(p.s)] >> p.s)
			for j := 1; j < int(p.s); j++ {
				if (p.a>>(p.s-1-uint32(j)))&1 == 1 {
					v[k] ^= v[k-j]
				}
			}
		}
	}
	return s, nil
}

// scramble randomises the sequence while keeping its structure (Owen's
// "linear matrix scramble" followed by a random digital shift, as
// Matoušek describes and SciPy does): each dimension's digits go through
// a random lower-triangular binary matrix with a unit diagonal, then are
// XORed with a random shift. Each point is then uniform on the unit cube,
// and the set keeps its stratification.
func (s *sobol) scramble(rng *rand.Rand) {
	for d := range s.v {
		var rows [sobolBits]uint32 // row i: which input digits make output digit i
		for i := range sobolBits {
			diag := uint32(1) << (sobolBits - 1 - i)
			above := ^(diag<<1 - 1) // digits before i (more significant)
			if i == 0 {
				above = 0
			}
			rows[i] = rng.Uint32()&above | diag
		}
		for k := range s.v[d] {
			var out uint32
			for i := range sobolBits {
				out |= uint32(bits.OnesCount32(s.v[d][k]&rows[i])&1) << (sobolBits - 1 - i)
			}
			s.v[d][k] = out
		}
		s.shift[d] = rng.Uint32()
	}
}

// next writes the next point, each coordinate in [0, 1).
func (s *sobol) next(out []float64) {
	if s.i > 0 {
		c := bits.TrailingZeros64(s.i)
		for d := range s.x {
			s.x[d] ^= s.v[d][c]
		}
	}
	s.i++
	for d := range s.x {
		out[d] = float64(s.x[d]^s.shift[d]) / (1 << sobolBits)
	}
}
