package gotrain

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestScores is the paper's comparison in miniature: on each synthetic
// task, the frozen base (no training: the adapters start at ΔW = 0) and
// LoRA, TL5, TL6 and TL1 at rank 8 with one recipe for all. It takes tens
// of minutes, so it runs only with GOTRAIN_SCORES=1; GOTRAIN_CACHE keeps
// the pretrained base between runs, GOTRAIN_SCORE_STEPS sets the
// fine-tuning steps (default 1500) and GOTRAIN_SCORE_TASKS
// (comma-separated) a subset of the tasks.
//
// It prints the table, and for each method the paired-bootstrap share of
// resamples of the test set in which the method scores above the base.
// It fails unless LoRA is clearly above the base on every task: above it
// in at least 95 % of the resamples (one-sided, p < 0.05).
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
	fmt.Fprintf(&table, "go-micro, rank 8, %d steps, batch 16, lr 2e-3, test split (200 examples);\n", steps)
	fmt.Fprintf(&table, "[p]: share of 1,000 paired bootstrap resamples of the test set in which the method beats the base\n")
	fmt.Fprintf(&table, "%-14s %-13s", "task", "metric")
	for _, m := range methods {
		fmt.Fprintf(&table, " %15s", m)
	}
	table.WriteString("\n")
	taskList := CorpusTasks
	if s := os.Getenv("GOTRAIN_SCORE_TASKS"); s != "" {
		taskList = strings.Split(s, ",")
	}
	for _, task := range taskList {
		scores := map[string]float64{}
		preds := map[string]map[string]trainer.Prediction{}
		var j *job
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
			var err error
			if j, err = (&Worker{Spec: s}).check(); err != nil {
				t.Fatal(err)
			}
			evs, err := runWorker(t, s, 0)
			if err != nil {
				t.Fatalf("%s %s: %v", task, name, err)
			}
			for _, e := range evs {
				switch {
				case e.Event == trainer.EventEval && e.Split == tasks.Test:
					scores[name] = e.Values[primary[task]]
				case e.Event == trainer.EventPredictions && e.Split == tasks.Test:
					preds[name] = readPredictions(t, e.Path)
				}
			}
			t.Logf("%s %s: %s = %.3f", task, name, primary[task], scores[name])
		}
		data, err := tasks.LoadAll(j.task)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&table, "%-14s %-13s", task, primary[task])
		var loraP float64
		for _, m := range methods {
			cell := fmt.Sprintf("%.3f", scores[m])
			if m != "base" {
				p := pairedBootstrap(t, j.metric, primary[task], data[tasks.Test], preds[m], preds["base"], 1000)
				cell += fmt.Sprintf(" [%.2f]", p)
				if m == "lora" {
					loraP = p
				}
			}
			fmt.Fprintf(&table, " %15s", cell)
		}
		table.WriteString("\n")
		if loraP < 0.95 {
			t.Errorf("%s: LoRA %s got %.3f against the base's %.3f, above it in %.0f %% of the resamples; want at least 95 %%",
				task, primary[task], scores["lora"], scores["base"], 100*loraP)
		}
	}
	t.Log("\n" + table.String())
}

// readPredictions reads a predictions file by example ID.
func readPredictions(t *testing.T, path string) map[string]trainer.Prediction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]trainer.Prediction{}
	r := trainer.NewPredictionReader(f, path)
	for {
		p, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[p.ID] = p
	}
}

// pairedBootstrap is the share of n resamples of the predicted examples
// (drawn with replacement, the same draw for both systems) in which a's
// value of key is above b's (Koehn, 2004): 0.95 or more says a is above b
// at p < 0.05, one-sided. Ties count as not above.
func pairedBootstrap(t *testing.T, metric, key string, all []tasks.Example, a, b map[string]trainer.Prediction, n int) float64 {
	t.Helper()
	var exs []tasks.Example
	for _, e := range all {
		if _, ok := a[e.ID]; ok {
			exs = append(exs, e)
		}
	}
	if len(exs) == 0 || len(exs) != len(b) {
		t.Fatalf("bootstrap: %d examples predicted by one system, %d by the other", len(exs), len(b))
	}
	side := func(p map[string]trainer.Prediction, idx []int) float64 {
		sub := make([]tasks.Example, len(idx))
		var preds []string
		var logprobs [][]float64
		for k, i := range idx {
			sub[k] = exs[i]
			l := p[exs[i].ID]
			if l.Prediction != nil {
				preds = append(preds, *l.Prediction)
			} else {
				logprobs = append(logprobs, l.ChoiceLogprobs)
			}
		}
		v, err := score(metric, sub, preds, logprobs)
		if err != nil {
			t.Fatal(err)
		}
		return v[key]
	}
	rng := rand.New(rand.NewPCG(12345, 1))
	idx := make([]int, len(exs))
	above := 0
	for range n {
		for k := range idx {
			idx[k] = rng.IntN(len(exs))
		}
		if side(a, idx) > side(b, idx) {
			above++
		}
	}
	return float64(above) / float64(n)
}
