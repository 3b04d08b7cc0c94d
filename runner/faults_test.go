package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// orchestrator starts this test binary as an orchestrator of file into
// db, with extra environment.
func orchestrator(t *testing.T, file, db string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	self, _ := os.Executable()
	cmd := exec.Command(self, file, db)
	cmd.Env = append(append(os.Environ(), "RUNNER_FAKE_ORCHESTRATOR=1"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// oneSlot makes a fake sweep file run one attempt at a time.
func oneSlot(t *testing.T, file string) string {
	t.Helper()
	text, _ := os.ReadFile(file)
	text = bytes.Replace(text, []byte("slots: 2"), []byte("slots: 1"), 1)
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// waitFile waits for a file to appear (the event a test waits on).
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFileOr waits for a file, failing if the process it waits on ends
// first.
func waitFileOr(t *testing.T, path string, exited <-chan struct{}, stderr *bytes.Buffer) {
	t.Helper()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("the orchestrator ended before %s appeared: %s", path, stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// attemptCounts returns, per trial, the attempts and the succeeded ones.
func attemptCounts(t *testing.T, db string) (attempts, succeeded map[string]int) {
	t.Helper()
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT trial, status FROM attempts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	attempts, succeeded = map[string]int{}, map[string]int{}
	for rows.Next() {
		var trial, status string
		rows.Scan(&trial, &status)
		attempts[trial]++
		if status == results.AttemptSucceeded {
			succeeded[trial]++
		}
	}
	return attempts, succeeded
}

// TestTwoOrchestrators: two runs of one sweep started together; one runs
// it, the other says who does and exits 2 (or finds nothing left to do),
// and no trial runs twice.
func TestTwoOrchestrators(t *testing.T) {
	for round := range 3 {
		dir := t.TempDir()
		file := fakeSweep(t, dir, "seeds: {from: 1, to: 15}\n", "ok", "args")
		db := filepath.Join(dir, "sweep.db")
		a, aErr := orchestrator(t, file, db)
		b, bErr := orchestrator(t, file, db)
		errA, errB := a.Wait(), b.Wait()
		codes := []int{a.ProcessState.ExitCode(), b.ProcessState.ExitCode()}
		for i, err := range []error{errA, errB} {
			out := []*bytes.Buffer{aErr, bErr}[i].String()
			if err != nil && (codes[i] != 2 || !strings.Contains(out, "is being run by pid")) {
				t.Errorf("round %d, orchestrator %d: exit %d, %q; want 0, or 2 naming the holder", round, i, codes[i], out)
			}
		}
		attempts, succeeded := attemptCounts(t, db)
		if len(attempts) != 30 {
			t.Errorf("round %d: got %d trials attempted, want 30", round, len(attempts))
		}
		for trial, n := range attempts {
			if n != 1 || succeeded[trial] != 1 {
				t.Errorf("round %d: trial %s: got %d attempts, %d succeeded; want 1 and 1", round, trial, n, succeeded[trial])
			}
		}
	}
}

// TestLeaseWait: with WaitLease a run waits for the holder to go.
func TestLeaseWait(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "", "ok")
	db := filepath.Join(dir, "sweep.db")
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := st.AcquireLease(context.Background(), results.LeaseClaim{Host: "elsewhere", PID: 1, Stale: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sweeps.Load(file)
	opt := testOptions(s, db)
	opt.LeaseInterval = 10 * time.Millisecond
	if _, err := New(s, st, opt).Run(context.Background()); !errors.As(err, new(*results.LeaseHeldError)) {
		t.Fatalf("without --wait: got %v, want a LeaseHeldError", err)
	}
	notes := &noteReporter{seen: make(chan string, 10)}
	opt.WaitLease, opt.Reporter = true, notes
	done := make(chan error, 1)
	go func() {
		sum, err := New(s, st, opt).Run(context.Background())
		if err == nil && sum.Succeeded != 1 {
			err = fmt.Errorf("got %+v, want 1 succeeded", sum)
		}
		done <- err
	}()
	if note := <-notes.seen; !strings.Contains(note, "waiting for the run of this sweep by pid 1 on elsewhere") {
		t.Errorf("got note %q", note)
	}
	if err := other.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

type noteReporter struct {
	nopReporter
	seen chan string
}

func (n *noteReporter) Note(s string) {
	select {
	case n.seen <- s:
	default:
	}
}

// TestAdoptBeforePIDRecorded: an orchestrator killed after starting a
// worker and before recording its pid leaves an attempt the next run
// adopts through the supervisor's file: the trial runs once.
func TestAdoptBeforePIDRecorded(t *testing.T) {
	for _, report := range []string{"events", "exit-code"} {
		t.Run(report, func(t *testing.T) {
			dir := t.TempDir()
			file := oneSlot(t, fakeSweep(t, dir, "", "gated"))
			text, _ := os.ReadFile(file)
			os.WriteFile(file, bytes.Replace(text, []byte("report: events"), []byte("report: "+report), 1), 0o644)
			db := filepath.Join(dir, "sweep.db")
			paused := filepath.Join(dir, "paused")
			cmd, stderr := orchestrator(t, file, db, "RUNNER_PAUSE_AT_START="+paused)
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			waitFileOr(t, paused, exited, stderr)
			cmd.Process.Kill()
			<-exited
			if report == "exit-code" {
				// The worker ends while no orchestrator runs: its
				// supervisor's record of the exit is all that is left.
				os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
				exits, _ := filepath.Glob(filepath.Join(dir, "trials", "*", "1"))
				waitFile(t, filepath.Join(exits[0], exitFile))
			} else {
				go func() {
					waitFile(t, filepath.Join(dir, "paused")) // already there
					os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
				}()
			}
			sum := runSweep(t, file, db)
			if sum.Succeeded != 1 {
				t.Errorf("got %+v, want 1 succeeded", sum)
			}
			attempts, succeeded := attemptCounts(t, db)
			for trial, n := range attempts {
				if n != 1 || succeeded[trial] != 1 {
					t.Errorf("trial %s: got %d attempts, %d succeeded; want 1 and 1", trial, n, succeeded[trial])
				}
			}
		})
	}
}

// TestLateSupervisorRefuses: a supervisor that finds its attempt given up
// (a tombstone) does not start the worker.
func TestLateSupervisorRefuses(t *testing.T) {
	dir := t.TempDir()
	l := &Local{}
	if _, ok := l.Adopt(results.Attempt{Dir: dir}); ok {
		t.Fatal("adopted an attempt that has no supervisor")
	}
	self, _ := os.Executable()
	ran := filepath.Join(dir, "ran")
	cmd := exec.Command(self, "supervise", dir, "/bin/sh", "-c", "touch "+ran)
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 75 {
		t.Errorf("got exit %d (%v), want 75", code, err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("the worker ran after its attempt was given up")
	}
}

// TestLeftoversKilled: whatever a worker started, in its process group or
// escaped with setsid, is gone once its attempt has ended, however it
// ended: success, failure, heartbeat timeout, or a stopped run.
func TestLeftoversKilled(t *testing.T) {
	for _, mode := range []string{"spawn", "spawnfail", "spawnhang", "stop"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			worker := mode
			if mode == "stop" {
				worker = "spawnhang"
			}
			file := fakeSweep(t, dir, "", worker)
			db := filepath.Join(dir, "sweep.db")
			s, _ := sweeps.Load(file)
			st, err := results.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			zero := 0
			opt := testOptions(s, db)
			opt.MaxRetries = &zero
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			kids := filepath.Join(dir, "trials", s.Trials()[0].ID, "1", "kids")
			if mode == "stop" {
				opt.HeartbeatTimeout = time.Hour
				go func() { waitFile(t, kids); cancel() }()
			}
			if _, err := New(s, st, opt).Run(ctx); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(kids)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var pid int
				var start int64
				fmt.Sscan(line, &pid, &start)
				if alive(pid, start) {
					t.Errorf("child %d of the worker is still running", pid)
					syscall.Kill(pid, syscall.SIGKILL)
				}
				n++
			}
			if n != 2 {
				t.Errorf("got %d children recorded, want 2", n)
			}
		})
	}
}

// TestStorageFailureStops: a failure to store stops the run with its cause
// and no new attempt; a rerun once it is fixed runs each trial once.
func TestStorageFailureStops(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "seeds: {from: 1, to: 3}\n", "ok")
	db := filepath.Join(dir, "sweep.db")
	// trials/ is a file: no attempt directory can be made.
	if err := os.WriteFile(filepath.Join(dir, "trials"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := sweeps.Load(file)
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := New(s, st, testOptions(s, db)).Run(context.Background())
	st.Close()
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("got %v, want the failure to make the attempt directory", err)
	}
	if sum.Succeeded != 0 || sum.Failed != 0 {
		t.Errorf("got %+v, want nothing succeeded or failed", sum)
	}
	attempts, _ := attemptCounts(t, db)
	if n := len(attempts); n > 2 {
		t.Errorf("got %d trials attempted, want at most one per slot before the stop", n)
	}
	os.Remove(filepath.Join(dir, "trials"))
	if sum := runSweep(t, file, db); sum.Succeeded != 3 {
		t.Errorf("rerun: got %+v, want 3 succeeded", sum)
	}
	_, succeeded := attemptCounts(t, db)
	for trial, n := range succeeded {
		if n != 1 {
			t.Errorf("trial %s succeeded %d times, want once", trial, n)
		}
	}
}

// TestDatabaseDeletedStops: a database deleted under a run stops it, and
// a new database does not take over the old attempt directories.
func TestDatabaseDeletedStops(t *testing.T) {
	dir := t.TempDir()
	file := oneSlot(t, fakeSweep(t, dir, "seeds: {from: 1, to: 3}\n", "ok"))
	db := filepath.Join(dir, "sweep.db")
	s, err := sweeps.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(s, db)
	notes := &deleteOnFinish{db: db}
	opt.Reporter = notes
	_, err = New(s, st, opt).Run(context.Background())
	st.Close()
	if !errors.Is(err, results.ErrReplaced) {
		t.Fatalf("got %v, want ErrReplaced", err)
	}
	// A fresh database finds the old run's directories in its way.
	st, err = results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = New(s, st, testOptions(s, db)).Run(context.Background())
	if !errors.Is(err, ErrOtherDatabase) {
		t.Errorf("rerun on a new database: got %v, want ErrOtherDatabase", err)
	}
	// Without the marker, the old attempt directories still stop it.
	os.Remove(filepath.Join(dir, instanceFile))
	_, err = New(s, st, testOptions(s, db)).Run(context.Background())
	if !errors.Is(err, ErrAttemptDirExists) {
		t.Errorf("rerun without the marker: got %v, want ErrAttemptDirExists", err)
	}
}

// deleteOnFinish deletes the database when the first attempt finishes.
type deleteOnFinish struct {
	nopReporter
	db   string
	done bool
}

func (d *deleteOnFinish) Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool) {
	if !d.done {
		d.done = true
		os.Remove(d.db)
	}
}

// TestNonFiniteRecorded: NaN, ±Infinity and null from a worker are stored
// as non-finite values with the line's finite ones, and the trial whose
// selection score is NaN shows as diverged.
func TestNonFiniteRecorded(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "", "nonfinite", "ok")
	db := filepath.Join(dir, "sweep.db")
	if sum := runSweep(t, file, db); sum.Succeeded != 2 {
		t.Fatalf("got %+v, want 2 succeeded", sum)
	}
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var id int64
	var warnings int
	testenv.DB(t, st.Path()).QueryRow(`SELECT a.id FROM attempts a JOIN trials t ON t.id = a.trial WHERE json_extract(t.hparams, '$.mode') = 'nonfinite'`).Scan(&id)
	testenv.DB(t, st.Path()).QueryRow(`SELECT count(*) FROM events WHERE kind = 'warning' AND attempt = ?`, id).Scan(&warnings)
	if warnings != 0 {
		t.Errorf("got %d warnings, want none: the lines are data", warnings)
	}
	ms, err := st.MetricValues(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.Name] = fmt.Sprint(m.Value)
	}
	want := map[string]string{"loss": "NaN", "gnorm": "+Inf", "lr": "0.5", "neg": "-Inf", "gone": "NaN"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got metrics %v, want %v", got, want)
	}
	status, err := st.Status(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(status.Diverged) != 1 || status.Diverged[0].Metric != "acc" || status.Diverged[0].Value != results.NonFiniteNaN {
		t.Errorf("got diverged %+v, want the nonfinite trial's acc = nan", status.Diverged)
	}
}

// TestAdoptSupervisorBeforeItsFile: an attempt whose pid was recorded but
// whose supervisor had not written its file when the orchestrator died is
// adopted as supervised: its exit status is read, not lost.
func TestAdoptSupervisorBeforeItsFile(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	gate := filepath.Join(dir, "gate")
	cmd := exec.Command(self, "supervise", dir, "/bin/sh", "-c", "while [ ! -e "+gate+" ]; do sleep 0.01; done; exit 4")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	waitFile(t, filepath.Join(dir, supervisorFile))
	os.Rename(filepath.Join(dir, supervisorFile), filepath.Join(dir, "moved")) // as if not written yet
	start, _ := processStart(cmd.Process.Pid)
	p, ok := (&Local{}).Adopt(results.Attempt{PID: cmd.Process.Pid, PIDStart: start, Dir: dir})
	if !ok {
		t.Fatal("the live supervisor was not adopted")
	}
	os.WriteFile(gate, nil, 0o644)
	if ex := p.Wait(); !ex.Known || ex.Code != 4 {
		t.Errorf("got exit %+v, want the known status 4", ex)
	}
}

// TestExitCodeStored: an attempt's exit status is kept; a signal leaves
// it empty and is named in the error.
func TestExitCodeStored(t *testing.T) {
	dir := t.TempDir()
	file := fakeSweep(t, dir, "max_retries: 0\n", "ok", "exit1", "signal")
	text, _ := os.ReadFile(file)
	os.WriteFile(file, bytes.Replace(text, []byte("max_retries: 1\n"), nil, 1), 0o644)
	db := filepath.Join(dir, "sweep.db")
	runSweep(t, file, db)
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT json_extract(t.hparams, '$.mode'), coalesce(a.exit_code, -99), coalesce(a.error, '')
		FROM attempts a JOIN trials t ON t.id = a.trial`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var mode, msg string
		var code int
		rows.Scan(&mode, &code, &msg)
		got[mode] = fmt.Sprintf("%d %s", code, msg)
	}
	want := map[string]string{"ok": "0 ", "exit1": "1 exit status 1: something broke", "signal": "-99 killed by SIGKILL"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
