package plots

import (
	"fmt"
	"math"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// paramsPlot draws a task's parameters-versus-score plane: one series per
// method through its ranks, seed spread as error bars, points labelled by
// rank, the Pareto front, and the baseline's best score as a dashed line.
// It returns nil when the task has no point with a parameter count.
func paramsPlot(a *analysis.Analysis, task analysis.TaskMetrics, legend *legend) (*plot.Plot, error) {
	var front analysis.Front
	for _, f := range a.Fronts {
		if f.Task == task.Task {
			front = f
		}
	}
	if len(front.Points) == 0 {
		return nil, nil
	}
	p := newPlot(taskHeader(task), "trainable parameters (log scale)", "test "+task.Metric)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = countTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pt := range front.Points {
		lo, hi = math.Min(lo, float64(pt.Trainable)), math.Max(hi, float64(pt.Trainable))
	}
	p.X.Min, p.X.Max = lo/1.8, hi*1.8

	var fx plotter.XYs
	for _, pt := range front.OnFront() {
		fx = append(fx, plotter.XY{X: float64(pt.Trainable), Y: pt.Mean})
	}
	if len(fx) > 0 {
		l, err := plotter.NewLine(stairs(fx))
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = frontGrey, vg.Points(6)
		p.Add(l)
		if legend != nil {
			legend.Add("Pareto front", l)
		}
	}
	if err := addBaseline(p, a, task, legend, lo/1.8, hi*1.8); err != nil {
		return nil, err
	}
	for i, m := range a.Methods {
		var xys plotter.XYs
		var errs plotter.YErrors
		var labels []string
		for _, pt := range front.Points {
			if pt.Method == m {
				xys = append(xys, plotter.XY{X: float64(pt.Trainable), Y: pt.Mean})
				errs = append(errs, struct{ Low, High float64 }{pt.Std, pt.Std})
				labels = append(labels, fmt.Sprintf("r=%d", pt.Rank))
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addSeries(p, legend, m, i, xys, errs, labels); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addSeries adds one method's points, line, error bars and labels.
func addSeries(p *plot.Plot, legend *legend, name string, i int, xys plotter.XYs, errs plotter.YErrors, labels []string) error {
	clr, glyph := methodStyle(i)
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.Color, line.Width = clr, thinLine
	points.Color, points.Shape, points.Radius = clr, glyph, vg.Points(3.5)
	p.Add(line, points)
	if errs != nil {
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xys, errs})
		if err != nil {
			return err
		}
		eb.Color, eb.Width = clr, thinLine
		p.Add(eb)
	}
	// Labels alternate above and below their points, so that neighbouring
	// ranks of a flat series do not print over each other.
	for k, dy := range []vg.Length{vg.Points(3), vg.Points(-9)} {
		var lxy plotter.XYs
		var ls []string
		for j := k; j < len(labels); j += 2 {
			lxy, ls = append(lxy, xys[j]), append(ls, labels[j])
		}
		if len(ls) == 0 {
			continue
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: ls})
		if err != nil {
			return err
		}
		for k := range lb.TextStyle {
			lb.TextStyle[k].Font = font.From(sans, 7)
			lb.TextStyle[k].Color = clr
		}
		lb.Offset = vg.Point{X: vg.Points(4), Y: dy}
		p.Add(lb)
	}
	if legend != nil {
		legend.Add(name, line, points)
	}
	return nil
}

// addBaseline draws the baseline method's best score on the task as a
// dashed horizontal line from x0 to x1.
func addBaseline(p *plot.Plot, a *analysis.Analysis, task analysis.TaskMetrics, legend *legend, x0, x1 float64) error {
	for _, s := range a.Stability {
		if s.Task != task.Task || s.Method != a.Baseline || len(s.Points) == 0 {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: s.Best}, {X: x1, Y: s.Best}})
		if err != nil {
			return err
		}
		l.Color, l.Dashes, l.Width = grey, dashes, thinLine
		p.Add(l)
		if legend != nil {
			legend.Add(fmt.Sprintf("%s best (r=%d)", a.Baseline, s.BestRank), l)
		}
	}
	return nil
}

// stairs turns front points into the staircase the front is: flat until
// the next point with more parameters does better.
func stairs(xys plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for i, xy := range xys {
		if i > 0 {
			out = append(out, plotter.XY{X: xy.X, Y: xys[i-1].Y})
		}
		out = append(out, xy)
	}
	return out
}

// paramsChart is the per-task chart with its legend beside it.
func paramsChart(a *analysis.Analysis, task analysis.TaskMetrics, slug string) (Chart, bool, error) {
	l := newLegend()
	p, err := paramsPlot(a, task, l)
	if err != nil || p == nil {
		return Chart{}, false, err
	}
	return Chart{Name: "params-" + slug, Title: "Trainable parameters versus test score: " + taskHeader(task),
		W: 14*vg.Centimeter + l.Width(), H: 11 * vg.Centimeter,
		Draw: func(c draw.Canvas) { withLegend(c, p, l) }}, true, nil
}
