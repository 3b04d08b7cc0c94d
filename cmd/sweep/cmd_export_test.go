package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/trainer/torch"
)

// exportSweep runs a command sweep of seeds 1…3 whose worker, for seed s,
// runs the shell line scripts[s] in its attempt directory ($D) and
// succeeds when that does; it returns the database and the trial of each
// seed.
func exportSweep(t *testing.T, scripts map[int]string) (string, map[int]string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	var cases strings.Builder
	for s, line := range scripts {
		cases.WriteString(strconv.Itoa(s) + ") " + line + " ;; ")
	}
	script := `D=$(dirname "$SWEEP_SPEC"); case "$1" in ` + cases.String() + `*) exit 1 ;; esac`
	yaml := "name: exp\nworker:\n  kind: command\n  command: [sh, -c, " + strconv.Quote(script) + `, worker, "{seed}"]
  report: exit-code
executor: {kind: local, slots: 1}
seeds: {from: 1, to: 3}
max_retries: 0
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "plan", file, "--json")
	if code != 0 {
		t.Fatalf("plan: exit %d", code)
	}
	var plan struct {
		Trials []struct {
			ID   string `json:"id"`
			Seed int    `json:"seed"`
		} `json:"trials"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	ids := map[int]string{}
	for _, tr := range plan.Trials {
		ids[tr.Seed] = tr.ID
	}
	runs := filepath.Join(dir, "runs")
	if _, errOut, code := run(t, "run", file, "--runs", runs); code != 1 {
		t.Fatalf("run: exit %d (%s), want 1 (seed 3 fails)", code, errOut)
	}
	return filepath.Join(runs, "exp", "sweep.db"), ids
}

// TestExportRefuses: what cannot be exported is refused with the reason
// (exit status 2), before any python runs.
func TestExportRefuses(t *testing.T) {
	builtin := filepath.Join(t.TempDir(), "builtin.json")
	spec := `{"protocol": 1, "sweep": "exp", "trial": "x", "attempt": 1, "seed": 1, "rank": 4,
		"method": {"name": "tl6", "A": {"train": true, "tied": true, "init": "kaiming-uniform"},
			"B": {"train": true, "tied": true, "init": "zeros"}, "u": {"train": true, "init": "ones"},
			"v": {"train": true, "init": "ones"}},
		"model": {"preset": "go-micro", "arch": {"name": "go-micro"}}, "hparams": {}, "attempt_dir": "."}`
	if err := os.WriteFile(builtin, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	db, ids := exportSweep(t, map[int]string{1: "true", 2: `cp ` + builtin + ` "$SWEEP_SPEC"`})
	out := filepath.Join(t.TempDir(), "peft")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{ids[1], "--db", db}, "give --out DIR"},
		{"bad --tensors", []string{ids[1], "--db", db, "--out", out, "--tensors", "first"}, "--tensors must be best or last"},
		{"unknown trial", []string{"zzzz", "--db", db, "--out", out}, "no trial zzzz in " + db},
		{"ambiguous prefix", []string{"", "--db", db, "--out", out}, "is ambiguous"},
		{"failed trial", []string{ids[3], "--db", db, "--out", out}, "trial " + ids[3] + " has no succeeded attempt (it is failed)"},
		{"command worker", []string{ids[1][:6], "--db", db, "--out", out}, "trial " + ids[1] + " has no adapter method and rank"},
		{"built-in model", []string{ids[2], "--db", db, "--out", out}, "uses the built-in model (preset go-micro)"},
	} {
		_, errOut, code := run(t, append([]string{"export"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: got exit %d, %q; want exit 2 and %q", tc.name, code, errOut, tc.want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: got %v, want nothing written", out, err)
	}
}

// TestExportToPEFT: a trial whose attempt holds a TL6 checkpoint on a tiny
// transformers LLaMA (made by tests/test_export.py) exports, and PEFT's
// logits with the exported adapter equal ours.
func TestExportToPEFT(t *testing.T) {
	py, err := torch.DefaultFinder.Find(context.Background(), os.Getenv("TIEDLORA_PYTHON"))
	if err != nil {
		testenv.Skipf(t, "skipping: %v", err)
	}
	if out, err := exec.Command(py, "-c", "import transformers, peft").CombinedOutput(); err != nil {
		testenv.Skipf(t, "skipping: %s cannot import transformers and peft: %s", py, lastLine(string(out)))
	}
	script := filepath.Join("..", "..", "trainer", "torch", "tests", "test_export.py")
	fix := t.TempDir()
	pyRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(py, append([]string{script}, args...)...)
		cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "HF_HUB_OFFLINE=1", "PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", py, args, err, out)
		}
		return lastLine(string(out))
	}
	expected := pyRun("fixture", fix)
	// The worker of seed 1 leaves the fixture's spec.json and checkpoint in its attempt directory.
	db, ids := exportSweep(t, map[int]string{1: `cp -r ` + filepath.Join(fix, "attempt") + `/. "$D"/`})
	out := filepath.Join(t.TempDir(), "peft")
	stdout, errOut, code := run(t, "export", ids[1], "--db", db, "--out", out, "--python", py,
		"--cache", t.TempDir(), "--json")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var res torch.ExportResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	// TL6 on qkv of 4 layers, rank 4, d 64, kv 32: 12 modules, 4·4·(3·64 + 64 + 2·32) values.
	if res.Modules != 12 || res.Rank != 4 || res.Params != 5120 || res.Tensors != "best" || !strings.HasSuffix(res.Checkpoint, "step-3.pt") {
		t.Errorf("got %+v, want 12 modules, rank 4, 5120 values, best tensors of step-3.pt", res)
	}
	diff, err := strconv.ParseFloat(pyRun("compare", out, filepath.Join(fix, "model"), expected), 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PEFT's logits with the exported adapter vs ours: max relative difference %.2e", diff)
	if diff > 1e-5 {
		t.Errorf("PEFT's logits differ from ours by %.2e, want ≤ 1e-5", diff)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
