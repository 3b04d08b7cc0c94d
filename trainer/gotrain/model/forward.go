package model

import (
	"math/rand/v2"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Loss runs the model on a batch and returns the summed cross-entropy
// over the positions with a target and their number. With backward set it
// also accumulates gradients of scale × the summed loss into the
// trainable tensors. A non-nil rng turns on dropout (training).
func (m *Model[T]) Loss(b Batch, ws *Workspace[T], backward bool, scale T, rng *rand.Rand) (float64, int) {
	m.fit(ws, b.B, b.T)
	m.forward(b, ws, rng)
	n, v := b.B*b.T, m.Arch.Vocab
	var dl []T
	if backward {
		dl = ws.dlogits
	}
	sum, count := nn.CrossEntropy(ws.logits, n, v, b.Targets, scale, dl, ws.rowLoss)
	if backward {
		m.backward(b, ws)
	}
	return sum, count
}

// inQKV reports whether a target adds to the fused QKV projection.
func inQKV(target string) bool {
	switch target {
	case trainer.TargetQKV, trainer.TargetQ, trainer.TargetK, trainer.TargetV:
		return true
	}
	return false
}

func (m *Model[T]) forward(b Batch, ws *Workspace[T], rng *rand.Rand) {
	a, be := m.Arch, m.Be
	n, d, f := b.B*b.T, a.Hidden, a.FFN
	att := nn.Attention{Batch: b.B, T: b.T, Heads: a.Heads, D: d}
	drop := rng != nil && m.Dropout > 0
	ws.dropped = drop
	x := ws.x
	nn.EmbedForward(m.Wte.Data, m.Wpe.Data, b.IDs, ws.pos, d, x)
	for l, blk := range m.Blocks {
		c := &ws.layers[l]
		blk.LN1.Forward(x, n, c.h1, &c.ln1)
		blk.QKV.Forward(be, c.h1, n, c.qkv, 3*d)
		m.adapt(blk, c, inQKV, c.h1, n, d, c.qkv, 3*d, true)
		nn.AttentionForward(be, att, c.qkv, c.p, c.y)
		blk.Proj.Forward(be, c.y, n, ws.tmp, d)
		m.adapt(blk, c, is(trainer.TargetO), c.y, n, d, ws.tmp, d, false)
		if drop {
			nn.DropoutMask(c.m1, m.Dropout, rng)
			nn.Mul(ws.tmp, c.m1)
		}
		nn.Add(x, ws.tmp)
		blk.LN2.Forward(x, n, c.h2, &c.ln2)
		blk.FC.Forward(be, c.h2, n, c.f, f)
		m.adapt(blk, c, is(trainer.TargetUp), c.h2, n, d, c.f, f, false)
		nn.GELUForward(c.f, c.g, c.th)
		blk.Out.Forward(be, c.g, n, ws.tmp, d)
		m.adapt(blk, c, is(trainer.TargetDown), c.g, n, f, ws.tmp, d, false)
		if drop {
			nn.DropoutMask(c.m2, m.Dropout, rng)
			nn.Mul(ws.tmp, c.m2)
		}
		nn.Add(x, ws.tmp)
	}
	m.LNF.Forward(x, n, ws.hf, &ws.lnf)
	mm.Gemm(be, false, true, n, a.Vocab, d, 1, ws.hf, d, m.Wte.Data, d, 0, ws.logits, a.Vocab)
}

func is(target string) func(string) bool { return func(t string) bool { return t == target } }

// adapt runs the forward pass of the layer's adapters that match; the
// ones on fused QKV write at their column offset.
func (m *Model[T]) adapt(blk *Block[T], c *layerCache[T], match func(string) bool, x []T, n, ldx int, y []T, ldy int, offset bool) {
	for i, at := range blk.Adapters {
		if !match(at.Target) {
			continue
		}
		off := 0
		if offset {
			off = at.Off
		}
		at.Ad.Forward(m.Be, x, n, ldx, y[off:], ldy, &c.ad[i])
	}
}
