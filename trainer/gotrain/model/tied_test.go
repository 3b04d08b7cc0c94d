package model

import (
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// TestTiedOnce: a tied component is one tensor that every layer uses and
// the optimizer sees once; a per-layer one is a tensor per layer.
func TestTiedOnce(t *testing.T) {
	cat, _ := trainer.DefaultCatalogue()
	for _, tc := range []struct {
		method string
		want   map[string]int // trainable tensors per component
	}{
		{"lora", map[string]int{"A": 2, "B": 2}},
		{"tl5", map[string]int{"A": 1, "B": 1}},
		{"tl6", map[string]int{"A": 1, "B": 1, "u": 2, "v": 2}},
		{"tl1", map[string]int{"u": 2, "v": 2}},
	} {
		meth, _ := cat.Lookup(tc.method)
		m, _ := New[float64](testArch, mm.Default(), 1)
		if err := m.Attach(meth, 4, nil, 1); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		seen := map[*Param[float64]]bool{}
		for _, p := range m.Trainable() {
			if seen[p] {
				t.Errorf("%s: %s listed twice", tc.method, p.Name)
			}
			seen[p] = true
			got[p.Component]++
		}
		for _, c := range trainer.ComponentNames {
			if got[c] != tc.want[c] {
				t.Errorf("%s: %s: got %d trainable tensors, want %d", tc.method, c, got[c], tc.want[c])
			}
		}
		// Every layer's adapter reads the same A when A is tied.
		a0, a1 := m.Blocks[0].Adapters[0].Ad.A, m.Blocks[1].Adapters[0].Ad.A
		if shared := &a0[0] == &a1[0]; shared != meth.A.Tied {
			t.Errorf("%s: layers share A: got %v, want %v", tc.method, shared, meth.A.Tied)
		}
	}
}
