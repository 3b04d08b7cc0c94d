package plots

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// protocolText says in one sentence how the numbers were chosen.
func protocolText(a *analysis.Analysis) string {
	metric := a.Protocol.Metric
	if metric == "" {
		metric = "primary metric of the task"
	}
	s := fmt.Sprintf("For each task, method, rank and seed, the hyper-parameters with the best %s (goal: %s) on the %s split were selected; "+
		"the tables report their test score: mean ± sample standard deviation over seeds, with a 95 %% bootstrap interval "+
		"(%d resamples) in the CSV files. Scores are those computed by the runner from predictions when present, else the worker's, at the last step evaluated.",
		metric, a.Protocol.Goal, a.Protocol.Split, analysis.BootstrapResamples)
	if a.HasSignificance() {
		s += fmt.Sprintf(" Where the runner stored each test example's statistics, a method's difference from %s is tested with a paired bootstrap "+
			"(%d resamples): each resample draws the seeds both have and the test examples both have, with replacement and the same draw for both, "+
			"scores each seed from the drawn examples and averages over the drawn seeds; the share of resamples in which the method beats %s "+
			"(ties count one half) is reported, and a share of at least %s %% or at most %s %% marks the difference %s, beyond noise.",
			a.Baseline, analysis.SignificanceResamples, a.Baseline, percent(100*analysis.SignificanceLevel), percent(100*(1-analysis.SignificanceLevel)), sigMark)
	}
	return s
}

func (t totals) String() string {
	pruned := ""
	if t.Pruned > 0 {
		pruned = fmt.Sprintf(", %d pruned by early stopping (never selected)", t.Pruned)
	}
	return fmt.Sprintf("%d trials planned: %d scored, %d failed, %d running%s, %d missing (not run, or no test score); %d of %d (task, method, rank) cells complete.",
		t.Trials, t.Done, t.Failed, t.Running, pruned, t.Missing, t.Complete, t.Cells)
}

func (rep *report) writeMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	a := rep.A
	fmt.Fprintf(w, "# Sweep report: %s\n\n", Markdown(a.Sweep))
	fmt.Fprintf(w, "%s\n\n", Markdown(protocolText(a)))
	fmt.Fprintf(w, "Baseline: %s. Metrics: %s.\n\n", Markdown(a.Baseline), Markdown(metricList(a)))
	fmt.Fprintf(w, "## Completeness\n\n%s\n\n", rep.Totals)
	if a.Orphans > 0 {
		fmt.Fprintf(w, "%s\n\n", orphanText(a.Orphans))
	}
	if len(rep.Missing) > 0 {
		fmt.Fprintln(w, "Incomplete cells:")
		fmt.Fprintln(w)
		for _, m := range rep.Missing {
			fmt.Fprintf(w, "- %s\n", Markdown(m))
		}
		fmt.Fprintln(w)
	}
	rep.mdCharts(w, "completeness", "")
	fmt.Fprintln(w, "## Results")
	for _, t := range rep.Tables {
		fmt.Fprintf(w, "\n### %s\n\n%s\n\n", Markdown(t.Title()), Markdown(t.Caption()))
		t.WriteMarkdown(w)
	}
	fmt.Fprintf(w, "\n## Rank stability\n\nPer task and method: the test score at each rank (best in bold), the range over ranks, the largest drop from the best, and the ranks within %s %% of %s's best score on the task.\n",
		percent(100*a.Epsilon), Markdown(a.Baseline))
	for _, v := range rep.Stability {
		fmt.Fprintf(w, "\n### %s\n\n", Markdown(taskHeader(v.Task)))
		v.WriteMarkdown(w)
	}
	fmt.Fprintf(w, "\n## Pareto fronts\n\nPoints not beaten by more than the seed noise by a point with no more trainable parameters, by parameters.\n\n")
	for _, f := range a.Fronts {
		var parts []string
		for _, p := range f.OnFront() {
			parts = append(parts, fmt.Sprintf("%s r=%d (%s params)", Markdown(p.Method), p.Rank, groupDigits(p.Trainable)))
		}
		if len(parts) == 0 {
			parts = []string{"no points yet"}
		}
		fmt.Fprintf(w, "- %s: %s\n", Markdown(f.Task), strings.Join(parts, "; "))
	}
	fmt.Fprintln(w)
	if rep.linkCharts {
		fmt.Fprintf(w, "## Charts\n\n")
		rep.mdCharts(w, "panels", "")
		for _, t := range a.Tasks {
			rep.mdCharts(w, "task", t.Task)
		}
	}
	return w.Flush()
}

func (rep *report) mdCharts(w io.Writer, section, task string) {
	if !rep.linkCharts {
		return
	}
	for _, c := range rep.Charts {
		if c.Section == section && c.Task == task {
			fmt.Fprintf(w, "![%s](%s%s)\n\n", Markdown(c.Title), c.Name, rep.chartExt)
		}
	}
}

func metricList(a *analysis.Analysis) string {
	var parts []string
	for _, t := range a.Tasks {
		s := t.Task + ": " + t.Metric
		if t.SelectMetric != t.Metric {
			s += " (selected on " + t.SelectMetric + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func orphanText(n int) string {
	if n == 1 {
		return "1 stored trial is no longer in the sweep file and is left out."
	}
	return fmt.Sprintf("%d stored trials are no longer in the sweep file and are left out.", n)
}
