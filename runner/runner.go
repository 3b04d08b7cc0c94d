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
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Options tune a run. Zero values take the defaults noted.
type Options struct {
	// RunDir is runs/<sweep>: attempt directories go under trials/.
	RunDir string
	// CacheDir holds base checkpoints shared by trials.
	CacheDir string
	Executor Executor
	// Self is this program, which the go worker runs as `Self worker`.
	Self string
	// MaxRetries overrides the sweep file's max_retries when not nil.
	MaxRetries *int
	// HeartbeatTimeout overrides the worker's (default 10m; the limit
	// applies only to workers that report events).
	HeartbeatTimeout time.Duration
	// Grace is how long a worker has between SIGTERM and SIGKILL (10s).
	Grace time.Duration
	// Poll is how often events files are read (200ms).
	Poll time.Duration
	// GPUMaxFailures sets a GPU slot aside after this many failures in a
	// row (default: the sweep's gpu_max_failures, else 3).
	GPUMaxFailures int
	Scorer         Scorer
	Reporter       Reporter
	// LeaseInterval is how often the run renews its lease on the sweep
	// and checks that its database is still there (default 5s); a lease
	// held from another host expires after six intervals without renewal.
	LeaseInterval time.Duration
	// WaitLease waits for another orchestrator of the sweep to finish
	// instead of returning a *results.LeaseHeldError.
	WaitLease bool
	// Select, when set, runs only the trials it accepts (sweep run --only,
	// --failed), given their state before the run; the Summary then
	// counts only those. Every trial is still recorded as in the file.
	Select func(t *sweeps.Trial, st results.TrialStatus) bool

	// Failpoint, for tests and fault campaigns, is called at named points
	// of an attempt: "started" after the worker starts and before its pid
	// is recorded, with the attempt directory.
	Failpoint func(point, dir string)
}

// Runner runs one sweep.
type Runner struct {
	sweep  *sweeps.Sweep
	store  Store
	opt    Options
	trials map[string]*sweeps.Trial
	order  []string

	killOnce sync.Once
	killNow  chan struct{}

	fatalOnce sync.Once
	fatal     chan struct{} // closed after a storage failure: no new attempts
	fatalErr  error

	// pruner applies the sweep's early-stopping rule (nil without one);
	// queue takes the trials it promotes.
	pruner *pruner
	queue  *queue
}

// New prepares a run of sweep s into store.
func New(s *sweeps.Sweep, store Store, opt Options) *Runner {
	if opt.Grace == 0 {
		opt.Grace = 10 * time.Second
	}
	if opt.Poll == 0 {
		opt.Poll = 200 * time.Millisecond
	}
	if opt.HeartbeatTimeout == 0 {
		opt.HeartbeatTimeout = time.Duration(s.File.Worker.HeartbeatTimeout)
	}
	if opt.HeartbeatTimeout == 0 {
		opt.HeartbeatTimeout = 10 * time.Minute
	}
	if opt.GPUMaxFailures == 0 {
		opt.GPUMaxFailures = s.File.Executor.GPUMaxFailures
	}
	if opt.GPUMaxFailures == 0 {
		opt.GPUMaxFailures = 3
	}
	if opt.Reporter == nil {
		opt.Reporter = nopReporter{}
	}
	if opt.LeaseInterval == 0 {
		opt.LeaseInterval = 5 * time.Second
	}
	return &Runner{sweep: s, store: store, opt: opt, killNow: make(chan struct{}), fatal: make(chan struct{})}
}

// fail stops the run after a failure of storage (a full disk, a
// read-only or vanished database): no new attempt starts, running workers
// are left to their supervisors, and Run returns err. Nothing is lost:
// what was not recorded is still in the attempt directories, and the next
// run adopts the workers or reads how they ended.
func (r *Runner) fail(err error) {
	r.fatalOnce.Do(func() {
		r.fatalErr = results.StorageFault(err)
		close(r.fatal)
		r.opt.Reporter.Note(fmt.Sprintf("stopping: %v", r.fatalErr))
	})
}

