package torchbench

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestMeasureTiny runs the whole benchmark on a tiny LLaMA, one timed step
// each: the code path and what must hold whatever the times, not the times.
func TestMeasureTiny(t *testing.T) {
	cfg := Config{Arch: trainer.Arch{Name: "llama-tiny", Vocab: 64, Hidden: 32, Layers: 2, Heads: 4, KVHeads: 2, FFN: 64,
		Context: 16, MLP: "swiglu", Norm: "rmsnorm", Positions: "rope"},
		Batch: 2, Seq: 8, Rank: 2, Threads: 1, Warmup: 1, Rounds: 1, StepsPerRound: 1,
		Targets: []string{"q", "k", "v"}, Extra: true, Seed: 3}
	res, err := Measure(context.Background(), cfg, "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != "" {
		testenv.Skipf(t, "bench torch: %s", res.Skipped)
	}
	byName := map[string]Row{}
	for _, r := range res.Rows {
		byName[r.Name] = r
		if r.StepMS <= 0 || r.TokensPerS <= 0 || r.TimedSteps != 1 {
			t.Errorf("%s: got %v ms, %v tokens/s, %d timed steps; want positive figures from 1 step", r.Name, r.StepMS, r.TokensPerS, r.TimedSteps)
		}
	}
	want := []string{"lora (ours)", "tl6 (ours)", "lora qkv (ours, one A)"}
	if res.PEFTSkipped == "" {
		want = append(want, "lora (HF PEFT)")
	} else {
		testenv.Skipf(t, "no PEFT row: %s", res.PEFTSkipped)
	}
	for _, n := range want {
		if _, ok := byName[n]; !ok {
			t.Fatalf("got rows %+v, want %q among them", res.Rows, n)
		}
	}
	ours, peft := byName["lora (ours)"], byName["lora (HF PEFT)"]
	// d·r + d_out·r on each of q (32→32), k and v (32→16), on 2 layers.
	if ours.Trainable != 2*(3*32*2+(32+16+16)*2) || peft.Trainable != ours.Trainable {
		t.Errorf("trainable: got ours %d, PEFT %d; want both %d", ours.Trainable, peft.Trainable, 2*(3*32*2+(32+16+16)*2))
	}
	// B starts at zero, so every contender's first loss is the base model's.
	for _, r := range res.Rows {
		if math.Abs(r.FirstLoss-peft.FirstLoss) > 1e-5 {
			t.Errorf("%s: first loss %v, PEFT's %v; want the same base model", r.Name, r.FirstLoss, peft.FirstLoss)
		}
	}
	if math.Abs(res.Ratios.LoRAOverPEFT-ours.StepMS/peft.StepMS) > 1e-9 || res.Ratios.TL6OverLoRA <= 0 {
		t.Errorf("got ratios %+v, want ours ÷ PEFT = %v", res.Ratios, ours.StepMS/peft.StepMS)
	}
}

func TestMeasureNoPython(t *testing.T) {
	res, err := Measure(context.Background(), Default, filepath.Join(t.TempDir(), "no-python"), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Skipped, "no Python that imports torch, transformers") {
		t.Errorf("got skipped %q, want the reason", res.Skipped)
	}
}
