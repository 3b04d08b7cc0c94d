package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trialframe"
)

func newResultsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "results [FILE]",
		Short: "Print one row per trial (axes, hyper-parameters, state, scores, steps, wall time) as a table, CSV, JSON or Markdown",
		Long: `results prints a sweep's trials as a data frame, one row per trial of the
current sweep file: task, method, rank, seed, hp.<name> for each
hyper-parameter, trainable, state, attempts, metric (the task's primary
metric), validation and test (its scores), <split>.<metric> for every
score, steps and wall_s. Scores come from each trial's succeeded attempt.

--where filters rows with comparisons joined by && and ||:
  --where 'method=="tl6"'
  --where 'rank>=8 && task=="syn-squad"'
  --where 'test>0.5 || hp.lr<1e-3'
--sort orders by columns (-col descending), --columns picks them ("all"
for every column). A table or Markdown shows the hyper-parameters that
vary and leaves out the per-metric columns unless --columns names them;
CSV and JSON have every column. See docs/results-frame.md, which also
shows the trial_results view for pandas and sqlite3.`,
		Args: cobra.MaximumNArgs(1),
		RunE: runResults,
	}
	f := cmd.Flags()
	f.String("db", "", "database path (default runs/<name>/sweep.db of FILE)")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.String("where", "", `keep the rows where this holds, e.g. 'method=="tl6" && rank>=8'`)
	f.StringSlice("sort", nil, "columns to sort by, -col for descending (missing values last)")
	f.StringSlice("columns", nil, `columns to print, in order, or "all" (default: the axes, the hyper-parameters that vary, state and the primary scores; CSV and JSON: all)`)
	f.String("format", trialframe.FormatTable, "output format: table, csv, json or md")
	cmd.ValidArgsFunction = sweepFileArgs
	_ = cmd.RegisterFlagCompletionFunc("format", fixed(func() []string { return trialframe.Formats }))
	return cmd
}

func runResults(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	format := v.GetString("format")
	if !slices.Contains(trialframe.Formats, format) {
		return badInput(fmt.Errorf("--format %q: want one of %s", format, strings.Join(trialframe.Formats, ", ")))
	}
	store, _, err := openSweepDB(v, args)
	if err != nil {
		return err
	}
	defer store.Close()
	tr, err := keyedSource{store}.TrialResults(cmd.Context())
	if err != nil {
		return err
	}
	df := trialframe.New(tr)
	q := trialframe.Query{Where: v.GetString("where"), Sort: v.GetStringSlice("sort"), Columns: v.GetStringSlice("columns")}
	switch {
	case slices.Equal(q.Columns, []string{"all"}):
		q.Columns = nil
	case len(q.Columns) == 0 && (format == trialframe.FormatTable || format == trialframe.FormatMD):
		q.Columns = trialframe.DefaultColumns(df) // what fits a screen or a page
	}
	df, err = q.Apply(df)
	if errors.Is(err, trialframe.ErrQuery) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	return trialframe.Write(cmd.OutOrStdout(), df, format)
}

// TrialResults gives a database written before task keys were stored
// the keys the task registry has, as Records does.
func (s keyedSource) TrialResults(ctx context.Context) (*results.TrialResults, error) {
	tr, err := s.Store.TrialResults(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tr.Trials {
		registryKey(tr.TaskKeys, t.Task)
	}
	return tr, nil
}