func (r *Runner) failed() bool {
	select {
	case <-r.fatal:
		return true
	default:
		return false
	}
}

// abandoned is the Finish of an attempt this run stops watching after a
// storage failure: nothing is recorded, the next run takes it up.
var abandoned = results.Finish{}

// ErrAttemptDirExists means an attempt directory the database does not
// know is in the way: the database was replaced or deleted, and the files
// there belong to another one.
var ErrAttemptDirExists = errors.New("exists, but the database does not know this attempt: was the database deleted or replaced? Move the run directory's trials/ away, or restore its database")

// ErrOtherDatabase means the run directory was made with another database
// (its marker names another instance): the database was replaced.
var ErrOtherDatabase = errors.New("belongs to another database: was the database deleted or replaced? Move the run directory away, or restore its database")

// instanceFile in the run directory names the database it belongs to.
const instanceFile = ".sweep-instance"

// claimRunDir ties the run directory to the database: a directory made
// with one database is never filled from another.
func (r *Runner) claimRunDir(ctx context.Context) error {
	id, err := r.store.Instance(ctx)
	if err != nil {
		return err
	}
	path := filepath.Join(r.opt.RunDir, instanceFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := mkdirs(r.opt.RunDir); err != nil {
			return err
		}
		if err := writeExclusive(path, []byte(id+"\n")); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		return nil
	case err != nil:
		return err
	}
	if got := strings.TrimSpace(string(b)); got != id {
		return fmt.Errorf("%s %w (it names database %s, this one is %s)", r.opt.RunDir, ErrOtherDatabase, got, id)
	}
	return nil
}

// takeLease makes this run the sweep's only orchestrator, waiting for
// another to finish with Options.WaitLease.
func (r *Runner) takeLease(ctx context.Context) (*results.Lease, error) {
	host, _ := os.Hostname()
	pid := os.Getpid()
	start, _ := processStart(pid)
	claim := results.LeaseClaim{Host: host, PID: pid, PIDStart: start, Stale: 6 * r.opt.LeaseInterval, Alive: alive}
	said := false
	for {
		l, err := r.store.AcquireLease(context.WithoutCancel(ctx), claim)
		var held *results.LeaseHeldError
		if !errors.As(err, &held) || !r.opt.WaitLease {
			return l, err
		}
		if !said {
			h := held.Holder
			r.opt.Reporter.Note(fmt.Sprintf("waiting for the run of this sweep by pid %d on %s (since %s) to end", h.PID, h.Host, h.Since))
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(r.opt.LeaseInterval):
		}
	}
}

// keepLease renews the lease and checks the database file until stop is
// closed; either failing stops the run.
func (r *Runner) keepLease(bg context.Context, l *results.Lease, stop <-chan struct{}) {
	t := time.NewTicker(r.opt.LeaseInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			err := r.store.CheckFile()
			if err == nil {
				err = l.Renew(bg)
			}
			if err != nil {
				r.fail(err)
				return
			}
		}
	}
}

// Kill ends every running worker at once with SIGKILL (a second Ctrl-C).
func (r *Runner) Kill() { r.killOnce.Do(func() { close(r.killNow) }) }

func (r *Runner) maxRetries() int {
	if r.opt.MaxRetries != nil {
		return *r.opt.MaxRetries
	}
	return *r.sweep.File.MaxRetries
}

// Summary counts the sweep's trials by state after a run.
type Summary struct {
	Trials    int
	Succeeded int
	Failed    int
	Pending   int
	Cancelled int
	Pruned    int // stopped by the early-stopping rule
	Orphans   []string
	Elapsed   time.Duration
}

