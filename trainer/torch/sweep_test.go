package torch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/plots"
	torchworker "github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

const sweepYAML = `name: torch-e2e
model: go-micro
worker: {kind: torch}
executor: {kind: local, slots: 1, threads_per_trial: 1}
tasks:
  - {name: syn-squad, size: 120}
methods: [lora, tl6]
ranks: [4]
hparams:
  lr: 1e-3
  steps: 20
  batch_size: 4
  warmup: 2
  eval_every: 10
  checkpoint_every: 10
  max_seq_len: 128
  eval_examples: 4
`

// TestSweepWithTorchWorker runs a small sweep with `worker: torch` on the
// built-in model through the runner, the way `sweep run` does, and checks
// that every trial succeeded, was scored by the runner from the worker's
// predictions, and is in the report.
func TestSweepWithTorchWorker(t *testing.T) {
	if _, err := torchworker.DefaultFinder.Find(context.Background(), ""); errors.Is(err, torchworker.ErrNoPython) {
		testenv.Skipf(t, "skipping: %v", err)
	}
	s, st, sum := runSweep(t, t.TempDir(), sweepYAML)
	runDir := filepath.Dir(st.Path())
	if sum.Trials != 2 || sum.Succeeded != 2 {
		var msg string
		testenv.DB(t, st.Path()).QueryRow(`SELECT coalesce(group_concat(error || ' | ' || coalesce(stderr_tail, ''), '; '), '') FROM attempts`).Scan(&msg)
		t.Fatalf("got %+v, want 2 trials succeeded (%s)", sum, msg)
	}
	var scored, curves int
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(DISTINCT attempt) FROM scores WHERE source = 'runner'`).Scan(&scored)
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM metrics`).Scan(&curves)
	if scored != 2 || curves == 0 {
		t.Errorf("got %d attempts scored by the runner and %d metric points, want 2 and a curve", scored, curves)
	}

	out := filepath.Join(runDir, "report")
	in, err := plots.Load(context.Background(), st, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.Write(out, in, plots.Options{Formats: []string{"md"}}); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "2 trials planned: 2 scored") {
		t.Errorf("report.md does not count 2 trials scored")
	}
	for _, tr := range s.Trials() {
		if row := fmt.Sprintf("| %s | %s |", tr.MethodName(), thousands(tr.Params.Trainable)); !strings.Contains(string(md), row) {
			t.Errorf("report.md has no row %q for trial %s", row, tr.ID)
		}
	}
	t.Logf("report.md:\n%s", md)
}

// thousands writes n as the report does: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
