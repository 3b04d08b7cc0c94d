package sweeps

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// EarlyStop is a sweep's resolved early_stop block.
type EarlyStop struct {
	Kind      string   // EarlyStopASHA or EarlyStopMedian
	Metric    string   // validation value of the workers' eval events; default "loss"
	Goal      string   // "min" or "max"; default "min" for loss, else "max"
	MinSteps  int      // asha: the first rung; median: no pruning before this step
	Reduction int      // asha's η (default 3, at least 2); unused by median
	MinTrials int      // median: how many other trials of the group must have reported at a step before a trial can be pruned at it (default 3)
	GroupBy   []string // axis names; default every one of task, method, rank, seed the sweep has
}

// Early-stopping kinds.
const (
	EarlyStopASHA   = "asha"
	EarlyStopMedian = "median"
)

// EarlyStopFile is the early_stop block as the file writes it; the loader
// resolves it into an EarlyStop (Sweep.EarlyStop).
type EarlyStopFile struct {
	Kind      string   `yaml:"kind"`
	Metric    string   `yaml:"metric"`
	Goal      string   `yaml:"goal"`
	MinSteps  *int     `yaml:"min_steps"`
	Reduction *int     `yaml:"reduction"`
	MinTrials *int     `yaml:"min_trials"`
	GroupBy   []string `yaml:"group_by"`
}

// EarlyStop returns the sweep's early-stopping rule, or nil without one.
func (s *Sweep) EarlyStop() *EarlyStop {
	if s.earlyStop == nil {
		return nil
	}
	e := *s.earlyStop
	e.GroupBy = append([]string(nil), e.GroupBy...)
	return &e
}

// EarlyStopGroup is the key of t's early-stopping group: the values of the
// GroupBy axes, e.g. "task=syn-squad method=lora rank=8 seed=1" (stable,
// human-readable, used in messages and the database). GroupBy is in a
// fixed order (task, method, rank, seed, then hyper-parameters by name),
// whatever the order the file lists it in. It is "" without early_stop.
func (s *Sweep) EarlyStopGroup(t *Trial) string {
	if s.earlyStop == nil {
		return ""
	}
	parts := make([]string, 0, len(s.earlyStop.GroupBy))
	for _, name := range s.earlyStop.GroupBy {
		var v string
		switch name {
		case AxisTask:
			v = t.TaskName()
		case AxisMethod:
			v = t.MethodName()
		case AxisRank:
			v = strconv.Itoa(t.Rank)
		case AxisSeed:
			v = strconv.FormatInt(t.Seed, 10)
		default:
			x, _ := t.HParam(name)
			v = FormatValue(x)
		}
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, " ")
}

// builtinAxes are the axes early_stop.group_by defaults to, in the order
// group keys list them.
var builtinAxes = []string{AxisTask, AxisMethod, AxisRank, AxisSeed}

