package model

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// Param is one named tensor of the model. Grad is nil while it is frozen.
// An adapter component shared by all layers is one Param, so it is
// counted once and the optimizer updates it once per step.
type Param[T mm.Float] struct {
	Name  string
	Shape []int
	Data  []T
	Grad  []T
	// Component is A, B, u or v for adapter tensors, "" for the base.
	Component string
	// Decay: AdamW applies weight decay (matrices and adapter tensors,
	// not biases or norm gains).
	Decay bool
}

// Size is the number of elements.
func (p *Param[T]) Size() int { return len(p.Data) }

// Trainable reports whether the optimizer updates p.
func (p *Param[T]) Trainable() bool { return p.Grad != nil }

// SetTrainable allocates or drops the gradient.
func (p *Param[T]) SetTrainable(on bool) {
	switch {
	case on && p.Grad == nil:
		p.Grad = make([]T, len(p.Data))
	case !on:
		p.Grad = nil
	}
}

func newParam[T mm.Float](name, comp string, decay bool, shape ...int) *Param[T] {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param[T]{Name: name, Shape: shape, Data: make([]T, n), Component: comp, Decay: decay}
}

// paramRNG is the generator for one tensor's initial values: a stream of
// the seed keyed by the tensor's name, so a tensor's values do not depend
// on which other tensors exist.
func paramRNG(seed int64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

func fillNormal[T mm.Float](x []T, std float64, rng *rand.Rand) {
	for i := range x {
		x[i] = T(rng.NormFloat64() * std)
	}
}

// fillKaiming is PyTorch's kaiming_uniform_(a=√5) as HF PEFT initialises
// LoRA's A: U(−b, b) with b = 1/√fan_in.
func fillKaiming[T mm.Float](x []T, fanIn int, rng *rand.Rand) {
	b := 1 / math.Sqrt(float64(fanIn))
	for i := range x {
		x[i] = T((2*rng.Float64() - 1) * b)
	}
}

// fillKaimingReLU is Kaiming-uniform with ReLU's gain √2 (torch's
// kaiming_uniform_ default), how HF PEFT draws VeRA's frozen vera_A and
// vera_B: U(−b, b) with b = √(6/fan_in). The same distribution as the
// PyTorch worker's, not the same numbers (another generator).
func fillKaimingReLU[T mm.Float](x []T, fanIn int, rng *rand.Rand) {
	b := math.Sqrt(6 / float64(fanIn))
	for i := range x {
		x[i] = T((2*rng.Float64() - 1) * b)
	}
}

func fill[T mm.Float](x []T, c T) {
	for i := range x {
		x[i] = c
	}
}
