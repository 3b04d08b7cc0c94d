package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// goneAfter is how many polls in a row a job must be missing from
	// squeue before it counts as gone (slurmctld forgets finished jobs
	// after MinJobAge, 300 s by default).
	goneAfter = 2
	// fileWaitPolls is how many polls a finished job's exit status file
	// may take to appear (a shared filesystem's attribute cache).
	fileWaitPolls = 3
)

// poller tracks every job of the run with one squeue call per interval,
// however many jobs there are, and ends each job's Process when Slurm
// says it is over. It runs only while it has jobs.
type poller struct {
	qmu sync.Mutex // one squeue call at a time

	mu       sync.Mutex
	jobs     map[string]*slurmJob
	active   bool
	last     map[string]jobState
	lastAt   time.Time
	failing  bool // squeue failed last time (noted once per streak)
	noSacct  bool // sacct failed once: accounting is off
	squeues  int  // squeue calls made, for tests
	sacctIDs int  // jobs asked of sacct, for tests
}

func (p *poller) track(s *Slurm, j *slurmJob) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.jobs == nil {
		p.jobs = map[string]*slurmJob{}
	}
	p.jobs[j.id] = j
	if !p.active {
		p.active = true
		go p.loop(s)
	}
}

func (p *poller) loop(s *Slurm) {
	t := time.NewTicker(s.interval())
	defer t.Stop()
	for range t.C {
		p.once(s)
		p.mu.Lock()
		if len(p.jobs) == 0 {
			p.active = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// snapshot is squeue's latest answer, asked again when older than the
// poll interval (many Adopt calls share one).
func (p *poller) snapshot(s *Slurm) (map[string]jobState, error) {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	p.mu.Lock()
	if p.last != nil && time.Since(p.lastAt) < s.interval() {
		last := p.last
		p.mu.Unlock()
		return last, nil
	}
	p.mu.Unlock()
	return p.queryLocked(s)
}

func (p *poller) queryLocked(s *Slurm) (map[string]jobState, error) {
	out, err := s.run("squeue", "--json", "--me")
	var states map[string]jobState
	if err == nil {
		states, err = parseSqueue(out)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.squeues++
	if err != nil {
		return nil, err
	}
	p.last, p.lastAt = states, time.Now()
	return states, nil
}

type ending struct {
	j  *slurmJob
	ex Exit
}

// once asks squeue about all jobs and ends those that are over.
func (p *poller) once(s *Slurm) {
	p.qmu.Lock()
	states, err := p.queryLocked(s)
	p.qmu.Unlock()
	p.mu.Lock()
	if err != nil {
		if !p.failing {
			s.logf("squeue: %v (jobs are kept until it answers)", err)
		}
		p.failing = true
		p.mu.Unlock()
		return
	}
	p.failing = false
	var ends []ending
	var gone []*slurmJob
	for id, j := range p.jobs {
		st, ok := states[id]
		if !ok {
			if j.missing++; j.missing >= goneAfter {
				gone = append(gone, j)
			}
			continue
		}
		j.missing = 0
		j.setState(st)
		if st.phase() != phaseEnded {
			continue
		}
		file := readExitFile(j.dir)
		if file == nil && ranToEnd(st) && j.endPolls < fileWaitPolls {
			j.endPolls++
			continue
		}
		ends = append(ends, ending{j, jobExit(st, true, file)})
	}
	noSacct := p.noSacct
	p.mu.Unlock()
	if len(gone) > 0 {
		var acct map[string]jobState
		if !noSacct {
			acct = p.sacct(s, gone)
		}
		for _, j := range gone {
			st, ok := acct[j.id]
			ends = append(ends, ending{j, jobExit(st, ok && st.phase() == phaseEnded, readExitFile(j.dir))})
		}
	}
	p.mu.Lock()
	for _, e := range ends {
		delete(p.jobs, e.j.id)
	}
	p.mu.Unlock()
	for _, e := range ends {
		e.j.end(e.ex)
	}
}

// ranToEnd says whether the batch script finished, so that its exit
// status file should be there.
func ranToEnd(st jobState) bool {
	switch st.base() {
	case "COMPLETED", "FAILED":
		return true
	}
	return false
}

// sacct asks the accounting database about jobs squeue has forgotten.
// Clusters without accounting answer with an error, once.
func (p *poller) sacct(s *Slurm, jobs []*slurmJob) map[string]jobState {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.id
	}
	out, err := s.run("sacct", "-n", "-P", "-X", "-o", "JobID,State,ExitCode", "-j", strings.Join(ids, ","))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sacctIDs += len(ids)
	if err != nil {
		p.noSacct = true
		s.logf("sacct: %v (exit statuses come from the attempt directories)", err)
		return nil
	}
	return parseSacct(out)
}

// readExitFile reads the exit status the batch script recorded.
func readExitFile(dir string) *int {
	b, err := os.ReadFile(filepath.Join(dir, exitCodeFile))
	if err != nil {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil
	}
	return &n
}

// slurmJob is the Process of an attempt that runs as a Slurm job.
type slurmJob struct {
	s   *Slurm
	id  string // "123", or "123_4" for a task of array 123
	dir string // the attempt directory

	mu    sync.Mutex
	state jobState
	seen  bool

	missing, endPolls int // the poller's counts, under its lock

	done chan struct{}
	exit Exit
}

func newSlurmJob(s *Slurm, id, dir string) *slurmJob {
	return &slurmJob{s: s, id: id, dir: dir, done: make(chan struct{})}
}

func (j *slurmJob) setState(st jobState) {
	j.mu.Lock()
	j.state, j.seen = st, true
	j.mu.Unlock()
}

func (j *slurmJob) end(ex Exit) {
	j.exit = ex
	close(j.done)
}

// PID is zero: the worker runs on a node of the cluster.
func (j *slurmJob) PID() (int, int64) { return 0, 0 }

func (j *slurmJob) JobID() string { return j.id }

// Running is true while the batch script runs; false while the job waits
// in the queue, or waits again after a requeue.
func (j *slurmJob) Running() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seen && j.state.phase() == phaseRunning
}

func (j *slurmJob) Wait() Exit {
	<-j.done
	return j.exit
}

// Signal sends a signal to every process of a running job (scancel
// --full); SIGKILL, or any signal to a job still queued, cancels it.
func (j *slurmJob) Signal(sig syscall.Signal) error {
	select {
	case <-j.done:
		return nil
	default:
	}
	if sig == syscall.SIGKILL || !j.Running() {
		j.s.signal.add(j.s, "", j.id)
		return nil
	}
	j.s.signal.add(j.s, signalName(sig), j.id)
	return nil
}

// signalName is a signal as scancel --signal takes it.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGHUP:
		return "HUP"
	case syscall.SIGQUIT:
		return "QUIT"
	case syscall.SIGUSR1:
		return "USR1"
	case syscall.SIGUSR2:
		return "USR2"
	}
	return strconv.Itoa(int(sig))
}
