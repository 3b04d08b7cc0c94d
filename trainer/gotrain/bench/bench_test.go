package bench

import (
	"context"
	"testing"
)

// TestMeasureSmall runs the Go side of the benchmark on a small batch.
func TestMeasureSmall(t *testing.T) {
	cfg := Config{Preset: "go-micro", Batch: 2, SeqLen: 16, Rank: 2, Methods: []string{"lora", "tl6"}, Warmup: 1, Steps: 2}
	res, err := Measure(context.Background(), cfg, "/nonexistent/python3")
	if err != nil {
		t.Fatal(err)
	}
	var goRuns int
	for _, r := range res.Runs {
		if r.Trainer == "go" {
			goRuns++
			if r.TokensPerSec <= 0 {
				t.Errorf("%s %s: got %v tokens/s, want a positive rate", r.Backend, r.Method, r.TokensPerSec)
			}
		}
	}
	if goRuns < 2 {
		t.Errorf("got %d Go runs, want one per method and backend", goRuns)
	}
	if res.TorchSkipped == "" {
		t.Error("a missing python: got no reason for skipping torch")
	}
}

func TestTorchLine(t *testing.T) {
	m := torchLine.FindStringSubmatch("torch 1.13.1 mode=tl6 tokens/s=9012 step_ms=227.3\n")
	if m == nil || m[1] != "1.13.1" || m[2] != "9012" || m[3] != "227.3" {
		t.Errorf("got %q, want version 1.13.1, 9012 tokens/s, 227.3 ms", m)
	}
}
