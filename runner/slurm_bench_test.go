package runner

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// fakeSlurmRun runs n trials on the slurm executor with the fake sbatch
// and squeue of testdata/slurm/fake first on PATH (real processes, no
// cluster: the jobs complete the moment they are submitted). It returns
// the orchestrator's time from the start of the run until sbatch had
// taken every trial, the sbatch calls, and the whole run.
func fakeSlurmRun(tb testing.TB, n int) (submit time.Duration, sbatches int, sum Summary) {
	tb.Helper()
	fake := tb.TempDir()
	for _, name := range []string{"sbatch", "squeue", "scancel", "sacct"} {
		b, err := os.ReadFile(filepath.Join("testdata", "slurm", "fake", name))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fake, name), b, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := tb.TempDir()
	file := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(file, []byte(`name: thousand
worker: {kind: command, command: ["true"], report: exit-code}
executor: {kind: slurm, max_queued: 1000}
seeds: {from: 1, to: `+itoa(n)+`}
`), 0o644)
	s, err := sweeps.Load(file)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := results.Open(filepath.Join(dir, "sweep.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	sl, err := NewSlurm(s.File.Executor, s.File.Name, dir)
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var lastSbatch time.Time
	sl.Poll = 100 * time.Millisecond
	sl.Command = func(ctx context.Context, name string, args ...string) ([]byte, error) {
		out, err := runCommand(ctx, name, args...)
		if name == "sbatch" {
			mu.Lock()
			lastSbatch = time.Now()
			sbatches++
			mu.Unlock()
		}
		return out, err
	}
	began := time.Now()
	sum, err = New(s, st, Options{RunDir: dir, Executor: sl}).Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return lastSbatch.Sub(began), sbatches, sum
}

func itoa(n int) string { return string(mustJSON(n)) }

// TestSubmitArray1000: a thousand trials go to Slurm as job arrays in a
// few sbatch calls and well under 10 s of orchestrator time.
func TestSubmitArray1000(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand trials")
	}
	submit, sbatches, sum := fakeSlurmRun(t, 1000)
	t.Logf("1000 trials submitted in %s with %d sbatch calls; whole run %s", submit.Round(time.Millisecond), sbatches, sum.Elapsed.Round(time.Millisecond))
	if sum.Succeeded != 1000 {
		t.Fatalf("got %+v, want 1000 succeeded", sum)
	}
	if sbatches > 10 {
		t.Errorf("got %d sbatch calls for 1000 trials, want arrays (at most 10 calls)", sbatches)
	}
	if submit > 10*time.Second {
		t.Errorf("submitting took %s, want under 10 s", submit)
	}
}

// BenchmarkSubmitArray1000 reports the orchestrator's time to submit 1000
// trials as job arrays (fake sbatch on PATH), and the whole run's.
func BenchmarkSubmitArray1000(b *testing.B) {
	for b.Loop() {
		submit, sbatches, sum := fakeSlurmRun(b, 1000)
		if sum.Succeeded != 1000 {
			b.Fatalf("got %+v", sum)
		}
		b.ReportMetric(submit.Seconds(), "submit-s")
		b.ReportMetric(float64(sbatches), "sbatch-calls")
		b.ReportMetric(sum.Elapsed.Seconds(), "run-s")
	}
}
