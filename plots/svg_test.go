package plots

import (
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// svgText is a <text> element of a chart: its string, where it starts and
// its font size.
type svgText struct {
	S    string
	X, Y float64
	Size float64
}

// parseSVGText reads every text element of an SVG file; vgsvg writes
// absolute coordinates, so no transform needs undoing.
func parseSVGText(t *testing.T, path string) []svgText {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var out []svgText
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "text" {
			continue
		}
		var el struct {
			X     float64 `xml:"x,attr"`
			Y     float64 `xml:"y,attr"`
			Style string  `xml:"style,attr"`
			Body  string  `xml:",chardata"`
		}
		if err := dec.DecodeElement(&el, &se); err != nil {
			t.Fatal(err)
		}
		size := 0.0
		if i := strings.Index(el.Style, "font-size:"); i >= 0 {
			size, _ = strconv.ParseFloat(strings.TrimSuffix(el.Style[i+len("font-size:"):], "px"), 64)
		}
		out = append(out, svgText{S: el.Body, X: el.X, Y: el.Y, Size: size})
	}
	return out
}

func texts(ts []svgText) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.S)
	}
	return out
}

// center is the middle of a tick label: vgsvg writes where the text
// starts, and gonum centres tick labels on their tick.
func center(t svgText) float64 {
	sty := text.Style{Font: font.From(sans, 8), Handler: plot.DefaultTextHandler}
	return t.X + sty.Width(t.S).Points()/2
}

// TestParamsChartSVG: the parameters-versus-score chart has a series per
// method, rank labels, the front and the baseline in its legend, and a
// logarithmic parameter axis with readable ticks.
func TestParamsChartSVG(t *testing.T) {
	ts := parseSVGText(t, filepath.Join(fixtureReport(t), "params-squad.svg"))
	got := texts(ts)
	for _, want := range []string{"squad (exact_match)", "lora", "tl5", "tl6", "tl1", "<script>alert(1)</script>",
		"Pareto front", "lora best (r=2)", "r=2", "r=8", "r=32", "trainable parameters (log scale)", "test exact_match"} {
		if !slices.Contains(got, want) {
			t.Errorf("got no text %q in %q", want, got)
		}
	}
	// Rank labels: one per point, 5 methods × 3 ranks.
	n := 0
	for _, s := range got {
		if strings.HasPrefix(s, "r=") {
			n++
		}
	}
	if n != 15 {
		t.Errorf("got %d rank labels, want 15", n)
	}
	ticks := map[string]svgText{}
	for _, x := range ts {
		if x.Size == 8 {
			ticks[x.S] = x
		}
	}
	for _, want := range []string{"100K", "1M", "10M"} {
		if _, ok := ticks[want]; !ok {
			t.Fatalf("got no x tick %q among %v", want, got)
		}
	}
	d1 := center(ticks["1M"]) - center(ticks["100K"])
	d2 := center(ticks["10M"]) - center(ticks["1M"])
	if d1 <= 0 || math.Abs(d1-d2) > 0.5 {
		t.Errorf("got decades %.2f and %.2f pt wide, want equal: the axis is not logarithmic", d1, d2)
	}
}

// TestRankChartSVG: the score-versus-rank chart labels the sweep's ranks
// on a log₂ axis, where 2, 8 and 32 are equally spaced.
func TestRankChartSVG(t *testing.T) {
	ts := parseSVGText(t, filepath.Join(fixtureReport(t), "rank-gsm8k.svg"))
	ticks := map[string]svgText{}
	for _, x := range ts {
		if x.Size == 8 {
			ticks[x.S] = x
		}
	}
	for _, want := range []string{"2", "8", "32"} {
		if _, ok := ticks[want]; !ok {
			t.Fatalf("got no rank tick %q among %v", want, texts(ts))
		}
	}
	d1, d2 := center(ticks["8"])-center(ticks["2"]), center(ticks["32"])-center(ticks["8"])
	if d1 <= 0 || math.Abs(d1-d2) > 0.5 {
		t.Errorf("got rank steps %.2f and %.2f pt, want equal on a log axis", d1, d2)
	}
	got := texts(ts)
	for _, want := range []string{"lora", "tl6", "<script>alert(1)</script>", "lora best (r=2)", "test strict_match"} {
		if !slices.Contains(got, want) {
			t.Errorf("got no text %q", want)
		}
	}
}

// TestCompletenessSVG: every (task, method) row is labelled and the
// missing, failed and partial cells show their counts.
func TestCompletenessSVG(t *testing.T) {
	got := texts(parseSVGText(t, filepath.Join(fixtureReport(t), "completeness.svg")))
	for _, want := range []string{"dialogsum · tl1", "squad · <script>alert(1)</script>", "0/6", "4/6 (2f)", "5/6", "r=32", "missing", "failed"} {
		if !slices.Contains(got, want) {
			t.Errorf("got no text %q", want)
		}
	}
}
