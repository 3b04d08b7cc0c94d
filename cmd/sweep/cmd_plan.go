package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

func newPlanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan FILE|-",
		Short: "Check a sweep file and list its trials with exact parameter counts; runs nothing",
		Long: `Check a sweep file and list its trials: ID, task, method, rank, seed,
the hyper-parameters the file sets, trainable parameters and their share of
LoRA's at the same rank; then the totals. Every problem in the file is
reported at once as file:line:col (exit status 2). Nothing is written.

For the torch worker the model is checked too: model.path must be a Hugging
Face checkpoint directory (config.json of a supported model_type, the
preset's shape, a tokenizer), and a model larger than the go-* presets
without a path needs init: random. sweep run checks the same before it
starts anything.

FILE "-" reads the sweep file from standard input; positions then read
<stdin>:line:col and relative paths are relative to the working directory.`,
		Args: cobra.ExactArgs(1),
		RunE: runPlan,
	}
	cmd.Flags().Bool("json", false, "print the plan as JSON")
	cmd.Flags().Int("limit", 0, "list at most this many trials (0: all); totals count all")
	return cmd
}

// loadSweep loads a sweep file, marking its problems as bad input.
func loadSweep(path string) (*sweeps.Sweep, error) {
	s, err := sweeps.Load(path)
	// A file that cannot be read — missing, a directory, a symlink loop,
	// unreadable — is the user's input as much as a bad line in it.
	var list sweeps.ErrorList
	var pe *fs.PathError
	if errors.As(err, &list) || errors.As(err, &pe) {
		return nil, badInput(err)
	}
	return s, err
}

func runPlan(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	s, err := loadSweepArg(cmd, args[0])
	if err != nil {
		return err
	}
	if s.File.Executor.Kind == sweeps.ExecSlurm {
		// The batch-script settings are checked where scripts are made;
		// plan reports them too, before anything is submitted.
		if _, err := runner.NewSlurm(s.File.Executor, s.File.Name, ""); err != nil {
			return badInput(fmt.Errorf("%s: %w", args[0], err))
		}
	}
	p := s.Plan()
	if n := v.GetInt("limit"); n > 0 && n < len(p.Trials) {
		p.Trials = p.Trials[:n]
	}
	out := cmd.OutOrStdout()
	if v.GetBool("json") {
		return writeJSON(out, p)
	}
	return printPlan(out, p)
}

// axisPlural names an axis in a plan's header.
var axisPlural = map[string]string{sweeps.AxisTask: "tasks", sweeps.AxisMethod: "methods", sweeps.AxisRank: "ranks", sweeps.AxisSeed: "seeds"}

func printPlan(out io.Writer, p sweeps.Plan) error {
	// Axes with several values make the grid; single values are settings.
	var dims, fixed, defaults, shown []string
	for _, d := range p.Grid {
		if d.Size < 2 {
			continue
		}
		names := make([]string, len(d.Axes))
		for i, a := range d.Axes {
			names[i] = a
			if plural, ok := axisPlural[a]; ok {
				names[i] = plural
			}
		}
		label := names[0]
		if len(names) > 1 {
			label = "(" + strings.Join(names, ", ") + ")"
		}
		if d.PerMethod {
			// Each method crosses only its own values: no one count.
			dims = append(dims, label+" by method")
			continue
		}
		dims = append(dims, fmt.Sprintf("%d %s", d.Size, label))
	}
	for _, a := range p.Axes {
		_, builtin := axisPlural[a.Name]
		switch {
		case a.Default && a.Derived != "":
			// It follows each trial's own values (warmup=steps/20).
			defaults = append(defaults, a.Name+"="+a.Derived)
		case a.Default:
			defaults = append(defaults, fmt.Sprintf("%s=%v", a.Name, a.Values[0]))
		case len(a.Values) > 1 && !builtin:
			shown = append(shown, a.Name)
		case len(a.Values) == 1 && !builtin:
			fixed = append(fixed, fmt.Sprintf("%s=%v", a.Name, a.Values[0]))
		}
	}
	fmt.Fprintf(out, "sweep %s: %d trials", p.Sweep, p.Totals.Trials)
	if len(dims) > 0 {
		fmt.Fprintf(out, " (%s", strings.Join(dims, " × "))
		if p.Totals.Excluded > 0 {
			fmt.Fprintf(out, ", less %d excluded", p.Totals.Excluded)
		}
		fmt.Fprint(out, ")")
	}
	fmt.Fprintln(out)
	if m := p.Model; m != nil {
		fmt.Fprintf(out, "model %s: d=%d, L=%d, %d heads (%d kv), %s base parameters\n", m.Name, m.Hidden, m.Layers, m.Heads, m.KVHeads, groupDigits(m.BaseParams()))
	}
	fmt.Fprintf(out, "worker %s, executor %s\n", p.Worker.Kind, p.Executor.Kind)
	if len(fixed) > 0 {
		fmt.Fprintf(out, "every trial: %s\n", strings.Join(fixed, " "))
	}
	if len(defaults) > 0 {
		fmt.Fprintf(out, "worker defaults: %s\n", strings.Join(defaults, " "))
	}
	if p.Samples != nil {
		fmt.Fprintln(out, p.Samples.Summary)
	}
	if p.EarlyStop != nil {
		fmt.Fprintln(out, p.EarlyStop.Summary)
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTASK\tMETHOD\tRANK\tSEED\tHPARAMS\tTRAINABLE\tOF LORA")
	for _, t := range p.Trials {
		var hp []string
		for _, name := range shown {
			if x, ok := t.HParam(name); ok {
				hp = append(hp, fmt.Sprintf("%s=%v", name, x))
			}
		}
		trainable, share := "-", "-"
		if t.Params != nil {
			trainable, share = groupDigits(t.Params.Trainable), percent(t.Params.PercentOfLoRA)
		}
		rank := "-"
		if t.Rank > 0 {
			rank = fmt.Sprint(t.Rank)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", t.ID, dash(t.TaskName()), dash(t.MethodName()), rank, t.Seed, dash(strings.Join(hp, " ")), trainable, share)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Trials) < p.Totals.Trials {
		fmt.Fprintf(out, "… %d more\n", p.Totals.Trials-len(p.Trials))
	}
	tot := p.Totals
	fmt.Fprintf(out, "\n%d trials", tot.Trials)
	if tot.MaxTrainable > 0 {
		fmt.Fprintf(out, "; %s to %s trainable parameters each", groupDigits(tot.MinTrainable), groupDigits(tot.MaxTrainable))
	}
	if tot.Steps > 0 {
		fmt.Fprintf(out, "; %s optimizer steps in all", groupDigits(tot.Steps))
	}
	fmt.Fprintln(out)
	if len(tot.ByMethod) > 0 {
		fmt.Fprintf(out, "by method: %s\n", counts(tot.ByMethod))
	}
	if len(tot.ByTask) > 0 {
		fmt.Fprintf(out, "by task: %s\n", counts(tot.ByTask))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
