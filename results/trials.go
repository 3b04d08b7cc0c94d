package results

import (
	"context"
	"database/sql"
)

// TrialResults are the current sweep file's trials, one entry each, with
// their latest scores: what `sweep results` and the report's trials.csv
// show. The trial_results and trial_scores views (migration 6) give the
// same to other readers of the database.
type TrialResults struct {
	TaskKeys map[string]string // each task's primary value key, where known
	// TestMetrics lists, per task, the metric names any attempt has test
	// scores for (as Records.TestMetrics).
	TestMetrics map[string][]string
	Trials      []TrialResult // in expansion order
}

// TrialResult is one trial. The attempt it reports is its latest succeeded
// one, else its latest; scores come only from a succeeded attempt.
type TrialResult struct {
	Trial         string
	Task, Method  string
	Rank          int
	Seed          int64
	HParams       string // JSON, keys sorted
	Trainable     *int64 // nil: not counted (a command worker's trial); base: 0
	State         string
	Attempts      int
	Attempt       int64    // 0: none yet
	AttemptStatus string   // "" when none
	Steps         *int64   // the attempt's last step
	WallSeconds   *float64 // from its start to its end; nil while it runs
	// Scores are the attempt's latest score per split and metric: the
	// runner's over the worker's, the last step over earlier ones (as
	// Records). Value is NaN or ±Inf where the stored score is not finite.
	Scores []TrialScore
}

// TrialScore is one split and metric of a trial.
type TrialScore struct {
	Split, Metric string
	Value         float64
}

// TrialResults reads every trial of the current sweep file with its
// latest scores.
func (s *Store) TrialResults(ctx context.Context) (*TrialResults, error) {
	tr := &TrialResults{}
	var err error
	if tr.TaskKeys, err = s.TaskKeys(ctx); err != nil {
		return nil, err
	}
	if tr.TestMetrics, err = s.testMetrics(ctx); err != nil {
		return nil, err
	}
	if tr.Trials, err = s.trialRows(ctx); err != nil {
		return nil, err
	}
	return tr, s.trialScores(ctx, tr.Trials)
}

// trialRows reads the trials; julianday keeps the milliseconds of the
// RFC 3339 times, and the trial_results view computes wall_s the same way.
func (s *Store) trialRows(ctx context.Context) ([]TrialResult, error) {
	rows, err := s.r.QueryContext(ctx, `
SELECT t.id, coalesce(t.task, ''), coalesce(t.method, ''), coalesce(t.rank, 0), t.seed, t.hparams, t.trainable, t.state,
	(SELECT count(*) FROM attempts n WHERE n.trial = t.id), coalesce(a.id, 0), coalesce(a.status, ''), a.last_step,
	round((julianday(a.ended) - julianday(a.started)) * 86400, 3)
FROM trials t LEFT JOIN attempts a ON a.id = (
	SELECT b.id FROM attempts b WHERE b.trial = t.id ORDER BY b.status = 'succeeded' DESC, b.number DESC LIMIT 1)
WHERE t.in_file = 1 ORDER BY t.rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrialResult
	for rows.Next() {
		var x TrialResult
		var trainable, steps sql.NullInt64
		var wall sql.NullFloat64
		if err := rows.Scan(&x.Trial, &x.Task, &x.Method, &x.Rank, &x.Seed, &x.HParams, &trainable, &x.State,
			&x.Attempts, &x.Attempt, &x.AttemptStatus, &steps, &wall); err != nil {
			return nil, err
		}
		if trainable.Valid {
			x.Trainable = &trainable.Int64
		}
		if steps.Valid {
			x.Steps = &steps.Int64
		}
		if wall.Valid {
			x.WallSeconds = &wall.Float64
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// trialScores adds the latest scores of each trial's succeeded attempt,
// chosen as Records chooses them.
func (s *Store) trialScores(ctx context.Context, trials []TrialResult) error {
	at := map[int64]int{}
	for i, t := range trials {
		if t.AttemptStatus == AttemptSucceeded {
			at[t.Attempt] = i
		}
	}
	scores, err := s.latestScores(ctx)
	if err != nil {
		return err
	}
	for _, x := range scores {
		if i, ok := at[x.Attempt]; ok {
			trials[i].Scores = append(trials[i].Scores, TrialScore{Split: x.Split, Metric: x.Metric, Value: x.Value})
		}
	}
	return nil
}
