package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

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
// ROUGE is computed with the Porter stemmer on, as the paper's scripts do.
func (s *TaskScorer) ScorePredictions(ts *trainer.TaskSpec, split, path string) (map[string]float64, error) {
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
		c := metrics.Case{ID: p.ID, References: ex.References, Source: r.Pos()}
		if p.ChoiceLogprobs != nil {
			c.Logprobs, c.Gold, c.Choices = p.ChoiceLogprobs, ex.Gold, ex.Choices
		} else {
			c.Prediction = *p.Prediction
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%s: no predictions", path)
	}
	res, err := metrics.Score(ts.Metric, cases, metrics.Options{Stemmer: true})
	if err != nil {
		return nil, err
	}
	return res.Values(), nil
}
