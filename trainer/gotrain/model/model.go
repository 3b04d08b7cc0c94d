package model

import (
	"fmt"
	"math"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Block is one transformer layer.
type Block[T mm.Float] struct {
	LN1, LN2           nn.LayerNorm[T]
	QKV, Proj, FC, Out nn.Linear[T]
	Adapters           []*Attached[T]
	ln1G, ln1B, ln2G   *Param[T]
	ln2B, qkvW, qkvB   *Param[T]
	projW, projB, fcW  *Param[T]
	fcB, outW, outB    *Param[T]
}

// Model is the base transformer and its adapters.
type Model[T mm.Float] struct {
	Arch    trainer.Arch
	Be      mm.Backend
	Wte     *Param[T] // [vocab, d], also the output head
	Wpe     *Param[T] // [context, d]
	Blocks  []*Block[T]
	LNF     nn.LayerNorm[T]
	lnfG    *Param[T]
	lnfB    *Param[T]
	base    []*Param[T]
	adapter []*Param[T]
	// Dropout is the residual-branch dropout probability in training.
	Dropout float64
}

// CheckArch reports why the Go trainer cannot build a.
func CheckArch(a trainer.Arch) error {
	if err := a.Validate(); err != nil {
		return err
	}
	var why []string
	if a.MLP != trainer.MLPGelu {
		why = append(why, "a GELU MLP")
	}
	if a.Norm != trainer.LayerNorm {
		why = append(why, "LayerNorm")
	}
	if a.Positions != trainer.Learned {
		why = append(why, "learned positions")
	}
	if !a.Bias {
		why = append(why, "linear biases")
	}
	if !a.TiedEmbed {
		why = append(why, "an output head tied to the embedding")
	}
	if a.KVHeads != a.Heads {
		why = append(why, "no grouped-query attention")
	}
	if len(why) > 0 {
		return fmt.Errorf("the Go trainer builds GPT-style models only; architecture %s needs %v", a.Name, why)
	}
	return nil
}

// New builds the base model with GPT-2's initialisation (N(0, 0.02),
// residual output projections scaled by 1/√(2L), zero biases, unit
// gains) from seed. Every parameter starts frozen.
func New[T mm.Float](a trainer.Arch, be mm.Backend, seed int64) (*Model[T], error) {
	if err := CheckArch(a); err != nil {
		return nil, err
	}
	d, f := a.Hidden, a.FFN
	m := &Model[T]{Arch: a, Be: be}
	add := func(p *Param[T]) *Param[T] { m.base = append(m.base, p); return p }
	m.Wte = add(newParam[T]("wte", "", true, a.Vocab, d))
	m.Wpe = add(newParam[T]("wpe", "", true, a.Context, d))
	for l := 0; l < a.Layers; l++ {
		pre := fmt.Sprintf("h.%d.", l)
		b := &Block[T]{}
		b.ln1G = add(newParam[T](pre+"ln_1.weight", "", false, d))
		b.ln1B = add(newParam[T](pre+"ln_1.bias", "", false, d))
		b.qkvW = add(newParam[T](pre+"attn.c_attn.weight", "", true, 3*d, d))
		b.qkvB = add(newParam[T](pre+"attn.c_attn.bias", "", false, 3*d))
		b.projW = add(newParam[T](pre+"attn.c_proj.weight", "", true, d, d))
		b.projB = add(newParam[T](pre+"attn.c_proj.bias", "", false, d))
		b.ln2G = add(newParam[T](pre+"ln_2.weight", "", false, d))
		b.ln2B = add(newParam[T](pre+"ln_2.bias", "", false, d))
		b.fcW = add(newParam[T](pre+"mlp.c_fc.weight", "", true, f, d))
		b.fcB = add(newParam[T](pre+"mlp.c_fc.bias", "", false, f))
		b.outW = add(newParam[T](pre+"mlp.c_proj.weight", "", true, d, f))
		b.outB = add(newParam[T](pre+"mlp.c_proj.bias", "", false, d))
		m.Blocks = append(m.Blocks, b)
	}
	m.lnfG = add(newParam[T]("ln_f.weight", "", false, d))
	m.lnfB = add(newParam[T]("ln_f.bias", "", false, d))
	resid := 0.02 / math.Sqrt(2*float64(a.Layers))
	for _, p := range m.base {
		rng := paramRNG(seed, p.Name)
		switch {
		case len(p.Shape) == 1 && (hasSuffix(p.Name, "ln_1.weight") || hasSuffix(p.Name, "ln_2.weight") || p.Name == "ln_f.weight"):
			fill(p.Data, 1)
		case len(p.Shape) == 1:
			// biases start at zero
		case hasSuffix(p.Name, "c_proj.weight"):
			fillNormal(p.Data, resid, rng)
		default:
			fillNormal(p.Data, 0.02, rng)
		}
	}
	m.bind()
	return m, nil
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// bind points the layers at the parameters' current data and gradients;
// call it after changing which parameters are trainable.
func (m *Model[T]) bind() {
	d, f := m.Arch.Hidden, m.Arch.FFN
	lin := func(in, out int, w, b *Param[T]) nn.Linear[T] {
		return nn.Linear[T]{In: in, Out: out, W: w.Data, B: b.Data, DW: w.Grad, DB: b.Grad}
	}
	ln := func(g, b *Param[T]) nn.LayerNorm[T] {
		return nn.LayerNorm[T]{D: d, G: g.Data, B: b.Data, DG: g.Grad, DB: b.Grad}
	}
	for _, b := range m.Blocks {
		b.LN1, b.LN2 = ln(b.ln1G, b.ln1B), ln(b.ln2G, b.ln2B)
		b.QKV = lin(d, 3*d, b.qkvW, b.qkvB)
		b.Proj = lin(d, d, b.projW, b.projB)
		b.FC = lin(d, f, b.fcW, b.fcB)
		b.Out = lin(f, d, b.outW, b.outB)
		for _, at := range b.Adapters {
			at.bind()
		}
	}
	m.LNF = ln(m.lnfG, m.lnfB)
}

// SetBaseTrainable makes every base parameter trainable (pretraining) or
// frozen (fine-tuning).
func (m *Model[T]) SetBaseTrainable(on bool) {
	for _, p := range m.base {
		p.SetTrainable(on)
	}
	m.bind()
}

// BaseParams returns the base tensors in a fixed order.
func (m *Model[T]) BaseParams() []*Param[T] { return m.base }

// AdapterParams returns the adapter tensors, each shared tensor once.
func (m *Model[T]) AdapterParams() []*Param[T] { return m.adapter }

// Trainable returns the tensors the optimizer updates, each once.
func (m *Model[T]) Trainable() []*Param[T] {
	var out []*Param[T]
	for _, p := range append(append([]*Param[T]{}, m.base...), m.adapter...) {
		if p.Trainable() {
			out = append(out, p)
		}
	}
	return out
}

// ZeroGrad clears every gradient.
func (m *Model[T]) ZeroGrad() {
	for _, p := range m.Trainable() {
		clear(p.Grad)
	}
}
