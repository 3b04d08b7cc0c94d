package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export TRIAL [FILE] --out DIR",
		Short: "Write a trial's trained adapter as a Hugging Face PEFT LoRA adapter",
		Long: `Write the adapter of TRIAL's latest succeeded attempt (a trial ID, or a
unique prefix of one) as a standard PEFT LoRA adapter: DIR/adapter_config.json
and DIR/adapter_model.safetensors, which PeftModel.from_pretrained(base, DIR)
loads. Every Tied-LoRA method is a per-layer LoRA (tied tensors copied into
each layer, u and v folded into A and B, frozen random tensors regenerated
from the seed), so the file is larger than the trial's own (docs/torch.md).

Only trials of the PyTorch worker on a Hugging Face model can be exported.
It runs python -m tiedlora_worker.export with a python that imports torch
and transformers.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: runExport,
	}
	f := cmd.Flags()
	f.String("out", "", "directory to write the adapter to (required)")
	f.String("db", "", "database path (default runs/<name>/sweep.db of FILE)")
	f.String("runs", "runs", "directory that holds one folder per sweep")
	f.String("tensors", "best", "best: the tensors at the best validation loss, which the trial was evaluated with; last: the last step's")
	f.String("model", "", "base model directory (default: the trial's model.path)")
	f.String("python", "", "python with torch and transformers (default: the one the attempt ran with, else the first of python3, /usr/bin/python3, python that imports torch)")
	f.String("cache", "", "where the worker package is extracted (default $XDG_CACHE_HOME/tiedlora-sweep)")
	f.Bool("json", false, "print the summary as JSON")
	return cmd
}

func runExport(cmd *cobra.Command, args []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	out := v.GetString("out")
	if out == "" {
		return badInput(errors.New("give --out DIR"))
	}
	if t := v.GetString("tensors"); t != "best" && t != "last" {
		return badInput(fmt.Errorf("--tensors must be best or last, got %q", t))
	}
	store, db, err := openSweepDB(v, args[1:])
	if err != nil {
		return err
	}
	defer store.Close()
	dir, checkpoint, err := exportAttempt(cmd, store, db, args[0])
	if err != nil {
		return err
	}
	specPath := filepath.Join(dir, "spec.json")
	spec, err := trainer.ReadSpec(specPath)
	if err != nil {
		return err
	}
	if err := torch.CheckExportable(spec, v.GetString("model")); err != nil {
		return badInput(err)
	}
	python := v.GetString("python")
	if python == "" {
		python = torch.AttemptPython(dir) // the interpreter that trained it
	}
	res, err := torch.Export(cmd.Context(), torch.DefaultFinder, torch.ExportRequest{
		Python: python, CacheDir: v.GetString("cache"), SpecPath: specPath, Checkpoint: checkpoint,
		Out: out, Tensors: v.GetString("tensors"), Model: v.GetString("model"), PythonPath: os.Getenv("PYTHONPATH"),
	})
	if err != nil {
		return err
	}
	if v.GetBool("json") {
		return writeJSON(cmd.OutOrStdout(), res)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: LoRA rank %d on %d modules, %d values (%d bytes), %s tensors of %s\n",
		res.Out, res.Rank, res.Modules, res.Params, res.Bytes, res.Tensors, res.Checkpoint)
	return nil
}

// exportAttempt finds the directory of the trial's latest succeeded attempt
// and its recorded checkpoint ("" when none is recorded or it is gone: the
// exporter then takes the newest beside the spec).
func exportAttempt(cmd *cobra.Command, store *results.Store, db, prefix string) (string, string, error) {
	trials, err := store.TrialStatuses(cmd.Context())
	if err != nil {
		return "", "", err
	}
	var ids []string
	for id := range trials {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	switch {
	case len(ids) == 0:
		return "", "", badInput(fmt.Errorf("no trial %s in %s", prefix, db))
	case len(ids) > 1 && ids[0] != prefix:
		return "", "", badInput(fmt.Errorf("trial %s is ambiguous: %s", prefix, strings.Join(ids, ", ")))
	}
	id := ids[0]
	attempts, err := store.TrialAttempts(cmd.Context(), id, results.AttemptSucceeded)
	if err != nil {
		return "", "", err
	}
	if len(attempts) == 0 {
		return "", "", badInput(fmt.Errorf("trial %s has no succeeded attempt (it is %s)", id, trials[id].State))
	}
	a := attempts[len(attempts)-1]
	// The recorded directory is relative to where `sweep run` ran; the
	// run directory's layout (DESIGN.md, contract 2) holds wherever we are.
	dir := a.Dir
	if !filepath.IsAbs(dir) || !isDir(dir) {
		dir = filepath.Join(filepath.Dir(db), "trials", id, strconv.Itoa(a.Number))
	}
	if !isDir(dir) {
		return "", "", fmt.Errorf("trial %s attempt %d: its directory %s is gone", id, a.Number, dir)
	}
	ckpt := a.Checkpoint
	if ckpt != "" && !filepath.IsAbs(ckpt) {
		ckpt = filepath.Join(dir, ckpt)
	}
	if st, err := os.Stat(ckpt); ckpt == "" || err != nil || !st.Mode().IsRegular() {
		ckpt = ""
	}
	return dir, ckpt, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
