package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkNoopTrials runs 200 trials of `true`, two at a time: the
// orchestrator's own cost per trial (sweep bench orchestrator compares
// the whole 1000-trial run with GNU parallel and xargs).
func BenchmarkNoopTrials(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		file := filepath.Join(dir, "sweep.yaml")
		os.WriteFile(file, []byte(`name: noop
worker: {kind: command, command: ["true"], report: exit-code}
executor: {kind: local, slots: 2}
seeds: {from: 1, to: 200}
`), 0o644)
		sum := runSweep(b, file, filepath.Join(dir, "sweep.db"))
		if sum.Succeeded != 200 {
			b.Fatalf("got %+v", sum)
		}
	}
}

func TestBenchIngestCounts(t *testing.T) {
	got, err := BenchIngest(context.Background(), t.TempDir(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != 8000 || got.PointsPerSec <= 0 {
		t.Errorf("got %+v, want 8000 points", got)
	}
}

func BenchmarkIngest(b *testing.B) {
	for b.Loop() {
		got, err := BenchIngest(context.Background(), b.TempDir(), 100_000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(got.PointsPerSec, "points/s")
	}
}