// checkEarlyStop resolves the early_stop block and checks what can be
// judged without expanding the trials: kind, metric, goal, counts and
// group_by's names. checkEarlyStopTrials judges the rest.
func (l *loader) checkEarlyStop() {
	f, s := &l.s.File, l.s
	const at = "early_stop"
	if f.EarlyStop == nil {
		if l.posKnown(at) && !l.broken(at) {
			l.errAt(at, "early_stop is empty; give at least kind: asha or median")
		}
		return
	}
	if l.broken(at) && f.EarlyStop.Kind == "" {
		return // not a mapping: reported as it was decoded
	}
	fe := f.EarlyStop
	e := &EarlyStop{Kind: fe.Kind, Metric: fe.Metric, Goal: fe.Goal, Reduction: 3, MinTrials: 3}
	ok := true
	switch fe.Kind {
	case EarlyStopASHA, EarlyStopMedian:
	case "":
		if !l.broken(at + ".kind") {
			l.errAt(at, "early_stop.kind is required: asha (successive halving at rungs) or median (stop below the median of the group)")
		}
		ok = false
	default:
		if !l.broken(at + ".kind") {
			l.errAt(at+".kind", "early_stop.kind: unknown kind %q%s; want asha or median", fe.Kind, didYouMean(fe.Kind, []string{EarlyStopASHA, EarlyStopMedian}))
		}
		ok = false
	}
	if e.Metric == "" {
		e.Metric = "loss"
	}
	if l.workerKnown() && f.Worker.Kind != WorkerCommand && e.Metric != "loss" && !l.broken(at+".metric") {
		l.errAt(at+".metric", "early_stop.metric: the %s worker's eval events during training carry only the validation loss, so the metric must be loss, got %q (a command worker may name any metric its eval events carry)", f.Worker.Kind, e.Metric)
		ok = false
	}
	if e.Goal == "" {
		e.Goal = "max"
		if e.Metric == "loss" {
			e.Goal = "min"
		}
	}
	switch e.Goal {
	case "min", "max":
	default:
		if !l.broken(at + ".goal") {
			l.errAt(at+".goal", "early_stop.goal must be min or max, got %q", e.Goal)
		}
		ok = false
	}
	if fe.MinSteps != nil {
		e.MinSteps = *fe.MinSteps
		if e.MinSteps < 1 {
			l.errAt(at+".min_steps", "early_stop.min_steps must be at least 1, got %d", e.MinSteps)
			ok = false
		}
	}
	if fe.Reduction != nil {
		e.Reduction = *fe.Reduction
		switch {
		case fe.Kind == EarlyStopMedian:
			l.errAt(at+".reduction#key", "early_stop.reduction is asha's η; the median rule does not use it")
			ok = false
		case e.Reduction < 2:
			l.errAt(at+".reduction", "early_stop.reduction (asha's η: one in η trials goes on at each rung) must be at least 2, got %d", e.Reduction)
			ok = false
		}
	}
	if fe.MinTrials != nil {
		e.MinTrials = *fe.MinTrials
		switch {
		case fe.Kind == EarlyStopASHA:
			l.errAt(at+".min_trials#key", "early_stop.min_trials is the median rule's; asha does not use it")
			ok = false
		case e.MinTrials < 1:
			l.errAt(at+".min_trials", "early_stop.min_trials must be at least 1, got %d", e.MinTrials)
			ok = false
		}
	}
	if fe.Kind == EarlyStopASHA {
		e.MinTrials = 0
	} else if fe.Kind == EarlyStopMedian {
		e.Reduction = 0
	}
	if !l.earlyStopGroupBy(e) {
		ok = false
	}
	if ok {
		s.earlyStop = e
	}
}

// earlyStopGroupBy resolves group_by into e.GroupBy, in group-key order.
func (l *loader) earlyStopGroupBy(e *EarlyStop) bool {
	f, s := &l.s.File, l.s
	const at = "early_stop.group_by"
	var has []string // the axes group_by may name
	for _, name := range builtinAxes {
		if s.axisIndex(name) >= 0 {
			has = append(has, name)
		}
	}
	var hparams []string
	for _, a := range s.axes {
		if !a.implicit && !contains(builtinAxes, a.name) {
			hparams = append(hparams, a.name)
		}
	}
	if !l.posKnown(at) {
		e.GroupBy = has
		return true
	}
	if l.broken(at) && len(f.EarlyStop.GroupBy) == 0 {
		return false
	}
	ok := true
	picked := map[string]bool{}
	for i, name := range f.EarlyStop.GroupBy {
		p := indexPath(at, i)
		if l.broken(p) {
			ok = false
			continue
		}
		canon := name
		if a, alias := axisAliases[name]; alias {
			canon = a
		}
		switch {
		case picked[canon]:
			l.errAt(p, "early_stop.group_by lists %s twice", canon)
			ok = false
		case contains(has, canon) || contains(hparams, canon):
			picked[canon] = true
		default:
			names := append(append([]string(nil), has...), hparams...)
			why := ""
			if contains(builtinAxes, canon) {
				why = fmt.Sprintf(" (it has no %s axis)", canon)
			} else if ai := s.axisIndex(canon); ai >= 0 && s.axes[ai].implicit {
				why = fmt.Sprintf(" (%s is a worker default, not set in the file)", canon)
			}
			l.errAt(p, "early_stop.group_by: %q is not an axis of this sweep%s%s; axes: %s", name, why, didYouMean(name, names), strings.Join(names, ", "))
			ok = false
		}
	}
	if len(f.EarlyStop.GroupBy) == 0 && ok {
		// group_by: [] is one group of every trial: allowed, if unusual.
		e.GroupBy = nil
		return true
	}
	for _, name := range has {
		if picked[name] {
			e.GroupBy = append(e.GroupBy, name)
		}
	}
	sort.Strings(hparams)
	for _, name := range hparams {
		if picked[name] {
			e.GroupBy = append(e.GroupBy, name)
		}
	}
	return ok
}

// earlyStopTrialFacts is what checkEarlyStopTrials and the plan learn by
// walking the trials: distinct steps and eval_every values, and the sizes
// of the groups.
type earlyStopTrialFacts struct {
	steps, evalEvery []int64 // distinct, ascending; empty where trials lack them
	groupSizes       []int   // one per group, in order of first trial
}

