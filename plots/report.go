package plots

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-gota/gota/dataframe"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trialframe"
)

// Formats a report can write.
const (
	FormatHTML = "html"
	FormatMD   = "md"
	FormatCSV  = "csv"
	FormatTeX  = "tex"
	FormatSVG  = "svg"
	FormatPNG  = "png"
)

// AllFormats is the default: everything.
var AllFormats = []string{FormatHTML, FormatMD, FormatCSV, FormatTeX, FormatSVG, FormatPNG}

// ErrOption is wrapped by the errors about an option that cannot apply
// to the sweep: an unknown format, a rank the sweep does not have.
var ErrOption = errors.New("bad report option")

// Options configure a report; zero values take the defaults.
type Options struct {
	// Formats to write (AllFormats when nil); index.html always inlines
	// its charts, whether or not svg files are written.
	Formats []string
	// DPI of the PNG charts (default 144).
	DPI int
}

// Summary is what Write did.
type Summary struct {
	Dir   string
	Files []string // written, relative to Dir, sorted
	// Headline is the table of each method at its best rank as plain
	// text, with its title and caption, for printing on a terminal.
	Headline string
}

// Input is what a report renders: a finished analysis, the curves of its
// representatives (results.Store.Curves of a.CurveRequests()) and the
// per-trial frame (trialframe.New), written as trials.csv when it has
// columns.
type Input struct {
	Analysis *analysis.Analysis
	Curves   map[int64]results.Curves
	Trials   dataframe.DataFrame
}

// Write renders a finished analysis into dir. It reads nothing but its
// input.
func Write(dir string, in Input, opt Options) (*Summary, error) {
	if opt.Formats == nil {
		opt.Formats = AllFormats
	}
	for _, f := range opt.Formats {
		if !slices.Contains(AllFormats, f) {
			return nil, fmt.Errorf("%w: unknown report format %q (known: %s)", ErrOption, f, strings.Join(AllFormats, ", "))
		}
	}
	if opt.DPI == 0 {
		opt.DPI = 144
	}
	a := in.Analysis
	rep, err := build(a, in.Curves)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &fileWriter{dir: dir}
	has := func(f string) bool { return slices.Contains(opt.Formats, f) }
	if err := rep.renderCharts(opt.DPI, has(FormatSVG) || has(FormatHTML) || has(FormatMD), has(FormatPNG)); err != nil {
		return nil, err
	}
	if has(FormatSVG) {
		for _, c := range rep.Charts {
			w.bytes(c.Name+".svg", c.svg)
		}
	}
	if has(FormatPNG) {
		for _, c := range rep.Charts {
			w.bytes(c.Name+".png", c.png)
		}
	}
	if has(FormatCSV) {
		w.with("results.csv", func(f *os.File) error { return writeResultsCSV(f, a) })
		w.with("stability.csv", func(f *os.File) error { return writeStabilityCSV(f, a) })
		w.with("fronts.csv", func(f *os.File) error { return writeFrontsCSV(f, a) })
		if in.Trials.Ncol() > 0 {
			w.with("trials.csv", func(f *os.File) error { return trialframe.WriteCSV(f, in.Trials) })
		}
		for _, t := range rep.Tables {
			w.with(t.Slug()+".csv", func(f *os.File) error { return t.WriteCSV(f) })
		}
	}
	if has(FormatTeX) {
		for _, t := range rep.Tables {
			w.with(t.Slug()+".tex", func(f *os.File) error { t.WriteLaTeX(f); return nil })
		}
	}
	if has(FormatMD) {
		rep.chartExt = ".svg"
		if !has(FormatSVG) && has(FormatPNG) {
			rep.chartExt = ".png"
		}
		rep.linkCharts = has(FormatSVG) || has(FormatPNG)
		w.with("report.md", func(f *os.File) error { return rep.writeMarkdown(f) })
	}
	if has(FormatHTML) {
		w.with("index.html", func(f *os.File) error { return rep.writeHTML(f) })
	}
	if w.err != nil {
		return nil, w.err
	}
	sort.Strings(w.files)
	var head strings.Builder
	best := rep.Tables[0]
	fmt.Fprintf(&head, "%s\n%s\n\n", best.Title(), best.caption("*", false))
	if err := best.WriteText(&head); err != nil {
		return nil, err
	}
	return &Summary{Dir: dir, Files: w.files, Headline: head.String()}, nil
}

