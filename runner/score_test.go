package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestScorePredictions: a predictions file is scored against the task's
// own references, whatever the worker thought of it.
func TestScorePredictions(t *testing.T) {
	tests := []struct {
		task, metric, key string
		want              float64
	}{
		{"syn-squad", "squad", "exact_match", 50},
		{"syn-hellaswag", "accuracy", "acc", 0.5},
	}
	for _, tt := range tests {
		ts := &trainer.TaskSpec{Name: tt.task, Size: 50, Metric: tt.metric}
		ex, err := tasks.Load(taskConfig(ts), "validation")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "predictions.jsonl")
		f, _ := os.Create(path)
		enc := json.NewEncoder(f)
		for i, e := range ex[:20] {
			right := i%2 == 0
			if len(e.Choices) > 0 {
				lp := make([]float64, len(e.Choices))
				for j := range lp {
					lp[j] = -10
				}
				pick := e.Gold
				if !right {
					pick = (e.Gold + 1) % len(lp)
				}
				lp[pick] = -1
				enc.Encode(map[string]any{"id": e.ID, "choice_logprobs": lp})
				continue
			}
			pred := e.References[0]
			if !right {
				pred = "certainly not the answer"
			}
			enc.Encode(map[string]any{"id": e.ID, "prediction": pred})
		}
		f.Close()
		got, err := NewTaskScorer().ScorePredictions(ts, "validation", path)
		if err != nil {
			t.Fatal(err)
		}
		if got[tt.key] != tt.want {
			t.Errorf("%s: got %s %v, want %v (all: %v)", tt.task, tt.key, got[tt.key], tt.want, got)
		}
	}
	// An id that is not in the split is an error, not a silent zero.
	path := filepath.Join(t.TempDir(), "p.jsonl")
	os.WriteFile(path, []byte(`{"id": "nope", "prediction": "x"}`+"\n"), 0o644)
	if _, err := NewTaskScorer().ScorePredictions(&trainer.TaskSpec{Name: "syn-squad", Metric: "squad"}, "validation", path); err == nil {
		t.Error("got no error for an unknown id")
	}
}

// TestTaskSpecCarriesConfig: every setting of a task survives the trip to
// the worker and back, so workers and the scorer load the same examples.
func TestTaskSpecCarriesConfig(t *testing.T) {
	c := tasks.Config{Name: "syn-gsm8k", Data: map[string]string{"train": "/a"}, MaxExamples: map[string]int{"test": 5},
		Prompt: "Q: {question}", Size: 7, Seed: 3, Difficulty: 2, ValidationFraction: 0.2}
	want, _ := json.Marshal(c)
	got, _ := json.Marshal(taskConfig(taskSpec(c)))
	if string(got) != string(want) {
		t.Errorf("got %s, want %s: trainer.TaskSpec lacks a field of tasks.Config", got, want)
	}
}
