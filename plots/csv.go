package plots

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// writeResultsCSV writes results.csv: one row per task, method and rank,
// planned or not yet run.
func writeResultsCSV(w io.Writer, a *analysis.Analysis) error {
	cw := newCSV(w)
	head := []string{"task", "method", "rank", "metric", "trainable_params", "percent_of_baseline",
		"n_seeds", "n_planned", "selected_hparams", "select_split", "select_metric", "val_mean", "val_std",
		"test_mean", "test_std", "test_ci_low", "test_ci_high", "trials", "done", "failed", "running", "pruned", "missing", "status"}
	// The significance columns appear only where some cell was tested.
	sig := a.HasSignificance()
	if sig {
		head = append(head, sigColumns...)
	}
	cw.Write(head)
	metrics := taskMetrics(a)
	for _, c := range a.Cells {
		m := metrics[c.Task]
		row := []string{c.Task, c.Method, strconv.Itoa(c.Rank), m.Metric, intOrEmpty(c.Trainable), csvFloat(c.PercentOfBaseline),
			strconv.Itoa(c.Test.N), strconv.Itoa(c.Planned), c.HParams, a.Protocol.Split, m.SelectMetric,
			csvFloat(c.Val.Mean), csvFloat(c.Val.Std), csvFloat(c.Test.Mean), csvFloat(c.Test.Std), csvFloat(c.Test.Lo), csvFloat(c.Test.Hi),
			strconv.Itoa(c.Trials), strconv.Itoa(c.Done), strconv.Itoa(c.Failed), strconv.Itoa(c.Running), strconv.Itoa(c.Pruned), strconv.Itoa(c.Missing()), c.Status()}
		if sig {
			row = append(row, sigCells(c.Sig)...)
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// writeStabilityCSV writes stability.csv: one row per task and method.
func writeStabilityCSV(w io.Writer, a *analysis.Analysis) error {
	cw := newCSV(w)
	cw.Write([]string{"task", "method", "ranks", "means", "stds", "best_rank", "best", "range", "drop", "drop_rank", "drop_pct",
		"noise", "baseline_best", "baseline_rank", "within_eps_ranks", "verdict"})
	for _, s := range a.Stability {
		var ranks, means, stds []string
		for _, p := range s.Points {
			ranks = append(ranks, strconv.Itoa(p.Rank))
			means = append(means, csvFloat(p.Test.Mean))
			stds = append(stds, csvFloat(p.Test.Std))
		}
		within := make([]string, len(s.WithinEps))
		for i, r := range s.WithinEps {
			within[i] = strconv.Itoa(r)
		}
		cw.Write([]string{s.Task, s.Method, strings.Join(ranks, " "), strings.Join(means, " "), strings.Join(stds, " "),
			strconv.Itoa(s.BestRank), csvFloat(s.Best), csvFloat(s.Range), csvFloat(s.Drop), strconv.Itoa(s.DropRank), csvFloat(s.DropPct),
			csvFloat(s.Noise), csvFloat(s.BaselineBest), strconv.Itoa(s.BaselineRank), strings.Join(within, " "), s.Verdict})
	}
	cw.Flush()
	return cw.Error()
}

// writeFrontsCSV writes fronts.csv: every point with its place on the front.
func writeFrontsCSV(w io.Writer, a *analysis.Analysis) error {
	cw := newCSV(w)
	cw.Write([]string{"task", "method", "rank", "trainable_params", "test_mean", "test_std", "n_seeds", "on_front"})
	for _, f := range a.Fronts {
		for _, p := range f.Points {
			cw.Write([]string{f.Task, p.Method, strconv.Itoa(p.Rank), strconv.FormatInt(p.Trainable, 10), csvFloat(p.Mean), csvFloat(p.Std),
				strconv.Itoa(p.N), strconv.FormatBool(p.OnFront)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCSV is a csv.Writer whose text cells cannot be read as formulas: a
// spreadsheet runs a cell starting with =, +, -, @, tab or CR (a task
// named =HYPERLINK(…)), so such a cell gets a leading '. Numbers stay.
type safeCSV struct{ *csv.Writer }

func newCSV(w io.Writer) safeCSV { return safeCSV{csv.NewWriter(w)} }

func (c safeCSV) Write(record []string) error {
	for i, f := range record {
		record[i] = cellSafe(f)
	}
	return c.Writer.Write(record)
}

func cellSafe(f string) string {
	if f == "" || !strings.ContainsRune("=+-@\t\r", rune(f[0])) {
		return f
	}
	if _, err := strconv.ParseFloat(f, 64); err == nil {
		return f
	}
	return "'" + f
}

func taskMetrics(a *analysis.Analysis) map[string]analysis.TaskMetrics {
	m := map[string]analysis.TaskMetrics{}
	for _, t := range a.Tasks {
		m[t.Task] = t
	}
	return m
}
