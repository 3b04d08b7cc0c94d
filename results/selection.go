package results

import (
	"context"
	"encoding/json"
)

// scoredTrial is a trial of the current sweep file whose succeeded attempt
// has both a selection score and a test score.
type scoredTrial struct {
	Trial   string
	Task    string
	Method  string
	Rank    int
	Seed    int64
	HParams string
	Attempt int64
	Val     float64
	Test    float64
	Picked  bool // the best hyper-parameters of its (task, method, rank, seed)
}

// scoredTrials runs the selection protocol in SQL. Each attempt's score is
// the runner's (scored from predictions by tasks/metrics) when there is
// one, else the worker's, at the last step evaluated. Among the trials of a
// (task, method, rank, seed) the one with the best selection score is
// picked; ties go to the smaller hyper-parameter JSON, so the choice is
// deterministic.
func (s *Store) scoredTrials(ctx context.Context, split, goal string, metrics map[string]TaskMetrics) ([]scoredTrial, error) {
	want := map[string][2]string{}
	for t, m := range metrics {
		want[t] = [2]string{m.SelectMetric, m.Metric}
	}
	wantJSON, _ := json.Marshal(want)
	rows, err := s.r.QueryContext(ctx, `
WITH want AS (
	SELECT j.key AS task, j.value ->> 0 AS sel, j.value ->> 1 AS rep FROM json_each(?1) AS j
),
att AS (
	SELECT a.id, a.trial FROM attempts a JOIN trials t ON t.id = a.trial
	WHERE a.status = 'succeeded' AND t.in_file = 1
),
sc AS (
	SELECT s.attempt, s.split, s.metric, s.value,
		row_number() OVER (PARTITION BY s.attempt, s.split, s.metric
			ORDER BY s.source = 'runner' DESC, s.step DESC) AS rn
	FROM scores s JOIN att ON att.id = s.attempt
	-- A non-finite latest score (value NULL, nonfinite set) stands: the
	-- trial diverged and drops out, rather than showing an older score.
	WHERE s.split IN (?2, ?3) AND (s.value IS NOT NULL OR s.nonfinite IS NOT NULL)
),
scored AS (
	SELECT t.id, coalesce(t.task, '') AS task, coalesce(t.method, '') AS method, coalesce(t.rank, 0) AS rank,
		t.seed, t.hparams, a.id AS attempt, v.value AS val, x.value AS test
	FROM trials t
	JOIN want w ON w.task = coalesce(t.task, '')
	JOIN att a ON a.trial = t.id
	JOIN sc v ON v.attempt = a.id AND v.split = ?2 AND v.metric = w.sel AND v.rn = 1
	JOIN sc x ON x.attempt = a.id AND x.split = ?3 AND x.metric = w.rep AND x.rn = 1
	WHERE v.value IS NOT NULL AND x.value IS NOT NULL
)
SELECT id, task, method, rank, seed, hparams, attempt, val, test,
	row_number() OVER (PARTITION BY task, method, rank, seed
		ORDER BY CASE WHEN ?4 = 'min' THEN val ELSE -val END, hparams, id) = 1
FROM scored ORDER BY task, method, rank, seed, hparams`, string(wantJSON), split, TestSplit, goal)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scoredTrial
	for rows.Next() {
		var t scoredTrial
		if err := rows.Scan(&t.Trial, &t.Task, &t.Method, &t.Rank, &t.Seed, &t.HParams, &t.Attempt, &t.Val, &t.Test, &t.Picked); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// cellCounts are the trials of one (task, method, rank) by state.
type cellCounts struct {
	Task, Method       string
	Rank               int
	Trials, Seeds      int
	Succeeded, Failed  int
	Running            int
	Trainable          int64
	PercentOfLoRA      float64
	taskPos, methodPos int64 // where the sweep file lists them
}

// cellCounts counts the current sweep file's trials per (task, method,
// rank). Tasks and methods keep the order of the file: trials are stored
// in expansion order, so the first rowid of each is its place.
func (s *Store) cellCounts(ctx context.Context) ([]cellCounts, error) {
	rows, err := s.r.QueryContext(ctx, `
WITH t AS (
	SELECT coalesce(task, '') AS task, coalesce(method, '') AS method, coalesce(rank, 0) AS rank,
		seed, state, coalesce(trainable, 0) AS trainable, coalesce(percent_of_lora, 0) AS pct,
		min(rowid) OVER (PARTITION BY coalesce(task, '')) AS task_pos,
		min(rowid) OVER (PARTITION BY coalesce(method, '')) AS method_pos
	FROM trials WHERE in_file = 1
)
SELECT task, method, rank, count(*), count(DISTINCT seed),
	sum(state = 'succeeded'), sum(state IN ('failed', 'cancelled')), sum(state = 'running'),
	max(trainable), max(pct), min(task_pos), min(method_pos)
FROM t GROUP BY task, method, rank`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cellCounts
	for rows.Next() {
		var c cellCounts
		if err := rows.Scan(&c.Task, &c.Method, &c.Rank, &c.Trials, &c.Seeds, &c.Succeeded, &c.Failed, &c.Running,
			&c.Trainable, &c.PercentOfLoRA, &c.taskPos, &c.methodPos); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// orphanCount is how many stored trials the current sweep file no longer has.
func (s *Store) orphanCount(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM trials WHERE in_file = 0`).Scan(&n)
	return n, err
}

// distinctHParams lists the current file's hyper-parameter settings.
func (s *Store) distinctHParams(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT hparams FROM trials WHERE in_file = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
