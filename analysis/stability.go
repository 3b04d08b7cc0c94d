package analysis

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RankScore is a method's test score at one rank.
type RankScore struct {
	Rank int  `json:"rank"`
	Test Stat `json:"test"`
}

// Stability is the rank-stability analysis of one method on one task: the
// paper's finding that TL6 holds its score across ranks while TL3 and TL4
// fall at high ranks, measured.
type Stability struct {
	Task   string      `json:"task"`
	Method string      `json:"method"`
	Points []RankScore `json:"points"` // ranks with at least one seed
	// BestRank and Best: the best mean test score over ranks.
	BestRank int     `json:"best_rank"`
	Best     float64 `json:"best"`
	// Range is the largest mean minus the smallest.
	Range float64 `json:"range"`
	// Drop is the largest fall from Best, at DropRank, and DropPct the
	// same as a percentage of |Best|.
	Drop     float64 `json:"drop"`
	DropRank int     `json:"drop_rank"`
	DropPct  float64 `json:"drop_pct"`
	// Noise is the largest seed standard deviation over the ranks.
	Noise float64 `json:"noise"`
	// BaselineBest is the baseline method's best mean on this task (NaN
	// without one); WithinEps lists the ranks where this method is within
	// Epsilon·|BaselineBest| of it, or better.
	BaselineBest float64 `json:"baseline_best"`
	BaselineRank int     `json:"baseline_rank"`
	WithinEps    []int   `json:"within_eps"`
	Verdict      string  `json:"verdict"`
}

func (a *Analysis) stability() []Stability {
	var out []Stability
	for _, t := range a.Tasks {
		goal := t.Goal
		base := a.methodStability(t.Task, a.Baseline, goal)
		for _, m := range a.Methods {
			s := a.methodStability(t.Task, m, goal)
			s.BaselineBest, s.BaselineRank = math.NaN(), 0
			if len(base.Points) > 0 {
				s.BaselineBest, s.BaselineRank = base.Best, base.BestRank
				for _, p := range s.Points {
					if gain(goal, p.Test.Mean, base.Best) >= -a.Epsilon*math.Abs(base.Best) {
						s.WithinEps = append(s.WithinEps, p.Rank)
					}
				}
			}
			s.Verdict = a.verdict(&s, goal)
			out = append(out, s)
		}
	}
	return out
}

// methodStability fills everything but the comparison with the baseline.
func (a *Analysis) methodStability(task, method, goal string) Stability {
	s := Stability{Task: task, Method: method, Best: math.NaN(), Range: math.NaN(), Drop: math.NaN(), DropPct: math.NaN()}
	for _, r := range a.Ranks {
		c := a.Cell(task, method, r)
		if c == nil || c.Test.N == 0 {
			continue
		}
		s.Points = append(s.Points, RankScore{Rank: r, Test: c.Test})
	}
	if len(s.Points) == 0 {
		return s
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	best := s.Points[0]
	for _, p := range s.Points {
		lo, hi = math.Min(lo, p.Test.Mean), math.Max(hi, p.Test.Mean)
		if better(goal, p.Test.Mean, best.Test.Mean) {
			best = p
		}
		s.Noise = math.Max(s.Noise, p.Test.Std)
	}
	s.BestRank, s.Best, s.Range = best.Rank, best.Test.Mean, hi-lo
	s.Drop, s.DropRank = 0, best.Rank
	for _, p := range s.Points {
		if d := gain(goal, best.Test.Mean, p.Test.Mean); d > s.Drop {
			s.Drop, s.DropRank = d, p.Rank
		}
	}
	s.DropPct = 0
	if best.Test.Mean != 0 {
		s.DropPct = 100 * s.Drop / math.Abs(best.Test.Mean)
	}
	return s
}

// verdict says in one line how the method behaves across ranks and how it
// compares with the baseline's best.
func (a *Analysis) verdict(s *Stability, goal string) string {
	switch len(s.Points) {
	case 0:
		return "no results yet"
	case 1:
		return fmt.Sprintf("one rank only (r=%d): stability unknown", s.Points[0].Rank) + a.versus(s, goal)
	}
	var b strings.Builder
	tol := math.Max(a.Epsilon*math.Abs(s.Best), s.Noise)
	switch {
	case s.Drop <= s.Noise:
		fmt.Fprintf(&b, "stable: every rank within seed noise of its best (r=%d)", s.BestRank)
	case s.Drop <= tol:
		fmt.Fprintf(&b, "stable: within %s %% of its best (r=%d) at every rank", num(s.DropPct), s.BestRank)
	default:
		fmt.Fprintf(&b, "rank-sensitive: best at r=%d, %s %% lower at r=%d", s.BestRank, num(s.DropPct), s.DropRank)
	}
	return b.String() + a.versus(s, goal)
}

func (a *Analysis) versus(s *Stability, goal string) string {
	switch {
	case s.Method == a.Baseline:
		return "; the baseline"
	case math.IsNaN(s.BaselineBest):
		return fmt.Sprintf("; no %s results to compare", a.Baseline)
	case len(s.WithinEps) == len(s.Points):
		return fmt.Sprintf("; within %s %% of %s's best at every rank", num(100*a.Epsilon), a.Baseline)
	case len(s.WithinEps) > 0:
		return fmt.Sprintf("; within %s %% of %s's best at r=%s", num(100*a.Epsilon), a.Baseline, joinInts(s.WithinEps))
	}
	gap := gain(goal, s.Best, s.BaselineBest)
	pct := 0.0
	if s.BaselineBest != 0 {
		pct = 100 * gap / math.Abs(s.BaselineBest)
	}
	return fmt.Sprintf("; never within %s %% of %s's best (%s %% at best)", num(100*a.Epsilon), a.Baseline, num(pct))
}

// num prints a number with three significant digits.
func num(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
