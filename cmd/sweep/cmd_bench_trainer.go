package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/bench"
)

func newBenchTrainerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trainer",
		Short: "Training tokens/s of the Go trainer against PyTorch on the same tiny GPT",
		Long: `Train the configuration of shared/bench/torch_tiny_reference.py (vocab
512, d 128, 4 layers, 4 heads, sequence 64, batch 32, LoRA and TL6 at
rank 8 on fused QKV, frozen base, AdamW) with every matrix backend this
binary has (pure-Go gonum always; OpenBLAS when built with -tags
openblas), then run the PyTorch script itself when a python3 with torch
is present, and print tokens/s and the ratios. Goal: ≥ 1.0× PyTorch with
OpenBLAS (anchor: about 8,000 tokens/s with Debian's torch and OpenBLAS
on 2 cores).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			cfg := bench.Reference
			if s := v.GetInt("steps"); s > 0 {
				cfg.Steps = s
			}
			res, err := bench.Measure(cmd.Context(), cfg, v.GetString("python"))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if v.GetBool("json") {
				return writeJSON(out, res)
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TRAINER\tBACKEND\tMETHOD\tTOKENS/S\tSTEP\t÷ TORCH")
			for _, r := range res.Runs {
				ratio := ""
				if r.VsTorch > 0 {
					ratio = fmt.Sprintf("%.2f×", r.VsTorch)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.1f ms\t%s\n", r.Trainer, r.Backend, r.Method, r.TokensPerSec, r.StepMS, ratio)
			}
			tw.Flush()
			if res.TorchSkipped != "" {
				fmt.Fprintln(out, "torch baseline skipped:", res.TorchSkipped)
			}
			fmt.Fprintf(out, "memory: peak RSS %.0f MB, Go heap %.0f MB (goal < 500 MB); GOMAXPROCS %d\n", res.PeakRSSMB, res.GoHeapMB, res.GOMAXPROCS)
			fmt.Fprintln(out, "goal: ≥ 1.0× torch with OpenBLAS (anchor: ≈ 8,000 tokens/s, Debian torch + OpenBLAS, 2 cores)")
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().String("python", "", "python3 with torch for the baseline (default: look for one)")
	cmd.Flags().Int("steps", 0, "timed steps (default 20, as the reference script)")
	return cmd
}
