package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Trial states.
const (
	TrialPending   = "pending"
	TrialRunning   = "running"
	TrialSucceeded = "succeeded"
	TrialFailed    = "failed" // the last attempt failed; a retry may follow
	TrialCancelled = "cancelled"
	// TrialPruned: an early-stopping rule stopped it at a step (its
	// decisions say which and why); it may be resumed from its checkpoint
	// if the rule promotes it later.
	TrialPruned = "pruned"
)

// Attempt statuses.
const (
	AttemptRunning     = "running"
	AttemptSucceeded   = "succeeded"
	AttemptFailed      = "failed"
	AttemptInterrupted = "interrupted" // the orchestrator died and the worker with it
	AttemptCancelled   = "cancelled"
	AttemptPruned      = "pruned" // stopped by the sweep's early-stopping rule
)

// SweepFile is one version of the sweep file a run used, with what the
// loader resolved of it that later stages need: the selection rule and
// each task's primary value key (the score name a report prints; absent
// for tasks the registry does not know).
type SweepFile struct {
	Name, Path, Text, Hash string
	Select                 Protocol
	TaskKeys               map[string]string
}

// TrialRow is a trial as stored.
type TrialRow struct {
	ID           string
	Task, Method string
	Rank         int
	Seed         int64
	HParams      string // JSON
	Config       string // JSON
	// Trainable and PercentOfLoRA are stored when Counted: a method with
	// nothing to train (base) stores 0, a trial without an analytic count
	// (a command worker's) stores NULL.
	Counted       bool
	Trainable     int64
	PercentOfLoRA float64
}

// SyncResult says how a sweep file's trials met the database's.
type SyncResult struct {
	New, Known int
	// Orphans are trials in the database that the file no longer has;
	// they are kept, marked in_file = 0.
	Orphans []string
}

// SyncTrials records the sweep file and its trials: new trials are added
// as pending, known ones keep their state, and trials no longer in the file
// are reported, not deleted.
func (s *Store) SyncTrials(ctx context.Context, file SweepFile, trials []TrialRow) (SyncResult, error) {
	var res SyncResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		res = SyncResult{}
		t := now()
		if _, err := tx.Exec(`INSERT OR IGNORE INTO sweeps (name, file_path, file_text, file_hash, created) VALUES (?, ?, ?, ?, ?)`,
			file.Name, file.Path, file.Text, file.Hash, t); err != nil {
			return err
		}
		if err := storeResolved(tx, file); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE trials SET in_file = 0`); err != nil {
			return err
		}
		ins, err := tx.Prepare(`INSERT INTO trials (id, task, method, rank, seed, hparams, config, trainable, percent_of_lora, state, in_file, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET in_file = 1`)
		if err != nil {
			return err
		}
		defer ins.Close()
		before, err := count(tx, `SELECT count(*) FROM trials`)
		if err != nil {
			return err
		}
		for _, tr := range trials {
			if _, err := ins.Exec(tr.ID, nullString(tr.Task), nullString(tr.Method), nullInt(int64(tr.Rank)), tr.Seed, tr.HParams, tr.Config,
				counted(tr.Counted, tr.Trainable), counted(tr.Counted, tr.PercentOfLoRA), t, t); err != nil {
				return err
			}
		}
		after, err := count(tx, `SELECT count(*) FROM trials`)
		if err != nil {
			return err
		}
		res.New = after - before
		res.Known = len(trials) - res.New
		rows, err := tx.Query(`SELECT id FROM trials WHERE in_file = 0 ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			res.Orphans = append(res.Orphans, id)
		}
		return rows.Err()
	})
	return res, err
}

