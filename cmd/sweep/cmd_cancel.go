package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func newCancelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cancel [FILE]",
		Short: "Cancel a sweep's Slurm jobs (scancel)",
		Long: `Cancel every Slurm job of the sweep's running attempts with scancel, for
jobs an orchestrator left behind. A running ` + "`sweep run`" + ` records them as
cancelled and goes on with the trials it has not submitted yet: stop it
with Ctrl-C to stop the whole sweep. The next ` + "`sweep run`" + ` runs cancelled
trials again.`,
		Args: cobra.MaximumNArgs(1),
		RunE: runCancel,
	}
	f := cmd.Flags()
	f.String("db", "", "database path (default runs/<name>/sweep.db of FILE)")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	return cmd
}

func runCancel(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	store, _, err := openSweepDB(v, args)
	if err != nil {
		return err
	}
	defer store.Close()
	running, err := store.RunningAttempts(cmd.Context())
	if err != nil {
		return err
	}
	var jobs []string
	local := 0
	for _, a := range running {
		switch {
		case a.Executor == sweeps.ExecSlurm && a.JobID != "":
			jobs = append(jobs, a.JobID)
		case a.Executor != sweeps.ExecSlurm:
			local++
		}
	}
	out := cmd.OutOrStdout()
	if local > 0 {
		fmt.Fprintf(out, "%d running attempts are local processes: stop their `sweep run` with Ctrl-C\n", local)
	}
	if len(jobs) == 0 {
		fmt.Fprintln(out, "no Slurm jobs to cancel")
		return nil
	}
	if err := runner.CancelJobs(cmd.Context(), jobs); err != nil {
		return err
	}
	fmt.Fprintf(out, "cancelled %d Slurm jobs\n", len(jobs))
	return nil
}
