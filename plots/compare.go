package plots

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// CompareFormats are the formats a comparison of sweeps writes.
var CompareFormats = []string{FormatHTML, FormatMD, FormatCSV}

// absentMark stands for an entry a sweep does not have at all (no such
// task, method or rank); an entry it has without a score prints "–" as
// the report's tables do.
const absentMark = "—"

// CompareView is an analysis.Comparison with what every format prints
// worked out once: the caption, each task's decimals, each entry's text.
// The dashboard renders the same view.
type CompareView struct {
	Title, Caption, Slug string
	Baseline             string
	Labels               []string
	// BestRank: each method at its best rank, so each entry says which.
	BestRank bool
	Rows     []CompareRow
	Notes    []string
	// Names maps a label that is not its sweep's own name to that name.
	Names []string
	c     *analysis.Comparison
}

// CompareRow is one task and method of the comparison.
type CompareRow struct {
	Task   string // "squad (exact_match)"
	First  bool   // the task's first row
	Method string
	Cells  []CompareCell // one per sweep
}

// CompareCell is one sweep's entry as text, unescaped: Score is "—"
// where the sweep lacks the task, method or rank (Absent), "–" where it
// has no score.
type CompareCell struct {
	Score, Delta, Share, Seeds, Rank, Percent string
	Best, Absent                              bool
}

// NewCompareView prepares a comparison for printing.
func NewCompareView(c *analysis.Comparison) CompareView {
	v := CompareView{Baseline: c.Baseline, Labels: c.Labels, BestRank: c.Rank == 0, Notes: c.Notes, c: c}
	v.Title, v.Slug = "Compared at each method's best rank", "compare-best"
	if c.Rank != 0 {
		v.Title, v.Slug = fmt.Sprintf("Compared at rank %d", c.Rank), fmt.Sprintf("compare-r%d", c.Rank)
	}
	for i, l := range c.Labels {
		if c.Sweeps[i] != l {
			v.Names = append(v.Names, fmt.Sprintf("%s: the sweep %s", l, c.Sweeps[i]))
		}
	}
	dec := map[string]int{}
	for _, t := range c.Tasks {
		var xs []float64
		for _, r := range c.Rows {
			for _, e := range r.Entries {
				if r.Task == t.Task && e.Has() {
					xs = append(xs, e.Cell.Test.Mean)
				}
			}
		}
		dec[t.Task] = decimals(xs...)
	}
	sig := false
	for i, r := range c.Rows {
		t := c.Tasks[slices.IndexFunc(c.Tasks, func(t analysis.ComparedTask) bool { return t.Task == r.Task })]
		row := CompareRow{Task: compareTaskHeader(t), First: i == 0 || c.Rows[i-1].Task != r.Task, Method: r.Method}
		for _, e := range r.Entries {
			row.Cells = append(row.Cells, compareCell(e, r.Method, c.Baseline, dec[r.Task], v.BestRank))
			sig = sig || e.Sig != nil
		}
		v.Rows = append(v.Rows, row)
	}
	where := "at the same rank"
	if v.BestRank {
		where = "at its own best rank; each method's rank (r) is chosen per task and sweep on the selection score, never on test"
	}
	v.Caption = fmt.Sprintf("Test scores of each sweep, mean ± standard deviation over seeds; Δ: the difference from that sweep's own %s %s; "+
		"%% of %s: trainable parameters as a percentage of that sweep's %s at the same rank; [n/m]: seeds present of planned; "+
		"%s: the sweep has no such task, method or rank; –: no score yet; bold: the best of the task within its sweep.",
		c.Baseline, where, c.Baseline, c.Baseline, absentMark)
	if sig {
		v.Caption += fmt.Sprintf(" %s: the difference is beyond noise: in a paired bootstrap over seeds and test examples (%d resamples) "+
			"within the sweep, the method beats the sweep's %s in at least %s %% or at most %s %% of the resamples; after the semicolon, that share.",
			sigMark, analysis.SignificanceResamples, c.Baseline, percent(100*analysis.SignificanceLevel), percent(100*(1-analysis.SignificanceLevel)))
	}
	return v
}

func compareTaskHeader(t analysis.ComparedTask) string {
	return taskHeader(analysis.TaskMetrics{Task: t.Task, Metric: t.Metric})
}

