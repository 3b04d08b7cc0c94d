package metrics

import "math"

// sacreBLEU's score goes through CPython's math.log and math.exp, which call
// the C library. glibc's log and exp are correctly rounded for all but about
// 1 in 10,000 (log) and 1 in 1,000 (exp) arguments; Go's math.Log and
// math.Exp are off by one ulp far more often. That is harmless to the score
// but not to its printed form: with one n-gram order sacreBLEU computes
// exp(log(75.625)) = 75.62500000000001 and prints "75.63", where Go's
// functions give "75.62". So BLEU uses these correctly rounded versions,
// evaluated in double-double arithmetic (about 100 bits) and rounded once.

// dd is an unevaluated sum hi + lo with |lo| at most half an ulp of hi.
type dd struct{ hi, lo float64 }

// twoSum returns a+b and its rounding error.
func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

// quickTwoSum is twoSum for |a| >= |b|.
func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func (x dd) add(y dd) dd {
	s := twoSum(x.hi, y.hi)
	t := twoSum(x.lo, y.lo)
	s = quickTwoSum(s.hi, s.lo+t.hi)
	return quickTwoSum(s.hi, s.lo+t.lo)
}

func (x dd) mul(y dd) dd {
	p := x.hi * y.hi
	e := math.FMA(x.hi, y.hi, -p) + (x.hi*y.lo + x.lo*y.hi)
	return quickTwoSum(p, e)
}

func (x dd) div(y dd) dd {
	q1 := x.hi / y.hi
	r := x.add(y.mul(dd{-q1, 0}))
	q2 := r.hi / y.hi
	r = r.add(y.mul(dd{-q2, 0}))
	q3 := r.hi / y.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

// ln2DD is log(2) to about 107 bits.
var ln2DD = dd{0.6931471805599453, 2.3190468138462996e-17}

// atanhCoef[j] = 1/(2j+1) and expCoef[n] = 1/n!, in double-double; the
// series below need no more terms for 2^-110.
var atanhCoef, expCoef = func() (a [24]dd, e [14]dd) {
	for j := range a {
		a[j] = dd{1, 0}.div(dd{float64(2*j + 1), 0})
	}
	e[0] = dd{1, 0}
	for n := 1; n < len(e); n++ {
		e[n] = e[n-1].div(dd{float64(n), 0})
	}
	return a, e
}()

// crLog is log(x) correctly rounded (but for arguments within about 2^-100
// of a rounding boundary).
func crLog(x float64) float64 {
	if x <= 0 || math.IsInf(x, 0) || math.IsNaN(x) || x == 1 {
		return math.Log(x) // the special cases: -Inf, NaN, +Inf, 0
	}
	m, k := math.Frexp(x) // x = m·2^k, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m, k = 2*m, k-1
	}
	// log(m) = 2·atanh(s) with s = (m-1)/(m+1), |s| < 0.172: the series
	// s·Σ s^2j/(2j+1) gains more than 5 bits a term.
	s := dd{m - 1, 0}.div(twoSum(m, 1))
	s2 := s.mul(s)
	sum := atanhCoef[len(atanhCoef)-1]
	for j := len(atanhCoef) - 2; j >= 0; j-- {
		sum = sum.mul(s2).add(atanhCoef[j])
	}
	r := s.mul(sum).mul(dd{2, 0})
	r = r.add(ln2DD.mul(dd{float64(k), 0}))
	return r.hi + r.lo
}

// crExp is exp(x) correctly rounded (but for arguments within about 2^-95
// of a rounding boundary) where the result is a normal number; elsewhere
// it is math.Exp.
func crExp(x float64) float64 {
	if math.IsNaN(x) || x < -708 || x > 709 {
		return math.Exp(x) // 0 or subnormal, +Inf, NaN
	}
	if x == 0 {
		return 1
	}
	// x = k·log(2) + r with |r| <= log(2)/2, then exp(r) = exp(r/256)^256:
	// the Taylor series of exp(r/256) needs a dozen terms.
	k := math.Round(x / ln2DD.hi)
	r := dd{x, 0}.add(ln2DD.mul(dd{-k, 0}))
	r = dd{r.hi / 256, r.lo / 256}
	sum := expCoef[len(expCoef)-1]
	for n := len(expCoef) - 2; n >= 0; n-- {
		sum = sum.mul(r).add(expCoef[n])
	}
	for range 8 {
		sum = sum.mul(sum)
	}
	return math.Ldexp(sum.hi+sum.lo, int(k))
}
