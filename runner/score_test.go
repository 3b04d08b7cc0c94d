package runner

import (
	"os"
	"path/filepath"
	"strings"
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
		ex, err := tasks.Load(tasks.Config(*ts), "validation")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "predictions.jsonl")
		w, err := trainer.CreatePredictions(path)
		if err != nil {
			t.Fatal(err)
		}
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
				w.Write(trainer.Choice(e.ID, lp))
				continue
			}
			pred := e.References[0]
			if !right {
				pred = "certainly not the answer"
			}
			w.Write(trainer.Generated(e.ID, pred))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := NewTaskScorer().ScorePredictions(ts, "validation", path)
		if err != nil {
			t.Fatal(err)
		}
		if got[tt.key] != tt.want {
			t.Errorf("%s: got %s %v, want %v (all: %v)", tt.task, tt.key, got[tt.key], tt.want, got)
		}
	}
	// An id that is not in the split, or a line that is not a
	// prediction, is an error naming the line, not a silent zero.
	for _, tt := range []struct{ text, want string }{
		{`{"id": "nope", "prediction": "x"}`, `p.jsonl:1: no example "nope" in the validation split of syn-squad`},
		{"\n" + `{"id": "syn-squad-validation-0"}`, `p.jsonl:2: a prediction needs "prediction" or "choice_logprobs"`},
	} {
		path := filepath.Join(t.TempDir(), "p.jsonl")
		os.WriteFile(path, []byte(tt.text+"\n"), 0o644)
		_, err := NewTaskScorer().ScorePredictions(&trainer.TaskSpec{Name: "syn-squad", Metric: "squad"}, "validation", path)
		if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
			t.Errorf("got %v, want an error ending %q", err, tt.want)
		}
	}
}
