package runbench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/internal/benchpy"
)

// optunaScript is the Optuna driver; it is written to a temporary file so
// an installed sweep benchmarks from any directory.
//
//go:embed bench_optuna.py
var optunaScript []byte

// OptunaCommand describes the Optuna anchor as ANCHORS.md measured it.
const OptunaCommand = "optuna: SQLite storage, GridSampler over the seeds, n_jobs=2, objective runs `true`"

// OptunaPoint is Optuna and sweep at one trial count.
type OptunaPoint struct {
	Trials       int     `json:"trials"`
	Seconds      float64 `json:"seconds"`
	PerTrial     float64 `json:"ms_per_trial"`
	SweepSeconds float64 `json:"sweep_seconds"`
	// Ratio is sweep's time over Optuna's at this count.
	Ratio float64 `json:"ratio"`
}

// OptunaBench is the Optuna anchor: measured at a few study sizes, its
// growth fitted as t ∝ n^k, and its time at the main trial count
// extrapolated from the fit (never measured: it takes too long).
type OptunaBench struct {
	Command string        `json:"command"`
	Python  string        `json:"python,omitempty"`
	Version string        `json:"version,omitempty"`
	Points  []OptunaPoint `json:"points,omitempty"`
	// Exponent is k of the least-squares fit of log t on log n (0: fewer
	// than two counts).
	Exponent float64 `json:"exponent,omitempty"`
	// ExtrapolatedTrials, ExtrapolatedSeconds: the fit's time at the
	// benchmark's main count; ExtrapolatedRatio is sweep's measured time
	// there over it.
	ExtrapolatedTrials  int     `json:"extrapolated_trials,omitempty"`
	ExtrapolatedSeconds float64 `json:"extrapolated_seconds,omitempty"`
	ExtrapolatedRatio   float64 `json:"extrapolated_ratio,omitempty"`
	Skipped             string  `json:"skipped,omitempty"`
}

// benchOptuna times sweep and Optuna at each count, alternating so that
// load drifting during the run touches both alike, then fits Optuna's
// growth and extrapolates it to mainN, where sweep took mainSweep.
func benchOptuna(ctx context.Context, dir string, counts []int, python string, mainN int, mainSweep float64) (OptunaBench, error) {
	out := OptunaBench{Command: OptunaCommand}
	py, err := benchpy.Find(ctx, python, "optuna")
	if err != nil {
		out.Skipped = err.Error()
		return out, nil
	}
	out.Python = py
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, err
	}
	script := filepath.Join(dir, "bench_optuna.py")
	if err := os.WriteFile(script, optunaScript, 0o644); err != nil {
		return out, err
	}
	for _, n := range counts {
		if n <= 0 {
			return out, fmt.Errorf("optuna trial count %d: want a positive count", n)
		}
		sweep, err := benchNoop(ctx, filepath.Join(dir, "sweep-"+strconv.Itoa(n)), n)
		if err != nil {
			return out, err
		}
		r, err := runOptuna(ctx, py, script, filepath.Join(dir, fmt.Sprintf("optuna-%d.db", n)), n)
		if err != nil {
			return out, err
		}
		out.Version = r.Version
		out.Points = append(out.Points, OptunaPoint{Trials: n, Seconds: r.Seconds, PerTrial: 1000 * r.Seconds / float64(n),
			SweepSeconds: sweep, Ratio: sweep / r.Seconds})
	}
	ns, ts := make([]float64, len(out.Points)), make([]float64, len(out.Points))
	for i, p := range out.Points {
		ns[i], ts[i] = float64(p.Trials), p.Seconds
	}
	if k, c, ok := PowerFit(ns, ts); ok {
		out.Exponent = k
		out.ExtrapolatedTrials = mainN
		out.ExtrapolatedSeconds = c * math.Pow(float64(mainN), k)
		out.ExtrapolatedRatio = mainSweep / out.ExtrapolatedSeconds
	}
	return out, nil
}

type optunaRun struct {
	Version   string  `json:"optuna"`
	Trials    int     `json:"trials"`
	Completed int     `json:"completed"`
	Seconds   float64 `json:"seconds"`
}

func runOptuna(ctx context.Context, python, script, db string, n int) (optunaRun, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, script, strconv.Itoa(n), db)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return optunaRun{}, fmt.Errorf("optuna, %d trials: %v: %s", n, err, tail(stderr.String(), 5))
	}
	var r optunaRun
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("optuna, %d trials: no result line: %q", n, tail(stdout.String(), 3))
	}
	if r.Completed != n {
		return r, fmt.Errorf("optuna: %d of %d trials completed", r.Completed, n)
	}
	return r, nil
}

// PowerFit fits t = c·n^k by least squares on (log n, log t). ok is false
// with fewer than two distinct positive n, or a non-positive t.
func PowerFit(n, t []float64) (k, c float64, ok bool) {
	if len(n) != len(t) || len(n) < 2 {
		return 0, 0, false
	}
	var sx, sy, sxx, sxy float64
	for i := range n {
		if n[i] <= 0 || t[i] <= 0 {
			return 0, 0, false
		}
		x, y := math.Log(n[i]), math.Log(t[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	m := float64(len(n))
	den := m*sxx - sx*sx
	if den <= 1e-12*m*sxx {
		return 0, 0, false // every n the same
	}
	k = (m*sxy - sx*sy) / den
	return k, math.Exp((sy - k*sx) / m), true
}

// tail is the last n lines of s, joined by " | ".
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
