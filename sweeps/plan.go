package sweeps

import "github.com/tiedlora/tiedlora-sweep/trainer"

// Plan is what `sweep plan` shows: the trials and what they add up to.
type Plan struct {
	Sweep    string        `json:"sweep"`
	FileHash string        `json:"file_hash"`
	Model    *trainer.Arch `json:"model,omitempty"`
	Worker   Worker        `json:"worker"`
	Executor Executor      `json:"executor"`
	Axes     []AxisInfo    `json:"axes"`
	// Grid lists the dimensions that cross: each axis alone, or a zip
	// group of axes that vary together.
	Grid   []GridDim `json:"grid"`
	Trials []Trial   `json:"trials"`
	Totals Totals    `json:"totals"`
	// EarlyStop is the early_stop block, with its rungs and groups (nil
	// without one).
	EarlyStop *EarlyStopPlan `json:"early_stop,omitempty"`
	// Samples are the sampled hyper-parameters, their distributions and
	// the number of points (nil without samples).
	Samples *SamplesPlan `json:"samples,omitempty"`
}

// AxisInfo describes one axis; Default marks a worker default that the
// file does not set.
type AxisInfo struct {
	Name    string `json:"name"`
	Values  []any  `json:"values"`
	Default bool   `json:"default,omitempty"`
	// Derived is how a default that scales with the run is computed
	// ("steps/20"); Values are then the values it takes.
	Derived string `json:"derived,omitempty"`
	// ByMethod are the values of each method when the file gives them
	// per method ("default" for the others); Values are their union.
	ByMethod map[string][]any `json:"by_method,omitempty"`
	// Sampled is the distribution of a sampled hyper-parameter; Values
	// are then the drawn values, point by point.
	Sampled *Distribution `json:"sampled,omitempty"`
}

// GridDim is one crossing dimension of a plan.
type GridDim struct {
	Axes []string `json:"axes"`
	// Size is the number of values; with PerMethod, of their union.
	Size int `json:"size"`
	// PerMethod says an axis of the dimension is given per method
	// (by_method): each method crosses only its own values.
	PerMethod bool `json:"per_method,omitempty"`
	// Sampled says the dimension is the sampled hyper-parameters, Size
	// their points.
	Sampled bool `json:"sampled,omitempty"`
}

// Totals sums a plan up.
type Totals struct {
	Trials int `json:"trials"`
	// Excluded counts the trials the file's exclude rules remove (what
	// per-method lists leave out was never a trial).
	Excluded int            `json:"excluded"`
	ByTask   map[string]int `json:"by_task,omitempty"`
	ByMethod map[string]int `json:"by_method,omitempty"`
	// MinTrainable and MaxTrainable bound the per-trial budget.
	MinTrainable int64 `json:"min_trainable,omitempty"`
	MaxTrainable int64 `json:"max_trainable,omitempty"`
	// Steps is the sum of the trials' optimizer steps, a cost estimate
	// (a reference method's trials take none).
	Steps int64 `json:"steps,omitempty"`
}

// Plan expands the sweep and sums it up.
func (s *Sweep) Plan() Plan {
	p := Plan{Sweep: s.File.Name, FileHash: s.Hash, Worker: s.File.Worker, Executor: s.File.Executor}
	if s.HasModel() {
		a := s.Arch
		p.Model = &a
	}
	for _, a := range s.axes {
		info := AxisInfo{Name: a.name, Values: a.values, Default: a.implicit, ByMethod: a.perMethod, Sampled: a.sampled}
		if a.derived != nil {
			info.Derived = a.derived.Formula()
		}
		p.Axes = append(p.Axes, info)
	}
	for _, g := range s.groups {
		dim := GridDim{Size: len(s.axes[g[0]].values)}
		for _, ai := range g {
			dim.Axes = append(dim.Axes, s.axes[ai].name)
			dim.PerMethod = dim.PerMethod || s.axes[ai].perMethod != nil
			dim.Sampled = dim.Sampled || s.axes[ai].sampled != nil
		}
		p.Grid = append(p.Grid, dim)
	}
	p.Trials = s.Trials()
	p.EarlyStop = s.earlyStopPlan()
	p.Samples = s.samplesPlan()
	t := &p.Totals
	t.Trials = len(p.Trials)
	s.walk(s.restricted, func([]int) { t.Excluded++ })
	t.Excluded -= t.Trials
	counted := false
	for i := range p.Trials {
		tr := &p.Trials[i]
		if tr.Task != nil {
			if t.ByTask == nil {
				t.ByTask = map[string]int{}
			}
			t.ByTask[tr.Task.Name]++
		}
		if tr.Method != nil {
			if t.ByMethod == nil {
				t.ByMethod = map[string]int{}
			}
			t.ByMethod[tr.Method.Name]++
		}
		if tr.Params != nil {
			n := tr.Params.Trainable
			if !counted || n < t.MinTrainable {
				t.MinTrainable = n // base's 0 is a minimum too
			}
			t.MaxTrainable = max(t.MaxTrainable, n)
			counted = true
		}
		if v, ok := tr.HParam("steps"); ok && (tr.Method == nil || !tr.Method.Reference) {
			if n, ok := v.(int64); ok {
				t.Steps += n // a reference method takes no step
			}
		}
	}
	return p
}
