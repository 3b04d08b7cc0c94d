package analysis

import "math"

// Table is the paper's comparison: methods × tasks, with differences from
// the baseline and the best entry of each task marked.
type Table struct {
	// Rank is the rank compared; 0 means each method at its own best rank
	// per task, chosen on the selection score (never on test).
	Rank     int           `json:"rank"`
	Baseline string        `json:"baseline"`
	Tasks    []TaskMetrics `json:"tasks"`
	Rows     []TableRow    `json:"rows"`
}

// TableRow is one method.
type TableRow struct {
	Method  string  `json:"method"`
	Entries []Entry `json:"entries"` // one per task
}

// Entry is a method's result on a task; Cell is nil when there is none.
type Entry struct {
	Cell *Cell `json:"cell"`
	// Delta is the test mean minus the baseline's (NaN without both), and
	// DeltaPct the same as a percentage of the baseline's.
	Delta    float64 `json:"delta"`
	DeltaPct float64 `json:"delta_pct"`
	Best     bool    `json:"best"`
	// Sig is the paired bootstrap of the entry against the baseline's
	// entry; nil for the baseline, or without per-example statistics.
	Sig *Significance `json:"significance,omitempty"`
}

// HasSignificance reports whether any entry of the table was tested.
func (t Table) HasSignificance() bool {
	for _, r := range t.Rows {
		for _, e := range r.Entries {
			if e.Sig != nil {
				return true
			}
		}
	}
	return false
}

// Has reports whether the entry has a test score.
func (e Entry) Has() bool { return e.Cell != nil && e.Cell.Test.N > 0 }

// table builds the comparison at rank (0: each method's best rank).
func (a *Analysis) table(rank int) Table {
	t := Table{Rank: rank, Baseline: a.Baseline, Tasks: a.Tasks}
	for _, m := range a.Methods {
		row := TableRow{Method: m}
		for _, task := range a.Tasks {
			row.Entries = append(row.Entries, Entry{Cell: a.pick(task, m, rank), Delta: math.NaN(), DeltaPct: math.NaN()})
		}
		t.Rows = append(t.Rows, row)
	}
	for j, task := range a.Tasks {
		base := Entry{Cell: a.pick(task, a.Baseline, rank)}
		best := -1
		for i := range t.Rows {
			e := &t.Rows[i].Entries[j]
			if !e.Has() {
				continue
			}
			if base.Has() {
				e.Delta = e.Cell.Test.Mean - base.Cell.Test.Mean
				if base.Cell.Test.Mean != 0 {
					e.DeltaPct = 100 * e.Delta / math.Abs(base.Cell.Test.Mean)
				}
				if t.Rows[i].Method != a.Baseline {
					e.Sig = e.Cell.Sig
					if e.Cell.Rank != base.Cell.Rank {
						e.Sig = a.significance(task, e.Cell, base.Cell)
					}
				}
			}
			if best < 0 || better(task.Goal, e.Cell.Test.Mean, t.Rows[best].Entries[j].Cell.Test.Mean) {
				best = i
			}
		}
		if best >= 0 {
			t.Rows[best].Entries[j].Best = true
		}
	}
	return t
}

// pick is the cell a table shows: the one at rank, or at rank 0 the rank
// with the best mean selection score (the smaller rank on a tie).
func (a *Analysis) pick(task TaskMetrics, method string, rank int) *Cell {
	if rank != 0 {
		return a.Cell(task.Task, method, rank)
	}
	var best *Cell
	for _, r := range a.Ranks {
		c := a.Cell(task.Task, method, r)
		if c == nil || c.Val.N == 0 {
			continue
		}
		if best == nil || better(task.SelectGoal, c.Val.Mean, best.Val.Mean) {
			best = c
		}
	}
	return best
}
