package analysis

import (
	"math"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestSelectTrials: within a (task, method, rank, seed) the best
// selection score wins in the goal's direction, a tie goes to the smaller
// hyper-parameter JSON, and a non-finite or missing score leaves an
// attempt out.
func TestSelectTrials(t *testing.T) {
	score := func(trial string, attempt int64, hp, split string, v float64) results.AttemptScore {
		return results.AttemptScore{Trial: trial, Task: "t", Method: "lora", Rank: 8, Seed: 1, HParams: hp,
			Attempt: attempt, Split: split, Metric: "m", Value: v}
	}
	scores := []results.AttemptScore{
		score("a", 1, `{"lr":1}`, "validation", 0.5), score("a", 1, `{"lr":1}`, "test", 10),
		score("b", 2, `{"lr":2}`, "validation", 0.7), score("b", 2, `{"lr":2}`, "test", 20),
		score("c", 3, `{"lr":0}`, "validation", 0.7), score("c", 3, `{"lr":0}`, "test", 30),
		score("d", 4, `{"lr":3}`, "validation", math.NaN()), score("d", 4, `{"lr":3}`, "test", 40),
		score("e", 5, `{"lr":4}`, "validation", 0.1), // no test score
	}
	metrics := map[string]TaskMetrics{"t": {Task: "t", Metric: "m", SelectMetric: "m"}}
	for _, tt := range []struct {
		goal   string
		picked string
	}{{"max", "c"}, {"min", "a"}} {
		got := selectTrials(scores, results.Protocol{Split: "validation", Goal: tt.goal}, metrics)
		if len(got) != 3 {
			t.Fatalf("goal %s: got %d scored attempts, want 3 (a, b, c)", tt.goal, len(got))
		}
		for _, s := range got {
			if s.Picked != (s.Trial == tt.picked) {
				t.Errorf("goal %s: trial %s picked %v, want only %s picked", tt.goal, s.Trial, s.Picked, tt.picked)
			}
		}
	}
}

// TestTaskMetrics: the stored key is reported; without one, the first
// test metric that is not loss.
func TestTaskMetrics(t *testing.T) {
	recs := &results.Records{TaskKeys: map[string]string{"squad": "exact_match"},
		TestMetrics: map[string][]string{"mine": {"loss", "acc", "zeta"}, "lossy": {"loss"}}}
	p := results.Protocol{Split: "validation", Goal: "max"}
	for _, tt := range []struct{ task, metric, goal string }{
		{"squad", "exact_match", "max"},
		{"mine", "acc", "max"},
		{"lossy", "loss", "max"}, // selected on itself: the protocol's goal
		{"none", "", "max"},
	} {
		m := taskMetrics(recs, p, tt.task)
		if m.Metric != tt.metric || m.SelectMetric != tt.metric || m.Goal != tt.goal {
			t.Errorf("%s: got %+v, want metric %s goal %s", tt.task, m, tt.metric, tt.goal)
		}
	}
}
