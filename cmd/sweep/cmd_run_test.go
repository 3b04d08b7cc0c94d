package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestRunLeaseHeld: a second run of a sweep names the one that holds it
// and exits 2.
func TestRunLeaseHeld(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte("name: held\nworker: {kind: command, command: [\"true\"], report: exit-code}\n"), 0o644)
	db := filepath.Join(dir, "s.db")
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcquireLease(context.Background(), results.LeaseClaim{Host: "node7", PID: 4242, Stale: time.Hour}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, errOut, code := run(t, "run", file, "--db", db)
	if code != 2 || !strings.Contains(errOut, "is being run by pid 4242 on node7") {
		t.Errorf("got exit %d, %q; want 2 naming pid 4242 on node7", code, errOut)
	}
	out, _, code := run(t, "status", "--db", db)
	if code != 0 || !strings.Contains(out, "run by pid 4242 on node7 since") {
		t.Errorf("status: exit %d, got %q; want the holder named", code, out)
	}
}

// TestRunSignals: SIGHUP, SIGTERM and Ctrl-C each stop a run as Ctrl-C
// does: the running attempts are recorded cancelled, the worker is gone,
// and the exit status is 128 + the signal's number.
func TestRunSignals(t *testing.T) {
	self, _ := os.Executable()
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "s.yaml")
			os.WriteFile(file, []byte(`name: sig
worker:
  kind: command
  command: [sh, -c, 'echo $$ > pid; exec sleep 1000']
  report: exit-code
executor: {kind: local, slots: 1}
`), 0o644)
			runs := filepath.Join(dir, "runs")
			cmd := exec.Command(self, "run", file, "--runs", runs)
			cmd.Env = append(os.Environ(), "SWEEP_TEST_CLI=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var pidFile string
			for pidFile == "" {
				m, _ := filepath.Glob(filepath.Join(runs, "sig", "trials", "*", "1", "pid"))
				if len(m) == 1 {
					if b, _ := os.ReadFile(m[0]); len(b) > 0 && b[len(b)-1] == '\n' {
						pidFile = m[0]
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			if got, want := cmd.ProcessState.ExitCode(), 128+int(sig); got != want {
				t.Errorf("got exit %d, want %d; stderr %s", got, want, stderr.String())
			}
			b, _ := os.ReadFile(pidFile)
			var pid int
			for _, c := range strings.TrimSpace(string(b)) {
				pid = pid*10 + int(c-'0')
			}
			if err := syscall.Kill(pid, 0); err == nil {
				t.Errorf("the worker %d outlived the run", pid)
				syscall.Kill(pid, syscall.SIGKILL)
			}
			st, err := results.OpenReader(filepath.Join(runs, "sig", "sweep.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var status string
			testenv.DB(t, st.Path()).QueryRow(`SELECT status FROM attempts`).Scan(&status)
			if status != results.AttemptCancelled {
				t.Errorf("got attempt %q, want cancelled", status)
			}
		})
	}
}

// TestDivergedShown: a trial whose selection score is NaN is listed by
// status and named by report, not passed off as missing.
func TestDivergedShown(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events")
	os.WriteFile(events, []byte(`{"t":"2026-01-01T00:00:00Z","event":"eval","step":2,"split":"validation","values":{"acc":NaN,"f1":0.5}}
{"t":"2026-01-01T00:00:00Z","event":"eval","step":2,"split":"test","values":{"acc":null}}
{"t":"2026-01-01T00:00:00Z","event":"done","status":"ok"}
`), 0o644)
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte(`name: div
worker:
  kind: command
  command: [sh, -c, 'cat "$0" >> "$SWEEP_EVENTS"', `+events+`]
`), 0o644)
	runs := filepath.Join(dir, "runs")
	if _, errOut, code := run(t, "run", file, "--runs", runs); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	out, _, code := run(t, "status", file, "--runs", runs)
	if code != 0 || !strings.Contains(out, "diverged (1 trials whose selection score is not finite)") || !strings.Contains(out, "validation acc = nan") {
		t.Errorf("status: exit %d, got\n%s\nwant the trial listed as diverged", code, out)
	}
	out, _, code = run(t, "report", file, "--runs", runs, "--out", filepath.Join(dir, "report"))
	if code != 0 || !strings.Contains(out, "1 trials diverged") {
		t.Errorf("report: exit %d, got\n%s\nwant a line about the diverged trial", code, out)
	}
}
