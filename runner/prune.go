package runner

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner/earlystop"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// DecisionStore is what early stopping needs of the database besides the
// run's Store: its decisions and the validation values workers reported.
// *results.Store is one.
type DecisionStore interface {
	RecordDecision(ctx context.Context, d results.Decision, state string) error
	Decisions(ctx context.Context) ([]results.Decision, error)
	EvalValues(ctx context.Context, split, metric string) (map[string]map[int]float64, error)
}

var _ DecisionStore = (*results.Store)(nil)

// pruner applies a sweep's early-stopping rule during a run. Its groups
// are rebuilt from the database when a run starts, and every decision is
// stored before it is acted on.
type pruner struct {
	mu     sync.Mutex
	store  DecisionStore
	rule   *sweeps.EarlyStop
	rungs  earlystop.Rule // the same rule, as the groups apply it
	metric string
	group  map[string]*earlystop.Group // by trial ID
	// stopNow holds trials decided stopped whose worker a restarted run
	// adopted before it could act; supervise stops them.
	stopNow map[string]string
}

// validationSplit is the split early-stopping rules read.
const validationSplit = "validation"

// newPruner rebuilds the groups of a sweep's trials: values from the
// stored eval events, states from the trials' states and the stored
// decisions. queued says which trials this run will start or has adopted;
// a trial neither queued, finished nor paused takes no part.
func newPruner(ctx context.Context, s *sweeps.Sweep, ds DecisionStore, trials []sweeps.Trial, statuses map[string]results.TrialStatus, queued map[string]bool) (*pruner, error) {
	rule := s.EarlyStop()
	if rule == nil {
		return nil, nil
	}
	values, err := ds.EvalValues(ctx, validationSplit, rule.Metric)
	if err != nil {
		return nil, err
	}
	decisions, err := ds.Decisions(ctx)
	if err != nil {
		return nil, err
	}
	marks := map[string]*decisionMarks{}
	for _, d := range decisions {
		m := marks[d.Trial]
		if m == nil {
			m = &decisionMarks{stopped: map[int]bool{}, promoted: map[int]bool{}, decided: map[int]bool{}}
			marks[d.Trial] = m
		}
		m.decided[d.Step] = true
		switch d.Action {
		case results.ActionStop:
			m.stopped[d.Step] = true
		case results.ActionPromote:
			m.promoted[d.Step] = true
		}
	}
	p := &pruner{store: ds, rule: rule, metric: rule.Metric, group: map[string]*earlystop.Group{}, stopNow: map[string]string{}}
	groups := map[string]*earlystop.Group{}
	r := earlystop.Rule{Kind: rule.Kind, Goal: rule.Goal, MinSteps: rule.MinSteps, Reduction: rule.Reduction, MinTrials: rule.MinTrials}
	p.rungs = r
	for i := range trials {
		t := &trials[i]
		key := s.EarlyStopGroup(t)
		g := groups[key]
		if g == nil {
			g = earlystop.NewGroup(key, r)
			groups[key] = g
		}
		m := marks[t.ID]
		paused, stopStep := false, 0
		if m != nil {
			for step := range m.stopped {
				if !m.promoted[step] {
					paused, stopStep = true, max(stopStep, step)
				}
			}
		}
		st := statuses[t.ID].State
		switch {
		case paused && st == results.TrialRunning && queued[t.ID]:
			// Stopped by the rule; the run before this one died before
			// its worker did, and this run adopted it.
			p.stopNow[t.ID] = fmt.Sprintf("stopped at step %d by the early-stopping rule", stopStep)
		case paused && st != results.TrialPruned && st != results.TrialSucceeded:
			// Stopped by the rule; the run before this one died before
			// recording the attempt's end as pruned.
			if err := ds.RecordDecision(ctx, results.Decision{Trial: t.ID, Step: stopStep, Action: results.ActionStop}, results.TrialPruned); err != nil {
				return nil, err
			}
			st = results.TrialPruned
		}
		var state earlystop.State
		switch {
		case st == results.TrialSucceeded:
			state = earlystop.Finished
		case paused && st != results.TrialRunning:
			state = earlystop.Paused
		case queued[t.ID]:
			state = earlystop.Waiting
			if st == results.TrialRunning {
				state = earlystop.Running
			}
		default:
			state = earlystop.Out
		}
		vals := map[int]float64{}
		reached := 0
		for step, v := range values[t.ID] {
			if m == nil || m.decided[step] || !isRung(r, trialSteps(t), step) {
				vals[step] = v
			}
			reached = max(reached, step)
		}
		g.Add(earlystop.Trial{ID: t.ID, Steps: trialSteps(t), State: state, Values: vals, Reached: reached})
		p.group[t.ID] = g
		// A rung value without a decision: the run before this one died
		// between storing the value and deciding. Decide now.
		for _, step := range undecided(r, t, values[t.ID], m) {
			if state == earlystop.Finished || state == earlystop.Out {
				break
			}
			d := g.Report(t.ID, step, values[t.ID][step])
			if err := p.record(ctx, t.ID, step, d); err != nil {
				return nil, err
			}
			if d.Stop {
				if state == earlystop.Running {
					p.stopNow[t.ID] = d.Reason
				} else {
					g.Pause(t.ID, step)
				}
				break
			}
		}
	}
	return p, nil
}

