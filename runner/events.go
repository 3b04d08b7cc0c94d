package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// jsonUnmarshal is encoding/json's, the reference for every events line.
var jsonUnmarshal = json.Unmarshal

// maxLine is the longest event line accepted; longer ones are skipped
// with a warning rather than held in memory.
const maxLine = 1 << 20

// readChunk bounds what one read of an events file takes in.
const readChunk = 4 << 20

// tailer reads the complete lines that a worker appends to its events
// file. A partial last line stays unread until the worker completes it.
type tailer struct {
	path     string
	f        *os.File
	offset   int64
	skipping bool // inside a line longer than maxLine
	buf      []byte
}

// next returns the complete lines after the offset (without their
// newlines) and warnings about lines it had to skip. The returned lines
// are valid until the next call.
func (t *tailer) next() (lines [][]byte, warnings []string, err error) {
	if t.f == nil {
		f, err := os.Open(t.path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil // the worker has not written yet
		}
		if err != nil {
			return nil, nil, err
		}
		t.f = f
	}
	if cap(t.buf) < readChunk {
		t.buf = make([]byte, readChunk)
	}
	n, err := t.f.ReadAt(t.buf[:readChunk], t.offset)
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	data := t.buf[:n]
	pos := 0
	for pos < len(data) {
		nl := bytes.IndexByte(data[pos:], '\n')
		if nl < 0 {
			break
		}
		line := data[pos : pos+nl]
		pos += nl + 1
		if t.skipping {
			t.skipping = false // the end of an over-long line
			continue
		}
		if len(line) > maxLine {
			warnings = append(warnings, fmt.Sprintf("skipped an event line of %d bytes (limit %d)", len(line), maxLine))
			continue
		}
		lines = append(lines, bytes.TrimSuffix(line, []byte{'\r'}))
	}
	// A partial line longer than the limit will never be accepted: skip
	// what there is of it and the rest up to its newline.
	if rest := len(data) - pos; rest > maxLine && !t.skipping {
		warnings = append(warnings, fmt.Sprintf("skipped an event line of more than %d bytes", maxLine))
		t.skipping = true
		pos = len(data)
	} else if t.skipping && rest > 0 {
		pos = len(data)
	}
	t.offset += int64(pos)
	return lines, warnings, nil
}

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// ingester turns event lines into a results.Batch for one attempt.
type ingester struct {
	spec     *trainer.Spec
	scorer   Scorer
	done     string // status of the first done event
	doneErr  string
	doneKind string
	// refused: the worker speaks another protocol than its spec's; the
	// attempt failed at its start event and the rest is not read.
	refused  bool
	events   int // well-formed events seen, for liveness
	lastStep int
	phase    Progress // the last progress event's phase
	// watch names the validation metric an early-stopping rule reads;
	// evals collects its values as they arrive, for the rule to decide on.
	watch string
	evals []evalPoint
	// pruned is why the rule stopped the attempt.
	pruned string
}

// evalPoint is one validation value reported while training.
type evalPoint struct {
	step  int
	value float64
}

// progress is the phase a progress event reported while it is under way,
// else the training steps done of steps.
func (in *ingester) progress(steps int) Progress {
	if in.phase.Phase != "" && in.phase.Step < in.phase.Total && in.lastStep == 0 {
		return in.phase
	}
	return Progress{Step: in.lastStep, Total: steps}
}

// batch decodes lines; bad lines and events after done become warnings,
// never errors.
func (in *ingester) batch(lines [][]byte, warnings []string) results.Batch {
	var b results.Batch
	warn := func(msg string) {
		body, _ := json.Marshal(map[string]string{"warning": msg})
		b.Events = append(b.Events, results.EventRow{T: nowString(), Kind: "warning", Body: string(body)})
	}
	for _, w := range warnings {
		warn(w)
	}
	events := decodeLines(lines)
	for i, line := range lines {
		e := &events[i]
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			continue
		case e.Event == "":
			warn(fmt.Sprintf("skipped a line that is not an event: %s", clip(line, 200)))
			continue
		}
		in.events++
		if in.refused {
			continue
		}
		if in.done != "" {
			warn(fmt.Sprintf("ignored a %s event after done", e.Event))
			continue
		}
		in.add(&b, e, line, warn)
	}
	return b
}

