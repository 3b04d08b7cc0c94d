package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func newParamsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "params --model M --method X --rank R",
		Short: "Exact trainable-parameter count of a method on a model",
		Example: `  sweep params --model llama2-7b --method tl6 --rank 8
  sweep params --config ./Llama-3-8B/config.json --method lora --rank 16 --targets qkv,o --json`,
		Args: cobra.NoArgs,
		RunE: runParams,
	}
	f := cmd.Flags()
	f.String("model", "", "architecture preset: "+strings.Join(trainer.PresetNames(), ", "))
	f.String("config", "", "a Hugging Face config.json instead of a preset")
	f.String("method", "", "method name (see `sweep methods`)")
	f.Int("rank", 0, "adapter rank r")
	f.StringSlice("targets", trainer.DefaultTargets, "adapter targets: "+strings.Join(trainer.TargetNames, ", "))
	f.Bool("json", false, "print JSON")
	return cmd
}

// paramsReport is the JSON of `sweep params`.
type paramsReport struct {
	Model   trainer.Arch `json:"model"`
	Method  string       `json:"method"`
	Status  string       `json:"status"`
	Notes   string       `json:"notes,omitempty"`
	Formula string       `json:"formula"`
	Rank    int          `json:"rank"`
	Targets []string     `json:"targets"`
	trainer.Count
}

func runParams(cmd *cobra.Command, _ []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	model, config := v.GetString("model"), v.GetString("config")
	var arch trainer.Arch
	switch {
	case model != "" && config != "":
		return badInput(fmt.Errorf("give --model or --config, not both"))
	case config != "":
		if arch, err = trainer.LoadHFConfig(config); err != nil {
			return badInput(err)
		}
	case model != "":
		var ok bool
		if arch, ok = trainer.Preset(model); !ok {
			return badInput(fmt.Errorf("unknown model %q; presets: %s", model, strings.Join(trainer.PresetNames(), ", ")))
		}
	default:
		return badInput(fmt.Errorf("--model or --config is required"))
	}
	cat, err := trainer.DefaultCatalogue()
	if err != nil {
		return err
	}
	name := v.GetString("method")
	m, ok := cat.Lookup(name)
	if !ok {
		return badInput(fmt.Errorf("unknown method %q; methods: %s", name, strings.Join(cat.Names(), ", ")))
	}
	rank := v.GetInt("rank")
	targets := v.GetStringSlice("targets")
	c, err := trainer.CountParams(arch, m, rank, targets)
	if err != nil {
		return badInput(err)
	}
	rep := paramsReport{Model: arch, Method: m.Name, Status: m.Status, Notes: m.Notes, Formula: m.Formula(), Rank: rank, Targets: targets, Count: c}
	rep.PercentOfLoRA, rep.PercentOfBase = sig4(c.PercentOfLoRA), sig4(c.PercentOfBase)
	out := cmd.OutOrStdout()
	if v.GetBool("json") {
		return writeJSON(out, rep)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (d=%d, L=%d, heads %d/%d kv, %s base parameters)\n", arch.Name, arch.Hidden, arch.Layers, arch.Heads, arch.KVHeads, groupDigits(c.Base))
	fmt.Fprintf(tw, "method\t%s (%s), per fused-QKV target: %s\n", m.Name, m.Status, m.Formula())
	if m.Notes != "" {
		fmt.Fprintf(tw, "status\t%s\n", m.Notes)
	}
	fmt.Fprintf(tw, "rank\t%d on %s\n", rank, strings.Join(targets, ", "))
	var parts []string
	for _, comp := range trainer.ComponentNames {
		if n := c.ByComponent[comp]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", comp, groupDigits(n)))
		}
	}
	if m.Reference {
		parts = []string{"the base model alone, no adapter"}
	}
	fmt.Fprintf(tw, "trainable\t%s\t(%s)\n", groupDigits(c.Trainable), strings.Join(parts, ", "))
	fmt.Fprintf(tw, "of LoRA\t%s\t(LoRA: %s)\n", percent(c.PercentOfLoRA), groupDigits(c.LoRA))
	fmt.Fprintf(tw, "of base\t%s\n", percent(c.PercentOfBase))
	if c.Frozen > 0 {
		fmt.Fprintf(tw, "frozen adapter\t%s\t(random A/B from a seed, not trained)\n", groupDigits(c.Frozen))
	}
	return tw.Flush()
}
