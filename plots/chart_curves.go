package plots

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// methodCurves are the training and validation loss of the attempt that
// stands for a method on a task.
type methodCurves struct {
	Method      string
	Index       int // in the sweep's method order, for the style
	Rank        int
	Seed        int64
	Train, Eval []results.Point
}

// taskCurves are a task's curves, one per method that has a
// representative attempt with points.
func taskCurves(a *analysis.Analysis, task analysis.TaskMetrics, curves map[int64]results.Curves) []methodCurves {
	var out []methodCurves
	for _, r := range a.Representatives {
		if r.Task != task.Task {
			continue
		}
		c := curves[r.Attempt]
		if len(c.Train)+len(c.Eval) > 0 {
			out = append(out, methodCurves{Method: r.Method, Index: r.Index, Rank: r.Rank, Seed: r.Seed, Train: c.Train, Eval: c.Eval})
		}
	}
	return out
}

// curvesChart draws training loss (solid) and validation loss (dashed)
// against step, one colour per method at its best rank.
func curvesChart(task analysis.TaskMetrics, split string, curves []methodCurves, slug string) (Chart, bool, error) {
	if len(curves) == 0 {
		return Chart{}, false, nil
	}
	p := newPlot(taskHeader(task)+": loss curves", "step", analysis.CurveMetric)
	l := newLegend()
	xys := func(ps []results.Point) plotter.XYs {
		out := make(plotter.XYs, len(ps))
		for i, pt := range ps {
			out[i] = plotter.XY{X: float64(pt.Step), Y: pt.Value}
		}
		return out
	}
	for _, mc := range curves {
		clr, _ := methodStyle(mc.Index)
		var thumb *plotter.Line
		for _, c := range []struct {
			pts    []results.Point
			dashes []vg.Length
		}{{mc.Train, nil}, {mc.Eval, dashes}} {
			if len(c.pts) == 0 {
				continue
			}
			line, err := plotter.NewLine(xys(c.pts))
			if err != nil {
				return Chart{}, false, err
			}
			line.Color, line.Width, line.Dashes = clr, thinLine, c.dashes
			p.Add(line)
			if thumb == nil {
				thumb = line
			}
		}
		l.Add(fmt.Sprintf("%s (r=%d, seed %d)", mc.Method, mc.Rank, mc.Seed), thumb)
	}
	for _, k := range []struct {
		name   string
		dashes []vg.Length
	}{{"training", nil}, {split, dashes}} {
		line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
		if err != nil {
			return Chart{}, false, err
		}
		line.Color, line.Width, line.Dashes = grey, thinLine, k.dashes
		l.Add(k.name, line)
	}
	return Chart{Name: "curves-" + slug, Title: "Training and " + split + " loss: " + taskHeader(task),
		W: 14*vg.Centimeter + l.Width(), H: 10 * vg.Centimeter,
		Draw: func(c draw.Canvas) { withLegend(c, p, l) }}, true, nil
}
