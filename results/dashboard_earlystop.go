package results

import (
	"context"
	"database/sql"
	"slices"
	"strings"
)

// This file holds the reads a live dashboard makes of early stopping, and
// of which trials changed since it last looked. A database made before
// early stopping (schema version below 7) has no early_stops table: read
// here, it has no decisions.

// noDecisionsTable says whether err is a read of a database that has no
// early_stops table yet.
func noDecisionsTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table: early_stops")
}

// EarlyStopMark is the last early-stopping decision's rowid: it grows
// with every decision recorded, and is 0 when there is none.
func (s *Store) EarlyStopMark(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM early_stops`).Scan(&n)
	if noDecisionsTable(err) {
		return 0, nil
	}
	return n, err
}

// EarlyStopCounts is how much a sweep's early-stopping rule has decided.
type EarlyStopCounts struct {
	Decisions  int // all of them, continues included
	Stops      int
	Promotions int
	// StepsTrained is what the sweep has cost so far (Store.StepsTrained).
	StepsTrained int64
}

// EarlyStopCounts counts the sweep's decisions; with none, it is zero and
// StepsTrained is not read.
func (s *Store) EarlyStopCounts(ctx context.Context) (EarlyStopCounts, error) {
	var c EarlyStopCounts
	err := s.r.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE action = 'stop'), count(*) FILTER (WHERE action = 'promote')
		FROM early_stops`).Scan(&c.Decisions, &c.Stops, &c.Promotions)
	if noDecisionsTable(err) || (err == nil && c.Decisions == 0) {
		return EarlyStopCounts{}, nil
	}
	if err != nil {
		return c, err
	}
	c.StepsTrained, err = s.StepsTrained(ctx)
	return c, err
}

// TrialDecisions lists one trial's early-stopping decisions, oldest first.
func (s *Store) TrialDecisions(ctx context.Context, trial string) ([]Decision, error) {
	ds, err := queryRows(ctx, s, `SELECT trial, step, action, coalesce(reason, ''), t FROM early_stops WHERE trial = ? ORDER BY rowid`,
		func(rows *sql.Rows) (Decision, error) {
			var d Decision
			err := rows.Scan(&d.Trial, &d.Step, &d.Action, &d.Reason, &d.T)
			return d, err
		}, trial)
	if noDecisionsTable(err) {
		return nil, nil
	}
	return ds, err
}

// TrialStates reads every trial's state, by trial id.
func (s *Store) TrialStates(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, state FROM trials`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, state string
		if err := rows.Scan(&id, &state); err != nil {
			return nil, err
		}
		out[id] = state
	}
	return out, rows.Err()
}

// AttemptRef is an attempt's id, trial and status.
type AttemptRef struct {
	ID     int64
	Trial  string
	Status string
}

// AttemptsSince lists the attempts whose id is above after (Marker's
// Attempts of an earlier read), oldest first: those that started since,
// however briefly they ran.
func (s *Store) AttemptsSince(ctx context.Context, after int64) ([]AttemptRef, error) {
	return queryRows(ctx, s, `SELECT id, trial, status FROM attempts WHERE id > ? ORDER BY id`,
		func(rows *sql.Rows) (AttemptRef, error) {
			var a AttemptRef
			err := rows.Scan(&a.ID, &a.Trial, &a.Status)
			return a, err
		}, after)
}

// TrialsChangedSince lists, without repeats, the trials that have a
// stored event above the event rowid events or an early-stopping decision
// above the rowid decisions (Marker's Events and EarlyStopMark of an
// earlier read).
func (s *Store) TrialsChangedSince(ctx context.Context, events, decisions int64) ([]string, error) {
	scan := func(rows *sql.Rows) (string, error) {
		var id string
		err := rows.Scan(&id)
		return id, err
	}
	out, err := queryRows(ctx, s, `SELECT DISTINCT a.trial FROM events e JOIN attempts a ON a.id = e.attempt WHERE e.id > ? ORDER BY a.trial`, scan, events)
	if err != nil {
		return nil, err
	}
	ds, err := queryRows(ctx, s, `SELECT DISTINCT trial FROM early_stops WHERE rowid > ? ORDER BY trial`, scan, decisions)
	if err != nil && !noDecisionsTable(err) {
		return nil, err
	}
	for _, d := range ds {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}
