package plots

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// tableView is a analysis.Table with what every format prints worked out
// once: the caption, the decimals of each task, each row's parameters.
type tableView struct {
	analysis.Table
	decimals []int // per task
}

func newTableView(t analysis.Table) tableView {
	v := tableView{Table: t}
	for j := range t.Tasks {
		var xs []float64
		for _, r := range t.Rows {
			if e := r.Entries[j]; e.Has() {
				xs = append(xs, e.Cell.Test.Mean)
			}
		}
		v.decimals = append(v.decimals, decimals(xs...))
	}
	return v
}

// Title names the table.
func (v tableView) Title() string {
	if v.Rank == 0 {
		return "Each method at its best rank"
	}
	return fmt.Sprintf("Rank %d", v.Rank)
}

// Slug names its files: table-best, table-r8.
func (v tableView) Slug() string {
	if v.Rank == 0 {
		return "table-best"
	}
	return fmt.Sprintf("table-r%d", v.Rank)
}

// Caption says how to read it; the caller escapes it.
func (v tableView) Caption() string { return v.caption("bold", true) }

// caption says how to read it, with best naming how the best entry of
// each task is marked; share says whether entries print the share of the
// significance test.
func (v tableView) caption(best string, share bool) string {
	where := "at the same rank"
	if v.Rank == 0 {
		where = "at its own best rank; each method's rank is chosen per task on the selection score, never on test"
	}
	s := fmt.Sprintf("Test scores, mean ± standard deviation over seeds; in parentheses the difference from %s %s; "+
		"[n/m]: seeds present of planned; %s: the best of each task.", v.Baseline, where, best)
	if v.HasSignificance() {
		s += fmt.Sprintf(" %s: the difference is beyond noise: in a paired bootstrap over seeds and test examples (%d resamples), "+
			"the method beats %s in at least %s %% or at most %s %% of the resamples", sigMark, analysis.SignificanceResamples,
			v.Baseline, percent(100*analysis.SignificanceLevel), percent(100*(1-analysis.SignificanceLevel)))
		if share {
			s += "; after the semicolon, that share"
		}
		s += "."
	}
	return s
}

// sigMark marks a difference from the baseline that is beyond noise.
const sigMark = "†"

// params is a row's trainable count and share of the baseline at a fixed
// rank; tasks share a model, so the first known one stands for all.
func (v tableView) params(r analysis.TableRow) (int64, float64) {
	for _, e := range r.Entries {
		if e.Cell != nil && e.Cell.Trainable > 0 {
			return e.Cell.Trainable, e.Cell.PercentOfBaseline
		}
	}
	return 0, math.NaN()
}

// entry is the parts of one table entry, unescaped.
type entry struct {
	Score, Delta, Seeds, Where string
	Best, Empty                bool
}

// entry is the entry as HTML and Markdown print it, with the share of the
// significance test; brief leaves the share out, for LaTeX and the
// terminal.
func (v tableView) entry(r analysis.TableRow, j int) entry { return v.entryOf(r, j, true) }

func (v tableView) brief(r analysis.TableRow, j int) entry { return v.entryOf(r, j, false) }

func (v tableView) entryOf(r analysis.TableRow, j int, share bool) entry {
	e := r.Entries[j]
	if !e.Has() {
		return entry{Score: "–", Empty: true}
	}
	c, d := e.Cell, v.decimals[j]
	out := entry{Score: meanStd(c.Test, d), Best: e.Best}
	if r.Method != v.Baseline && !math.IsNaN(e.Delta) {
		out.Delta = signed(e.Delta, d)
		if e.Sig != nil && e.Sig.Beyond {
			out.Delta += sigMark
		}
		if e.Sig != nil && share {
			out.Delta += "; " + strconv.FormatFloat(e.Sig.Share, 'f', 2, 64)
		}
		out.Delta = "(" + out.Delta + ")"
	}
	if c.Test.N < c.Planned {
		out.Seeds = fmt.Sprintf("[%d/%d]", c.Test.N, c.Planned)
	}
	if v.Rank == 0 {
		out.Where = "r=" + strconv.Itoa(c.Rank)
		if p := percent(c.PercentOfBaseline); p != "–" {
			out.Where += ", " + p + " %"
		}
	}
	return out
}

func (e entry) join(esc func(string) string, bold func(string) string) string {
	s := esc(e.Score)
	if e.Best {
		s = bold(s)
	}
	for _, p := range []string{e.Delta, e.Seeds, e.Where} {
		if p != "" {
			s += " " + esc(p)
		}
	}
	return s
}

// taskHeader is "squad (exact_match)".
func taskHeader(t analysis.TaskMetrics) string {
	if t.Metric == "" {
		return t.Task
	}
	return t.Task + " (" + t.Metric + ")"
}

