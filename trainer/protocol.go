package trainer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// ProtocolVersion is the worker protocol this package speaks (DESIGN.md,
// contract 1). A worker refuses a spec of another version.
const ProtocolVersion = 1

// Environment variables the runner sets for a worker.
const (
	EnvSpec    = "SWEEP_SPEC"
	EnvEvents  = "SWEEP_EVENTS"
	EnvTrial   = "SWEEP_TRIAL"
	EnvAttempt = "SWEEP_ATTEMPT"
)

// Spec is spec.json: everything a worker needs to train one attempt.
// Workers act on the method's component flags, not on its name.
type Spec struct {
	Protocol int    `json:"protocol"`
	Sweep    string `json:"sweep"`
	Trial    string `json:"trial"`
	Attempt  int    `json:"attempt"`
	// Task, Method and Model are absent for a command worker whose sweep
	// has no such axis.
	Task    *TaskSpec      `json:"task,omitempty"`
	Method  *Method        `json:"method,omitempty"`
	Rank    int            `json:"rank,omitempty"`
	Seed    int64          `json:"seed"`
	Model   *ModelSpec     `json:"model,omitempty"`
	Targets []string       `json:"targets,omitempty"`
	HParams map[string]any `json:"hparams"`
	// Params is the analytic count the worker's own must equal.
	Params     *Count `json:"params,omitempty"`
	AttemptDir string `json:"attempt_dir"`
	// ResumeFrom is the checkpoint a resumed attempt starts from.
	ResumeFrom string `json:"resume_from,omitempty"`
	// CacheDir holds content-addressed base checkpoints.
	CacheDir string `json:"cache_dir,omitempty"`
}

// TaskSpec is a task: as a sweep file names it (tasks.Config is this
// type, with the task registry's checks and loaders as its methods) and
// as a worker receives it, with absolute data paths and how the task is
// evaluated. The runner fills in Metric and Mode from the task registry;
// a sweep file cannot set them.
type TaskSpec struct {
	Name string `json:"name" yaml:"name"`
	// Data maps a split ("train", "validation", "test") to a file.
	Data map[string]string `json:"data,omitempty" yaml:"data,omitempty"`
	// MaxExamples keeps the first N examples of a split (file order).
	MaxExamples map[string]int `json:"max_examples,omitempty" yaml:"max_examples,omitempty"`
	// Prompt overrides the task's default prompt template.
	Prompt string `json:"prompt,omitempty" yaml:"prompt,omitempty"`
	// Size is the number of training examples a synthetic task generates
	// (default tasks.DefaultSize); Seed seeds the generator; Difficulty is
	// 1 (default) to tasks.MaxDifficulty.
	Size       int   `json:"size,omitempty" yaml:"size,omitempty"`
	Seed       int64 `json:"seed,omitempty" yaml:"seed,omitempty"`
	Difficulty int   `json:"difficulty,omitempty" yaml:"difficulty,omitempty"`
	// ValidationFraction is the share of train carved off as validation
	// when no validation file is named (default 0.1).
	ValidationFraction float64 `json:"validation_fraction,omitempty" yaml:"validation_fraction,omitempty"`
	// Metric scores the task's predictions; Mode is "generate" or
	// "choice".
	Metric string `json:"metric,omitempty" yaml:"-"`
	Mode   string `json:"mode,omitempty" yaml:"-"`
}

// ModelSpec is the base model: its shape, and where its weights are when
// it has some (a Hugging Face directory for the torch worker).
type ModelSpec struct {
	Arch   Arch   `json:"arch"`
	Preset string `json:"preset,omitempty"`
	Config string `json:"config,omitempty"`
	Path   string `json:"path,omitempty"`
}

// ReadSpec reads a spec file. It does not refuse another protocol
// version: a worker checks that with CheckProtocol once its events file is
// open, so that the refusal reaches the runner as a `done failed`. A file
// that does not decode is reported as of another version when it says so.
func ReadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		var v struct {
			Protocol int `json:"protocol"`
		}
		if json.Unmarshal(data, &v) == nil && CheckProtocol(v.Protocol) != nil {
			return nil, fmt.Errorf("%s: %w", path, CheckProtocol(v.Protocol))
		}
		return nil, fmt.Errorf("%s: not a spec: %w", path, err)
	}
	return &s, nil
}

