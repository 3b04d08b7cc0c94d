package plots

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// countTicks marks a log axis of parameter counts at powers of ten (33K,
// 100K, 1M), and also at 2 and 5 times them when the data spans less than
// two decades, so a narrow axis still has labels to read.
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return nil
	}
	labelAll := math.Log10(hi/lo) < 2
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (labelAll && (m == 2 || m == 5)) {
				t.Label = shortCount(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// rankTicks labels a log₂ rank axis at the ranks the sweep has.
func rankTicks(ranks []int) plot.ConstantTicks {
	var ts plot.ConstantTicks
	for _, r := range ranks {
		ts = append(ts, plot.Tick{Value: float64(r), Label: strconv.Itoa(r)})
	}
	return ts
}
