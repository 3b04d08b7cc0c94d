package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// esWorker is a command worker whose validation loss is its lr: it
// reports every 10 steps, and exits when the runner stops it.
const esWorker = `trap 'exit 1' TERM
ev() { printf '%s\n' "$1" >> "$SWEEP_EVENTS"; }
ev '{"event":"start","pid":1,"host":"h"}'
s=0
while [ $s -lt 30 ]; do
  s=$((s+1))
  if [ $((s % 10)) -eq 0 ]; then ev '{"event":"eval","step":'$s',"split":"validation","values":{"loss":'$1'}}'; fi
  sleep 0.02
done
ev '{"event":"eval","step":30,"split":"test","values":{"loss":'$1'}}'
ev '{"event":"done","status":"ok"}'
`

// TestEarlyStopEverywhere: a sweep whose rule prunes three of four
// learning rates (the best pauses first, alone at its rung, and is
// promoted) shows them as pruned in run's summary, status, the report's
// CSV and sweep results.
func TestEarlyStopEverywhere(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte(`name: es
worker:
  kind: command
  command: [sh, -c, `+string(mustJSONString(esWorker))+`, worker, "{lr}"]
  report: events
executor: {kind: local, slots: 1}
hparams:
  lr: [1, 2, 3, 4]
  steps: 30
  eval_every: 10
early_stop: {kind: asha, min_steps: 10, reduction: 3}
select: {split: validation, metric: loss, goal: min}
`), 0o644)
	runs := filepath.Join(dir, "runs")
	out, errOut, code := run(t, "run", file, "--runs", runs)
	if code != 0 || !strings.Contains(out, "4 trials: 1 succeeded, 0 failed, 0 pending, 0 cancelled, 3 pruned") {
		t.Fatalf("run: exit %d, stdout %q, stderr %q; want 1 succeeded, 3 pruned", code, out, errOut)
	}
	out, _, code = run(t, "status", file, "--runs", runs)
	if code != 0 || !strings.Contains(out, "3 pruned") || !strings.Contains(out, "early stopping: 4 stops, 1 promotions") {
		t.Errorf("status: exit %d, got %q; want 3 pruned and the early-stopping line", code, out)
	}
	out, _, code = run(t, "results", file, "--runs", runs, "--where", `state=="pruned"`, "--format", "json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 3 {
		t.Errorf("results --where state==\"pruned\": exit %d, got %q; want 3 rows", code, out)
	}
	rep := filepath.Join(dir, "report")
	out, errOut, code = run(t, "report", file, "--runs", runs, "--out", rep, "--format", "csv")
	if code != 0 {
		t.Fatalf("report: exit %d, %s", code, errOut)
	}
	if !strings.Contains(out, "1 of 4 trials done, 0 failed, 3 pruned by early stopping, 0 missing") {
		t.Errorf("report: got %q, want the pruned counted", out)
	}
	f, err := os.Open(filepath.Join(rep, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("results.csv: %v, %d rows", err, len(recs))
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[h] = recs[1][i]
	}
	// The one that finished is the best lr, and the cell is complete.
	if got["pruned"] != "3" || got["done"] != "1" || got["status"] != "done" || got["selected_hparams"] != "lr=1" {
		t.Errorf("results.csv: got pruned %s, done %s, status %s, selected %s; want 3, 1, done, lr=1", got["pruned"], got["done"], got["status"], got["selected_hparams"])
	}
}

func mustJSONString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
