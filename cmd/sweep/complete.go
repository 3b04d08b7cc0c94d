package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Shell completion (`sweep completion bash|zsh|fish|powershell` prints the
// script): method names from the catalogue, task names from the registry,
// model presets, and *.yaml files where a command takes a sweep FILE.

// sweepFileArgs completes the first argument with sweep files.
func sweepFileArgs(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// fixed completes with names that start with what is typed.
func fixed(names func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, n := range names() {
			if strings.HasPrefix(n, typed) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// firstArg applies f to the first argument only.
func firstArg(f cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, typed)
	}
}

func methodNames() []string {
	c, err := trainer.DefaultCatalogue()
	if err != nil {
		return nil
	}
	return append(c.Names(), trainer.AllTied)
}

// addCompletions registers the completion functions on the commands that
// take these names; a command that is not in the tree is skipped.
func addCompletions(root *cobra.Command) {
	find := func(path ...string) *cobra.Command {
		c, _, err := root.Find(path)
		if err != nil || c == root {
			return nil
		}
		return c
	}
	for _, name := range []string{"plan", "run", "status", "report", "cancel"} {
		if c := find(name); c != nil {
			c.ValidArgsFunction = sweepFileArgs
		}
	}
	for _, path := range [][]string{{"tasks", "show"}, {"tasks", "generate"}} {
		if c := find(path...); c != nil {
			c.ValidArgsFunction = firstArg(fixed(tasks.Names))
		}
	}
	flags := []struct {
		cmd, flag string
		f         cobra.CompletionFunc
	}{
		{"params", "model", fixed(trainer.PresetNames)},
		{"params", "method", fixed(methodNames)},
		{"params", "targets", fixed(func() []string { return trainer.TargetNames })},
		{"params", "config", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		}},
		{"run", "executor", fixed(func() []string { return []string{"local", "slurm"} })},
	}
	for _, fl := range flags {
		if c := find(fl.cmd); c != nil && c.Flags().Lookup(fl.flag) != nil {
			_ = c.RegisterFlagCompletionFunc(fl.flag, fl.f)
		}
	}
	// --settings anywhere completes with YAML files.
	_ = root.RegisterFlagCompletionFunc("settings", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	})
}
