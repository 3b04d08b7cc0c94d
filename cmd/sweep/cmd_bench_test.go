package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// TestBenchOrchestratorCmd runs `sweep bench orchestrator` at a small size
// with one Optuna count: the table and the Optuna section (or its skip).
func TestBenchOrchestratorCmd(t *testing.T) {
	out, errOut, code := run(t, "bench", "orchestrator", "--trials", "10", "--optuna-trials", "5", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"sweep run bench-noop.yaml", "seq 10 | xargs -P2 -I{} true", "n_jobs=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant %q in it", out, want)
		}
	}
	if !strings.Contains(out, "SWEEP ÷ OPTUNA") && !strings.Contains(out, "optuna skipped: ") {
		t.Errorf("got\n%s\nwant Optuna's table or the reason it was skipped", out)
	}
}

func TestBenchOrchestratorJSONNoOptuna(t *testing.T) {
	out, errOut, code := run(t, "bench", "orchestrator", "--trials", "4", "--optuna-trials", "", "--json", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Trials  int             `json:"trials"`
		Optuna  json.RawMessage `json:"optuna"`
		Timings []struct {
			Name string `json:"name"`
		} `json:"timings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Trials != 4 || len(res.Timings) != 3 || res.Optuna != nil {
		t.Errorf("got %s, want 4 trials, three timings and no optuna", out)
	}
}

func TestBenchOptunaTrialsBad(t *testing.T) {
	for _, arg := range []string{"100,x", "0", "-5"} {
		_, errOut, code := run(t, "bench", "orchestrator", "--optuna-trials", arg)
		if code != 2 || !strings.Contains(errOut, "--optuna-trials") {
			t.Errorf("--optuna-trials %q: got exit %d, %q; want 2 and the flag named", arg, code, errOut)
		}
	}
}

// TestBenchTorchCmd runs `sweep bench torch` with one warm-up and one timed
// step per contender: the Python side, the table and the ratios.
func TestBenchTorchCmd(t *testing.T) {
	out, errOut, code := run(t, "bench", "torch", "--warmup", "1", "--rounds", "1", "--steps-per-round", "1", "--threads", "1",
		"--cache", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "bench torch skipped: ") {
		testenv.Skipf(t, "%s", strings.TrimSpace(out))
	}
	for _, want := range []string{"d=256 L=4 heads=8 kv_heads=4", "lora (ours)", "tl6 (ours)", "TL6 ÷ our LoRA: "} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant %q in it", out, want)
		}
	}
	if !strings.Contains(out, "our LoRA ÷ PEFT's LoRA: ") && !strings.Contains(out, "HF PEFT skipped: ") {
		t.Errorf("got\n%s\nwant the PEFT ratio or why there is none", out)
	}
}

func TestBenchTorchBadFlags(t *testing.T) {
	_, errOut, code := run(t, "bench", "torch", "--rounds", "0")
	if code != 2 || !strings.Contains(errOut, "--rounds") {
		t.Errorf("got exit %d, %q; want 2 and the flag named", code, errOut)
	}
}
