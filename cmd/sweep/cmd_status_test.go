package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunThenStatus runs a small command sweep through the CLI and reads
// it back with `sweep status --json`.
func TestRunThenStatus(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte(`name: cli
worker:
  kind: command
  command: [sh, -c, 'test "$1" != 3', worker, "{seed}"]
  report: exit-code
executor: {kind: local, slots: 2}
seeds: {from: 1, to: 4}
max_retries: 0
`), 0o644)
	runs := filepath.Join(dir, "runs")
	out, errOut, code := run(t, "run", file, "--runs", runs)
	if code != 1 || !strings.Contains(errOut, "1 trials failed") {
		t.Fatalf("exit %d, stderr %q, want exit 1 and one failure", code, errOut)
	}
	if !strings.Contains(out, "4 trials: 3 succeeded, 1 failed") {
		t.Errorf("got summary %q", out)
	}
	out, _, code = run(t, "status", file, "--runs", runs, "--json")
	if code != 0 {
		t.Fatalf("status exit %d", code)
	}
	var st struct {
		Sweep   string         `json:"sweep"`
		Trials  int            `json:"trials"`
		ByState map[string]int `json:"by_state"`
		Failed  []struct {
			Kind  string `json:"kind"`
			Error string `json:"error"`
		} `json:"recent_failures"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Sweep != "cli" || st.Trials != 4 || st.ByState["succeeded"] != 3 || st.ByState["failed"] != 1 || len(st.Failed) != 1 || st.Failed[0].Kind != "crash" {
		t.Errorf("got %+v", st)
	}
	// Status of a sweep that never ran is bad input.
	_, errOut, code = run(t, "status", "--db", filepath.Join(dir, "nothing.db"))
	if code != 2 || !strings.Contains(errOut, "has not run yet") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
