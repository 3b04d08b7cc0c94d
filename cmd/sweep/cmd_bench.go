package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/runner/runbench"
	"github.com/tiedlora/tiedlora-sweep/serve/servebench"
)

// newBenchCmd groups the benchmarks. Each measures its anchor in the same
// run and reports a ratio: absolute times on shared machines mean little.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks that measure their anchor in the same run",
	}
	cmd.AddCommand(newBenchOrchestratorCmd(), newBenchIngestCmd(), newBenchTrainerCmd(), newBenchTorchCmd(), newBenchServeCmd())
	return cmd
}

func newBenchOrchestratorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "orchestrator",
		Short: "1000 no-op trials through sweep, GNU parallel, xargs and Optuna, two at a time",
		Long: `Run the bench-noop sweep (1000 trials of "true", two slots) through the
runner, SQLite included, then "seq 1000 | parallel -j2 true" and
"seq 1000 | xargs -P2 -I{} true" in the same run, and print the ratios of
sweep's wall time to theirs. GNU parallel comes from Debian's parallel
package.

Then Optuna, as shared/bench/ANCHORS.md measured it (SQLite storage,
GridSampler over the trials, n_jobs=2, each objective runs "true"), at
the counts of --optuna-trials, each right after sweep at the same count:
Optuna's time grows about quadratically with the study, so 1000 trials
would take many minutes. It prints both times and the ratio at each count,
the exponent k of a least-squares fit t ∝ n^k, and Optuna's time at 1000
trials extrapolated from that fit. Optuna runs in --python, else
$TIEDLORA_PYTHON, else the project's .venv/bin/python, else python3; where
none imports optuna it says so and skips it. --optuna-trials "" skips it.

The run directory is a temporary one under --dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			counts, err := parseCounts(v.GetString("optuna-trials"))
			if err != nil {
				return badInput(fmt.Errorf("--optuna-trials: %w", err))
			}
			dir, cleanup, err := benchDir(v.GetString("dir"))
			if err != nil {
				return err
			}
			defer cleanup()
			res, err := runbench.Orchestrator(cmd.Context(), dir, runbench.OrchestratorOptions{
				Trials: v.GetInt("trials"), OptunaTrials: counts, Python: v.GetString("python")})
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
			if o := res.Optuna; o != nil {
				printOptuna(out, o, res.Timings[0].Seconds)
			}
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().String("dir", "", "where the temporary run directory goes (default: the system's temporary directory)")
	cmd.Flags().Int("trials", 1000, "trials of sweep, GNU parallel and xargs")
	cmd.Flags().String("optuna-trials", "100,200,400", `Optuna's study sizes, comma-separated ("" skips Optuna)`)
	cmd.Flags().String("python", "", "the Python with optuna (default: $TIEDLORA_PYTHON, the project's .venv, python3)")
	return cmd
}

// printOptuna prints the Optuna anchor: one row per count, the fit and the
// extrapolation, labelled as such.
func printOptuna(out io.Writer, o *runbench.OptunaBench, mainSweep float64) {
	fmt.Fprintf(out, "\n%s\n", o.Command)
	if o.Skipped != "" {
		fmt.Fprintln(out, "optuna skipped:", o.Skipped)
		return
	}
	fmt.Fprintf(out, "optuna %s (%s)\n", o.Version, o.Python)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRIALS\tOPTUNA\tPER TRIAL\tSWEEP\tSWEEP ÷ OPTUNA")
	for _, p := range o.Points {
		fmt.Fprintf(tw, "%d\t%.2f s\t%.1f ms\t%.2f s\t%.4f×\n", p.Trials, p.Seconds, p.PerTrial, p.SweepSeconds, p.Ratio)
	}
	if o.Exponent != 0 {
		fmt.Fprintf(tw, "%d\t%.1f s (extrapolated)\t%.1f ms\t%.2f s\t%.4f× (extrapolated)\n", o.ExtrapolatedTrials, o.ExtrapolatedSeconds,
			1000*o.ExtrapolatedSeconds/float64(o.ExtrapolatedTrials), mainSweep, o.ExtrapolatedRatio)
	}
	tw.Flush()
	if o.Exponent != 0 {
		fmt.Fprintf(out, "optuna's growth: t ∝ n^%.2f (least squares on log-log over %d counts)\n", o.Exponent, len(o.Points))
	}
}

// parseCounts reads "100,200,400"; "" is none.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive trial count", f)
		}
		out = append(out, n)
	}
	return out, nil
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
			res, err := runbench.Ingest(cmd.Context(), dir, v.GetInt("lines"))
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

func newBenchServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "The dashboard under load: live streams and pages against a sweep that writes",
		Long: `Run a sweep of shell workers that write events (2 slots, 20 steps 20 ms
apart each) for --duration alone, then again with sweep serve reading it
for --clients clients, each holding a live stream and requesting a page
every --page-every (the index, the sweep, a trial, the running part, the
report, in turn), then alone again. It prints the failed requests and
dropped streams, "database is locked" errors, the page times (p50, p99,
max) and the trials the sweep finished with the dashboard as a
percentage of the mean of the two runs alone (goal: at least 90 %). The
run directories are temporary ones under --dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			if v.GetDuration("duration") <= 0 || v.GetInt("clients") <= 0 || v.GetDuration("page-every") <= 0 {
				return badInput(fmt.Errorf("--duration, --clients and --page-every must be positive"))
			}
			dir, cleanup, err := benchDir(v.GetString("dir"))
			if err != nil {
				return err
			}
			defer cleanup()
			res, err := servebench.Serve(cmd.Context(), dir, servebench.Options{Duration: v.GetDuration("duration"),
				Clients: v.GetInt("clients"), PageEvery: v.GetDuration("page-every")})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if v.GetBool("json") {
				return writeJSON(out, res)
			}
			fmt.Fprintf(out, "%d clients for %.0f s: %d page requests, %d stream events\n", res.Clients, res.Seconds, res.Requests, res.Events)
			fmt.Fprintf(out, "errors %d, database is locked %d\n", res.Errors, res.Locked)
			if res.ErrorText != "" {
				fmt.Fprintf(out, "first error: %s\n", res.ErrorText)
			}
			fmt.Fprintf(out, "page time p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", res.P50, res.P99, res.Max)
			fmt.Fprintf(out, "sweep throughput: %d trials alone before, %d with the dashboard, %d alone after: %.1f %% of alone (goal ≥ 90 %%)\n",
				res.Alone, res.Served, res.AloneAfter, res.RatePct)
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().Duration("duration", time.Minute, "how long each of the two runs lasts")
	cmd.Flags().Int("clients", 50, "clients, each holding a live stream and requesting pages")
	cmd.Flags().Duration("page-every", time.Second, "how often each client requests a page")
	cmd.Flags().String("dir", "", "where the temporary run directories go")
	return cmd
}
