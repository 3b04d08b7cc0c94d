package nn

import (
	"math"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// Attention is causal multi-head self-attention over a fused QKV matrix:
// rows are (sequence, position), and each row of qkv holds Q, K and V of
// width D each, head h in columns [h·D/H, (h+1)·D/H) of each.
type Attention struct {
	Batch, T, Heads, D int
}

func (a Attention) headDim() int { return a.D / a.Heads }

// Forward writes y[Batch·T, D] and keeps the attention probabilities in
// p[Batch, Heads, T, T] for the backward pass.
func AttentionForward[T Float](be mm.Backend, a Attention, qkv, p, y []T) {
	t, d, hd := a.T, a.D, a.headDim()
	scale := T(1 / math.Sqrt(float64(hd)))
	For(a.Batch*a.Heads, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.Heads, bh%a.Heads
			base := b*t*3*d + h*hd
			q, k, v := qkv[base:], qkv[base+d:], qkv[base+2*d:]
			pb := p[bh*t*t : (bh+1)*t*t]
			mm.Gemm(be, false, true, t, t, hd, scale, q, 3*d, k, 3*d, 0, pb, t)
			for i := 0; i < t; i++ {
				causalSoftmax(pb[i*t:(i+1)*t], i)
			}
			mm.Gemm(be, false, false, t, hd, t, 1, pb, t, v, 3*d, 0, y[b*t*d+h*hd:], d)
		}
	})
}

// causalSoftmax normalises row[0..i] and zeroes the future.
func causalSoftmax[T Float](row []T, i int) {
	mx := row[0]
	for _, x := range row[:i+1] {
		mx = max(mx, x)
	}
	var sum T
	f := fast[T]()
	for j := 0; j <= i; j++ {
		var e T
		if f {
			e = T(exp32(float32(row[j] - mx)))
		} else {
			e = T(math.Exp(float64(row[j] - mx)))
		}
		row[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := 0; j <= i; j++ {
		row[j] *= inv
	}
	clear(row[i+1:])
}

// AttentionBackward writes dqkv[Batch·T, 3D] from dy[Batch·T, D].
func AttentionBackward[T Float](be mm.Backend, a Attention, qkv, p, dy, dqkv []T) {
	t, d, hd := a.T, a.D, a.headDim()
	scale := T(1 / math.Sqrt(float64(hd)))
	For(a.Batch*a.Heads, 1, func(lo, hi int) {
		dp := make([]T, t*t)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.Heads, bh%a.Heads
			base := b*t*3*d + h*hd
			q, k, v := qkv[base:], qkv[base+d:], qkv[base+2*d:]
			dq, dk, dv := dqkv[base:], dqkv[base+d:], dqkv[base+2*d:]
			dyb := dy[b*t*d+h*hd:]
			pb := p[bh*t*t : (bh+1)*t*t]
			mm.Gemm(be, false, true, t, t, hd, 1, dyb, d, v, 3*d, 0, dp, t)
			mm.Gemm(be, true, false, t, hd, t, 1, pb, t, dyb, d, 0, dv, 3*d)
			for i := 0; i < t; i++ {
				pr, gr := pb[i*t:i*t+i+1], dp[i*t:i*t+i+1]
				var s T
				for j := range pr {
					s += pr[j] * gr[j]
				}
				for j := range pr {
					gr[j] = scale * pr[j] * (gr[j] - s)
				}
				clear(dp[i*t+i+1 : (i+1)*t])
			}
			mm.Gemm(be, false, false, t, hd, t, 1, dp, t, k, 3*d, 0, dq, 3*d)
			mm.Gemm(be, true, false, t, hd, t, 1, dp, t, q, 3*d, 0, dk, 3*d)
		}
	})
}
