package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestDemoLearns guards the demo against its base model or tasks sliding
// back to the floor: on each of the demo's tasks, with the demo's own
// recipe (model, task settings, budget, LoRA's learning rate) on one seed,
// LoRA at the demo's rank must score above the frozen base on the test
// set, in at least 95 % of paired bootstrap resamples over the test
// examples. It trains one LoRA trial per task (a minute or so on two
// cores).
func TestDemoLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a LoRA trial per demo task")
	}
	// The test binary is the sweep command for the workers it starts.
	t.Setenv("SWEEP_TEST_CLI", "1")
	data, err := os.ReadFile("../../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// The demo with only LoRA and the base, on its first seed. Per-method
	// values keep LoRA's (or the default) and the base's.
	doc["name"] = "demo-learns"
	doc["methods"] = []string{"base", "lora"}
	seeds, ok := doc["seeds"].([]any)
	if !ok || len(seeds) == 0 {
		t.Fatalf("demo.yaml: seeds: got %v, want a list", doc["seeds"])
	}
	doc["seeds"] = seeds[:1]
	delete(doc, "exclude")
	hparams, _ := doc["hparams"].(map[string]any)
	for _, v := range hparams {
		if m, ok := v.(map[string]any); ok {
			if by, ok := m["by_method"].(map[string]any); ok {
				for k := range by {
					if k != "default" && k != "lora" && k != "base" {
						delete(by, k)
					}
				}
			}
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file, db := filepath.Join(dir, "demo-learns.yaml"), filepath.Join(dir, "s.db")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, errOut, code := run(t, "run", file, "--db", db, "--runs", filepath.Join(dir, "runs"),
		"--cache", filepath.Join(dir, "cache"), "--progress=false"); code != 0 {
		t.Fatalf("sweep run: exit %d\n%s\n%s", code, stdout, errOut)
	}

	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, err := analysis.Analyze(recs, analysis.Options{Baseline: "base"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tasks) == 0 || len(a.Ranks) != 1 {
		t.Fatalf("got tasks %v and ranks %v, want the demo's tasks at one rank", a.Tasks, a.Ranks)
	}
	for _, task := range a.Tasks {
		lora, base := a.Cell(task.Task, "lora", a.Ranks[0]), a.Cell(task.Task, "base", a.Ranks[0])
		if lora == nil || base == nil || len(lora.Seeds) == 0 || len(base.Seeds) == 0 {
			t.Errorf("%s: got lora %+v, base %+v, want both scored", task.Task, lora, base)
			continue
		}
		l, b := lora.Seeds[0].Test, base.Seeds[0].Test
		t.Logf("%s %s: base %.4g, lora %.4g", task.Task, task.Metric, b, l)
		if l <= b {
			t.Errorf("%s: lora %s %.4g, base %.4g: want lora above the base", task.Task, task.Metric, l, b)
		}
		if lora.Sig == nil || lora.Sig.Share < analysis.SignificanceLevel {
			t.Errorf("%s: lora beats the base in a share %v of paired resamples, want ≥ %v", task.Task, lora.Sig, analysis.SignificanceLevel)
		}
	}
}
