package runner

import (
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
