package analysis

import (
	"math"
	"sort"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// TaskMetrics says which scores a task is selected and reported on.
type TaskMetrics struct {
	Task         string `json:"task"`
	Metric       string `json:"metric"` // reported on the test split
	Goal         string `json:"goal"`   // of Metric
	SelectMetric string `json:"select_metric"`
	SelectGoal   string `json:"select_goal"`
}

// taskMetrics decides a task's selection metric and reported metric: the
// reported one is the task's stored primary value key; a task without one
// (a command worker's) reports the first metric name it has test scores
// for, preferring anything but loss.
func taskMetrics(recs *results.Records, p results.Protocol, task string) TaskMetrics {
	rep := recs.TaskKeys[task]
	if rep == "" {
		rep = firstMetric(recs.TestMetrics[task])
	}
	m := TaskMetrics{Task: task, Metric: rep, SelectMetric: p.Metric, SelectGoal: p.Goal, Goal: "max"}
	if m.SelectMetric == "" {
		m.SelectMetric = rep
	}
	switch {
	case rep == m.SelectMetric:
		m.Goal = p.Goal
	case rep == "loss":
		m.Goal = "min"
	}
	return m
}

func firstMetric(names []string) string {
	names = append([]string(nil), names...)
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "loss") != (names[j] == "loss") {
			return names[j] == "loss"
		}
		return names[i] < names[j]
	})
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// scoredTrial is a succeeded attempt of the current sweep file with both a
// selection score and a test score.
type scoredTrial struct {
	Trial   string
	Task    string
	Method  string
	Rank    int
	Seed    int64
	HParams string
	Attempt int64
	Val     float64
	Test    float64
	Picked  bool // the best hyper-parameters of its (task, method, rank, seed)
}

// selectTrials runs the selection protocol. Among the attempts of a
// (task, method, rank, seed) the one with the best selection score is
// picked; ties go to the smaller hyper-parameter JSON, then the smaller
// trial ID, so the choice is deterministic. A non-finite score leaves its
// attempt out.
func selectTrials(scores []results.AttemptScore, p results.Protocol, metrics map[string]TaskMetrics) []scoredTrial {
	type pair struct {
		t           scoredTrial
		val, test   bool
		valV, testV float64
	}
	byAttempt := map[int64]*pair{}
	var order []int64
	for _, x := range scores {
		m, ok := metrics[x.Task]
		if !ok {
			continue
		}
		isVal := x.Split == p.Split && x.Metric == m.SelectMetric
		isTest := x.Split == results.TestSplit && x.Metric == m.Metric
		if !isVal && !isTest {
			continue
		}
		pr := byAttempt[x.Attempt]
		if pr == nil {
			pr = &pair{t: scoredTrial{Trial: x.Trial, Task: x.Task, Method: x.Method, Rank: x.Rank, Seed: x.Seed, HParams: x.HParams, Attempt: x.Attempt}}
			byAttempt[x.Attempt] = pr
			order = append(order, x.Attempt)
		}
		if isVal {
			pr.val, pr.valV = true, x.Value
		}
		if isTest {
			pr.test, pr.testV = true, x.Value
		}
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	var out []scoredTrial
	for _, id := range order {
		pr := byAttempt[id]
		if !pr.val || !pr.test || !finite(pr.valV) || !finite(pr.testV) {
			continue
		}
		pr.t.Val, pr.t.Test = pr.valV, pr.testV
		out = append(out, pr.t)
	}
	type group struct {
		task, method string
		rank         int
		seed         int64
	}
	best := map[group]int{}
	for i, t := range out {
		g := group{t.Task, t.Method, t.Rank, t.Seed}
		j, ok := best[g]
		if !ok || preferred(p.Goal, t, out[j]) {
			best[g] = i
		}
	}
	for _, i := range best {
		out[i].Picked = true
	}
	return out
}

// preferred says whether x is selected over y: the better selection
// score, then the smaller hyper-parameter JSON, trial ID and attempt ID.
func preferred(goal string, x, y scoredTrial) bool {
	switch {
	case x.Val != y.Val:
		return better(goal, x.Val, y.Val)
	case x.HParams != y.HParams:
		return x.HParams < y.HParams
	case x.Trial != y.Trial:
		return x.Trial < y.Trial
	}
	return x.Attempt < y.Attempt
}
