package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
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

Settings come from flags, then SWEEP_* environment variables, then the
settings file (--settings), then defaults.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().String("settings", "", "settings file (YAML) with defaults for any flag")
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
		newCancelCmd(),
		newExportCmd(),
	)
	return root
}

// settings resolves a command's flags through viper: flags > SWEEP_*
// environment > settings file > defaults. Each command gets its own viper
// instance; there is no global one.
func settings(cmd *cobra.Command) (*viper.Viper, error) {
	v := viper.New()
	v.SetEnvPrefix("SWEEP")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err := v.BindPFlag(f.Name, f); err != nil && bindErr == nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return nil, bindErr
	}
	if file, _ := cmd.Flags().GetString("settings"); file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, badInput(err)
		}
	}
	return v, nil
}
