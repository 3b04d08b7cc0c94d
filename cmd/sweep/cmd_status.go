package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/results"
)

func newStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [FILE]",
		Short: "Show a sweep's trials by state, running attempts and recent failures",
		Args:  cobra.MaximumNArgs(1),
		RunE:  runStatus,
	}
	f := cmd.Flags()
	f.String("db", "", "database path (default runs/<name>/sweep.db of FILE)")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.Bool("json", false, "print JSON")
	f.Bool("watch", false, "refresh every --interval until stopped (Ctrl-C: exit status 130); with --json one JSON object per line")
	f.Duration("interval", 2*time.Second, "refresh interval of --watch")
	f.Int("failures", 10, "how many recent failures to show")
	return cmd
}

// resolveDB finds the database from --db or a sweep file's name.
func resolveDB(v interface{ GetString(string) string }, args []string) (string, error) {
	if db := v.GetString("db"); db != "" {
		return db, nil
	}
	if len(args) == 0 {
		return "", badInput(errors.New("give a sweep FILE or --db PATH"))
	}
	s, err := loadSweep(args[0])
	if err != nil {
		return "", err
	}
	return dbPath("", v.GetString("runs"), s.File.Name), nil
}

// openReader opens an existing sweep database for reading; a database
// that is not there is the user's mistake (exit status 2).
func openReader(db string) (*results.Store, error) {
	store, err := results.OpenReader(db)
	if errors.Is(err, os.ErrNotExist) {
		return nil, badInput(fmt.Errorf("%s does not exist: the sweep has not run yet", db))
	}
	return store, err
}

// openSweepDB opens, for reading, the database that --db or the sweep file
// in args names; it returns the path too.
func openSweepDB(v interface{ GetString(string) string }, args []string) (*results.Store, string, error) {
	db, err := resolveDB(v, args)
	if err != nil {
		return nil, "", err
	}
	store, err := openReader(db)
	return store, db, err
}

func runStatus(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	store, _, err := openSweepDB(v, args)
	if err != nil {
		return err
	}
	defer store.Close()
	out := cmd.OutOrStdout()
	watch, asJSON := v.GetBool("watch"), v.GetBool("json")
	ctx := cmd.Context()
	var sig *signalCatcher
	if watch {
		// Ctrl-C ends a watch: exit status 130 (128 + the signal).
		sig = catchSignals(ctx)
		defer sig.stop()
		ctx = sig.ctx
	}
	clear := watch && !asJSON && isTerminal(out)
	for {
		st, err := store.Status(ctx, v.GetInt("failures"))
		if err != nil {
			if sig != nil && sig.err() != nil {
				return sig.err()
			}
			return err
		}
		switch {
		case asJSON && watch:
			// One object per line per refresh (NDJSON), for jq and tail -f.
			if err := json.NewEncoder(out).Encode(st); err != nil {
				return err
			}
		case asJSON:
			if err := writeJSON(out, st); err != nil {
				return err
			}
		default:
			if clear {
				fmt.Fprint(out, "\033[H\033[2J")
			} else if watch {
				// A log or a pipe gets refreshes one after another,
				// each headed by its time.
				fmt.Fprintf(out, "--- %s\n", time.Now().Format(logTime))
			}
			printStatus(out, st)
		}
		if !watch {
			return nil
		}
		select {
		case <-ctx.Done():
			return sig.err()
		case <-time.After(v.GetDuration("interval")):
		}
	}
}

func printStatus(out io.Writer, st results.Status) {
	var states []string
	for s, n := range st.ByState {
		states = append(states, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(states)
	fmt.Fprintf(out, "sweep %s: %d trials: %s\n", st.Sweep, st.Trials, strings.Join(states, ", "))
	if h := st.Orchestrator; h != nil {
		fmt.Fprintf(out, "run by pid %d on %s since %s (last heartbeat %s ago)\n", h.PID, h.Host, h.Since, time.Since(h.Heartbeat).Round(time.Second))
	}
	if st.Orphans > 0 {
		fmt.Fprintf(out, "%d trials in the database are no longer in the file\n", st.Orphans)
	}
	if e := st.EarlyStop; e != nil {
		fmt.Fprintf(out, "early stopping: %d stops, %d promotions, %d steps trained; latest stops:\n", e.Stops, e.Promotions, e.StepsTrained)
		for _, d := range e.Recent {
			fmt.Fprintf(out, "  %s at step %d: %s\n", d.Trial, d.Step, d.Reason)
		}
	}
	if len(st.Running) > 0 {
		fmt.Fprintln(out, "\nrunning:")
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TRIAL\tTASK\tMETHOD\tRANK\tSEED\tATTEMPT\tSLOT\tSTEP\tETA")
		for _, r := range st.Running {
			eta := "-"
			if r.ETASeconds >= 0 {
				eta = (time.Duration(r.ETASeconds) * time.Second).String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d/%d\t%s\n", r.Trial, dash(r.Task), dash(r.Method), r.Rank, r.Seed, r.Attempt, r.Slot, r.Step, r.Steps, eta)
		}
		tw.Flush()
	}
	if len(st.Diverged) > 0 {
		fmt.Fprintf(out, "\ndiverged (%d trials whose selection score is not finite):\n", len(st.Diverged))
		for _, d := range st.Diverged {
			fmt.Fprintf(out, "  %s %s %s = %s\n", d.Trial, d.Split, d.Metric, d.Value)
		}
	}
	if len(st.Failures) > 0 {
		fmt.Fprintln(out, "\nrecent failures:")
		for _, f := range st.Failures {
			fmt.Fprintf(out, "  %s attempt %d [%s] %s\n", f.Trial, f.Attempt, f.Kind, f.Error)
		}
	}
}
