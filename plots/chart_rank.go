package plots

import (
	"math"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// rankChart draws a task's score against rank (log₂ axis), one line per
// method with the seeds' standard deviation as error bars: the
// rank-stability report as a picture.
func rankChart(a *analysis.Analysis, task analysis.TaskMetrics, slug string) (Chart, bool, error) {
	p := newPlot(taskHeader(task), "rank (log scale)", "test "+task.Metric)
	l := newLegend()
	drawn := false
	for i, m := range a.Methods {
		var xys plotter.XYs
		var errs plotter.YErrors
		for _, s := range a.Stability {
			if s.Task != task.Task || s.Method != m {
				continue
			}
			for _, pt := range s.Points {
				xys = append(xys, plotter.XY{X: float64(pt.Rank), Y: pt.Test.Mean})
				errs = append(errs, struct{ Low, High float64 }{pt.Test.Std, pt.Test.Std})
			}
		}
		if len(xys) == 0 {
			continue
		}
		drawn = true
		if err := addSeries(p, l, m, i, xys, errs, nil); err != nil {
			return Chart{}, false, err
		}
	}
	if !drawn || len(a.Ranks) == 0 || a.Ranks[0] <= 0 {
		return Chart{}, false, nil
	}
	lo, hi := float64(a.Ranks[0]), float64(a.Ranks[len(a.Ranks)-1])
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = rankTicks(a.Ranks)
	p.X.Min, p.X.Max = lo/math.Sqrt2, hi*math.Sqrt2
	if err := addBaseline(p, a, task, l, p.X.Min, p.X.Max); err != nil {
		return Chart{}, false, err
	}
	return Chart{Name: "rank-" + slug, Title: "Test score versus rank: " + taskHeader(task),
		W: 14*vg.Centimeter + l.Width(), H: 10 * vg.Centimeter,
		Draw: func(c draw.Canvas) { withLegend(c, p, l) }}, true, nil
}