func compareCell(e analysis.ComparedEntry, method, baseline string, d int, best bool) CompareCell {
	if e.Absent != "" {
		return CompareCell{Score: absentMark, Absent: true}
	}
	if !e.Has() {
		out := CompareCell{Score: "–"}
		if e.Cell != nil && e.Cell.Planned > 0 {
			out.Seeds = fmt.Sprintf("[0/%d]", e.Cell.Planned)
		}
		return out
	}
	c := e.Cell
	out := CompareCell{Score: meanStd(c.Test, d), Best: e.Best}
	if method != baseline && !math.IsNaN(e.Delta) {
		out.Delta = signed(e.Delta, d)
		if e.Sig != nil && e.Sig.Beyond {
			out.Delta += sigMark
		}
		if e.Sig != nil {
			out.Share = strconv.FormatFloat(e.Sig.Share, 'f', 2, 64)
		}
	}
	if c.Test.N < c.Planned {
		out.Seeds = fmt.Sprintf("[%d/%d]", c.Test.N, c.Planned)
	}
	if best {
		out.Rank = strconv.Itoa(c.Rank)
	}
	if p := percent(c.PercentOfBaseline); p != "–" {
		out.Percent = p
	}
	return out
}

// full is the delta with the share of its test, "−5.00†; 0.00".
func (c CompareCell) full() string {
	if c.Share == "" {
		return c.Delta
	}
	return c.Delta + "; " + c.Share
}

// columns are the headers of each sweep's columns.
func (v CompareView) columns(label string) []string {
	cols := []string{label, label + " Δ " + v.Baseline}
	if v.BestRank {
		cols = append(cols, label+" r")
	}
	return append(cols, label+" % of "+v.Baseline)
}

// texts are a cell's columns, unescaped.
func (v CompareView) texts(c CompareCell) []string {
	score := c.Score
	if c.Seeds != "" {
		score += " " + c.Seeds
	}
	out := []string{score, c.full()}
	if v.BestRank {
		out = append(out, c.Rank)
	}
	return append(out, c.Percent)
}

