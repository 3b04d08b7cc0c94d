package plots

import (
	"bytes"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure: drawn once into each format.
type Chart struct {
	// Name is the file name without extension (params-squad).
	Name string
	// Title describes it, for alt text and headings.
	Title string
	W, H  vg.Length
	Draw  func(draw.Canvas)
}

// sans is the charts' font. SVG text names its family, with generic
// fallbacks added by SVG, so nothing is embedded or fetched.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// cssFamily replaces vgsvg's bare family name: the same metrics where
// Liberation Sans or its clones are installed, sans-serif elsewhere.
const cssFamily = `font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;`

// SVG renders the chart as a standalone SVG document.
func (c Chart) SVG() ([]byte, error) {
	cv := vgsvg.New(c.W, c.H)
	c.Draw(draw.New(cv))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b.Bytes(), []byte("font-family:Liberation Sans;"), []byte(cssFamily)), nil
}

// inlineSVG strips the XML prologue so that the SVG can sit in HTML.
func inlineSVG(svg []byte) string {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s
}

// PNG renders the chart at dpi.
func (c Chart) PNG(dpi int) ([]byte, error) {
	cv := vgimg.NewWith(vgimg.UseWH(c.W, c.H), vgimg.UseDPI(dpi))
	dc := draw.New(cv)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	c.Draw(dc)
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// newPlot is a plot with the report's fonts and a grid.
func newPlot(title, x, y string) *plot.Plot {
	p := basePlot(title, x, y)
	p.Add(plotter.NewGrid())
	return p
}

// basePlot is a plot with the report's fonts.
func basePlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Title.TextStyle.Font = font.From(sans, 12)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 10)
		ax.Tick.Label.Font = font.From(sans, 8)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	return p
}

// legend is drawn beside a plot rather than over its data, as wide as
// its longest entry.
type legend struct {
	plot.Legend
	text vg.Length // the widest entry's text
}

func newLegend() *legend {
	l := &legend{Legend: plot.NewLegend()}
	l.TextStyle.Font = font.From(sans, 9)
	l.Top, l.Left = true, true
	return l
}

// Add adds an entry and widens the legend to fit it.
func (l *legend) Add(name string, thumbs ...plot.Thumbnailer) {
	l.Legend.Add(name, thumbs...)
	l.text = max(l.text, l.TextStyle.Width(name))
}

// Width is the room the legend takes beside a plot.
func (l *legend) Width() vg.Length {
	return l.ThumbnailWidth + l.Padding + l.text + 0.6*vg.Centimeter
}

// withLegend draws p on the left of c and l on the right.
func withLegend(c draw.Canvas, p *plot.Plot, l *legend) {
	w := l.Width()
	p.Draw(draw.Crop(c, 0, -w, 0, 0))
	l.Draw(draw.Crop(c, c.Max.X-c.Min.X-w+0.3*vg.Centimeter, 0, 0, -0.8*vg.Centimeter))
}

// palette is Tableau 10: distinct in colour and readable in greyscale
// print with the glyph shapes.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0x76, 0xb7, 0xb2, 0xff},
	{0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff},
	{0x9c, 0x75, 0x5f, 0xff}, {0xba, 0xb0, 0xac, 0xff},
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
	draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
}

// methodStyle gives method i (file order) the same colour and glyph in
// every chart.
func methodStyle(i int) (color.Color, draw.GlyphDrawer) {
	return palette[i%len(palette)], glyphs[i%len(glyphs)]
}

var (
	grey      = color.RGBA{0x55, 0x55, 0x55, 0xff}
	frontGrey = color.RGBA{0xd0, 0xd0, 0xd0, 0xff} // wide and pale: under the series
	dashes    = []vg.Length{vg.Points(4), vg.Points(3)}
	dotDash   = []vg.Length{vg.Points(1), vg.Points(2)}
	thinLine  = vg.Points(1)
)