// earlyStopFacts walks every trial of the sweep without hashing it.
func (s *Sweep) earlyStopFacts() earlyStopTrialFacts {
	var facts earlyStopTrialFacts
	e := s.earlyStop
	stepsAxis, evalAxis := s.axisIndex("steps"), s.axisIndex("eval_every")
	var groupAxes []int
	for _, name := range e.GroupBy {
		groupAxes = append(groupAxes, s.axisIndex(name))
	}
	seenSteps, seenEval := map[int64]bool{}, map[int64]bool{}
	groups := map[string]int{}
	key := make([]byte, 0, 64)
	s.each(func(idx []int) {
		if x, ok := s.intValue(stepsAxis, idx); ok && !seenSteps[x] {
			seenSteps[x] = true
			facts.steps = append(facts.steps, x)
		}
		if x, ok := s.intValue(evalAxis, idx); ok && !seenEval[x] {
			seenEval[x] = true
			facts.evalEvery = append(facts.evalEvery, x)
		}
		key = key[:0]
		for _, ai := range groupAxes {
			key = strconv.AppendInt(key, int64(idx[ai]), 10)
			key = append(key, ',')
		}
		g, ok := groups[string(key)]
		if !ok {
			g = len(facts.groupSizes)
			groups[string(key)] = g
			facts.groupSizes = append(facts.groupSizes, 0)
		}
		facts.groupSizes[g]++
	})
	sort.Slice(facts.steps, func(i, j int) bool { return facts.steps[i] < facts.steps[j] })
	sort.Slice(facts.evalEvery, func(i, j int) bool { return facts.evalEvery[i] < facts.evalEvery[j] })
	return facts
}

// intValue is the integer value of axis ai in the trial idx (a derived
// default computed from its axis), or false.
func (s *Sweep) intValue(ai int, idx []int) (int64, bool) {
	if ai < 0 {
		return 0, false
	}
	a := s.axes[ai]
	if a.derived != nil {
		x, ok := s.axes[a.from].values[idx[a.from]].(int64)
		return x / a.derived.div, ok
	}
	x, ok := a.values[idx[ai]].(int64)
	return x, ok
}

