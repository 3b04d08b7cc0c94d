package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// ExampleStats are one example's additive statistics of a runner score:
// what tasks/metrics' per-case statistics are for the metric, so that a
// resample of the examples can be scored without the texts.
type ExampleStats struct {
	Step    int
	Split   string
	Example string // the example's id in its split
	Metric  string // the tasks/metrics metric (bleu, rouge, squad…)
	Stats   []float64
}

// AttemptExamples are the per-example statistics of one attempt's latest
// runner-scored step of the test split, for one metric. IDs are sorted, and
// Stats[i] belongs to IDs[i].
type AttemptExamples struct {
	Attempt int64
	Step    int
	Metric  string
	IDs     []string
	Stats   [][]float64
}

// examplesPerInsert is how many rows one INSERT carries, as for metrics.
const examplesPerInsert = 64

func insertExamples(tx *sql.Tx, attempt int64, xs []ExampleStats) error {
	args := make([]any, 0, 6*examplesPerInsert)
	for len(xs) > 0 {
		n := min(len(xs), examplesPerInsert)
		args = args[:0]
		for _, x := range xs[:n] {
			js, err := json.Marshal(x.Stats)
			if err != nil {
				return fmt.Errorf("statistics of example %q: %w", x.Example, err)
			}
			args = append(args, attempt, x.Split, x.Step, x.Example, x.Metric, string(js))
		}
		q := "INSERT OR REPLACE INTO example_stats (attempt, split, step, example, metric, stats) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")
		if _, err := tx.Exec(q, args...); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

// latestExamples reads, for each succeeded attempt of the current file,
// the per-example statistics of its latest runner-scored test step.
// A database older than migration 5, opened read-only, has none.
func (s *Store) latestExamples(ctx context.Context) ([]AttemptExamples, error) {
	var tables int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'example_stats'`).Scan(&tables); err != nil || tables == 0 {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `
SELECT e.attempt, e.step, e.metric, e.example, e.stats
FROM example_stats e JOIN attempts a ON a.id = e.attempt JOIN trials t ON t.id = a.trial
WHERE e.split = ? AND a.status = 'succeeded' AND t.in_file = 1
	AND e.step = (SELECT max(m.step) FROM example_stats m WHERE m.attempt = e.attempt AND m.split = e.split)
ORDER BY e.attempt, e.metric, e.example`, TestSplit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AttemptExamples
	for rows.Next() {
		var (
			att        int64
			step       int
			metric, id string
			js         string
			stats      []float64
		)
		if err := rows.Scan(&att, &step, &metric, &id, &js); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(js), &stats); err != nil {
			return nil, fmt.Errorf("attempt %d, example %q: statistics %w", att, id, err)
		}
		if n := len(out); n == 0 || out[n-1].Attempt != att || out[n-1].Metric != metric {
			out = append(out, AttemptExamples{Attempt: att, Step: step, Metric: metric})
		}
		x := &out[len(out)-1]
		x.IDs = append(x.IDs, id)
		x.Stats = append(x.Stats, stats)
	}
	return out, rows.Err()
}
