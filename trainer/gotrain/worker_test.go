package gotrain

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// microArch keeps the end-to-end tests to seconds.
var microArch = trainer.Arch{Name: "test-micro", Vocab: 300, Hidden: 16, Layers: 2, Heads: 2, KVHeads: 2, FFN: 64, Context: 64,
	MLP: trainer.MLPGelu, Norm: trainer.LayerNorm, Positions: trainer.Learned, Bias: true, TiedEmbed: true}

func testSpec(t *testing.T, cache, task, method string, steps int) *trainer.Spec {
	t.Helper()
	cat, _ := trainer.DefaultCatalogue()
	m, ok := cat.Lookup(method)
	if !ok {
		t.Fatalf("no method %s", method)
	}
	return &trainer.Spec{Protocol: 1, Trial: "t", Task: &trainer.TaskSpec{Name: task, Size: 64, Seed: 3},
		Method: &m, Rank: 2, Seed: 7, Model: &trainer.ModelSpec{Arch: microArch},
		HParams: map[string]any{"steps": float64(steps), "batch_size": 4.0, "lr": 3e-3, "eval_every": 5.0,
			"checkpoint_every": 5.0, "log_every": 1.0, "eval_examples": 8.0, "max_new_tokens": 6.0,
			"pretrain_steps": 20.0, "pretrain_size": 100.0, "pretrain_batch": 4.0},
		AttemptDir: t.TempDir(), CacheDir: cache}
}

// recorder keeps the events and may cancel the run at a checkpoint.
type recorder struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel func()
	killAt int
	// killOn is the event kind that cancels at step killAt (default
	// checkpoint).
	killOn string
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var e trainer.Event
	on := r.killOn
	if on == "" {
		on = trainer.EventCheckpoint
	}
	if json.Unmarshal(p, &e) == nil && e.Event == on && e.Step == r.killAt && r.cancel != nil {
		r.cancel()
	}
	return r.buf.Write(p)
}

