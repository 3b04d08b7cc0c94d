package analysis

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// Stat summarises a score over seeds.
type Stat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	// Std is the sample standard deviation (n−1); 0 for one seed.
	Std float64 `json:"std"`
	// Lo and Hi bound the 95 % percentile-bootstrap interval of the mean;
	// with one seed they are the point itself.
	Lo float64 `json:"ci_low"`
	Hi float64 `json:"ci_high"`
}

// Bootstrap settings. The generator is seeded from a fixed seed and the
// cell's name, so a report is the same every time it is written.
const (
	BootstrapResamples = 2000
	bootstrapSeed      = 0x71ed10a
)

// summarise computes a Stat of xs; key seeds the bootstrap.
func summarise(xs []float64, key string) Stat {
	st := Stat{N: len(xs), Mean: math.NaN(), Std: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if len(xs) == 0 {
		return st
	}
	st.Mean = mean(xs)
	st.Std = 0
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - st.Mean) * (x - st.Mean)
		}
		st.Std = math.Sqrt(ss / float64(len(xs)-1))
	}
	st.Lo, st.Hi = bootstrapCI(xs, BootstrapResamples, key)
	return st
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// bootstrapCI is the 95 % percentile interval of the mean of xs over n
// resamples with replacement.
func bootstrapCI(xs []float64, n int, key string) (lo, hi float64) {
	if len(xs) == 1 || n < 1 {
		return xs[0], xs[0]
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	rng := rand.New(rand.NewPCG(bootstrapSeed, h.Sum64()))
	means := make([]float64, n)
	for b := range means {
		var s float64
		for range xs {
			s += xs[rng.IntN(len(xs))]
		}
		means[b] = s / float64(len(xs))
	}
	slices.Sort(means)
	return quantile(means, 0.025), quantile(means, 0.975)
}

// quantile interpolates linearly between the order statistics of sorted.
func quantile(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}
