package results

import "context"

// Point is one step of a curve.
type Point struct {
	Step  int     `json:"step"`
	Value float64 `json:"value"`
}

// CurveRequest names an attempt's curves: its training curve of Metric
// (a worker's metric events, e.g. loss) and its score of Metric on Split.
type CurveRequest struct {
	Attempt       int64
	Split, Metric string
}

// Curves is an attempt's training and evaluation curves, by step.
type Curves struct {
	Train, Eval []Point
}

// Curves reads the curves of each request, keyed by attempt.
func (s *Store) Curves(ctx context.Context, reqs []CurveRequest) (map[int64]Curves, error) {
	out := map[int64]Curves{}
	for _, q := range reqs {
		train, err := s.TrainingCurve(ctx, q.Attempt, q.Metric)
		if err != nil {
			return nil, err
		}
		eval, err := s.EvalCurve(ctx, q.Attempt, q.Split, q.Metric)
		if err != nil {
			return nil, err
		}
		out[q.Attempt] = Curves{Train: train, Eval: eval}
	}
	return out, nil
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
