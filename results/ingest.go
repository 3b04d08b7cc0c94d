package results

import (
	"context"
	"database/sql"
	"math"
	"strings"
)

// Metric is one point of a training curve.
type Metric struct {
	Step  int
	Name  string
	Value float64
}

// Score is one evaluation result.
type Score struct {
	Step   int
	Split  string
	Metric string
	Value  float64
	Source string // worker or runner
}

// EventRow is an event kept whole (start, checkpoint, done, warnings…).
type EventRow struct {
	T    string
	Kind string
	Body string
}

// Batch is what one read of an attempt's events file produced. It is
// written in one transaction together with the new offset, so a crash can
// neither lose nor repeat a line.
type Batch struct {
	Metrics []Metric
	Scores  []Score
	Events  []EventRow
	// Examples are the per-example statistics of the runner's scores.
	Examples []ExampleStats
	// Offset is how many bytes of events.jsonl have been read after it.
	Offset int64
	// Attempt fields; zero values leave the stored ones alone.
	LastStep, TotalSteps int
	DoneStatus           string
	ParamsTrainable      int64
	ParamsMismatch       bool
	Checkpoint           string
	CheckpointStep       int // the step Checkpoint was saved after
	Host                 string
	// Worker is the worker's provenance from its start event (JSON:
	// python, torch, transformers, cuda, gpu…), "" for none.
	Worker string
}

// Ingest writes a batch of an attempt's events.
func (s *Store) Ingest(ctx context.Context, attempt int64, b Batch) error {
	return s.write(ctx, func(tx *sql.Tx) error { return ingest(tx, attempt, b) })
}

func ingest(tx *sql.Tx, attempt int64, b Batch) error {
	if err := insertMetrics(tx, attempt, b.Metrics); err != nil {
		return err
	}
	for _, sc := range b.Scores {
		v, nf := storedValue(sc.Value)
		if _, err := tx.Exec(`INSERT OR REPLACE INTO scores (attempt, step, split, metric, value, source, nonfinite) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			attempt, sc.Step, sc.Split, sc.Metric, v, sc.Source, nf); err != nil {
			return err
		}
	}
	if err := insertExamples(tx, attempt, b.Examples); err != nil {
		return err
	}
	for _, e := range b.Events {
		if _, err := tx.Exec(`INSERT INTO events (attempt, t, kind, body) VALUES (?, ?, ?, ?)`, attempt, e.T, e.Kind, e.Body); err != nil {
			return err
		}
	}
	_, err := tx.Exec(`UPDATE attempts SET events_offset = ?,
		last_step = max(coalesce(last_step, 0), ?),
		total_steps = coalesce(nullif(?, 0), total_steps),
		done_status = coalesce(nullif(?, ''), done_status),
		params_trainable = coalesce(nullif(?, 0), params_trainable),
		params_mismatch = params_mismatch OR ?,
		checkpoint = coalesce(nullif(?, ''), checkpoint),
		checkpoint_step = CASE WHEN ? = '' THEN checkpoint_step ELSE ? END,
		host = coalesce(nullif(?, ''), host),
		worker = coalesce(nullif(?, ''), worker)
		WHERE id = ?`,
		b.Offset, b.LastStep, b.TotalSteps, b.DoneStatus, b.ParamsTrainable, b.ParamsMismatch, b.Checkpoint, b.Checkpoint, b.CheckpointStep, b.Host, b.Worker, attempt)
	return err
}

// metricsPerInsert is how many rows one INSERT carries: binding many rows
// a statement cuts the per-row cost of the statement and its cgo calls to
// a fraction (64 was fastest of 1, 64, 128 and 256 on 400,000 rows).
const metricsPerInsert = 64

// insertMetrics appends points, metricsPerInsert rows a statement.
func insertMetrics(tx *sql.Tx, attempt int64, ms []Metric) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 5*metricsPerInsert)
	for len(ms) > 0 {
		n := min(len(ms), metricsPerInsert)
		args = args[:0]
		for _, m := range ms[:n] {
			v, nf := storedValue(m.Value)
			args = append(args, attempt, m.Step, m.Name, v, nf)
		}
		var err error
		if n == metricsPerInsert {
			if full == nil {
				if full, err = tx.Prepare(metricsInsert(n)); err != nil {
					return err
				}
			}
			_, err = full.Exec(args...)
		} else {
			_, err = tx.Exec(metricsInsert(n), args...)
		}
		if err != nil {
			return err
		}
		ms = ms[n:]
	}
	return nil
}

func metricsInsert(rows int) string {
	return "INSERT INTO metrics (attempt, step, name, value, nonfinite) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", rows), ", ")
}

// Non-finite values are stored as a NULL value and their spelling in
// nonfinite, since SQLite turns NaN into NULL: queries that read value
// skip them, and nothing reads a diverged run as a number.
const (
	NonFiniteNaN    = "nan"
	NonFiniteInf    = "inf"
	NonFiniteNegInf = "-inf"
)

// storedValue is a value's (value, nonfinite) columns.
func storedValue(x float64) (value, nonfinite any) {
	switch {
	case math.IsNaN(x):
		return nil, NonFiniteNaN
	case math.IsInf(x, 1):
		return nil, NonFiniteInf
	case math.IsInf(x, -1):
		return nil, NonFiniteNegInf
	}
	return x, nil
}

// loadedValue is the float64 of a stored (value, nonfinite) pair.
func loadedValue(v sql.NullFloat64, nonfinite sql.NullString) float64 {
	switch nonfinite.String {
	case NonFiniteInf:
		return math.Inf(1)
	case NonFiniteNegInf:
		return math.Inf(-1)
	}
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// MetricValues reads an attempt's metric points in order, non-finite ones
// as NaN and ±Inf.
func (s *Store) MetricValues(ctx context.Context, attempt int64) ([]Metric, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT step, name, value, nonfinite FROM metrics WHERE attempt = ? ORDER BY rowid`, attempt)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		var m Metric
		var v sql.NullFloat64
		var nf sql.NullString
		if err := rows.Scan(&m.Step, &m.Name, &v, &nf); err != nil {
			return nil, err
		}
		m.Value = loadedValue(v, nf)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ScoreValues reads an attempt's scores, non-finite ones as NaN and ±Inf.
func (s *Store) ScoreValues(ctx context.Context, attempt int64) ([]Score, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT step, split, metric, value, nonfinite, source FROM scores WHERE attempt = ? ORDER BY step, split, metric, source`, attempt)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Score
	for rows.Next() {
		var sc Score
		var v sql.NullFloat64
		var nf sql.NullString
		if err := rows.Scan(&sc.Step, &sc.Split, &sc.Metric, &v, &nf, &sc.Source); err != nil {
			return nil, err
		}
		sc.Value = loadedValue(v, nf)
		out = append(out, sc)
	}
	return out, rows.Err()
}