// decisionMarks are a trial's stored decisions by step.
type decisionMarks struct {
	stopped, promoted, decided map[int]bool
}

// runnable says whether the rule lets a trial this run meant to start
// start: not when its group has it paused.
func (p *pruner) runnable(id string) bool {
	if p == nil {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.group[id]
	return g == nil || g.Trial(id).State != earlystop.Paused
}

// trialSteps is the steps a trial trains (no limit without the
// hyper-parameter, as a command worker may have).
func trialSteps(t *sweeps.Trial) int {
	if v, ok := t.HParam("steps"); ok {
		if n, ok := v.(int64); ok && n > 0 {
			return int(n)
		}
	}
	return math.MaxInt32
}

func isRung(r earlystop.Rule, steps, step int) bool {
	for _, s := range r.Rungs(steps) {
		if s == step {
			return true
		}
	}
	return false
}

// undecided lists a trial's rung steps that have a value and no decision,
// in order.
func undecided(r earlystop.Rule, t *sweeps.Trial, vals map[int]float64, m *decisionMarks) []int {
	var out []int
	for _, s := range r.Rungs(trialSteps(t)) {
		if _, ok := vals[s]; ok && (m == nil || !m.decided[s]) {
			out = append(out, s)
		}
	}
	sort.Ints(out)
	return out
}

// record stores a decision at a rung (the median rule's continues are not
// stored: it decides at every evaluation).
func (p *pruner) record(ctx context.Context, trial string, step int, d earlystop.Decision) error {
	switch {
	case d.Stop:
		return p.store.RecordDecision(ctx, results.Decision{Trial: trial, Step: step, Action: results.ActionStop, Reason: d.Reason}, "")
	case p.rule.Kind == sweeps.EarlyStopASHA:
		return p.store.RecordDecision(ctx, results.Decision{Trial: trial, Step: step, Action: results.ActionContinue}, "")
	}
	return nil
}

// initialPromotions are the paused trials to resume at the start of a
// run; they are recorded as promoted.
func (p *pruner) initialPromotions(ctx context.Context) ([]string, error) {
	if p == nil {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[*earlystop.Group]bool{}
	var out []string
	var groups []*earlystop.Group
	for _, g := range p.group {
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Key < groups[j].Key })
	for _, g := range groups {
		ids, err := p.promote(ctx, g)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// promote records and returns g's promotions; the caller holds p.mu.
func (p *pruner) promote(ctx context.Context, g *earlystop.Group) ([]string, error) {
	ids := g.Promotions()
	for _, id := range ids {
		t := g.Trial(id)
		step := 0
		for s := range t.Values {
			if isRung(p.rungs, t.Steps, s) && s > step {
				step = s
			}
		}
		if err := p.store.RecordDecision(ctx, results.Decision{Trial: id, Step: step, Action: results.ActionPromote,
			Reason: fmt.Sprintf("promoted from step %d", step)}, results.TrialPending); err != nil {
			return nil, err
		}
		g.SetState(id, earlystop.Waiting)
	}
	return ids, nil
}

// started marks a trial running.
func (p *pruner) started(id string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.group[id]; g != nil {
		g.SetState(id, earlystop.Running)
	}
}

// report records a validation value of a running trial and decides; the
// decision is stored before it is returned.
func (p *pruner) report(ctx context.Context, id string, step int, v float64) (earlystop.Decision, []string, error) {
	if p == nil {
		return earlystop.Decision{}, nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.group[id]
	if g == nil {
		return earlystop.Decision{}, nil, nil
	}
	t := g.Trial(id)
	if _, seen := t.Values[step]; seen {
		return earlystop.Decision{}, nil, nil
	}
	d := g.Report(id, step, v)
	rung := isRung(p.rungs, t.Steps, step)
	if d.Stop || rung {
		if err := p.record(ctx, id, step, d); err != nil {
			return d, nil, err
		}
	}
	if d.Stop {
		return d, nil, nil
	}
	// A value at a rung may make a paused trial one of its best.
	promoted, err := p.promote(ctx, g)
	return d, promoted, err
}

// takeStop returns, once, a stop decided for an adopted trial.
func (p *pruner) takeStop(id string) (string, bool) {
	if p == nil {
		return "", false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	reason, ok := p.stopNow[id]
	delete(p.stopNow, id)
	return reason, ok
}

// ended records how a trial's attempt ended and returns the trials the
// rule promotes now.
func (p *pruner) ended(ctx context.Context, id string, fin results.Finish, step int, retry bool) ([]string, error) {
	if p == nil {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.group[id]
	if g == nil {
		return nil, nil
	}
	switch {
	case fin.Status == results.AttemptPruned:
		g.Pause(id, step)
	case fin.TrialState == results.TrialSucceeded:
		g.SetState(id, earlystop.Finished)
	case retry:
		g.SetState(id, earlystop.Waiting)
	case fin.TrialState == results.TrialPending:
		// Stopped by the user or interrupted: it waits for the next run.
		g.SetState(id, earlystop.Waiting)
		return nil, nil
	default:
		g.SetState(id, earlystop.Out)
	}
	return p.promote(ctx, g)
}

// startPruner rebuilds the early-stopping groups when the sweep has a
// rule, and returns todo without the trials the rule holds paused and with
// those it promotes now.
func (r *Runner) startPruner(ctx context.Context, trials []sweeps.Trial, statuses map[string]results.TrialStatus, todo []string, adopted []adoption) ([]string, error) {
	queued := map[string]bool{}
	for _, id := range todo {
		queued[id] = true
	}
	for _, a := range adopted {
		queued[a.attempt.Trial] = true
	}
	p, err := newPruner(ctx, r.sweep, r.store, trials, statuses, queued)
	if err != nil || p == nil {
		return todo, err
	}
	r.pruner = p
	kept := todo[:0]
	for _, id := range todo {
		if p.runnable(id) {
			kept = append(kept, id)
		}
	}
	promoted, err := p.initialPromotions(ctx)
	if err != nil {
		return nil, err
	}
	r.notePromotions(promoted)
	return append(kept, promoted...), nil
}

// earlyStop hands the rule the validation values an attempt reported
// since the last call, queues what it promotes, and says whether the
// attempt must stop and why.
func (r *Runner) earlyStop(ctx context.Context, trial string, in *ingester) (string, bool) {
	if r.pruner == nil || in.pruned != "" {
		return "", false
	}
	if reason, ok := r.pruner.takeStop(trial); ok {
		return reason, true
	}
	for len(in.evals) > 0 {
		e := in.evals[0]
		in.evals = in.evals[1:]
		d, promoted, err := r.pruner.report(ctx, trial, e.step, e.value)
		if err != nil {
			r.fail(fmt.Errorf("recording an early-stopping decision: %w", err))
			return "", false
		}
		r.notePromotions(promoted)
		r.queue.add(promoted...)
		if d.Stop {
			return d.Reason, true
		}
	}
	return "", false
}

func (r *Runner) notePromotions(ids []string) {
	for _, id := range ids {
		r.opt.Reporter.Note(fmt.Sprintf("early stopping: promoted %s; it resumes from its checkpoint", label(r.trials[id])))
	}
}

// pendingStops are the trials whose latest stop decision no promotion
// followed: an attempt of theirs that was running when a run died was
// being stopped by the rule.
func (r *Runner) pendingStops(ctx context.Context) (map[string]results.Decision, error) {
	if r.sweep.EarlyStop() == nil {
		return nil, nil
	}
	ds, err := r.store.Decisions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]results.Decision{}
	for _, d := range ds { // oldest first
		switch d.Action {
		case results.ActionStop:
			out[d.Trial] = d
		case results.ActionPromote:
			if s, ok := out[d.Trial]; ok && s.Step <= d.Step {
				delete(out, d.Trial)
			}
		}
	}
	return out, nil
}
