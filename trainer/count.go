package trainer

import (
	"fmt"
	"math"
	"math/bits"
)

// Count is the parameter budget of one method at one rank on one model.
type Count struct {
	// Trainable parameters, tied tensors counted once.
	Trainable int64 `json:"trainable"`
	// ByComponent splits Trainable over A, B, u and v.
	ByComponent map[string]int64 `json:"by_component"`
	// Frozen counts the frozen random adapter matrices (A or B) a worker
	// holds besides the base model. Frozen constant u and v are not stored.
	Frozen int64 `json:"frozen_adapter"`
	// Base is the base model's parameter count.
	Base int64 `json:"base_params"`
	// LoRA is LoRA's trainable count at the same rank and targets.
	LoRA int64 `json:"lora_trainable"`
	// PercentOfLoRA and PercentOfBase are Trainable as a percentage.
	PercentOfLoRA float64 `json:"percent_of_lora"`
	PercentOfBase float64 `json:"percent_of_base"`
}

// Total is what a worker holds in all: base, trainable and frozen adapters.
func (c Count) Total() int64 { return c.Base + c.Trainable + c.Frozen }

// CountParams counts the trainable parameters of method m at rank r on
// arch a with adapters on the given targets (nil means DefaultTargets).
// Each target has its own A, B, u, v; a tied tensor exists once per target,
// a per-layer one once per layer.
func CountParams(a Arch, m Method, rank int, targets []string) (Count, error) {
	if rank <= 0 {
		return Count{}, fmt.Errorf("rank must be positive, got %d", rank)
	}
	if targets == nil {
		targets = DefaultTargets
	}
	c := Count{ByComponent: map[string]int64{"A": 0, "B": 0, "u": 0, "v": 0}, Base: a.BaseParams()}
	// Counts are checked for overflow: a huge rank or model must be an
	// error, never a wrapped negative count.
	var ov overflow
	for _, t := range targets {
		din, dout, err := a.TargetShape(t)
		if err != nil {
			return Count{}, err
		}
		if w := min(din, dout); rank > w {
			return Count{}, fmt.Errorf("rank %d exceeds the adapted width %d of %s (%d×%d): a rank above it adds nothing", rank, w, t, din, dout)
		}
		r, L := int64(rank), int64(a.Layers)
		sizes := map[string]int64{"A": ov.mul(r, int64(din)), "B": ov.mul(int64(dout), r), "u": r, "v": int64(dout)}
		for _, name := range ComponentNames {
			if m.Reference {
				break // no adapter: nothing trained, nothing held
			}
			comp := m.Component(name)
			n := sizes[name]
			if !comp.Tied {
				n = ov.mul(n, L)
			}
			switch {
			case comp.Train:
				c.ByComponent[name] = ov.add(c.ByComponent[name], n)
				c.Trainable = ov.add(c.Trainable, n)
			case name == "A" || name == "B":
				c.Frozen = ov.add(c.Frozen, n)
			}
		}
		// LoRA: A and B per layer, trained.
		c.LoRA = ov.add(c.LoRA, ov.mul(L, ov.add(sizes["A"], sizes["B"])))
	}
	if ov {
		return Count{}, fmt.Errorf("rank %d on this model: the parameter count overflows 64 bits", rank)
	}
	if c.LoRA > 0 {
		c.PercentOfLoRA = 100 * float64(c.Trainable) / float64(c.LoRA)
	}
	if c.Base > 0 {
		c.PercentOfBase = 100 * float64(c.Trainable) / float64(c.Base)
	}
	return c, nil
}

// overflow notes whether any step of a count left int64's range; the
// steps' operands are never negative.
type overflow bool

func (o *overflow) mul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if a < 0 || b < 0 || hi != 0 || lo > math.MaxInt64 {
		*o = true
		return 0
	}
	return int64(lo)
}

func (o *overflow) add(a, b int64) int64 {
	s := a + b
	if a < 0 || b < 0 || s < 0 {
		*o = true
		return 0
	}
	return s
}
