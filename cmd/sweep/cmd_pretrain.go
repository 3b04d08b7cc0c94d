package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain"
)

func newPretrainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pretrain --model M [--out DIR | --check]",
		Short: "Pretrain a Go-trainer base model by its default recipe, or check a shipped one bit for bit",
		Long: `pretrain builds the base model that the built-in Go trainer would
pretrain for a preset (its default recipe: the synthetic corpora, the
tokenizer, the pretraining run) with the pure-Go matrix backend, whose
results do not depend on the thread count. --out writes it to DIR/<key>/
with its SHA256SUMS; --check rebuilds the base that ships with the program
and compares every file byte for byte. See docs/gotrain.md.`,
		Example: `  sweep pretrain --model go-deep --out trainer/gotrain/bases
  sweep pretrain --model go-deep --check`,
		Args: cobra.NoArgs,
		RunE: runPretrain,
	}
	f := cmd.Flags()
	f.String("model", "", "Go-trainer preset: "+strings.Join(goPresets(), ", "))
	f.String("out", "", "folder to write the base into, as <out>/<recipe key>/")
	f.Bool("check", false, "rebuild the shipped base of this preset and compare it byte for byte")
	return cmd
}

// goPresets are the presets the Go trainer builds (learned positions, GELU).
func goPresets() []string {
	var out []string
	for _, n := range trainer.PresetNames() {
		if strings.HasPrefix(n, "go-") {
			out = append(out, n)
		}
	}
	return out
}

func runPretrain(cmd *cobra.Command, _ []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	name, out, check := v.GetString("model"), v.GetString("out"), v.GetBool("check")
	arch, ok := trainer.Preset(name)
	if !ok || !strings.HasPrefix(name, "go-") {
		return badInput(fmt.Errorf("--model: want one of %s, got %q", strings.Join(goPresets(), ", "), name))
	}
	if (out == "") == !check {
		return badInput(errors.New("give --out DIR or --check"))
	}
	r := gotrain.DefaultRecipe(arch, nil)
	w := cmd.ErrOrStderr()
	began := time.Now()
	progress := func(step, steps int, loss float64) {
		if step%max(1, steps/10) == 0 || step == steps {
			fmt.Fprintf(w, "%s step %d of %d, loss %.4f, %s\n", name, step, steps, loss, time.Since(began).Round(time.Second))
		}
	}
	fmt.Fprintf(w, "%s: recipe %s, %d steps, batch %d\n", name, r.Key(), r.Steps, r.Batch)
	if check {
		sums, err := gotrain.CheckShipped(cmd.Context(), r, progress)
		if errors.Is(err, gotrain.ErrNotShipped) {
			return badInput(err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s", sums)
		if err != nil {
			return fmt.Errorf("the rebuilt base of %s differs from the shipped one: %w", name, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: the rebuilt base equals the shipped one, byte for byte\n", name)
		return nil
	}
	dir, err := gotrain.Pretrain(cmd.Context(), out, r, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", dir)
	return nil
}
