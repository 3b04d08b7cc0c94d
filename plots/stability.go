package plots

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// stabilityView is one task's rank-stability table, with the numbers
// formatted once for every output.
type stabilityView struct {
	Task  analysis.TaskMetrics
	Ranks []int
	Head  []string // after "method": one per rank, then the summary columns
	Rows  []stabilityRow
}

type stabilityRow struct {
	Method  string
	Scores  []string // one per rank: "69.43 ± 1.01", "–"
	BestCol int      // index in Scores of the best rank, -1 if none
	Summary []string // best rank, range, largest drop, within ε
	Verdict string
}

func stabilityViews(a *analysis.Analysis) []stabilityView {
	var out []stabilityView
	for _, t := range a.Tasks {
		v := stabilityView{Task: t, Ranks: a.Ranks}
		for _, r := range a.Ranks {
			v.Head = append(v.Head, "r="+strconv.Itoa(r))
		}
		v.Head = append(v.Head, "best", "range", "largest drop", fmt.Sprintf("within %s %% of %s's best", percent(100*a.Epsilon), a.Baseline))
		var xs []float64
		for _, s := range a.Stability {
			if s.Task == t.Task {
				for _, p := range s.Points {
					xs = append(xs, p.Test.Mean)
				}
			}
		}
		d := decimals(xs...)
		for _, s := range a.Stability {
			if s.Task != t.Task {
				continue
			}
			row := stabilityRow{Method: s.Method, BestCol: -1, Verdict: s.Verdict}
			for j, r := range a.Ranks {
				cell := "–"
				for _, p := range s.Points {
					if p.Rank == r {
						cell = meanStd(p.Test, d)
						if c := a.Cell(t.Task, s.Method, r); c != nil && p.Test.N < c.Planned {
							cell += fmt.Sprintf(" [%d/%d]", p.Test.N, c.Planned)
						}
						if r == s.BestRank {
							row.BestCol = j
						}
					}
				}
				row.Scores = append(row.Scores, cell)
			}
			if len(s.Points) == 0 {
				row.Summary = []string{"–", "–", "–", "–"}
			} else {
				within := make([]string, len(s.WithinEps))
				for i, r := range s.WithinEps {
					within[i] = strconv.Itoa(r)
				}
				w := strings.Join(within, ", ")
				if w == "" {
					w = "none"
				}
				row.Summary = []string{
					"r=" + strconv.Itoa(s.BestRank),
					fixed(s.Range, d),
					fmt.Sprintf("%s (%s %%) at r=%d", fixed(s.Drop, d), fixed(s.DropPct, 1), s.DropRank),
					w,
				}
			}
			v.Rows = append(v.Rows, row)
		}
		out = append(out, v)
	}
	return out
}

// WriteMarkdown writes the task's table; the verdicts follow as a list.
func (v stabilityView) WriteMarkdown(w io.Writer) {
	head := []string{"method"}
	align := []string{"---"}
	for _, h := range v.Head {
		head = append(head, Markdown(h))
		align = append(align, "--:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	for _, r := range v.Rows {
		cells := []string{Markdown(r.Method)}
		for j, s := range r.Scores {
			s = Markdown(s)
			if j == r.BestCol {
				s = "**" + s + "**"
			}
			cells = append(cells, s)
		}
		for _, s := range r.Summary {
			cells = append(cells, Markdown(s))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
	for _, r := range v.Rows {
		fmt.Fprintf(w, "- %s: %s\n", Markdown(r.Method), Markdown(r.Verdict))
	}
}

// Title is the task and its metric.
func (v stabilityView) Title() string { return taskHeader(v.Task) }
