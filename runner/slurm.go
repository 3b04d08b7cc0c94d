package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// Slurm runs each attempt as a Slurm batch job (docs/slurm.md). Starts
// that arrive together are submitted as one job array; one squeue call
// per poll interval tracks every job; the worker's exit status comes from
// a file the batch script writes into the attempt directory, which must
// be on a filesystem the compute nodes share.
type Slurm struct {
	Config sweeps.Executor
	// Sweep names the jobs (tiedlora-<sweep>).
	Sweep string
	// RunDir is runs/<sweep>: array scripts go under slurm/.
	RunDir string
	// Parallel overrides max_queued when > 0.
	Parallel int
	// Poll is how often squeue is asked (default 10s).
	Poll time.Duration
	// Linger is how long a start waits for others to join its job array
	// (default 50ms; an array is submitted at most a second after its
	// first start).
	Linger time.Duration
	// MaxArray is the most tasks in one array (default 1000; Slurm's
	// MaxArraySize is 1001 unless the cluster sets it).
	MaxArray int
	// Log receives notes (a failing squeue, an scancel error).
	Log func(format string, args ...any)
	// Command runs sbatch, squeue, scancel and sacct and returns their
	// standard output; nil runs them with exec (never through a shell).
	Command func(ctx context.Context, name string, args ...string) ([]byte, error)

	opts    []string
	idsOnce sync.Once
	ids     map[string]string // attempt directory → job ID, from job_ids files
	batch   batcher
	poll    poller
	signal  canceller
}

// DefaultMaxQueued is how many jobs a sweep keeps in the queue at once
// when the sweep file does not say.
const DefaultMaxQueued = 100

// commandTimeout bounds one call of a Slurm command.
const commandTimeout = time.Minute

// NewSlurm checks the sweep file's slurm settings.
func NewSlurm(c sweeps.Executor, sweep, runDir string) (*Slurm, error) {
	opts, err := sbatchOptions(c)
	if err != nil {
		return nil, err
	}
	return &Slurm{Config: c, Sweep: sweep, RunDir: runDir, opts: opts}, nil
}

func (s *Slurm) Name() string { return sweeps.ExecSlurm }

// Slots are places in the queue: max_queued jobs at once.
func (s *Slurm) Slots(ctx context.Context) ([]*Slot, error) {
	if s.Command == nil {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return nil, fmt.Errorf("the slurm executor needs sbatch, which is not on PATH (run on a login node, or start a one-node cluster with scripts/slurm-local up)")
		}
	}
	n := s.Config.MaxQueued
	if n == 0 {
		n = DefaultMaxQueued
	}
	if s.Parallel > 0 {
		n = s.Parallel
	}
	slots := make([]*Slot, n)
	for i := range slots {
		slots[i] = &Slot{Name: "slurm" + strconv.Itoa(i+1), Threads: s.Config.CPUsPerTask}
	}
	return slots, nil
}

// Start submits an attempt. Unless the sweep file says array: false, it
// waits briefly for other starts and goes out with them as one array.
func (s *Slurm) Start(ctx context.Context, ln *Launch) (Process, error) {
	if s.Config.Array != nil && !*s.Config.Array {
		ps, err := s.Submit([]*Launch{ln})
		if err != nil {
			return nil, err
		}
		return ps[0], nil
	}
	return s.batch.add(s, ln)
}

// Submit submits attempts at once, as job arrays of up to MaxArray tasks
// (a lone attempt as a plain job), and tracks their jobs.
func (s *Slurm) Submit(lns []*Launch) ([]Process, error) {
	var out []Process
	for len(lns) > 0 {
		n := min(len(lns), s.maxArray())
		ps, err := s.submitChunk(lns[:n])
		if err != nil {
			return out, err
		}
		out = append(out, ps...)
		lns = lns[n:]
	}
	return out, nil
}

// jobIDFile lists the jobs of a submission from the moment sbatch answers,
// "<job ID>\t<attempt directory>" a line, for an orchestrator that dies
// before the database has them: in the attempt directory for a lone job,
// in the array's directory for an array.
const jobIDFile = "job_ids"

