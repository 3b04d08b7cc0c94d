package analysis

import (
	"math"
	"sort"
)

// ParetoPoint is one (method, rank) of a task in the plane of trainable
// parameters against test score.
type ParetoPoint struct {
	Method    string  `json:"method"`
	Rank      int     `json:"rank"`
	Trainable int64   `json:"trainable_params"`
	Mean      float64 `json:"mean"`
	Std       float64 `json:"std"`
	N         int     `json:"n_seeds"`
	OnFront   bool    `json:"on_front"`
}

// Front is a task's points, by parameters, with the non-dominated ones
// marked.
type Front struct {
	Task   string        `json:"task"`
	Points []ParetoPoint `json:"points"`
}

// OnFront returns the front's points, by parameters.
func (f Front) OnFront() []ParetoPoint {
	var out []ParetoPoint
	for _, p := range f.Points {
		if p.OnFront {
			out = append(out, p)
		}
	}
	return out
}

// fronts builds each task's front. A point is dominated only if another
// with no more parameters beats it by more than the seed noise, taken as
// the standard deviation of the difference of the two scores,
// sqrt(s₁² + s₂²): a gap inside the noise does not knock a cheaper method
// off the front.
func (a *Analysis) fronts() []Front {
	var out []Front
	for _, t := range a.Tasks {
		f := Front{Task: t.Task}
		for _, c := range a.Cells {
			if c.Task == t.Task && c.Trainable > 0 && c.Test.N > 0 {
				f.Points = append(f.Points, ParetoPoint{Method: c.Method, Rank: c.Rank, Trainable: c.Trainable, Mean: c.Test.Mean, Std: c.Test.Std, N: c.Test.N})
			}
		}
		sort.SliceStable(f.Points, func(i, j int) bool { return f.Points[i].Trainable < f.Points[j].Trainable })
		for i := range f.Points {
			f.Points[i].OnFront = !dominated(f.Points, i, t.Goal)
		}
		out = append(out, f)
	}
	return out
}

func dominated(ps []ParetoPoint, i int, goal string) bool {
	p := ps[i]
	for j, q := range ps {
		if j == i || q.Trainable > p.Trainable {
			continue
		}
		if gain(goal, q.Mean, p.Mean) > math.Hypot(p.Std, q.Std) {
			return true
		}
	}
	return false
}
