package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// fakeSlurm answers sbatch, squeue, scancel and sacct from memory, as
// Slurm 22.05 would, and counts the calls.
type fakeSlurm struct {
	mu      sync.Mutex
	next    int
	jobs    map[string]fakeJob // by sbatch's ID: "12" or "12_3"
	calls   map[string]int
	scripts []string
	scancel [][]string
}

type fakeJob struct {
	state    string
	raw      int // wait status
	restarts int
}

func newFakeSlurm() *fakeSlurm {
	return &fakeSlurm{next: 1000, jobs: map[string]fakeJob{}, calls: map[string]int{}}
}

func (f *fakeSlurm) set(id, state string, raw int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[id]
	if state == "PENDING" && j.state == "RUNNING" {
		j.restarts++ // a requeue
	}
	j.state, j.raw = state, raw
	f.jobs[id] = j
}

func (f *fakeSlurm) forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.jobs, id)
}

func (f *fakeSlurm) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeSlurm) run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
	switch name {
	case "sbatch":
		script := args[len(args)-1]
		b, err := os.ReadFile(script)
		if err != nil {
			return nil, err
		}
		f.scripts = append(f.scripts, string(b))
		f.next++
		id := strconv.Itoa(f.next)
		n := 1
		if _, after, ok := strings.Cut(string(b), "#SBATCH --array=0-"); ok {
			last, _, _ := strings.Cut(after, "\n")
			n, _ = strconv.Atoi(last)
			n++
			for i := range n {
				f.jobs[id+"_"+strconv.Itoa(i)] = fakeJob{state: "PENDING"}
			}
		} else {
			f.jobs[id] = fakeJob{state: "PENDING"}
		}
		return []byte(id + "\n"), nil
	case "squeue":
		type rec struct {
			JobID       int    `json:"job_id"`
			ArrayJobID  int    `json:"array_job_id"`
			ArrayTaskID *int   `json:"array_task_id"`
			JobState    string `json:"job_state"`
			ExitCode    int    `json:"exit_code"`
			RestartCnt  int    `json:"restart_cnt"`
		}
		var out struct {
			Jobs []rec `json:"jobs"`
		}
		n := 0
		for id, j := range f.jobs {
			n++
			r := rec{JobID: 5000 + n, JobState: j.state, ExitCode: j.raw, RestartCnt: j.restarts}
			if a, t, ok := strings.Cut(id, "_"); ok {
				r.ArrayJobID, _ = strconv.Atoi(a)
				task, _ := strconv.Atoi(t)
				r.ArrayTaskID = &task
			} else {
				r.JobID, _ = strconv.Atoi(id)
			}
			out.Jobs = append(out.Jobs, r)
		}
		return json.Marshal(out)
	case "scancel":
		f.scancel = append(f.scancel, args)
		return nil, nil
	case "sacct":
		return nil, errors.New("sacct: error: Slurm accounting storage is disabled")
	}
	return nil, fmt.Errorf("unexpected command %s", name)
}

