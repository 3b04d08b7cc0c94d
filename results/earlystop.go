package results

import (
	"context"
	"database/sql"
)

// Early-stopping actions.
const (
	ActionContinue = "continue"
	ActionStop     = "stop"
	ActionPromote  = "promote"
)

// Decision is one early-stopping decision about a trial.
type Decision struct {
	Trial  string
	Step   int
	Action string
	Reason string
	T      string
}

// RecordDecision stores a decision and, when state is not "", the trial's
// new state, in one transaction. A decision already recorded (the same
// trial, step and action) is kept as it was.
func (s *Store) RecordDecision(ctx context.Context, d Decision, state string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO early_stops (trial, step, action, reason, t) VALUES (?, ?, ?, ?, ?)`,
			d.Trial, d.Step, d.Action, nullString(d.Reason), now()); err != nil {
			return err
		}
		if state == "" {
			return nil
		}
		return setTrialState(tx, d.Trial, state)
	})
}

// Decisions lists every early-stopping decision, oldest first.
func (s *Store) Decisions(ctx context.Context) ([]Decision, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT trial, step, action, coalesce(reason, ''), t FROM early_stops ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		if err := rows.Scan(&d.Trial, &d.Step, &d.Action, &d.Reason, &d.T); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// EvalValues are the values a workers' eval events reported for one split
// and metric while training, over all attempts: trial → step → value (a
// non-finite value is NaN or ±Inf). A step reported twice keeps the first
// attempt's value.
func (s *Store) EvalValues(ctx context.Context, split, metric string) (map[string]map[int]float64, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT a.trial, s.step, s.value, s.nonfinite FROM scores s JOIN attempts a ON a.id = s.attempt
		WHERE s.split = ? AND s.metric = ? AND s.source = 'worker'
		ORDER BY a.number DESC`, split, metric)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[int]float64{}
	for rows.Next() {
		var trial string
		var step int
		var v sql.NullFloat64
		var nonfinite sql.NullString
		if err := rows.Scan(&trial, &step, &v, &nonfinite); err != nil {
			return nil, err
		}
		if out[trial] == nil {
			out[trial] = map[int]float64{}
		}
		out[trial][step] = loadedValue(v, nonfinite) // later rows are earlier attempts: the first wins
	}
	return out, rows.Err()
}

// EarlyStopSummary is what `sweep status` shows of early stopping.
type EarlyStopSummary struct {
	Stops      int `json:"stops"`
	Promotions int `json:"promotions"`
	// StepsTrained is what the sweep has cost so far (Store.StepsTrained).
	StepsTrained int64      `json:"steps_trained"`
	Recent       []Decision `json:"recent_stops"` // the last few stops, newest first
}

// earlyStopSummary counts the decisions; nil when there are none.
func (s *Store) earlyStopSummary(ctx context.Context) (*EarlyStopSummary, error) {
	var sum EarlyStopSummary
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE action = 'stop'), count(*) FILTER (WHERE action = 'promote') FROM early_stops`).
		Scan(&sum.Stops, &sum.Promotions); err != nil {
		return nil, err
	}
	if sum.Stops == 0 && sum.Promotions == 0 {
		return nil, nil
	}
	var err error
	if sum.StepsTrained, err = s.StepsTrained(ctx); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT trial, step, action, coalesce(reason, ''), t FROM early_stops WHERE action = 'stop' ORDER BY rowid DESC LIMIT 5`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d Decision
		if err := rows.Scan(&d.Trial, &d.Step, &d.Action, &d.Reason, &d.T); err != nil {
			return nil, err
		}
		sum.Recent = append(sum.Recent, d)
	}
	return &sum, rows.Err()
}

// StepsTrained is the optimizer steps the current file's trials took over
// all their attempts: each attempt's last step less the step of the
// checkpoint it resumed from. Steps an attempt took after its last
// checkpoint and lost to a crash count too: they were spent.
func (s *Store) StepsTrained(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT sum(max(coalesce(a.last_step, 0) - coalesce(a.resume_step, 0), 0))
		FROM attempts a JOIN trials t ON t.id = a.trial WHERE t.in_file = 1`).Scan(&n)
	return n.Int64, err
}
