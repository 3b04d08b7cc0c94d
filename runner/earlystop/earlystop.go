// Package earlystop decides which trials of a group stop early: the
// asynchronous successive halving of ASHA (Li et al., "A System for
// Massively Parallel Hyperparameter Tuning", MLSys 2020) and the median
// rule (Golovin et al., "Google Vizier", KDD 2017), over the validation
// values workers report while they train.
//
// A Group holds what its trials reported and their states; every decision
// is a function of that record alone, so an orchestrator that restarts
// rebuilds the Group from the database and decides as the one before it
// would have. The package has no I/O and imports nothing of this module.
package earlystop

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Kinds of rule.
const (
	ASHA   = "asha"
	Median = "median"
)

// Rule is an early-stopping rule.
type Rule struct {
	Kind string
	// Goal is "min" or "max": which validation values are better.
	Goal string
	// MinSteps is ASHA's first rung; the median rule stops nothing before
	// it.
	MinSteps int
	// Reduction is ASHA's η: a rung keeps the best 1/η of its trials.
	Reduction int
	// MinTrials is how many other trials must have reported at a step
	// before the median rule stops a trial at it.
	MinTrials int
}

// Rungs are ASHA's decision steps below steps: MinSteps·η^k.
func (r Rule) Rungs(steps int) []int {
	if r.Kind != ASHA || r.MinSteps < 1 || r.Reduction < 2 {
		return nil
	}
	var out []int
	for s := r.MinSteps; s < steps; s *= r.Reduction {
		out = append(out, s)
	}
	return out
}

// State is where a trial stands.
type State int

const (
	// Waiting: queued or not started.
	Waiting State = iota
	// Running: an attempt is training it.
	Running
	// Paused: stopped by the rule at LastStep; it may be promoted.
	Paused
	// Finished: trained to its last step.
	Finished
	// Out: failed or cancelled; it takes no part in decisions.
	Out
)

func (s State) String() string {
	return [...]string{"waiting", "running", "paused", "finished", "out"}[s]
}

// Trial is one member of a group.
type Trial struct {
	ID    string
	Steps int // the steps it trains when not stopped
	State State
	// Values are the validation values it reported, by step.
	Values map[int]float64
	// Reached is the last step it trained to (its checkpoint).
	Reached int
}

// Decision is what the rule says of a trial that reported.
type Decision struct {
	Stop   bool
	Reason string
}

// Group is the trials an early-stopping rule compares with each other.
type Group struct {
	Key    string
	rule   Rule
	trials map[string]*Trial
	order  []string // IDs in the order they joined, for determinism
}

// NewGroup makes an empty group.
func NewGroup(key string, r Rule) *Group {
	return &Group{Key: key, rule: r, trials: map[string]*Trial{}}
}

// Add puts a trial in the group (or replaces it).
func (g *Group) Add(t Trial) {
	if t.Values == nil {
		t.Values = map[int]float64{}
	}
	if _, ok := g.trials[t.ID]; !ok {
		g.order = append(g.order, t.ID)
	}
	g.trials[t.ID] = &t
}

// Trial returns a member, nil when absent.
func (g *Group) Trial(id string) *Trial { return g.trials[id] }

// SetState changes a member's state.
func (g *Group) SetState(id string, s State) {
	if t := g.trials[id]; t != nil {
		t.State = s
	}
}

// Pause records that a trial stopped at step after a Stop decision.
func (g *Group) Pause(id string, step int) {
	if t := g.trials[id]; t != nil {
		t.State = Paused
		t.Reached = max(t.Reached, step)
	}
}

// better says whether a is better than b under the goal; NaN is worst.
func (g *Group) better(a, b float64) bool {
	switch {
	case math.IsNaN(a):
		return false
	case math.IsNaN(b):
		return true
	case g.rule.Goal == "max":
		return a > b
	}
	return a < b
}

// Report records trial id's validation value at step and decides whether
// it goes on. A value at a step the trial already reported is kept as it
// was (a resumed attempt does not report twice).
func (g *Group) Report(id string, step int, v float64) Decision {
	t := g.trials[id]
	if t == nil {
		return Decision{}
	}
	t.Reached = max(t.Reached, step)
	if _, ok := t.Values[step]; ok {
		return Decision{}
	}
	t.Values[step] = v
	switch g.rule.Kind {
	case ASHA:
		return g.asha(t, step)
	case Median:
		return g.median(t, step, v)
	}
	return Decision{}
}

// rungOf is the rung index of step for a trial, -1 when step is none.
func (g *Group) rungOf(t *Trial, step int) int {
	return slices.Index(g.rule.Rungs(t.Steps), step)
}

