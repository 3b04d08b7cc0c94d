package analysis_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// cellSpec is one (task, method, rank) of a made-up sweep: its test
// scores by seed (the validation score is the same).
type cellSpec struct {
	task, method string
	rank         int
	tests        []float64
}

// made analyses a made-up sweep: every task's metric is acc; LoRA trains
// 1,000 parameters a rank, every other method 100.
func made(t *testing.T, name string, cells ...cellSpec) *analysis.Analysis {
	t.Helper()
	recs := &results.Records{Sweep: name, Protocol: results.Protocol{Split: "validation", Goal: "max"},
		TaskKeys: map[string]string{}, TestMetrics: map[string][]string{}, HParams: []string{`{"lr":0.001}`}}
	taskPos, methodPos := map[string]int64{}, map[string]int64{}
	attempt := int64(0)
	for _, c := range cells {
		if _, ok := taskPos[c.task]; !ok {
			taskPos[c.task] = int64(len(taskPos))
		}
		if _, ok := methodPos[c.method]; !ok {
			methodPos[c.method] = int64(len(methodPos))
		}
		recs.TaskKeys[c.task] = "acc"
		recs.TestMetrics[c.task] = []string{"acc"}
		per := int64(100)
		if c.method == "lora" {
			per = 1000
		}
		recs.Cells = append(recs.Cells, results.CellCount{Task: c.task, Method: c.method, Rank: c.rank, Trials: len(c.tests),
			Seeds: len(c.tests), Succeeded: len(c.tests), Trainable: per * int64(c.rank), TaskPos: taskPos[c.task], MethodPos: methodPos[c.method]})
		for i, v := range c.tests {
			attempt++
			for _, split := range []string{"validation", "test"} {
				recs.Scores = append(recs.Scores, results.AttemptScore{Trial: fmt.Sprintf("t%d", attempt), Task: c.task, Method: c.method,
					Rank: c.rank, Seed: int64(i + 1), HParams: `{"lr":0.001}`, Attempt: attempt, Split: split, Metric: "acc", Value: v})
			}
		}
	}
	a, err := analysis.Analyze(recs, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// brief writes a comparison one row a line: "task method: A | B", each
// entry "mean (delta) r=R p%" or why it is absent.
func brief(c *analysis.Comparison) []string {
	var out []string
	for _, r := range c.Rows {
		var es []string
		for _, e := range r.Entries {
			switch {
			case e.Absent != "":
				es = append(es, "no "+e.Absent)
			case !e.Has():
				es = append(es, "none")
			default:
				s := fmt.Sprintf("%.2f", e.Cell.Test.Mean)
				if !math.IsNaN(e.Delta) && r.Method != c.Baseline {
					s += fmt.Sprintf(" (%+.2f)", e.Delta)
				}
				s += fmt.Sprintf(" r=%d %.3g%%", e.Cell.Rank, e.Cell.PercentOfBaseline)
				es = append(es, s)
			}
		}
		out = append(out, r.Task+" "+r.Method+": "+strings.Join(es, " | "))
	}
	return out
}

func TestCompare(t *testing.T) {
	// Two base models: the same tasks and methods, each better with its
	// own baseline at its own best rank.
	gpt := made(t, "gpt",
		cellSpec{"squad", "lora", 2, []float64{0.60, 0.62}}, cellSpec{"squad", "lora", 8, []float64{0.70, 0.72}},
		cellSpec{"squad", "tl6", 2, []float64{0.65, 0.67}}, cellSpec{"squad", "tl6", 8, []float64{0.60}},
		cellSpec{"gsm8k", "lora", 2, []float64{0.30}}, cellSpec{"gsm8k", "lora", 8, []float64{0.31}},
		cellSpec{"gsm8k", "tl6", 2, []float64{0.20}}, cellSpec{"gsm8k", "tl6", 8, []float64{0.25}})
	llama := made(t, "llama",
		cellSpec{"squad", "lora", 2, []float64{0.80}}, cellSpec{"squad", "lora", 8, []float64{0.78}},
		cellSpec{"squad", "tl6", 2, []float64{0.81}}, cellSpec{"squad", "tl6", 8, []float64{0.82}},
		cellSpec{"squad", "vera", 8, []float64{0.50}},
		cellSpec{"iwslt", "lora", 2, []float64{0.40}}, cellSpec{"iwslt", "tl6", 2, []float64{0.39}})
	// A sweep without the baseline, and one with no score at all.
	nobase := made(t, "nobase", cellSpec{"squad", "tl6", 8, []float64{0.5}})
	empty := made(t, "empty", cellSpec{"squad", "lora", 8, nil})
	tests := []struct {
		name   string
		sweeps []analysis.Compared
		rank   int
		want   []string
		notes  []string
		err    error
	}{
		{"best rank", []analysis.Compared{{"gpt", gpt}, {"llama", llama}}, 0, []string{
			"squad lora: 0.71 r=8 100% | 0.80 r=2 100%",
			"squad tl6: 0.66 (-0.05) r=2 10% | 0.82 (+0.02) r=8 10%",
			"squad vera: no method | 0.50 (-0.30) r=8 10%",
			"gsm8k lora: 0.31 r=8 100% | no task",
			"gsm8k tl6: 0.25 (-0.06) r=8 10% | no task",
			"iwslt lora: no task | 0.40 r=2 100%",
			"iwslt tl6: no task | 0.39 (-0.01) r=2 10%",
		}, []string{"gpt has no task iwslt (shown —)", "gpt has no method vera (shown —)", "llama has no task gsm8k (shown —)"}, nil},
		// At rank 8 each sweep's own LoRA at rank 8 is the reference; llama
		// has no iwslt cell at rank 8, so those rows go.
		{"rank 8", []analysis.Compared{{"gpt", gpt}, {"llama", llama}}, 8, []string{
			"squad lora: 0.71 r=8 100% | 0.78 r=8 100%",
			"squad tl6: 0.60 (-0.11) r=8 10% | 0.82 (+0.04) r=8 10%",
			"squad vera: no method | 0.50 (-0.28) r=8 10%",
			"gsm8k lora: 0.31 r=8 100% | no task",
			"gsm8k tl6: 0.25 (-0.06) r=8 10% | no task",
		}, []string{"gpt has no task iwslt (shown —)", "gpt has no method vera (shown —)", "llama has no task gsm8k (shown —)"}, nil},
		{"a rank only one sweep has", []analysis.Compared{{"gpt", gpt}, {"nobase", nobase}}, 2, []string{
			"squad lora: 0.61 r=2 100% | no method",
			"squad tl6: 0.66 (+0.05) r=2 10% | no rank",
			"gsm8k lora: 0.30 r=2 100% | no task",
			"gsm8k tl6: 0.20 (-0.10) r=2 10% | no task",
		}, []string{"nobase has no task gsm8k (shown —)", "nobase has no method lora (shown —)",
			"nobase has no rank 2 (its ranks: 8; shown —)", "nobase has no method lora to compare with: its differences are not shown"}, nil},
		{"no baseline", []analysis.Compared{{"nobase", nobase}, {"gpt", gpt}}, 0, []string{
			"squad tl6: 0.50 r=8 NaN% | 0.66 (-0.05) r=2 10%",
			"squad lora: no method | 0.71 r=8 100%",
			"gsm8k tl6: no task | 0.25 (-0.06) r=8 10%",
			"gsm8k lora: no task | 0.31 r=8 100%",
		}, nil, nil},
		{"no scores", []analysis.Compared{{"gpt", gpt}, {"empty", empty}}, 0, nil, nil, analysis.ErrNoScores},
		{"no such rank", []analysis.Compared{{"gpt", gpt}, {"llama", llama}}, 4, nil, nil, analysis.ErrOption},
		{"nothing", nil, 0, nil, nil, analysis.ErrOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := analysis.Compare(tt.sweeps, tt.rank)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := brief(c); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, n := range tt.notes {
				if !slices.Contains(c.Notes, n) {
					t.Errorf("got notes %q, want %q among them", c.Notes, n)
				}
			}
		})
	}
}

// The labels of a comparison are its sweeps' names, numbered when equal.
func TestCompareLabels(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"fixture", "fixture"}, []string{"fixture", "fixture (2)"}},
		{[]string{"x", "", "x", ""}, []string{"x", "sweep", "x (2)", "sweep (2)"}},
		{[]string{"x", "x", "x (2)"}, []string{"x", "x (3)", "x (2)"}},
	}
	for _, tt := range tests {
		if got := analysis.CompareLabels(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("CompareLabels(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An entry of a comparison is its own sweep's table entry: the paired
// bootstrap's result comes with it where the sweep has statistics.
func TestCompareKeepsEachSweepsTable(t *testing.T) {
	recs := fixtureRecords(t)
	a, err := analysis.Analyze(recs, analysis.Options{Ranks: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := analysis.Compare([]analysis.Compared{{"one", a}, {"two", a}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	best := a.Tables[0]
	for _, r := range c.Rows {
		mi := slices.Index(a.Methods, r.Method)
		ti := slices.IndexFunc(best.Tasks, func(tm analysis.TaskMetrics) bool { return tm.Task == r.Task })
		want := best.Rows[mi].Entries[ti]
		for i, e := range r.Entries {
			if e.Cell != want.Cell || e.Best != want.Best || !sameFloat(e.Delta, want.Delta) {
				t.Errorf("%s %s, sweep %d: got %+v, want the table's %+v", r.Task, r.Method, i, e.Entry, want)
			}
		}
	}
	// At a rank the analysis built no table for, Compare builds it.
	c8, err := analysis.Compare([]analysis.Compared{{"one", a}, {"two", a}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c8.Rows {
		if e := r.Entries[0]; e.Cell != nil && e.Cell != a.Cell(r.Task, r.Method, 8) {
			t.Errorf("%s %s at rank 8: got the cell at rank %d", r.Task, r.Method, e.Cell.Rank)
		}
	}
}

func sameFloat(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
