package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func newRunCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a sweep's trials, resuming where an earlier run stopped",
		Long: `Run every trial of the sweep that has not succeeded yet, on the
executor the file names, keeping every state change and metric in
runs/<name>/sweep.db. Running the same file again skips succeeded trials,
retries failed ones within max_retries, adopts workers that are still
running, and reruns the attempts an interrupted run left behind.

One run at a time per sweep: a second ` + "`sweep run`" + ` of the same
database says which process runs it and exits with status 2, or waits for
it with --wait.

The first Ctrl-C (or SIGTERM, or SIGHUP) stops launching and asks running
workers to stop; the second kills them; the exit status is then 128 plus
the first signal's number (130 after Ctrl-C). With the slurm executor (docs/slurm.md) each attempt is
a batch job: Ctrl-C cancels queued jobs and signals running ones through
scancel, and running the command again re-attaches to the jobs still
queued or running.

--only runs a subset: --only 'task=syn-squad,method=tl5|tl6' runs the
trials whose task is syn-squad and whose method is tl5 or tl6. Keys are
task, method, rank, seed and the file's hyper-parameter axes; keys are
ANDed, a key's values (| or the key again in another --only) are ORed. An
unknown key or a value no trial has exits with status 2. --failed runs
only the trials whose last attempt failed (with --retries N to give more
to trials that used up their retries). The summary then counts only the
trials selected; the others are left as they are.`,
		Args: cobra.ExactArgs(1),
		RunE: runRun,
	}
	f := cmd.Flags()
	f.String("db", "", "database path (default runs/<name>/sweep.db); on a cluster, a path on this machine's local disk")
	f.String("run-dir", "", "directory of the attempts and Slurm scripts (default: the database's directory); on a cluster, on the shared filesystem")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.String("cache", "", "cache of base checkpoints (default $XDG_CACHE_HOME/tiedlora-sweep)")
	f.Int("parallel", 0, "attempts at once (default: the executor's slots, or max_queued jobs)")
	f.Int("retries", -1, "retries of a failed trial (default: the file's max_retries)")
	f.String("executor", "", "override the file's executor: local or slurm")
	f.Bool("progress", true, "draw progress bars on a terminal")
	f.Duration("slurm-poll", 10*time.Second, "how often the slurm executor asks squeue about its jobs")
	f.Bool("wait", false, "wait for another run of the same sweep to end instead of exiting with status 2")
	f.StringArray("only", nil, "run only the trials with these axis values: key=value[|value…][,key=value…]")
	f.Bool("failed", false, "run only the trials whose state is failed")
	return cmd
}

// dbPath is where a sweep's database lives.
func dbPath(flagDB, runs, name string) string {
	if flagDB != "" {
		return flagDB
	}
	return filepath.Join(runs, name, "sweep.db")
}

// networkFS is results.NetworkFS; tests stand in for statfs through it.
var networkFS = results.NetworkFS

// networkDBWarning is the warning for a database on a network filesystem
// (fs, as statfs named it), with the reason and the fix; "" for no
// filesystem.
func networkDBWarning(db, runDir, fs string) string {
	if fs == "" {
		return ""
	}
	return fmt.Sprintf("warning: the database %s is on %s, a network filesystem: SQLite's WAL mode needs shared memory "+
		"and locks that network filesystems do not provide, so the database can be corrupted or stay locked. "+
		"Keep the database on this machine's local disk and the attempts on the shared filesystem: "+
		"--db /local/disk/%s --run-dir %s (docs/slurm.md, \"Shared filesystems\")",
		db, fs, filepath.Base(db), runDir)
}

func cacheDir(flag string) string {
	if flag != "" {
		return flag
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tiedlora-sweep")
	}
	return filepath.Join(os.TempDir(), "tiedlora-sweep-cache")
}