// WriteMarkdown writes the table as a Markdown (GFM) table.
func (v tableView) WriteMarkdown(w io.Writer) {
	head := []string{"method"}
	align := []string{"---"}
	if v.Rank != 0 {
		head = append(head, "trainable", "% of "+Markdown(v.Baseline))
		align = append(align, "--:", "--:")
	}
	for _, t := range v.Tasks {
		head = append(head, Markdown(taskHeader(t)))
		align = append(align, "--:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	bold := func(s string) string { return "**" + s + "**" }
	for _, r := range v.Rows {
		cells := []string{Markdown(r.Method)}
		if v.Rank != 0 {
			n, p := v.params(r)
			cells = append(cells, groupDigits(n), percent(p))
		}
		for j := range v.Tasks {
			cells = append(cells, v.entry(r, j).join(Markdown, bold))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// WriteText writes the table for a terminal: columns aligned with
// spaces, no markup. sweep report prints the best-rank table this way.
func (v tableView) WriteText(w io.Writer) error {
	// Numbers align right; the method names are padded to one width
	// first so that they read left-aligned.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := len("method")
	for _, r := range v.Rows {
		width = max(width, utf8.RuneCountInString(r.Method))
	}
	head := []string{fmt.Sprintf("%-*s", width, "method")}
	for _, t := range v.Tasks {
		head = append(head, taskHeader(t))
	}
	fmt.Fprintf(tw, "%s\t\n", strings.Join(head, "\t"))
	plain := func(s string) string { return s }
	best := func(s string) string { return s + "*" }
	for _, r := range v.Rows {
		cells := []string{fmt.Sprintf("%-*s", width, r.Method)}
		for j := range v.Tasks {
			cells = append(cells, v.brief(r, j).join(plain, best))
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// WriteLaTeX writes the table with booktabs rules, for \usepackage{booktabs}.
func (v tableView) WriteLaTeX(w io.Writer) {
	cols := "l"
	head := []string{"Method"}
	if v.Rank != 0 {
		cols += "rr"
		head = append(head, "Params", `\% of `+LaTeX(v.Baseline))
	}
	for _, t := range v.Tasks {
		cols += "r"
		head = append(head, LaTeX(taskHeader(t)))
	}
	latexPM := func(s string) string {
		return strings.NewReplacer(" ± ", ` $\pm$ `, "−", "$-$", sigMark, `$^\dagger$`).Replace(LaTeX(s))
	}
	bold := func(s string) string { return `\textbf{` + s + `}` }
	fmt.Fprintf(w, "%% %s: written by sweep report; needs \\usepackage{booktabs}\n", v.Title())
	fmt.Fprintf(w, "\\begin{table}[t]\n\\centering\n\\small\n\\caption{%s. %s}\n", LaTeX(v.Title()), latexPM(v.caption("bold", false)))
	fmt.Fprintf(w, "\\label{tab:%s}\n\\begin{tabular}{%s}\n\\toprule\n%s \\\\\n\\midrule\n", v.Slug(), cols, strings.Join(head, " & "))
	for _, r := range v.Rows {
		cells := []string{LaTeX(r.Method)}
		if v.Rank != 0 {
			n, p := v.params(r)
			cells = append(cells, LaTeX(groupDigits(n)), LaTeX(percent(p)))
		}
		for j := range v.Tasks {
			cells = append(cells, v.brief(r, j).join(latexPM, bold))
		}
		fmt.Fprintf(w, "%s \\\\\n", strings.Join(cells, " & "))
	}
	fmt.Fprint(w, "\\bottomrule\n\\end{tabular}\n\\end{table}\n")
}

// WriteCSV writes the table long: one row per method and task. Where
// some entry has a significance test, two columns give its share and
// whether the difference is beyond noise.
func (v tableView) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	sig := v.HasSignificance()
	head := []string{"method", "task", "metric", "rank", "trainable_params", "percent_of_baseline", "n_seeds", "n_planned",
		"test_mean", "test_std", "test_ci_low", "test_ci_high", "delta", "delta_pct", "best"}
	if sig {
		head = append(head, sigColumns...)
	}
	cw.Write(head)
	for _, r := range v.Rows {
		for j, t := range v.Tasks {
			e := r.Entries[j]
			var row []string
			if e.Cell == nil {
				row = []string{r.Method, t.Task, t.Metric, strconv.Itoa(v.Rank), "", "", "0", "", "", "", "", "", "", "", "false"}
			} else {
				c := e.Cell
				row = []string{r.Method, t.Task, t.Metric, strconv.Itoa(c.Rank), intOrEmpty(c.Trainable), csvFloat(c.PercentOfBaseline),
					strconv.Itoa(c.Test.N), strconv.Itoa(c.Planned), csvFloat(c.Test.Mean), csvFloat(c.Test.Std),
					csvFloat(c.Test.Lo), csvFloat(c.Test.Hi), csvFloat(e.Delta), csvFloat(e.DeltaPct), strconv.FormatBool(e.Best)}
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

// sigColumns are the CSV columns of a significance test, sigCells their
// values (empty where there is none).
var sigColumns = []string{"sig_seeds", "sig_examples", "share_beats_baseline", "beyond_noise"}

func sigCells(s *analysis.Significance) []string {
	if s == nil {
		return []string{"", "", "", ""}
	}
	return []string{strconv.Itoa(s.Seeds), strconv.Itoa(s.Examples), csvFloat(s.Share), strconv.FormatBool(s.Beyond)}
}

func intOrEmpty(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
