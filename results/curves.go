package results

import "context"

// Point is one step of a curve.
type Point struct {
	Step  int     `json:"step"`
	Value float64 `json:"value"`
}

// TrainingCurve is the metric name (a worker's metric events, e.g. loss)
// of an attempt, by step.
func (s *Store) TrainingCurve(ctx context.Context, attempt int64, name string) ([]Point, error) {
	return s.points(ctx, `SELECT step, value FROM metrics WHERE attempt = ? AND name = ? AND value IS NOT NULL ORDER BY step`, attempt, name)
}

// EvalCurve is an attempt's score on split, by step; at each step the
// runner's score is preferred to the worker's, as in the selection.
func (s *Store) EvalCurve(ctx context.Context, attempt int64, split, metric string) ([]Point, error) {
	return s.points(ctx, `SELECT step, value FROM (
		SELECT step, value, row_number() OVER (PARTITION BY step ORDER BY source = 'runner' DESC) AS rn
		FROM scores WHERE attempt = ? AND split = ? AND metric = ? AND value IS NOT NULL)
		WHERE rn = 1 ORDER BY step`, attempt, split, metric)
}

func (s *Store) points(ctx context.Context, q string, args ...any) ([]Point, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		if err := rows.Scan(&p.Step, &p.Value); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Representative is the attempt whose curves stand for a method on a
// task: the lowest seed's selected trial at the method's best rank.
func (a *Analysis) Representative(task TaskMetrics, method string) (SeedScore, int, bool) {
	c := a.pick(task, method, 0)
	if c == nil || len(c.Seeds) == 0 {
		return SeedScore{}, 0, false
	}
	return c.Seeds[0], c.Rank, true
}
