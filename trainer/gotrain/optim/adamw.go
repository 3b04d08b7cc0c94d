package optim

import (
	"math"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// Tensor is what the optimizer updates: values, their gradient, and
// whether weight decay applies.
type Tensor[T mm.Float] struct {
	Data, Grad []T
	Decay      bool
}

// AdamW holds the moment estimates of each tensor, in the order given to
// New; each tensor appears once, however many layers share it.
type AdamW[T mm.Float] struct {
	Beta1, Beta2, Eps, WeightDecay float64
	Step                           int // updates taken
	tensors                        []Tensor[T]
	M, V                           [][]T
}

// NewAdamW makes an optimizer with PyTorch's defaults (β = 0.9, 0.999,
// ε = 1e-8) and the given weight decay.
func NewAdamW[T mm.Float](tensors []Tensor[T], weightDecay float64) *AdamW[T] {
	o := &AdamW[T]{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, tensors: tensors}
	for _, t := range tensors {
		o.M = append(o.M, make([]T, len(t.Data)))
		o.V = append(o.V, make([]T, len(t.Data)))
	}
	return o
}

// Update takes one step at learning rate lr.
func (o *AdamW[T]) Update(lr float64) {
	o.Step++
	c1 := 1 - math.Pow(o.Beta1, float64(o.Step))
	c2 := 1 - math.Pow(o.Beta2, float64(o.Step))
	b1, b2 := T(o.Beta1), T(o.Beta2)
	stepSize := T(lr / c1)
	rc2 := T(1 / math.Sqrt(c2))
	eps := T(o.Eps)
	for i, t := range o.tensors {
		decay := T(1)
		if t.Decay {
			decay = T(1 - lr*o.WeightDecay)
		}
		m, v := o.M[i], o.V[i]
		nn.For(len(t.Data), 1<<14, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				g := t.Grad[j]
				m[j] = b1*m[j] + (1-b1)*g
				v[j] = b2*v[j] + (1-b2)*g*g
				t.Data[j] = t.Data[j]*decay - stepSize*m[j]/(T(math.Sqrt(float64(v[j])))*rc2+eps)
			}
		})
	}
}

// ClipGradNorm scales every gradient so that their global L2 norm is at
// most maxNorm (no clipping when maxNorm ≤ 0) and returns the norm before
// clipping. Sums run in tensor order, so the norm is reproducible.
func ClipGradNorm[T mm.Float](tensors []Tensor[T], maxNorm float64) float64 {
	var sq float64
	for _, t := range tensors {
		var s float64
		for _, g := range t.Grad {
			s += float64(g) * float64(g)
		}
		sq += s
	}
	norm := math.Sqrt(sq)
	if maxNorm > 0 && norm > maxNorm {
		f := T(maxNorm / (norm + 1e-6))
		for _, t := range tensors {
			for j := range t.Grad {
				t.Grad[j] *= f
			}
		}
	}
	return norm
}
