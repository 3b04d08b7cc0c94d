package plots

import (
	"context"
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

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

// Curve names: the loss a worker reports in metric events and in eval
// events of the selection split.
const curveMetric = "loss"

// readCurves reads a task's curves from the store.
func readCurves(ctx context.Context, s *results.Store, a *results.Analysis, task results.TaskMetrics) ([]methodCurves, error) {
	var out []methodCurves
	for i, m := range a.Methods {
		seed, rank, ok := a.Representative(task, m)
		if !ok {
			continue
		}
		train, err := s.TrainingCurve(ctx, seed.Attempt, curveMetric)
		if err != nil {
			return nil, err
		}
		eval, err := s.EvalCurve(ctx, seed.Attempt, a.Protocol.Split, curveMetric)
		if err != nil {
			return nil, err
		}
		if len(train)+len(eval) > 0 {
			out = append(out, methodCurves{Method: m, Index: i, Rank: rank, Seed: seed.Seed, Train: train, Eval: eval})
		}
	}
	return out, nil
}

// curvesChart draws training loss (solid) and validation loss (dashed)
// against step, one colour per method at its best rank.
func curvesChart(task results.TaskMetrics, split string, curves []methodCurves, slug string) (Chart, bool, error) {
	if len(curves) == 0 {
		return Chart{}, false, nil
	}
	p := newPlot(taskHeader(task)+": loss curves", "step", curveMetric)
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
