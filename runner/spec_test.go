package runner

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestBuildSpecTask: a trial's task reaches the worker with every setting,
// its data paths made absolute against the sweep file's directory, and
// the registry's metric and mode; the trial itself is left as it was.
func TestBuildSpecTask(t *testing.T) {
	dir := t.TempDir()
	text := `name: spec
worker: {kind: command, command: [worker]}
tasks:
  - {name: gsm8k, data: {train: data/train.jsonl, test: /abs/test.jsonl}, max_examples: {test: 5}, prompt: "Q: {question} A: {answer}", validation_fraction: 0.2}
`
	s, err := sweeps.Parse(filepath.Join(dir, "sweep.yaml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	trials := s.Trials()
	if len(trials) != 1 {
		t.Fatalf("got %d trials, want 1", len(trials))
	}
	tr := &trials[0]
	spec := buildSpec(s, tr, 1, "/attempt", "", "")
	want := &trainer.TaskSpec{
		Name:               "gsm8k",
		Data:               map[string]string{"train": filepath.Join(dir, "data/train.jsonl"), "test": "/abs/test.jsonl"},
		MaxExamples:        map[string]int{"test": 5},
		Prompt:             "Q: {question} A: {answer}",
		ValidationFraction: 0.2,
		Metric:             "gsm8k",
		Mode:               "generate",
	}
	if !reflect.DeepEqual(spec.Task, want) {
		t.Errorf("got %+v, want %+v", spec.Task, want)
	}
	if got := tr.Task.Data["train"]; got != "data/train.jsonl" {
		t.Errorf("trial's train path: got %q, want data/train.jsonl as the file names it", got)
	}
	if tr.Task.Metric != "" || tr.Task.Mode != "" {
		t.Errorf("trial's task: got metric %q and mode %q, want them unset", tr.Task.Metric, tr.Task.Mode)
	}
}
