package runner

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func testOptions(s *sweeps.Sweep, db string) Options {
	self, _ := os.Executable()
	return Options{
		RunDir:   filepath.Dir(db),
		Executor: &Local{Config: s.File.Executor},
		Self:     self,
		Grace:    500 * time.Millisecond,
		Poll:     20 * time.Millisecond,
	}
}

// fakeSweep writes a sweep file whose command worker is this test binary.
func fakeSweep(t *testing.T, dir, extra string, modes ...string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(modes)
	text := `name: fake
worker:
  kind: command
  command: [` + string(mustJSON(self)) + `, "{mode}", "{seed}"]
  report: events
  heartbeat_timeout: 1s
  env: {RUNNER_FAKE_WORKER: "1"}
executor: {kind: local, slots: 2}
hparams:
  mode: ` + string(quoted) + `
max_retries: 1
` + extra
	path := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func runSweep(t testing.TB, file, db string) Summary {
	t.Helper()
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sum, err := New(s, st, testOptions(s, db)).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

type attemptRow struct {
	mode, status, kind, err string
	number                  int
	metrics                 int
}

// attemptsByMode reads every attempt with its trial's mode.
func attemptsByMode(t *testing.T, db string) map[string][]attemptRow {
	t.Helper()
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT json_extract(t.hparams, '$.mode'), a.status, coalesce(a.error_kind, ''), coalesce(a.error, ''), a.number,
		(SELECT count(*) FROM metrics m WHERE m.attempt = a.id)
		FROM attempts a JOIN trials t ON t.id = a.trial ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]attemptRow{}
	for rows.Next() {
		var r attemptRow
		if err := rows.Scan(&r.mode, &r.status, &r.kind, &r.err, &r.number, &r.metrics); err != nil {
			t.Fatal(err)
		}
		out[r.mode] = append(out[r.mode], r)
	}
	return out
}

// TestWorkerFaults: each fault is recorded with its kind and retried per
// policy (max_retries 1: two attempts), and the sweep carries on.
func TestWorkerFaults(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "", "ok", "exit1", "signal", "hang", "garbage", "afterdone", "nodone", "oom", "flaky")
	db := filepath.Join(dir, "sweep.db")
	sum := runSweep(t, file, db)
	if sum.Trials != 9 || sum.Succeeded != 4 || sum.Failed != 5 {
		t.Errorf("got %+v, want 9 trials: 4 succeeded, 5 failed", sum)
	}
	got := attemptsByMode(t, db)
	const points = 2 * fakeMetricSteps // loss and lr at each step
	tests := []struct {
		mode     string
		statuses string
		kind     string
		err      string
		metrics  int
	}{
		{"ok", "succeeded", "", "", points},
		{"exit1", "failed failed", KindCrash, "exit status 1: something broke", 0},
		{"signal", "failed failed", KindSignal, "killed by SIGKILL", 0},
		{"hang", "failed failed", KindTimeout, "no event for 1s: killed", 0},
		{"garbage", "succeeded", "", "", points},
		{"afterdone", "succeeded", "", "", points},
		{"nodone", "failed failed", KindProtocol, "exited 0 without a done event", points},
		{"oom", "failed failed", KindOOM, "exit status 1: RuntimeError: CUDA out of memory", 0},
		{"flaky", "failed succeeded", "", "", points},
	}
	for _, tt := range tests {
		rows := got[tt.mode]
		var statuses []string
		for _, r := range rows {
			statuses = append(statuses, r.status)
		}
		if s := strings.Join(statuses, " "); s != tt.statuses {
			t.Errorf("%s: got attempts %q, want %q", tt.mode, s, tt.statuses)
			continue
		}
		first := rows[0]
		if tt.kind != "" && first.kind != tt.kind {
			t.Errorf("%s: got kind %q, want %q", tt.mode, first.kind, tt.kind)
		}
		if tt.err != "" && !strings.HasPrefix(first.err, tt.err) {
			t.Errorf("%s: got error %q, want it to start %q", tt.mode, first.err, tt.err)
		}
		if last := rows[len(rows)-1]; last.metrics != tt.metrics {
			t.Errorf("%s: got %d metric points, want %d", tt.mode, last.metrics, tt.metrics)
		}
	}
	// Bad lines and events after done are kept as warnings.
	st, _ := results.OpenReader(db)
	defer st.Close()
	var warnings int
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM events WHERE kind = 'warning'`).Scan(&warnings)
	if warnings < 3 {
		t.Errorf("got %d warnings, want the garbage lines and the event after done", warnings)
	}
}

// TestResumeSkipsSucceeded: a second run attempts nothing that succeeded
// and does not retry failures past the limit.
func TestResumeSkipsSucceeded(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "", "ok", "exit1")
	db := filepath.Join(dir, "sweep.db")
	runSweep(t, file, db)
	runSweep(t, file, db)
	got := attemptsByMode(t, db)
	if len(got["ok"]) != 1 || len(got["exit1"]) != 2 {
		t.Errorf("got %d and %d attempts, want 1 (ok) and 2 (exit1, given up)", len(got["ok"]), len(got["exit1"]))
	}
	// A trial removed from the file is reported, not deleted.
	file = fakeSweep(t, dir, "", "ok")
	sum := runSweep(t, file, db)
	if len(sum.Orphans) != 1 || sum.Trials != 1 {
		t.Errorf("got %d orphans, %d trials; want 1 and 1", len(sum.Orphans), sum.Trials)
	}
}

// TestArgumentsReachWorkerLiterally: values with shell metacharacters are
// single arguments, never interpreted.
func TestArgumentsReachWorkerLiterally(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	nasty := []string{"; rm -rf /", "$(touch pwned)", "`id`", `"quoted" 'single'`, "new\nline", "a b\tc", "{seed}"}
	q, _ := json.Marshal(nasty)
	text := `name: args
worker:
  kind: command
  command: [` + string(mustJSON(self)) + `, args, "{x}", "pre-{x}-post"]
  env: {RUNNER_FAKE_WORKER: "1"}
hparams:
  x: ` + string(q) + `
`
	file := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	db := filepath.Join(dir, "sweep.db")
	if sum := runSweep(t, file, db); sum.Succeeded != len(nasty) {
		t.Fatalf("got %+v", sum)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "trials", "*", "1", "args.json"))
	seen := map[string]bool{}
	for _, f := range files {
		var args []string
		b, _ := os.ReadFile(f)
		json.Unmarshal(b, &args)
		if len(args) != 3 || args[0] != "args" || args[2] != "pre-"+args[1]+"-post" {
			t.Errorf("got argv %q", args)
			continue
		}
		seen[args[1]] = true
	}
	for _, n := range nasty {
		if !seen[n] {
			t.Errorf("value %q did not arrive as one argument", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "trials", "pwned")); err == nil {
		t.Error("a value was run by a shell")
	}
}

func TestParamsMismatchFlagged(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	text := `name: pm
model: go-tiny
tasks: [syn-squad]
methods: [lora]
ranks: [8]
worker:
  kind: command
  command: [` + string(mustJSON(self)) + `, params]
  env: {RUNNER_FAKE_WORKER: "1"}
`
	file := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	db := filepath.Join(dir, "sweep.db")
	runSweep(t, file, db)
	st, _ := results.OpenReader(db)
	defer st.Close()
	var mismatch, trainable int64
	if err := testenv.DB(t, st.Path()).QueryRow(`SELECT params_mismatch, params_trainable FROM attempts`).Scan(&mismatch, &trainable); err != nil {
		t.Fatal(err)
	}
	if mismatch != 1 || trainable != 12345 {
		t.Errorf("got mismatch %d, trainable %d; want 1 and 12345", mismatch, trainable)
	}
}

// TestCrashSafety kills the orchestrator with SIGKILL at random moments
// five times and restarts it; at the end every trial has succeeded exactly
// once, the database is intact and no metric of a succeeded attempt is
// missing.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the orchestrator")
	}
	dir := t.TempDir()
	file := fakeSweep(t, dir, "seeds: {from: 1, to: 25}\n", "slow", "ok")
	db := filepath.Join(dir, "sweep.db")
	self, _ := os.Executable()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		cmd := exec.Command(self, file, db)
		cmd.Env = append(os.Environ(), "RUNNER_FAKE_ORCHESTRATOR=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("kill %d done", i+1)
	}
	sum := runSweep(t, file, db)
	if sum.Trials != 50 || sum.Succeeded != 50 {
		t.Fatalf("got %+v, want 50 succeeded", sum)
	}
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.IntegrityCheck(); err != nil || v != "ok" {
		t.Errorf("integrity_check: got %q, %v", v, err)
	}
	var twice, short int
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM (SELECT trial FROM attempts WHERE status = 'succeeded' GROUP BY trial HAVING count(*) != 1)`).Scan(&twice)
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM attempts a WHERE a.status = 'succeeded' AND
		(SELECT count(*) FROM metrics m WHERE m.attempt = a.id) != ?`, 2*fakeMetricSteps).Scan(&short)
	if twice != 0 || short != 0 {
		t.Errorf("got %d trials not succeeded exactly once, %d succeeded attempts with missing or extra metrics", twice, short)
	}
}

// TestReadersNeverLocked: ten readers query in a loop while a sweep writes.
func TestReadersNeverLocked(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "seeds: {from: 1, to: 20}\n", "ok", "garbage")
	db := filepath.Join(dir, "sweep.db")
	st, err := results.Open(db) // create the schema first
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := results.OpenReader(db)
				if err == nil {
					_, err = r.Status(context.Background(), 5)
					r.Close()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	runSweep(t, file, db)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("reader: %v", err)
	}
}

// The worker runs in its attempt directory, so relative paths given to
// the runner (a --cache or --runs relative to the shell's directory) reach
// it as absolute ones; a relative cache made a new base model per attempt.
func TestSpecPathsAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	file := fakeSweep(t, dir, "", "ok")
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join("runs", "sweep.db")
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opt := testOptions(s, db)
	opt.CacheDir = "cache"
	if _, err := New(s, st, opt).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	specs, _ := filepath.Glob(filepath.Join(dir, "runs", "trials", "*", "*", "spec.json"))
	if len(specs) != 1 {
		t.Fatalf("got spec files %v, want one", specs)
	}
	data, err := os.ReadFile(specs[0])
	if err != nil {
		t.Fatal(err)
	}
	var spec trainer.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "cache"); spec.CacheDir != want {
		t.Errorf("cache_dir: got %q, want %q", spec.CacheDir, want)
	}
	if !filepath.IsAbs(spec.AttemptDir) {
		t.Errorf("attempt_dir: got %q, want an absolute path", spec.AttemptDir)
	}
}