func newTestSlurm(t *testing.T, f *fakeSlurm) *Slurm {
	s, err := NewSlurm(sweepsExecutor(), "test", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Poll, s.Command = 10*time.Millisecond, f.run
	return s
}

func testLaunches(t *testing.T, n int) []*Launch {
	root := t.TempDir()
	lns := make([]*Launch, n)
	for i := range lns {
		dir := filepath.Join(root, strconv.Itoa(i))
		os.MkdirAll(dir, 0o755)
		lns[i] = &Launch{Argv: []string{"true"}, Dir: dir, Stdout: filepath.Join(dir, "stdout.log"), Stderr: filepath.Join(dir, "stderr.log")}
	}
	return lns
}

// eventually waits for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSlurmTracking: twenty attempts go out as one array; one squeue call
// per poll tracks them all; each way of ending gives its Exit, and a
// requeued job stays the same attempt.
func TestSlurmTracking(t *testing.T) {
	f := newFakeSlurm()
	s := newTestSlurm(t, f)
	lns := testLaunches(t, 20)
	ps, err := s.Submit(lns)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.count("sbatch"); got != 1 {
		t.Fatalf("got %d sbatch calls for 20 attempts, want 1", got)
	}
	files, _ := filepath.Glob(filepath.Join(s.RunDir, "slurm", "array-*", jobIDFile))
	if len(files) != 1 {
		t.Fatalf("got job_ids files %v, want one for the array", files)
	}
	ids := jobIDs(files[0])
	for i, p := range ps {
		id := p.(Job).JobID()
		if want := "1001_" + strconv.Itoa(i); id != want {
			t.Errorf("attempt %d: got job %s, want %s", i, id, want)
		}
		if got := ids[lns[i].Dir]; got != id {
			t.Errorf("attempt %d: job_ids says %q, want %s", i, got, id)
		}
	}
	began, before := time.Now(), f.count("squeue")
	for i := range ps {
		f.set("1001_"+strconv.Itoa(i), "RUNNING", 0)
	}
	eventually(t, "all running", func() bool {
		for _, p := range ps {
			if !p.(Queued).Running() {
				return false
			}
		}
		return true
	})
	time.Sleep(50 * time.Millisecond)
	if calls, polls := f.count("squeue")-before, int(time.Since(began)/s.Poll)+2; calls > polls {
		t.Errorf("got %d squeue calls in %d poll intervals, want one per interval for all 20 jobs", calls, polls)
	}
	writeExit := func(i, code int) {
		os.WriteFile(filepath.Join(lns[i].Dir, exitCodeFile), []byte(strconv.Itoa(code)+"\n"), 0o644)
	}
	id := func(i int) string { return "1001_" + strconv.Itoa(i) }
	// Requeue job 13: queued again, then running, then done.
	f.set(id(13), "PENDING", 0)
	eventually(t, "requeued job queued", func() bool { return !ps[13].(Queued).Running() })
	f.set(id(13), "RUNNING", 0)
	eventually(t, "requeued job running", func() bool { return ps[13].(Queued).Running() })
	for i := range 10 {
		writeExit(i, 0)
		f.set(id(i), "COMPLETED", 0)
	}
	writeExit(13, 0)
	f.set(id(13), "COMPLETED", 0)
	writeExit(10, 2)
	f.set(id(10), "FAILED", 2<<8)
	f.set(id(11), "TIMEOUT", 15)
	f.set(id(12), "CANCELLED", 15)
	f.set(id(16), "FAILED", 5<<8) // no exit file: squeue's status, after a wait
	writeExit(14, 0)
	f.forget(id(14)) // forgotten, but its exit file tells
	f.forget(id(15)) // forgotten, nothing tells
	f.set(id(17), "PREEMPTED", 0)
	f.set(id(18), "NODE_FAIL", 0)
	f.set(id(19), "OUT_OF_MEMORY", 9)
	want := map[int]Exit{
		10: {Known: true, Code: 2},
		11: {Known: true, Code: -1, Signal: syscall.SIGTERM.String(), Kind: KindTimeLimit},
		12: {Known: true, Code: -1, Signal: syscall.SIGTERM.String(), Kind: KindCancelled},
		13: {Known: true, Code: 0},
		14: {Known: true, Code: 0},
		15: {Known: false, Kind: KindLost},
		16: {Known: true, Code: 5},
		17: {Known: true, Kind: KindPreempted},
		18: {Known: true, Kind: KindNodeFail},
		19: {Known: true, Code: -1, Signal: syscall.SIGKILL.String(), Kind: KindOOM},
	}
	for i := range 10 {
		want[i] = Exit{Known: true}
	}
	for i, p := range ps {
		done := make(chan Exit, 1)
		go func() { done <- p.Wait() }()
		select {
		case got := <-done:
			got.Reason = ""
			if got != want[i] {
				t.Errorf("job %d: got %+v, want %+v", i, got, want[i])
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("job %d never ended", i)
		}
	}
	if got := f.count("sacct"); got != 1 {
		t.Errorf("got %d sacct calls, want 1 (then none: accounting is off)", got)
	}
}

// TestSlurmStartBatches: starts that arrive together are one sbatch call,
// unless the sweep file turns arrays off.
func TestSlurmStartBatches(t *testing.T) {
	for _, array := range []bool{true, false} {
		f := newFakeSlurm()
		s := newTestSlurm(t, f)
		s.Config.Array = &array
		lns := testLaunches(t, 30)
		ids := make([]string, len(lns))
		var wg sync.WaitGroup
		for i, ln := range lns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := s.Start(context.Background(), ln)
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = p.(Job).JobID()
			}()
		}
		wg.Wait()
		want := 1
		if !array {
			want = 30
		}
		if got := f.count("sbatch"); got != want {
			t.Errorf("array %v: got %d sbatch calls for 30 starts, want %d", array, got, want)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] || id == "" {
				t.Errorf("array %v: job ID %q given twice or not at all", array, id)
			}
			seen[id] = true
		}
		for id := range f.jobs {
			f.set(id, "COMPLETED", 0) // let the poller go
		}
	}
}

