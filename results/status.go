package results

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Status is what `sweep status` shows.
type Status struct {
	Sweep    string         `json:"sweep"`
	Trials   int            `json:"trials"`
	ByState  map[string]int `json:"by_state"`
	Orphans  int            `json:"orphans"`
	Running  []Running      `json:"running"`
	Failures []Failure      `json:"recent_failures"`
	// Diverged are succeeded trials whose selection score is not finite.
	Diverged []Diverged `json:"diverged"`
	// EarlyStop counts the early-stopping rule's decisions (nil for a
	// sweep without one).
	EarlyStop *EarlyStopSummary `json:"early_stop,omitempty"`
	// Orchestrator is the `sweep run` that holds the sweep's lease, if any
	// (it may have died since its last heartbeat).
	Orchestrator *LeaseHolder `json:"orchestrator,omitempty"`
}

// Diverged is a trial whose latest selection score is NaN or infinite.
type Diverged struct {
	Trial  string `json:"trial"`
	Task   string `json:"task,omitempty"`
	Split  string `json:"split"`
	Metric string `json:"metric"`
	Value  string `json:"value"` // nan, inf or -inf
}

// Running is an attempt in progress.
type Running struct {
	Trial   string `json:"trial"`
	Task    string `json:"task,omitempty"`
	Method  string `json:"method,omitempty"`
	Rank    int    `json:"rank,omitempty"`
	Seed    int64  `json:"seed"`
	Attempt int    `json:"attempt"`
	Slot    string `json:"slot,omitempty"`
	Step    int    `json:"step"`
	Steps   int    `json:"steps,omitempty"`
	Started string `json:"started"`
	// ETASeconds extrapolates the time per step so far (-1: unknown).
	ETASeconds float64 `json:"eta_seconds"`
}

// Failure is a failed attempt.
type Failure struct {
	Trial   string `json:"trial"`
	Attempt int    `json:"attempt"`
	Kind    string `json:"kind"`
	Error   string `json:"error"`
	Ended   string `json:"ended"`
}

// Status reads the state of the sweep, with the last n failures.
func (s *Store) Status(ctx context.Context, n int) (Status, error) {
	var st Status
	st.ByState = map[string]int{}
	var err error
	if st.Orchestrator, err = s.LeaseHolder(ctx); err != nil {
		return st, err
	}
	name, err := s.SweepName(ctx)
	if errors.Is(err, ErrNoSweep) {
		return st, nil // a sweep that is just starting
	}
	if err != nil {
		return st, err
	}
	st.Sweep = name
	rows, err := s.r.QueryContext(ctx, `SELECT state, in_file, count(*) FROM trials GROUP BY state, in_file`)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var state string
		var inFile, c int
		if err := rows.Scan(&state, &inFile, &c); err != nil {
			rows.Close()
			return st, err
		}
		if inFile == 0 {
			st.Orphans += c
			continue
		}
		st.ByState[state] += c
		st.Trials += c
	}
	rows.Close()
	if st.EarlyStop, err = s.earlyStopSummary(ctx); err != nil {
		return st, err
	}
	rows, err = s.r.QueryContext(ctx, `
		SELECT a.trial, coalesce(t.task, ''), coalesce(t.method, ''), coalesce(t.rank, 0), t.seed, a.number, coalesce(a.slot, ''),
			coalesce(a.last_step, 0), coalesce(json_extract(t.hparams, '$.steps'), 0), a.started
		FROM attempts a JOIN trials t ON t.id = a.trial WHERE a.status = 'running' ORDER BY a.id`)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var r Running
		if err := rows.Scan(&r.Trial, &r.Task, &r.Method, &r.Rank, &r.Seed, &r.Attempt, &r.Slot, &r.Step, &r.Steps, &r.Started); err != nil {
			rows.Close()
			return st, err
		}
		r.ETASeconds = -1
		if t, err := time.Parse(time.RFC3339Nano, r.Started); err == nil && r.Step > 0 && r.Steps > r.Step {
			per := time.Since(t).Seconds() / float64(r.Step)
			r.ETASeconds = per * float64(r.Steps-r.Step)
		}
		st.Running = append(st.Running, r)
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT trial, number, coalesce(error_kind, ''), coalesce(error, ''), coalesce(ended, '')
		FROM attempts WHERE status = 'failed' ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.Trial, &f.Attempt, &f.Kind, &f.Error, &f.Ended); err != nil {
			return st, err
		}
		st.Failures = append(st.Failures, f)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.Diverged, err = s.Diverged(ctx)
	return st, err
}

// LeaseHolder reads who holds the sweep's lease; nil when no one does (or
// the database predates leases).
func (s *Store) LeaseHolder(ctx context.Context) (*LeaseHolder, error) {
	var h LeaseHolder
	var beat int64
	err := s.r.QueryRowContext(ctx, `SELECT host, pid, pid_start, since, heartbeat FROM lease WHERE id = 1`).Scan(&h.Host, &h.PID, &h.PIDStart, &h.Since, &beat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil && strings.Contains(err.Error(), "no such table"):
		return nil, nil
	case err != nil:
		return nil, err
	}
	h.Heartbeat = time.Unix(0, beat)
	return &h, nil
}

// Diverged finds the succeeded trials whose latest score on the selection
// split, for the selection metric (the file's select.metric, else the
// task's primary value key, else any metric of a task without one), is not
// finite.
func (s *Store) Diverged(ctx context.Context) ([]Diverged, error) {
	p, err := s.Protocol(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.TaskKeys(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `
		WITH sc AS (
			SELECT attempt, metric, nonfinite,
				row_number() OVER (PARTITION BY attempt, metric ORDER BY source = 'runner' DESC, step DESC) AS rn
			FROM scores WHERE split = ?)
		SELECT t.id, coalesce(t.task, ''), sc.metric, sc.nonfinite
		FROM trials t JOIN attempts a ON a.trial = t.id AND a.status = 'succeeded'
		JOIN sc ON sc.attempt = a.id AND sc.rn = 1
		WHERE t.in_file = 1 AND sc.nonfinite IS NOT NULL
		ORDER BY t.id, sc.metric`, p.Split)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Diverged
	for rows.Next() {
		d := Diverged{Split: p.Split}
		if err := rows.Scan(&d.Trial, &d.Task, &d.Metric, &d.Value); err != nil {
			return nil, err
		}
		want := p.Metric
		if want == "" {
			want = keys[d.Task]
		}
		if want != "" && want != d.Metric {
			continue
		}
		if len(out) > 0 && out[len(out)-1].Trial == d.Trial {
			continue // one line per trial
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
