package model

import (
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Batch is B sequences of T tokens, right-padded. Targets holds the next
// token to predict at each position, or nn.Ignore where no loss is taken.
type Batch struct {
	B, T    int
	IDs     []int32
	Targets []int32
}

// layerCache is what one layer's backward pass needs from its forward.
type layerCache[T mm.Float] struct {
	h1, h2   []T // LN outputs
	ln1, ln2 nn.LNCache[T]
	qkv      []T
	p        []T // attention probabilities
	y        []T // attention output (before the projection)
	f, th, g []T // MLP pre-activation, GELU tanh term, activation
	m1, m2   []T // dropout masks
	ad       []nn.AdapterCache[T]
}

// Workspace holds the activations and gradient buffers of one batch
// shape; it grows when a larger batch comes and is reused otherwise, so a
// training step allocates nothing large.
type Workspace[T mm.Float] struct {
	b, t    int
	pos     []int32
	x, tmp  []T
	layers  []layerCache[T]
	hf      []T
	lnf     nn.LNCache[T]
	logits  []T
	dlogits []T
	rowLoss []float64
	// backward
	dx, dh, dy, dqkv, df, dg []T
	drop                     bool // masks are allocated
	dropped                  bool // the last forward pass used them
}

// NewWorkspace returns an empty workspace; it is sized by the first batch.
func (m *Model[T]) NewWorkspace() *Workspace[T] { return &Workspace[T]{} }

// fit makes ws hold a batch of b×t; buffers are reallocated only to grow.
func (m *Model[T]) fit(ws *Workspace[T], b, t int) {
	if ws.b == b && ws.t == t && ws.drop == (m.Dropout > 0) && len(ws.layers) == len(m.Blocks) {
		return
	}
	a := m.Arch
	n, d, f, v := b*t, a.Hidden, a.FFN, a.Vocab
	grow := func(s []T, size int) []T {
		if cap(s) >= size {
			return s[:size]
		}
		return make([]T, size)
	}
	ws.b, ws.t, ws.drop = b, t, m.Dropout > 0
	ws.pos = make([]int32, n)
	for i := range ws.pos {
		ws.pos[i] = int32(i % t)
	}
	ws.x, ws.tmp = grow(ws.x, n*d), grow(ws.tmp, n*d)
	if len(ws.layers) != len(m.Blocks) {
		ws.layers = make([]layerCache[T], len(m.Blocks))
	}
	for l, blk := range m.Blocks {
		c := &ws.layers[l]
		c.h1, c.h2 = grow(c.h1, n*d), grow(c.h2, n*d)
		c.ln1 = nn.LNCache[T]{XHat: grow(c.ln1.XHat, n*d), RStd: grow(c.ln1.RStd, n)}
		c.ln2 = nn.LNCache[T]{XHat: grow(c.ln2.XHat, n*d), RStd: grow(c.ln2.RStd, n)}
		c.qkv = grow(c.qkv, n*3*d)
		c.p = grow(c.p, b*a.Heads*t*t)
		c.y = grow(c.y, n*d)
		c.f, c.th, c.g = grow(c.f, n*f), grow(c.th, n*f), grow(c.g, n*f)
		if ws.drop {
			c.m1, c.m2 = grow(c.m1, n*d), grow(c.m2, n*d)
		}
		if len(c.ad) != len(blk.Adapters) {
			c.ad = make([]nn.AdapterCache[T], len(blk.Adapters))
		}
		for i, at := range blk.Adapters {
			ac := &c.ad[i]
			ac.H1, ac.H2 = grow(ac.H1, n*at.Ad.R), grow(ac.H2, n*at.Ad.R)
			if at.v != nil {
				ac.H3 = grow(ac.H3, n*at.Ad.DOut)
			} else {
				ac.H3 = nil
			}
		}
	}
	ws.hf = grow(ws.hf, n*d)
	ws.lnf = nn.LNCache[T]{XHat: grow(ws.lnf.XHat, n*d), RStd: grow(ws.lnf.RStd, n)}
	ws.logits, ws.dlogits = grow(ws.logits, n*v), grow(ws.dlogits, n*v)
	if cap(ws.rowLoss) >= n {
		ws.rowLoss = ws.rowLoss[:n]
	} else {
		ws.rowLoss = make([]float64, n)
	}
	ws.dx, ws.dh, ws.dy = grow(ws.dx, n*d), grow(ws.dh, n*d), grow(ws.dy, n*d)
	ws.dqkv, ws.df, ws.dg = grow(ws.dqkv, n*3*d), grow(ws.df, n*f), grow(ws.dg, n*f)
}

// RowLoss returns the per-position losses of the last pass (zero where
// the target is ignored).
func (ws *Workspace[T]) RowLoss() []float64 { return ws.rowLoss }

// Logits returns the logits of the last forward pass, [B·T, vocab].
func (ws *Workspace[T]) Logits() []T { return ws.logits }