// storeResolved records the file's selection rule and task keys on its
// sweeps row.
func storeResolved(tx *sql.Tx, file SweepFile) error {
	var id int64
	if err := tx.QueryRow(`SELECT id FROM sweeps WHERE name = ? AND file_hash = ?`, file.Name, file.Hash).Scan(&id); err != nil {
		return err
	}
	p := file.Select
	if _, err := tx.Exec(`UPDATE sweeps SET select_split = ?, select_metric = ?, select_goal = ? WHERE id = ?`,
		nullString(p.Split), nullString(p.Metric), nullString(p.Goal), id); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM task_keys WHERE sweep = ?`, id); err != nil {
		return err
	}
	for task, key := range file.TaskKeys {
		if key == "" {
			continue
		}
		if _, err := tx.Exec(`INSERT INTO task_keys (sweep, task, value_key) VALUES (?, ?, ?)`, id, task, key); err != nil {
			return err
		}
	}
	return nil
}

func count(q interface {
	QueryRow(string, ...any) *sql.Row
}, query string, args ...any) (int, error) {
	var n int
	err := q.QueryRow(query, args...).Scan(&n)
	return n, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// counted is v when it was counted, else NULL.
func counted[T int64 | float64](ok bool, v T) any {
	if !ok {
		return nil
	}
	return v
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// Attempt is one execution of a trial.
type Attempt struct {
	ID         int64
	Trial      string
	Number     int
	Executor   string
	Slot       string
	JobID      string
	Host       string
	PID        int
	PIDStart   int64
	Dir        string
	Status     string
	Started    string
	Ended      string
	ExitCode   *int
	ErrorKind  string
	Error      string
	Offset     int64
	LastStep   int
	TotalSteps int
	DoneStatus string
	Checkpoint string
	// Resume is, for a new attempt, the newest checkpoint an earlier
	// attempt of the trial recorded (relative paths are relative to that
	// attempt's Dir, which ResumeDir holds); ResumeStep is its step.
	Resume, ResumeDir string
	ResumeStep        int
}

// StartAttempt records a new attempt of trial as running and the trial as
// running; the attempt's number is one more than the trial's last.
func (s *Store) StartAttempt(ctx context.Context, trial, executor, slot string, dir func(number int) string) (Attempt, error) {
	var a Attempt
	err := s.write(ctx, func(tx *sql.Tx) error {
		n, err := count(tx, `SELECT coalesce(max(number), 0) FROM attempts WHERE trial = ?`, trial)
		if err != nil {
			return err
		}
		a = Attempt{Trial: trial, Number: n + 1, Executor: executor, Slot: slot, Dir: dir(n + 1), Status: AttemptRunning, Started: now()}
		if n > 0 {
			err := tx.QueryRow(`SELECT checkpoint, dir, coalesce(checkpoint_step, 0) FROM attempts WHERE trial = ? AND checkpoint IS NOT NULL ORDER BY number DESC LIMIT 1`, trial).
				Scan(&a.Resume, &a.ResumeDir, &a.ResumeStep)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
		}
		res, err := tx.Exec(`INSERT INTO attempts (trial, number, executor, slot, dir, status, started, resume_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Trial, a.Number, a.Executor, a.Slot, a.Dir, a.Status, a.Started, nullInt(int64(a.ResumeStep)))
		if err != nil {
			return err
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return setTrialState(tx, trial, TrialRunning)
	})
	return a, err
}

func setTrialState(tx *sql.Tx, trial, state string) error {
	_, err := tx.Exec(`UPDATE trials SET state = ?, updated = ? WHERE id = ?`, state, now(), trial)
	return err
}