func (s *Slurm) submitChunk(lns []*Launch) ([]Process, error) {
	tasks := make([]batchTask, len(lns))
	for i, ln := range lns {
		tasks[i] = batchTask{Dir: absPath(ln.Dir), Stdout: absPath(ln.Stdout), Stderr: absPath(ln.Stderr), Argv: ln.Argv, Env: withoutVar(ln.Env, "CUDA_VISIBLE_DEVICES")}
	}
	b := batchScript{JobName: "tiedlora-" + s.Sweep, Options: s.opts, Setup: s.Config.Setup, Chdir: absPath(s.RunDir), Tasks: tasks}
	var path, arrayDir string
	if len(tasks) == 1 {
		path = filepath.Join(tasks[0].Dir, "job.sbatch")
		b.Output = slurmPattern(filepath.Join(tasks[0].Dir, "slurm.out"))
	} else {
		parent := filepath.Join(absPath(s.RunDir), "slurm")
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(parent, "array-")
		if err != nil {
			return nil, err
		}
		arrayDir = dir
		path = filepath.Join(dir, "job.sbatch")
		b.Output, b.OutputDir = slurmPattern(dir)+"/%a.out", dir
	}
	script, err := b.render()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return nil, err
	}
	out, err := s.sbatch(path)
	if err != nil {
		return nil, err
	}
	id, err := parseSbatch(out)
	if err != nil {
		return nil, err
	}
	ps := make([]Process, len(tasks))
	var manifest strings.Builder
	for i, t := range tasks {
		jid := id
		if arrayDir != "" {
			jid = id + "_" + strconv.Itoa(i)
		}
		fmt.Fprintf(&manifest, "%s\t%s\n", jid, t.Dir)
		j := newSlurmJob(s, jid, t.Dir)
		s.poll.track(s, j)
		ps[i] = j
	}
	where := filepath.Join(tasks[0].Dir, jobIDFile)
	if arrayDir != "" {
		where = filepath.Join(arrayDir, jobIDFile)
	}
	if err := os.WriteFile(where, []byte(manifest.String()), 0o644); err != nil {
		s.logf("writing the job IDs to %s: %v", where, err)
	}
	return ps, nil
}

// sbatchTries is how often a submission is tried, sbatchBackoff apart
// and longer each time: a busy slurmctld refuses for a moment ("Socket
// timed out", "temporarily unable").
const sbatchTries = 3

var sbatchBackoff = time.Second

func (s *Slurm) sbatch(script string) ([]byte, error) {
	for try := 1; ; try++ {
		out, err := s.run("sbatch", "--parsable", script)
		if err == nil || try == sbatchTries {
			return out, err
		}
		s.logf("%v: trying again", err)
		time.Sleep(time.Duration(try) * sbatchBackoff)
	}
}

// withoutVar drops a variable that Slurm sets for the job itself.
func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// Adopt re-attaches to the job of an attempt an earlier orchestrator
// submitted, while Slurm still has it queued or running; a job that has
// ended is left to the runner, which judges it by its events.
func (s *Slurm) Adopt(a results.Attempt) (Process, bool) {
	id := a.JobID
	if id == "" {
		id = s.submitted(absPath(a.Dir))
	}
	if id == "" {
		return nil, false
	}
	states, err := s.poll.snapshot(s)
	if err != nil {
		// Slurm does not answer: keep the job; the poller finds out.
		s.logf("adopting job %s: %v", id, err)
	} else if st, ok := states[id]; !ok || st.phase() == phaseEnded {
		return nil, false
	}
	j := newSlurmJob(s, id, absPath(a.Dir))
	s.poll.track(s, j)
	return j, true
}

// submitted finds the job of an attempt directory in the job_ids files.
// The arrays' files are read once, on the first call.
func (s *Slurm) submitted(dir string) string {
	if id := jobIDs(filepath.Join(dir, jobIDFile))[dir]; id != "" {
		return id
	}
	s.idsOnce.Do(func() {
		s.ids = map[string]string{}
		files, _ := filepath.Glob(filepath.Join(absPath(s.RunDir), "slurm", "array-*", jobIDFile))
		for _, f := range files {
			for d, id := range jobIDs(f) {
				s.ids[d] = id
			}
		}
	})
	return s.ids[dir]
}

// jobIDs reads a job_ids file into job IDs by attempt directory.
func jobIDs(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if id, dir, ok := strings.Cut(line, "\t"); ok {
			out[dir] = id
		}
	}
	return out
}

func (s *Slurm) maxArray() int {
	if s.MaxArray > 0 {
		return s.MaxArray
	}
	return 1000
}

func (s *Slurm) interval() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 10 * time.Second
}

func (s *Slurm) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// run runs a Slurm command with a time limit.
func (s *Slurm) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if s.Command != nil {
		return s.Command(ctx, name, args...)
	}
	return runCommand(ctx, name, args...)
}

// runCommand runs a program with an argv (no shell), returning its
// output; a failure carries its stderr.
func runCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return out, fmt.Errorf("%s: %s", name, msg)
		}
		return out, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
