package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strconv"
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
	// Offset is how many bytes of events.jsonl have been read after it.
	Offset int64
	// Attempt fields; zero values leave the stored ones alone.
	LastStep, TotalSteps int
	DoneStatus           string
	ParamsTrainable      int64
	ParamsMismatch       bool
	Checkpoint           string
	Host                 string
}

// Ingest writes a batch of an attempt's events.
func (s *Store) Ingest(ctx context.Context, attempt int64, b Batch) error {
	return s.Write(ctx, func(tx *sql.Tx) error { return ingest(tx, attempt, b) })
}

func ingest(tx *sql.Tx, attempt int64, b Batch) error {
	if err := insertMetrics(tx, attempt, b.Metrics); err != nil {
		return err
	}
	for _, sc := range b.Scores {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO scores (attempt, step, split, metric, value, source) VALUES (?, ?, ?, ?, ?, ?)`,
			attempt, sc.Step, sc.Split, sc.Metric, sc.Value, sc.Source); err != nil {
			return err
		}
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
		host = coalesce(nullif(?, ''), host)
		WHERE id = ?`,
		b.Offset, b.LastStep, b.TotalSteps, b.DoneStatus, b.ParamsTrainable, b.ParamsMismatch, b.Checkpoint, b.Host, attempt)
	return err
}

// insertMetrics writes a batch of points with one statement: the rows go
// in as one JSON array that SQLite unpacks itself, which costs a fraction
// of binding four parameters a row through cgo. Float values are written
// with the shortest decimal that reads back to the same float64, and
// SQLite's JSON reader rounds them back exactly (TestMetricsRoundTrip).
func insertMetrics(tx *sql.Tx, attempt int64, ms []Metric) error {
	if len(ms) == 0 {
		return nil
	}
	buf := make([]byte, 0, 32*len(ms))
	buf = append(buf, '[')
	for i, m := range ms {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		name, _ := json.Marshal(m.Name)
		buf = append(buf, name...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(m.Step), 10)
		buf = append(buf, ',')
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			buf = append(buf, "null"...)
		} else {
			buf = strconv.AppendFloat(buf, m.Value, 'g', -1, 64)
		}
		buf = append(buf, ']')
	}
	buf = append(buf, ']')
	_, err := tx.Exec(`INSERT OR REPLACE INTO metrics (attempt, name, step, value)
		SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?2) AS j`, attempt, string(buf))
	return err
}