// WriteMarkdown writes the comparison as a GFM table with its title,
// caption and notes.
func (v CompareView) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n%s\n\n", Markdown(v.Title), Markdown(v.Caption))
	head, align := []string{"task", "method"}, []string{"---", "---"}
	for _, l := range v.Labels {
		for _, c := range v.columns(l) {
			head, align = append(head, Markdown(c)), append(align, "--:")
		}
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	for _, r := range v.Rows {
		cells := []string{Markdown(r.Task), Markdown(r.Method)}
		for _, c := range r.Cells {
			t := v.texts(c)
			for i := range t {
				t[i] = Markdown(t[i])
			}
			if c.Best {
				t[0] = "**" + t[0] + "**"
			}
			cells = append(cells, t...)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
	for _, n := range append(slices.Clone(v.Names), v.Notes...) {
		fmt.Fprintf(w, "- %s\n", Markdown(n))
	}
	if len(v.Names)+len(v.Notes) > 0 {
		fmt.Fprintln(w)
	}
}

// WriteText writes the comparison for a terminal: one column per sweep,
// each entry "score (Δ) [n/m] r=R, p %", the best of each task and sweep
// starred.
func (v CompareView) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	tw0, mw := len("task"), len("method")
	for _, r := range v.Rows {
		tw0, mw = max(tw0, utf8.RuneCountInString(r.Task)), max(mw, utf8.RuneCountInString(r.Method))
	}
	head := []string{fmt.Sprintf("%-*s", tw0, "task"), fmt.Sprintf("%-*s", mw, "method")}
	head = append(head, v.Labels...)
	fmt.Fprintf(tw, "%s\t\n", strings.Join(head, "\t"))
	for _, r := range v.Rows {
		task := ""
		if r.First {
			task = r.Task
		}
		cells := []string{fmt.Sprintf("%-*s", tw0, task), fmt.Sprintf("%-*s", mw, r.Method)}
		for _, c := range r.Cells {
			s := c.Score
			if c.Best {
				s += "*"
			}
			if c.Delta != "" {
				s += " (" + c.Delta + ")"
			}
			if c.Seeds != "" {
				s += " " + c.Seeds
			}
			var where []string
			if c.Rank != "" {
				where = append(where, "r="+c.Rank)
			}
			if c.Percent != "" {
				where = append(where, c.Percent+" %")
			}
			if len(where) > 0 {
				s += " " + strings.Join(where, ", ")
			}
			cells = append(cells, s)
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// WriteCSV writes the comparison long: one row per task, method and
// sweep. absent says what the sweep lacks (task, method, rank), empty
// where it has the entry; where some entry was tested, the significance
// columns follow.
func (v CompareView) WriteCSV(w io.Writer) error {
	c := v.c
	sig := slices.ContainsFunc(c.Rows, func(r analysis.ComparedRow) bool {
		return slices.ContainsFunc(r.Entries, func(e analysis.ComparedEntry) bool { return e.Sig != nil })
	})
	cw := csv.NewWriter(w)
	head := []string{"task", "metric", "method", "sweep", "sweep_name", "rank", "trainable_params", "percent_of_baseline", "n_seeds", "n_planned",
		"test_mean", "test_std", "test_ci_low", "test_ci_high", "delta", "delta_pct", "best", "absent"}
	if sig {
		head = append(head, sigColumns...)
	}
	cw.Write(head)
	for _, r := range c.Rows {
		t := c.Tasks[slices.IndexFunc(c.Tasks, func(t analysis.ComparedTask) bool { return t.Task == r.Task })]
		for i, e := range r.Entries {
			row := []string{r.Task, t.Metrics[i], r.Method, c.Labels[i], c.Sweeps[i]}
			if cl := e.Cell; cl == nil {
				rank := ""
				if c.Rank != 0 {
					rank = strconv.Itoa(c.Rank)
				}
				row = append(row, rank, "", "", "0", "", "", "", "", "", "", "", "false", e.Absent)
			} else {
				row = append(row, strconv.Itoa(cl.Rank), intOrEmpty(cl.Trainable), csvFloat(cl.PercentOfBaseline), strconv.Itoa(cl.Test.N),
					strconv.Itoa(cl.Planned), csvFloat(cl.Test.Mean), csvFloat(cl.Test.Std), csvFloat(cl.Test.Lo), csvFloat(cl.Test.Hi),
					csvFloat(e.Delta), csvFloat(e.DeltaPct), strconv.FormatBool(e.Best), e.Absent)
			}
			if sig {
				row = append(row, sigCells(e.Sig)...)
			}
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

// CompareHead is a sweep's group of columns in an HTML table.
type CompareHead struct {
	Label string
	Cols  []string
}

// Heads are the sweeps' column groups for an HTML table's two header
// rows: the label over test, Δ, r and %.
func (v CompareView) Heads() []CompareHead {
	var out []CompareHead
	for _, l := range v.Labels {
		cols := []string{"test", "Δ " + v.Baseline}
		if v.BestRank {
			cols = append(cols, "r")
		}
		out = append(out, CompareHead{Label: l, Cols: append(cols, "% of "+v.Baseline)})
	}
	return out
}

// Full is the delta with its share, for templates.
func (c CompareCell) Full() string { return c.full() }

//go:embed templates/compare.html.tmpl
var compareTemplate string

// CompareHTML writes the comparisons as one self-contained page.
func CompareHTML(w io.Writer, views []CompareView) error {
	t, err := template.New("compare").Parse(compareTemplate)
	if err != nil {
		return err
	}
	var labels []string
	if len(views) > 0 {
		labels = views[0].Labels
	}
	return t.Execute(w, struct {
		Labels []string
		Views  []CompareView
	}{labels, views})
}

// WriteComparison writes comparisons (analysis.Compare at the best rank,
// then at given ranks) into dir: index.html, compare.md and one CSV file
// per comparison (compare-best.csv, compare-rR.csv). The summary's
// headline is the first comparison as text.
func WriteComparison(dir string, cs []*analysis.Comparison, formats []string) (*Summary, error) {
	if formats == nil {
		formats = CompareFormats
	}
	for _, f := range formats {
		if !slices.Contains(CompareFormats, f) {
			return nil, fmt.Errorf("%w: a comparison of sweeps writes %s, not %q", ErrOption, strings.Join(CompareFormats, ", "), f)
		}
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: nothing to compare", ErrOption)
	}
	views := make([]CompareView, len(cs))
	for i, c := range cs {
		views[i] = NewCompareView(c)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &fileWriter{dir: dir}
	has := func(f string) bool { return slices.Contains(formats, f) }
	if has(FormatCSV) {
		for _, v := range views {
			w.with(v.Slug+".csv", func(f *os.File) error { return v.WriteCSV(f) })
		}
	}
	if has(FormatMD) {
		w.with("compare.md", func(f *os.File) error {
			b := bufio.NewWriter(f)
			fmt.Fprintf(b, "# Sweeps compared: %s\n\n", Markdown(strings.Join(views[0].Labels, ", ")))
			for _, v := range views {
				v.WriteMarkdown(b)
			}
			return b.Flush()
		})
	}
	if has(FormatHTML) {
		w.with("index.html", func(f *os.File) error { return CompareHTML(f, views) })
	}
	if w.err != nil {
		return nil, w.err
	}
	sort.Strings(w.files)
	var head strings.Builder
	fmt.Fprintf(&head, "%s\n%s\n\n", views[0].Title, strings.ReplaceAll(views[0].Caption, "bold:", "*:"))
	if err := views[0].WriteText(&head); err != nil {
		return nil, err
	}
	for _, n := range append(slices.Clone(views[0].Names), views[0].Notes...) {
		fmt.Fprintf(&head, "  note: %s\n", n)
	}
	return &Summary{Dir: dir, Files: w.files, Headline: head.String()}, nil
}
