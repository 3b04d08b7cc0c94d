package results

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Marker is a cheap fingerprint of a sweep's state: a reader that polls it
// learns that something changed without reading what. Each field only
// grows or changes while a sweep runs; the queries use rowids and small
// tables, so a poll costs microseconds even on a large database.
type Marker struct {
	Events   int64 // the last events rowid
	Metrics  int64 // the last metrics rowid: curves grew
	Scores   int64 // the last scores rowid: scores landed
	Attempts int64 // the last attempts rowid
	Ended    int64 // attempts no longer running
	Trials   int64 // the sum of trials' rowids that are done, a cheap change count
}

// Marker reads the sweep's change marker.
func (s *Store) Marker(ctx context.Context) (Marker, error) {
	var m Marker
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(rowid), 0) FROM events),
		(SELECT coalesce(max(rowid), 0) FROM metrics),
		(SELECT coalesce(max(rowid), 0) FROM scores),
		(SELECT coalesce(max(rowid), 0) FROM attempts),
		(SELECT count(*) FROM attempts WHERE status != 'running'),
		(SELECT coalesce(sum(rowid * (1 + length(state))), 0) FROM trials WHERE state != 'pending')`).
		Scan(&m.Events, &m.Metrics, &m.Scores, &m.Attempts, &m.Ended, &m.Trials)
	return m, err
}

// Cells counts the current file's trials per (task, method, rank), in
// the file's order of tasks and methods.
func (s *Store) Cells(ctx context.Context) ([]CellCount, error) {
	return s.cellCounts(ctx)
}

// Throughput is how fast a sweep has been finishing attempts.
type Throughput struct {
	Ended   int     // attempts that ended
	Seconds float64 // from the first attempt's start to the last one's end
}

// Throughput reads the span of the sweep's ended attempts.
func (s *Store) Throughput(ctx context.Context) (Throughput, error) {
	var t Throughput
	var first, last sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT count(*), min(started), max(ended) FROM attempts WHERE status != 'running'`).
		Scan(&t.Ended, &first, &last)
	if err != nil || !first.Valid || !last.Valid {
		return t, err
	}
	a, err1 := time.Parse(time.RFC3339Nano, first.String)
	b, err2 := time.Parse(time.RFC3339Nano, last.String)
	if err1 == nil && err2 == nil && b.After(a) {
		t.Seconds = b.Sub(a).Seconds()
	}
	return t, nil
}

// AttemptInfo is an attempt with its trial's axes and what a dashboard
// shows of how it ended.
type AttemptInfo struct {
	Attempt
	Task, Method string
	Rank         int
	Seed         int64
	StderrTail   string
}

const attemptInfoColumns = `a.id, a.trial, a.number, a.executor, coalesce(a.slot, ''), coalesce(a.job_id, ''), coalesce(a.host, ''),
	coalesce(a.pid, 0), coalesce(a.pid_start, 0), a.dir, a.status, a.started, coalesce(a.ended, ''), a.exit_code,
	coalesce(a.error_kind, ''), coalesce(a.error, ''), a.events_offset, coalesce(a.last_step, 0), coalesce(a.total_steps, 0),
	coalesce(a.done_status, ''), coalesce(a.checkpoint, ''),
	coalesce(t.task, ''), coalesce(t.method, ''), coalesce(t.rank, 0), t.seed, coalesce(a.stderr_tail, '')`

