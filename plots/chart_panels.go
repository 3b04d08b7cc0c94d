package plots

import (
	"fmt"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panelsChart puts every task's parameters-versus-score plot on one page,
// two to a row, with one legend for all of them.
func panelsChart(a *analysis.Analysis) (Chart, bool, error) {
	var ps []*plot.Plot
	for _, t := range a.Tasks {
		p, err := paramsPlot(a, t, nil)
		if err != nil {
			return Chart{}, false, err
		}
		if p != nil {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return Chart{}, false, nil
	}
	// Methods are styled alike in every panel: one legend serves all.
	l, err := sharedLegend(a)
	if err != nil {
		return Chart{}, false, err
	}
	cols := min(2, len(ps))
	rows := (len(ps) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range cols {
			if k := i*cols + j; k < len(ps) {
				grid[i][j] = ps[k]
			}
		}
	}
	w := vg.Length(cols)*11*vg.Centimeter + l.Width()
	h := vg.Length(rows) * 8.5 * vg.Centimeter
	return Chart{Name: "panels", Title: fmt.Sprintf("Trainable parameters versus test score, all %d tasks", len(ps)), W: w, H: h,
		Draw: func(c draw.Canvas) {
			area := draw.Crop(c, 0, -l.Width(), 0, 0)
			tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
			canvases := plot.Align(grid, tiles, area)
			for i := range grid {
				for j, p := range grid[i] {
					if p != nil {
						p.Draw(canvases[i][j])
					}
				}
			}
			l.Draw(draw.Crop(c, c.Max.X-c.Min.X-l.Width()+0.3*vg.Centimeter, 0, 0, -0.8*vg.Centimeter))
		}}, true, nil
}

// sharedLegend lists every method, the front and the baseline line.
func sharedLegend(a *analysis.Analysis) (*legend, error) {
	l := newLegend()
	for i, m := range a.Methods {
		line, points, err := plotter.NewLinePoints(plotter.XYs{{X: 1, Y: 1}})
		if err != nil {
			return l, err
		}
		clr, glyph := methodStyle(i)
		line.Color, line.Width = clr, thinLine
		points.Color, points.Shape, points.Radius = clr, glyph, vg.Points(3.5)
		l.Add(m, line, points)
	}
	front, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}})
	if err != nil {
		return l, err
	}
	front.Color, front.Width = frontGrey, vg.Points(6)
	l.Add("Pareto front", front)
	base, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}})
	if err != nil {
		return l, err
	}
	base.Color, base.Dashes, base.Width = grey, dashes, thinLine
	l.Add(a.Baseline+" best", base)
	return l, nil
}
