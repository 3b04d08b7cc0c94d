package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/plots"
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report [FILE…]",
		Short: "Write a sweep's tables, rank-stability report and charts (index.html, report.md, CSV, LaTeX)",
		Long: `report reads a sweep's database and writes what the Tied-LoRA paper prints:
tables of every method against a baseline with parameter percentages, the
rank-stability report, Pareto fronts of trainable parameters against score,
and charts, into one self-contained index.html, a report.md, CSV files and
LaTeX (booktabs) tables. It works on a partial sweep and says what is
missing. See docs/report.md.

With two or more sweeps (--db A --db B, or FILE FILE) it compares them
instead: the same tasks and methods side by side, each sweep's entries
relative to its own baseline, into --out (default compare/): index.html,
compare.md and CSV files. See docs/report.md, "Comparing sweeps".`,
		Args: cobra.ArbitraryArgs,
		RunE: runReport,
	}
	f := cmd.Flags()
	f.Var(&dbPaths{}, "db", "database path (default runs/<name>/sweep.db of FILE); repeat it to compare sweeps")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.String("out", "", "output directory (default report/ beside the database; compare/ for a comparison)")
	f.StringSlice("format", plots.AllFormats, "formats to write: html, md, csv, tex, svg, png")
	f.String("baseline", analysis.DefaultBaseline, "method the others are compared with")
	f.Float64("epsilon", analysis.DefaultEpsilon, "how close to the baseline's best counts as matching it, as a fraction of that score")
	f.IntSlice("rank", nil, "ranks to print a table at (default every rank; the best-rank table is always printed)")
	f.Int("dpi", 144, "resolution of the PNG charts")
	f.StringArray("label", nil, "a compared sweep's name in the tables, one per sweep in order (default each sweep's name)")
	return cmd
}

func runReport(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	eps := v.GetFloat64("epsilon")
	if eps <= 0 || math.IsNaN(eps) || math.IsInf(eps, 0) {
		return badInput(fmt.Errorf("--epsilon must be positive, got %v", eps))
	}
	if v.GetInt("dpi") <= 0 {
		return badInput(fmt.Errorf("--dpi must be positive, got %d", v.GetInt("dpi")))
	}
	if dbs := cmd.Flags().Lookup("db").Value.(*dbPaths); len(*dbs) > 1 || len(args) > 1 {
		return runCompare(cmd, v, args, *dbs)
	}
	if len(v.GetStringSlice("label")) > 0 {
		return badInput(errors.New("--label names the sweeps of a comparison: give two or more (--db A --db B)"))
	}
	store, db, err := openSweepDB(v, args)
	if err != nil {
		return err
	}
	defer store.Close()
	out := v.GetString("out")
	if out == "" {
		out = filepath.Join(filepath.Dir(db), "report")
	}
	var ranks []int // nil: a table at every rank
	if r := v.GetIntSlice("rank"); len(r) > 0 {
		ranks = r
	}
	in, err := plots.Load(cmd.Context(), keyedSource{store}, analysis.Options{Baseline: v.GetString("baseline"), Epsilon: eps, Ranks: ranks})
	if errors.Is(err, analysis.ErrOption) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	sum, err := plots.Write(out, in, plots.Options{Formats: v.GetStringSlice("format"), DPI: v.GetInt("dpi")})
	if errors.Is(err, plots.ErrOption) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	a := in.Analysis
	if len(a.Cells) > 0 && !slices.Contains(a.Methods, a.Baseline) {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: the sweep has no method %q to compare with; choose one with --baseline\n", a.Baseline)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "wrote %d files to %s\n", len(sum.Files), sum.Dir)
	for _, f := range []string{"index.html", "report.md"} {
		if slices.Contains(sum.Files, f) {
			fmt.Fprintf(w, "  %s\n", filepath.Join(sum.Dir, f))
		}
	}
	var trials, done, failed, pruned, missing int
	for _, c := range a.Cells {
		trials, done, failed, pruned, missing = trials+c.Trials, done+c.Done, failed+c.Failed, pruned+c.Pruned, missing+c.Missing()
	}
	if pruned > 0 {
		fmt.Fprintf(w, "%d of %d trials done, %d failed, %d pruned by early stopping, %d missing\n", done, trials, failed, pruned, missing)
	} else {
		fmt.Fprintf(w, "%d of %d trials done, %d failed, %d missing\n", done, trials, failed, missing)
	}
	// A diverged trial has no score to put in a table: say so, rather
	// than let it pass as missing.
	div, err := store.Diverged(cmd.Context())
	if err != nil {
		return err
	}
	if len(div) > 0 {
		fmt.Fprintf(w, "%d trials diverged (their selection score is not finite) and are left out of the tables: `sweep status` lists them\n", len(div))
	}
	if len(a.Cells) > 0 {
		fmt.Fprintf(w, "\n%s", sum.Headline)
	}
	return nil
}

// keyedSource gives a database written before task keys were stored with
// the sweep file the keys the task registry has for its tasks.
type keyedSource struct{ *results.Store }

func (s keyedSource) Records(ctx context.Context) (*results.Records, error) {
	recs, err := s.Store.Records(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range recs.Cells {
		registryKey(recs.TaskKeys, c.Task)
	}
	return recs, nil
}

// registryKey gives a task without a stored primary value key the one
// the task registry has.
func registryKey(keys map[string]string, task string) {
	if keys[task] == "" {
		if k := sweeps.PrimaryKey(task); k != "" {
			keys[task] = k
		}
	}
}