// report is the analysis with its tables, stability views and charts.
type report struct {
	A         *analysis.Analysis
	Tables    []tableView
	Stability []stabilityView
	Charts    []*renderedChart
	Missing   []string // one line per incomplete cell
	Totals    totals

	chartExt   string
	linkCharts bool
}

type totals struct {
	Trials, Done, Failed, Running, Pruned, Missing, Cells, Complete int
}

type renderedChart struct {
	Chart
	Section  string // completeness, panels, task
	Task     string
	svg, png []byte
}

func build(a *analysis.Analysis, curves map[int64]results.Curves) (*report, error) {
	rep := &report{A: a, Stability: stabilityViews(a)}
	for _, t := range a.Tables {
		rep.Tables = append(rep.Tables, newTableView(t))
	}
	for _, c := range a.Cells {
		t := &rep.Totals
		t.Cells++
		t.Trials += c.Trials
		t.Done += c.Done
		t.Failed += c.Failed
		t.Running += c.Running
		t.Pruned += c.Pruned
		t.Missing += c.Missing()
		if c.Status() == "done" {
			t.Complete++
			continue
		}
		pruned := ""
		if c.Pruned > 0 {
			pruned = fmt.Sprintf(", %d pruned", c.Pruned)
		}
		rep.Missing = append(rep.Missing, fmt.Sprintf("%s · %s · r=%d: %d of %d trials scored, %d failed, %d running%s, %d missing; %d of %d seeds scored",
			c.Task, c.Method, c.Rank, c.Done, c.Trials, c.Failed, c.Running, pruned, c.Missing(), c.Test.N, c.Planned))
	}
	add := func(c Chart, ok bool, section, task string) {
		if ok {
			rep.Charts = append(rep.Charts, &renderedChart{Chart: c, Section: section, Task: task})
		}
	}
	c, ok := completenessChart(a)
	add(c, ok, "completeness", "")
	c, ok, err := panelsChart(a)
	if err != nil {
		return nil, err
	}
	add(c, ok, "panels", "")
	slugs := slugger{}
	for _, t := range a.Tasks {
		slug := slugs.slug(t.Task)
		c, ok, err := paramsChart(a, t, slug)
		if err != nil {
			return nil, err
		}
		add(c, ok, "task", t.Task)
		if c, ok, err = rankChart(a, t, slug); err != nil {
			return nil, err
		}
		add(c, ok, "task", t.Task)
		if c, ok, err = curvesChart(t, a.Protocol.Split, taskCurves(a, t, curves), slug); err != nil {
			return nil, err
		}
		add(c, ok, "task", t.Task)
	}
	return rep, nil
}

// renderCharts draws every chart, on as many cores as there are.
func (rep *report) renderCharts(dpi int, svg, png bool) error {
	var wg sync.WaitGroup
	errs := make([]error, len(rep.Charts))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range rep.Charts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var err error
			if svg {
				if c.svg, err = c.SVG(); err != nil {
					errs[i] = fmt.Errorf("%s.svg: %w", c.Name, err)
					return
				}
			}
			if png {
				if c.png, err = c.PNG(dpi); err != nil {
					errs[i] = fmt.Errorf("%s.png: %w", c.Name, err)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// slugger names files after tasks: safe characters only, and distinct.
type slugger map[string]bool

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (s slugger) slug(name string) string {
	base := strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-.")
	if base == "" {
		base = "task"
	}
	slug := base
	for i := 2; s[slug]; i++ {
		slug = fmt.Sprintf("%s-%d", base, i)
	}
	s[slug] = true
	return slug
}

// fileWriter writes report files, keeping the first error.
type fileWriter struct {
	dir   string
	files []string
	err   error
}

func (w *fileWriter) with(name string, fn func(*os.File) error) {
	if w.err != nil {
		return
	}
	// Written aside and renamed: a reader (a browser on index.html, a
	// dashboard) sees the old file or the new one, never a part of it.
	f, err := os.CreateTemp(w.dir, "."+name+".*")
	if err != nil {
		w.err = err
		return
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(w.dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		w.err = fmt.Errorf("%s: %w", name, err)
		return
	}
	w.files = append(w.files, name)
}

func (w *fileWriter) bytes(name string, b []byte) {
	w.with(name, func(f *os.File) error { _, err := f.Write(b); return err })
}
