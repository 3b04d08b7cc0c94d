package model

import (
	"math"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Decoder runs the model one token at a time with a key/value cache, for
// greedy generation. It reads the model's tensors and owns its buffers,
// so several decoders may run on one model at once.
type Decoder[T mm.Float] struct {
	m          *Model[T]
	pos        int
	k, v       [][]T // per layer [context, d]
	x, h, y, a []T
	qkv        []T
	f, g, th   []T
	logits     []T
	scores     []T
	ln         nn.LNCache[T]
	ad         [][]nn.AdapterCache[T]
}

// NewDecoder returns a decoder at position 0.
func (m *Model[T]) NewDecoder() *Decoder[T] {
	a := m.Arch
	d, ctx := a.Hidden, a.Context
	dec := &Decoder[T]{m: m,
		x: make([]T, d), h: make([]T, d), y: make([]T, d), a: make([]T, d), qkv: make([]T, 3*d),
		f: make([]T, a.FFN), g: make([]T, a.FFN), th: make([]T, a.FFN), logits: make([]T, a.Vocab),
		scores: make([]T, ctx), ln: nn.LNCache[T]{XHat: make([]T, d), RStd: make([]T, 1)}}
	for _, blk := range m.Blocks {
		dec.k = append(dec.k, make([]T, ctx*d))
		dec.v = append(dec.v, make([]T, ctx*d))
		var caches []nn.AdapterCache[T]
		for _, at := range blk.Adapters {
			caches = append(caches, at.Ad.NewAdapterCache(1))
		}
		dec.ad = append(dec.ad, caches)
	}
	return dec
}

// Pos is the number of tokens consumed.
func (dec *Decoder[T]) Pos() int { return dec.pos }

// Reset empties the cache.
func (dec *Decoder[T]) Reset() { dec.pos = 0 }

// Step consumes one token and returns the logits for the next; the slice
// is reused by the next call. It panics past the context length.
func (dec *Decoder[T]) Step(tok int32) []T {
	m := dec.m
	a, be := m.Arch, m.Be
	d, f, hd := a.Hidden, a.FFN, a.HeadDim()
	if dec.pos >= a.Context {
		panic("model: decoder past the context length")
	}
	p := dec.pos
	nn.EmbedForward(m.Wte.Data, m.Wpe.Data, []int32{tok}, []int32{int32(p)}, d, dec.x)
	scale := 1 / math.Sqrt(float64(hd))
	for l, blk := range m.Blocks {
		ad := dec.ad[l]
		blk.LN1.Forward(dec.x, 1, dec.h, &dec.ln)
		blk.QKV.Forward(be, dec.h, 1, dec.qkv, 3*d)
		for i, at := range blk.Adapters {
			if inQKV(at.Target) {
				at.Ad.Forward(be, dec.h, 1, d, dec.qkv[at.Off:], 3*d, &ad[i])
			}
		}
		copy(dec.k[l][p*d:(p+1)*d], dec.qkv[d:2*d])
		copy(dec.v[l][p*d:(p+1)*d], dec.qkv[2*d:])
		for h := 0; h < a.Heads; h++ {
			q := dec.qkv[h*hd : (h+1)*hd]
			mx := math.Inf(-1)
			for j := 0; j <= p; j++ {
				k := dec.k[l][j*d+h*hd : j*d+(h+1)*hd]
				var s T
				for c := range q {
					s += q[c] * k[c]
				}
				dec.scores[j] = s * T(scale)
				mx = math.Max(mx, float64(dec.scores[j]))
			}
			var sum float64
			for j := 0; j <= p; j++ {
				e := math.Exp(float64(dec.scores[j]) - mx)
				dec.scores[j] = T(e)
				sum += e
			}
			y := dec.y[h*hd : (h+1)*hd]
			clear(y)
			for j := 0; j <= p; j++ {
				w := dec.scores[j] / T(sum)
				v := dec.v[l][j*d+h*hd : j*d+(h+1)*hd]
				for c := range y {
					y[c] += w * v[c]
				}
			}
		}
		blk.Proj.Forward(be, dec.y, 1, dec.a, d)
		for i, at := range blk.Adapters {
			if at.Target == "o" {
				at.Ad.Forward(be, dec.y, 1, d, dec.a, d, &ad[i])
			}
		}
		nn.Add(dec.x, dec.a)
		blk.LN2.Forward(dec.x, 1, dec.h, &dec.ln)
		blk.FC.Forward(be, dec.h, 1, dec.f, f)
		for i, at := range blk.Adapters {
			if at.Target == "up" {
				at.Ad.Forward(be, dec.h, 1, d, dec.f, f, &ad[i])
			}
		}
		nn.GELUForward(dec.f, dec.g, dec.th)
		blk.Out.Forward(be, dec.g, 1, dec.a, d)
		for i, at := range blk.Adapters {
			if at.Target == "down" {
				at.Ad.Forward(be, dec.g, 1, f, dec.a, d, &ad[i])
			}
		}
		nn.Add(dec.x, dec.a)
	}
	m.LNF.Forward(dec.x, 1, dec.h, &dec.ln)
	mm.Gemm(be, false, true, 1, a.Vocab, d, 1, dec.h, d, m.Wte.Data, d, 0, dec.logits, a.Vocab)
	dec.pos++
	return dec.logits
}

// Greedy feeds prompt and then appends the most likely token until stop,
// maxNew tokens or the end of the context, and returns the new tokens
// (without stop).
func (dec *Decoder[T]) Greedy(prompt []int32, maxNew int, stop int32) []int32 {
	dec.Reset()
	ctx := dec.m.Arch.Context
	var logits []T
	for _, t := range prompt {
		logits = dec.Step(t)
	}
	var out []int32
	for len(out) < maxNew {
		best := int32(0)
		for i, x := range logits {
			if x > logits[best] {
				best = int32(i)
			}
		}
		if best == stop {
			break
		}
		out = append(out, best)
		if dec.pos >= ctx {
			break
		}
		logits = dec.Step(best)
	}
	return out
}
