package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ErrNoScores is wrapped by the error about a compared sweep that has no
// scored trial: nothing of it could be shown.
var ErrNoScores = errors.New("no scored trials")

// Compared is one sweep of a comparison: its analysis and the name its
// columns carry.
type Compared struct {
	Label    string
	Analysis *Analysis
}

// Comparison is the same tasks and methods of several sweeps side by
// side (two base models, say), each sweep's entries relative to its own
// baseline: one row per task and method, one entry per sweep.
type Comparison struct {
	// Rank is the rank compared; 0 means each method at its own best rank
	// per task in each sweep (chosen on that sweep's selection score).
	Rank     int      `json:"rank"`
	Baseline string   `json:"baseline"`
	Labels   []string `json:"labels"` // one per sweep, distinct
	Sweeps   []string `json:"sweeps"` // the sweeps' own names
	// Tasks are every task of any sweep, in the order the sweeps list
	// them (the first sweep's, then the ones only later sweeps have).
	Tasks []ComparedTask `json:"tasks"`
	// Rows are ordered by task, then method (in the same order).
	Rows []ComparedRow `json:"rows"`
	// Notes say what some sweep lacks: a task, a method, the rank, the
	// baseline; and a task whose metric differs between the sweeps.
	Notes []string `json:"notes"`
}

// ComparedTask is a task and the metric each sweep reports for it ("" in
// a sweep without the task).
type ComparedTask struct {
	Task    string   `json:"task"`
	Metric  string   `json:"metric"` // the first sweep's that has the task
	Metrics []string `json:"metrics"`
}

// ComparedRow is one task and method across the sweeps.
type ComparedRow struct {
	Task    string          `json:"task"`
	Method  string          `json:"method"`
	Entries []ComparedEntry `json:"entries"` // one per sweep
}

// ComparedEntry is a sweep's entry of its own table at the compared rank:
// the cell, its difference from the sweep's baseline and the paired
// bootstrap where the sweep has one. Absent says what the sweep lacks
// when it has no entry at all: "task", "method" or "rank"; an entry of a
// sweep that has all three but no score has Absent "" and no score.
type ComparedEntry struct {
	Entry
	Absent string `json:"absent,omitempty"`
}

// Absent reasons of a compared entry.
const (
	AbsentTask   = "task"
	AbsentMethod = "method"
	AbsentRank   = "rank"
)