func runRun(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	s, err := loadSweep(args[0])
	if err != nil {
		return err
	}
	switch e := v.GetString("executor"); e {
	case "":
	case sweeps.ExecLocal, sweeps.ExecSlurm:
		s.File.Executor.Kind = e
	default:
		return badInput(fmt.Errorf("--executor must be local or slurm, got %q", e))
	}
	if err := s.CheckData(); err != nil {
		return badInput(err)
	}
	db := dbPath(v.GetString("db"), v.GetString("runs"), s.File.Name)
	runDir := filepath.Dir(db)
	if d := v.GetString("run-dir"); d != "" {
		// Absolute, so that the attempt directories the database records
		// can be found from wherever status, report or export run.
		if runDir, err = filepath.Abs(d); err != nil {
			return badInput(fmt.Errorf("--run-dir: %w", err))
		}
	}
	if w := networkDBWarning(db, runDir, networkFS(db)); w != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), w)
	}
	var slurm *runner.Slurm
	if s.File.Executor.Kind == sweeps.ExecSlurm {
		// Checked before the database is made: a bad value writes nothing.
		if slurm, err = runner.NewSlurm(s.File.Executor, s.File.Name, runDir); err != nil {
			return badInput(fmt.Errorf("%s: %w", args[0], err))
		}
	}
	store, err := results.Open(db)
	if err != nil {
		return err
	}
	defer store.Close()
	// Each sweep and attempt this run makes records the binary behind it.
	if err := store.SetVersion(cmd.Context(), readVersion().String()); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	out := cmd.ErrOrStderr()
	var rep runner.Reporter = &runner.LogReporter{W: out}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) && v.GetBool("progress") {
		bars := runner.NewBarsReporter(out)
		defer bars.Close()
		rep = bars
	}
	note := func(format string, a ...any) { rep.Note(fmt.Sprintf(format, a...)) }
	opt := runner.Options{
		RunDir:   runDir,
		CacheDir: cacheDir(v.GetString("cache")),
		Self:     self,
		Scorer:   runner.NewTaskScorer(),
		Reporter: rep,
	}
	if slurm != nil {
		slurm.Parallel, slurm.Poll, slurm.Log = v.GetInt("parallel"), v.GetDuration("slurm-poll"), note
		opt.Executor = slurm
		opt.Poll = time.Second // events files on a shared filesystem
	} else {
		opt.Executor = &runner.Local{Config: s.File.Executor, UseGPUs: s.File.Worker.Kind != sweeps.WorkerGo, Parallel: v.GetInt("parallel"), Log: note}
	}
	if n := v.GetInt("retries"); n >= 0 {
		opt.MaxRetries = &n
	}
	opt.WaitLease = v.GetBool("wait")
	if opt.Select, err = selectTrials(s, onlyFlag(cmd), v.GetBool("failed")); err != nil {
		return err
	}
	if fp := os.Getenv("SWEEP_FAILPOINT"); fp == "stop-after-start" || fp == "stop-after-supervisor" {
		// For fault campaigns (scripts/faults): the orchestrator stops
		// itself between starting a worker and recording its pid, at
		// once or once the supervisor has written its file (the worker
		// is then running).
		var once sync.Once
		opt.Failpoint = func(point, dir string) {
			if point != "started" {
				return
			}
			once.Do(func() {
				for i := 0; fp == "stop-after-supervisor" && i < 1000; i++ {
					if _, err := os.Stat(filepath.Join(dir, "supervisor.json")); err == nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				syscall.Kill(os.Getpid(), syscall.SIGSTOP)
				// The stop reaches this thread only after the kernel
				// has woken another: it must not go on meanwhile.
				select {}
			})
		}
	}
	r := runner.New(s, store, opt)
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	sigs := make(chan os.Signal, 2)
	// A closed terminal (SIGHUP) or a service manager (SIGTERM) stops the
	// run as a Ctrl-C does: workers are asked to stop and their end is
	// recorded, none is left without its orchestrator.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var first atomic.Int32
	go func() {
		for n := 0; ; n++ {
			sig, ok := <-sigs
			if !ok {
				return
			}
			if n == 0 {
				first.Store(int32(sig.(syscall.Signal)))
				rep.Note(fmt.Sprintf("%s: stopping: no new attempts; running workers are asked to stop (Ctrl-C again kills them)", sig))
				stop()
			} else {
				rep.Note("killing running workers")
				r.Kill()
			}
		}
	}()
	sum, err := r.Run(ctx)
	var held *results.LeaseHeldError
	if errors.As(err, &held) {
		return &exitError{code: 2, err: err}
	}
	if err != nil {
		if sum.Trials > 0 {
			fmt.Fprintf(cmd.OutOrStdout(), "sweep %s: %s\n", s.File.Name, summaryLine(sum))
		}
		return fmt.Errorf("%w; the run stopped: nothing recorded is lost, workers still running finish under their supervisors, and the same command resumes once this is fixed", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "sweep %s: %s, in %s\n", s.File.Name, summaryLine(sum), sum.Elapsed.Round(1e7))
	fmt.Fprintf(cmd.OutOrStdout(), "results: %s\n", db)
	switch {
	case ctx.Err() != nil:
		code := 130
		if sig := first.Load(); sig != 0 {
			code = 128 + int(sig)
		}
		return &exitError{code: code, err: fmt.Errorf("interrupted; run the same command again to resume")}
	case sum.Failed > 0:
		return fmt.Errorf("%d trials failed; `sweep status --db %s` shows why", sum.Failed, db)
	case sum.Pending > 0:
		return fmt.Errorf("%d trials are still pending; run the same command again", sum.Pending)
	}
	return nil
}

// summaryLine counts a run's trials by state; pruned appears only for a
// sweep with early stopping that pruned some.
func summaryLine(sum runner.Summary) string {
	line := fmt.Sprintf("%d trials: %d succeeded, %d failed, %d pending, %d cancelled", sum.Trials, sum.Succeeded, sum.Failed, sum.Pending, sum.Cancelled)
	if sum.Pruned > 0 {
		line += fmt.Sprintf(", %d pruned", sum.Pruned)
	}
	return line
}
