// Package servebench is `sweep bench serve`: the dashboard under load
// against a sweep that writes, and the small live sweeps its tests and the
// dashboard's browser test watch.
package servebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/runner"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// SweepOptions shape a live sweep of shell workers.
type SweepOptions struct {
	Name    string
	Methods []string // default lora
	Ranks   []int    // default 8
	Seeds   int      // default 1
	Slots   int      // default 2
	// Steps each worker takes, writing one metric event each (default 10);
	// every fifth step also writes a validation score.
	Steps int
	// Delay between steps (default 0: as fast as the shell goes).
	Delay time.Duration
}

// workerScript is a command worker in POSIX shell: the protocol's events
// at a pace, so that a dashboard sees steps land. Its loss falls with the
// step; its validation score (exact_match, syn-squad's) rises.
const workerScript = `#!/bin/sh
set -e
steps=$1; delay=$2; rank=$3; method=$4
# A score that depends on the cell, so a report has something to compare.
bonus=0
[ "$method" = lora ] && bonus=5
score=$((40 + rank + bonus))
t=2026-01-01T00:00:00Z
echo "{\"t\":\"$t\",\"event\":\"start\",\"pid\":$$}" >>"$SWEEP_EVENTS"
i=1
while [ "$i" -le "$steps" ]; do
  echo "{\"t\":\"$t\",\"event\":\"metric\",\"step\":$i,\"values\":{\"loss\":0.$((999 - 800 * i / steps)),\"lr\":0.001}}" >>"$SWEEP_EVENTS"
  if [ $((i % 5)) -eq 0 ]; then
    echo "{\"t\":\"$t\",\"event\":\"eval\",\"step\":$i,\"split\":\"validation\",\"values\":{\"loss\":0.$((999 - 700 * i / steps)),\"exact_match\":$((score * i / steps))}}" >>"$SWEEP_EVENTS"
  fi
  echo "step $i"
  [ "$delay" = 0 ] || sleep "$delay"
  i=$((i + 1))
done
echo "{\"t\":\"$t\",\"event\":\"eval\",\"step\":$steps,\"split\":\"test\",\"values\":{\"exact_match\":$score}}" >>"$SWEEP_EVENTS"
echo "{\"t\":\"$t\",\"event\":\"done\",\"status\":\"ok\"}" >>"$SWEEP_EVENTS"
`

// WriteSweep writes the sweep file and its worker into dir and returns
// the file's path. Its database goes to dir/runs/NAME/sweep.db (DB).
func WriteSweep(dir string, o SweepOptions) (string, error) {
	if o.Name == "" {
		o.Name = "live"
	}
	if len(o.Methods) == 0 {
		o.Methods = []string{"lora"}
	}
	if len(o.Ranks) == 0 {
		o.Ranks = []int{8}
	}
	o.Seeds, o.Slots, o.Steps = max(o.Seeds, 1), max(o.Slots, 1), max(o.Steps, 1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "worker.sh"), []byte(workerScript), 0o755); err != nil {
		return "", err
	}
	var ranks []string
	for _, r := range o.Ranks {
		ranks = append(ranks, strconv.Itoa(r))
	}
	delay := strconv.FormatFloat(o.Delay.Seconds(), 'f', -1, 64)
	text := fmt.Sprintf(`name: %s
model: go-tiny
tasks: [syn-squad]
methods: [%s]
ranks: [%s]
seeds: {from: 1, to: %d}
worker:
  kind: command
  command: [sh, "{sweep_dir}/worker.sh", "%d", "%s", "{rank}", "{method}"]
  report: events
executor: {kind: local, slots: %d}
`, o.Name, strings.Join(o.Methods, ", "), strings.Join(ranks, ", "), o.Seeds, o.Steps, delay, o.Slots)
	file := filepath.Join(dir, o.Name+".yaml")
	return file, os.WriteFile(file, []byte(text), 0o644)
}

// DB is where a sweep file written by WriteSweep in dir keeps its database.
func DB(dir, name string) string {
	if name == "" {
		name = "live"
	}
	return filepath.Join(dir, "runs", name, "sweep.db")
}

// Run runs the sweep file until it is done or ctx ends, and returns how
// many of its trials succeeded. A run that ctx stopped is no error.
func Run(ctx context.Context, file string) (int, error) {
	s, err := sweeps.Load(file)
	if err != nil {
		return 0, err
	}
	db := DB(filepath.Dir(file), s.File.Name)
	store, err := results.Open(db)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	r := runner.New(s, store, runner.Options{RunDir: filepath.Dir(db), Executor: &runner.Local{Config: s.File.Executor},
		Reporter: &runner.LogReporter{W: io.Discard}, Grace: time.Second, Poll: 100 * time.Millisecond})
	_, err = r.Run(ctx)
	if ctx.Err() != nil {
		err = nil
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return 0, err
	}
	counts, cerr := store.StateCounts(context.Background())
	if cerr != nil {
		return 0, cerr
	}
	return counts[results.TrialSucceeded], err
}