// ranked lists the trials with a value at rung step, best first (ties go
// to the trial that joined the group first).
func (g *Group) ranked(step int) []*Trial {
	var out []*Trial
	for _, id := range g.order {
		t := g.trials[id]
		if _, ok := t.Values[step]; ok && t.State != Out {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return g.better(out[i].Values[step], out[j].Values[step]) })
	return out
}

// topK is how many of n trials at a rung go on: ⌊n/η⌋.
func (g *Group) topK(n int) int { return n / g.rule.Reduction }

// asha decides at a rung: the trial goes on when it is among the best
// ⌊n/η⌋ of the n trials that reached the rung so far; otherwise it is
// paused, to be promoted when later arrivals make it one of the best.
func (g *Group) asha(t *Trial, step int) Decision {
	if g.rungOf(t, step) < 0 {
		return Decision{}
	}
	ranked := g.ranked(step)
	k := g.topK(len(ranked))
	pos := slices.Index(ranked, t)
	if pos < k {
		return Decision{}
	}
	return Decision{Stop: true, Reason: fmt.Sprintf("asha: validation %s at step %d is #%d of %d at this rung; the best %d go on",
		formatValue(t.Values[step]), step, pos+1, len(ranked), k)}
}

// median stops a trial whose value at step is worse than the median of
// the other trials' values at that step.
func (g *Group) median(t *Trial, step int, v float64) Decision {
	if step < g.rule.MinSteps {
		return Decision{}
	}
	var others []float64
	for _, id := range g.order {
		o := g.trials[id]
		if o == t || o.State == Out {
			continue
		}
		if x, ok := o.Values[step]; ok && !math.IsNaN(x) {
			others = append(others, x)
		}
	}
	if len(others) < max(g.rule.MinTrials, 1) {
		return Decision{}
	}
	sort.Float64s(others)
	n := len(others)
	m := others[n/2]
	if n%2 == 0 {
		m = (others[n/2-1] + others[n/2]) / 2
	}
	if !g.better(m, v) {
		return Decision{}
	}
	return Decision{Stop: true, Reason: fmt.Sprintf("median: validation %s at step %d is worse than the median %s of %d other trials",
		formatValue(v), step, formatValue(m), n)}
}

// Promotions are the paused trials to resume now, best first.
//
// ASHA promotes a paused trial that is among the best ⌊n/η⌋ at the rung it
// stopped at. A grid is finite, so the group also ends well: once nothing
// of it is waiting or running and no trial has finished, the best trial
// at the highest rung any paused trial reached is promoted, so that every
// group trains at least one trial to the end. The median rule promotes
// nothing.
func (g *Group) Promotions() []string {
	if g.rule.Kind != ASHA {
		return nil
	}
	paused := g.paused()
	var out []string
	for _, p := range paused {
		ranked := g.ranked(p.rung)
		if pos := slices.Index(ranked, p.t); pos >= 0 && pos < g.topK(len(ranked)) {
			out = append(out, p.t.ID)
		}
	}
	if len(out) > 0 || !g.idle() {
		return out
	}
	var best *pausedAt
	for i, p := range paused {
		if best == nil || p.rung > best.rung || (p.rung == best.rung && g.better(p.t.Values[p.rung], best.t.Values[best.rung])) {
			best = &paused[i]
		}
	}
	if best != nil {
		out = append(out, best.t.ID)
	}
	return out
}

// pausedAt is a paused trial and the rung it paused at.
type pausedAt struct {
	t    *Trial
	rung int
}

// paused lists the paused trials that reported at a rung, in the order
// they joined the group.
func (g *Group) paused() []pausedAt {
	var out []pausedAt
	for _, id := range g.order {
		t := g.trials[id]
		if t.State != Paused {
			continue
		}
		if rung := g.pausedRung(t); rung >= 0 {
			out = append(out, pausedAt{t, rung})
		}
	}
	return out
}

// pausedRung is the highest rung step a paused trial has a value at, -1
// when it has none.
func (g *Group) pausedRung(t *Trial) int {
	rung := -1
	for _, s := range g.rule.Rungs(t.Steps) {
		if _, ok := t.Values[s]; ok {
			rung = s
		}
	}
	return rung
}

// idle says that nothing of the group waits or runs and no trial of it
// has finished.
func (g *Group) idle() bool {
	for _, t := range g.trials {
		switch t.State {
		case Waiting, Running, Finished:
			return false
		}
	}
	return true
}

// Done says whether nothing of the group is waiting or running.
func (g *Group) Done() bool {
	for _, t := range g.trials {
		if t.State == Waiting || t.State == Running {
			return false
		}
	}
	return true
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', 5, 64) }