// SetProcess records the process (or batch job) running an attempt, so a
// restarted orchestrator can find it again.
func (s *Store) SetProcess(ctx context.Context, attempt int64, pid int, pidStart int64, host, jobID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE attempts SET pid = ?, pid_start = ?, host = ?, job_id = ? WHERE id = ?`,
			nullInt(int64(pid)), nullInt(pidStart), nullString(host), nullString(jobID), attempt)
		return err
	})
}

// Finish is how an attempt ended.
type Finish struct {
	Status     string
	ExitCode   *int
	ErrorKind  string
	Error      string
	StderrTail string
	// TrialState is the trial's state afterwards.
	TrialState string
}

// FinishAttempt records the end of an attempt and its trial's new state in
// one transaction. An attempt already ended is left as it was, so that two
// paths noticing the same end cannot record it twice.
func (s *Store) FinishAttempt(ctx context.Context, attempt int64, f Finish) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var trial, status string
		if err := tx.QueryRow(`SELECT trial, status FROM attempts WHERE id = ?`, attempt).Scan(&trial, &status); err != nil {
			return err
		}
		if status != AttemptRunning {
			return nil
		}
		var code any
		if f.ExitCode != nil {
			code = *f.ExitCode
		}
		if _, err := tx.Exec(`UPDATE attempts SET status = ?, ended = ?, exit_code = ?, error_kind = ?, error = ?, stderr_tail = ? WHERE id = ?`,
			f.Status, now(), code, nullString(f.ErrorKind), nullString(f.Error), nullString(f.StderrTail), attempt); err != nil {
			return err
		}
		return setTrialState(tx, trial, f.TrialState)
	})
}

// SetTrialState changes a trial's state outside an attempt's end.
func (s *Store) SetTrialState(ctx context.Context, trial, state string) error {
	return s.write(ctx, func(tx *sql.Tx) error { return setTrialState(tx, trial, state) })
}

const attemptColumns = `id, trial, number, executor, coalesce(slot, ''), coalesce(job_id, ''), coalesce(host, ''), coalesce(pid, 0), coalesce(pid_start, 0),
	dir, status, started, coalesce(ended, ''), exit_code, coalesce(error_kind, ''), coalesce(error, ''), events_offset,
	coalesce(last_step, 0), coalesce(total_steps, 0), coalesce(done_status, ''), coalesce(checkpoint, '')`

func scanAttempt(sc interface{ Scan(...any) error }) (Attempt, error) {
	var a Attempt
	var code sql.NullInt64
	err := sc.Scan(&a.ID, &a.Trial, &a.Number, &a.Executor, &a.Slot, &a.JobID, &a.Host, &a.PID, &a.PIDStart,
		&a.Dir, &a.Status, &a.Started, &a.Ended, &code, &a.ErrorKind, &a.Error, &a.Offset,
		&a.LastStep, &a.TotalSteps, &a.DoneStatus, &a.Checkpoint)
	if code.Valid {
		c := int(code.Int64)
		a.ExitCode = &c
	}
	return a, err
}

// Attempts lists every attempt, oldest first.
func (s *Store) Attempts(ctx context.Context) ([]Attempt, error) {
	return s.attempts(ctx, ``)
}

// RunningAttempts lists the attempts recorded as running, oldest first.
func (s *Store) RunningAttempts(ctx context.Context) ([]Attempt, error) {
	return s.attempts(ctx, `WHERE status = ?`, AttemptRunning)
}

// TrialAttempts lists a trial's attempts, oldest first; status "" means
// any status.
func (s *Store) TrialAttempts(ctx context.Context, trial, status string) ([]Attempt, error) {
	if status == "" {
		return s.attempts(ctx, `WHERE trial = ?`, trial)
	}
	return s.attempts(ctx, `WHERE trial = ? AND status = ?`, trial, status)
}

// attempts runs the attempts query with a condition of this package's own.
func (s *Store) attempts(ctx context.Context, where string, args ...any) ([]Attempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+attemptColumns+` FROM attempts `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// StateCounts counts the current sweep file's trials by state.
func (s *Store) StateCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM trials WHERE in_file = 1 GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

// MetricCount is how many training-curve points the database holds.
func (s *Store) MetricCount(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM metrics`).Scan(&n)
	return n, err
}

// TrialStatus is what the scheduler needs to know of a trial.
type TrialStatus struct {
	ID       string
	State    string
	Failures int // failed attempts (interrupted ones are not failures)
	Attempts int
}

// TrialStatuses returns every trial's state and attempt counts.
func (s *Store) TrialStatuses(ctx context.Context) (map[string]TrialStatus, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT t.id, t.state,
			(SELECT count(*) FROM attempts a WHERE a.trial = t.id AND a.status = 'failed'),
			(SELECT count(*) FROM attempts a WHERE a.trial = t.id)
		FROM trials t`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]TrialStatus{}
	for rows.Next() {
		var t TrialStatus
		if err := rows.Scan(&t.ID, &t.State, &t.Failures, &t.Attempts); err != nil {
			return nil, err
		}
		out[t.ID] = t
	}
	return out, rows.Err()
}

// Failures counts a trial's failed attempts (interrupted and cancelled
// ones are not failures), which the retry policy limits.
func (s *Store) Failures(ctx context.Context, trial string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM attempts WHERE trial = ? AND status = 'failed'`, trial).Scan(&n)
	return n, err
}

// ErrNoSweep means a database has no sweep recorded yet.
var ErrNoSweep = errors.New("the database holds no sweep yet")

// SweepName returns the name of the sweep the database holds.
func (s *Store) SweepName(ctx context.Context) (string, error) {
	var name string
	err := s.r.QueryRowContext(ctx, `SELECT name FROM sweeps ORDER BY id DESC LIMIT 1`).Scan(&name)
	if err == sql.ErrNoRows {
		return "", fmt.Errorf("%s: %w", s.path, ErrNoSweep)
	}
	return name, err
}
