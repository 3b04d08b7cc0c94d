package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func TestWorkerNeedsSpec(t *testing.T) {
	t.Setenv(trainer.EnvSpec, "")
	_, errOut, code := run(t, "worker")
	if code != 2 || !strings.Contains(errOut, "--spec") {
		t.Errorf("got exit %d, %q; want 2 and a word about --spec", code, errOut)
	}
	_, _, code = run(t, "worker", "--spec", filepath.Join(t.TempDir(), "missing.json"))
	if code != 2 {
		t.Errorf("missing spec file: got exit %d, want 2", code)
	}
}

// TestWorkerRuns trains a tiny model end to end through the command.
func TestWorkerRuns(t *testing.T) {
	dir := t.TempDir()
	cat, _ := trainer.DefaultCatalogue()
	m, _ := cat.Lookup("tl5")
	arch := trainer.Arch{Name: "cmd-test", Vocab: 280, Hidden: 16, Layers: 1, Heads: 2, KVHeads: 2, FFN: 32, Context: 64,
		MLP: trainer.MLPGelu, Norm: trainer.LayerNorm, Positions: trainer.Learned, Bias: true, TiedEmbed: true}
	spec := trainer.Spec{Protocol: 1, Trial: "t", Task: &trainer.TaskSpec{Name: "syn-iwslt", Size: 32},
		Method: &m, Rank: 2, Seed: 1, Model: &trainer.ModelSpec{Arch: arch},
		HParams: map[string]any{"steps": 2.0, "batch_size": 2.0, "eval_examples": 4.0, "max_new_tokens": 4.0,
			"pretrain_steps": 2.0, "pretrain_size": 20.0, "pretrain_batch": 2.0},
		AttemptDir: dir, CacheDir: filepath.Join(dir, "cache")}
	data, _ := json.Marshal(spec)
	path := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(trainer.EnvEvents, "")
	if _, errOut, code := run(t, "worker", "--spec", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	events, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(events)), "\n")
	var last trainer.Event
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	if last.Event != trainer.EventDone || last.Status != trainer.StatusOK {
		t.Errorf("last event: got %s, want done ok", lines[len(lines)-1])
	}
}