// Run runs every trial that has not succeeded, until all have succeeded
// or failed for good, or ctx is cancelled: then it stops launching, asks
// running workers to stop (SIGTERM, then SIGKILL after the grace period)
// and returns once they have.
func (r *Runner) Run(ctx context.Context) (Summary, error) {
	began := time.Now()
	bg := context.WithoutCancel(ctx) // store writes must outlive a Ctrl-C
	lease, err := r.takeLease(ctx)
	if err != nil {
		return Summary{}, err
	}
	defer lease.Release(bg)
	leaseDone := make(chan struct{})
	defer close(leaseDone)
	go r.keepLease(bg, lease, leaseDone)
	if err := r.claimRunDir(bg); err != nil {
		return Summary{}, results.StorageFault(err)
	}
	trials := r.sweep.Trials()
	r.trials = make(map[string]*sweeps.Trial, len(trials))
	rows := make([]results.TrialRow, len(trials))
	for i := range trials {
		t := &trials[i]
		r.trials[t.ID] = t
		r.order = append(r.order, t.ID)
		rows[i] = trialRow(t)
	}
	f := r.sweep.File
	synced, err := r.store.SyncTrials(bg, results.SweepFile{Name: f.Name, Path: r.sweep.Path, Text: string(r.sweep.Text), Hash: r.sweep.Hash,
		Select: results.Protocol{Split: f.Select.Split, Metric: f.Select.Metric, Goal: f.Select.Goal}, TaskKeys: r.sweep.TaskKeys()}, rows)
	if err != nil {
		return Summary{}, err
	}
	adopted, err := r.recover(bg)
	if err != nil {
		return Summary{}, err
	}
	statuses, err := r.store.TrialStatuses(bg)
	if err != nil {
		return Summary{}, err
	}
	var todo []string
	busy := map[string]bool{}
	for _, a := range adopted {
		busy[a.attempt.Trial] = true
	}
	var selected []string
	for _, id := range r.order {
		st := statuses[id]
		if r.opt.Select != nil {
			if !r.opt.Select(r.trials[id], st) {
				continue
			}
			selected = append(selected, id)
		}
		if st.State == results.TrialSucceeded || busy[id] {
			continue
		}
		if st.State == results.TrialPruned && r.sweep.EarlyStop() != nil {
			continue // it starts again when its rule promotes it (without a rule, it resumes now)
		}
		if st.Failures > r.maxRetries() {
			continue // gave up in an earlier run
		}
		todo = append(todo, id)
	}
	if todo, err = r.startPruner(bg, trials, statuses, todo, adopted); err != nil {
		return Summary{}, err
	}
	r.opt.Reporter.Planned(len(trials), len(todo)+len(adopted), synced.Orphans)
	slots, err := r.opt.Executor.Slots(ctx)
	if err != nil {
		return Summary{}, err
	}
	// Launching stops on a Ctrl-C and after a storage failure.
	launch, stopLaunch := context.WithCancel(ctx)
	defer stopLaunch()
	go func() {
		select {
		case <-r.fatal:
			stopLaunch()
		case <-launch.Done():
		}
	}()
	q := newQueue(todo)
	r.queue = q
	var wg sync.WaitGroup
	for i, slot := range slots {
		var mine []adoption
		for j, a := range adopted {
			if j%len(slots) == i {
				mine = append(mine, a)
				q.adopt()
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.slotLoop(ctx, launch, bg, q, slot, mine, len(slots))
		}()
	}
	wg.Wait()
	sum, err := r.summary(bg)
	if r.opt.Select != nil && err == nil {
		sum, err = r.summaryOf(bg, selected)
	}
	sum.Orphans = synced.Orphans
	sum.Elapsed = time.Since(began)
	if r.failed() {
		return sum, r.fatalErr
	}
	return sum, err
}

func trialRow(t *sweeps.Trial) results.TrialRow {
	cfg, _ := json.Marshal(t)
	var hp strings.Builder
	hp.WriteByte('{')
	for i, h := range t.HParams {
		if i > 0 {
			hp.WriteByte(',')
		}
		k, _ := json.Marshal(h.Name)
		v, _ := json.Marshal(h.Value)
		hp.Write(k)
		hp.WriteByte(':')
		hp.Write(v)
	}
	hp.WriteByte('}')
	row := results.TrialRow{ID: t.ID, Task: t.TaskName(), Method: t.MethodName(), Rank: t.Rank, Seed: t.Seed, HParams: hp.String(), Config: string(cfg)}
	if t.Params != nil {
		row.Counted, row.Trainable, row.PercentOfLoRA = true, t.Params.Trainable, t.Params.PercentOfLoRA
	}
	return row
}

// adoption is an attempt left running by an earlier orchestrator whose
// worker is still alive.
type adoption struct {
	attempt results.Attempt
	proc    Process
}

// recover deals with attempts an earlier orchestrator left running: a
// live worker is adopted; a finished one is judged by its events (a `done
// ok` counts, so no trial succeeds twice); the rest are interrupted and
// their trials run again.
func (r *Runner) recover(ctx context.Context) ([]adoption, error) {
	running, err := r.store.RunningAttempts(ctx)
	if err != nil {
		return nil, err
	}
	var out []adoption
	events := r.sweep.File.Worker.Kind != sweeps.WorkerCommand || r.sweep.File.Worker.Report == sweeps.ReportEvents
	stops, err := r.pendingStops(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range running {
		if p, ok := r.opt.Executor.Adopt(a); ok {
			pid, start := p.PID()
			if a.PID == 0 && a.JobID == "" {
				// Its orchestrator died before recording the pid; the
				// supervisor's file named it.
				host, _ := os.Hostname()
				if err := r.store.SetProcess(ctx, a.ID, pid, start, host, ""); err != nil {
					return nil, err
				}
				a.PID, a.PIDStart = pid, start
			}
			what := fmt.Sprintf("pid %d", pid)
			if a.JobID != "" {
				what = "job " + a.JobID
			}
			r.opt.Reporter.Note(fmt.Sprintf("adopting attempt %d of trial %s (%s), still running", a.Number, a.Trial, what))
			out = append(out, adoption{a, p})
			continue
		}
		spec := r.specOf(a)
		tl := &tailer{path: eventsPath(a.Dir), offset: a.Offset}
		in := &ingester{spec: spec, scorer: r.opt.Scorer}
		if err := r.drain(ctx, a.ID, tl, in); err != nil {
			return nil, err
		}
		tl.close()
		if in.done == "" && a.DoneStatus != "" {
			in.done = a.DoneStatus // ingested by the earlier run
		}
		f := results.Finish{Status: results.AttemptInterrupted, ErrorKind: string(trainer.ErrorKindInterrupted), Error: "the orchestrator stopped while this attempt ran", TrialState: results.TrialPending}
		if ex, ok := readExit(a.Dir); ok {
			// Its supervisor saw it end: judged as if we had watched.
			f = r.judge(ex, in, "", a.Dir, events, time.Duration(r.sweep.File.Worker.TimeLimit))
		} else if in.done == trainer.StatusOK {
			f = results.Finish{Status: results.AttemptSucceeded, TrialState: results.TrialSucceeded}
		}
		if d, ok := stops[a.Trial]; ok && f.Status != results.AttemptSucceeded {
			// The early-stopping rule stopped it; the run before this one
			// died before recording so.
			f = prunedFinish(d.Reason)
		}
		if err := r.store.FinishAttempt(ctx, a.ID, f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prunedFinish is how an attempt the early-stopping rule stopped ends.
func prunedFinish(reason string) results.Finish {
	return results.Finish{Status: results.AttemptPruned, ErrorKind: KindPruned, Error: reason, TrialState: results.TrialPruned}
}

// specOf reads an attempt's spec.json back (for attempts of earlier runs).
func (r *Runner) specOf(a results.Attempt) *trainer.Spec {
	if spec, err := trainer.ReadSpec(filepath.Join(a.Dir, "spec.json")); err == nil {
		return spec
	}
	return &trainer.Spec{Trial: a.Trial, AttemptDir: a.Dir}
}

func eventsPath(dir string) string { return filepath.Join(dir, "events.jsonl") }

// slotLoop runs attempts on one slot until the queue is empty.
func (r *Runner) slotLoop(ctx, launch, bg context.Context, q *queue, slot *Slot, adopted []adoption, nslots int) {
	for _, a := range adopted {
		t := r.trials[a.attempt.Trial]
		fin := r.supervise(ctx, bg, a.attempt, r.specOf(a.attempt), a.proc, time.Now())
		// The rule had stopped it, and it ended (from the earlier run's
		// SIGTERM) before supervise acted on the stop: it was pruned, and
		// the stop must not outlive it to hit the trial's next attempt.
		if reason, ok := r.pruner.takeStop(a.attempt.Trial); ok && fin.Status != "" && fin.Status != results.AttemptSucceeded {
			fin = prunedFinish(reason)
		}
		r.finish(bg, q, slot, t, a.attempt, fin, 0)
	}
	for {
		id, ok := q.take(launch)
		if !ok || r.failed() {
			return
		}
		t := r.trials[id]
		a, fin := r.attempt(ctx, bg, slot, t)
		retired := r.finish(bg, q, slot, t, a, fin, nslots)
		if retired {
			return
		}
	}
}

// finish records an attempt's end, requeues a retry, and reports whether
// the slot is set aside (a GPU that keeps failing).
func (r *Runner) finish(bg context.Context, q *queue, slot *Slot, t *sweeps.Trial, a results.Attempt, fin results.Finish, nslots int) bool {
	if fin.Status == "" { // abandoned after a storage failure
		q.done(a.Trial, false, 0)
		return true
	}
	if a.ID != 0 {
		if err := r.store.FinishAttempt(bg, a.ID, fin); err != nil {
			r.fail(fmt.Errorf("recording the end of attempt %d of %s: %w", a.Number, a.Trial, err))
			q.done(a.Trial, false, 0)
			return true
		}
	}
	retry := false
	var delay time.Duration
	if fin.Status == results.AttemptFailed && retryable(fin.ErrorKind) && t != nil {
		failures, err := r.store.Failures(bg, t.ID)
		if err == nil && failures <= r.maxRetries() {
			retry = true
			backoff := time.Duration(r.sweep.File.RetryBackoff)
			delay = min(backoff<<max(failures-1, 0), 10*time.Minute)
		}
	}
	r.opt.Reporter.Finished(t, a, fin, retry)
	promoted, err := r.pruner.ended(bg, a.Trial, fin, a.LastStep, retry)
	if err != nil {
		r.fail(fmt.Errorf("recording an early-stopping decision: %w", err))
	}
	r.notePromotions(promoted)
	q.add(promoted...)
	q.done(a.Trial, retry, delay)
	switch fin.Status {
	case results.AttemptSucceeded:
		slot.failures = 0
	case results.AttemptFailed:
		slot.failures++
	}
	if len(slot.Devices) > 0 && slot.failures >= r.opt.GPUMaxFailures && nslots > 1 {
		r.opt.Reporter.Note(fmt.Sprintf("slot %s failed %d attempts in a row: set aside", slot.Name, slot.failures))
		return true
	}
	return false
}

// attempt starts and supervises one attempt of trial t on slot.
func (r *Runner) attempt(ctx, bg context.Context, slot *Slot, t *sweeps.Trial) (results.Attempt, results.Finish) {
	trialDir := filepath.Join(r.opt.RunDir, "trials", t.ID)
	if err := r.store.CheckFile(); err != nil {
		r.fail(err)
		return results.Attempt{Trial: t.ID}, abandoned
	}
	a, err := r.store.StartAttempt(bg, t.ID, r.opt.Executor.Name(), slot.Name, func(n int) string {
		return filepath.Join(trialDir, strconv.Itoa(n))
	})
	if err != nil {
		r.fail(fmt.Errorf("recording an attempt of %s: %w", t.ID, err))
		return a, abandoned
	}
	if err := mkdirs(trialDir); err != nil {
		r.fail(err)
		return a, abandoned
	}
	// A new attempt's directory must be new: one already there belongs to
	// a database this one replaced.
	if err := os.Mkdir(a.Dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			err = fmt.Errorf("%s %w", a.Dir, ErrAttemptDirExists)
		}
		r.fail(err)
		return a, abandoned
	}
	r.pruner.started(t.ID)
	resume := checkpointPath(a.Resume, a.ResumeDir)
	// Paths in the spec are absolute: the worker runs in its attempt directory.
	spec := buildSpec(r.sweep, t, a.Number, absPath(a.Dir), absPath(r.opt.CacheDir), resume)
	specPath := filepath.Join(a.Dir, "spec.json")
	events := eventsPath(a.Dir)
	if err := writeSpec(specPath, spec); err != nil {
		r.fail(err)
		return a, abandoned
	}
	args, workerEnv, err := argv(r.sweep, t, spec, absPath(specPath), absPath(events), r.opt.Self)
	if err != nil {
		return a, failed(KindStart, err.Error(), "")
	}
	env := append(slot.Env(),
		trainer.EnvSpec+"="+absPath(specPath), trainer.EnvEvents+"="+absPath(events),
		trainer.EnvTrial+"="+t.ID, trainer.EnvAttempt+"="+strconv.Itoa(a.Number))
	for k, v := range r.sweep.File.Worker.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, workerEnv...) // last: it already includes the sweep's PYTHONPATH
	ln := &Launch{Argv: args, Env: env, Dir: a.Dir, Stdout: filepath.Join(a.Dir, "stdout.log"), Stderr: filepath.Join(a.Dir, "stderr.log"),
		Slot: slot, Attempt: a, EventsPath: events, Self: r.opt.Self}
	r.opt.Reporter.Started(t, a, slot.Name)
	began := time.Now()
	p, err := r.opt.Executor.Start(ctx, ln)
	if err != nil {
		if isStorage(err) {
			r.fail(err)
			return a, abandoned
		}
		return a, failed(KindStart, fmt.Sprintf("starting %s: %v", args[0], err), "")
	}
	if r.opt.Failpoint != nil {
		r.opt.Failpoint("started", a.Dir)
	}
	pid, start := p.PID()
	host, _ := os.Hostname()
	jobID := ""
	if j, ok := p.(Job); ok {
		jobID = j.JobID()
	}
	if err := r.store.SetProcess(bg, a.ID, pid, start, host, jobID); err != nil {
		// The worker runs on under its supervisor; the next run adopts it.
		r.fail(fmt.Errorf("recording pid %d: %w", pid, err))
		return a, abandoned
	}
	return a, r.supervise(ctx, bg, a, spec, p, began)
}

// isStorage says whether err is the filesystem refusing to store: full,
// over quota or read-only.
func isStorage(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}

// checkpointPath resolves an earlier attempt's checkpoint, or "" when
// there is none or its file is gone.
func checkpointPath(p, dir string) string {
	if p == "" {
		return ""
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return absPath(p)
}

// mkdirs makes each directory in turn (parents first), cheaper than
// MkdirAll's walk when the run directory exists.
func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			if errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
				continue
			}
			return err
		}
	}
	return nil
}

