package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Scorer scores a worker's predictions file with the task's references,
// so every worker is scored by the same code.
type Scorer interface {
	ScorePredictions(task *trainer.TaskSpec, split, path string) (*Scored, error)
}

// Scored is a predictions file scored: the metric's values and, for the
// test split, each example's additive statistics (tasks/metrics), which
// the report resamples for its significance test. Validation is scored at
// every evaluation and compared with nothing, so its examples are not
// kept.
type Scored struct {
	Values   map[string]float64
	Examples []results.ExampleStats // Step is left 0 for the caller
}

// ScoreOptions are the options the runner scores with: ROUGE with the
// Porter stemmer on, as the paper's scripts do, everything else at the
// reference tools' defaults. The report converts the stored statistics
// with the zero Options, which agree with these on everything that acts
// on summed statistics.
var ScoreOptions = metrics.Options{Stemmer: true}

// TaskScorer scores predictions files against the task's own references
// with tasks/metrics, so that every worker is scored by the same code.
// Loaded splits are cached: many attempts share a task.
type TaskScorer struct {
	mu    sync.Mutex
	cache map[string]map[string]tasks.Example // config JSON + split → examples by id
}

// NewTaskScorer returns an empty scorer.
func NewTaskScorer() *TaskScorer { return &TaskScorer{cache: map[string]map[string]tasks.Example{}} }

func (s *TaskScorer) examples(ts *trainer.TaskSpec, split string) (map[string]tasks.Example, error) {
	cfg := tasks.Config(*ts)
	key, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", ts.Name, err)
	}
	k := string(key) + "\x00" + split
	s.mu.Lock()
	defer s.mu.Unlock()
	if ex, ok := s.cache[k]; ok {
		return ex, nil
	}
	list, err := tasks.Load(cfg, split)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]tasks.Example, len(list))
	for _, e := range list {
		byID[e.ID] = e
	}
	s.cache[k] = byID
	return byID, nil
}

// ScorePredictions scores the predictions in path (a subset of the split's
// examples is fine: workers may evaluate a sample) with the task's metric.
func (s *TaskScorer) ScorePredictions(ts *trainer.TaskSpec, split, path string) (*Scored, error) {
	if ts.Metric == "" {
		return nil, fmt.Errorf("task %s has no metric", ts.Name)
	}
	byID, err := s.examples(ts, split)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []metrics.Case
	r := trainer.NewPredictionReader(f, path)
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ex, ok := byID[p.ID]
		if !ok {
			return nil, fmt.Errorf("%s: no example %q in the %s split of %s", r.Pos(), p.ID, split, ts.Name)
		}
		c := ex.MetricCase()
		c.Source = r.Pos()
		if p.ChoiceLogprobs != nil {
			c.Logprobs = p.ChoiceLogprobs
		} else {
			c.Prediction = *p.Prediction
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%s: no predictions", path)
	}
	if split != tasks.Test {
		res, err := metrics.Score(ts.Metric, cases, ScoreOptions)
		if err != nil {
			return nil, err
		}
		return &Scored{Values: res.Values()}, nil
	}
	res, stats, err := metrics.ScoreStats(ts.Metric, cases, ScoreOptions)
	if err != nil {
		return nil, err
	}
	out := &Scored{Values: res.Values(), Examples: make([]results.ExampleStats, len(cases))}
	for i, c := range cases {
		out.Examples[i] = results.ExampleStats{Split: split, Example: c.ID, Metric: ts.Metric, Stats: stats[i]}
	}
	return out, nil
}

// scorePredictions scores a predictions event's file into b: the values
// as runner scores, and the examples' statistics beside them.
func (in *ingester) scorePredictions(b *results.Batch, e *trainer.Event, warn func(string)) {
	if in.scorer == nil || in.spec.Task == nil {
		return
	}
	path := e.Path
	if path != "" && path[0] != '/' {
		path = in.spec.AttemptDir + "/" + path
	}
	sc, err := in.scorer.ScorePredictions(in.spec.Task, e.Split, path)
	if err != nil {
		warn(fmt.Sprintf("could not score %s: %v", e.Path, err))
		return
	}
	for _, name := range sortedNames(sc.Values) {
		b.Scores = append(b.Scores, results.Score{Step: e.Step, Split: e.Split, Metric: name, Value: sc.Values[name], Source: "runner"})
	}
	for _, x := range sc.Examples {
		x.Step = e.Step
		b.Examples = append(b.Examples, x)
	}
}
