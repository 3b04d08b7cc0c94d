package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer/torch/torchbench"
)

func newBenchTorchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "torch",
		Short: "Training step time of the PyTorch worker's LoRA and TL6 against HF PEFT's LoRA",
		Long: `Build a randomly initialised transformers LlamaForCausalLM from a config
(d 256, 4 layers, 8 heads, 4 KV heads, FFN 688, vocabulary 1000; float32;
nothing is downloaded), and train adapters of rank 8 on q_proj, k_proj and
v_proj (alpha = r, no dropout, frozen base, AdamW) on one batch of 8 × 128
random tokens with: HF PEFT's LoRA, this worker's LoRA, this worker's TL6,
and for reference this worker's LoRA on the fused qkv target (one A shared
by q, k and v). Every contender trains its own copy of the model in one
Python process with the same torch threads: --threads, default 1, as on
a shared machine a second thread makes step times swing tenfold whenever
another process takes a core; and OPENBLAS_NUM_THREADS=1 (--blas-threads:
OpenBLAS's own threads inside torch's oversubscribe the cores). After warm-up steps, the timed
steps run in rounds, one block per contender, the order rotating; the
figure is the median step time.

It prints each one's step time and tokens/s, our LoRA ÷ PEFT's LoRA and TL6
÷ our LoRA (goal for both: ≤ 1.05×). The Python is --python, else
$TIEDLORA_PYTHON, else the project's .venv/bin/python, else python3; it
needs torch and transformers, and peft for the PEFT row.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := settings(cmd)
			if err != nil {
				return err
			}
			cfg := torchbench.Default
			cfg.Threads = v.GetInt("threads")
			cfg.BLASThreads = v.GetInt("blas-threads")
			cfg.Warmup = v.GetInt("warmup")
			cfg.Rounds = v.GetInt("rounds")
			cfg.StepsPerRound = v.GetInt("steps-per-round")
			if cfg.Warmup < 1 || cfg.Rounds < 1 || cfg.StepsPerRound < 1 {
				return badInput(fmt.Errorf("--warmup, --rounds and --steps-per-round must be at least 1"))
			}
			var progress io.Writer
			if !v.GetBool("json") {
				progress = cmd.ErrOrStderr()
			}
			res, err := torchbench.Measure(cmd.Context(), cfg, v.GetString("python"), v.GetString("cache"), progress)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if v.GetBool("json") {
				return writeJSON(out, res)
			}
			printTorchBench(out, res)
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().String("python", "", "a Python with torch, transformers and peft (default: $TIEDLORA_PYTHON, the project's .venv, python3)")
	cmd.Flags().String("cache", "", "where the worker package is extracted (default: the user cache directory)")
	cmd.Flags().Int("threads", torchbench.Default.Threads, "torch threads, the same for every contender (0: the number of CPUs)")
	cmd.Flags().Int("blas-threads", torchbench.Default.BLASThreads, "OPENBLAS_NUM_THREADS for the Python process (0: leave it as it is); OpenBLAS's own threads inside torch's oversubscribe the cores")
	cmd.Flags().Int("warmup", torchbench.Default.Warmup, "untimed steps per contender")
	cmd.Flags().Int("rounds", torchbench.Default.Rounds, "rounds of timed steps")
	cmd.Flags().Int("steps-per-round", torchbench.Default.StepsPerRound, "timed steps per contender in each round")
	return cmd
}

func printTorchBench(out io.Writer, res *torchbench.Result) {
	if res.Skipped != "" {
		fmt.Fprintln(out, "bench torch skipped:", res.Skipped)
		return
	}
	c := res.Config
	fmt.Fprintf(out, "LlamaForCausalLM d=%d L=%d heads=%d kv_heads=%d ffn=%d vocab=%d (%d parameters), float32; batch %d × %d tokens, rank %d\n",
		c.Arch.Hidden, c.Arch.Layers, c.Arch.Heads, c.Arch.KVHeads, c.Arch.FFN, c.Arch.Vocab, res.Params, c.Batch, c.Seq, c.Rank)
	blas := "as set"
	if c.BLASThreads > 0 {
		blas = fmt.Sprint(c.BLASThreads)
	}
	fmt.Fprintf(out, "torch %s, transformers %s, peft %s; %d torch threads, OPENBLAS_NUM_THREADS %s; median of %d timed steps each after %d warm-up\n",
		res.Torch, res.Transformers, orNone(res.PEFT), res.Threads, blas, c.Rounds*c.StepsPerRound, c.Warmup)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADAPTER\tTARGETS\tTRAINABLE\tSTEP (MEDIAN)\tMIN – MAX\tTOKENS/S")
	for _, r := range res.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f ms\t%.1f – %.1f ms\t%.0f\n", r.Name, strings.Join(r.Targets, ","), r.Trainable,
			r.StepMS, r.StepMSMin, r.StepMSMax, r.TokensPerS)
	}
	tw.Flush()
	verdict := func(x float64) string {
		if x <= torchbench.Goal {
			return "met"
		}
		return "missed"
	}
	if res.PEFTSkipped != "" {
		fmt.Fprintln(out, "HF PEFT skipped:", res.PEFTSkipped)
	} else {
		fmt.Fprintf(out, "our LoRA ÷ PEFT's LoRA: %.3f× (goal ≤ %.2f×: %s)\n", res.Ratios.LoRAOverPEFT, torchbench.Goal, verdict(res.Ratios.LoRAOverPEFT))
	}
	fmt.Fprintf(out, "TL6 ÷ our LoRA: %.3f× (goal ≤ %.2f×: %s)\n", res.Ratios.TL6OverLoRA, torchbench.Goal, verdict(res.Ratios.TL6OverLoRA))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