// Compare aligns the analyses of several sweeps at rank (0: each method
// at its best rank), each entry taken from its own sweep's table, so its
// difference and percentage are relative to that sweep's baseline. A
// sweep without any scored trial is an error (ErrNoScores), as is a rank
// no sweep has (ErrOption). It reads nothing but its arguments and
// changes none of them.
func Compare(sweeps []Compared, rank int) (*Comparison, error) {
	if len(sweeps) == 0 {
		return nil, fmt.Errorf("%w: no sweep to compare", ErrOption)
	}
	c := &Comparison{Rank: rank, Baseline: sweeps[0].Analysis.Baseline}
	for _, s := range sweeps {
		if !scored(s.Analysis) {
			return nil, fmt.Errorf("%w: sweep %s has no trial with a test score yet; nothing of it can be compared", ErrNoScores, s.Label)
		}
		c.Labels = append(c.Labels, s.Label)
		c.Sweeps = append(c.Sweeps, s.Analysis.Sweep)
	}
	if rank != 0 && !slices.ContainsFunc(sweeps, func(s Compared) bool { return slices.Contains(s.Analysis.Ranks, rank) }) {
		return nil, fmt.Errorf("%w: no compared sweep has rank %d", ErrOption, rank)
	}
	var methods []string
	for _, s := range sweeps {
		for _, t := range s.Analysis.Tasks {
			if !slices.ContainsFunc(c.Tasks, func(ct ComparedTask) bool { return ct.Task == t.Task }) {
				c.Tasks = append(c.Tasks, ComparedTask{Task: t.Task, Metric: t.Metric, Metrics: make([]string, len(sweeps))})
			}
		}
		for _, m := range s.Analysis.Methods {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	tables := make([]*Table, len(sweeps))
	for i, s := range sweeps {
		a := s.Analysis
		for j := range c.Tasks {
			if k := taskIndex(a.Tasks, c.Tasks[j].Task); k >= 0 {
				c.Tasks[j].Metrics[i] = a.Tasks[k].Metric
			}
		}
		if rank != 0 && !slices.Contains(a.Ranks, rank) {
			continue
		}
		for k := range a.Tables {
			if a.Tables[k].Rank == rank {
				tables[i] = &a.Tables[k]
				break
			}
		}
		if tables[i] == nil { // not among the analysis's Options.Ranks
			t := a.table(rank)
			tables[i] = &t
		}
	}
	for _, t := range c.Tasks {
		for _, m := range methods {
			row := ComparedRow{Task: t.Task, Method: m}
			some := false
			for i, s := range sweeps {
				e := ComparedEntry{Entry: Entry{Delta: math.NaN(), DeltaPct: math.NaN()}}
				a := s.Analysis
				k, mi := taskIndex(a.Tasks, t.Task), slices.Index(a.Methods, m)
				switch {
				case k < 0:
					e.Absent = AbsentTask
				case mi < 0:
					e.Absent = AbsentMethod
				case tables[i] == nil:
					e.Absent = AbsentRank
				default:
					e.Entry = tables[i].Rows[mi].Entries[k]
					some = some || e.Cell != nil
				}
				row.Entries = append(row.Entries, e)
			}
			if some {
				c.Rows = append(c.Rows, row)
			}
		}
	}
	c.Notes = compareNotes(sweeps, c, methods, rank)
	return c, nil
}

// scored reports whether a sweep has any cell with a test score.
func scored(a *Analysis) bool {
	return slices.ContainsFunc(a.Cells, func(c *Cell) bool { return c.Test.N > 0 })
}

func taskIndex(ts []TaskMetrics, task string) int {
	return slices.IndexFunc(ts, func(t TaskMetrics) bool { return t.Task == task })
}

// compareNotes says, per sweep, what it lacks of the others.
func compareNotes(sweeps []Compared, c *Comparison, methods []string, rank int) []string {
	var notes []string
	for _, s := range sweeps {
		a := s.Analysis
		var tasks, meths []string
		for _, t := range c.Tasks {
			if taskIndex(a.Tasks, t.Task) < 0 {
				tasks = append(tasks, t.Task)
			}
		}
		for _, m := range methods {
			if !slices.Contains(a.Methods, m) {
				meths = append(meths, m)
			}
		}
		if len(tasks) > 0 {
			notes = append(notes, fmt.Sprintf("%s has no task %s (shown —)", s.Label, strings.Join(tasks, ", ")))
		}
		if len(meths) > 0 {
			notes = append(notes, fmt.Sprintf("%s has no method %s (shown —)", s.Label, strings.Join(meths, ", ")))
		}
		if rank != 0 && !slices.Contains(a.Ranks, rank) {
			notes = append(notes, fmt.Sprintf("%s has no rank %d (its ranks: %s; shown —)", s.Label, rank, joinInts(a.Ranks)))
		}
		if !slices.Contains(a.Methods, a.Baseline) {
			notes = append(notes, fmt.Sprintf("%s has no method %s to compare with: its differences are not shown", s.Label, a.Baseline))
		} else if a.Baseline != c.Baseline {
			notes = append(notes, fmt.Sprintf("%s is compared with its %s, not %s", s.Label, a.Baseline, c.Baseline))
		}
	}
	for _, t := range c.Tasks {
		var differ []string
		for i, m := range t.Metrics {
			if m != "" && m != t.Metric {
				differ = append(differ, c.Labels[i]+" "+m)
			}
		}
		if len(differ) > 0 {
			notes = append(notes, fmt.Sprintf("%s: the sweeps report different metrics (%s; %s)", t.Task, t.Metric, strings.Join(differ, ", ")))
		}
	}
	return notes
}

// CompareLabels names the compared sweeps' columns: each its own name,
// or "sweep" when it has none, and a repeated name numbered in order of
// appearance, "fixture", "fixture (2)".
func CompareLabels(names []string) []string {
	norm := func(n string) string {
		if n == "" {
			return "sweep"
		}
		return n
	}
	orig := map[string]bool{}
	for _, n := range names {
		orig[norm(n)] = true
	}
	out := make([]string, len(names))
	used := map[string]bool{}
	for i, n := range names {
		n = norm(n)
		l := n
		for k := 2; used[l] || (l != n && orig[l]); k++ {
			l = fmt.Sprintf("%s (%d)", n, k)
		}
		used[l] = true
		out[i] = l
	}
	return out
}