func failed(kind, msg, stderr string) results.Finish {
	return results.Finish{Status: results.AttemptFailed, ErrorKind: kind, Error: msg, StderrTail: stderr, TrialState: results.TrialFailed}
}

// supervise ingests a worker's events until it ends, killing it when it
// stops sending events, runs past its time limit, or the run is stopped.
func (r *Runner) supervise(ctx, bg context.Context, a results.Attempt, spec *trainer.Spec, p Process, began time.Time) results.Finish {
	tl := &tailer{path: eventsPath(a.Dir), offset: a.Offset}
	defer tl.close()
	in := &ingester{spec: spec, scorer: r.opt.Scorer}
	if r.pruner != nil {
		in.watch = r.pruner.metric
	}
	exited := make(chan Exit, 1)
	go func() { exited <- p.Wait() }()
	tick := time.NewTicker(r.opt.Poll)
	defer tick.Stop()
	events := r.sweep.File.Worker.Kind != sweeps.WorkerCommand || r.sweep.File.Worker.Report == sweeps.ReportEvents
	limit := time.Duration(r.sweep.File.Worker.TimeLimit)
	lastActivity, lastOffset := time.Now(), tl.offset
	var stopReason string
	var termAt time.Time
	stop := ctx.Done()
	kill := r.killNow
	fatal := r.fatal
	terminate := func(reason string) {
		if stopReason == "" {
			stopReason = reason
			termAt = time.Now()
			p.Signal(syscall.SIGTERM)
		}
	}
	for {
		select {
		case ex := <-exited:
			if err := r.drain(bg, a.ID, tl, in); err != nil {
				r.fail(fmt.Errorf("ingesting attempt %d of %s: %w", a.Number, a.Trial, err))
				return abandoned
			}
			return r.judge(ex, in, stopReason, a.Dir, events, limit)
		case <-fatal:
			return abandoned
		case <-tick.C:
			if err := r.drain(bg, a.ID, tl, in); err != nil {
				r.fail(fmt.Errorf("ingesting attempt %d of %s: %w", a.Number, a.Trial, err))
				return abandoned
			}
			if in.refused {
				terminate(KindConfig) // it speaks another protocol: nothing it says counts
			}
			if reason, stop := r.earlyStop(bg, a.Trial, in); stop {
				in.pruned = reason
				terminate(KindPruned)
			}
			now := time.Now()
			if q, ok := p.(Queued); ok && !q.Running() {
				lastActivity, began = now, now // waiting in a batch queue
			}
			if tl.offset != lastOffset {
				lastOffset, lastActivity = tl.offset, now
				r.opt.Reporter.Progress(a, in.progress(spec.HParamInt("steps", 0)))
			}
			switch {
			case events && now.Sub(lastActivity) > r.opt.HeartbeatTimeout:
				terminate(KindTimeout)
			case limit > 0 && now.Sub(began) > limit:
				terminate(KindTimeLimit)
			}
			if stopReason != "" && now.Sub(termAt) > r.opt.Grace {
				p.Signal(syscall.SIGKILL)
			}
		case <-stop:
			stop = nil
			terminate(KindCancelled)
		case <-kill:
			kill = nil
			stopReason = KindCancelled
			p.Signal(syscall.SIGKILL)
		}
	}
}

