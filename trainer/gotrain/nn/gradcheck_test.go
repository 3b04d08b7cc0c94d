package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// The gradient checks run every op in float64 and compare each analytic
// derivative with a central difference of the scalar L = Σ w ⊙ output for
// fixed random weights w.

var be = mm.Default()

func randn(rng *rand.Rand, n int, std float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64() * std
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// checkGrad compares grad with the numerical derivative of loss with
// respect to every element of x.
func checkGrad(t *testing.T, name string, x, grad []float64, loss func() float64) {
	t.Helper()
	const h = 1e-6
	worst := 0.0
	for i := range x {
		old := x[i]
		x[i] = old + h
		up := loss()
		x[i] = old - h
		down := loss()
		x[i] = old
		num := (up - down) / (2 * h)
		err := math.Abs(num-grad[i]) / math.Max(1, math.Abs(num))
		worst = max(worst, err)
		if err > 1e-6 {
			t.Errorf("%s[%d]: got analytic %.9g, want numerical %.9g", name, i, grad[i], num)
			return
		}
	}
	t.Logf("%s: %d elements, worst relative error %.2g", name, len(x), worst)
}

func TestLinearGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, bias := range []bool{true, false} {
		n, in, out := 5, 4, 3
		l := &Linear[float64]{In: in, Out: out, W: randn(rng, out*in, 1), DW: make([]float64, out*in)}
		if bias {
			l.B, l.DB = randn(rng, out, 1), make([]float64, out)
		}
		x, w := randn(rng, n*in, 1), randn(rng, n*out, 1)
		y := make([]float64, n*out)
		loss := func() float64 { l.Forward(be, x, n, y, out); return dot(y, w) }
		dx := make([]float64, n*in)
		loss()
		l.Backward(be, x, n, w, out, dx, false)
		name := fmt.Sprintf("linear(bias=%v)", bias)
		checkGrad(t, name+".x", x, dx, loss)
		checkGrad(t, name+".W", l.W, l.DW, loss)
		if bias {
			checkGrad(t, name+".b", l.B, l.DB, loss)
		}
	}
}

func TestLayerNormGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	n, d := 4, 6
	ln := &LayerNorm[float64]{D: d, G: randn(rng, d, 1), B: randn(rng, d, 1), DG: make([]float64, d), DB: make([]float64, d)}
	x, w := randn(rng, n*d, 2), randn(rng, n*d, 1)
	y := make([]float64, n*d)
	c := &LNCache[float64]{XHat: make([]float64, n*d), RStd: make([]float64, n)}
	loss := func() float64 { ln.Forward(x, n, y, c); return dot(y, w) }
	loss()
	dx := make([]float64, n*d)
	ln.Backward(w, n, c, dx, false)
	checkGrad(t, "layernorm.x", x, dx, loss)
	checkGrad(t, "layernorm.g", ln.G, ln.DG, loss)
	checkGrad(t, "layernorm.b", ln.B, ln.DB, loss)
}

func TestGELUGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	n := 64
	x, w := randn(rng, n, 2), randn(rng, n, 1)
	x[0], x[1] = 0, 1e-3 // near the small-argument branch of tanh
	y, th := make([]float64, n), make([]float64, n)
	loss := func() float64 { GELUForward(x, y, th); return dot(y, w) }
	loss()
	dx := make([]float64, n)
	GELUBackward(x, th, w, dx)
	checkGrad(t, "gelu.x", x, dx, loss)
}

func TestEmbedGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	v, ctx, d := 5, 4, 3
	ids := []int32{1, 3, 1, 0, 4, 1}
	pos := []int32{0, 1, 2, 0, 1, 3}
	wte, wpe := randn(rng, v*d, 1), randn(rng, ctx*d, 1)
	w := randn(rng, len(ids)*d, 1)
	x := make([]float64, len(ids)*d)
	loss := func() float64 { EmbedForward(wte, wpe, ids, pos, d, x); return dot(x, w) }
	dwte, dwpe := make([]float64, v*d), make([]float64, ctx*d)
	EmbedBackward(dwte, dwpe, ids, pos, d, w)
	checkGrad(t, "embed.wte", wte, dwte, loss)
	checkGrad(t, "embed.wpe", wpe, dwpe, loss)
}

func TestCrossEntropyGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	n, v := 4, 7
	logits := randn(rng, n*v, 2)
	targets := []int32{3, Ignore, 0, 6}
	rows := make([]float64, n)
	loss := func() float64 { l, _ := CrossEntropy(logits, n, v, targets, 1, nil, rows); return l }
	dl := make([]float64, n*v)
	_, count := CrossEntropy(logits, n, v, targets, 1, dl, rows)
	if count != 3 {
		t.Errorf("count: got %d, want 3", count)
	}
	checkGrad(t, "xent.logits", logits, dl, loss)
}

func TestAttentionGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	a := Attention{Batch: 2, T: 5, Heads: 2, D: 4}
	n := a.Batch * a.T
	qkv, w := randn(rng, n*3*a.D, 1), randn(rng, n*a.D, 1)
	p, y := make([]float64, a.Batch*a.Heads*a.T*a.T), make([]float64, n*a.D)
	loss := func() float64 { AttentionForward(be, a, qkv, p, y); return dot(y, w) }
	loss()
	dqkv := make([]float64, n*3*a.D)
	AttentionBackward(be, a, qkv, p, w, dqkv)
	checkGrad(t, "attention.qkv", qkv, dqkv, loss)
}

// TestAttentionCausal checks that a later position does not change an
// earlier output.
func TestAttentionCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	a := Attention{Batch: 1, T: 4, Heads: 1, D: 2}
	qkv := randn(rng, a.T*3*a.D, 1)
	p, y1, y2 := make([]float64, a.T*a.T), make([]float64, a.T*a.D), make([]float64, a.T*a.D)
	AttentionForward(be, a, qkv, p, y1)
	for j := 0; j < 3*a.D; j++ {
		qkv[3*3*a.D+j] += 5
	}
	AttentionForward(be, a, qkv, p, y2)
	for i := 0; i < 3*a.D; i++ {
		if y1[i] != y2[i] {
			t.Fatalf("output %d changed with the last position: got %v, want %v", i, y2[i], y1[i])
		}
	}
}

// TestAdapterGrad covers every trained/frozen pattern of A, B, u, v, with
// u and v as tensors when trained and constants when frozen, and an
// output narrower than y (a column slice, as q, k or v of fused QKV).
func TestAdapterGrad(t *testing.T) {
	for mask := 0; mask < 16; mask++ {
		for _, r := range []int{1, 3} {
			rng := rand.New(rand.NewPCG(8, uint64(mask*10+r)))
			n, din, dout, ldy := 4, 5, 3, 7
			ad := &Adapter[float64]{DIn: din, DOut: dout, R: r, A: randn(rng, r*din, 1), B: randn(rng, dout*r, 1), UC: 0.7, VC: 1.3, Scale: 0.9}
			trained := func(i int) bool { return mask&(1<<i) != 0 }
			if trained(0) {
				ad.DA = make([]float64, r*din)
			}
			if trained(1) {
				ad.DB = make([]float64, dout*r)
			}
			if trained(2) {
				ad.U, ad.DU = randn(rng, r, 1), make([]float64, r)
			}
			if trained(3) {
				ad.V, ad.DV = randn(rng, dout, 1), make([]float64, dout)
			}
			x, w := randn(rng, n*din, 1), randn(rng, n*ldy, 1)
			c := ad.NewAdapterCache(n)
			y := make([]float64, n*ldy)
			loss := func() float64 { clear(y); ad.Forward(be, x, n, din, y, ldy, &c); return dot(y, w) }
			loss()
			dx := make([]float64, n*din)
			ad.Backward(be, x, n, din, w, ldy, dx, din, &c)
			name := fmt.Sprintf("adapter(mask=%04b,r=%d)", mask, r)
			checkGrad(t, name+".x", x, dx, loss)
			for _, g := range []struct {
				c       string
				x, grad []float64
			}{{"A", ad.A, ad.DA}, {"B", ad.B, ad.DB}, {"u", ad.U, ad.DU}, {"v", ad.V, ad.DV}} {
				if g.grad != nil {
					checkGrad(t, name+"."+g.c, g.x, g.grad, loss)
				}
			}
		}
	}
}
