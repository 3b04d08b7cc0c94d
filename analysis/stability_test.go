package analysis

import (
	"slices"
	"strings"
	"testing"
)

// analysisOf builds an analysis of one task from mean test scores by
// method and rank, each with the given seed spread.
func analysisOf(ranks []int, std float64, means map[string][]float64) *Analysis {
	a := &Analysis{Baseline: "lora", Epsilon: 0.02, Ranks: ranks, index: map[cellKey]*Cell{},
		Tasks: []TaskMetrics{{Task: "t", Metric: "m", Goal: "max"}}}
	for _, m := range []string{"lora", "tl6", "tl4", "tl1"} {
		xs, ok := means[m]
		if !ok {
			continue
		}
		a.Methods = append(a.Methods, m)
		for i, r := range ranks {
			c := &Cell{Task: "t", Method: m, Rank: r}
			if xs[i] >= 0 {
				c.Test = Stat{N: 3, Mean: xs[i], Std: std}
			}
			a.index[cellKey{"t", m, r}] = c
			a.Cells = append(a.Cells, c)
		}
	}
	return a
}

func TestStabilityVerdicts(t *testing.T) {
	a := analysisOf([]int{2, 8, 32, 128}, 0.35, map[string][]float64{
		"lora": {80, 81, 80.5, 79},
		"tl6":  {80, 80.2, 80.1, 79.9},
		"tl4":  {78, 77, 60, 40},
		"tl1":  {-1, 70, -1, -1},
	})
	byMethod := map[string]Stability{}
	for _, s := range a.stability() {
		byMethod[s.Method] = s
	}
	tests := []struct {
		method   string
		best     int
		dropRank int
		within   []int
		verdict  []string
	}{
		// 79 is 2.47 % below 81: more than ε and the seed noise.
		{"lora", 8, 128, []int{2, 8, 32}, []string{"rank-sensitive: best at r=8, 2.47 % lower at r=128", "the baseline"}},
		{"tl6", 8, 128, []int{2, 8, 32, 128}, []string{"stable: every rank within seed noise of its best (r=8)", "within 2 % of lora's best at every rank"}},
		{"tl4", 2, 128, nil, []string{"rank-sensitive: best at r=2, 48.7 % lower at r=128", "never within 2 % of lora's best (-3.7 % at best)"}},
		{"tl1", 8, 8, nil, []string{"one rank only (r=8)"}},
	}
	for _, tt := range tests {
		s := byMethod[tt.method]
		if s.BestRank != tt.best || s.DropRank != tt.dropRank || !slices.Equal(s.WithinEps, tt.within) {
			t.Errorf("%s: got best r=%d, drop at r=%d, within %v; want r=%d, r=%d, %v", tt.method, s.BestRank, s.DropRank, s.WithinEps, tt.best, tt.dropRank, tt.within)
		}
		for _, w := range tt.verdict {
			if !strings.Contains(s.Verdict, w) {
				t.Errorf("%s: got verdict %q, want it to say %q", tt.method, s.Verdict, w)
			}
		}
	}
}

func fmtInts(xs []int) string {
	return strings.Trim(strings.Join(strings.Fields(strings.Trim(joinInts(xs), "")), " "), " ")
}