// drain ingests everything the events file has now. Decoding the next
// chunk overlaps writing the last one; writes stay in file order, so the
// stored offset only moves forward.
func (r *Runner) drain(ctx context.Context, attempt int64, tl *tailer, in *ingester) error {
	var pending chan error
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		return err
	}
	for {
		before := tl.offset
		lines, warns, err := tl.next()
		if err != nil {
			return errors.Join(err, wait())
		}
		if tl.offset == before && len(warns) == 0 {
			return wait()
		}
		b := in.batch(lines, warns) // copies what it keeps out of lines
		b.Offset = tl.offset
		in.lastStep = max(in.lastStep, b.LastStep)
		if err := wait(); err != nil {
			return err
		}
		ch := make(chan error, 1)
		pending = ch
		go func() { ch <- r.store.Ingest(ctx, attempt, b) }()
		if tl.offset-before < readChunk/2 {
			return wait()
		}
	}
}

// judge decides how an attempt ended, with the worker's exit status when
// it is known and the message cleaned of terminal control sequences (it
// is printed, and it holds what a worker wrote).
func (r *Runner) judge(ex Exit, in *ingester, stopReason, dir string, events bool, limit time.Duration) results.Finish {
	f := r.judgeEnd(ex, in, stopReason, dir, events, limit)
	if ex.Known && ex.Signal == "" && ex.Kind == "" && ex.Code >= 0 {
		code := ex.Code
		f.ExitCode = &code
	}
	f.Error = cleanText(f.Error)
	return f
}