// TestSlurmSignal: a stop reaches all jobs in one scancel call per
// signal: running jobs get SIGTERM through --full, queued ones and SIGKILL
// are cancelled outright.
func TestSlurmSignal(t *testing.T) {
	f := newFakeSlurm()
	s := newTestSlurm(t, f)
	ps, err := s.Submit(testLaunches(t, 4))
	if err != nil {
		t.Fatal(err)
	}
	f.set("1001_0", "RUNNING", 0)
	f.set("1001_1", "RUNNING", 0)
	eventually(t, "running", func() bool { return ps[0].(Queued).Running() && ps[1].(Queued).Running() })
	for _, p := range ps[:3] {
		p.Signal(syscall.SIGTERM)
	}
	ps[3].Signal(syscall.SIGKILL)
	eventually(t, "scancel", func() bool { return f.count("scancel") >= 2 })
	time.Sleep(2 * cancelLinger)
	f.mu.Lock()
	defer f.mu.Unlock()
	got := map[string]bool{}
	for _, args := range f.scancel {
		got[strings.Join(args, " ")] = true
	}
	want := map[string]bool{"--full --signal=TERM 1001_0 1001_1": true, "1001_2 1001_3": true}
	if len(got) != len(want) {
		t.Errorf("got scancel calls %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("got scancel calls %v, want %q among them", got, k)
		}
	}
	for id := range f.jobs {
		j := f.jobs[id]
		j.state = "CANCELLED"
		f.jobs[id] = j
	}
}

// TestSlurmAdopt: a restarted orchestrator re-attaches to the jobs Slurm
// still has queued or running, asking squeue once for all of them.
func TestSlurmAdopt(t *testing.T) {
	f := newFakeSlurm()
	s := newTestSlurm(t, f)
	f.set("77", "RUNNING", 0)
	f.set("78", "COMPLETED", 0)
	f.set("80_3", "PENDING", 0)
	byFile, inArray := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(byFile, jobIDFile), []byte("77\t"+byFile+"\n"), 0o644)
	array := filepath.Join(s.RunDir, "slurm", "array-1")
	os.MkdirAll(array, 0o755)
	os.WriteFile(filepath.Join(array, jobIDFile), []byte("80_2\t/elsewhere\n80_3\t"+inArray+"\n"), 0o644)
	tests := []struct {
		a    results.Attempt
		want bool
	}{
		{results.Attempt{JobID: "77", Dir: t.TempDir()}, true},
		{results.Attempt{JobID: "80_3", Dir: t.TempDir()}, true},
		{results.Attempt{JobID: "78", Dir: t.TempDir()}, false}, // ended: judged by its events
		{results.Attempt{JobID: "79", Dir: t.TempDir()}, false}, // forgotten
		{results.Attempt{Dir: byFile}, true},                    // died before the database had the ID
		{results.Attempt{Dir: inArray}, true},                   // the same, for a task of an array
		{results.Attempt{Dir: t.TempDir()}, false},
	}
	for _, tt := range tests {
		p, ok := s.Adopt(tt.a)
		if ok != tt.want {
			t.Errorf("Adopt(job %q, dir %s): got %v, want %v", tt.a.JobID, tt.a.Dir, ok, tt.want)
		}
		if ok && p.(Job).JobID() == "" {
			t.Error("adopted a process without a job ID")
		}
	}
	if got := f.count("squeue"); got != 1 {
		t.Errorf("got %d squeue calls for 7 adoptions, want 1", got)
	}
	f.set("77", "COMPLETED", 0)
	f.set("80_3", "COMPLETED", 0)
}

func sweepsExecutor() sweeps.Executor { return sweeps.Executor{Kind: sweeps.ExecSlurm} }

// TestSlurmSbatchRetried: a refused submission is tried again, and fails
// the attempts only when every try failed.
func TestSlurmSbatchRetried(t *testing.T) {
	defer func(d time.Duration) { sbatchBackoff = d }(sbatchBackoff)
	sbatchBackoff = time.Millisecond
	for _, refusals := range []int{2, 3} {
		f := newFakeSlurm()
		s := newTestSlurm(t, f)
		tries := 0
		s.Command = func(ctx context.Context, name string, args ...string) ([]byte, error) {
			if name == "sbatch" {
				if tries++; tries <= refusals {
					return nil, errors.New("sbatch: error: Batch job submission failed: Socket timed out on send/recv operation")
				}
			}
			return f.run(ctx, name, args...)
		}
		ps, err := s.Submit(testLaunches(t, 2))
		if ok := refusals < sbatchTries; (err == nil) != ok || len(ps) == 2 != ok {
			t.Errorf("%d refusals: got %d processes, error %v; want success %v", refusals, len(ps), err, ok)
		}
		for id := range f.jobs {
			f.set(id, "COMPLETED", 0)
		}
	}
}
