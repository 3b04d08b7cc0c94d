package workers

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// TestExampleWorkers runs the documented minimal workers through the
// runner, so the examples in docs/workers.md keep working.
func TestExampleWorkers(t *testing.T) {
	for _, w := range []struct{ interp, script string }{{"python3", "minimal.py"}, {"sh", "minimal.sh"}} {
		if _, err := exec.LookPath(w.interp); err != nil {
			t.Logf("%s not installed: skipping %s", w.interp, w.script)
			continue
		}
		s, err := sweeps.Load("sweep.yaml")
		if err != nil {
			t.Fatal(err)
		}
		s.File.Worker.Command = []string{w.interp, "{sweep_dir}/" + w.script}
		db := filepath.Join(t.TempDir(), "sweep.db")
		st, err := results.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := runner.New(s, st, runner.Options{RunDir: filepath.Dir(db), Executor: &runner.Local{Config: s.File.Executor}}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var points int
		testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM metrics`).Scan(&points)
		st.Close()
		if sum.Succeeded != 4 || points == 0 {
			t.Errorf("%s: got %+v and %d metric points, want 4 succeeded with curves", w.script, sum, points)
		}
	}
}
