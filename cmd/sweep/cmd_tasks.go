package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tiedlora/tiedlora-sweep/tasks"
)

func newTasksCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tasks",
		Short: "List the tasks: data format, metric and evaluation mode",
		Long: `tasks lists the five tasks of the Tied-LoRA paper (squad, dialogsum,
hellaswag, iwslt2017-de-en, gsm8k) and their offline synthetic twins
(syn-*), with each task's data format, primary metric and evaluation mode
(generate: greedy generation scored by the metric; choice: the ending with
the highest log-likelihood). --json adds the default prompt templates.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			return listTasks(cmd.OutOrStdout(), v.GetBool("json"))
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.AddCommand(newTasksShowCmd(), newTasksGenerateCmd())
	return cmd
}

func listTasks(out io.Writer, asJSON bool) error {
	var infos []tasks.Info
	for _, n := range tasks.Names() {
		info, _ := tasks.Lookup(n)
		infos = append(infos, info)
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(infos)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tFORMAT\tMETRIC\tMODE\tTWIN OF")
	for _, i := range infos {
		twin := i.Twin
		if twin == "" {
			twin = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Name, i.Format, i.Metric, i.Mode, twin)
	}
	return tw.Flush()
}

func newTasksShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show TASK",
		Short: "Print a task's normalised examples",
		Long: `show prints the examples of one split of a task as workers see them:
id, prompt, target (the text after the prompt that the loss covers),
references (what the metric compares a generation with) and, for
multiple-choice tasks, choices and gold.

--data names the file to read as the split (--split, default train),
exactly as it is, with no validation carved off. A synthetic task without
--data generates its data in memory (--seed, --size, --difficulty).
Output is JSON Lines, one example a line; on a terminal it is laid out for
reading unless --json is given. Bad data is reported as file:line (or the
JSON path for SQuAD) with exit status 2.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			name := args[0]
			info, ok := tasks.Lookup(name)
			if !ok {
				return badInput(fmt.Errorf("unknown task %q (known: %s)", name, strings.Join(tasks.Names(), ", ")))
			}
			if !info.Synthetic() && v.GetString("data") == "" {
				return badInput(fmt.Errorf("%s reads its data from files: pass --data PATH (or try syn-%s)", name, strings.TrimSuffix(name, "2017-de-en")))
			}
			split := v.GetString("split")
			limit := v.GetInt("limit")
			if limit < 0 {
				return badInput(fmt.Errorf("--limit: must be 0 (all) or more, got %d", limit))
			}
			cfg := tasks.Config{Name: name, Prompt: v.GetString("prompt")}
			var examples []tasks.Example
			if data := v.GetString("data"); data != "" {
				examples, err = tasks.LoadFile(cfg, split, data)
			} else {
				cfg.Seed = v.GetInt64("seed")
				cfg.Size = v.GetInt("size")
				cfg.Difficulty = v.GetInt("difficulty")
				examples, err = tasks.Load(cfg, split)
			}
			if err != nil {
				return badInput(err)
			}
			if limit > 0 && limit < len(examples) {
				examples = examples[:limit]
			}
			out := cmd.OutOrStdout()
			if !v.GetBool("json") && isTerminal(out) {
				return showText(out, name, split, examples)
			}
			return showJSON(out, examples)
		},
	}
	f := cmd.Flags()
	f.String("data", "", "file to read as the split (default: generated data of a synthetic task)")
	f.String("split", tasks.Train, "split: train, validation or test")
	f.Int("limit", 10, "print at most N examples (0: all)")
	f.Bool("json", false, "print JSON Lines even on a terminal")
	f.String("prompt", "", "prompt template instead of the task's default")
	f.Int64("seed", 0, "seed of a synthetic task's generator")
	f.Int("size", 0, fmt.Sprintf("training examples of a synthetic task (default %d)", tasks.DefaultSize))
	f.Int("difficulty", 0, fmt.Sprintf("difficulty of a synthetic task, 1 to %d (default 1)", tasks.MaxDifficulty))
	return cmd
}

func showJSON(out io.Writer, examples []tasks.Example) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, e := range examples {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

func showText(out io.Writer, name, split string, examples []tasks.Example) error {
	for i, e := range examples {
		fmt.Fprintf(out, "── %s %s #%d  id %s\n", name, split, i+1, e.ID)
		fmt.Fprintf(out, "prompt:\n%s\n", indent(e.Prompt))
		fmt.Fprintf(out, "target: %s\n", strconv.Quote(e.Target))
		for k, c := range e.Choices {
			mark := " "
			if k == e.Gold {
				mark = "*"
			}
			fmt.Fprintf(out, "  %s choice %d: %s\n", mark, k, strconv.Quote(c))
		}
		if len(e.Choices) == 0 {
			for _, r := range e.References {
				fmt.Fprintf(out, "  reference: %s\n", strconv.Quote(r))
			}
		}
		fmt.Fprintln(out)
	}
	return nil
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newTasksGenerateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate TASK --out DIR",
		Short: "Write a synthetic task's data set as files in its real twin's format",
		Long: `generate writes the train, validation and test files of a synthetic task
(syn-squad, syn-dialogsum, syn-hellaswag, syn-iwslt, syn-gsm8k) into DIR,
in the format of the real data set it imitates, so that any worker, or
the real task's loader, can read them. The same --seed, --size and
--difficulty give the same bytes. It prints the files and the sweep-file
entry that reads them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			dir := v.GetString("out")
			if dir == "" {
				return badInput(fmt.Errorf("--out DIR is required"))
			}
			cfg := tasks.Config{Name: args[0], Seed: v.GetInt64("seed"), Size: v.GetInt("size"), Difficulty: v.GetInt("difficulty")}
			g, err := tasks.Synthesize(cfg)
			if err != nil {
				return badInput(err)
			}
			written, err := g.WriteDir(dir)
			if err != nil {
				return err
			}
			return printGenerated(cmd.OutOrStdout(), g, written)
		},
	}
	f := cmd.Flags()
	f.String("out", "", "directory to write the files into (created if needed)")
	f.Int64("seed", 0, "generator seed")
	f.Int("size", 0, fmt.Sprintf("training examples (default %d; validation and test get min(size, %d) each)", tasks.DefaultSize, tasks.DefaultEvalSize))
	f.Int("difficulty", 0, fmt.Sprintf("1 to %d (default 1)", tasks.MaxDifficulty))
	return cmd
}

func printGenerated(out io.Writer, g *tasks.Generated, cfg tasks.Config) error {
	fmt.Fprintf(out, "%s (seed %d, size %d, difficulty %d):\n", g.Task, g.Seed, g.Size, g.Difficulty)
	for _, s := range tasks.Splits() {
		if p, ok := cfg.Data[s]; ok {
			fmt.Fprintf(out, "  %-10s %6d examples  %s\n", s, g.Counts[s], p)
		}
	}
	var files []string
	for _, f := range g.Files {
		files = append(files, f.Name)
	}
	sort.Strings(files)
	fmt.Fprintf(out, "files: %s\n", strings.Join(files, ", "))
	fmt.Fprintf(out, "sweep file entry:\n  tasks:\n    - name: %s\n      data:\n", g.Task)
	for _, s := range tasks.Splits() {
		if p, ok := cfg.Data[s]; ok {
			abs, err := filepath.Abs(p)
			if err != nil {
				abs = p
			}
			fmt.Fprintf(out, "        %s: %s\n", s, strconv.Quote(abs))
		}
	}
	return nil
}
