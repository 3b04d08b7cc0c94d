package nn

import "math"

// fast reports whether T is float32, where exp and tanh use the float32
// approximations below; the float64 checks use the math package.
func fast[T Float]() bool {
	var z T
	_, ok := any(z).(float32)
	return ok
}

// exp32 is e^x to about 1 ulp of float32, without float64: x = k·ln2 + r
// with |r| ≤ ln2/2 (Cody–Waite, two-part ln2), a degree-6 polynomial for
// e^r, and 2^k put straight into the exponent bits. It is what softmax and
// cross-entropy spend their time in, and several times as fast as
// math.Exp.
func exp32(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	if x > 88.7 {
		x = 88.7
	}
	t := x * math.Log2E
	k := int32(t + 0.5)
	if t < -0.5 {
		k = int32(t - 0.5)
	}
	kf := float32(k)
	r := x - kf*0.693359375 + kf*2.12194440e-4
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// tanh32 is Eigen's generic_fast_tanh_float: x·P(x²)/Q(x²), accurate to
// float32 on |x| ≤ 7.9053, where float32 tanh is ±1. No exp.
func tanh32(x float32) float32 {
	const clamp = 7.90531110763549805
	if x > clamp {
		return 1
	}
	if x < -clamp {
		return -1
	}
	x2 := x * x
	p := x2*(x2*(x2*(x2*(x2*(x2*-2.76076847742355e-16+2.00018790482477e-13)-8.60467152213735e-11)+5.12229709037114e-08)+1.48572235717979e-05)+6.37261928875436e-04) + 4.89352455891786e-03
	q := x2*(x2*(x2*1.19825839466702e-06+1.18534705686654e-04)+2.26843463243900e-03) + 4.89352518554385e-03
	return x * p / q
}

// tanh64 is tanh through one exp, exact to float64 rounding.
func tanh64(z float64) float64 {
	if z > 20 {
		return 1
	}
	if z < -20 {
		return -1
	}
	if z > -0.05 && z < 0.05 {
		return math.Tanh(z) // avoid cancellation near zero
	}
	return 1 - 2/(math.Exp(2*z)+1)
}
