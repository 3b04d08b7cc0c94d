package runbench

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// BenchmarkNoopTrials runs 200 trials of `true`, two at a time: the
// orchestrator's own cost per trial (sweep bench orchestrator compares
// the whole 1000-trial run with GNU parallel and xargs).
func BenchmarkNoopTrials(b *testing.B) {
	for b.Loop() {
		if _, err := benchNoop(context.Background(), b.TempDir(), 200); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIngestCounts(t *testing.T) {
	got, err := Ingest(context.Background(), t.TempDir(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != 8000 || got.PointsPerSec <= 0 {
		t.Errorf("got %+v, want 8000 points", got)
	}
}

func BenchmarkIngest(b *testing.B) {
	for b.Loop() {
		got, err := Ingest(context.Background(), b.TempDir(), 100_000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(got.PointsPerSec, "points/s")
	}
}

// TestOrchestratorSmall runs every contender of `sweep bench
// orchestrator` at a small size: the code paths, not the times.
func TestOrchestratorSmall(t *testing.T) {
	res, err := Orchestrator(context.Background(), t.TempDir(), OrchestratorOptions{Trials: 20, OptunaTrials: []int{5, 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timings) != 3 || res.Timings[0].Name != "sweep" || res.Timings[0].Seconds <= 0 {
		t.Fatalf("got timings %+v, want sweep, GNU parallel and xargs", res.Timings)
	}
	for _, tm := range res.Timings {
		if tm.Skipped == "" && (tm.Seconds <= 0 || tm.Ratio <= 0) {
			t.Errorf("%s: got %v s, ratio %v; want positive figures", tm.Name, tm.Seconds, tm.Ratio)
		}
	}
	o := res.Optuna
	if o == nil {
		t.Fatal("got no Optuna section, want one for two counts")
	}
	if o.Skipped != "" {
		testenv.Skipf(t, "optuna: %s", o.Skipped)
	}
	if len(o.Points) != 2 || o.Points[0].Trials != 5 || o.Points[1].Trials != 10 {
		t.Fatalf("got points %+v, want 5 and 10 trials", o.Points)
	}
	for _, p := range o.Points {
		if p.Seconds <= 0 || p.SweepSeconds <= 0 || math.Abs(p.Ratio-p.SweepSeconds/p.Seconds) > 1e-9 {
			t.Errorf("got %+v, want positive times and ratio = sweep ÷ optuna", p)
		}
	}
	if o.Exponent == 0 || o.ExtrapolatedTrials != 20 || o.ExtrapolatedSeconds <= 0 || o.Version == "" {
		t.Errorf("got exponent %v, extrapolated %d trials in %v s, version %q; want a fit extrapolated to 20 trials",
			o.Exponent, o.ExtrapolatedTrials, o.ExtrapolatedSeconds, o.Version)
	}
}

// TestOrchestratorNoOptuna: an interpreter without optuna is a skip
// that says why, not a failure.
func TestOrchestratorNoOptuna(t *testing.T) {
	res, err := Orchestrator(context.Background(), t.TempDir(), OrchestratorOptions{Trials: 4, OptunaTrials: []int{5},
		Python: filepath.Join(t.TempDir(), "no-python")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Optuna == nil || !strings.Contains(res.Optuna.Skipped, "no Python that imports optuna") {
		t.Errorf("got %+v, want a skip naming optuna", res.Optuna)
	}
}

func TestPowerFit(t *testing.T) {
	n := []float64{100, 200, 400}
	tt := []float64{3e-4 * 100 * 100, 3e-4 * 200 * 200, 3e-4 * 400 * 400}
	k, c, ok := PowerFit(n, tt)
	if !ok || math.Abs(k-2) > 1e-9 || math.Abs(c-3e-4) > 1e-12 {
		t.Errorf("got k %v, c %v, ok %v; want 2, 3e-4, true", k, c, ok)
	}
	// ANCHORS.md's Optuna figures: 3.4 s, 14.8 s, 98 s.
	k, _, _ = PowerFit(n, []float64{3.4, 14.8, 98})
	if k < 2.3 || k > 2.5 {
		t.Errorf("ANCHORS.md's figures: got k %v, want about 2.4", k)
	}
	for _, bad := range [][2][]float64{{{100}, {1}}, {{100, 100}, {1, 2}}, {{100, 200}, {1, 0}}, {{0, 200}, {1, 2}}} {
		if _, _, ok := PowerFit(bad[0], bad[1]); ok {
			t.Errorf("PowerFit(%v, %v): got ok, want no fit", bad[0], bad[1])
		}
	}
}
