package results

import (
	"context"
	"database/sql"
	"errors"
)

// Records is what the analysis of a sweep reads from its database: the
// stored facts of the sweep file, counts per cell, and each attempt's
// latest scores. It is read in one pass, so an analysis never goes back to
// the store.
type Records struct {
	Sweep    string            // "" before the first sync
	Protocol Protocol          // the stored selection rule
	TaskKeys map[string]string // each task's primary value key, where known
	// Cells count the current file's trials per (task, method, rank).
	Cells []CellCount
	// Scores are the latest score of each succeeded attempt of the current
	// file, per split and metric: the runner's (scored from predictions)
	// where it has one, else the worker's, at the last step evaluated.
	Scores []AttemptScore
	// Examples are, per succeeded attempt of the current file, the
	// per-example statistics of its latest runner-scored test step (none
	// for a database older than migration 5 or a command worker's
	// attempts without predictions).
	Examples []AttemptExamples
	// TestMetrics lists, per task, the metric names any attempt has test
	// scores for (a task without a key reports one of them).
	TestMetrics map[string][]string
	// HParams are the current file's distinct hyper-parameter settings.
	HParams []string
	// Orphans are stored trials the current sweep file no longer has.
	Orphans int
}

// CellCount is the trials of one (task, method, rank) by state.
type CellCount struct {
	Task, Method      string
	Rank              int
	Trials, Seeds     int
	Succeeded, Failed int
	Running           int
	// Pruned are the trials an early-stopping rule stopped.
	Pruned        int
	Trainable     int64
	PercentOfLoRA float64
	// TaskPos and MethodPos order tasks and methods as the file lists
	// them: trials are stored in expansion order, so the first rowid of
	// each is its place.
	TaskPos, MethodPos int64
}

// AttemptScore is one score of a succeeded attempt, with its trial's axes.
// Value is NaN or ±Inf where the stored score is not finite.
type AttemptScore struct {
	Trial         string
	Task, Method  string
	Rank          int
	Seed          int64
	HParams       string // JSON, keys sorted
	Attempt       int64
	Split, Metric string
	Value         float64
}

// Records reads a sweep's records.
func (s *Store) Records(ctx context.Context) (*Records, error) {
	r := &Records{}
	var err error
	if r.Sweep, err = s.SweepName(ctx); err != nil && !errors.Is(err, ErrNoSweep) {
		return nil, err
	}
	if r.Protocol, err = s.Protocol(ctx); err != nil {
		return nil, err
	}
	if r.TaskKeys, err = s.TaskKeys(ctx); err != nil {
		return nil, err
	}
	if err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM trials WHERE in_file = 0`).Scan(&r.Orphans); err != nil {
		return nil, err
	}
	if r.Cells, err = s.cellCounts(ctx); err != nil {
		return nil, err
	}
	if r.Scores, err = s.latestScores(ctx); err != nil {
		return nil, err
	}
	if r.Examples, err = s.latestExamples(ctx); err != nil {
		return nil, err
	}
	if r.TestMetrics, err = s.testMetrics(ctx); err != nil {
		return nil, err
	}
	r.HParams, err = s.strings(ctx, `SELECT DISTINCT hparams FROM trials WHERE in_file = 1`)
	return r, err
}

func (s *Store) cellCounts(ctx context.Context) ([]CellCount, error) {
	rows, err := s.r.QueryContext(ctx, `
WITH t AS (
	SELECT coalesce(task, '') AS task, coalesce(method, '') AS method, coalesce(rank, 0) AS rank,
		seed, state, coalesce(trainable, 0) AS trainable, coalesce(percent_of_lora, 0) AS pct,
		min(rowid) OVER (PARTITION BY coalesce(task, '')) AS task_pos,
		min(rowid) OVER (PARTITION BY coalesce(method, '')) AS method_pos
	FROM trials WHERE in_file = 1
)
SELECT task, method, rank, count(*), count(DISTINCT seed),
	sum(state = 'succeeded'), sum(state IN ('failed', 'cancelled')), sum(state = 'running'), sum(state = 'pruned'),
	max(trainable), max(pct), min(task_pos), min(method_pos)
FROM t GROUP BY task, method, rank`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CellCount
	for rows.Next() {
		var c CellCount
		if err := rows.Scan(&c.Task, &c.Method, &c.Rank, &c.Trials, &c.Seeds, &c.Succeeded, &c.Failed, &c.Running, &c.Pruned,
			&c.Trainable, &c.PercentOfLoRA, &c.TaskPos, &c.MethodPos); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// latestScores keeps, per attempt, split and metric, the runner's score
// over the worker's and the last step over earlier ones. A non-finite
// latest score (value NULL, nonfinite set) stands: the trial diverged and
// drops out, rather than showing an older score.
func (s *Store) latestScores(ctx context.Context) ([]AttemptScore, error) {
	rows, err := s.r.QueryContext(ctx, `
WITH sc AS (
	SELECT s.attempt, s.split, s.metric, s.value, s.nonfinite,
		row_number() OVER (PARTITION BY s.attempt, s.split, s.metric
			ORDER BY s.source = 'runner' DESC, s.step DESC) AS rn
	FROM scores s JOIN attempts a ON a.id = s.attempt JOIN trials t ON t.id = a.trial
	WHERE a.status = 'succeeded' AND t.in_file = 1 AND (s.value IS NOT NULL OR s.nonfinite IS NOT NULL)
)
SELECT t.id, coalesce(t.task, ''), coalesce(t.method, ''), coalesce(t.rank, 0), t.seed, t.hparams,
	a.id, sc.split, sc.metric, sc.value, sc.nonfinite
FROM sc JOIN attempts a ON a.id = sc.attempt JOIN trials t ON t.id = a.trial
WHERE sc.rn = 1 ORDER BY a.id, sc.split, sc.metric`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AttemptScore
	for rows.Next() {
		var x AttemptScore
		var v sql.NullFloat64
		var nf sql.NullString
		if err := rows.Scan(&x.Trial, &x.Task, &x.Method, &x.Rank, &x.Seed, &x.HParams, &x.Attempt, &x.Split, &x.Metric, &v, &nf); err != nil {
			return nil, err
		}
		x.Value = loadedValue(v, nf)
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) testMetrics(ctx context.Context) (map[string][]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT coalesce(t.task, ''), sc.metric FROM scores sc
		JOIN attempts a ON a.id = sc.attempt JOIN trials t ON t.id = a.trial
		WHERE sc.split = ? ORDER BY 1, 2`, TestSplit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var task, m string
		if err := rows.Scan(&task, &m); err != nil {
			return nil, err
		}
		out[task] = append(out[task], m)
	}
	return out, rows.Err()
}

// strings runs a query of one text column.
func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
