package runbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// NoopSweep is the orchestration benchmark: 1000 trials of `true`, two at
// a time.
const NoopSweep = `name: bench-noop
worker:
  kind: command
  command: ["true"]
  report: exit-code
executor:
  kind: local
  slots: 2
seeds: {from: 1, to: 1000}
`

// DefaultOptunaTrials are the trial counts Optuna runs at: its time grows
// about quadratically with the study (ANCHORS.md: 400 trials took 98 s,
// 1000 did not finish in 15 minutes), so it runs smaller studies and the
// growth is fitted.
var DefaultOptunaTrials = []int{100, 200, 400}

// Timing is one contender of a benchmark.
type Timing struct {
	Name     string  `json:"name"`
	Command  string  `json:"command"`
	Seconds  float64 `json:"seconds"`
	PerTrial float64 `json:"ms_per_trial"`
	Ratio    float64 `json:"ratio"` // sweep's time over this one's
	Skipped  string  `json:"skipped,omitempty"`
}

// OrchestratorOptions sizes `sweep bench orchestrator`.
type OrchestratorOptions struct {
	// Trials is the size of the sweep, GNU parallel and xargs run (default 1000).
	Trials int
	// OptunaTrials are the study sizes of the Optuna anchor; none skips it.
	OptunaTrials []int
	// Python runs Optuna (empty: benchpy.Find's search).
	Python string
}

// OrchestratorBench is what `sweep bench orchestrator` measures.
type OrchestratorBench struct {
	Trials  int      `json:"trials"`
	Dir     string   `json:"dir"`
	Timings []Timing `json:"timings"`
	// Optuna is absent when it was not asked for.
	Optuna *OptunaBench `json:"optuna,omitempty"`
}

// Orchestrator runs the no-op sweep through the runner and, in the same
// run, GNU parallel, xargs and Optuna doing the same work, in dir.
func Orchestrator(ctx context.Context, dir string, opt OrchestratorOptions) (OrchestratorBench, error) {
	n := opt.Trials
	if n <= 0 {
		n = 1000
	}
	out := OrchestratorBench{Trials: n, Dir: dir}
	sweep, err := benchNoop(ctx, filepath.Join(dir, "sweep"), n)
	if err != nil {
		return out, err
	}
	out.Timings = append(out.Timings, Timing{Name: "sweep", Command: "sweep run bench-noop.yaml", Seconds: sweep})
	var lines strings.Builder
	for i := 1; i <= n; i++ {
		lines.WriteString(strconv.Itoa(i) + "\n")
	}
	for _, c := range []struct {
		name, shown string
		argv        []string
	}{
		{"GNU parallel", fmt.Sprintf("seq %d | parallel -j2 true", n), []string{"parallel", "-j2", "true"}},
		{"xargs", fmt.Sprintf("seq %d | xargs -P2 -I{} true", n), []string{"xargs", "-P2", "-I{}", "true"}},
	} {
		t := Timing{Name: c.name, Command: c.shown}
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			t.Skipped = c.argv[0] + " is not installed"
			out.Timings = append(out.Timings, t)
			continue
		}
		cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
		cmd.Stdin = strings.NewReader(lines.String())
		start := time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			return out, fmt.Errorf("%s: %v: %s", c.shown, err, msg)
		}
		t.Seconds = time.Since(start).Seconds()
		out.Timings = append(out.Timings, t)
	}
	for i := range out.Timings {
		t := &out.Timings[i]
		if t.Skipped == "" {
			t.PerTrial = 1000 * t.Seconds / float64(n)
			t.Ratio = sweep / t.Seconds
		}
	}
	if len(opt.OptunaTrials) > 0 {
		o, err := benchOptuna(ctx, filepath.Join(dir, "optuna"), opt.OptunaTrials, opt.Python, n, sweep)
		if err != nil {
			return out, err
		}
		out.Optuna = &o
	}
	return out, nil
}

