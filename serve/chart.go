package serve

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// The live charts are drawn twice: here, for the page as served (and
// without JavaScript), and by app.js as points arrive. Both use this
// geometry and these colours.
const (
	chartW, chartH         = 360, 170
	padL, padR, padT, padB = 48, 8, 8, 22
)

var seriesColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// chartSVG draws the series keys of c: one polyline each, dashed for
// validation, with the y range and the last step on the axes.
func chartSVG(c curveSet, keys []string) template.HTML {
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, k := range keys {
		for _, p := range c[k] {
			xmin, xmax = min(xmin, p[0]), max(xmax, p[0])
			ymin, ymax = min(ymin, p[1]), max(ymax, p[1])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="plot"/>`, padL, padT, chartW-padL-padR, chartH-padT-padB)
	if math.IsInf(xmin, 1) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty">no points yet</text></svg>`, chartW/2, chartH/2)
		return template.HTML(b.String())
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymax, ymin = ymax+0.5, ymin-0.5
	}
	sx := func(x float64) float64 { return padL + (x-xmin)/(xmax-xmin)*float64(chartW-padL-padR) }
	sy := func(y float64) float64 { return float64(chartH-padB) - (y-ymin)/(ymax-ymin)*float64(chartH-padT-padB) }
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">%s</text>`, padL-4, padT+10, num(ymax))
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">%s</text>`, padL-4, chartH-padB, num(ymin))
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="tick" text-anchor="end">step %s</text>`, chartW-padR, chartH-6, num(xmax))
	for i, k := range keys {
		var pts []string
		for _, p := range c[k] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(p[0]), sy(p[1])))
		}
		dash := ""
		if !strings.HasPrefix(k, "train:") {
			dash = ` stroke-dasharray="5 3"`
		}
		color := seriesColors[i%len(seriesColors)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6"%s points="%s"><title>%s</title></polyline>`,
			color, dash, strings.Join(pts, " "), html.EscapeString(k))
		// The newest point, so that a curve of one point shows too.
		last := c[k][len(c[k])-1]
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, sx(last[0]), sy(last[1]), color)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// num prints an axis value in a few significant digits.
func num(x float64) string { return fmt.Sprintf("%.4g", x) }

// chartView is one chart of an attempt on a page.
type chartView struct {
	Attempt int64
	Kind    string // loss or score: which series app.js adds to it
	Title   string
	Keys    []string
	SVG     template.HTML
}

// charts splits an attempt's curves into its loss chart and, when there
// are validation scores other than the loss, a score chart.
func charts(attempt int64, c curveSet) []chartView {
	var loss, score []string
	for _, k := range c.keys() {
		if isLoss(k) {
			loss = append(loss, k)
		} else {
			score = append(score, k)
		}
	}
	out := []chartView{{Attempt: attempt, Kind: "loss", Title: "loss (training solid, validation dashed)", Keys: loss, SVG: chartSVG(c, loss)}}
	out = append(out, chartView{Attempt: attempt, Kind: "score", Title: "validation scores", Keys: score, SVG: chartSVG(c, score)})
	return out
}
