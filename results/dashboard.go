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

// attemptInfoQuery joins each attempt to its trial's axes; the trial's id
// is renamed so that attemptColumns stay unambiguous.
const attemptInfoQuery = `SELECT ` + attemptColumns + `, coalesce(t.task, ''), coalesce(t.method, ''), coalesce(t.rank, 0), t.seed,
	coalesce(stderr_tail, '') FROM attempts JOIN (SELECT id AS trial_id, task, method, rank, seed FROM trials) t ON t.trial_id = attempts.trial `

// withExtra scans the attempt columns as scanAttempt does, then the extra
// destinations.
type withExtra struct {
	rows  *sql.Rows
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra...)...) }

func (s *Store) attemptInfos(ctx context.Context, where string, args ...any) ([]AttemptInfo, error) {
	return queryRows(ctx, s, attemptInfoQuery+where, func(rows *sql.Rows) (AttemptInfo, error) {
		var x AttemptInfo
		a, err := scanAttempt(withExtra{rows, []any{&x.Task, &x.Method, &x.Rank, &x.Seed, &x.StderrTail}})
		x.Attempt = a
		return x, err
	}, args...)
}

// queryRows runs a query and scans each of its rows with scan.
func queryRows[T any](ctx context.Context, s *Store, q string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RunningInfos lists the running attempts with their trials' axes, oldest
// first.
func (s *Store) RunningInfos(ctx context.Context) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE status = ? ORDER BY id`, AttemptRunning)
}

// FailedInfos lists the last n failed attempts, newest first.
func (s *Store) FailedInfos(ctx context.Context, n int) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE status = 'failed' ORDER BY id DESC LIMIT ?`, n)
}

// TrialAttemptInfos lists a trial's attempts, oldest first.
func (s *Store) TrialAttemptInfos(ctx context.Context, trial string) ([]AttemptInfo, error) {
	return s.attemptInfos(ctx, `WHERE trial = ? ORDER BY id`, trial)
}

// ErrNotFound is returned for a trial or attempt the database does not have.
var ErrNotFound = errors.New("results: not found")

// AttemptInfo reads one attempt by its id.
func (s *Store) AttemptInfo(ctx context.Context, id int64) (AttemptInfo, error) {
	xs, err := s.attemptInfos(ctx, `WHERE id = ?`, id)
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
	return queryRows(ctx, s, `SELECT id, seed, state FROM trials
		WHERE in_file = 1 AND coalesce(task, '') = ? AND coalesce(method, '') = ? AND coalesce(rank, 0) = ? ORDER BY rowid`,
		func(rows *sql.Rows) (CellTrial, error) {
			var c CellTrial
			err := rows.Scan(&c.ID, &c.Seed, &c.State)
			return c, err
		}, task, method, rank)
}

// StoredEvent is an event row with its id, for reading them in order.
type StoredEvent struct {
	ID int64
	EventRow
}

// AttemptEvents reads up to limit of an attempt's stored events after the
// event id after, oldest first.
func (s *Store) AttemptEvents(ctx context.Context, attempt, after int64, limit int) ([]StoredEvent, error) {
	return queryRows(ctx, s, `SELECT id, t, kind, body FROM events WHERE attempt = ? AND id > ? ORDER BY id LIMIT ?`,
		func(rows *sql.Rows) (StoredEvent, error) {
			var e StoredEvent
			err := rows.Scan(&e.ID, &e.T, &e.Kind, &e.Body)
			return e, err
		}, attempt, after, limit)
}

// MetricsAfter reads an attempt's finite training points after step, in
// step order: what a live curve has not drawn yet.
func (s *Store) MetricsAfter(ctx context.Context, attempt int64, after int) ([]Metric, error) {
	return queryRows(ctx, s, `SELECT step, name, value FROM metrics WHERE attempt = ? AND step > ? AND value IS NOT NULL ORDER BY step, name`,
		func(rows *sql.Rows) (Metric, error) {
			var m Metric
			err := rows.Scan(&m.Step, &m.Name, &m.Value)
			return m, err
		}, attempt, after)
}

// ScoresAfter reads an attempt's finite scores after step, in step order,
// the runner's before the worker's at a step.
func (s *Store) ScoresAfter(ctx context.Context, attempt int64, after int) ([]Score, error) {
	return queryRows(ctx, s, `SELECT step, split, metric, value, source FROM scores
		WHERE attempt = ? AND step > ? AND value IS NOT NULL ORDER BY step, split, metric, source = 'runner' DESC`,
		func(rows *sql.Rows) (Score, error) {
			var x Score
			err := rows.Scan(&x.Step, &x.Split, &x.Metric, &x.Value, &x.Source)
			return x, err
		}, attempt, after)
}
