package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// ErrOption is wrapped by the errors about an option that cannot apply to
// the sweep, such as a rank it does not have.
var ErrOption = errors.New("bad analysis option")

// Options tune Analyze; zero values take the defaults.
type Options struct {
	// Baseline is the method others are compared with (default lora).
	Baseline string
	// Epsilon is how close to the baseline's best score counts as
	// matching it, as a fraction of that score (default 0.02: the paper's
	// "within 1–2 % of LoRA").
	Epsilon float64
	// Protocol overrides the stored selection rule when non-nil.
	Protocol *results.Protocol
	// Ranks are the ranks to build a table at; nil means every rank of
	// the sweep. The table of each method at its best rank is always
	// built, first.
	Ranks []int
}

// Default analysis settings.
const (
	DefaultBaseline = "lora"
	DefaultEpsilon  = 0.02
)

// SeedScore is the selected trial of one seed.
type SeedScore struct {
	Seed    int64   `json:"seed"`
	Trial   string  `json:"trial"`
	Attempt int64   `json:"attempt"`
	HParams string  `json:"hparams"` // JSON, keys sorted
	Val     float64 `json:"val"`
	Test    float64 `json:"test"`
}

// Cell is one (task, method, rank) of a sweep after selection.
type Cell struct {
	Task      string `json:"task"`
	Method    string `json:"method"`
	Rank      int    `json:"rank"`
	Trainable int64  `json:"trainable_params"` // 0: unknown (no model)
	// PercentOfBaseline is Trainable as a percentage of the baseline's at
	// the same rank (NaN when either is unknown).
	PercentOfBaseline float64 `json:"percent_of_baseline"`
	// Planned seeds and trials (seeds × hyper-parameter settings).
	Planned int `json:"planned_seeds"`
	Trials  int `json:"planned_trials"`
	// Seeds holds the seeds that have a selected, scored trial.
	Seeds []SeedScore `json:"seeds"`
	// HParams says which settings were selected, only the hyper-parameters
	// the sweep varies: "lr=0.001", or "lr=0.001 ×2; lr=0.003" when seeds
	// disagree.
	HParams string `json:"selected_hparams"`
	Val     Stat   `json:"val"`
	Test    Stat   `json:"test"`
	// Trials by outcome: Done have both scores; Failed failed or were
	// cancelled; Pruned were stopped by the sweep's early-stopping rule
	// (they are never selected, and a cell whose trials are all done or
	// pruned is complete); the rest are running or missing.
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Running int `json:"running"`
	Pruned  int `json:"pruned"`
	// Sig is the paired bootstrap against the baseline at the same rank;
	// nil for the baseline, or without per-example statistics.
	Sig *Significance `json:"significance,omitempty"`
}

// Missing counts the trials that are neither done, failed nor running:
// pending, or succeeded without the scores the protocol needs.
func (c *Cell) Missing() int { return c.Trials - c.Done - c.Failed - c.Running - c.Pruned }

// Status is done, failed (some trial failed), partial or missing.
func (c *Cell) Status() string {
	switch {
	case c.Done+c.Pruned == c.Trials && c.Done > 0:
		return "done"
	case c.Failed > 0:
		return "failed"
	case c.Done > 0 || c.Running > 0:
		return "partial"
	}
	return "missing"
}

type cellKey struct {
	task, method string
	rank         int
}

// Analysis is everything a report prints, computed from one database.
type Analysis struct {
	Sweep    string           `json:"sweep"`
	Protocol results.Protocol `json:"protocol"`
	Baseline string           `json:"baseline"`
	Epsilon  float64          `json:"epsilon"`
	Tasks    []TaskMetrics    `json:"tasks"` // in sweep-file order
	Methods  []string         `json:"methods"`
	Ranks    []int            `json:"ranks"`
	// Cells are ordered by task, method (file order) and rank.
	Cells     []*Cell     `json:"cells"`
	Stability []Stability `json:"stability"`
	Fronts    []Front     `json:"fronts"`
	// Tables are the comparison of each method at its best rank, then at
	// each rank of Options.Ranks.
	Tables []Table `json:"tables"`
	// Representatives are, per task and method, the attempt whose curves
	// stand for the method (see Representative).
	Representatives []Representative `json:"representatives"`
	// Orphans are stored trials the current sweep file no longer has; they
	// are left out.
	Orphans int `json:"orphans"`

	index    map[cellKey]*Cell
	examples exampleIndex
}

