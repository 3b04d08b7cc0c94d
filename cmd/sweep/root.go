package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Output goes to out and errOut so tests
// can run commands in-process.
func newRootCmd(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "sweep",
		Short: "Plan, run and report Tied-LoRA fine-tuning sweeps",
		Long: `sweep turns a YAML sweep file (tasks × methods × ranks × seeds ×
hyper-parameters) into trials with exact trainable-parameter counts, runs
them on training workers, stores every state and metric in SQLite and
reports the results as the Tied-LoRA paper does.

Settings come from flags, then SWEEP_* environment variables (SWEEP_RANK
for --rank, SWEEP_SLURM_POLL for --slurm-poll), then the settings file
(--settings or SWEEP_SETTINGS), then defaults; docs/cli.md has the rules.
A usage error exits with status 2.`,
		Version:       readVersion().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetVersionTemplate("sweep {{.Version}}\n")
	root.PersistentFlags().String("settings", "", "settings file (YAML) with defaults for any flag (default $SWEEP_SETTINGS)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })

	root.AddCommand(
		newParamsCmd(),
		newMethodsCmd(),
		newPlanCmd(),
		newTasksCmd(),
		newScoreCmd(),
		newRunCmd(),
		newStatusCmd(),
		newBenchCmd(),
		newWorkerCmd(),
		newReportCmd(),
		newResultsCmd(),
		newServeCmd(),
		newCancelCmd(),
		newExportCmd(),
		newPretrainCmd(),
		newVersionCmd(),
	)
	// Added now rather than inside Execute, so that their argument
	// checks get exit status 2 below like every other command's.
	root.InitDefaultHelpCmd()
	if help, _, err := root.Find([]string{"help"}); err == nil && help != root {
		help.Run, help.RunE = nil, helpTopic
	}
	root.InitDefaultCompletionCmd()
	addCompletions(root)
	usageExitTwo(root)
	return root
}

// usageExitTwo makes a wrong argument count or an unknown subcommand exit
// with status 2, as flag errors do (SetFlagErrorFunc): cobra's Args checks
// return plain errors. A command that only groups others (sweep, sweep
// bench) would print its help and exit 0 on an unknown subcommand; it gets
// an argument check and a RunE that prints the help.
func usageExitTwo(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error { return badInput(args(cmd, a)) }
	}
	for _, sub := range c.Commands() {
		usageExitTwo(sub)
	}
}

// unknownSubcommand is cobra's own check for a command with subcommands,
// with its suggestions.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return fmt.Errorf("%s", msg)
}

// helpTopic is `sweep help [COMMAND…]`; cobra's own prints the usage and
// exits 0 for a topic that does not exist.
func helpTopic(c *cobra.Command, args []string) error {
	cmd, rest, err := c.Root().Find(args)
	if err != nil || cmd == nil || len(rest) > 0 {
		return badInput(fmt.Errorf("unknown help topic %q; `sweep help` lists the commands", strings.Join(args, " ")))
	}
	cmd.InitDefaultHelpFlag()
	return cmd.Help()
}
