package model

import (
	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// backward propagates ws.dlogits (already scaled) through the network in
// reverse, accumulating into the gradients of trainable tensors. Frozen
// weights get no weight gradient, only the input gradients flow.
func (m *Model[T]) backward(b Batch, ws *Workspace[T]) {
	a, be := m.Arch, m.Be
	n, d, f, v := b.B*b.T, a.Hidden, a.FFN, a.Vocab
	att := nn.Attention{Batch: b.B, T: b.T, Heads: a.Heads, D: d}
	dx := ws.dx
	// Head: logits = hf · wteᵀ.
	mm.Gemm(be, false, false, n, d, v, 1, ws.dlogits, v, m.Wte.Data, d, 0, ws.dh, d)
	if m.Wte.Trainable() {
		mm.Gemm(be, true, false, v, d, n, 1, ws.dlogits, v, ws.hf, d, 1, m.Wte.Grad, d)
	}
	m.LNF.Backward(ws.dh, n, &ws.lnf, dx, false)
	for l := len(m.Blocks) - 1; l >= 0; l-- {
		blk, c := m.Blocks[l], &ws.layers[l]
		// x += drop(Out(g) + adapters(g))
		do := dx
		if ws.dropped {
			do = ws.tmp
			copy(do, dx)
			nn.Mul(do, c.m2)
		}
		blk.Out.Backward(be, c.g, n, do, d, ws.dg, false)
		m.adaptBack(blk, c, is(trainer.TargetDown), c.g, n, f, do, d, ws.dg, false)
		nn.GELUBackward(c.f, c.th, ws.dg, ws.df)
		blk.FC.Backward(be, c.h2, n, ws.df, f, ws.dh, false)
		m.adaptBack(blk, c, is(trainer.TargetUp), c.h2, n, d, ws.df, f, ws.dh, false)
		blk.LN2.Backward(ws.dh, n, &c.ln2, dx, true)
		// x += drop(Proj(y) + adapters(y))
		da := dx
		if ws.dropped {
			da = ws.tmp
			copy(da, dx)
			nn.Mul(da, c.m1)
		}
		blk.Proj.Backward(be, c.y, n, da, d, ws.dy, false)
		m.adaptBack(blk, c, is(trainer.TargetO), c.y, n, d, da, d, ws.dy, false)
		nn.AttentionBackward(be, att, c.qkv, c.p, ws.dy, ws.dqkv)
		// Below the first layer only the embeddings are left: when they
		// are frozen nothing needs the input gradient.
		dh := ws.dh
		if l == 0 && !m.Wte.Trainable() && !m.Wpe.Trainable() && m.Blocks[0].ln1G.Grad == nil {
			dh = nil
		}
		blk.QKV.Backward(be, c.h1, n, ws.dqkv, 3*d, dh, false)
		m.adaptBack(blk, c, inQKV, c.h1, n, d, ws.dqkv, 3*d, dh, true)
		if dh != nil {
			blk.LN1.Backward(dh, n, &c.ln1, dx, true)
		}
	}
	var dwte, dwpe []T
	if m.Wte.Trainable() {
		dwte = m.Wte.Grad
	}
	if m.Wpe.Trainable() {
		dwpe = m.Wpe.Grad
	}
	if dwte != nil || dwpe != nil {
		nn.EmbedBackward(dwte, dwpe, b.IDs, ws.pos, d, dx)
	}
}

// adaptBack runs the backward pass of the matching adapters, adding their
// input gradient to dx (row stride = the adapter's input width).
func (m *Model[T]) adaptBack(blk *Block[T], c *layerCache[T], match func(string) bool, x []T, n, ldx int, dy []T, ldy int, dx []T, offset bool) {
	for i, at := range blk.Adapters {
		if !match(at.Target) {
			continue
		}
		off := 0
		if offset {
			off = at.Off
		}
		at.Ad.Backward(m.Be, x, n, ldx, dy[off:], ldy, dx, ldx, &c.ad[i])
	}
}
