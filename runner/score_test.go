package runner

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
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
		if got.Values[tt.key] != tt.want {
			t.Errorf("%s: got %s %v, want %v (all: %v)", tt.task, tt.key, got.Values[tt.key], tt.want, got.Values)
		}
		if got.Examples != nil {
			t.Errorf("%s: got %d examples' statistics for validation, want none", tt.task, len(got.Examples))
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

// TestScorePredictionsStats: a test split's predictions come back with
// each example's statistics, and those, summed and converted with the zero
// options as the report converts them, give the runner's values, for every
// task's metric.
func TestScorePredictionsStats(t *testing.T) {
	for _, task := range []string{"syn-squad", "syn-dialogsum", "syn-hellaswag", "syn-iwslt", "syn-gsm8k"} {
		ts := &trainer.TaskSpec{Name: task, Size: 40}
		info, ok := tasks.Lookup(task)
		if !ok {
			t.Fatalf("no task %s", task)
		}
		ts.Metric = info.Metric
		ex, err := tasks.Load(tasks.Config(*ts), tasks.Test)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "predictions.jsonl")
		w, err := trainer.CreatePredictions(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range ex {
			if len(e.Choices) > 0 {
				lp := make([]float64, len(e.Choices))
				for j := range lp {
					lp[j] = -float64((i+j)%5) - 1
				}
				w.Write(trainer.Choice(e.ID, lp))
				continue
			}
			pred := e.References[0]
			if i%3 == 1 {
				pred = "some other words entirely"
			} else if i%3 == 2 && len(pred) > 4 {
				pred = pred[:len(pred)/2]
			}
			w.Write(trainer.Generated(e.ID, pred))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := NewTaskScorer().ScorePredictions(ts, tasks.Test, path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Examples) != len(ex) {
			t.Fatalf("%s: got %d examples' statistics, want %d", task, len(got.Examples), len(ex))
		}
		all := make([]metrics.Stats, len(got.Examples))
		for i, x := range got.Examples {
			if x.Example != ex[i].ID || x.Split != tasks.Test || x.Metric != ts.Metric {
				t.Errorf("%s: example %d: got %s/%s/%s, want %s/test/%s", task, i, x.Example, x.Split, x.Metric, ex[i].ID, ts.Metric)
			}
			all[i] = x.Stats
		}
		vals, err := metrics.StatsValues(ts.Metric, metrics.SumStats(all), metrics.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range got.Values {
			if math.Abs(vals[k]-want) > 1e-12 {
				t.Errorf("%s %s: got %v from statistics, want %v", task, k, vals[k], want)
			}
		}
	}
}

type scoredScorer struct{ s *Scored }

func (f scoredScorer) ScorePredictions(*trainer.TaskSpec, string, string) (*Scored, error) {
	return f.s, nil
}

// TestIngestScoredExamples: a predictions event puts the runner's values
// and the examples' statistics, at the event's step, into the same batch.
func TestIngestScoredExamples(t *testing.T) {
	sc := &Scored{Values: map[string]float64{"f1": 50, "exact_match": 25},
		Examples: []results.ExampleStats{{Split: "test", Example: "q1", Metric: "squad", Stats: []float64{1, 0, 0.5}}}}
	in := &ingester{spec: &trainer.Spec{Task: &trainer.TaskSpec{Name: "syn-squad", Metric: "squad"}, AttemptDir: "/a"}, scorer: scoredScorer{sc}}
	var b results.Batch
	in.scorePredictions(&b, &trainer.Event{Step: 7, Split: "test", Path: "p.jsonl"}, func(w string) { t.Error(w) })
	if len(b.Scores) != 2 || b.Scores[0].Metric != "exact_match" || b.Scores[0].Step != 7 || b.Scores[0].Source != "runner" {
		t.Errorf("got scores %+v, want exact_match and f1 at step 7 from the runner", b.Scores)
	}
	if len(b.Examples) != 1 || b.Examples[0].Step != 7 || b.Examples[0].Example != "q1" {
		t.Errorf("got examples %+v, want q1 at step 7", b.Examples)
	}
}