// HasSignificance reports whether any difference of a cell or a table
// entry from the baseline was tested.
func (a *Analysis) HasSignificance() bool {
	for _, c := range a.Cells {
		if c.Sig != nil {
			return true
		}
	}
	for _, t := range a.Tables {
		if t.HasSignificance() {
			return true
		}
	}
	return false
}

// Cell returns the (task, method, rank) cell, or nil.
func (a *Analysis) Cell(task, method string, rank int) *Cell {
	return a.index[cellKey{task, method, rank}]
}

// Analyze runs the selection protocol on a sweep's records, then the
// per-seed statistics, the tables, the rank-stability analysis and the
// Pareto fronts. It works on a partial sweep: what is missing stays
// visible in the cells' counts.
func Analyze(recs *results.Records, opt Options) (*Analysis, error) {
	if opt.Baseline == "" {
		opt.Baseline = DefaultBaseline
	}
	if opt.Epsilon == 0 {
		opt.Epsilon = DefaultEpsilon
	}
	if opt.Epsilon < 0 || math.IsNaN(opt.Epsilon) {
		return nil, fmt.Errorf("%w: epsilon must be positive, got %v", ErrOption, opt.Epsilon)
	}
	a := &Analysis{Sweep: recs.Sweep, Protocol: recs.Protocol, Baseline: opt.Baseline, Epsilon: opt.Epsilon,
		Orphans: recs.Orphans, index: map[cellKey]*Cell{}}
	if len(recs.Examples) > 0 {
		a.examples = newExampleIndex(recs.Examples)
	}
	if opt.Protocol != nil {
		a.Protocol = *opt.Protocol
	}
	a.order(recs.Cells)
	for _, r := range opt.Ranks {
		if !slices.Contains(a.Ranks, r) {
			return nil, fmt.Errorf("%w: the sweep has no rank %d (ranks: %v)", ErrOption, r, a.Ranks)
		}
	}
	metrics := map[string]TaskMetrics{}
	for i, t := range a.Tasks {
		a.Tasks[i] = taskMetrics(recs, a.Protocol, t.Task)
		metrics[t.Task] = a.Tasks[i]
	}
	for _, c := range recs.Cells {
		cell := &Cell{Task: c.Task, Method: c.Method, Rank: c.Rank, Trainable: c.Trainable,
			Planned: c.Seeds, Trials: c.Trials, Failed: c.Failed, Running: c.Running, Pruned: c.Pruned}
		a.index[cellKey{c.Task, c.Method, c.Rank}] = cell
	}
	varying := varyingKeys(recs.HParams)
	for _, t := range selectTrials(recs.Scores, a.Protocol, metrics) {
		c := a.index[cellKey{t.Task, t.Method, t.Rank}]
		if c == nil {
			continue
		}
		c.Done++
		if t.Picked {
			c.Seeds = append(c.Seeds, SeedScore{Seed: t.Seed, Trial: t.Trial, Attempt: t.Attempt, HParams: t.HParams, Val: t.Val, Test: t.Test})
		}
	}
	for _, t := range a.Tasks {
		for _, m := range a.Methods {
			for _, r := range a.Ranks {
				c := a.index[cellKey{t.Task, m, r}]
				if c == nil {
					continue
				}
				a.finishCell(c, recs.Cells, varying)
				a.Cells = append(a.Cells, c)
			}
		}
	}
	for _, c := range a.Cells {
		if c.Method != a.Baseline {
			c.Sig = a.significance(metrics[c.Task], c, a.index[cellKey{c.Task, a.Baseline, c.Rank}])
		}
	}
	a.Stability = a.stability()
	a.Fronts = a.fronts()
	ranks := opt.Ranks
	if ranks == nil {
		ranks = a.Ranks
	}
	a.Tables = append(a.Tables, a.table(0))
	for _, r := range ranks {
		a.Tables = append(a.Tables, a.table(r))
	}
	a.Representatives = a.representatives()
	return a, nil
}

