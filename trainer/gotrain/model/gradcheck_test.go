package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// testArch is small enough to finite-difference every tensor.
var testArch = trainer.Arch{Name: "test", Vocab: 11, Hidden: 8, Layers: 2, Heads: 2, KVHeads: 2, FFN: 12, Context: 6,
	MLP: trainer.MLPGelu, Norm: trainer.LayerNorm, Positions: trainer.Learned, Bias: true, TiedEmbed: true}

func testBatch(seed uint64) Batch {
	rng := rand.New(rand.NewPCG(seed, 9))
	b := Batch{B: 2, T: 5}
	for i := 0; i < b.B*b.T; i++ {
		b.IDs = append(b.IDs, int32(rng.IntN(testArch.Vocab)))
		tgt := int32(rng.IntN(testArch.Vocab))
		if i%5 < 2 { // a prompt: no loss
			tgt = nn.Ignore
		}
		b.Targets = append(b.Targets, tgt)
	}
	return b
}

// perturb nudges every tensor away from its initialisation so no
// gradient is zero by symmetry (B = 0, v = 0, unit gains).
func perturb(m *Model[float64], seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	for _, p := range append(append([]*Param[float64]{}, m.BaseParams()...), m.AdapterParams()...) {
		for i := range p.Data {
			p.Data[i] += 0.3 * rng.NormFloat64()
		}
	}
}

// gradCheck compares every trainable tensor's gradient with central
// differences of the loss, on up to maxElems elements per tensor.
func gradCheck(t *testing.T, name string, m *Model[float64], b Batch, maxElems int) {
	t.Helper()
	ws := m.NewWorkspace()
	m.ZeroGrad()
	m.Loss(b, ws, true, 1, nil)
	loss := func() float64 { l, _ := m.Loss(b, ws, false, 1, nil); return l }
	const h = 1e-6
	worst := 0.0
	for _, p := range m.Trainable() {
		step := max(1, p.Size()/maxElems)
		for i := 0; i < p.Size(); i += step {
			old := p.Data[i]
			p.Data[i] = old + h
			up := loss()
			p.Data[i] = old - h
			down := loss()
			p.Data[i] = old
			num := (up - down) / (2 * h)
			err := math.Abs(num-p.Grad[i]) / math.Max(1, math.Abs(num))
			worst = max(worst, err)
			if err > 1e-6 {
				t.Errorf("%s: %s[%d]: got analytic %.9g, want numerical %.9g", name, p.Name, i, p.Grad[i], num)
				return
			}
		}
	}
	t.Logf("%s: %d trainable tensors, worst relative error %.2g", name, len(m.Trainable()), worst)
}

// TestGradBase checks the pretraining path: every base tensor trained.
func TestGradBase(t *testing.T) {
	m, err := New[float64](testArch, mm.Default(), 1)
	if err != nil {
		t.Fatal(err)
	}
	perturb(m, 1)
	m.SetBaseTrainable(true)
	gradCheck(t, "base", m, testBatch(1), 40)
}

// TestGradMethods checks every catalogue method at several ranks, with
// the base frozen, on the paper's fused QKV target and on all targets.
func TestGradMethods(t *testing.T) {
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	methods := append(cat.Methods(), cat.AllTied()...)
	for _, meth := range methods {
		for _, rank := range []int{1, 2, 4} {
			for _, targets := range [][]string{nil, {"q", "k", "v", "o", "up", "down"}} {
				name := fmt.Sprintf("%s/r%d/%v", meth.Name, rank, targets)
				m, err := New[float64](testArch, mm.Default(), 2)
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Attach(meth, rank, targets, 3); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				perturb(m, uint64(rank))
				gradCheck(t, name, m, testBatch(uint64(rank)), 24)
			}
		}
	}
}

// TestGradDropout checks the backward pass through fixed dropout masks.
func TestGradDropout(t *testing.T) {
	cat, _ := trainer.DefaultCatalogue()
	meth, _ := cat.Lookup("tl6")
	m, err := New[float64](testArch, mm.Default(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(meth, 2, []string{"qkv", "o", "down"}, 3); err != nil {
		t.Fatal(err)
	}
	perturb(m, 7)
	m.Dropout = 0.3
	b := testBatch(7)
	ws := m.NewWorkspace()
	m.ZeroGrad()
	m.Loss(b, ws, true, 1, rand.New(rand.NewPCG(5, 5)))
	loss := func() float64 { l, _ := m.Loss(b, ws, false, 1, rand.New(rand.NewPCG(5, 5))); return l }
	for _, p := range m.Trainable() {
		for i := 0; i < p.Size(); i += max(1, p.Size()/10) {
			old := p.Data[i]
			p.Data[i] = old + 1e-6
			up := loss()
			p.Data[i] = old - 1e-6
			down := loss()
			p.Data[i] = old
			num := (up - down) / 2e-6
			if math.Abs(num-p.Grad[i]) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Fatalf("%s[%d]: got analytic %.9g, want numerical %.9g", p.Name, i, p.Grad[i], num)
			}
		}
	}
}
