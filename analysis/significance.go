package analysis

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

// Significance is a paired bootstrap of a method's test score against the
// baseline's, over seeds and test examples. Each resample draws the paired
// seeds with replacement and the paired examples with replacement, the same
// draw for both methods; each method's score is its metric computed from
// the drawn examples' summed statistics, per drawn seed, averaged over the
// drawn seeds.
type Significance struct {
	Seeds     int `json:"seeds"`    // paired seeds
	Examples  int `json:"examples"` // paired test examples
	Resamples int `json:"resamples"`
	// Share is the fraction of resamples in which the method beats the
	// baseline in the task's goal direction, a tie counting one half.
	Share float64 `json:"share"`
	// Beyond says the difference is beyond noise: Share ≥ SignificanceLevel
	// or ≤ 1 − SignificanceLevel.
	Beyond bool `json:"beyond_noise"`
}

// Paired-bootstrap settings: a fixed number of resamples and a generator
// seeded from a fixed seed and the pair of cells, so a report is the same
// every time it is written.
const (
	SignificanceResamples = 1000
	SignificanceLevel     = 0.95
	significanceSeed      = 0x5e9ab007
)

// scoreStatsOptions convert stored statistics as the runner scored them:
// only options acting on sums matter, and the runner's are the defaults.
var scoreStatsOptions = metrics.Options{}

// exampleIndex finds each attempt's per-example statistics.
type exampleIndex map[int64][]results.AttemptExamples

func newExampleIndex(xs []results.AttemptExamples) exampleIndex {
	idx := exampleIndex{}
	for _, x := range xs {
		idx[x.Attempt] = append(idx[x.Attempt], x)
	}
	return idx
}

// find returns an attempt's statistics whose metric has the value key,
// or nil.
func (idx exampleIndex) find(attempt int64, key string) *results.AttemptExamples {
	for i := range idx[attempt] {
		x := &idx[attempt][i]
		if len(x.Stats) == 0 {
			continue
		}
		v, err := metrics.StatsValues(x.Metric, metrics.SumStats(toStats(x.Stats)), scoreStatsOptions)
		if err != nil {
			continue
		}
		if _, ok := v[key]; ok {
			return x
		}
	}
	return nil
}

func toStats(xs [][]float64) []metrics.Stats {
	out := make([]metrics.Stats, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// pairedSide is one method's statistics over the paired seeds and
// examples: stats[seed][example*width+j] is statistic j of an example.
type pairedSide struct {
	metric string
	width  int
	stats  [][]float64
}

// significance runs the paired bootstrap of cell c against base on task's
// reported metric; nil when they share no seed with statistics or no
// example.
func (a *Analysis) significance(task TaskMetrics, c, base *Cell) *Significance {
	if a.examples == nil || c == nil || base == nil || c == base {
		return nil
	}
	key := task.Metric
	byseed := map[int64]*results.AttemptExamples{}
	for _, s := range base.Seeds {
		if x := a.examples.find(s.Attempt, key); x != nil {
			byseed[s.Seed] = x
		}
	}
	var mine, theirs []*results.AttemptExamples
	for _, s := range c.Seeds {
		b := byseed[s.Seed]
		x := a.examples.find(s.Attempt, key)
		if b == nil || x == nil || b.Metric != x.Metric {
			continue
		}
		mine, theirs = append(mine, x), append(theirs, b)
	}
	if len(mine) == 0 {
		return nil
	}
	// The examples every paired attempt has.
	count := map[string]int{}
	for _, x := range append(append([]*results.AttemptExamples(nil), mine...), theirs...) {
		for _, id := range x.IDs {
			count[id]++
		}
	}
	var ids []string
	for id, n := range count {
		if n == 2*len(mine) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	side := func(xs []*results.AttemptExamples) (pairedSide, bool) {
		p := pairedSide{metric: xs[0].Metric, width: len(xs[0].Stats[0]), stats: make([][]float64, len(xs))}
		for k, x := range xs {
			pos := make(map[string]int, len(x.IDs))
			for i, id := range x.IDs {
				pos[id] = i
			}
			p.stats[k] = make([]float64, 0, len(ids)*p.width)
			for _, id := range ids {
				st := x.Stats[pos[id]]
				if len(st) != p.width {
					return p, false
				}
				p.stats[k] = append(p.stats[k], st...)
			}
		}
		return p, true
	}
	x, ok1 := side(mine)
	y, ok2 := side(theirs)
	if !ok1 || !ok2 {
		return nil
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00%d", c.Task, c.Method, c.Rank, base.Method, base.Rank)
	share, ok := pairedBootstrap(x, y, len(ids), key, task.Goal, SignificanceResamples, rand.New(rand.NewPCG(significanceSeed, h.Sum64())))
	if !ok {
		return nil
	}
	return &Significance{Seeds: len(mine), Examples: len(ids), Resamples: SignificanceResamples, Share: share,
		Beyond: share >= SignificanceLevel || share <= 1-SignificanceLevel}
}

// pairedBootstrap returns the share of n resamples in which x beats y on
// key (ties count one half); false when a resample cannot be scored.
func pairedBootstrap(x, y pairedSide, examples int, key, goal string, n int, rng *rand.Rand) (float64, bool) {
	seeds := len(x.stats)
	drawn := make([]float64, examples) // how often each example is drawn
	sumX, sumY := make(metrics.Stats, x.width), make(metrics.Stats, y.width)
	// A seed drawn twice in a resample is scored once.
	scored := make([]bool, seeds)
	valX, valY := make([]float64, seeds), make([]float64, seeds)
	score := func(p pairedSide, seed int, sum metrics.Stats) (float64, bool) {
		clear(sum)
		row := p.stats[seed]
		for e, k := range drawn {
			if k == 0 {
				continue
			}
			for j, v := range row[e*p.width : (e+1)*p.width] {
				sum[j] += k * v
			}
		}
		v, err := metrics.StatsValues(p.metric, sum, scoreStatsOptions)
		if err != nil {
			return 0, false
		}
		return v[key], true
	}
	wins := 0.0
	for range n {
		clear(drawn)
		clear(scored)
		for range examples {
			drawn[rng.IntN(examples)]++
		}
		var mx, my float64
		for range seeds {
			s := rng.IntN(seeds)
			if !scored[s] {
				var ok1, ok2 bool
				valX[s], ok1 = score(x, s, sumX)
				valY[s], ok2 = score(y, s, sumY)
				if !ok1 || !ok2 {
					return 0, false
				}
				scored[s] = true
			}
			mx += valX[s]
			my += valY[s]
		}
		mx /= float64(seeds)
		my /= float64(seeds)
		switch {
		case better(goal, mx, my):
			wins++
		case mx == my:
			wins += 0.5
		}
	}
	return wins / float64(n), true
}