// VersionError is a spec of a protocol version this code does not speak.
type VersionError struct{ Got int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("protocol %d; this worker speaks %d", e.Got, ProtocolVersion)
}

// CheckProtocol refuses a spec's protocol version other than
// ProtocolVersion with a *VersionError.
func CheckProtocol(v int) error {
	if v != ProtocolVersion {
		return &VersionError{Got: v}
	}
	return nil
}

// HParamFloat and HParamInt read a hyper-parameter with a fallback.
func (s *Spec) HParamFloat(name string, def float64) float64 {
	if x, ok := s.HParams[name].(float64); ok {
		return x
	}
	return def
}

func (s *Spec) HParamInt(name string, def int) int {
	if x, ok := s.HParams[name].(float64); ok { // JSON numbers decode as float64
		return int(x)
	}
	return def
}

// Event kinds.
const (
	EventStart       = "start"
	EventParams      = "params"
	EventMetric      = "metric"
	EventEval        = "eval"
	EventPredictions = "predictions"
	EventCheckpoint  = "checkpoint"
	EventHeartbeat   = "heartbeat"
	EventDone        = "done"
	// EventProgress tells how far a phase of work that is not training
	// steps has gone (the Go trainer's base-model pretraining), for
	// progress displays; it is not stored as a metric, and training
	// steps resume the step count when step reaches total.
	EventProgress = "progress"
)

// Done statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Event is one line of events.jsonl. Which fields are set depends on the
// kind; the rest are omitted.
type Event struct {
	T     time.Time `json:"t"`
	Event string    `json:"event"`
	// start
	PID     int      `json:"pid,omitempty"`
	Host    string   `json:"host,omitempty"`
	Devices []string `json:"devices,omitempty"`
	// Python is the interpreter of a Python worker (the torch worker
	// sends it), which `sweep export` reuses.
	Python string `json:"python,omitempty"`
	// Protocol is the protocol version the worker speaks; the runner
	// fails an attempt whose worker speaks another than its spec's. A
	// worker that omits it is not checked.
	Protocol int `json:"protocol,omitempty"`
	// Worker is what the worker runs on, stored with the attempt: the Go
	// trainer's Go version, GOOS, GOARCH and matrix backend; the Python
	// worker's python, torch, transformers, peft and CUDA versions and GPU.
	Worker map[string]any `json:"worker,omitempty"`
	// params (total: every parameter); progress (total: the phase's steps)
	Trainable int64 `json:"trainable,omitempty"`
	Total     int64 `json:"total,omitempty"`
	// progress: what the worker is doing, e.g. "pretraining the base model"
	Phase       string           `json:"phase,omitempty"`
	ByComponent map[string]int64 `json:"by_component,omitempty"`
	// metric, eval, predictions, checkpoint
	Step   int                `json:"step,omitempty"`
	Split  string             `json:"split,omitempty"`
	Values map[string]float64 `json:"values,omitempty"`
	Path   string             `json:"path,omitempty"`
	// done
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// ErrorKind classifies a failure (oom, config) when the worker knows it.
	ErrorKind ErrorKind `json:"error_kind,omitempty"`
}

// EventWriter appends events to an events file, one JSON object a line,
// each written with a single write so a reader never sees half of one
// unless the process dies mid-write.
type EventWriter struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewEventWriter writes events to w.
func NewEventWriter(w io.Writer) *EventWriter {
	return &EventWriter{w: w, now: time.Now}
}

// Emit stamps e with the time and writes it.
func (ew *EventWriter) Emit(e Event) error {
	if e.T.IsZero() {
		e.T = ew.now().UTC()
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	ew.mu.Lock()
	defer ew.mu.Unlock()
	_, err = ew.w.Write(line)
	return err
}