// order fixes the order of tasks and methods (as the file lists them) and
// of ranks (ascending).
func (a *Analysis) order(counts []results.CellCount) {
	taskPos, methodPos, ranks := map[string]int64{}, map[string]int64{}, map[int]bool{}
	for _, c := range counts {
		taskPos[c.Task] = c.TaskPos
		methodPos[c.Method] = c.MethodPos
		ranks[c.Rank] = true
	}
	for t := range taskPos {
		a.Tasks = append(a.Tasks, TaskMetrics{Task: t})
	}
	sort.Slice(a.Tasks, func(i, j int) bool { return taskPos[a.Tasks[i].Task] < taskPos[a.Tasks[j].Task] })
	for m := range methodPos {
		a.Methods = append(a.Methods, m)
	}
	sort.Slice(a.Methods, func(i, j int) bool { return methodPos[a.Methods[i]] < methodPos[a.Methods[j]] })
	for r := range ranks {
		a.Ranks = append(a.Ranks, r)
	}
	sort.Ints(a.Ranks)
}

// finishCell computes a cell's statistics and its share of the baseline's
// parameters.
func (a *Analysis) finishCell(c *Cell, counts []results.CellCount, varying []string) {
	sort.Slice(c.Seeds, func(i, j int) bool { return c.Seeds[i].Seed < c.Seeds[j].Seed })
	val := make([]float64, len(c.Seeds))
	test := make([]float64, len(c.Seeds))
	for i, s := range c.Seeds {
		val[i], test[i] = s.Val, s.Test
	}
	key := fmt.Sprintf("%s\x00%s\x00%d", c.Task, c.Method, c.Rank)
	c.Val = summarise(val, key+"\x00val")
	c.Test = summarise(test, key+"\x00test")
	c.HParams = selectedHParams(c.Seeds, varying)
	c.PercentOfBaseline = math.NaN()
	if b := a.index[cellKey{c.Task, a.Baseline, c.Rank}]; b != nil && b.Trainable > 0 && c.Trainable > 0 {
		c.PercentOfBaseline = 100 * float64(c.Trainable) / float64(b.Trainable)
		return
	}
	if a.Baseline == DefaultBaseline {
		for _, cc := range counts {
			if cc.Task == c.Task && cc.Method == c.Method && cc.Rank == c.Rank && cc.PercentOfLoRA > 0 {
				c.PercentOfBaseline = cc.PercentOfLoRA
			}
		}
	}
}

// varyingKeys are the hyper-parameters that take more than one value in
// the sweep: the ones worth printing next to a selection.
func varyingKeys(settings []string) []string {
	values := map[string]map[string]bool{}
	for _, s := range settings {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &m) != nil {
			continue
		}
		for k, v := range m {
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][string(v)] = true
		}
	}
	var keys []string
	for k, vs := range values {
		if len(vs) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// selectedHParams formats the settings the seeds selected.
func selectedHParams(seeds []SeedScore, keys []string) string {
	var order []string
	n := map[string]int{}
	for _, s := range seeds {
		f := formatHParams(s.HParams, keys)
		if n[f] == 0 {
			order = append(order, f)
		}
		n[f]++
	}
	sort.SliceStable(order, func(i, j int) bool { return n[order[i]] > n[order[j]] })
	parts := make([]string, len(order))
	for i, f := range order {
		parts[i] = f
		if len(order) > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", f, n[f])
		}
	}
	return strings.Join(parts, "; ")
}

func formatHParams(js string, keys []string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(js), &m) != nil {
		return js
	}
	var parts []string
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		parts = append(parts, k+"="+s)
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, " ")
}

// better reports whether x beats y in the direction of goal.
func better(goal string, x, y float64) bool {
	if goal == "min" {
		return x < y
	}
	return x > y
}

// gain is how much x beats y by (negative when it loses).
func gain(goal string, x, y float64) float64 {
	if goal == "min" {
		return y - x
	}
	return x - y
}

// Goal returns the reporting goal of a task (max when unknown).
func (a *Analysis) Goal(task string) string {
	for _, t := range a.Tasks {
		if t.Task == task {
			return t.Goal
		}
	}
	return "max"
}
