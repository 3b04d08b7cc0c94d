package model

import (
	"fmt"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Attached is one adapter on one layer's projection. Its tensors are
// shared with other layers' Attached when the component is tied.
type Attached[T mm.Float] struct {
	Target     string
	Layer      int
	Off        int // first output column it adds to (q, k, v of fused QKV)
	Ad         nn.Adapter[T]
	a, b, u, v *Param[T] // u or v nil: the constant uc or vc
	uc, vc     T
}

func (at *Attached[T]) bind() {
	at.Ad.A, at.Ad.DA = at.a.Data, at.a.Grad
	at.Ad.B, at.Ad.DB = at.b.Data, at.b.Grad
	at.Ad.U, at.Ad.DU, at.Ad.UC = nil, nil, at.uc
	if at.u != nil {
		at.Ad.U, at.Ad.DU = at.u.Data, at.u.Grad
	}
	at.Ad.V, at.Ad.DV, at.Ad.VC = nil, nil, at.vc
	if at.v != nil {
		at.Ad.V, at.Ad.DV = at.v.Data, at.v.Grad
	}
}

// targetPlace says where a target adapter reads and writes: which
// projection, and the output columns it covers.
func targetPlace(a trainer.Arch, target string) (din, dout, off int, err error) {
	d := a.Hidden
	switch target {
	case trainer.TargetQKV:
		return d, 3 * d, 0, nil
	case trainer.TargetQ, trainer.TargetK, trainer.TargetV:
		off = map[string]int{trainer.TargetQ: 0, trainer.TargetK: d, trainer.TargetV: 2 * d}[target]
		return d, d, off, nil
	case trainer.TargetO:
		return d, d, 0, nil
	case trainer.TargetUp:
		return d, a.FFN, 0, nil
	case trainer.TargetDown:
		return a.FFN, d, 0, nil
	}
	return 0, 0, 0, fmt.Errorf("adapter target %q is not supported by the Go trainer (it supports qkv, q, k, v, o, up, down)", target)
}

// Attach adds the adapters of method m at rank r on targets (nil: the
// paper's fused QKV) with α = r, so the scale α/r is 1. Tensors are
// initialised from seed by their init rules; trained ones get gradients.
// A frozen u or v is the constant of its init and holds no tensor. A
// reference method (the base alone) attaches nothing.
func (m *Model[T]) Attach(meth trainer.Method, rank int, targets []string, seed int64) error {
	if errs := meth.Validate(); len(errs) > 0 {
		return fmt.Errorf("method %s: %v", meth.Name, errs)
	}
	if rank <= 0 {
		return fmt.Errorf("rank must be positive, got %d", rank)
	}
	if meth.Reference {
		return nil
	}
	if targets == nil {
		targets = trainer.DefaultTargets
	}
	seen := map[string]bool{}
	for _, target := range targets {
		if seen[target] {
			return fmt.Errorf("adapter target %q given twice", target)
		}
		seen[target] = true
		din, dout, off, err := targetPlace(m.Arch, target)
		if err != nil {
			return err
		}
		shapes := map[string][]int{"A": {rank, din}, "B": {dout, rank}, "u": {rank}, "v": {dout}}
		fanIn := map[string]int{"A": din, "B": rank}
		tied := map[string]*Param[T]{}
		made := map[string]T{} // constants of frozen vectors
		get := func(comp string, layer int) (*Param[T], error) {
			c := meth.Component(comp)
			kind, x, err := c.Init.Parse()
			if err != nil {
				return nil, err
			}
			vector := comp == "u" || comp == "v"
			if vector && !c.Train {
				switch kind {
				case trainer.InitOnes:
					made[comp] = 1
				case trainer.InitConst:
					made[comp] = T(x)
				default:
					return nil, fmt.Errorf("frozen %s needs a constant init, not %q", comp, c.Init)
				}
				return nil, nil
			}
			if c.Tied && tied[comp] != nil {
				return tied[comp], nil
			}
			name := fmt.Sprintf("adapter.%s.%s", target, comp)
			if !c.Tied {
				name = fmt.Sprintf("%s.%d", name, layer)
			}
			p := newParam[T](name, comp, true, shapes[comp]...)
			rng := paramRNG(seed, name)
			switch kind {
			case trainer.InitZeros:
			case trainer.InitOnes:
				fill(p.Data, 1)
			case trainer.InitConst:
				fill(p.Data, T(x))
			case trainer.InitKaiming:
				fillKaiming(p.Data, fanIn[comp], rng)
			case trainer.InitKaimingReLU:
				fillKaimingReLU(p.Data, fanIn[comp], rng)
			case trainer.InitNormal:
				fillNormal(p.Data, x, rng)
			}
			p.SetTrainable(c.Train)
			m.adapter = append(m.adapter, p)
			if c.Tied {
				tied[comp] = p
			}
			return p, nil
		}
		for l, blk := range m.Blocks {
			at := &Attached[T]{Target: target, Layer: l, Off: off}
			at.Ad = nn.Adapter[T]{DIn: din, DOut: dout, R: rank, Scale: 1}
			var err error
			if at.a, err = get("A", l); err != nil {
				return err
			}
			if at.b, err = get("B", l); err != nil {
				return err
			}
			if at.u, err = get("u", l); err != nil {
				return err
			}
			if at.v, err = get("v", l); err != nil {
				return err
			}
			at.uc, at.vc = made["u"], made["v"]
			blk.Adapters = append(blk.Adapters, at)
		}
	}
	m.bind()
	return nil
}

// Counts is the parameter count taken from the real tensors.
type Counts struct {
	Trainable   int64
	Total       int64 // base + every adapter tensor, trained or frozen
	ByComponent map[string]int64
}

// Count counts the model's tensors.
func (m *Model[T]) Count() Counts {
	c := Counts{ByComponent: map[string]int64{"A": 0, "B": 0, "u": 0, "v": 0}}
	for _, p := range m.base {
		c.Total += int64(p.Size())
		if p.Trainable() {
			c.Trainable += int64(p.Size())
		}
	}
	for _, p := range m.adapter {
		c.Total += int64(p.Size())
		if p.Trainable() {
			c.Trainable += int64(p.Size())
			c.ByComponent[p.Component] += int64(p.Size())
		}
	}
	return c
}
