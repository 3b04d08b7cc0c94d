package gotrain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
)

// HeartbeatEvery is how often a running worker says it is alive; the
// protocol asks for at least every 10 s.
const HeartbeatEvery = 5 * time.Second

// Worker runs one attempt.
type Worker struct {
	Spec    *trainer.Spec
	Events  *trainer.EventWriter
	Backend mm.Backend
}

// Run trains and evaluates the attempt, emitting events; it ends with
// `done ok`, or `done failed` and the error.
func (w *Worker) Run(ctx context.Context) error {
	host, _ := os.Hostname()
	if err := w.Events.Emit(trainer.Event{Event: trainer.EventStart, PID: os.Getpid(), Host: host, Devices: []string{"cpu"},
		Protocol: trainer.ProtocolVersion, Worker: w.provenance()}); err != nil {
		return err
	}
	stop := make(chan struct{})
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				w.Events.Emit(trainer.Event{Event: trainer.EventHeartbeat})
			}
		}
	}()
	err := w.run(ctx)
	close(stop)
	<-beat
	if err != nil {
		e := trainer.Event{Event: trainer.EventDone, Status: trainer.StatusFailed, Error: err.Error()}
		var ce configError
		if errors.As(err, &ce) {
			e.ErrorKind = trainer.ErrorKindConfig
		}
		w.Events.Emit(e)
		return err
	}
	return w.Events.Emit(trainer.Event{Event: trainer.EventDone, Status: trainer.StatusOK})
}

// provenance is what this worker runs on, for its start event: the Go
// release, the platform, the build tags and the matrix backend in use
// (OpenBLAS or pure Go).
func (w *Worker) provenance() map[string]any {
	p := map[string]any{"go": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH}
	if w.Backend != nil {
		p["backend"] = w.Backend.Name()
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "-tags":
				p["tags"] = kv.Value
			case "vcs.revision":
				p["revision"] = kv.Value
			}
		}
	}
	return p
}

// configError marks a failure of the spec or its inputs (the task's data,
// the method on this model, the parameter count): it reports as
// error_kind config, which the runner does not retry.
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }

// job is a checked spec.
type job struct {
	arch    trainer.Arch
	method  trainer.Method
	targets []string
	h       HParams
	task    tasks.Config
	mode    tasks.Mode
	metric  string
}

func (w *Worker) check() (*job, error) {
	s := w.Spec
	if err := trainer.CheckProtocol(s.Protocol); err != nil {
		return nil, err
	}
	switch {
	case s.Task == nil:
		return nil, errors.New("spec has no task")
	case s.Method == nil:
		return nil, errors.New("spec has no method")
	case s.Model == nil:
		return nil, errors.New("spec has no model")
	case s.Rank <= 0:
		return nil, fmt.Errorf("rank must be positive, got %d", s.Rank)
	case s.AttemptDir == "":
		return nil, errors.New("spec has no attempt_dir")
	}
	j := &job{arch: s.Model.Arch, method: *s.Method, targets: s.Targets}
	if j.arch.Name == "" {
		j.arch.Name = s.Model.Preset
	}
	if err := model.CheckArch(j.arch); err != nil {
		return nil, err
	}
	if j.targets == nil {
		j.targets = trainer.DefaultTargets
	}
	var err error
	if j.h, err = readHParams(s, j.arch); err != nil {
		return nil, err
	}
	info, ok := tasks.Lookup(s.Task.Name)
	if !ok {
		return nil, fmt.Errorf("unknown task %q", s.Task.Name)
	}
	// The same type: every setting (difficulty, validation_fraction, …)
	// arrives, so the worker loads exactly the examples the runner scores
	// against.
	j.task = tasks.Config(*s.Task)
	j.mode, j.metric = info.Mode, info.Metric
	if s.Task.Mode != "" {
		j.mode = tasks.Mode(s.Task.Mode)
	}
	if s.Task.Metric != "" {
		j.metric = s.Task.Metric
	}
	if j.mode != tasks.Generate && j.mode != tasks.Choice {
		return nil, fmt.Errorf("task mode %q: want generate or choice", j.mode)
	}
	return j, nil
}

