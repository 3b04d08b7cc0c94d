package plots

import (
	"fmt"
	"image/color"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// statusColors colour the completeness matrix; the counts printed in each
// cell carry the same information without colour.
var statusColors = map[string]color.Color{
	"done":    color.RGBA{0x8c, 0xd1, 0x7d, 0xff},
	"partial": color.RGBA{0xf1, 0xce, 0x63, 0xff},
	"failed":  color.RGBA{0xe1, 0x57, 0x59, 0xff},
	"missing": color.RGBA{0xd9, 0xd9, 0xd9, 0xff},
}

var statusOrder = []string{"done", "partial", "failed", "missing"}

// matrix is a plot.Plotter of the completeness matrix: a row per task and
// method, a column per rank, each cell coloured by status and labelled
// done/planned trials.
type matrix struct {
	cells [][]*analysis.Cell // [row][col], nil: not in the sweep
	style text.Style
}

func (m matrix) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for i, row := range m.cells {
		for j, cell := range row {
			x0, x1 := tx(float64(j)-0.46), tx(float64(j)+0.46)
			y0, y1 := ty(float64(i)-0.44), ty(float64(i)+0.44)
			rect := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
			label := "—"
			if cell != nil {
				c.FillPolygon(statusColors[cell.Status()], rect)
				label = fmt.Sprintf("%d/%d", cell.Done, cell.Trials)
				if cell.Failed > 0 {
					label += fmt.Sprintf(" (%df)", cell.Failed)
				}
				if cell.Pruned > 0 {
					label += fmt.Sprintf(" (%dp)", cell.Pruned)
				}
			}
			c.FillText(m.style, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, label)
		}
	}
}

func (m matrix) DataRange() (xmin, xmax, ymin, ymax float64) {
	cols := 0
	if len(m.cells) > 0 {
		cols = len(m.cells[0])
	}
	return -0.5, float64(cols) - 0.5, -0.5, float64(len(m.cells)) - 0.5
}

// swatch is a legend thumbnail of one colour.
type swatch struct{ color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.Color, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}

// completenessChart draws which (task, method, rank) cells are done,
// partial, failed or missing.
func completenessChart(a *analysis.Analysis) (Chart, bool) {
	if len(a.Cells) == 0 {
		return Chart{}, false
	}
	p := basePlot("Completeness: trials scored / planned, (nf): n failed, (np): n pruned", "", "")
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.LineStyle.Width, ax.Tick.LineStyle.Width = 0, 0
	}
	m := matrix{style: text.Style{Font: font.From(sans, 7), XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler, Color: color.Black}}
	var yt, xt plot.ConstantTicks
	for _, t := range a.Tasks {
		for _, meth := range a.Methods {
			row := make([]*analysis.Cell, len(a.Ranks))
			for j, r := range a.Ranks {
				row[j] = a.Cell(t.Task, meth, r)
			}
			yt = append(yt, plot.Tick{Value: float64(len(m.cells)), Label: t.Task + " · " + meth})
			m.cells = append(m.cells, row)
		}
	}
	// The first task at the top.
	for i, j := 0, len(m.cells)-1; i < j; i, j = i+1, j-1 {
		m.cells[i], m.cells[j] = m.cells[j], m.cells[i]
	}
	for k := range yt {
		yt[k].Value = float64(len(m.cells) - 1 - k)
	}
	for j, r := range a.Ranks {
		xt = append(xt, plot.Tick{Value: float64(j), Label: fmt.Sprintf("r=%d", r)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	p.X.Padding, p.Y.Padding = 0, 0
	p.Add(m)
	l := newLegend()
	for _, s := range statusOrder {
		l.Add(s, swatch{statusColors[s]})
	}
	h := vg.Length(len(m.cells))*0.55*vg.Centimeter + 3*vg.Centimeter
	w := vg.Length(len(a.Ranks))*2.2*vg.Centimeter + 6*vg.Centimeter + l.Width()
	return Chart{Name: "completeness", Title: "Completeness of the sweep: task × method × rank", W: w, H: h,
		Draw: func(c draw.Canvas) { withLegend(c, p, l) }}, true
}
