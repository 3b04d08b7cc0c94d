package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

func newWorkerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker --spec FILE",
		Short: "The built-in Go trainer, as the runner starts it",
		Long: `Train and evaluate one attempt described by a spec.json, speaking the
worker protocol: events are appended to $SWEEP_EVENTS (default
<attempt_dir>/events.jsonl). The base model is pretrained once per
architecture and recipe into the cache (spec cache_dir, default
$XDG_CACHE_HOME/tiedlora-sweep) and reused. Exit status 0 follows
"done ok"; SIGTERM stops at the next step with "done failed", and a
later attempt resumes from the last checkpoint.`,
		Args: cobra.NoArgs,
		RunE: runWorker,
	}
	cmd.Flags().String("spec", "", "spec.json of the attempt (default $SWEEP_SPEC)")
	return cmd
}

func runWorker(cmd *cobra.Command, _ []string) error {
	v, err := settings(cmd)
	if err != nil {
		return err
	}
	path := v.GetString("spec")
	if path == "" {
		return badInput(fmt.Errorf("--spec (or %s) is required", trainer.EnvSpec))
	}
	spec, err := trainer.ReadSpec(path)
	if err != nil {
		return badInput(err)
	}
	events := os.Getenv(trainer.EnvEvents)
	if events == "" {
		if spec.AttemptDir == "" {
			return badInput(fmt.Errorf("%s: no attempt_dir and no %s", path, trainer.EnvEvents))
		}
		events = filepath.Join(spec.AttemptDir, "events.jsonl")
	}
	f, err := os.OpenFile(events, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := &gotrain.Worker{Spec: spec, Events: trainer.NewEventWriter(f), Backend: mm.Default()}
	return w.Run(ctx)
}
