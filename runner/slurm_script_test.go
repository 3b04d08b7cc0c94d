package runner

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

var nastyValues = []string{"; rm -rf /", "$(touch pwned)", "`touch pwned`", `"quoted" 'single'`, "new\nline", "a b\tc", `back\slash`, "100%", "*", "-n"}

// scriptTask makes a task that runs this test binary as the fake worker.
func scriptTask(t *testing.T, dir, mode string, args ...string) batchTask {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return batchTask{Dir: dir, Stdout: filepath.Join(dir, "stdout.log"), Stderr: filepath.Join(dir, "stderr.log"),
		Argv: append([]string{self, mode}, args...),
		Env:  []string{"RUNNER_FAKE_WORKER=1", "SWEEP_EVENTS=" + filepath.Join(dir, "events.jsonl"), "NASTY=" + strings.Join(nastyValues, "|")}}
}

// runScript runs a generated batch script as Slurm would, without Slurm.
func runScript(t *testing.T, script []byte, arrayTask string) (*exec.Cmd, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "job.sbatch")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", path)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID="+arrayTask)
	cmd.Dir = t.TempDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, cmd.Start()
}

// TestBatchScriptValuesLiteral: argv and environment values with shell
// metacharacters reach the worker as written, in a directory whose name
// has them too, and the script records the exit status.
func TestBatchScriptValuesLiteral(t *testing.T) {
	root := t.TempDir()
	dirs := []string{filepath.Join(root, "it's $(x) a dir"), filepath.Join(root, "plain")}
	b := batchScript{JobName: "tiedlora-x", Chdir: root, Output: filepath.Join(root, "slurm.out"),
		Setup: []string{"export FROM_SETUP=yes"},
		Tasks: []batchTask{scriptTask(t, dirs[0], "args", nastyValues...), scriptTask(t, dirs[1], "args", "second")}}
	script, err := b.render()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "#SBATCH --array=0-1\n") {
		t.Errorf("two tasks: want an #SBATCH --array=0-1 line, got\n%s", script)
	}
	cmd, err := runScript(t, script, "0")
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(filepath.Join(dirs[0], "stderr.log"))
		t.Fatalf("script: %v: %s", err, b)
	}
	var got []string
	data, err := os.ReadFile(filepath.Join(dirs[0], "args.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(data, &got)
	if want := append([]string{"args"}, nastyValues...); !slices.Equal(got, want) {
		t.Errorf("got argv %q, want %q", got, want)
	}
	if code := readExitFile(dirs[0]); code == nil || *code != 0 {
		t.Errorf("got exit file %v, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(dirs[1], "args.json")); err == nil {
		t.Error("array task 0 ran task 1's worker too")
	}
	matches, _ := filepath.Glob(filepath.Join(root, "*", "pwned"))
	if len(matches) > 0 {
		t.Errorf("a value was run by the shell: %v", matches)
	}
	// An index the script does not know fails without running anything.
	cmd, _ = runScript(t, script, "7")
	if err := cmd.Wait(); err == nil {
		t.Error("array task 7 of 2: got success, want a failure")
	}
}

// TestBatchScriptOutlivesTerm: scancel --full and the time limit send
// SIGTERM to every process of the job; the script survives it and records
// the worker's status (143: killed by SIGTERM).
func TestBatchScriptOutlivesTerm(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a")
	b := batchScript{JobName: "j", Chdir: dir, Output: "x", Tasks: []batchTask{scriptTask(t, dir, "hang")}}
	script, err := b.render()
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := runScript(t, script, "")
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the worker's start event, then signal the whole group.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(filepath.Join(dir, "events.jsonl")); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	cmd.Wait()
	if code := readExitFile(dir); code == nil || *code != 143 {
		t.Errorf("got exit file %v, want 143", code)
	}
	if ex := jobExit(jobState{States: []string{"FAILED"}}, true, readExitFile(dir)); ex.Signal != syscall.SIGTERM.String() {
		t.Errorf("got %+v, want killed by SIGTERM", ex)
	}
}

// TestSbatchOptions: values are quoted so that sbatch, which splits
// #SBATCH lines as a shell would, reads each back whole.
func TestSbatchOptions(t *testing.T) {
	c := sweeps.Executor{Partition: "gpu", Account: "it's; $(x)", QOS: "a b", Time: "1-02:00:00", Gres: "gpu:a100:1",
		CPUsPerTask: 8, Mem: "64G", Constraint: "a100|h100", SBatch: []string{"--exclude=node13"}}
	opts, err := sbatchOptions(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--partition=gpu", "--account=it's; $(x)", "--qos=a b", "--time=1-02:00:00", "--gres=gpu:a100:1",
		"--mem=64G", "--constraint=a100|h100", "--cpus-per-task=8", "--exclude=node13"}
	var got []string
	for _, o := range opts {
		// bash splits the line the way sbatch does; it prints, runs nothing.
		out, err := exec.Command("bash", "-c", `eval "set -- $1"; printf '%s\0' "$@"`, "split", o).Output()
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		got = append(got, strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSbatchOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		c    sweeps.Executor
	}{
		{"newline", sweeps.Executor{Partition: "gpu\n#SBATCH --account=other"}},
		{"carriage return", sweeps.Executor{Mem: "1G\r"}},
		{"time", sweeps.Executor{Time: "12 hours"}},
		{"not an option", sweeps.Executor{SBatch: []string{"exclude=node13"}}},
		{"extra newline", sweeps.Executor{SBatch: []string{"--exclude=a\nrm -rf /"}}},
		{"NUL in setup", sweeps.Executor{Setup: []string{"module load\x00x"}}},
		{"GPUs twice", sweeps.Executor{Gres: "gpu:1", GPUsPerTrial: 1}},
		{"gres", sweeps.Executor{Gres: "gpu 1"}},
		{"the orchestrator's option", sweeps.Executor{SBatch: []string{"--output=x.log"}}},
	}
	// sweeps.Executor.CheckSlurm refuses these when the file is loaded;
	// an Executor that did not come from a file is checked here again.
	for _, tt := range tests {
		if _, err := sbatchOptions(tt.c); err == nil || !strings.HasPrefix(err.Error(), "executor.") {
			t.Errorf("%s: got %v, want an error naming the executor key", tt.name, err)
		}
	}
	b := batchScript{Tasks: []batchTask{{Dir: "/d", Env: []string{"BAD NAME=1"}}}}
	if _, err := b.render(); err == nil {
		t.Error("an environment variable name with a space: got no error")
	}
	b = batchScript{Tasks: []batchTask{{Dir: "/d", Argv: []string{"a\x00b"}}}}
	if _, err := b.render(); err == nil {
		t.Error("a NUL in an argument: got no error")
	}
}

func TestShellQuote(t *testing.T) {
	for _, v := range append(nastyValues, "", "'", "''") {
		out, err := exec.Command("bash", "-c", "printf '%s' "+shellQuote(v)).Output()
		if err != nil || string(out) != v {
			t.Errorf("shellQuote(%q) = %s: bash read %q, %v", v, shellQuote(v), out, err)
		}
	}
}
