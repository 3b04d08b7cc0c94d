package model

import (
	"math/rand/v2"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// BenchmarkStepTiny is one forward and backward pass of the bench
// configuration (go-tiny, batch 32, r=8 on fused QKV), TL6 and LoRA.
func BenchmarkStepTiny(b *testing.B) {
	for _, name := range []string{"tl6", "lora", "tl6"} {
		b.Run(name, func(b *testing.B) { benchStep(b, name) })
	}
}

func benchStep(b *testing.B, name string) {
	arch, _ := trainer.Preset("go-tiny")
	cat, _ := trainer.DefaultCatalogue()
	meth, _ := cat.Lookup(name)
	m, err := New[float32](arch, mm.Default(), 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Attach(meth, 8, nil, 1); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	batch := Batch{B: 32, T: 64}
	for i := 0; i < batch.B*batch.T; i++ {
		batch.IDs = append(batch.IDs, int32(rng.IntN(arch.Vocab)))
		batch.Targets = append(batch.Targets, int32(rng.IntN(arch.Vocab)))
	}
	ws := m.NewWorkspace()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ZeroGrad()
		m.Loss(batch, ws, true, 1.0/2048, nil)
	}
	b.ReportMetric(float64(b.N*batch.B*batch.T)/b.Elapsed().Seconds(), "tokens/s")
}