func (w *Worker) run(ctx context.Context) error {
	j, err := w.check()
	if err != nil {
		return configError{err}
	}
	s := w.Spec
	base, err := w.base(ctx, j)
	if err != nil {
		return err
	}
	m := base.Model
	if err := m.Attach(j.method, s.Rank, j.targets, s.Seed); err != nil {
		return configError{err}
	}
	if err := w.params(m, j); err != nil {
		return configError{err}
	}
	data, err := tasks.LoadAll(j.task)
	if err != nil {
		return configError{err}
	}
	if len(data[tasks.Train]) == 0 || len(data[tasks.Validation]) == 0 {
		return configError{fmt.Errorf("task %s: the Go trainer needs train and validation examples", j.task.Name)}
	}
	enc := func(exs []tasks.Example) []seq {
		out := make([]seq, len(exs))
		for i, e := range exs {
			out[i] = encode(base.Tok, e.Prompt, answerOf(e), j.h.MaxSeqLen)
		}
		return out
	}
	val := evalExamples(tasks.Validation, data[tasks.Validation], j.h.EvalExamples)
	// A reference method has nothing to train: no optimizer step, no
	// checkpoint; it is evaluated at step 0 as the base model it is.
	step := 0
	if !j.method.Reference {
		step, err = fineTune(ctx, m, enc(data[tasks.Train]), enc(val), j.h, s.Seed,
			filepath.Join(s.AttemptDir, "checkpoints"), s.ResumeFrom, w.Events.Emit)
		if err != nil {
			return err
		}
	}
	maxNew := j.h.MaxNewTokens
	if maxNew == 0 {
		for _, q := range enc(data[tasks.Train]) {
			maxNew = max(maxNew, len(q.answer))
		}
		maxNew += 4
	}
	for _, split := range []string{tasks.Validation, tasks.Test} {
		exs := evalExamples(split, data[split], j.h.EvalExamples)
		if len(exs) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.evaluate(m, base, j, split, step, exs, enc(exs), maxNew); err != nil {
			return err
		}
	}
	return nil
}

// base loads the base model: from model.path when the spec names one,
// else from the cache, pretraining it there first if needed.
func (w *Worker) base(ctx context.Context, j *job) (*Base, error) {
	s := w.Spec
	if s.Model.Path != "" {
		return loadBase(s.Model.Path, w.Backend)
	}
	cache := s.CacheDir
	if cache == "" {
		var err error
		if cache, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	r := DefaultRecipe(j.arch, s)
	// While another trial pretrains this base, say so rather than sit at
	// step 0 in silence. Pretraining is not fine-tuning: its progress goes
	// in progress events, not in the trial's step count and curves.
	waiting := func() {
		w.Events.Emit(trainer.Event{Event: trainer.EventProgress, Phase: "waiting for another trial to pretrain the base model", Step: 0, Total: 1})
	}
	return LoadOrPretrain(ctx, cache, r, w.Backend, waiting, func(step, steps int, loss float64) {
		w.Events.Emit(trainer.Event{Event: trainer.EventProgress, Phase: "pretraining the base model", Step: step, Total: int64(steps),
			Values: map[string]float64{"loss": loss}})
	})
}

// params emits the count from the tensors and checks it against the
// analytic one, both trainer's and the spec's.
func (w *Worker) params(m *model.Model[float32], j *job) error {
	c := m.Count()
	if err := w.Events.Emit(trainer.Event{Event: trainer.EventParams, Trainable: c.Trainable, Total: c.Total, ByComponent: c.ByComponent}); err != nil {
		return err
	}
	want, err := trainer.CountParams(j.arch, j.method, w.Spec.Rank, j.targets)
	if err != nil {
		return err
	}
	if w.Spec.Params != nil {
		want = *w.Spec.Params
	}
	for _, comp := range trainer.ComponentNames {
		if c.ByComponent[comp] != want.ByComponent[comp] {
			return fmt.Errorf("parameter count: %s has %d trainable parameters in the model, the analytic count says %d", comp, c.ByComponent[comp], want.ByComponent[comp])
		}
	}
	if c.Trainable != want.Trainable {
		return fmt.Errorf("parameter count: %d trainable in the model, the analytic count says %d", c.Trainable, want.Trainable)
	}
	if c.Total != want.Total() {
		return fmt.Errorf("parameter count: the model holds %d parameters, the analytic count says %d", c.Total, want.Total())
	}
	return nil
}

// evaluate scores one split: predictions file, predictions event, eval
// event with the metric's values and the answer loss.
func (w *Worker) evaluate(m *model.Model[float32], base *Base, j *job, split string, step int, exs []tasks.Example, seqs []seq, maxNew int) error {
	ws := m.NewWorkspace()
	loss := meanLoss(m, ws, seqs, 2*j.h.BatchSize)
	var preds []string
	var logprobs [][]float64
	if j.mode == tasks.Choice {
		logprobs = choiceLogprobs(m, ws, base.Tok, exs, j.h.MaxSeqLen, 2*j.h.BatchSize)
	} else {
		preds = generate(m, base.Tok, exs, j.h.MaxSeqLen, maxNew)
	}
	path := filepath.Join(w.Spec.AttemptDir, fmt.Sprintf("predictions-%s-%d.jsonl", split, step))
	if err := writePredictions(path, exs, preds, logprobs); err != nil {
		return err
	}
	if err := w.Events.Emit(trainer.Event{Event: trainer.EventPredictions, Step: step, Split: split, Path: path}); err != nil {
		return err
	}
	vals, err := score(j.metric, exs, preds, logprobs)
	if err != nil {
		return err
	}
	vals["loss"] = loss
	return w.Events.Emit(trainer.Event{Event: trainer.EventEval, Step: step, Split: split, Values: vals})
}
