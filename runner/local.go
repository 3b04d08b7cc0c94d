package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// Slot is a place an attempt runs: a set of GPUs, or CPU threads.
type Slot struct {
	Name    string
	Devices []string // GPU indices; empty for a CPU slot
	Threads int      // OMP_NUM_THREADS and GOMAXPROCS; 0 leaves them unset

	failures int // consecutive failed attempts on this slot
}

// Env is what a worker on this slot sees besides the protocol variables.
func (s *Slot) Env() []string {
	env := []string{"CUDA_VISIBLE_DEVICES=" + strings.Join(s.Devices, ",")}
	if s.Threads > 0 {
		n := strconv.Itoa(s.Threads)
		env = append(env, "OMP_NUM_THREADS="+n, "GOMAXPROCS="+n)
	}
	return env
}

// Launch is one attempt to start.
type Launch struct {
	Argv       []string
	Env        []string
	Dir        string // the attempt directory, also the working directory
	Stdout     string
	Stderr     string
	Slot       *Slot
	Attempt    results.Attempt
	EventsPath string
	// Self is this program: a local worker runs under `Self supervise`
	// (supervise.go). Empty starts the worker directly, unsupervised.
	Self string
}

// Exit is how a process ended. Known is false for an adopted process,
// whose exit status no one can read.
type Exit struct {
	Known  bool
	Code   int
	Signal string
	// Kind and Reason are a batch system's verdict (Slurm's TIMEOUT,
	// PREEMPTED, CANCELLED…): an error kind that outranks the exit status,
	// and why. Empty for a local process.
	Kind   string
	Reason string
}

// Process is a running worker.
type Process interface {
	PID() (pid int, start int64)
	// Wait blocks until the process has ended.
	Wait() Exit
	// Signal signals the worker's whole process group.
	Signal(sig syscall.Signal) error
}

// Job is a Process that is a batch job: its ID is stored with the
// attempt, so a restarted orchestrator can find the job again.
type Job interface {
	JobID() string
}

// Queued is a Process that may wait in a batch queue before it runs. The
// heartbeat and the time limit count only while Running.
type Queued interface {
	Running() bool
}

// Executor starts attempts: on this machine (local) or as batch jobs.
type Executor interface {
	Name() string
	Slots(ctx context.Context) ([]*Slot, error)
	Start(ctx context.Context, l *Launch) (Process, error)
	// Adopt reattaches to an attempt left running by an earlier
	// orchestrator; false when it is gone.
	Adopt(a results.Attempt) (Process, bool)
}

// Local runs workers as child processes of this machine.
type Local struct {
	Config   sweeps.Executor
	UseGPUs  bool // the worker can use GPUs (not the CPU-only Go trainer)
	Parallel int  // overrides the slot count when > 0
	// Log receives notes about the slots (set-aside GPUs).
	Log func(format string, args ...any)
}

func (l *Local) Name() string { return sweeps.ExecLocal }

// Slots makes the GPU slots (listed GPUs, or those nvidia-smi finds with
// little memory in use) or, without GPUs, CPU slots.
func (l *Local) Slots(ctx context.Context) ([]*Slot, error) {
	c := l.Config
	var devices []string
	if l.UseGPUs {
		switch {
		case len(c.GPUs.IDs) > 0:
			for _, id := range c.GPUs.IDs {
				devices = append(devices, strconv.Itoa(id))
			}
		case c.GPUs.Auto:
			gpus, err := detectGPUs(ctx)
			if err != nil {
				return nil, err
			}
			threshold := c.GPUMemoryThreshold
			if threshold == 0 {
				threshold = 0.1
			}
			for _, g := range gpus {
				if g.TotalMiB > 0 && float64(g.UsedMiB)/float64(g.TotalMiB) > threshold {
					l.logf("GPU %d has %d of %d MiB in use (over %.0f %%): not used", g.Index, g.UsedMiB, g.TotalMiB, 100*threshold)
					continue
				}
				devices = append(devices, strconv.Itoa(g.Index))
			}
		}
	}
	var slots []*Slot
	if len(devices) > 0 {
		per := max(c.GPUsPerTrial, 1)
		for i := 0; i+per <= len(devices); i += per {
			d := devices[i : i+per]
			slots = append(slots, &Slot{Name: "gpu" + strings.Join(d, ","), Devices: d, Threads: c.ThreadsPerTrial})
		}
		if len(slots) == 0 {
			return nil, fmt.Errorf("%d usable GPUs, fewer than gpus_per_trial %d", len(devices), per)
		}
		if c.Slots > 0 && c.Slots < len(slots) {
			slots = slots[:c.Slots]
		}
	} else {
		n := c.Slots
		if n == 0 {
			n = max(runtime.NumCPU()/max(c.ThreadsPerTrial, 1), 1)
		}
		for i := range n {
			slots = append(slots, &Slot{Name: "cpu" + strconv.Itoa(i), Threads: c.ThreadsPerTrial})
		}
	}
	if l.Parallel > 0 {
		for len(slots) < l.Parallel && len(devices) == 0 {
			slots = append(slots, &Slot{Name: "cpu" + strconv.Itoa(len(slots)), Threads: c.ThreadsPerTrial})
		}
		if l.Parallel < len(slots) {
			slots = slots[:l.Parallel]
		}
	}
	return slots, nil
}

