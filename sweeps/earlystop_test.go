package sweeps

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const esHead = "name: es\ntasks: [syn-squad, syn-gsm8k]\nmethods: [lora, tl6]\nranks: [2, 8]\nseeds: [1, 2]\nhparams: {lr: [1e-3, 3e-3, 1e-2], steps: 300, eval_every: 20}\n"

// TestEarlyStopResolved: defaults, group keys and the plan's line.
func TestEarlyStopResolved(t *testing.T) {
	s := mustParse(t, esHead+"early_stop: {kind: asha, min_steps: 60}\n")
	e := s.EarlyStop()
	want := EarlyStop{Kind: EarlyStopASHA, Metric: "loss", Goal: "min", MinSteps: 60, Reduction: 3, GroupBy: []string{"task", "method", "rank", "seed"}}
	if e == nil || e.Kind != want.Kind || e.Metric != want.Metric || e.Goal != want.Goal || e.MinSteps != want.MinSteps ||
		e.Reduction != want.Reduction || !slices.Equal(e.GroupBy, want.GroupBy) {
		t.Fatalf("got %+v, want %+v", e, want)
	}
	trials := s.Trials()
	groups := map[string]int{}
	for i := range trials {
		groups[s.EarlyStopGroup(&trials[i])]++
	}
	if len(groups) != 16 || groups["task=syn-squad method=lora rank=8 seed=1"] != 3 {
		t.Errorf("got groups %v, want 16 groups of 3 (the lr grid), one of them task=syn-squad method=lora rank=8 seed=1", groups)
	}
	p := s.Plan()
	const line = "early stop: asha on validation loss (min), rungs at 60, 180 steps of 300, η=3, groups by task, method, rank, seed: 16 groups of 3"
	if p.EarlyStop == nil || p.EarlyStop.Summary != line {
		t.Errorf("got plan line %+v, want %q", p.EarlyStop, line)
	}
	b, err := json.Marshal(p)
	if err != nil || !strings.Contains(string(b), `"early_stop":{"kind":"asha","metric":"loss","goal":"min","min_steps":60,"reduction":3,"group_by":["task","method","rank","seed"],"rungs":[60,180]`) {
		t.Errorf("plan JSON: %v\n%s", err, b)
	}
	// A copy: the caller cannot change the sweep's rule.
	e.GroupBy[0] = "x"
	if s.EarlyStop().GroupBy[0] != "task" {
		t.Error("EarlyStop hands out the sweep's own GroupBy")
	}
	if mustParse(t, esHead).EarlyStop() != nil {
		t.Error("a sweep without early_stop has a rule")
	}
}

func TestEarlyStopMedianAndGroupBy(t *testing.T) {
	// group_by in any order and by plural keys; the key's order is fixed.
	s := mustParse(t, esHead+"early_stop:\n  kind: median\n  group_by: [seeds, lr, task]\n  min_trials: 2\n  goal: max\n")
	e := s.EarlyStop()
	if e.Kind != EarlyStopMedian || e.MinSteps != 20 || e.MinTrials != 2 || e.Reduction != 0 || e.Goal != "max" || !slices.Equal(e.GroupBy, []string{"task", "seed", "lr"}) {
		t.Fatalf("got %+v", e)
	}
	tr := s.Trials()[0]
	if got, want := s.EarlyStopGroup(&tr), "task=syn-squad seed=1 lr=0.001"; got != want {
		t.Errorf("got group %q, want %q", got, want)
	}
	const line = "early stop: median on validation loss (max), from step 20 of 300, once 2 other trials reported, groups by task, seed, lr: 12 groups of 4"
	if got := s.Plan().EarlyStop.Summary; got != line {
		t.Errorf("got %q, want %q", got, line)
	}
	// A command worker names its own metric and has no eval_every: then
	// min_steps is required.
	cmd := "name: c\nworker: {kind: command, command: [x]}\nhparams: {lr: [1, 2]}\n"
	s = mustParse(t, cmd+"early_stop: {kind: median, metric: bleu, min_steps: 5}\n")
	if e := s.EarlyStop(); e.Metric != "bleu" || e.Goal != "max" || !slices.Equal(e.GroupBy, []string{"seed"}) {
		t.Errorf("got %+v, want bleu, max, grouped by seed", e)
	}
	_, err := Parse("c.yaml", []byte(cmd+"early_stop: {kind: median, metric: bleu}\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4:13: early_stop.min_steps is required") {
		t.Errorf("got %v, want min_steps required", err)
	}
	// Per-trial steps: every trial's, by method too.
	s = mustParse(t, "name: p\ntasks: [syn-squad]\nmethods: [lora, tl6]\nranks: [8]\nhparams:\n  lr: [1e-3, 1e-2]\n  steps: {by_method: {default: 200, tl6: 600}}\n  eval_every: 50\nearly_stop: {kind: asha, min_steps: 50, reduction: 2}\n")
	want := "early stop: asha on validation loss (min), rungs at 50, 100, 200, 400 steps of 200 to 600, η=2, groups by task, method, rank, seed: 2 groups of 2"
	if got := s.Plan().EarlyStop.Summary; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// patience and early_stop together are allowed.
	mustParse(t, strings.Replace(esHead, "eval_every: 20", "eval_every: 20, patience: 3", 1)+"early_stop: {kind: asha}\n")
}

// TestEarlyStopKeepsIDs: early_stop is how trials are run, not what they
// are: the same trials with and without it.
func TestEarlyStopKeepsIDs(t *testing.T) {
	a := ids(mustParse(t, esHead).Trials())
	b := ids(mustParse(t, esHead+"early_stop: {kind: asha, min_steps: 60}\n").Trials())
	if !slices.Equal(a, b) {
		t.Errorf("early_stop changed the trial IDs: %v, want %v", b, a)
	}
}

// TestShippedEarlyStopSweeps: the early-stopping benchmark compares
// examples/early-stop/asha.yaml with grid.yaml, which must be the same
// trials; and the lr-search example plans.
func TestShippedEarlyStopSweeps(t *testing.T) {
	grid, err := Load("../examples/early-stop/grid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	asha, err := Load("../examples/early-stop/asha.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if grid.EarlyStop() != nil || asha.EarlyStop() == nil {
		t.Fatalf("early_stop: got grid %v, asha %v; want none, one", grid.EarlyStop(), asha.EarlyStop())
	}
	g, a := grid.Trials(), asha.Trials()
	if len(g) != 288 || len(a) != len(g) {
		t.Fatalf("trials: got grid %d, asha %d; want 288 each", len(g), len(a))
	}
	for i := range g {
		if g[i].ID != a[i].ID {
			t.Fatalf("trial %d: got grid %s, asha %s; want the same trial", i, g[i].ID, a[i].ID)
		}
	}
	search, err := Load("../examples/early-stop/lr-search.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(search.Trials()); n != 48 {
		t.Errorf("lr-search.yaml: got %d trials, want 48", n)
	}
}
