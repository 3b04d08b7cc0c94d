package gotrain

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestScores is the paper's comparison in miniature: on each synthetic
// task, the frozen base (no training: the adapters start at ΔW = 0) and
// LoRA, TL5, TL6 and TL1 at rank 8 with one recipe for all. It takes tens
// of minutes, so it runs only with GOTRAIN_SCORES=1; GOTRAIN_CACHE keeps
// the pretrained base between runs and GOTRAIN_SCORE_STEPS sets the
// fine-tuning steps (default 1500) and GOTRAIN_SCORE_TASKS (comma-separated)
// a subset of the tasks. It checks only that LoRA beats the
// base on every task, and prints the table.
func TestScores(t *testing.T) {
	if os.Getenv("GOTRAIN_SCORES") == "" {
		t.Skip("set GOTRAIN_SCORES=1 to run the per-task score table (tens of minutes)")
	}
	cache := os.Getenv("GOTRAIN_CACHE")
	if cache == "" {
		cache = t.TempDir()
	}
	steps := 1500
	if s, err := strconv.Atoi(os.Getenv("GOTRAIN_SCORE_STEPS")); err == nil {
		steps = s
	}
	arch, _ := trainer.Preset("go-micro")
	primary := map[string]string{"syn-squad": "exact_match", "syn-dialogsum": "rougeL", "syn-hellaswag": "acc",
		"syn-iwslt": "bleu", "syn-gsm8k": "strict_match"}
	methods := []string{"base", "lora", "tl5", "tl6", "tl1"}
	var table strings.Builder
	fmt.Fprintf(&table, "go-micro, rank 8, %d steps, batch 16, lr 2e-3, test split (200 examples)\n", steps)
	fmt.Fprintf(&table, "%-14s %-13s", "task", "metric")
	for _, m := range methods {
		fmt.Fprintf(&table, " %8s", m)
	}
	table.WriteString("\n")
	taskList := CorpusTasks
	if s := os.Getenv("GOTRAIN_SCORE_TASKS"); s != "" {
		taskList = strings.Split(s, ",")
	}
	for _, task := range taskList {
		scores := map[string]float64{}
		for _, name := range methods {
			meth, n := name, steps
			if name == "base" {
				meth, n = "lora", 0
			}
			s := testSpec(t, cache, task, meth, n)
			s.Model = &trainer.ModelSpec{Arch: arch, Preset: "go-micro"}
			s.Rank = 8
			s.Task.Size = 2000
			s.HParams = map[string]any{"steps": float64(n), "batch_size": 16.0, "lr": 2e-3, "eval_every": 250.0,
				"checkpoint_every": 0.0, "log_every": 100.0, "eval_examples": 200.0}
			evs, err := runWorker(t, s, 0)
			if err != nil {
				t.Fatalf("%s %s: %v", task, name, err)
			}
			for _, e := range evs {
				if e.Event == trainer.EventEval && e.Split == "test" {
					scores[name] = e.Values[primary[task]]
				}
			}
			t.Logf("%s %s: %s = %.3f", task, name, primary[task], scores[name])
		}
		fmt.Fprintf(&table, "%-14s %-13s", task, primary[task])
		for _, m := range methods {
			fmt.Fprintf(&table, " %8.3f", scores[m])
		}
		table.WriteString("\n")
		if scores["lora"] <= scores["base"] {
			t.Errorf("%s: LoRA %s got %.2f, want above the base's %.2f", task, primary[task], scores["lora"], scores["base"])
		}
	}
	t.Log("\n" + table.String())
}