func (l *Local) logf(format string, args ...any) {
	if l.Log != nil {
		l.Log(format, args...)
	}
}

// Start starts the worker in its own process group, with its output going
// straight to files, so it outlives an orchestrator that dies and can be
// adopted by the next one. With ln.Self the process started is the
// worker's supervisor (supervise.go).
func (l *Local) Start(ctx context.Context, ln *Launch) (Process, error) {
	argv := ln.Argv
	if ln.Self != "" {
		// A program that is not there is found here, as a start failure,
		// rather than by the supervisor.
		path := argv[0]
		if !strings.Contains(path, "/") {
			var err error
			if path, err = exec.LookPath(path); err != nil {
				return nil, err
			}
		}
		argv = append([]string{ln.Self, "supervise", absPath(ln.Dir), path}, argv[1:]...)
	}
	stdout, err := os.OpenFile(ln.Stdout, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.OpenFile(ln.Stderr, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = ln.Dir
	cmd.Env = append(os.Environ(), ln.Env...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &child{cmd: cmd, done: make(chan Exit, 1), dir: ln.Dir, supervised: ln.Self != ""}
	p.start, _ = processStart(cmd.Process.Pid)
	go func() {
		err := cmd.Wait()
		ex := exitOf(cmd, err)
		if p.supervised {
			if e, ok := readExit(ln.Dir); ok {
				ex = e
			}
		}
		p.done <- ex
	}()
	return p, nil
}

// Adopt finds a worker that an earlier orchestrator started: by the pid
// stored with the attempt, else by its supervisor's file. An attempt with
// neither gets a tombstone for a file, so that a supervisor still on its
// way cannot start the worker after the attempt has been given up.
func (l *Local) Adopt(a results.Attempt) (Process, bool) {
	sup, ok := readSupervisor(a.Dir)
	if !ok && a.PID == 0 && a.Dir != "" {
		b, _ := json.Marshal(supervisorInfo{Abandoned: true})
		if err := writeExclusive(filepath.Join(a.Dir, supervisorFile), b); errors.Is(err, os.ErrExist) {
			sup, ok = readSupervisor(a.Dir) // it came just now
		}
	}
	switch {
	case ok && !sup.Abandoned && alive(sup.PID, sup.PIDStart):
		return &adopted{pid: sup.PID, start: sup.PIDStart, dir: a.Dir, supervised: true}, true
	case !ok && a.PID != 0 && alive(a.PID, a.PIDStart):
		// A supervisor that has not written its file yet, or a worker
		// started before there were supervisors.
		return &adopted{pid: a.PID, start: a.PIDStart, dir: a.Dir, supervised: isSupervisor(a.PID)}, true
	}
	return nil, false
}

// isSupervisor says whether a process runs as `… supervise …`.
func isSupervisor(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(b), "\x00")
	return len(args) > 1 && args[1] == "supervise"
}

type child struct {
	cmd        *exec.Cmd
	start      int64
	done       chan Exit
	exit       *Exit
	dir        string
	supervised bool
}

func (c *child) PID() (int, int64) { return c.cmd.Process.Pid, c.start }

func (c *child) Wait() Exit {
	if c.exit == nil {
		e := <-c.done
		c.exit = &e
	}
	return *c.exit
}

func (c *child) Signal(sig syscall.Signal) error {
	return signalWorker(c.cmd.Process.Pid, c.supervised, sig)
}

// signalWorker signals a worker: through its supervisor, which passes the
// signal on to the worker's group (SIGKILL as killSignal, so that the
// supervisor lives to clean up), or to an unsupervised worker's group.
func signalWorker(pid int, supervised bool, sig syscall.Signal) error {
	if !supervised {
		return signalGroup(pid, sig)
	}
	if sig == syscall.SIGKILL {
		sig = killSignal
	}
	return syscall.Kill(pid, sig)
}

func exitOf(cmd *exec.Cmd, err error) Exit {
	st := cmd.ProcessState
	if st == nil {
		return Exit{Known: true, Code: -1}
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return Exit{Known: true, Code: -1, Signal: sigName(ws.Signal())}
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return Exit{Known: true, Code: -1}
	}
	return Exit{Known: true, Code: st.ExitCode()}
}

// adopted is a worker that is not our child: we can signal it and see
// when it is gone; its exit status is what its supervisor recorded.
type adopted struct {
	pid        int
	start      int64
	dir        string
	supervised bool
}

func (a *adopted) PID() (int, int64) { return a.pid, a.start }

func (a *adopted) Wait() Exit {
	for alive(a.pid, a.start) {
		time.Sleep(100 * time.Millisecond)
	}
	if a.supervised {
		if e, ok := readExit(a.dir); ok {
			return e
		}
	}
	return Exit{}
}

func (a *adopted) Signal(sig syscall.Signal) error { return signalWorker(a.pid, a.supervised, sig) }
