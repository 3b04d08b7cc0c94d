package plots

import (
	_ "embed"
	"html/template"
	"io"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

//go:embed templates/index.html.tmpl
var indexTemplate string

// page is what index.html.tmpl renders. Every string in it is plain text
// that html/template escapes; only the charts' SVG, which gonum/plot wrote
// with its text escaped, goes in as template.HTML.
type page struct {
	Sweep, Protocol, Baseline, Metrics, Totals string
	Orphans                                    string
	Missing                                    []string
	Completeness                               []htmlChart
	Tables                                     []htmlTable
	StabilityIntro                             string
	Stability                                  []stabilityView
	Fronts                                     []htmlFront
	Panels                                     []htmlChart
	Tasks                                      []htmlTask
	Matrix                                     htmlMatrix
}

type htmlChart struct {
	Name, Title string
	SVG         template.HTML
}

type htmlTable struct {
	Title, Caption, Slug string
	Head                 []string
	Params               bool
	Rows                 []htmlRow
}

type htmlRow struct {
	Method             string
	Trainable, Percent string
	Entries            []entry
}

type htmlFront struct {
	Task   string
	Points []analysis.ParetoPoint
	Counts []string
}

type htmlTask struct {
	Name   string
	Charts []htmlChart
}

// htmlMatrix is the completeness matrix as a table, readable without the
// chart and in print.
type htmlMatrix struct {
	Ranks []int
	Rows  []htmlMatrixRow
}

type htmlMatrixRow struct {
	Task, Method string
	Cells        []htmlMatrixCell
}

type htmlMatrixCell struct {
	Status, Text string
}

func (rep *report) writeHTML(w io.Writer) error {
	t, err := template.New("index").Parse(indexTemplate)
	if err != nil {
		return err
	}
	return t.Execute(w, rep.page())
}

func (rep *report) page() page {
	a := rep.A
	p := page{Sweep: a.Sweep, Protocol: protocolText(a), Baseline: a.Baseline, Metrics: metricList(a), Totals: rep.Totals.String(),
		Missing: rep.Missing, Stability: rep.Stability}
	if a.Orphans > 0 {
		p.Orphans = orphanText(a.Orphans)
	}
	p.StabilityIntro = "Per task and method: the test score at each rank (best in bold), the range over ranks, the largest drop from the best, and the ranks within " +
		percent(100*a.Epsilon) + " % of " + a.Baseline + "'s best score on the task."
	charts := func(section, task string) []htmlChart {
		var out []htmlChart
		for _, c := range rep.Charts {
			if c.Section == section && c.Task == task {
				out = append(out, htmlChart{Name: c.Name, Title: c.Title, SVG: template.HTML(inlineSVG(c.svg))})
			}
		}
		return out
	}
	p.Completeness = charts("completeness", "")
	p.Panels = charts("panels", "")
	for _, t := range a.Tasks {
		p.Tasks = append(p.Tasks, htmlTask{Name: taskHeader(t), Charts: charts("task", t.Task)})
	}
	for _, tv := range rep.Tables {
		ht := htmlTable{Title: tv.Title(), Caption: tv.Caption(), Slug: tv.Slug(), Params: tv.Rank != 0}
		for _, t := range tv.Tasks {
			ht.Head = append(ht.Head, taskHeader(t))
		}
		for _, r := range tv.Rows {
			hr := htmlRow{Method: r.Method}
			if ht.Params {
				n, pct := tv.params(r)
				hr.Trainable, hr.Percent = groupDigits(n), percent(pct)
			}
			for j := range tv.Tasks {
				hr.Entries = append(hr.Entries, tv.entry(r, j))
			}
			ht.Rows = append(ht.Rows, hr)
		}
		p.Tables = append(p.Tables, ht)
	}
	for _, f := range a.Fronts {
		hf := htmlFront{Task: f.Task, Points: f.OnFront()}
		for _, pt := range hf.Points {
			hf.Counts = append(hf.Counts, groupDigits(pt.Trainable))
		}
		p.Fronts = append(p.Fronts, hf)
	}
	p.Matrix.Ranks = a.Ranks
	for _, t := range a.Tasks {
		for _, m := range a.Methods {
			row := htmlMatrixRow{Task: t.Task, Method: m}
			for _, r := range a.Ranks {
				c := a.Cell(t.Task, m, r)
				if c == nil {
					row.Cells = append(row.Cells, htmlMatrixCell{Status: "none", Text: "—"})
					continue
				}
				text := itoa(c.Done) + "/" + itoa(c.Trials)
				if c.Failed > 0 {
					text += " (" + itoa(c.Failed) + " failed)"
				}
				if c.Pruned > 0 {
					text += " (" + itoa(c.Pruned) + " pruned)"
				}
				row.Cells = append(row.Cells, htmlMatrixCell{Status: c.Status(), Text: text})
			}
			p.Matrix.Rows = append(p.Matrix.Rows, row)
		}
	}
	return p
}