// parallelDecode is the batch size from which decoding is split between
// two goroutines: decoding is most of ingestion's CPU time besides SQLite.
const parallelDecode = 4096

// decodeLines decodes each line into an event; a line that is not one
// gets the zero Event. The work is split in two for large batches, so
// ingestion uses both cores.
func decodeLines(lines [][]byte) []trainer.Event {
	out := make([]trainer.Event, len(lines))
	decode := func(lo, hi int) {
		names := map[string]string{}
		for i := lo; i < hi; i++ {
			if err := decodeEvent(lines[i], &out[i], names); err != nil {
				out[i] = trainer.Event{}
			}
		}
	}
	if len(lines) < parallelDecode {
		decode(0, len(lines))
		return out
	}
	half := len(lines) / 2
	done := make(chan struct{})
	go func() { decode(0, half); close(done) }()
	decode(half, len(lines))
	<-done
	return out
}

func (in *ingester) add(b *results.Batch, e *trainer.Event, line []byte, warn func(string)) {
	keep := func() {
		b.Events = append(b.Events, results.EventRow{T: e.T.UTC().Format(timeFormat), Kind: e.Event, Body: string(line)})
	}
	switch e.Event {
	case trainer.EventMetric:
		for _, name := range sortedNames(e.Values) {
			b.Metrics = append(b.Metrics, results.Metric{Step: e.Step, Name: name, Value: e.Values[name]})
		}
		b.LastStep = max(b.LastStep, e.Step)
	case trainer.EventEval:
		if v, ok := e.Values[in.watch]; ok && in.watch != "" && e.Split == validationSplit {
			in.evals = append(in.evals, evalPoint{e.Step, v})
		}
		for _, name := range sortedNames(e.Values) {
			b.Scores = append(b.Scores, results.Score{Step: e.Step, Split: e.Split, Metric: name, Value: e.Values[name], Source: "worker"})
		}
		b.LastStep = max(b.LastStep, e.Step)
	case trainer.EventPredictions:
		keep()
		in.scorePredictions(b, e, warn)
	case trainer.EventParams:
		keep()
		b.ParamsTrainable = e.Trainable
		if want := in.spec.Params; want != nil && want.Trainable != e.Trainable {
			b.ParamsMismatch = true
			warn(fmt.Sprintf("params mismatch: the worker counts %d trainable parameters, the analytic count is %d", e.Trainable, want.Trainable))
		}
	case trainer.EventCheckpoint:
		keep()
		b.Checkpoint, b.CheckpointStep = e.Path, e.Step
		b.LastStep = max(b.LastStep, e.Step)
	case trainer.EventStart:
		keep()
		b.Host = e.Host
		if len(e.Worker) > 0 {
			if w, err := json.Marshal(e.Worker); err != nil {
				warn(fmt.Sprintf("could not store the worker's provenance: %v", err))
			} else {
				b.Worker = string(w)
			}
		}
		in.checkProtocol(b, e.Protocol, warn)
	case trainer.EventDone:
		keep()
		in.done, in.doneErr, in.doneKind = e.Status, e.Error, string(e.ErrorKind)
		if in.done == "" {
			in.done = "unknown"
		}
		b.DoneStatus = in.done
	case trainer.EventProgress:
		in.phase = Progress{Phase: cleanText(e.Phase), Step: e.Step, Total: int(e.Total)}
	case trainer.EventHeartbeat:
	default:
		keep()
	}
}

// checkProtocol fails the attempt when its worker speaks another protocol
// version than its spec's, as if the worker had sent `done failed` (also
// in the database, so that an orchestrator that adopts the attempt later
// does not take a `done ok` for success). A worker that does not say
// which version it speaks is not checked.
func (in *ingester) checkProtocol(b *results.Batch, got int, warn func(string)) {
	want := in.spec.Protocol
	if want == 0 {
		want = trainer.ProtocolVersion // a spec that could not be read back
	}
	if got == 0 || got == want {
		return
	}
	// Not KindProtocol: the same worker would speak the same version
	// again, so the failure is the setup's and is not retried.
	in.done, in.doneKind = trainer.StatusFailed, KindConfig
	in.doneErr = fmt.Sprintf("the worker speaks protocol %d, its spec protocol %d", got, want)
	in.refused = true
	b.DoneStatus = in.done
	warn(in.doneErr + ": its events are ignored")
}

func sortedNames(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