func (r *Runner) judgeEnd(ex Exit, in *ingester, stopReason, dir string, events bool, limit time.Duration) results.Finish {
	ok := results.Finish{Status: results.AttemptSucceeded, TrialState: results.TrialSucceeded}
	exitedZero := ex.Known && ex.Code == 0 && ex.Signal == ""
	if in.done == trainer.StatusOK && (exitedZero || !ex.Known) {
		return ok // finished, even if a stop request crossed its end
	}
	if ex.Kind != "" && stopReason == "" {
		return verdict(ex, in, stderrTail(filepath.Join(dir, "stderr.log")))
	}
	if in.refused {
		return failed(KindConfig, in.doneErr, stderrTail(filepath.Join(dir, "stderr.log")))
	}
	if !events && exitedZero && stopReason == "" {
		return ok // report: exit-code
	}
	stderr := stderrTail(filepath.Join(dir, "stderr.log"))
	switch stopReason {
	case KindPruned:
		return prunedFinish(in.pruned)
	case KindCancelled:
		return results.Finish{Status: results.AttemptCancelled, ErrorKind: KindCancelled, Error: "stopped by the user", StderrTail: stderr, TrialState: results.TrialPending}
	case KindTimeout:
		return failed(KindTimeout, fmt.Sprintf("no event for %s: killed", r.opt.HeartbeatTimeout), stderr)
	case KindTimeLimit:
		return failed(KindTimeLimit, fmt.Sprintf("ran past the time limit of %s: killed", limit), stderr)
	}
	kind := in.doneKind
	msg := in.doneErr
	switch {
	case !ex.Known && in.done == "":
		kind, msg = KindLost, "the adopted worker ended without a done event"
	case ex.Signal != "":
		if kind == "" {
			kind = KindSignal
		}
		msg = joinMsg("killed by "+ex.Signal, msg)
	case exitedZero:
		kind = KindProtocol
		if in.done == "" {
			msg = "exited 0 without a done event"
		} else {
			msg = joinMsg("exited 0 after done "+in.done, msg)
		}
	case ex.Known:
		msg = joinMsg(fmt.Sprintf("exit status %d", ex.Code), msg)
	}
	if kind == "" {
		kind = KindCrash
	}
	if kind != KindOOM && oomPattern.MatchString(stderr+" "+in.doneErr) {
		kind = KindOOM
	}
	if line := lastLine(stderr); line != "" && in.doneErr == "" {
		msg = joinMsg(msg, line)
	}
	return failed(kind, msg, stderr)
}

