package model

import (
	"math"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
)

// TestDecoderMatchesForward: the cached one-token path gives the logits
// of the batched forward pass at every position, with adapters on every
// target.
func TestDecoderMatchesForward(t *testing.T) {
	cat, _ := trainer.DefaultCatalogue()
	meth, _ := cat.Lookup("tl6")
	m, err := New[float64](testArch, mm.Default(), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(meth, 2, []string{"qkv", "o", "up", "down"}, 5); err != nil {
		t.Fatal(err)
	}
	perturb(m, 4)
	ids := []int32{3, 1, 4, 1, 5, 9}
	b := Batch{B: 1, T: len(ids), IDs: ids, Targets: make([]int32, len(ids))}
	for i := range b.Targets {
		b.Targets[i] = nn.Ignore
	}
	ws := m.NewWorkspace()
	m.Loss(b, ws, false, 1, nil)
	dec := m.NewDecoder()
	v := testArch.Vocab
	for p, tok := range ids {
		got := dec.Step(tok)
		want := ws.Logits()[p*v : (p+1)*v]
		for j := range got {
			if math.Abs(got[j]-want[j]) > 1e-9 {
				t.Fatalf("position %d logit %d: got %v, want %v", p, j, got[j], want[j])
			}
		}
	}
}