// benchNoop runs the no-op sweep of n trials in a fresh directory under
// dir and returns its wall time, from opening the database to the end of
// the run.
func benchNoop(ctx context.Context, dir string, n int) (float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	file := filepath.Join(dir, "bench-noop.yaml")
	text := strings.Replace(NoopSweep, "to: 1000}", fmt.Sprintf("to: %d}", n), 1)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		return 0, err
	}
	s, err := sweeps.Load(file)
	if err != nil {
		return 0, err
	}
	db := filepath.Join(dir, "runs", "bench-noop", "sweep.db")
	began := time.Now()
	store, err := results.Open(db)
	if err != nil {
		return 0, err
	}
	r := runner.New(s, store, runner.Options{RunDir: filepath.Dir(db), Executor: &runner.Local{Config: s.File.Executor},
		Reporter: &runner.LogReporter{W: io.Discard}})
	sum, err := r.Run(ctx)
	store.Close()
	if err != nil {
		return 0, err
	}
	if sum.Succeeded != n {
		return 0, fmt.Errorf("bench sweep: %d of %d trials succeeded", sum.Succeeded, n)
	}
	return time.Since(began).Seconds(), nil
}

// IngestBench is what `sweep bench ingest` measures.
type IngestBench struct {
	Lines        int     `json:"lines"`
	Points       int     `json:"points"`
	Bytes        int64   `json:"bytes"`
	Seconds      float64 `json:"seconds"`
	PointsPerSec float64 `json:"points_per_second"`
	Goal         float64 `json:"goal_points_per_second"`
}

// Ingest writes an events file of lines metric events with four values
// each, then times reading it into a fresh database as the runner does:
// tail, decode, batch, write.
func Ingest(ctx context.Context, dir string, lines int) (IngestBench, error) {
	out := IngestBench{Lines: lines, Goal: 300_000}
	adir := filepath.Join(dir, "attempt")
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return out, err
	}
	events := filepath.Join(adir, "events.jsonl")
	f, err := os.Create(events)
	if err != nil {
		return out, err
	}
	w := trainer.NewEventWriter(f)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= lines; i++ {
		e := trainer.Event{T: t0.Add(time.Duration(i) * time.Millisecond), Event: trainer.EventMetric, Step: i,
			Values: map[string]float64{"loss": 1 / float64(i), "lr": 1e-3, "grad_norm": 0.5 + 1/float64(i), "tokens_per_s": 8000}}
		if err := w.Emit(e); err != nil {
			return out, err
		}
	}
	st, _ := f.Stat()
	out.Bytes = st.Size()
	f.Close()
	store, err := results.Open(filepath.Join(dir, "ingest.db"))
	if err != nil {
		return out, err
	}
	defer store.Close()
	if _, err := store.SyncTrials(ctx, results.SweepFile{Name: "bench-ingest", Text: "", Hash: "-"}, []results.TrialRow{{ID: "t", Seed: 1, HParams: "{}", Config: "{}"}}); err != nil {
		return out, err
	}
	a, err := store.StartAttempt(ctx, "t", "local", "cpu0", func(int) string { return adir })
	if err != nil {
		return out, err
	}
	start := time.Now()
	if err := runner.IngestEvents(ctx, store, a.ID, events); err != nil {
		return out, err
	}
	out.Seconds = time.Since(start).Seconds()
	if out.Points, err = store.MetricCount(ctx); err != nil {
		return out, err
	}
	if out.Points != 4*lines {
		return out, fmt.Errorf("ingested %d points, want %d", out.Points, 4*lines)
	}
	out.PointsPerSec = float64(out.Points) / out.Seconds
	return out, nil
}

// MarshalJSON keeps ratios readable.
func (t Timing) MarshalJSON() ([]byte, error) {
	type plain Timing
	p := plain(t)
	p.Seconds = round(p.Seconds, 4)
	p.PerTrial = round(p.PerTrial, 4)
	p.Ratio = round(p.Ratio, 3)
	return json.Marshal(p)
}

func round(x float64, digits int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', digits, 64), 64)
	return v
}