// verdict records an attempt that a batch system ended for a reason of
// its own. A job cancelled from outside (scancel, sweep cancel) leaves its
// trial cancelled rather than failed.
func verdict(ex Exit, in *ingester, stderr string) results.Finish {
	if ex.Kind == KindCancelled {
		return results.Finish{Status: results.AttemptCancelled, ErrorKind: KindCancelled, Error: ex.Reason, StderrTail: stderr, TrialState: results.TrialCancelled}
	}
	return failed(ex.Kind, joinMsg(ex.Reason, in.doneErr), stderr)
}

func joinMsg(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// stderrTail is the end of a worker's stderr, kept with a failure.
func stderrTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const n = 4096
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, os.ErrClosed) && len(buf) == 0 {
		return ""
	}
	return strings.ToValidUTF8(string(buf), "�")
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// summaryOf counts the states of the trials ids only.
func (r *Runner) summaryOf(ctx context.Context, ids []string) (Summary, error) {
	statuses, err := r.store.TrialStatuses(ctx)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Trials: len(ids)}
	for _, id := range ids {
		switch statuses[id].State {
		case results.TrialSucceeded:
			s.Succeeded++
		case results.TrialFailed:
			s.Failed++
		case results.TrialCancelled:
			s.Cancelled++
		case results.TrialPruned:
			s.Pruned++
		default:
			s.Pending++
		}
	}
	return s, nil
}

func (r *Runner) summary(ctx context.Context) (Summary, error) {
	var s Summary
	counts, err := r.store.StateCounts(ctx)
	if err != nil {
		return s, err
	}
	for state, n := range counts {
		s.Trials += n
		switch state {
		case results.TrialSucceeded:
			s.Succeeded += n
		case results.TrialFailed:
			s.Failed += n
		case results.TrialCancelled:
			s.Cancelled += n
		case results.TrialPruned:
			s.Pruned += n
		default:
			s.Pending += n
		}
	}
	return s, nil
}
