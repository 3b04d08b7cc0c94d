package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/runner"
)

// newBenchCmd groups the benchmarks. Each measures its anchor in the same
// run and reports a ratio: absolute times on shared machines mean little.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks that measure their anchor in the same run",
	}
	cmd.AddCommand(newBenchOrchestratorCmd(), newBenchIngestCmd(), newBenchTrainerCmd())
	return cmd
}

func newBenchOrchestratorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "orchestrator",
		Short: "1000 no-op trials through sweep, GNU parallel and xargs, two at a time",
		Long: `Run the bench-noop sweep (1000 trials of "true", two slots) through the
runner, SQLite included, then "seq 1000 | parallel -j2 true" and
"seq 1000 | xargs -P2 -I{} true" in the same run, and print the ratios of
sweep's wall time to theirs. GNU parallel comes from Debian's parallel
package. The run directory is a temporary one under --dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			dir, cleanup, err := benchDir(v.GetString("dir"))
			if err != nil {
				return err
			}
			defer cleanup()
			res, err := runner.BenchOrchestrator(cmd.Context(), dir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if v.GetBool("json") {
				return writeJSON(out, res)
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TOOL\tCOMMAND\tWALL\tPER TRIAL\tSWEEP ÷ TOOL")
			for _, t := range res.Timings {
				if t.Skipped != "" {
					fmt.Fprintf(tw, "%s\t%s\tskipped: %s\t\t\n", t.Name, t.Command, t.Skipped)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%.2f s\t%.2f ms\t%.2f×\n", t.Name, t.Command, t.Seconds, t.PerTrial, t.Ratio)
			}
			tw.Flush()
			fmt.Fprintln(out, "goal: sweep ÷ GNU parallel ≤ 1.0× (the anchor of bench/ANCHORS.md: parallel ≈ 2.5 ms a trial)")
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().String("dir", "", "where the temporary run directory goes (default: the system's temporary directory)")
	return cmd
}

func newBenchIngestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Metric points per second from an events file into SQLite",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			dir, cleanup, err := benchDir(v.GetString("dir"))
			if err != nil {
				return err
			}
			defer cleanup()
			res, err := runner.BenchIngest(cmd.Context(), dir, v.GetInt("lines"))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if v.GetBool("json") {
				return writeJSON(out, res)
			}
			fmt.Fprintf(out, "%d metric events (%d points, %.1f MB) ingested in %.2f s: %.0f points/s (goal %.0f: %.2f× the goal)\n",
				res.Lines, res.Points, float64(res.Bytes)/1e6, res.Seconds, res.PointsPerSec, res.Goal, res.PointsPerSec/res.Goal)
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().Int("lines", 250_000, "metric events to write (four values each)")
	cmd.Flags().String("dir", "", "where the temporary files go")
	return cmd
}

// benchDir makes a temporary directory for a benchmark's files under
// parent (default: the system's temporary directory).
func benchDir(parent string) (string, func(), error) {
	dir, err := os.MkdirTemp(parent, "sweep-bench-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
