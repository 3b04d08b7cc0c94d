package results

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/tiedlora/tiedlora-sweep/sweeps"
	"github.com/tiedlora/tiedlora-sweep/tasks"
)

// TestSplit is the split whose score a report publishes.
const TestSplit = "test"

// Protocol is the selection protocol of a report: the hyper-parameters of
// each (task, method, rank, seed) are the ones with the best Metric on
// Split, in the direction of Goal; their test score is what is reported.
type Protocol struct {
	Split  string `json:"split"`
	Metric string `json:"metric,omitempty"` // "" means each task's primary metric
	Goal   string `json:"goal"`             // max or min
}

// mainValue maps a tasks/metrics metric to the value a paper reports of it
// (tasks/metrics Result.Values() keys). SQuAD: the paper's tables print
// exact match.
var mainValue = map[string]string{
	"squad":    "exact_match",
	"rouge":    "rougeL",
	"bleu":     "bleu",
	"accuracy": "acc",
	"gsm8k":    "strict_match",
	"peft":     "exact_match",
}

// PrimaryMetric is the score name a report shows for a registered task,
// or "" for a task the registry does not know.
func PrimaryMetric(task string) string {
	info, ok := tasks.Lookup(task)
	if !ok {
		return ""
	}
	return mainValue[info.Metric]
}

// ReadProtocol reads the select block of the newest sweep file in the
// database, with the loader's defaults (validation, max). Only that block
// is decoded: the stored file may name data files that are not here, and a
// report must not depend on them.
func (s *Store) ReadProtocol(ctx context.Context) (Protocol, error) {
	p := Protocol{Split: "validation", Goal: "max"}
	var text string
	err := s.r.QueryRowContext(ctx, `SELECT file_text FROM sweeps ORDER BY id DESC LIMIT 1`).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	var doc struct {
		Select sweeps.Select `yaml:"select"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return p, nil // the loader accepted it once; a report falls back to the defaults
	}
	if doc.Select.Split != "" {
		p.Split = doc.Select.Split
	}
	p.Metric = doc.Select.Metric
	if doc.Select.Goal == "min" {
		p.Goal = "min"
	}
	return p, nil
}

// taskMetrics decides, per task, the selection metric and the reported
// metric. A task unknown to the registry (a command worker's) reports the
// first metric name it has test scores for, preferring anything but loss.
func (s *Store) taskMetrics(ctx context.Context, p Protocol, taskNames []string) (map[string]TaskMetrics, error) {
	out := map[string]TaskMetrics{}
	for _, t := range taskNames {
		rep := PrimaryMetric(t)
		if rep == "" {
			var err error
			if rep, err = s.firstMetric(ctx, t); err != nil {
				return nil, err
			}
		}
		m := TaskMetrics{Task: t, Metric: rep, SelectMetric: p.Metric, SelectGoal: p.Goal, Goal: "max"}
		if m.SelectMetric == "" {
			m.SelectMetric = rep
		}
		switch {
		case rep == m.SelectMetric:
			m.Goal = p.Goal
		case rep == "loss":
			m.Goal = "min"
		}
		out[t] = m
	}
	return out, nil
}

// TaskMetrics says which scores a task is selected and reported on.
type TaskMetrics struct {
	Task         string `json:"task"`
	Metric       string `json:"metric"` // reported on the test split
	Goal         string `json:"goal"`   // of Metric
	SelectMetric string `json:"select_metric"`
	SelectGoal   string `json:"select_goal"`
}

func (s *Store) firstMetric(ctx context.Context, task string) (string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT sc.metric FROM scores sc
		JOIN attempts a ON a.id = sc.attempt JOIN trials t ON t.id = a.trial
		WHERE t.task = ? AND sc.split = ?`, task, TestSplit)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "loss") != (names[j] == "loss") {
			return names[j] == "loss"
		}
		return names[i] < names[j]
	})
	if len(names) == 0 {
		return "", nil
	}
	return names[0], nil
}
