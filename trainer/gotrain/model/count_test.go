package model

import (
	"fmt"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// TestCountMatchesTrainer: the tensors the model holds add up to
// trainer.CountParams for every method, rank and preset.
func TestCountMatchesTrainer(t *testing.T) {
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, preset := range []string{"go-micro", "go-tiny", "go-small"} {
		arch, _ := trainer.Preset(preset)
		base, err := New[float32](arch, mm.Default(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := base.Count().Total, arch.BaseParams(); got != want {
			t.Errorf("%s: base tensors: got %d parameters, want %d", preset, got, want)
		}
		for _, meth := range append(cat.Methods(), cat.AllTied()...) {
			for _, rank := range []int{2, 8, 32} {
				for _, targets := range [][]string{nil, {"q", "v", "o", "up", "down"}} {
					name := fmt.Sprintf("%s/%s/r%d/%v", preset, meth.Name, rank, targets)
					m := detached(base)
					if err := m.Attach(meth, rank, targets, 1); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					want, err := trainer.CountParams(arch, meth, rank, targets)
					if err != nil {
						t.Fatal(err)
					}
					got := m.Count()
					if got.Trainable != want.Trainable || got.Total != want.Total() {
						t.Errorf("%s: got trainable %d total %d, want %d and %d", name, got.Trainable, got.Total, want.Trainable, want.Total())
					}
					for _, c := range trainer.ComponentNames {
						if got.ByComponent[c] != want.ByComponent[c] {
							t.Errorf("%s: %s: got %d, want %d", name, c, got.ByComponent[c], want.ByComponent[c])
						}
					}
				}
			}
		}
	}
}

func TestCheckArch(t *testing.T) {
	llama, _ := trainer.Preset("llama2-7b")
	tiny, _ := trainer.Preset("go-tiny")
	for _, tc := range []struct {
		arch trainer.Arch
		ok   bool
	}{{tiny, true}, {llama, false}} {
		err := CheckArch(tc.arch)
		if (err == nil) != tc.ok {
			t.Errorf("%s: got error %v, want ok=%v", tc.arch.Name, err, tc.ok)
		}
	}
}

// detached drops the adapters of m, so that one base model serves many
// counts without drawing its initial values again.
func detached(m *Model[float32]) *Model[float32] {
	m.adapter = nil
	for _, b := range m.Blocks {
		b.Adapters = nil
	}
	return m
}
