package results

import (
	"context"
	"errors"
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
	return st, rows.Err()
}