func (r *recorder) events(t *testing.T) []trainer.Event {
	var out []trainer.Event
	sc := bufio.NewScanner(bytes.NewReader(r.buf.Bytes()))
	for sc.Scan() {
		var e trainer.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("bad event line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func runWorker(t *testing.T, s *trainer.Spec, killAt int) ([]trainer.Event, error) {
	return runWorkerUntil(t, s, trainer.EventCheckpoint, killAt)
}

// runWorkerUntil runs s, cancelling it (as SIGTERM does) at the event of
// kind on at step killAt.
func runWorkerUntil(t *testing.T, s *trainer.Spec, on string, killAt int) ([]trainer.Event, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{killAt: killAt, killOn: on}
	if killAt > 0 {
		rec.cancel = cancel
	}
	w := &Worker{Spec: s, Events: trainer.NewEventWriter(rec), Backend: mm.Default()}
	err := w.Run(ctx)
	return rec.events(t), err
}

// lossCurve is the training loss of each metric event, by step.
func lossCurve(evs []trainer.Event) map[int]float64 {
	out := map[int]float64{}
	for _, e := range evs {
		if v, ok := e.Values["loss"]; ok && e.Event == trainer.EventMetric {
			out[e.Step] = v
		}
	}
	return out
}

func TestWorkerProtocol(t *testing.T) {
	cache := t.TempDir()
	s := testSpec(t, cache, "syn-squad", "tl6", 10)
	evs, err := runWorker(t, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		seen[e.Event]++
	}
	for _, kind := range []string{"start", "progress", "params", "metric", "eval", "predictions", "checkpoint", "done"} {
		if seen[kind] == 0 {
			t.Errorf("no %s event; got %v", kind, seen)
		}
	}
	if last := evs[len(evs)-1]; last.Event != "done" || last.Status != "ok" {
		t.Errorf("last event: got %+v, want done ok", last)
	}
	want, _ := trainer.CountParams(microArch, *s.Method, s.Rank, nil)
	var lastProgress trainer.Event
	for _, e := range evs {
		switch e.Event {
		case "start":
			if e.Protocol != trainer.ProtocolVersion {
				t.Errorf("start: got protocol %d, want %d", e.Protocol, trainer.ProtocolVersion)
			}
			for _, k := range []string{"go", "goos", "goarch", "backend"} {
				if v, _ := e.Worker[k].(string); v == "" {
					t.Errorf("start: got worker %v, want a non-empty %s", e.Worker, k)
				}
			}
		case "progress":
			lastProgress = e
		case "metric":
			if e.Step < 1 || e.Step > 10 {
				t.Errorf("metric event at step %d, want fine-tuning steps 1 to 10: %+v", e.Step, e)
			}
		case "params":
			if e.Trainable != want.Trainable || e.Total != want.Total() {
				t.Errorf("params: got trainable %d total %d, want %d and %d", e.Trainable, e.Total, want.Trainable, want.Total())
			}
		case "predictions":
			data, err := os.ReadFile(e.Path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			var first map[string]any
			json.Unmarshal([]byte(lines[0]), &first)
			want := 8 // eval_examples caps validation; the test split is scored whole
			if e.Split == "test" {
				want = 64
			}
			if len(lines) != want || first["id"] == nil || first["prediction"] == nil {
				t.Errorf("%s: got %d lines, first %v; want %d lines of {id, prediction}", e.Path, len(lines), first, want)
			}
		case "eval":
			if _, ok := e.Values["loss"]; !ok {
				t.Errorf("eval event without loss: %+v", e)
			}
			if e.Split == "test" && e.Values["exact_match"] < 0 {
				t.Errorf("test eval: got %v, want exact_match", e.Values)
			}
		}
	}
	// Pretraining reports its progress to the end, apart from the steps.
	if lastProgress.Phase == "" || lastProgress.Step != 20 || lastProgress.Total != 20 {
		t.Errorf("last progress event: got %+v, want the pretraining phase at step 20 of 20", lastProgress)
	}
	// The base was pretrained into the cache once and is reused.
	dirs, _ := filepath.Glob(filepath.Join(cache, "base", "*", baseWeights))
	if len(dirs) != 1 {
		t.Errorf("cache: got %v, want one base model", dirs)
	}
}

// TestWorkerChoice runs a multiple-choice task.
func TestWorkerChoice(t *testing.T) {
	s := testSpec(t, t.TempDir(), "syn-hellaswag", "lora", 3)
	evs, err := runWorker(t, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Event == "eval" && e.Split == "test" {
			if _, ok := e.Values["acc"]; !ok {
				t.Errorf("test eval: got %v, want acc", e.Values)
			}
			return
		}
	}
	t.Error("no test eval event")
}

// TestWorkerDeterministicAndResume: the same spec twice gives the same
// loss curve, and a run killed after its step-5 checkpoint and resumed
// from it ends with the same loss as the uninterrupted run.
func TestWorkerDeterministicAndResume(t *testing.T) {
	cache := t.TempDir()
	const steps = 10
	a, err := runWorker(t, testSpec(t, cache, "syn-iwslt", "lora", steps), 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := runWorker(t, testSpec(t, cache, "syn-iwslt", "lora", steps), 0)
	if err != nil {
		t.Fatal(err)
	}
	ca, cb := lossCurve(a), lossCurve(b)
	if len(ca) != steps {
		t.Fatalf("loss curve: got %d points, want %d", len(ca), steps)
	}
	for step, l := range ca {
		if cb[step] != l {
			t.Errorf("step %d: got loss %v the second time, want %v", step, cb[step], l)
		}
	}
	killed := testSpec(t, cache, "syn-iwslt", "lora", steps)
	evs, err := runWorker(t, killed, 5)
	if err == nil {
		t.Fatal("killed run: got no error")
	}
	var ckpt string
	for _, e := range evs {
		if e.Event == "checkpoint" {
			ckpt = e.Path
		}
	}
	if last := evs[len(evs)-1]; last.Event != "done" || last.Status != "failed" || ckpt == "" {
		t.Fatalf("killed run: last event %+v, checkpoint %q; want done failed after a checkpoint", last, ckpt)
	}
	resumed := testSpec(t, cache, "syn-iwslt", "lora", steps)
	resumed.ResumeFrom = ckpt
	c, err := runWorker(t, resumed, 0)
	if err != nil {
		t.Fatal(err)
	}
	cc := lossCurve(c)
	if cc[steps] != ca[steps] {
		t.Errorf("final loss: got %v after resuming, want %v", cc[steps], ca[steps])
	}
	if _, ok := cc[3]; ok {
		t.Errorf("resumed run repeated step 3")
	}
}

// TestWorkerCheckpointsWhenStopped: a run stopped between checkpoints
// (as an early-stopping rule stops it) saves its state at the step it
// reached, and resuming from there ends where the uninterrupted run ends.
func TestWorkerCheckpointsWhenStopped(t *testing.T) {
	cache := t.TempDir()
	const steps = 10
	whole, err := runWorker(t, testSpec(t, cache, "syn-iwslt", "lora", steps), 0)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := runWorkerUntil(t, testSpec(t, cache, "syn-iwslt", "lora", steps), trainer.EventMetric, 7)
	if err == nil {
		t.Fatal("stopped run: got no error")
	}
	var ckpt trainer.Event
	for _, e := range evs {
		if e.Event == trainer.EventCheckpoint {
			ckpt = e
		}
	}
	if ckpt.Step != 7 {
		t.Fatalf("last checkpoint of a run stopped after step 7: got step %d, want 7", ckpt.Step)
	}
	resumed := testSpec(t, cache, "syn-iwslt", "lora", steps)
	resumed.ResumeFrom = ckpt.Path
	c, err := runWorker(t, resumed, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, want := lossCurve(c), lossCurve(whole)
	if got[steps] != want[steps] {
		t.Errorf("final loss: got %v after resuming from step 7, want %v", got[steps], want[steps])
	}
	if _, ok := got[7]; ok {
		t.Errorf("resumed run repeated step 7")
	}
}

// TestWorkerFailsCleanly: a spec the worker cannot act on ends with done
// failed, error_kind config, naming the problem.
func TestWorkerFailsCleanly(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  func(s *trainer.Spec)
		wants string
	}{
		{"negative lr", func(s *trainer.Spec) { s.HParams["lr"] = -1.0 }, "lr"},
		{"another protocol", func(s *trainer.Spec) { s.Protocol = 2 }, "protocol 2; this worker speaks 1"},
	} {
		s := testSpec(t, t.TempDir(), "syn-squad", "lora", 2)
		tt.edit(s)
		evs, err := runWorker(t, s, 0)
		if err == nil {
			t.Errorf("%s: got no error", tt.name)
			continue
		}
		if last := evs[len(evs)-1]; last.Event != "done" || last.Status != "failed" || !strings.Contains(last.Error, tt.wants) || last.ErrorKind != trainer.ErrorKindConfig {
			t.Errorf("%s: last event: got %+v, want done failed naming %q, error_kind config", tt.name, last, tt.wants)
		}
	}
}

// TestWorkerReference: the base method trains nothing: no metric or
// checkpoint event, a params event with 0 trainable, and both splits
// evaluated at step 0, as any trial's are.
func TestWorkerReference(t *testing.T) {
	s := testSpec(t, t.TempDir(), "syn-squad", "base", 10)
	evs, err := runWorker(t, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		seen[e.Event]++
		switch e.Event {
		case "params":
			if e.Trainable != 0 || e.Total != microArch.BaseParams() {
				t.Errorf("params: got trainable %d total %d, want 0 and the base's %d", e.Trainable, e.Total, microArch.BaseParams())
			}
		case "eval", "predictions":
			if e.Step != 0 {
				t.Errorf("%s %s: got step %d, want 0 (nothing trained)", e.Event, e.Split, e.Step)
			}
		}
	}
	want := map[string]int{"start": 1, "params": 1, "metric": 0, "checkpoint": 0, "eval": 2, "predictions": 2, "done": 1}
	for kind, n := range want {
		if seen[kind] != n {
			t.Errorf("got %d %s events, want %d (all: %v)", seen[kind], kind, n, seen)
		}
	}
	if last := evs[len(evs)-1]; last.Event != "done" || last.Status != "ok" {
		t.Errorf("last event: got %+v, want done ok", last)
	}
}