func (s *Store) attemptInfos(ctx context.Context, where string, args ...any) ([]AttemptInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+attemptInfoColumns+` FROM attempts a JOIN trials t ON t.id = a.trial `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AttemptInfo
	for rows.Next() {
		var x AttemptInfo
		var code sql.NullInt64
		a := &x.Attempt
		if err := rows.Scan(&a.ID, &a.Trial, &a.Number, &a.Executor, &a.Slot, &a.JobID, &a.Host, &a.PID, &a.PIDStart,
			&a.Dir, &a.Status, &a.Started, &a.Ended, &code, &a.ErrorKind, &a.Error, &a.Offset,
			&a.LastStep, &a.TotalSteps, &a.DoneStatus, &a.Checkpoint,
			&x.Task, &x.Method, &x.Rank, &x.Seed, &x.StderrTail); err != nil {
			return nil, err
		}
		if code.Valid {
			c := int(code.Int64)
			a.ExitCode = &c
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RunningInfos lists the running attempts with their trials' axes, oldest
// first.
func (s *Store) RunningInfos(ctx context.Context) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE a.status = ? ORDER BY a.id`, AttemptRunning)
}

// FailedInfos lists the last n failed attempts, newest first.
func (s *Store) FailedInfos(ctx context.Context, n int) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE a.status = 'failed' ORDER BY a.id DESC LIMIT ?`, n)
}

// TrialAttemptInfos lists a trial's attempts, oldest first.
func (s *Store) TrialAttemptInfos(ctx context.Context, trial string) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE a.trial = ? ORDER BY a.id`, trial)
}

// ErrNotFound is returned for a trial or attempt the database does not have.
var ErrNotFound = errors.New("results: not found")

// AttemptInfo reads one attempt by its id.
func (s *Store) AttemptInfo(ctx context.Context, id int64) (AttemptInfo, error) {
	xs, err := s.attemptInfos(ctx, `WHERE a.id = ?`, id)
	if err != nil {
		return AttemptInfo{}, err
	}
	if len(xs) == 0 {
		return AttemptInfo{}, ErrNotFound
	}
	return xs[0], nil
}

// TrialDetail is one trial as stored.
type TrialDetail struct {
	ID            string
	Task, Method  string
	Rank          int
	Seed          int64
	HParams       string // JSON, keys sorted
	Config        string // the whole resolved trial, JSON
	Trainable     int64
	PercentOfLoRA float64
	State         string
	InFile        bool
}

// Trial reads one trial by its id.
func (s *Store) Trial(ctx context.Context, id string) (TrialDetail, error) {
	t := TrialDetail{ID: id}
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(task, ''), coalesce(method, ''), coalesce(rank, 0), seed, hparams, config,
		coalesce(trainable, 0), coalesce(percent_of_lora, 0), state, in_file FROM trials WHERE id = ?`, id).
		Scan(&t.Task, &t.Method, &t.Rank, &t.Seed, &t.HParams, &t.Config, &t.Trainable, &t.PercentOfLoRA, &t.State, &t.InFile)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// CellTrial is one trial of a cell, for a dashboard's links.
type CellTrial struct {
	ID    string
	Seed  int64
	State string
}

// CellTrials lists the current file's trials of one (task, method, rank).
func (s *Store) CellTrials(ctx context.Context, task, method string, rank int) ([]CellTrial, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, seed, state FROM trials
		WHERE in_file = 1 AND coalesce(task, '') = ? AND coalesce(method, '') = ? AND coalesce(rank, 0) = ? ORDER BY rowid`, task, method, rank)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CellTrial
	for rows.Next() {
		var c CellTrial
		if err := rows.Scan(&c.ID, &c.Seed, &c.State); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// StoredEvent is an event row with its id, for reading them in order.
type StoredEvent struct {
	ID int64
	EventRow
}

// AttemptEvents reads up to limit of an attempt's stored events after the
// event id after, oldest first.
func (s *Store) AttemptEvents(ctx context.Context, attempt, after int64, limit int) ([]StoredEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, t, kind, body FROM events WHERE attempt = ? AND id > ? ORDER BY id LIMIT ?`, attempt, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var e StoredEvent
		if err := rows.Scan(&e.ID, &e.T, &e.Kind, &e.Body); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MetricsAfter reads an attempt's finite training points after step, in
// step order: what a live curve has not drawn yet.
func (s *Store) MetricsAfter(ctx context.Context, attempt int64, after int) ([]Metric, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT step, name, value FROM metrics WHERE attempt = ? AND step > ? AND value IS NOT NULL ORDER BY step, name`, attempt, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		var m Metric
		if err := rows.Scan(&m.Step, &m.Name, &m.Value); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ScoresAfter reads an attempt's finite scores after step, in step order,
// the runner's before the worker's at a step.
func (s *Store) ScoresAfter(ctx context.Context, attempt int64, after int) ([]Score, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT step, split, metric, value, source FROM scores
		WHERE attempt = ? AND step > ? AND value IS NOT NULL ORDER BY step, split, metric, source = 'runner' DESC`, attempt, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Score
	for rows.Next() {
		var x Score
		if err := rows.Scan(&x.Step, &x.Split, &x.Metric, &x.Value, &x.Source); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