// checkEarlyStopTrials judges the early_stop block against the trials:
// min_steps before every trial's end and on its evaluations, and something
// to compare within each group.
func (l *loader) checkEarlyStopTrials() {
	s := l.s
	e := s.earlyStop
	if e == nil {
		return
	}
	facts := s.earlyStopFacts()
	at := "early_stop.min_steps"
	if !l.posKnown(at) {
		at = "early_stop"
	}
	ok := true
	if e.MinSteps == 0 {
		// Default: the first evaluation every trial has in common.
		if len(facts.evalEvery) == 0 {
			l.errAt("early_stop", "early_stop.min_steps is required: the trials have no eval_every to start from (the first rung, or the first step at which a trial may be stopped)")
			s.earlyStop = nil
			return
		}
		m := int64(1)
		for _, x := range facts.evalEvery {
			m = lcm(m, x)
		}
		e.MinSteps = int(m)
	}
	if len(facts.steps) > 0 && int64(e.MinSteps) >= facts.steps[0] {
		var short []string
		for _, x := range facts.steps {
			if x <= int64(e.MinSteps) {
				short = append(short, strconv.FormatInt(x, 10))
			}
		}
		l.errAt(at, "early_stop.min_steps %d must be less than every trial's steps (some have %s): such a trial ends before it could be stopped", e.MinSteps, strings.Join(short, ", "))
		ok = false
	}
	var off []string
	for _, x := range facts.evalEvery {
		if int64(e.MinSteps)%x != 0 {
			off = append(off, strconv.FormatInt(x, 10))
		}
	}
	if len(off) > 0 {
		l.errAt(at, "early_stop.min_steps %d is not a multiple of eval_every (%s): the runner decides on the workers' eval events, which come every eval_every steps", e.MinSteps, strings.Join(off, ", "))
		ok = false
	}
	most := 0
	for _, n := range facts.groupSizes {
		most = max(most, n)
	}
	if most < 2 {
		gat := "early_stop.group_by"
		if !l.posKnown(gat) {
			gat = "early_stop"
		}
		by := "the axes " + strings.Join(e.GroupBy, ", ")
		if len(e.GroupBy) == 0 {
			by = "nothing"
		}
		l.errAt(gat, "early_stop: nothing to compare within a group: grouped by %s, every group holds one trial; vary an axis outside group_by (an lr grid, sampled hyper-parameters) or group by fewer axes", by)
		ok = false
	}
	if !ok {
		s.earlyStop = nil
	}
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// EarlyStopPlan is the early_stop block as a plan shows it.
type EarlyStopPlan struct {
	EarlyStop
	// Rungs are asha's rungs (MinSteps·η^k below the longest trial's
	// steps).
	Rungs []int `json:"rungs,omitempty"`
	// Steps are the trials' distinct steps.
	Steps []int64 `json:"steps,omitempty"`
	// Groups counts the groups; MinGroup and MaxGroup bound their sizes.
	Groups   int `json:"groups"`
	MinGroup int `json:"min_group"`
	MaxGroup int `json:"max_group"`
	// Summary is the rule in one line, as `sweep plan` prints it.
	Summary string `json:"summary"`
}

// MarshalJSON writes the rule's fields in snake case beside the plan's.
func (p EarlyStopPlan) MarshalJSON() ([]byte, error) {
	type out struct {
		Kind      string   `json:"kind"`
		Metric    string   `json:"metric"`
		Goal      string   `json:"goal"`
		MinSteps  int      `json:"min_steps"`
		Reduction int      `json:"reduction,omitempty"`
		MinTrials int      `json:"min_trials,omitempty"`
		GroupBy   []string `json:"group_by"`
		Rungs     []int    `json:"rungs,omitempty"`
		Steps     []int64  `json:"steps,omitempty"`
		Groups    int      `json:"groups"`
		MinGroup  int      `json:"min_group"`
		MaxGroup  int      `json:"max_group"`
		Summary   string   `json:"summary"`
	}
	e := p.EarlyStop
	groupBy := e.GroupBy
	if groupBy == nil {
		groupBy = []string{}
	}
	return json.Marshal(out{e.Kind, e.Metric, e.Goal, e.MinSteps, e.Reduction, e.MinTrials, groupBy, p.Rungs, p.Steps, p.Groups, p.MinGroup, p.MaxGroup, p.Summary})
}

// earlyStopPlan describes the sweep's early_stop block, or nil.
func (s *Sweep) earlyStopPlan() *EarlyStopPlan {
	if s.earlyStop == nil {
		return nil
	}
	facts := s.earlyStopFacts()
	p := &EarlyStopPlan{EarlyStop: *s.EarlyStop(), Steps: facts.steps, Groups: len(facts.groupSizes)}
	for i, n := range facts.groupSizes {
		if i == 0 || n < p.MinGroup {
			p.MinGroup = n
		}
		p.MaxGroup = max(p.MaxGroup, n)
	}
	e := &p.EarlyStop
	longest := int64(0)
	if len(facts.steps) > 0 {
		longest = facts.steps[len(facts.steps)-1]
	}
	if e.Kind == EarlyStopASHA && longest > 0 {
		for r := int64(e.MinSteps); r < longest; r *= int64(e.Reduction) {
			p.Rungs = append(p.Rungs, int(r))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "early stop: %s on validation %s (%s)", e.Kind, e.Metric, e.Goal)
	of := ""
	switch len(facts.steps) {
	case 0:
	case 1:
		of = fmt.Sprintf(" of %d", longest)
	default:
		of = fmt.Sprintf(" of %d to %d", facts.steps[0], longest)
	}
	switch e.Kind {
	case EarlyStopASHA:
		if len(p.Rungs) > 0 {
			rungs := make([]string, len(p.Rungs))
			for i, r := range p.Rungs {
				rungs[i] = strconv.Itoa(r)
			}
			fmt.Fprintf(&b, ", rungs at %s steps%s", strings.Join(rungs, ", "), of)
		} else {
			fmt.Fprintf(&b, ", rungs from step %d on", e.MinSteps)
		}
		fmt.Fprintf(&b, ", η=%d", e.Reduction)
	case EarlyStopMedian:
		fmt.Fprintf(&b, ", from step %d%s, once %d other trials reported", e.MinSteps, of, e.MinTrials)
	}
	if len(e.GroupBy) > 0 {
		fmt.Fprintf(&b, ", groups by %s", strings.Join(e.GroupBy, ", "))
	} else {
		b.WriteString(", one group")
	}
	if p.MinGroup == p.MaxGroup {
		fmt.Fprintf(&b, ": %d %s of %d", p.Groups, plural(p.Groups, "group", "groups"), p.MaxGroup)
	} else {
		fmt.Fprintf(&b, ": %d groups of %d to %d", p.Groups, p.MinGroup, p.MaxGroup)
	}
	p.Summary = b.String()
	return p
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
