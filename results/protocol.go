package results

import (
	"context"
	"database/sql"
	"errors"
)

// TestSplit is the split whose score a report publishes.
const TestSplit = "test"

// Protocol is the selection protocol of a report: the hyper-parameters of
// each (task, method, rank, seed) are the ones with the best Metric on
// Split, in the direction of Goal; their test score is what is reported.
// The loader resolves it from the sweep file's select block and SyncTrials
// stores it.
type Protocol struct {
	Split  string `json:"split"`
	Metric string `json:"metric,omitempty"` // "" means each task's primary value key
	Goal   string `json:"goal"`             // max or min
}

// LegacyProtocol is how a database written before the rule was stored
// (schema 3 and older) is read: the select block those versions defaulted
// to. The rule of every newer database is the loader's (package sweeps),
// stored at sync.
var LegacyProtocol = Protocol{Split: "validation", Goal: "max"}

// Protocol reads the selection rule stored with the newest sweep file.
func (s *Store) Protocol(ctx context.Context) (Protocol, error) {
	p := LegacyProtocol
	var split, metric, goal sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT select_split, select_metric, select_goal FROM sweeps ORDER BY id DESC LIMIT 1`).
		Scan(&split, &metric, &goal)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if split.String != "" {
		p.Split = split.String
	}
	p.Metric = metric.String
	if goal.String != "" {
		p.Goal = goal.String
	}
	return p, nil
}

// TaskKeys reads, for the newest sweep file, each task's primary value
// key (the score name a report prints). A task the registry did not know
// when the file was synced has none.
func (s *Store) TaskKeys(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT task, value_key FROM task_keys WHERE sweep = (SELECT max(id) FROM sweeps)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var task, key string
		if err := rows.Scan(&task, &key); err != nil {
			return nil, err
		}
		out[task] = key
	}
	return out, rows.Err()
}
